import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process, capturing what it writes to each stream. */
export async function runCli(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    columns: 200,
  });
  return { code, stdout, stderr };
}
