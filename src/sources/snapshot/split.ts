/**
 * Splits the JSON an AWS CLI call prints, `{ "SecurityGroups": [ {…}, {…} ], "NextToken": … }`,
 * into the items of its list, as its bytes arrive: each item is parsed on its own and handed
 * on, so that a 40 MB response is never held whole, neither as text nor parsed.
 *
 * It reads only the happy path. What is outside the items (the skeleton: braces, keys, other
 * top-level values, commas, each item replaced by `{}`) is kept and parsed at the end, so
 * that a file JSON.parse refuses is refused here too; anything it cannot split with
 * certainty (not an object at the top, the list's key twice, a top-level key written with
 * escapes, an item that is not an object) throws `NotSplittable`, and the caller reads the file whole, which says what
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
/** The bytes that matter inside an item: quotes, backslashes and brackets. */
const STRUCTURAL = new Uint8Array(256);
for (const code of [QUOTE, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET]) STRUCTURAL[code] = 1;

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
  /** Bytes of this chunk already read (what a backslash at the end of the previous one escapes). */
  private carry = 0;
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
    let index = 0;
    if (this.inItem) {
      index = this.skipItem(chunk, 0);
      if (this.inItem) {
        this.itemParts.push(Buffer.from(chunk));
        return;
      }
      this.emit(chunk.subarray(0, index));
      runStart = index;
    }
    for (; index < length; index++) {
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
      if (this.inList) {
        if (code === OPEN_BRACE) {
          this.skeleton.push(Buffer.from(chunk.subarray(runStart, index)), PLACEHOLDER);
          runStart = index;
          this.inItem = true;
          this.depth++;
          const end = this.skipItem(chunk, index + 1);
          if (this.inItem) {
            this.itemParts.push(Buffer.from(chunk.subarray(runStart, length)));
            return;
          }
          this.emit(chunk.subarray(runStart, end));
          runStart = end;
          index = end - 1;
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
      }
      if (!isJsonWhitespace(code)) this.lastSignificant = code;
    }
    if (this.inString && this.depth === 1) this.stringParts.push(Buffer.from(chunk.subarray(stringStart === -1 ? 0 : stringStart, length)));
    this.skeleton.push(Buffer.from(chunk.subarray(runStart, length)));
  }

  /**
   * Inside an item, from `start`: only strings and brackets matter until the item closes.
   * Returns the offset just past its closing brace (and leaves the item), or the chunk's
   * length when it goes on in the next chunk. The hot loop: most bytes of a file are here.
   */
  private skipItem(chunk: Uint8Array, start: number): number {
    const length = chunk.length;
    let depth = this.depth;
    let inString = this.inString;
    // An escape's backslash was the last byte of the previous chunk: this one starts with what it escapes.
    let index = start + this.carry;
    while (index < length) {
      const code = chunk[index++]!;
      if (STRUCTURAL[code] === 0) continue;
      if (inString) {
        if (code === BACKSLASH) index++;
        else if (code === QUOTE) inString = false;
      } else if (code === QUOTE) {
        inString = true;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth++;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        if (--depth === 2) {
          this.depth = depth;
          this.inString = false;
          this.carry = 0;
          this.inItem = false;
          return index;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.carry = index - length;
    return length;
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
}
