/**
 * Splits the JSON an AWS CLI call prints, `{ "SecurityGroups": [ {…}, {…} ], "NextToken": … }`,
 * into the items of its list, as its bytes arrive: each item is parsed on its own and handed
 * on, so that a 40 MB response is never held whole, neither as text nor parsed.
 *
 * It reads only the happy path. What is outside the items (the skeleton: braces, keys, other
 * top-level values, commas, each item replaced by `{}`) is kept and parsed at the end, so
 * that a file JSON.parse refuses is refused here too; anything it cannot split with
 * certainty (not an object at the top, the list's key twice or escaped, an item that is not
 * an object) throws `NotSplittable`, and the caller reads the file whole, which says what
 * is wrong with it and where.
 */

export class NotSplittable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotSplittable';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const PLACEHOLDER = Buffer.from('{}');

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

export class ListSplitter {
  private readonly key: Buffer;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  /** Inside the list's array, between items. */
  private inList = false;
  private listSeen = false;
  /** The bytes of the item being read, from earlier chunks. */
  private itemParts: Buffer[] = [];
  private inItem = false;
  private readonly skeleton: Buffer[] = [];
  /** The last string read at depth 1 (a key, when a `:` follows it), as raw bytes. */
  private stringParts: Buffer[] = [];
  private lastString: Buffer | undefined;
  private stringHasEscape = false;
  private lastStringHasEscape = false;
  private lastSignificant = 0;
  private count = 0;

  constructor(
    key: string,
    private readonly onItem: (item: unknown, index: number) => void,
  ) {
    this.key = Buffer.from(key);
  }

  /** Reads the next bytes of the file; `chunk` may be reused by the caller afterwards. */
  push(chunk: Uint8Array): void {
    const length = chunk.length;
    // Where the current run of skeleton bytes (or of the current item) starts in this chunk.
    let runStart = 0;
    let stringStart = -1;
    for (let index = 0; index < length; index++) {
      const code = chunk[index]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (code === BACKSLASH) {
          this.escaped = true;
          if (this.depth === 1) this.stringHasEscape = true;
        } else if (code === QUOTE) {
          this.inString = false;
          if (this.depth === 1) {
            this.stringParts.push(Buffer.from(chunk.subarray(stringStart === -1 ? 0 : stringStart, index)));
            this.lastString = this.stringParts.length === 1 ? this.stringParts[0] : Buffer.concat(this.stringParts);
            this.stringParts = [];
            this.lastStringHasEscape = this.stringHasEscape;
            stringStart = -1;
          }
        }
        continue;
      }
      if (!this.started) {
        if (isJsonWhitespace(code)) continue;
        if (code !== OPEN_BRACE) throw new NotSplittable('the file does not start with a JSON object');
        this.started = true;
      }
      if (this.inList && !this.inItem) {
        if (code === OPEN_BRACE) {
          this.skeleton.push(Buffer.from(chunk.subarray(runStart, index)), PLACEHOLDER);
          this.inItem = true;
          runStart = index;
          this.depth++;
        } else if (code === CLOSE_BRACKET) {
          this.inList = false;
          this.depth--;
        } else if (!isJsonWhitespace(code) && code !== COMMA) {
          throw new NotSplittable('an item of the list is not an object');
        }
        continue;
      }
      if (code === QUOTE) {
        this.inString = true;
        if (this.depth === 1) {
          stringStart = index + 1;
          this.stringHasEscape = false;
        }
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        if (code === OPEN_BRACKET && this.depth === 1 && this.lastSignificant === COLON && this.lastString?.equals(this.key)) {
          if (this.listSeen) throw new NotSplittable('the list is there twice');
          this.listSeen = true;
          this.inList = true;
        }
        this.depth++;
      } else if (code === COLON && this.depth === 1 && this.lastStringHasEscape) {
        // A key written with escapes could be the list's: compared as bytes, it would be missed.
        throw new NotSplittable('a top-level key holds an escape');
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        this.depth--;
        if (this.inItem && this.depth === 2) {
          this.inItem = false;
          this.emit(chunk.subarray(runStart, index + 1));
          runStart = index + 1;
        }
      }
      if (!isJsonWhitespace(code)) this.lastSignificant = code;
    }
    if (this.inString && this.depth === 1) this.stringParts.push(Buffer.from(chunk.subarray(stringStart === -1 ? 0 : stringStart, length)));
    const rest = chunk.subarray(runStart, length);
    if (this.inItem) this.itemParts.push(Buffer.from(rest));
    else this.skeleton.push(Buffer.from(rest));
  }

  private emit(last: Uint8Array): void {
    const bytes = this.itemParts.length === 0 ? last : Buffer.concat([...this.itemParts, last]);
    this.itemParts = [];
    let item: unknown;
    try {
      item = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    } catch {
      throw new NotSplittable('an item of the list is not valid JSON');
    }
    this.onItem(item, this.count++);
  }

  /** The top-level object with each item of the list replaced by `{}`, once the file has been read. */
  end(): Record<string, unknown> {
    if (!this.listSeen) throw new NotSplittable('the list is not there');
    let head: unknown;
    try {
      head = JSON.parse(Buffer.concat(this.skeleton).toString('utf8'));
    } catch {
      throw new NotSplittable('the file is not valid JSON outside the items of its list');
    }
    const list = (head as Record<string, unknown>)[this.key.toString()];
    if (!Array.isArray(list) || list.length !== this.count) throw new NotSplittable('the list is not what was split');
    return head as Record<string, unknown>;
  }

  get items(): number {
    return this.count;
  }
}
