import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';

/** Loopback helpers for tests: nothing here listens or connects beyond 127.0.0.0/8. */

/** A port free on a loopback address right now, for a child process to listen on. */
export async function freeLoopbackPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Listens on a loopback address with a deep backlog (many parallel connects in one process drop SYNs otherwise). */
export function listenOnLoopback(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, backlog: 4096 }, () => resolve((server.address() as AddressInfo).port));
  });
}
