import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SharedRedis } from '../../src/shared/redis.js';
import { HEALTHY, buildTestApp, type TestApp } from '../support/app.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** The analysis budget shared by two replicas through a real Redis, and each replica's own when Redis is gone. */

describe('the shared analysis budget', () => {
  let redis: TestRedis;
  const replicas: TestApp[] = [];
  const clients: SharedRedis[] = [];
  before(async () => {
    redis = await startTestRedis();
    const prefix = `budget-${Date.now()}:`;
    for (let index = 0; index < 2; index++) {
      const sharedRedis = new SharedRedis({ url: redis.url, prefix, commandTimeoutMs: 5000 });
      clients.push(sharedRedis);
      assert.equal(await sharedRedis.ready(), true);
      replicas.push(await buildTestApp({ config: { rateLimitMax: 4 }, sharedRedis }));
    }
  });
  after(async () => {
    for (const replica of replicas) await replica.app.close();
    for (const client of clients) await client.close();
    await redis.stop();
  });

  const url = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`;

  it('counts a caller once across replicas, and each replica limits on its own while Redis is down', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++)
      statuses.push((await replicas[index % 2]!.app.inject({ method: 'GET', url, remoteAddress: '127.0.0.9' })).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);

    await redis.stop();
    const alone: number[] = [];
    for (let index = 0; index < 10; index++)
      alone.push((await replicas[index % 2]!.app.inject({ method: 'GET', url, remoteAddress: '127.0.0.10' })).statusCode);
    // Each replica's own budget of 4: no 5xx, and limits still hold.
    assert.deepEqual(alone, [200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    await redis.start();
  });
});
