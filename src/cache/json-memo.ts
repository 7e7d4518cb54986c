/**
 * The JSON of an immutable answer, made once: a cached report is sent many times (and stored
 * in the replicas' shared cache once), and an answer read from that cache keeps the text it
 * came as, so that a hit costs a string, not a serialization.
 */
export class JsonMemo {
  private readonly texts = new WeakMap<object, string>();
  /** The last body made of each value with a field appended: a hit with the same field reuses its bytes. */
  private readonly bodies = new WeakMap<object, { readonly field: string; readonly body: string }>();
  /** The same, as UTF-8 bytes: what a response sends, encoded once instead of on every answer. */
  private readonly bodyBytes = new WeakMap<object, { readonly field: string; readonly bytes: Buffer }>();

  of(value: object): string {
    let text = this.texts.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      this.texts.set(value, text);
    }
    return text;
  }

  /**
   * The value's JSON with one more field appended: answered again with the same field (a
   * cache hit within the same second), it costs no concatenation. Only the latest field of each value is kept.
   */
  withField(value: object, name: string, field: unknown): string {
    const fieldText = fieldTextOf(name, field);
    const last = this.bodies.get(value);
    if (last?.field === fieldText) return last.body;
    const body = this.appended(value, fieldText);
    this.bodies.set(value, { field: fieldText, body });
    return body;
  }

  /**
   * withField's text as UTF-8 bytes, kept the same way (the latest field of each value): a
   * response sends them as they are, where a string would be measured and encoded (17 KB for
   * a report) on every answer. The bytes are shared between answers: never to be modified.
   */
  bytesWithField(value: object, name: string, field: unknown): Buffer {
    const fieldText = fieldTextOf(name, field);
    const last = this.bodyBytes.get(value);
    if (last?.field === fieldText) return last.bytes;
    const bytes = Buffer.from(this.appended(value, fieldText), 'utf8');
    this.bodyBytes.set(value, { field: fieldText, bytes });
    return bytes;
  }

  /** Parses an answer and remembers the text it came from. */
  parse(text: string): unknown {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) this.texts.set(value, text);
    return value;
  }

  private appended(value: object, fieldText: string): string {
    const text = this.of(value);
    return text.length > 2 ? `${text.slice(0, -1)}${fieldText}` : `{${fieldText.slice(1)}`;
  }
}

/** `,"name":field}`: the end of an object with the field appended. */
function fieldTextOf(name: string, field: unknown): string {
  return `,${JSON.stringify(name)}:${JSON.stringify(field)}}`;
}
