import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModelSource } from '../../src/doctor.js';
import { createFleet, type Fleet } from '../../src/core/fleet.js';
import { SharedRedis } from '../../src/shared/redis.js';
import { readFleetSnapshot } from '../../src/sources/snapshot/fleet.js';
import { buildTestApp, HEALTHY } from '../support/app.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * The analysis cache's shared layer on a real Redis: each app stands for a replica, over data
 * whose units carry the shared generations (as the live source gives them through Redis).
 */

const ANALYSIS_URL = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&port=443`;
const REACHABILITY_URL = `/v1/endpoints/${HEALTHY.endpointId}/reachability?port=443`;

describe('the shared analysis cache on a real Redis', () => {
  let redis: TestRedis;
  let base: Fleet;
  const clients: SharedRedis[] = [];

  before(async () => {
    redis = await startTestRedis();
    base = (await readFleetSnapshot(HEALTHY.dir)).fleet;
  });
  after(async () => {
    for (const client of clients) await client.close();
    await redis.stop();
  });

  /** A replica: its own app, doctor and Redis client, over data of the given shared generation (none: its own data). */
  async function replica(prefix: string, generation: number | undefined) {
    const shared = new SharedRedis({ url: redis.url, prefix, commandTimeoutMs: 5000 });
    clients.push(shared);
    await shared.ready();
    const source: ModelSource = {
      description: 'the healthy example, as shared data',
      load: async () =>
        createFleet(base.units.map(({ key: _key, ...unit }) => ({ ...unit, ...(generation !== undefined ? { dataGeneration: generation } : {}) }))),
    };
    return buildTestApp({ source, sharedRedis: shared });
  }

  it("answers from another replica's analysis, says so in Cache-Status, and then from its own memory", async () => {
    const prefix = `results-${Date.now()}:`;
    const [first, second] = [await replica(prefix, 1), await replica(prefix, 1)];
    const computed = await first.app.inject({ url: ANALYSIS_URL });
    assert.equal(computed.statusCode, 200);
    assert.equal(computed.headers['cache-status'], 'vpce-doctor-redis; fwd=miss; stored, vpce-doctor; fwd=miss');
    assert.equal(computed.json().cache.shared, 'miss');

    const fromRedis = await second.app.inject({ url: ANALYSIS_URL });
    assert.equal(fromRedis.headers['cache-status'], 'vpce-doctor-redis; hit, vpce-doctor; fwd=miss');
    assert.equal(fromRedis.json().cache.shared, 'hit');
    const { cache: _a, ...computedReport } = computed.json();
    const { cache: _b, ...sharedReport } = fromRedis.json();
    assert.deepEqual(sharedReport, computedReport);

    const fromMemory = await second.app.inject({ url: ANALYSIS_URL });
    assert.equal(fromMemory.headers['cache-status'], 'vpce-doctor; hit');
    assert.equal(fromMemory.json().cache.shared, undefined);

    // Who can reach: the same two layers.
    assert.equal((await first.app.inject({ url: REACHABILITY_URL })).json().cache.shared, 'miss');
    const reach = await second.app.inject({ url: REACHABILITY_URL });
    assert.equal(reach.headers['cache-status'], 'vpce-doctor-redis; hit, vpce-doctor; fwd=miss');
  });

  it('keys the answers by the data generations: another generation is computed anew', async () => {
    const prefix = `generations-${Date.now()}:`;
    await (await replica(prefix, 1)).app.inject({ url: ANALYSIS_URL });
    const newer = await (await replica(prefix, 2)).app.inject({ url: ANALYSIS_URL });
    assert.equal(newer.json().cache.shared, 'miss');
    // Data of one replica alone (collected without Redis) is neither looked up nor stored.
    const alone = await (await replica(prefix, undefined)).app.inject({ url: ANALYSIS_URL });
    assert.equal(alone.headers['cache-status'], 'vpce-doctor; fwd=miss');
    assert.equal((await redis.client().keys(`${prefix}result:*`)).length, 2);
  });

  it('ignores a corrupt or foreign value under its key, computes, and overwrites it', async () => {
    const prefix = `spoiled-${Date.now()}:`;
    await (await replica(prefix, 1)).app.inject({ url: ANALYSIS_URL });
    const [key] = await redis.client().keys(`${prefix}result:analysis:*`);
    assert.ok(key);
    const spoiler = redis.client();
    const good = (await spoiler.get(key))!;
    const spoiled = [
      'not json at all',
      good.replace('"verdict":"reachable"', '"verdict":"maybe"'),
      good.replace('{"v":1,', '{"v":2,'),
      `{"v":1,"key":"another key","value":${JSON.stringify({ verdict: 'reachable' })}}`,
    ];
    for (const value of spoiled) {
      await spoiler.set(key, value);
      const answer = await (await replica(prefix, 1)).app.inject({ url: ANALYSIS_URL });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.json().cache.shared, 'miss', value.slice(0, 40));
      assert.equal(answer.json().verdict, 'reachable');
      assert.equal(await spoiler.get(key), good, 'overwritten with the answer');
    }
  });

  it('answers without Redis, saying it was unavailable, and shares again when it is back', async () => {
    const prefix = `down-${Date.now()}:`;
    const one = await replica(prefix, 1);
    await redis.stop();
    const answer = await one.app.inject({ url: ANALYSIS_URL });
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.headers['cache-status'], 'vpce-doctor-redis; fwd=miss; detail=unavailable, vpce-doctor; fwd=miss');
    await redis.start();
    const two = await replica(prefix, 1);
    assert.equal((await two.app.inject({ url: REACHABILITY_URL })).json().cache.shared, 'miss');
    assert.equal((await (await replica(prefix, 1)).app.inject({ url: REACHABILITY_URL })).json().cache.shared, 'hit');
  });
});
