import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { within } from '../support/server-process.js';

/**
 * `npm start` is how a newcomer serves the example, and how some run it under a supervisor:
 * stopping npm must stop the server (npm forwards SIGTERM to its child only, so the script
 * execs node rather than leaving a shell in between).
 */

const ROOT = new URL('../../', import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it(
    'serves on the port given and stops when npm gets SIGTERM',
    { skip: existsSync(`${ROOT}dist/server.js`) ? false : 'npm run build first', timeout: 120_000 },
    async () => {
      const env: NodeJS.ProcessEnv = {};
      for (const [name, value] of Object.entries(process.env)) if (!/^(VPCE_DOCTOR_|NODE_TEST_|AWS_)/.test(name)) env[name] = value;
      const npm = spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        env: { ...env, PORT: '0', HOST: '127.0.0.1', VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      npm.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const npmExited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
      let serverPid: number | undefined;
      try {
        const listening = await within(
          new Promise<{ pid: number; url: string }>((resolve) => {
            const look = () => {
              const match = /"pid":(\d+)[^\n]*"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
              if (match) resolve({ pid: Number(match[1]), url: match[2]! });
              else setTimeout(look, 50);
            };
            look();
          }),
          90_000,
          'the server listening',
        );
        serverPid = listening.pid;
        assert.notEqual(serverPid, npm.pid, 'npm runs the server as its child');
        const ready = await fetch(`${listening.url}/readyz`);
        assert.equal(ready.status, 200);
        npm.kill('SIGTERM');
        await within(npmExited, 30_000, 'npm exiting');
        const deadline = Date.now() + 30_000;
        while (alive(serverPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(alive(serverPid), false, `the server (pid ${serverPid}) outlived npm\n${output}`);
        assert.match(output, /"signal":"SIGTERM"/, 'the server got the signal and stopped gracefully');
      } finally {
        if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
        if (npm.exitCode === null) npm.kill('SIGKILL');
      }
    },
  );
});
