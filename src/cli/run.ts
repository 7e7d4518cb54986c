// The CLI process for development and tests (`node --import tsx src/cli/run.ts`); bin/ runs the built one.
import { main, terminalOf } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // A terminal's width and colours; off a terminal (a pipe, a file), 80 columns and no colour.
  ...terminalOf(process.stdout, process.env),
});
