import { readFileSync } from 'node:fs';
import { packagePath } from './package-root.js';

/** This build's version: package.json's. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return manifest.version;
}
