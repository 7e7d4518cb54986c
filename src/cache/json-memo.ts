/**
 * The JSON of an immutable answer, made once: a cached report is sent many times (and stored
 * in the replicas' shared cache once), and an answer read from that cache keeps the text it
 * came as, so that a hit costs a string, not a serialization.
 */
export class JsonMemo {
  private readonly texts = new WeakMap<object, string>();

  of(value: object): string {
    let text = this.texts.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      this.texts.set(value, text);
    }
    return text;
  }

  /** Parses an answer and remembers the text it came from. */
  parse(text: string): unknown {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) this.texts.set(value, text);
    return value;
  }
}
