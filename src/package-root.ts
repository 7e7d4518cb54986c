import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A path inside this package: its root is the nearest directory above this module that holds
 * package.json. The sources (src/), the compiled modules (dist/) and the bundled CLI
 * (dist/bin/) sit at different depths, so no fixed `../..` fits them all.
 */
export function packagePath(...segments: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return join(dir, ...segments);
}
