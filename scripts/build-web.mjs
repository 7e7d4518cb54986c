/**
 * Builds the web page (web/) into dist/web: the script bundled by esbuild and the style
 * sheet, each under a name with its content hash (served as immutable), and index.html
 * naming them (served fresh). Run by `npm run build` (and so by `npm ci` and `npm test`).
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'web');
await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { app: join(root, 'web', 'src', 'main.ts'), style: join(root, 'web', 'style.css') },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => /^app-.*\.js$/.test(name));
const style = outputs.find((name) => /^style-.*\.css$/.test(name));
if (!script || !style) throw new Error(`the web build made no script or style sheet: ${outputs.join(', ')}`);
const html = (await readFile(join(root, 'web', 'index.html'), 'utf8')).replace('{{script}}', script).replace('{{style}}', style);
await writeFile(join(out, 'index.html'), html);
console.log(`web page built: dist/web/index.html, assets/${script}, assets/${style}`);
