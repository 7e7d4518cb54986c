import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProbeReport } from '../../src/probe/report.js';
import { SharedProbes } from '../../src/shared/probes.js';
import { SharedRedis } from '../../src/shared/redis.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** The watch list across replicas on a real Redis: one prober per endpoint, taken over when it dies; the latest report shared. */

const ENDPOINT = 'vpce-0aaaaaaaaaaaaaaa1';
const INTERVAL_MS = 600;

function report(probedAt: number, outcome: 'open' | 'timeout' = 'open'): ProbeReport {
  return {
    endpointId: ENDPOINT,
    ports: [443],
    overall: outcome === 'open' ? 'all-open' : 'none-open',
    results: [
      {
        networkInterfaceId: 'eni-0aaaaaaaaaaaaaaa1',
        address: '127.0.0.2',
        port: 443,
        availabilityZone: 'us-east-1a',
        outcome,
        latencyMs: 0.4,
        attempts: 1,
        probedAt: new Date(probedAt).toISOString(),
      },
    ],
    reconciliation: { findings: [] },
  };
}

describe('shared probes on a real Redis', () => {
  let redis: TestRedis;
  const clients: SharedRedis[] = [];
  const probes: SharedProbes[] = [];
  let clock = Date.parse('2026-12-01T12:00:00.000Z');

  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const one of probes) await one.releaseAll();
    for (const client of clients) await client.close();
    await redis.stop();
  });

  async function replica(prefix: string): Promise<{ shared: SharedProbes; redis: SharedRedis }> {
    const client = new SharedRedis({ url: redis.url, prefix, commandTimeoutMs: 5000 });
    clients.push(client);
    await client.ready();
    const shared = new SharedProbes(client, { intervalMs: INTERVAL_MS, now: () => clock });
    probes.push(shared);
    return { shared, redis: client };
  }

  it('gives each endpoint to one replica, which keeps it round after round', async () => {
    const prefix = `probes-one-${Date.now()}:`;
    const [a, b, c] = [await replica(prefix), await replica(prefix), await replica(prefix)];
    assert.deepEqual(await a.shared.turn(ENDPOINT), { probe: true, mode: 'holder' });
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(await b.shared.turn(ENDPOINT), { probe: false, nextInMs: INTERVAL_MS / 4, elsewhere: true });
      assert.deepEqual(await c.shared.turn(ENDPOINT), { probe: false, nextInMs: INTERVAL_MS / 4, elsewhere: true });
      assert.deepEqual(await a.shared.turn(ENDPOINT), { probe: true, mode: 'holder' });
    }
    assert.equal(a.shared.holds(ENDPOINT), true);
  });

  it('is taken over within one interval when its holder dies, and the new holder waits out the interval since the last probe', async () => {
    const prefix = `probes-takeover-${Date.now()}:`;
    const [a, b] = [await replica(prefix), await replica(prefix)];
    assert.equal((await a.shared.turn(ENDPOINT)).probe, true);
    await a.shared.storeLatest(report(clock));
    // The holder dies: no more renewals (its connection is gone); its lease lapses after half an interval.
    const died = performance.now();
    await a.redis.close();
    let turn = await b.shared.turn(ENDPOINT);
    while (turn.probe === false && turn.elsewhere) {
      assert.ok(performance.now() - died < INTERVAL_MS, 'taken over within one interval');
      await new Promise((resolve) => setTimeout(resolve, 25));
      turn = await b.shared.turn(ENDPOINT);
    }
    // Its last probe was made "now" (the injected clock): the next is due one interval later.
    assert.deepEqual(turn, { probe: false, nextInMs: INTERVAL_MS, elsewhere: false });
    assert.equal(b.shared.holds(ENDPOINT), true);
    clock += INTERVAL_MS;
    assert.deepEqual(await b.shared.turn(ENDPOINT), { probe: true, mode: 'holder' });
  });

  it('hands its endpoints over at shutdown', async () => {
    const prefix = `probes-release-${Date.now()}:`;
    const [a, b] = [await replica(prefix), await replica(prefix)];
    assert.equal((await a.shared.turn(ENDPOINT)).probe, true);
    await a.shared.releaseAll();
    assert.deepEqual(await b.shared.turn(ENDPOINT), { probe: true, mode: 'holder' });
  });

  it('shares the latest report: the newest wins, and a value that is not a report is ignored', async () => {
    const prefix = `probes-latest-${Date.now()}:`;
    const [a, b] = [await replica(prefix), await replica(prefix)];
    assert.equal(await b.shared.latest(ENDPOINT), undefined);
    await a.shared.storeLatest(report(clock));
    assert.deepEqual(await b.shared.latest(ENDPOINT), report(clock));
    await b.shared.storeLatest(report(clock - 1000, 'timeout'));
    assert.deepEqual(await a.shared.latest(ENDPOINT), report(clock), 'an older report does not replace a newer one');
    const spoiler = redis.client();
    for (const value of [
      'not json',
      JSON.stringify({ ...report(clock), overall: 'maybe' }),
      JSON.stringify({ ...report(clock), endpointId: 'vpce-0bbbbbbbbbbbbbbb2' }),
    ]) {
      await spoiler.set(`${prefix}probe:${ENDPOINT}:latest`, value);
      assert.equal(await a.shared.latest(ENDPOINT), undefined, value.slice(0, 30));
      await a.shared.storeLatest(report(clock));
      assert.deepEqual(await b.shared.latest(ENDPOINT), report(clock), 'overwritten');
    }
  });

  it('probes on its own when Redis does not answer, and goes back to one prober when it does', async () => {
    const prefix = `probes-down-${Date.now()}:`;
    const [a, b] = [await replica(prefix), await replica(prefix)];
    await redis.stop();
    assert.deepEqual(await a.shared.turn(ENDPOINT), { probe: true, mode: 'alone' });
    assert.deepEqual(await b.shared.turn(ENDPOINT), { probe: true, mode: 'alone' });
    await redis.start();
    for (const one of [a, b]) for (let waited = 0; !one.redis.isUp() && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const turns = [await a.shared.turn(ENDPOINT), await b.shared.turn(ENDPOINT)];
    assert.deepEqual(turns.map((turn) => turn.probe).sort(), [false, true]);
  });
});
