// The CLI process for development and tests (`node --import tsx src/cli/run.ts`); bin/ runs the built one.
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { pipeline } from 'node:stream/promises';
import { main, terminalOf } from './main.js';

// A CLI run builds one model, answers and leaves. V8 grows the young generation when much of
// what it allocates survives, as a model being built does, up to 2 x 32 MB that only the
// peak RSS sees: kept at its first size, the 1,000-endpoint report peaks at 132 MB instead
// of 190 MB, and runs faster (docs/benchmarks.md). A tuning flag V8 reads at each GC.
setFlagsFromString('--semi-space-growth-factor=1');

function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

// The reader went away (`vpce-doctor … | head`): what is left to print has no one to read it.
process.stdout.on('error', (error) => {
  if (!isBrokenPipe(error)) throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stream: async (blocks) => {
    try {
      // Pulled as stdout drains: a slow reader holds the report back instead of memory filling up.
      await pipeline(Readable.from(blocks), process.stdout, { end: false });
    } catch (error) {
      if (!isBrokenPipe(error)) throw error;
    }
  },
  // A terminal's width and colours; off a terminal (a pipe, a file), 80 columns and no colour.
  ...terminalOf(process.stdout, process.env),
});
