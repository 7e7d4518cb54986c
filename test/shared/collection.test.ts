import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { decodeUnitData, SharedCollections, type CollectedUnit } from '../../src/shared/collection.js';
import { SharedRedis } from '../../src/shared/redis.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** One collection per unit per TTL across replicas, on a real Redis (each SharedCollections stands for a replica). */

const UNIT = '111122223333/us-east-1';

function collector(delayMs = 30): { calls: () => number; collect: () => Promise<CollectedUnit> } {
  let calls = 0;
  return {
    calls: () => calls,
    collect: async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return {
        responses: { vpcEndpoints: { VpcEndpoints: [{ VpcEndpointId: `vpce-0000000000000000${calls}` }] } },
        failures: [['prefixListEntries', 'missing permission ec2:GetManagedPrefixListEntries']],
        callsMade: 7,
      };
    },
  };
}

describe('shared collections on a real Redis', () => {
  let redis: TestRedis;
  const replicas: SharedRedis[] = [];
  let clock = 1_000_000;
  const replica = () => {
    const shared = new SharedRedis({ url: redis.url, prefix: `test-${replicas.length}-${Date.now()}:`, commandTimeoutMs: 5000 });
    replicas.push(shared);
    return shared;
  };
  const collections = (shared: SharedRedis, options: { waitMs?: number; leaseMs?: number } = {}) =>
    new SharedCollections(shared, { ttlMs: 60_000, waitMs: options.waitMs ?? 5_000, leaseMs: options.leaseMs ?? 10_000, pollMs: 20, now: () => clock });

  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const shared of replicas) await shared.close();
    await redis.stop();
  });

  it('three replicas asking at once make one collection, and all get its generation', async () => {
    const shared = replica();
    const prefix = shared.prefix;
    const others = [0, 1].map(() => {
      const one = new SharedRedis({ url: redis.url, prefix, commandTimeoutMs: 5000 });
      replicas.push(one);
      return one;
    });
    const source = collector(80);
    for (const one of [shared, ...others]) assert.equal(await one.ready(), true);
    const outcomes = await Promise.all([shared, ...others].map((one) => collections(one).collect(UNIT, {}, source.collect)));
    assert.equal(source.calls(), 1);
    assert.deepEqual(outcomes.map((outcome) => outcome.via).sort(), ['collected', 'shared', 'shared']);
    assert.deepEqual(new Set(outcomes.map((outcome) => outcome.data.generation)), new Set([1]));
    assert.deepEqual(outcomes[1]!.data.failures, [['prefixListEntries', 'missing permission ec2:GetManagedPrefixListEntries']]);
    // Within the TTL: from Redis. Past it: one more collection, the next generation.
    assert.equal((await collections(others[0]!).collect(UNIT, {}, source.collect)).via, 'shared');
    clock += 61_000;
    const later = await collections(others[1]!).collect(UNIT, {}, source.collect);
    assert.deepEqual([later.via, later.data.generation, source.calls()], ['collected', 2, 2]);
  });

  it("takes the lease over when its holder dies mid-collection, within the lease's life", async () => {
    const shared = replica();
    // A holder that died: its lease stays until it lapses, and it never stores anything.
    await redis.client().set(`${shared.prefix}unit:${UNIT}:lease`, 'a-dead-replica', 'PX', 300);
    const source = collector();
    const started = Date.now();
    const outcome = await collections(shared).collect(UNIT, {}, source.collect);
    assert.equal(outcome.via, 'collected');
    assert.equal(source.calls(), 1);
    assert.ok(Date.now() - started >= 250, 'waited for the lease to lapse');
  });

  it('collects on its own when the holder is slower than the wait', async () => {
    const shared = replica();
    await redis.client().set(`${shared.prefix}unit:${UNIT}:lease`, 'a-slow-replica', 'PX', 60_000);
    const source = collector();
    const outcome = await collections(shared, { waitMs: 100 }).collect(UNIT, {}, source.collect);
    assert.deepEqual([outcome.via, source.calls()], ['local', 1]);
  });

  it('does not collect again when the data was stored between its read and its lease', async () => {
    const shared = replica();
    const source = collector(1);
    assert.equal((await collections(shared).collect(UNIT, {}, source.collect)).via, 'collected');
    // This replica read before the holder stored, and asks for the lease after the holder released it.
    class LateReader extends SharedCollections {
      private reads = 0;
      override async read(unitKey: string) {
        return this.reads++ === 0 ? undefined : super.read(unitKey);
      }
    }
    const late = new LateReader(shared, { ttlMs: 60_000, waitMs: 5_000, leaseMs: 10_000, pollMs: 20, now: () => clock });
    const outcome = await late.collect(UNIT, {}, source.collect);
    assert.deepEqual([outcome.via, outcome.data.generation, source.calls()], ['shared', 1, 1]);
    assert.equal(await redis.client().exists(`${shared.prefix}unit:${UNIT}:lease`), 0, 'the lease is released');
  });

  it('ignores a corrupt or foreign value under the prefix, and overwrites it', async () => {
    const shared = replica();
    const spoiler = redis.client();
    const key = `${shared.prefix}unit:${UNIT}:data`;
    for (const value of [
      Buffer.from('not gzip'),
      gzipSync('{"v":1,"unit":"999988887777/eu-west-1","responses":{},"failures":[],"collectedAt":1000000,"generation":9}'),
      gzipSync('[1,2,3]'),
    ]) {
      await spoiler.set(key, value);
      const source = collector(1);
      const outcome = await collections(shared).collect(UNIT, {}, source.collect);
      assert.equal(outcome.via, 'collected');
      assert.equal(source.calls(), 1);
      assert.equal((await collections(shared).read(UNIT))?.generation, outcome.data.generation);
    }
  });

  it('falls back to its own collection at once when Redis is down, and shares again when it is back', async () => {
    const shared = replica();
    const states: boolean[] = [];
    const watched = new SharedRedis({ url: redis.url, prefix: shared.prefix, commandTimeoutMs: 5000, onStateChange: (up) => states.push(up) });
    replicas.push(watched);
    await collections(watched).collect(UNIT, {}, collector(1).collect);
    await redis.stop();
    const source = collector(1);
    const started = Date.now();
    clock += 61_000;
    const outcome = await collections(watched).collect(UNIT, {}, source.collect);
    assert.deepEqual([outcome.via, source.calls()], ['local', 1]);
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms without Redis`);
    assert.equal(watched.isUp(), false);
    await redis.start();
    const deadline = Date.now() + 5000;
    while (!watched.isUp() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const back = await collections(watched).collect(UNIT, {}, source.collect);
    assert.equal(back.via, 'collected');
    assert.deepEqual(states, [true, false, true]);
  });
});

describe('decodeUnitData', () => {
  const good = { v: 1, unit: UNIT, responses: {}, failures: [['subnets', 'why']], collectedAt: 5, generation: 2 };
  it('takes what this version writes, and nothing else', () => {
    assert.equal(decodeUnitData(UNIT, good)?.generation, 2);
    for (const bad of [
      null,
      [],
      { ...good, v: 2 },
      { ...good, unit: 'other/us-east-1' },
      { ...good, responses: [] },
      { ...good, generation: 0 },
      { ...good, collectedAt: '5' },
      { ...good, failures: [['not-a-collection', 'why']] },
      { ...good, failures: [['subnets']] },
    ]) {
      assert.equal(decodeUnitData(UNIT, bad), undefined, JSON.stringify(bad));
    }
  });
});
