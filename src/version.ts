import { readFileSync } from 'node:fs';

/** This build's version: package.json's, beside dist/ and src/ alike. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
