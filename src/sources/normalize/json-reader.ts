/**
 * Reads AWS JSON with the file and JSON path at hand, so that every shape error names
 * both: tolerant of fields it does not know, strict on the ones it needs.
 */
export class SnapshotFormatError extends Error {
  constructor(
    /** Relative to the snapshot directory, as found there (`ec2/DescribeSubnets.json`, `describe-subnets.json.gz`). */
    readonly file: string,
    /** Where in the file: a JSON path (`$.Subnets[3].CidrBlock`), `$` for the whole file, or `line L, column C` for a JSON syntax error. */
    readonly jsonPath: string,
    readonly problem: string,
  ) {
    super(`${file}: ${jsonPath}: ${problem}`);
    this.name = 'SnapshotFormatError';
  }
}

/**
 * Text from a file, safe to print in one line: control, format (BOM, zero-width), private
 * use, unassigned, lone surrogate and line separator characters and U+FFFD are escaped (`\u00a0`, `\n`), never
 * echoed raw, so that a message about a garbled file shows what is in it.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u00a0\ufffd\\]/gu, (char) => {
    if (char === '\\') return '\\\\';
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    const code = char.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A string value for a message: quoted, shortened, invisible characters escaped. */
export function quote(text: string, max = 40): string {
  const chars = [...text];
  return `"${printable(chars.length > max ? `${chars.slice(0, max).join('')}…` : text).replaceAll('"', '\\"')}"`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export class JsonReader {
  /**
   * The path is computed only when an error needs it: snapshots hold hundreds of thousands
   * of values, and building every path string would cost more than reading them.
   */
  constructor(
    readonly file: string,
    readonly value: unknown,
    private readonly parent?: JsonReader,
    private readonly key?: string | number,
  ) {}

  get path(): string {
    return this.parent === undefined || this.key === undefined ? '$' : pathOf(this.parent.path, this.key);
  }

  fail(problem: string): never {
    throw new SnapshotFormatError(this.file, this.path, problem);
  }

  private record(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`expected an object, found ${describeValue(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  private child(key: string): JsonReader {
    return new JsonReader(this.file, this.record()[key], this, key);
  }

  /** The reader of a field, or undefined when it is absent (or null, as the CLI may print). */
  optional(key: string): JsonReader | undefined {
    const value = this.record()[key];
    return value === undefined || value === null ? undefined : new JsonReader(this.file, value, this, key);
  }

  required(key: string): JsonReader {
    const field = this.optional(key);
    if (!field) this.fail(`required field ${key} is missing`);
    return field;
  }

  asString(): string {
    if (typeof this.value !== 'string') this.fail(`expected a string, found ${describeValue(this.value)}`);
    return this.value;
  }

  asNumber(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail(`expected a number, found ${describeValue(this.value)}`);
    return this.value;
  }

  asInteger(): number {
    const value = this.asNumber();
    if (!Number.isInteger(value)) this.fail(`expected an integer, found ${value}`);
    return value;
  }

  asBoolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail(`expected true or false, found ${describeValue(this.value)}`);
    return this.value;
  }

  asArray(): JsonReader[] {
    if (!Array.isArray(this.value)) this.fail(`expected an array, found ${describeValue(this.value)}`);
    return this.value.map((item, index) => new JsonReader(this.file, item, this, index));
  }

  // The typed accessors read the value directly and build a child reader only to report an error.

  string(key: string): string {
    const value = this.record()[key];
    return typeof value === 'string' ? value : this.required(key).asString();
  }

  optionalString(key: string): string | undefined {
    const value = this.record()[key];
    if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
    return this.child(key).asString();
  }

  optionalInteger(key: string): number | undefined {
    const value = this.record()[key];
    if (value === undefined || value === null) return undefined;
    return Number.isInteger(value) ? (value as number) : this.child(key).asInteger();
  }

  /** A required integer field within min..max (a port, a rule number). */
  integerIn(key: string, min: number, max: number, what = 'an integer'): number {
    const value = this.record()[key];
    if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) return value as number;
    return this.required(key).asIntegerIn(min, max, what);
  }

  /** An optional integer field within min..max; absent (or null) reads as undefined. */
  optionalIntegerIn(key: string, min: number, max: number, what = 'an integer'): number | undefined {
    const value = this.record()[key];
    if (value === undefined || value === null) return undefined;
    if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) return value as number;
    return this.child(key).asIntegerIn(min, max, what);
  }

  asIntegerIn(min: number, max: number, what = 'an integer'): number {
    if (typeof this.value !== 'number' || !Number.isInteger(this.value) || this.value < min || this.value > max) {
      this.fail(`expected ${what} from ${min} to ${max}, found ${describeValue(this.value)}`);
    }
    return this.value;
  }

  optionalBoolean(key: string): boolean | undefined {
    const value = this.record()[key];
    if (value === undefined || value === null || typeof value === 'boolean') return value ?? undefined;
    return this.child(key).asBoolean();
  }

  /** An array field; an absent one reads as empty, as the CLI omits empty lists at times. */
  list(key: string): JsonReader[] {
    const value = this.record()[key];
    // Most lists of a rule are empty or absent: no reader is made for them.
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return [];
    return this.child(key).asArray();
  }

  requiredList(key: string): JsonReader[] {
    return this.required(key).asArray();
  }
}

/**
 * Fails on the second item that carries an id already seen, naming both JSON paths: two
 * objects with one id are not something AWS prints, and reading either would be a guess.
 * `ids[i]` is the id of `items[i]`, read by the caller; `field` names it in the message.
 */
export function assertUniqueIds(items: readonly JsonReader[], ids: readonly string[], field: string): void {
  if (items.length < 2) return;
  const seen = new Map<string, number>();
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index]!;
    const first = seen.get(id);
    if (first !== undefined) items[index]!.fail(`duplicate ${field} ${quote(id, 200)}: ${items[first]!.path} has it too`);
    seen.set(id, index);
  }
}
