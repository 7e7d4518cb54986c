import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The service as a real process (`node --import tsx src/server.ts`) on 127.0.0.1, for the
 * tests that need one: its own variables only, its output kept for failure messages.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
export const HOST = '127.0.0.1';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Server {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly output: () => string;
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * The server with only the variables given: nothing from the caller's configuration leaks
 * in, AWS settings included (a live source is only ever pointed at a loopback fake).
 */
export function startServer(variables: Record<string, string>, nodeArgs: readonly string[] = []): Server {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VPCE_DOCTOR_|NODE_TEST_|AWS_)/.test(name) || ['PORT', 'HOST', 'LOG_LEVEL'].includes(name)) continue;
    env[name] = value;
  }
  // No drain on SIGTERM unless a test asks for one (the service's default is 5 s).
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...env, VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: '0', ...variables },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => `stdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-4000)}` };
}

export function stopServer(server: Server): void {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
}

export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects a response; rejects when the connection fails or is reset. */
export function answerOf(request: http.ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.once('error', reject);
      response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
  });
}

/** A GET on a connection of its own. */
export function get(port: number, path: string): Promise<Answer> {
  const request = http.request({ host: HOST, port, path, method: 'GET', agent: false });
  const answer = answerOf(request);
  request.end();
  return answer;
}

export async function waitUntilReady(server: Server, port: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) assert.fail(`the server exited with ${server.child.exitCode} before it was ready\n${server.output()}`);
    try {
      const answer = await get(port, '/readyz');
      if (answer.status === 200) return;
      last = `${answer.status} ${answer.body}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  assert.fail(`/readyz never answered 200 (last: ${last})\n${server.output()}`);
}

/**
 * Replicas of the service sharing a Redis, each on a free 127.0.0.1 port with these variables,
 * started together and ready. The Redis command timeout is generous: on a loaded test
 * machine the tests are about sharing, not about a slow Redis.
 */
export async function startReplicas(
  count: number,
  redis: { url: string; prefix: string },
  variables: Record<string, string>,
): Promise<{ server: Server; port: number }[]> {
  const { freeLoopbackPort } = await import('./net.js');
  const replicas: { server: Server; port: number }[] = [];
  for (let index = 0; index < count; index++) {
    const port = await freeLoopbackPort(HOST);
    const server = startServer({
      PORT: String(port),
      HOST,
      LOG_LEVEL: 'warn',
      VPCE_DOCTOR_REDIS_URL: redis.url,
      VPCE_DOCTOR_REDIS_PREFIX: redis.prefix,
      VPCE_DOCTOR_REDIS_COMMAND_TIMEOUT_MS: '5000',
      ...variables,
    });
    replicas.push({ server, port });
  }
  for (const { server, port } of replicas) await waitUntilReady(server, port);
  return replicas;
}

/** The variables that point the AWS SDK of a child process at a loopback fake only: no instance metadata, no profile, fake static keys. */
export function awsFakeVariables(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_CONFIG_FILE: '/nonexistent/vpce-doctor-test/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/vpce-doctor-test/credentials',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
