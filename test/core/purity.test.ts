import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

/** src/core is pure: it imports only itself, ipaddr.js and typebox — no I/O, no SDK, no server. */

const CORE = new URL('../../src/core/', import.meta.url).pathname;
const ALLOWED_PACKAGES = new Set(['cidr-tools', 'ipaddr.js', 'typebox']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('src/core', () => {
  it('imports nothing outside itself but ipaddr.js and typebox', () => {
    const offences: string[] = [];
    for (const file of sourceFiles(CORE)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const specifier = match[1] ?? match[2]!;
        if (specifier.startsWith('.')) {
          const target = join(file, '..', specifier);
          if (relative(CORE, target).startsWith('..')) offences.push(`${relative(CORE, file)} imports ${specifier}`);
        } else if (!ALLOWED_PACKAGES.has(specifier.split('/')[0]!)) {
          offences.push(`${relative(CORE, file)} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(offences, []);
  });
});
