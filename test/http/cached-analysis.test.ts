import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../src/metrics/registry.js';
import { HEALTHY, buildTestApp } from '../support/app.js';

/** GET …/analysis answered from the cache without a promise: the same answer, headers and metrics as the async path. */

let app: FastifyInstance;
let metrics: Metrics;

before(async () => {
  ({ app, metrics } = await buildTestApp({ config: { rateLimitMax: 3 } }));
});
after(async () => {
  await app.close();
});

async function cacheLookups(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { labels, value } of (await metrics.cacheRequestsTotal.get()).values) counts[`${labels['cache']} ${labels['result']}`] = value;
  return counts;
}

describe('a cached GET analysis', () => {
  it('sends the bytes of the uncached answer with its cache field, its headers, and counts each lookup once', async () => {
    const url = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`;
    const first = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'first' } });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['cache-status'], 'vpce-doctor; fwd=miss');
    const afterMiss = await cacheLookups();
    const second = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'second' } });
    assert.equal(second.statusCode, 200);
    assert.equal(second.headers['cache-status'], 'vpce-doctor; hit');
    assert.equal(second.headers['x-request-id'], 'second');
    assert.equal(second.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(second.headers['content-length'], String(Buffer.byteLength(second.body)));
    assert.match(String(second.headers['age']), /^\d+$/);
    assert.equal(second.headers['x-ratelimit-remaining'], '1', 'the hit spends the budget too');
    const { cache: firstCache, ...firstReport } = first.json() as { cache: { status: string } };
    const { cache: secondCache, ...secondReport } = second.json() as { cache: { status: string } };
    assert.deepEqual(secondReport, firstReport);
    assert.deepEqual([firstCache.status, secondCache.status], ['miss', 'hit']);
    // The hit is one model lookup and one analysis lookup, both hits, as the async path counts them.
    const afterHit = await cacheLookups();
    assert.equal((afterHit['model hit'] ?? 0) - (afterMiss['model hit'] ?? 0), 1);
    assert.equal((afterHit['analysis hit'] ?? 0) - (afterMiss['analysis hit'] ?? 0), 1);
    assert.equal(afterHit['analysis miss'], afterMiss['analysis miss']);
    // format=sh is the same cached analysis, as a script.
    const script = await app.inject({ method: 'GET', url: `${url}&format=sh` });
    assert.equal(script.headers['cache-status'], 'vpce-doctor; hit');
    assert.match(String(script.headers['content-type']), /^text\/x-shellscript/);
    // Past the budget, a cached answer is refused like any other.
    const refused = await app.inject({ method: 'GET', url });
    assert.equal(refused.statusCode, 429);
    assert.ok(refused.headers['retry-after']);
  });
});
