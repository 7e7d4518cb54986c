/** A benchmark's numeric command-line option (`--name N`), positive, or its default. */
export function numberOption(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} wants a positive number, got ${argv[index + 1]}`);
  return value;
}
