import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, Socket } from 'node:net';
import { netConnector, type Connector } from '../../src/probe/tcp.js';
import { buildTestApp, HEALTHY, type TestApp } from './app.js';

/**
 * The bundled healthy example with its endpoint interfaces moved to loopback addresses, so
 * that probes reach real listeners on this machine and nothing else. Every file stays the
 * AWS CLI JSON it was; only the interface addresses change.
 */
export const LOOPBACK_INTERFACES: Readonly<Record<string, string>> = {
  '10.0.10.137': '127.0.0.2',
  '10.0.11.201': '127.0.0.3',
  '10.0.12.58': '127.0.0.4',
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)])));
  return nested.flat();
}

export async function loopbackSnapshot(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'vpce-doctor-loopback-'));
  const dir = join(root, 'snapshot');
  await cp(HEALTHY.dir, dir, { recursive: true });
  for (const file of await filesUnder(dir)) {
    let text = await readFile(file, 'utf8');
    for (const [from, to] of Object.entries(LOOPBACK_INTERFACES)) text = text.split(`"${from}"`).join(`"${to}"`);
    await writeFile(file, text);
  }
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

/**
 * The prober's connector for the loopback fixture: each target it is asked to dial is
 * recorded in `dialled`; anything off loopback is refused, and 127.0.0.4 never connects
 * (a timeout), so the three interfaces give open, refused and timeout.
 */
export function loopbackConnector(dialled: string[]): Connector {
  return (address, targetPort) => {
    dialled.push(`${address}:${targetPort}`);
    if (!address.startsWith('127.')) throw new Error(`refusing to dial ${address} in a test`);
    if (address === '127.0.0.4') return new Socket();
    return netConnector(address, targetPort);
  };
}

/**
 * The app on the loopback fixture, probing through `connector`: a listener on 127.0.0.2 (the
 * open interface) on a port the probes may use, the service's own address the healthy
 * example's client. `close` stops all of it and removes the fixture.
 */
export async function loopbackProbeApp(connector: Connector): Promise<TestApp & { readonly port: number; close(): Promise<void> }> {
  const listener = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listener.listen({ host: '127.0.0.2', port: 0, backlog: 4096 }, resolve));
  const port = (listener.address() as { port: number }).port;
  const fixture = await loopbackSnapshot();
  const test = await buildTestApp({
    snapshotDir: fixture.dir,
    connector,
    probe: { allowedPorts: [port], defaults: { timeoutMs: 300, attempts: 1 }, selfIp: () => HEALTHY.clientIp, roundsPerMinute: 600 },
  });
  return {
    ...test,
    port,
    close: async () => {
      await test.app.close();
      await new Promise((resolve) => listener.close(resolve));
      await fixture.remove();
    },
  };
}
