/**
 * Bundles the CLI (src/cli/run.ts and what it imports) into dist/bin/ with esbuild, which
 * bin/vpce-doctor.js runs: one module to load instead of some 750 (TypeBox alone is 680
 * files), so a command starts in a quarter of a second. The AWS SDK, Redis and the HTTP
 * stack stay in node_modules and load only when a command needs them; the live AWS source
 * is a chunk of its own, imported only for a live read. Run by `npm run build`, after tsc
 * has type-checked the sources.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'bin');
await rm(out, { recursive: true, force: true });
await build({
  entryPoints: { 'vpce-doctor': join(root, 'src', 'cli', 'run.ts') },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  splitting: true,
  sourcemap: true,
  outdir: out,
  // Loaded from node_modules when a command needs them, as the compiled modules do.
  external: ['@aws-sdk/*', '@smithy/*', 'ioredis', 'fastify', '@fastify/*', 'pino', 'prom-client', 'close-with-grace'],
  // Bundled CommonJS dependencies (ipaddr.js) may call require for Node's built-ins.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  logLevel: 'warning',
});
console.log('CLI bundled: dist/bin/vpce-doctor.js');
