import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freeLoopbackPort } from './net.js';

/**
 * A real Redis for the tests (Debian's redis-server; .ci/run installs it): its own process
 * on a free 127.0.0.1 port, persistence off, stopped by the test. It can be stopped and
 * started again on the same port, as a Redis that goes away and comes back.
 */

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL: no goodbye to the clients). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** A plain client, for a test to look at or spoil what is stored. */
  client(): Redis;
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on 127.0.0.1:${port} did not answer within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

export async function startTestRedis(): Promise<TestRedis> {
  if (!redisServerAvailable()) throw new Error('redis-server is not installed (apt-get install redis-server; .ci/run does it)');
  const port = await freeLoopbackPort();
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    await waitForPing(port);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: async () => {
      for (const client of clients.splice(0)) client.disconnect();
      await stop();
    },
    client: () => {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
  };
}
