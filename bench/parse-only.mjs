// The floor of `vpce-doctor report`: a process that reads and JSON.parse-s every file of a
// snapshot directory, keeps what it parsed, and prints the parsed JSON's heap size (after a
// full GC, the files' text gone) and its own peak RSS. With `--heap` (and node's
// --expose-gc) it measures the heap; without, it only reads and parses, for the wall time.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import v8 from 'node:v8';

async function filesUnder(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)])));
  return nested.flat();
}

const measureHeap = process.argv.includes('--heap');
if (measureHeap) globalThis.gc();
const before = v8.getHeapStatistics().used_heap_size;
const parsed = [];
for (const file of await filesUnder(process.argv[2])) if (file.endsWith('.json')) parsed.push(JSON.parse(await readFile(file, 'utf8')));
if (measureHeap) globalThis.gc();
const heapBytes = measureHeap ? v8.getHeapStatistics().used_heap_size - before : undefined;
process.stdout.write(JSON.stringify({ files: parsed.length, parsedHeapBytes: heapBytes, maxRssKb: process.resourceUsage().maxRSS }));
