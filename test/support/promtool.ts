import { spawnSync } from 'node:child_process';

/**
 * `promtool check metrics` on an exposition: its exit status and findings, or `missing` when
 * promtool is not installed. CI installs it (Debian's prometheus package), so there a missing
 * promtool is a failure, not a skip.
 */
export function promtoolCheck(exposition: string): { status: number; output: string } | 'missing' {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    if (process.env['CI']) throw new Error('promtool is required in CI: apt-get install prometheus');
    return 'missing';
  }
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}
