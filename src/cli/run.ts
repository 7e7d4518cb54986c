// The CLI process for development and tests (`node --import tsx src/cli/run.ts`); bin/ runs the built one.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Not a terminal (a pipe, a file): 80 columns, and no colour.
  columns: process.stdout.isTTY ? process.stdout.columns : 80,
  color: process.stdout.isTTY === true && !process.env['NO_COLOR'],
});
