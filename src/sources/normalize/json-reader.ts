/**
 * Reads AWS JSON with the file and JSON path at hand, so that every shape error names
 * both: tolerant of fields it does not know, strict on the ones it needs.
 */
export class SnapshotFormatError extends Error {
  constructor(
    readonly file: string,
    readonly jsonPath: string,
    readonly problem: string,
  ) {
    super(`${file}: ${jsonPath}: ${problem}`);
    this.name = 'SnapshotFormatError';
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
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

  optionalBoolean(key: string): boolean | undefined {
    const value = this.record()[key];
    if (value === undefined || value === null || typeof value === 'boolean') return value ?? undefined;
    return this.child(key).asBoolean();
  }

  /** An array field; an absent one reads as empty, as the CLI omits empty lists at times. */
  list(key: string): JsonReader[] {
    return this.optional(key)?.asArray() ?? [];
  }

  requiredList(key: string): JsonReader[] {
    return this.required(key).asArray();
  }
}
