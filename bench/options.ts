/** A benchmark's numeric command-line option (`--name N`), positive, or its default. */
export function numberOption(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} wants a positive number, got ${argv[index + 1]}`);
  return value;
}

/** A seeded PRNG (mulberry32) giving floats in [0, 1), so that every run draws the same pairs. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
