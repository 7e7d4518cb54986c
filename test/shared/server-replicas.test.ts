import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEALTHY } from '../support/app.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { get, startReplicas, stopServer, type Server } from '../support/server-process.js';

/**
 * Two service processes on 127.0.0.1 sharing a real Redis: one analysis budget per caller
 * across them, `vpce_doctor_redis_up`, and no 5xx while Redis is gone and after it is back.
 */

const BUDGET = 4;

describe('two replicas sharing a Redis', { timeout: 180_000 }, () => {
  let redis: TestRedis;
  const servers: { server: Server; port: number }[] = [];

  before(async () => {
    redis = await startTestRedis();
    servers.push(
      ...(await startReplicas(
        2,
        { url: redis.url, prefix: `replicas-${process.pid}:` },
        { VPCE_DOCTOR_SNAPSHOT_DIR: HEALTHY.dir, VPCE_DOCTOR_RATE_LIMIT_MAX: String(BUDGET) },
      )),
    );
  });
  after(async () => {
    for (const { server } of servers) stopServer(server);
    await redis.stop();
  });

  const analysis = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`;
  const redisUp = async (port: number) => /^vpce_doctor_redis_up (\d)/m.exec((await get(port, '/metrics')).body)?.[1];

  it('spends one budget across replicas, and each its own while Redis is gone, without a 5xx', async () => {
    assert.deepEqual(await Promise.all(servers.map(({ port }) => redisUp(port))), ['1', '1']);
    const shared: number[] = [];
    for (let index = 0; index < BUDGET + 2; index++) shared.push((await get(servers[index % 2]!.port, analysis)).status);
    assert.deepEqual(shared, [200, 200, 200, 200, 429, 429]);

    await redis.stop();
    const alone: number[] = [];
    for (let index = 0; index < 6; index++) alone.push((await get(servers[index % 2]!.port, `${analysis}&port=443`)).status);
    // The counters Redis held are gone with it: each replica counts on its own from zero.
    assert.deepEqual(alone, [200, 200, 200, 200, 200, 200]);
    assert.deepEqual(await Promise.all(servers.map(({ port }) => redisUp(port))), ['0', '0']);
    for (const { port } of servers) assert.equal((await get(port, '/readyz')).status, 200, 'still ready');

    await redis.start();
    const deadline = Date.now() + 10_000;
    let states = await Promise.all(servers.map(({ port }) => redisUp(port)));
    while (states.some((state) => state !== '1') && Date.now() < deadline) {
      await sleep(100);
      states = await Promise.all(servers.map(({ port }) => redisUp(port)));
    }
    assert.deepEqual(states, ['1', '1'], 'shared mode resumes');
    const resumed: number[] = [];
    for (let index = 0; index < BUDGET + 1; index++)
      resumed.push((await get(servers[index % 2]!.port, `${analysis}&port=443&clientEphemeralPorts=linux`)).status);
    assert.deepEqual(resumed, [200, 200, 200, 200, 429]);
  });
});
