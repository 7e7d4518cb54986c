import assert from 'node:assert/strict';
import { createServer, Socket, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectOnce, netConnector, type Connector } from '../../src/probe/tcp.js';
import { listenOnLoopback } from '../support/net.js';

/**
 * One TCP connect on loopback only: a real listener on 127.0.0.2 for `open`, a port that was
 * just closed on 127.0.0.2 for `refused`, and injected connectors for everything a loopback
 * connect cannot show (a socket that never connects, a connector that throws, errno codes).
 * Nothing is dialled outside 127.0.0.0/8.
 */

const HOST = '127.0.0.2';

let listener: Server;
let openPort: number;
let closedPort: number;

const listen = (server: Server) => listenOnLoopback(server, HOST);

function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** Waits until the listener holds no connection: the probe's socket was closed, not leaked. */
async function drained(server: Server, withinMs = 2000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const count = await connections(server);
    if (count === 0) return;
    if (Date.now() > deadline) assert.fail(`the listener still holds ${count} connection(s) after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Records the sockets a connector hands out, to check that each was destroyed. */
function recording(inner: Connector): { connector: Connector; sockets: Socket[]; dialled: string[] } {
  const sockets: Socket[] = [];
  const dialled: string[] = [];
  const connector: Connector = (address, port) => {
    assert.ok(address.startsWith('127.'), `a test must dial loopback only, not ${address}`);
    dialled.push(`${address}:${port}`);
    const socket = inner(address, port);
    sockets.push(socket);
    return socket;
  };
  return { connector, sockets, dialled };
}

/** A socket that is never connected: it emits nothing unless the test makes it. */
const neverConnects: Connector = () => new Socket();

/** A socket that fails asynchronously with the given errno, as a kernel error would. */
function failsWith(code: string): Connector {
  return () => {
    const socket = new Socket();
    setImmediate(() => socket.emit('error', Object.assign(new Error(`connect ${code}`), { code })));
    return socket;
  };
}

before(async () => {
  // The listener leaves accepted sockets alone: only the prober's destroy() can close them.
  listener = createServer(() => {});
  openPort = await listen(listener);
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
});

after(async () => {
  await new Promise((resolve) => listener.close(resolve));
});

describe('connectOnce', () => {
  it('is open against a loopback listener, with a latency above 0, and closes its socket', async () => {
    const { connector, sockets, dialled } = recording(netConnector);
    const attempt = await connectOnce(HOST, openPort, 2000, connector);
    assert.equal(attempt.outcome, 'open');
    assert.ok(attempt.latencyMs > 0, `latency ${attempt.latencyMs}`);
    assert.ok(attempt.latencyMs < 2000, `latency ${attempt.latencyMs}`);
    assert.equal(attempt.errno, undefined);
    assert.deepEqual(dialled, [`${HOST}:${openPort}`]);
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0]!.destroyed, true);
    await drained(listener);
  });

  it('leaves no connection behind after many open probes in a row', async () => {
    const { connector, sockets } = recording(netConnector);
    const attempts = await Promise.all(Array.from({ length: 50 }, () => connectOnce(HOST, openPort, 2000, connector)));
    assert.ok(attempts.every((attempt) => attempt.outcome === 'open'));
    assert.ok(sockets.every((socket) => socket.destroyed));
    await drained(listener);
  });

  it('does not keep its timeout timer after an open connect', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const attempt = await connectOnce(HOST, openPort, 60_000, netConnector);
    assert.equal(attempt.outcome, 'open');
    assert.equal(timers(), before);
    await drained(listener);
  });

  it('is refused against a closed loopback port, with errno ECONNREFUSED', async () => {
    const { connector, sockets } = recording(netConnector);
    const attempt = await connectOnce(HOST, closedPort, 2000, connector);
    assert.equal(attempt.outcome, 'refused');
    assert.equal(attempt.errno, 'ECONNREFUSED');
    assert.ok(attempt.latencyMs >= 0 && attempt.latencyMs < 2000, `latency ${attempt.latencyMs}`);
    assert.equal(sockets[0]!.destroyed, true);
  });

  it('times out with a socket that never connects: settles at the timeout and destroys the socket', async () => {
    const { connector, sockets } = recording(neverConnects);
    const started = performance.now();
    const attempt = await connectOnce(HOST, openPort, 150, connector);
    const elapsed = performance.now() - started;
    assert.equal(attempt.outcome, 'timeout');
    assert.equal(attempt.errno, undefined);
    assert.ok(attempt.latencyMs >= 148, `latency ${attempt.latencyMs}`);
    assert.ok(elapsed >= 148 && elapsed < 1500, `settled after ${elapsed} ms`);
    assert.equal(sockets[0]!.destroyed, true);
  });

  it('settles once: a late connect or error after the timeout neither changes the result nor goes unhandled', async () => {
    const { connector, sockets } = recording(neverConnects);
    const attempt = await connectOnce(HOST, openPort, 30, connector);
    assert.equal(attempt.outcome, 'timeout');
    const socket = sockets[0]!;
    assert.doesNotThrow(() => socket.emit('connect'));
    assert.doesNotThrow(() => socket.emit('error', Object.assign(new Error('late'), { code: 'ECONNRESET' })));
    assert.equal(attempt.outcome, 'timeout');
    assert.equal(socket.destroyed, true);
  });

  it('is error when the connector throws, with the errno taken from the error code', async () => {
    const throwing: Connector = () => {
      throw Object.assign(new Error('no file descriptors left'), { code: 'EMFILE' });
    };
    const attempt = await connectOnce(HOST, openPort, 2000, throwing);
    assert.equal(attempt.outcome, 'error');
    assert.equal(attempt.errno, 'EMFILE');
    assert.ok(attempt.latencyMs >= 0 && attempt.latencyMs < 2000);
  });

  it("is error with node's own code when net.connect throws (port out of range)", async () => {
    const attempt = await connectOnce(HOST, 70_000, 2000, netConnector);
    assert.equal(attempt.outcome, 'error');
    assert.equal(attempt.errno, 'ERR_SOCKET_BAD_PORT');
  });

  it('is error with EINVAL when the thrown error has no code', async () => {
    const attempt = await connectOnce(HOST, openPort, 2000, () => {
      throw new Error('broken connector');
    });
    assert.deepEqual({ outcome: attempt.outcome, errno: attempt.errno }, { outcome: 'error', errno: 'EINVAL' });
  });

  it('maps the errno of a failed connect to its outcome, and destroys the socket', async () => {
    const cases: [string, string][] = [
      ['ECONNREFUSED', 'refused'],
      ['ETIMEDOUT', 'timeout'],
      ['EHOSTUNREACH', 'unreachable'],
      ['ENETUNREACH', 'unreachable'],
      ['EHOSTDOWN', 'unreachable'],
      ['ENETDOWN', 'unreachable'],
      ['EADDRNOTAVAIL', 'unreachable'],
      ['EACCES', 'error'],
      ['ECONNRESET', 'error'],
    ];
    for (const [code, outcome] of cases) {
      const { connector, sockets } = recording(failsWith(code));
      const attempt = await connectOnce(HOST, openPort, 2000, connector);
      assert.equal(attempt.outcome, outcome, code);
      assert.equal(attempt.errno, code);
      assert.ok(attempt.latencyMs < 2000, `${code}: ${attempt.latencyMs}`);
      assert.equal(sockets[0]!.destroyed, true, code);
    }
  });

  it('never rejects: a failing connect resolves', async () => {
    const results = await Promise.allSettled([
      connectOnce(HOST, closedPort, 2000, netConnector),
      connectOnce(HOST, openPort, 20, neverConnects),
      connectOnce(HOST, openPort, 2000, failsWith('EHOSTUNREACH')),
      connectOnce(HOST, openPort, 2000, () => {
        throw new Error('x');
      }),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
  });
});
