/**
 * The JSON of an immutable answer, made once: a cached report is sent many times (and stored
 * in the replicas' shared cache once), and an answer read from that cache keeps the text it
 * came as, so that a hit costs a string, not a serialization.
 */
export class JsonMemo {
  private readonly texts = new WeakMap<object, string>();
  /** The last body made of each value with a field appended: a hit with the same field reuses its bytes. */
  private readonly bodies = new WeakMap<object, { readonly field: string; readonly body: string }>();

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
    const fieldText = `,${JSON.stringify(name)}:${JSON.stringify(field)}}`;
    const last = this.bodies.get(value);
    if (last?.field === fieldText) return last.body;
    const text = this.of(value);
    const body = text.length > 2 ? `${text.slice(0, -1)}${fieldText}` : `{${fieldText.slice(1)}`;
    this.bodies.set(value, { field: fieldText, body });
    return body;
  }

  /** Parses an answer and remembers the text it came from. */
  parse(text: string): unknown {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) this.texts.set(value, text);
    return value;
  }
}
