import assert from 'node:assert/strict';
import { createServer, Socket, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ProbeRefusedError, type ProbeTarget } from '../../src/probe/guard.js';
import { PROBE_ATTEMPTS_MAX, PROBE_TIMEOUT_MAX_MS, ProbeRateLimitedError, Prober, type ProbeResult, type ProberOptions } from '../../src/probe/run.js';
import { netConnector, type Connector } from '../../src/probe/tcp.js';
import { listenOnLoopback } from '../support/net.js';

/**
 * The prober: bounded concurrency in all and per endpoint, a round budget per endpoint,
 * attempts, the bounds on timeout and attempts, and the defence-in-depth address check.
 * Connects go to 127.0.0.0/8 only; timeouts come from injected sockets that never connect.
 */

const HOST = '127.0.0.2';

let listener: Server;
let openPort: number;
let closedPort: number;

const listen = (server: Server) => listenOnLoopback(server, HOST);

before(async () => {
  listener = createServer((socket) => socket.destroy());
  openPort = await listen(listener);
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
});

after(async () => {
  await new Promise((resolve) => listener.close(resolve));
});

function target(address: string, port = 443, networkInterfaceId = `eni-${address.replaceAll('.', '')}`): ProbeTarget {
  return { networkInterfaceId, address, port, availabilityZone: 'us-east-1a' };
}

/** Loopback targets 127.0.<third>.1 … 127.0.<third>.<count>. */
function targets(third: number, count: number, port = 443): ProbeTarget[] {
  return Array.from({ length: count }, (_, index) => target(`127.0.${third}.${index + 1}`, port));
}

function loopbackOnly(address: string): void {
  assert.ok(address.startsWith('127.'), `a test must dial loopback only, not ${address}`);
}

/** A socket that is never connected: connectOnce ends it as a timeout. */
const neverConnects: Connector = (address) => {
  loopbackOnly(address);
  return new Socket();
};

/** Refused at once, without touching the network. */
const refusesAtOnce: Connector = (address) => {
  loopbackOnly(address);
  const socket = new Socket();
  setImmediate(() => socket.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
  return socket;
};

function prober(options: Partial<ProberOptions> = {}): Prober {
  return new Prober({ concurrency: 10, perEndpointConcurrency: 10, roundsPerMinute: 600, connector: refusesAtOnce, ...options });
}

const FAST = { timeoutMs: 1000, attempts: 1 };

describe('Prober concurrency', () => {
  it('never has more than `concurrency` sockets in flight, nor more than `perEndpointConcurrency` to one endpoint', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const perEndpoint = new Map<string, number>();
    const maxPerEndpoint = new Map<string, number>();
    let dialled = 0;
    // The endpoint is the third octet of the address: 127.0.<endpoint>.<n>.
    const tracking: Connector = (address) => {
      loopbackOnly(address);
      dialled++;
      const endpoint = address.split('.')[2]!;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const now = (perEndpoint.get(endpoint) ?? 0) + 1;
      perEndpoint.set(endpoint, now);
      maxPerEndpoint.set(endpoint, Math.max(maxPerEndpoint.get(endpoint) ?? 0, now));
      const socket = new Socket();
      const destroy = socket.destroy.bind(socket);
      let closed = false;
      socket.destroy = (error?: Error) => {
        if (!closed) {
          closed = true;
          inFlight--;
          perEndpoint.set(endpoint, perEndpoint.get(endpoint)! - 1);
        }
        return destroy(error);
      };
      setTimeout(() => socket.emit('connect'), 15 + Math.random() * 10);
      return socket;
    };
    const probes = prober({ concurrency: 5, perEndpointConcurrency: 2, connector: tracking });
    const rounds = await Promise.all([
      probes.probeEndpoint('vpce-0aaaaaaaaaaaaaaa1', targets(1, 12), FAST),
      probes.probeEndpoint('vpce-0aaaaaaaaaaaaaaa2', targets(2, 12), FAST),
      probes.probeEndpoint('vpce-0aaaaaaaaaaaaaaa3', targets(3, 12), FAST),
      // A second round of the first endpoint shares its per-endpoint bound.
      probes.probeEndpoint('vpce-0aaaaaaaaaaaaaaa1', targets(1, 6), FAST),
    ]);
    assert.equal(dialled, 42);
    assert.ok(rounds.flat().every((result) => result.outcome === 'open'));
    assert.equal(inFlight, 0, 'every socket was destroyed');
    assert.ok(maxInFlight <= 5, `max in flight ${maxInFlight}`);
    // With three endpoints at 2 each, 5 in flight is reachable: the bound is met, not starved.
    assert.equal(maxInFlight, 5);
    for (const [endpoint, max] of maxPerEndpoint) assert.ok(max <= 2, `endpoint ${endpoint}: max ${max}`);
    assert.equal(maxPerEndpoint.get('1'), 2);
  });

  it('finishes 40 timeouts of 200 ms at concurrency 10 in about ceil(40/10) x 200 ms, not 40 x 200 ms', async () => {
    const probes = prober({ concurrency: 10, perEndpointConcurrency: 10, connector: neverConnects });
    const started = performance.now();
    const results = await probes.probeEndpoint('vpce-0bbbbbbbbbbbbbbb1', targets(4, 40), { timeoutMs: 200, attempts: 1 });
    const elapsed = performance.now() - started;
    assert.equal(results.length, 40);
    assert.ok(results.every((result) => result.outcome === 'timeout' && result.attempts === 1));
    assert.ok(elapsed > 700, `finished in ${elapsed.toFixed(0)} ms: fewer than 4 waves of 200 ms, so the bound is not held`);
    assert.ok(elapsed < 2000, `finished in ${elapsed.toFixed(0)} ms`);
  });

  it('keeps the results in target order and reports each through onResult', async () => {
    const seen: [string, ProbeResult][] = [];
    const probes = prober({ onResult: (endpointId, result) => seen.push([endpointId, result]) });
    const list = targets(5, 7);
    const results = await probes.probeEndpoint('vpce-0ccccccccccccccc1', list, FAST);
    assert.deepEqual(
      results.map((result) => result.address),
      list.map((item) => item.address),
    );
    assert.equal(seen.length, 7);
    assert.ok(seen.every(([endpointId]) => endpointId === 'vpce-0ccccccccccccccc1'));
    for (const result of results) {
      assert.equal(result.outcome, 'refused');
      assert.equal(result.errno, 'ECONNREFUSED');
      assert.equal(result.availabilityZone, 'us-east-1a');
      assert.equal(result.port, 443);
    }
  });
});

describe('Prober rate limit per endpoint', () => {
  it('allows roundsPerMinute rounds, then refuses with a retry time; another endpoint is unaffected; tokens refill with the clock', async () => {
    let now = Date.parse('2024-06-01T12:00:00Z');
    let dialled = 0;
    const counting: Connector = (address, port) => {
      dialled++;
      return refusesAtOnce(address, port);
    };
    const probes = prober({ roundsPerMinute: 2, now: () => now, connector: counting });
    const one = [target('127.0.6.1')];
    await probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST);
    await probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST);
    assert.equal(dialled, 2);

    await assert.rejects(probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST), (error: unknown) => {
      assert.ok(error instanceof ProbeRateLimitedError);
      assert.equal(error.endpointId, 'vpce-0ddddddddddddddd1');
      assert.ok(error.retryAfterSeconds > 0);
      assert.equal(error.retryAfterSeconds, 30);
      assert.equal(error.message, 'vpce-0ddddddddddddddd1 was probed too often; retry in 30 s');
      return true;
    });
    assert.equal(dialled, 2, 'a rate-limited round dials nothing');

    // Another endpoint has its own budget.
    await probes.probeEndpoint('vpce-0ddddddddddddddd2', one, FAST);
    await probes.probeEndpoint('vpce-0ddddddddddddddd2', one, FAST);
    assert.equal(dialled, 4);

    // 29 s later, not yet a whole token: the retry time shrinks.
    now += 29_000;
    await assert.rejects(probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST), (error: unknown) => {
      assert.ok(error instanceof ProbeRateLimitedError);
      assert.ok(error.retryAfterSeconds > 0 && error.retryAfterSeconds <= 1, `retry in ${error.retryAfterSeconds}`);
      return true;
    });

    // At 30 s one round is back, and only one.
    now += 1_000;
    await probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST);
    await assert.rejects(probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST), ProbeRateLimitedError);

    // After a long idle time the bucket holds at most roundsPerMinute rounds.
    now += 3_600_000;
    await probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST);
    await probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST);
    await assert.rejects(probes.probeEndpoint('vpce-0ddddddddddddddd1', one, FAST), ProbeRateLimitedError);
  });

  it('stamps probedAt from the injected clock', async () => {
    const now = Date.parse('2024-06-01T12:00:00Z');
    const [result] = await prober({ now: () => now }).probeEndpoint('vpce-0ddddddddddddddd3', [target('127.0.6.2')], FAST);
    assert.equal(result?.probedAt, '2024-06-01T12:00:00.000Z');
  });

  it('does not spend a round on a request refused for its settings', async () => {
    const probes = prober({ roundsPerMinute: 1 });
    await assert.rejects(probes.probeEndpoint('vpce-0ddddddddddddddd4', [target('127.0.6.3')], { timeoutMs: 0, attempts: 1 }), ProbeRefusedError);
    await probes.probeEndpoint('vpce-0ddddddddddddddd4', [target('127.0.6.3')], FAST);
  });
});

describe('Prober attempts', () => {
  it('retries a timeout: timeout, timeout, then open gives open after 3 attempts', async () => {
    let calls = 0;
    const flaky: Connector = (address, port) => {
      loopbackOnly(address);
      calls++;
      return calls <= 2 ? new Socket() : netConnector(address, port);
    };
    const [result] = await prober({ connector: flaky }).probeEndpoint('vpce-0eeeeeeeeeeeeeee1', [target(HOST, openPort)], { timeoutMs: 50, attempts: 3 });
    assert.equal(calls, 3);
    assert.equal(result?.outcome, 'open');
    assert.equal(result?.attempts, 3);
    assert.ok((result?.latencyMs ?? 0) > 0);
  });

  it('gives up after the last attempt: three timeouts give timeout after 3 attempts', async () => {
    let calls = 0;
    const counting: Connector = (address, port) => {
      calls++;
      return neverConnects(address, port);
    };
    const [result] = await prober({ connector: counting }).probeEndpoint('vpce-0eeeeeeeeeeeeeee2', [target(HOST, openPort)], { timeoutMs: 30, attempts: 3 });
    assert.equal(calls, 3);
    assert.equal(result?.outcome, 'timeout');
    assert.equal(result?.attempts, 3);
  });

  it('stops at once on refused: the port answered, retrying changes nothing', async () => {
    let calls = 0;
    const counting: Connector = (address, port) => {
      loopbackOnly(address);
      calls++;
      return netConnector(address, port);
    };
    const [result] = await prober({ connector: counting }).probeEndpoint('vpce-0eeeeeeeeeeeeeee3', [target(HOST, closedPort)], {
      timeoutMs: 1000,
      attempts: 3,
    });
    assert.equal(calls, 1);
    assert.equal(result?.outcome, 'refused');
    assert.equal(result?.errno, 'ECONNREFUSED');
    assert.equal(result?.attempts, 1);
  });

  it('stops at once on open', async () => {
    let calls = 0;
    const counting: Connector = (address, port) => {
      loopbackOnly(address);
      calls++;
      return netConnector(address, port);
    };
    const [result] = await prober({ connector: counting }).probeEndpoint('vpce-0eeeeeeeeeeeeeee4', [target(HOST, openPort)], { timeoutMs: 1000, attempts: 3 });
    assert.equal(calls, 1);
    assert.deepEqual([result?.outcome, result?.attempts], ['open', 1]);
  });
});

describe('Prober bounds', () => {
  const refused: [string, { timeoutMs: number; attempts: number }, string, string][] = [
    ['a timeout of 0', { timeoutMs: 0, attempts: 1 }, `timeout 0 ms is outside 1-${PROBE_TIMEOUT_MAX_MS}`, 'body.timeoutMs'],
    ['a negative timeout', { timeoutMs: -5, attempts: 1 }, `timeout -5 ms is outside 1-${PROBE_TIMEOUT_MAX_MS}`, 'body.timeoutMs'],
    [
      'a timeout above the maximum',
      { timeoutMs: PROBE_TIMEOUT_MAX_MS + 1, attempts: 1 },
      `timeout 10001 ms is outside 1-${PROBE_TIMEOUT_MAX_MS}`,
      'body.timeoutMs',
    ],
    ['0 attempts', { timeoutMs: 100, attempts: 0 }, `attempts 0 is outside 1-${PROBE_ATTEMPTS_MAX}`, 'body.attempts'],
    ['attempts above the maximum', { timeoutMs: 100, attempts: PROBE_ATTEMPTS_MAX + 1 }, `attempts 4 is outside 1-${PROBE_ATTEMPTS_MAX}`, 'body.attempts'],
  ];
  for (const [what, settings, message, field] of refused) {
    it(`refuses ${what} before dialling`, async () => {
      let dialled = 0;
      const probes = prober({
        connector: (address, port) => {
          dialled++;
          return refusesAtOnce(address, port);
        },
      });
      await assert.rejects(probes.probeEndpoint('vpce-0fffffffffffffff1', [target(HOST)], settings), (error: unknown) => {
        assert.ok(error instanceof ProbeRefusedError);
        assert.equal(error.message, message);
        assert.equal(error.field, field);
        return true;
      });
      assert.equal(dialled, 0);
    });
  }

  it('has the bounds of the issue: at most 10 s and 3 attempts', () => {
    assert.equal(PROBE_TIMEOUT_MAX_MS, 10_000);
    assert.equal(PROBE_ATTEMPTS_MAX, 3);
  });

  it('accepts the bounds themselves (10 000 ms, 3 attempts)', async () => {
    const [result] = await prober().probeEndpoint('vpce-0fffffffffffffff2', [target(HOST)], { timeoutMs: PROBE_TIMEOUT_MAX_MS, attempts: PROBE_ATTEMPTS_MAX });
    assert.equal(result?.outcome, 'refused');
  });

  it('refuses settings that are not numbers in range (NaN timeout, NaN or fractional attempts)', {}, async () => {
    const probes = prober();
    for (const settings of [
      { timeoutMs: Number.NaN, attempts: 1 },
      { timeoutMs: 100, attempts: Number.NaN },
      { timeoutMs: 100, attempts: 1.5 },
    ]) {
      await assert.rejects(probes.probeEndpoint('vpce-0fffffffffffffff3', [target(HOST)], settings), ProbeRefusedError, JSON.stringify(settings));
    }
  });
});

describe('Prober address check (defence in depth)', () => {
  const forbidden = ['169.254.169.254', '2852039166', '::ffff:169.254.169.254', 'fe80::1', '0.0.0.0', '224.0.0.1', '255.255.255.255', 'localhost', ''];
  for (const address of forbidden) {
    it(`refuses ${JSON.stringify(address)} passed directly, and dials nothing`, async () => {
      const dialled: string[] = [];
      const probes = prober({
        connector: (dialledAddress, port) => {
          dialled.push(dialledAddress);
          return refusesAtOnce(dialledAddress, port);
        },
      });
      await assert.rejects(probes.probeEndpoint('vpce-0999999999999999a', [target(address, 80, 'eni-0999999999999999a')], FAST), (error: unknown) => {
        assert.ok(error instanceof ProbeRefusedError);
        assert.equal(error.message, `${address} is never probed`);
        assert.equal(error.field, 'target');
        return true;
      });
      assert.deepEqual(dialled, []);
    });
  }

  it('never dials the forbidden one of a mixed batch', async () => {
    const dialled: string[] = [];
    const probes = prober({
      connector: (address, port) => {
        dialled.push(address);
        return refusesAtOnce(address, port);
      },
    });
    await assert.rejects(
      probes.probeEndpoint('vpce-0999999999999999b', [target('127.0.7.1'), target('169.254.169.254'), target('127.0.7.2')], FAST),
      ProbeRefusedError,
    );
    assert.ok(!dialled.includes('169.254.169.254'), dialled.join(', '));
    assert.ok(dialled.every((address) => address.startsWith('127.')));
  });
});
