import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze.js';
import { awsFleetSource } from '../../src/sources/aws/fleet.js';
import { SharedCollections } from '../../src/shared/collection.js';
import { SharedRedis } from '../../src/shared/redis.js';
import { EXAMPLES_DIR, exampleDir } from '../sources/aws/examples.js';
import { regionFromSnapshot } from '../sources/aws/fake-aws.js';
import { startFleetFake, type FleetFake } from '../sources/aws/fleet-fake.js';
import { FAKE_CREDENTIALS, isolateFromAws } from '../sources/aws/support.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * Replicas of the live source sharing one collection per unit per TTL through a real Redis:
 * the AWS fake (real SDK, 127.0.0.1) counts the calls, whatever the number of replicas.
 */

isolateFromAws();

const CONSUMER = '111122223333';
const PROVIDER = '444455556666';
const EAST = 'us-east-1';
const WEST = 'us-west-2';
const TTL_MS = 60_000;
const role = (accountId: string) => `arn:aws:iam::${accountId}:role/vpce-doctor-reader`;
const CROSS_ACCOUNT = { endpointId: 'vpce-0c5df4b356e4e567d', accountId: CONSUMER, region: EAST, client: { instanceId: 'i-0862f03190fbae3bc' }, port: 443 };

describe('replicas share one collection per unit per TTL', () => {
  let fake: FleetFake;
  let redis: TestRedis;
  let clock = Date.parse('2026-12-01T12:00:00.000Z');
  const clients: SharedRedis[] = [];

  before(async () => {
    fake = await startFleetFake({ baseAccountId: '999999999999' });
    fake.region(CONSUMER, EAST, await regionFromSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account', CONSUMER, EAST)));
    fake.region(PROVIDER, EAST, await regionFromSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account', PROVIDER, EAST)));
    fake.region(CONSUMER, WEST, await regionFromSnapshot(exampleDir('healthy-aws-service')));
    fake.region(PROVIDER, WEST, await regionFromSnapshot(exampleDir('nacl-differs-per-subnet')));
    redis = await startTestRedis();
  });
  after(async () => {
    for (const client of clients) await client.close();
    await redis.stop();
    fake.close();
  });

  const awsCalls = () => fake.requests.filter((request) => request.service === 'ec2' || request.service === 'elasticloadbalancing').length;

  function replica(prefix: string | undefined) {
    const shared = prefix === undefined ? undefined : new SharedRedis({ url: redis.url, prefix, commandTimeoutMs: 5000 });
    if (shared) clients.push(shared);
    return awsFleetSource({
      regions: [EAST, WEST],
      roleArns: [role(CONSUMER), role(PROVIDER)],
      endpoint: fake.url,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 1,
      callTimeoutMs: 5000,
      now: () => clock,
      ...(shared ? { shared: new SharedCollections(shared, { ttlMs: TTL_MS, waitMs: 30_000, leaseMs: 10_000, pollMs: 20, now: () => clock }) } : {}),
    });
  }

  it('three replicas loading at once make the calls of one collection, and answer alike', async () => {
    let before = awsCalls();
    await replica(undefined).load();
    const oneCollection = awsCalls() - before;
    assert.ok(oneCollection > 10, `one collection is ${oneCollection} calls`);

    const prefix = `replicas-${Date.now()}:`;
    const replicas = [replica(prefix), replica(prefix), replica(prefix)];
    before = awsCalls();
    const fleets = await Promise.all(replicas.map((source) => source.load()));
    assert.equal(awsCalls() - before, oneCollection, 'one collection across three replicas');
    const verdicts = fleets.map((fleet) =>
      JSON.stringify(analyze(fleet, CROSS_ACCOUNT).checks.map((check) => [check.id, check.scope.networkInterfaceId, check.status])),
    );
    assert.equal(new Set(verdicts).size, 1, 'every replica answers the same');

    // Within the TTL, loads are served from Redis; past it, one more collection in all.
    before = awsCalls();
    await Promise.all(replicas.map((source) => source.load()));
    assert.equal(awsCalls() - before, 0);
    clock += TTL_MS + 1000;
    await Promise.all(replicas.map((source) => source.load()));
    assert.equal(awsCalls() - before, oneCollection);
    // A replica's data is as old as its collection, wherever it was made.
    for (const source of replicas) for (const unit of source.units()) assert.equal(unit.dataAgeSeconds, 0, unit.key);

    // Redis gone: each replica collects on its own, and nothing fails.
    await redis.stop();
    clock += TTL_MS + 1000;
    before = awsCalls();
    const alone = await Promise.all(replicas.map((source) => source.load()));
    assert.equal(awsCalls() - before, 3 * oneCollection);
    for (const fleet of alone) assert.ok(fleet.units.every((unit) => unit.model && !unit.failure));
    await redis.start();
  });
});
