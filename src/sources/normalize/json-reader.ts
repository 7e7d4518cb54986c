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
  constructor(
    readonly file: string,
    readonly value: unknown,
    readonly path = '$',
  ) {}

  fail(problem: string): never {
    throw new SnapshotFormatError(this.file, this.path, problem);
  }

  private record(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`expected an object, found ${describeValue(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  /** The reader of a field, or undefined when it is absent (or null, as the CLI may print). */
  optional(key: string): JsonReader | undefined {
    const value = this.record()[key];
    return value === undefined || value === null ? undefined : new JsonReader(this.file, value, pathOf(this.path, key));
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
    return this.value.map((item, index) => new JsonReader(this.file, item, pathOf(this.path, index)));
  }

  string(key: string): string {
    return this.required(key).asString();
  }

  optionalString(key: string): string | undefined {
    return this.optional(key)?.asString();
  }

  optionalInteger(key: string): number | undefined {
    return this.optional(key)?.asInteger();
  }

  optionalBoolean(key: string): boolean | undefined {
    return this.optional(key)?.asBoolean();
  }

  /** An array field; an absent one reads as empty, as the CLI omits empty lists at times. */
  list(key: string): JsonReader[] {
    return this.optional(key)?.asArray() ?? [];
  }

  requiredList(key: string): JsonReader[] {
    return this.required(key).asArray();
  }
}
