import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Tests that start the service with probes on run in a fresh network namespace when the
 * machine allows it (`unshare --net`, then `ip link set lo up`): only loopback exists there,
 * so nothing they start can dial anything else. The file runs again inside the namespace, as
 * one test of the outer run; where unshare is not allowed, it runs as it is (loopback only
 * all the same, by its fixtures).
 */

const INSIDE = 'VPCE_DOCTOR_TEST_NETNS';

function canUnshare(): boolean {
  return spawnSync('unshare', ['--net', 'true'], { stdio: 'ignore' }).status === 0;
}

/** True when the file's tests were handed to a run inside a fresh namespace: the caller then defines none itself. */
export function runInFreshNetworkNamespace(fileUrl: string, timeoutMs: number): boolean {
  if (process.env[INSIDE] === '1' || !canUnshare()) return false;
  const file = fileURLToPath(fileUrl);
  it(`runs ${file.split('/test/')[1]} in a fresh network namespace (loopback only)`, { timeout: timeoutMs }, async () => {
    // Not a subtest of this run (node:test would skip a run it sees as nested): a run of its own, in the namespace.
    const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
    const child = spawn(
      'unshare',
      ['--net', 'sh', '-c', 'ip link set lo up && exec "$0" --import tsx --test --test-reporter=tap "$1"', process.execPath, file],
      {
        env: { ...env, [INSIDE]: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (process.env['VPCE_DOCTOR_TEST_VERBOSE']) process.stdout.write(output);
    assert.equal(code, 0, `the tests inside the namespace failed:\n${output.slice(-8000)}`);
    // A run that tested nothing is no pass.
    const passed = Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0);
    const skipped = Number(/^# skipped (\d+)$/m.exec(output)?.[1] ?? 0);
    assert.ok(passed + skipped > 0 && /^# fail 0$/m.test(output), `no test ran inside the namespace:\n${output.slice(-8000)}`);
  });
  return true;
}
