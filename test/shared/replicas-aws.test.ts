import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsFleetSource } from '../../src/sources/aws/fleet.js';
import { EXAMPLES_DIR } from '../sources/aws/examples.js';
import { regionFromSnapshot } from '../sources/aws/fake-aws.js';
import { startFleetFake, type FleetFake } from '../sources/aws/fleet-fake.js';
import { FAKE_CREDENTIALS, isolateFromAws } from '../sources/aws/support.js';
import { runInFreshNetworkNamespace } from '../support/netns.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { awsFakeVariables, get, startReplicas, stopServer, type Server } from '../support/server-process.js';

/**
 * Three service processes reading two accounts live from the AWS fake (the real SDK, on
 * 127.0.0.1) and sharing a real Redis: one collection per unit per TTL whatever the spread
 * of requests, the same report (same generation) from every replica, the collection
 * completed by another replica when its lease holder is killed mid-way, and Redis stopped
 * under load without a 5xx (each replica collecting alone), then shared again.
 */

const CONSUMER = '111122223333';
const PROVIDER = '444455556666';
const REGION = 'us-east-1';
const TTL_SECONDS = 6;
const TTL_MS = TTL_SECONDS * 1000;
/** The collection lease's life (SharedCollections' default). */
const LEASE_MS = 10_000;
const TIMEOUT_MS = 240_000;
const role = (accountId: string) => `arn:aws:iam::${accountId}:role/vpce-doctor-reader`;
const ANALYSIS = '/v1/endpoints/vpce-0c5df4b356e4e567d/analysis?clientInstanceId=i-0862f03190fbae3bc&port=443';

interface UnitView {
  readonly key: string;
  readonly accountId: string;
  readonly loadedAt: string;
  readonly dataGeneration?: number;
  readonly state: string;
}

if (!runInFreshNetworkNamespace(import.meta.url, TIMEOUT_MS)) {
  isolateFromAws();

  describe('three replicas reading AWS through one Redis', { timeout: TIMEOUT_MS }, () => {
    let fake: FleetFake;
    let redis: TestRedis;
    const replicas: { server: Server; port: number }[] = [];
    /** One collection's EC2 and ELBv2 calls, per account. */
    const oneCollection = new Map<string, number>();
    let collectionMs = 0;

    const awsCalls = (accountId: string) =>
      fake.requests.filter((request) => (request.service === 'ec2' || request.service === 'elasticloadbalancing') && request.accountId === accountId).length;
    const callsNow = () => new Map([CONSUMER, PROVIDER].map((accountId) => [accountId, awsCalls(accountId)]));
    const callsSince = (before: Map<string, number>) => [CONSUMER, PROVIDER].map((accountId) => awsCalls(accountId) - before.get(accountId)!);
    const collections = (count: number) => [CONSUMER, PROVIDER].map((accountId) => count * oneCollection.get(accountId)!);
    const units = async (port: number): Promise<UnitView[]> => JSON.parse((await get(port, '/v1/units')).body).units;
    const live = () => replicas.filter(({ server }) => server.child.exitCode === null && server.child.signalCode === null);

    /** Requests spread over the live replicas for `ms`, one every 50 ms; their statuses. */
    async function load(ms: number, targets = live()): Promise<number[]> {
      const statuses: number[] = [];
      const until = performance.now() + ms;
      for (let index = 0; performance.now() < until; index++) {
        statuses.push((await get(targets[index % targets.length]!.port, ANALYSIS)).status);
        await sleep(50);
      }
      return statuses;
    }

    /** Waits until the data collected last (as the first live replica shows it) is past the TTL. */
    async function untilExpired(): Promise<void> {
      const newest = Math.max(...(await units(live()[0]!.port)).map((unit) => Date.parse(unit.loadedAt)));
      await sleep(Math.max(0, newest + TTL_MS + 300 - Date.now()));
    }

    before(async () => {
      fake = await startFleetFake({ baseAccountId: '999999999999', regionOptions: { latencyMs: 40 } });
      fake.region(CONSUMER, REGION, await regionFromSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account', CONSUMER, REGION)));
      fake.region(PROVIDER, REGION, await regionFromSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account', PROVIDER, REGION)));
      // One collection alone, for reference.
      const before = callsNow();
      const started = performance.now();
      await awsFleetSource({
        regions: [REGION],
        roleArns: [role(CONSUMER), role(PROVIDER)],
        endpoint: fake.url,
        credentials: FAKE_CREDENTIALS,
        maxAttempts: 1,
      }).load();
      collectionMs = performance.now() - started;
      for (const [index, calls] of callsSince(before).entries()) oneCollection.set([CONSUMER, PROVIDER][index]!, calls);
      redis = await startTestRedis();
    });
    after(async () => {
      for (const { server } of replicas) stopServer(server);
      await redis.stop();
      await fake.close();
    });

    it("make one collection per unit per TTL, answer alike, survive the lease holder's death and Redis going away", async (t) => {
      assert.ok(
        [...oneCollection.values()].every((calls) => calls > 5),
        JSON.stringify([...oneCollection]),
      );
      const before = callsNow();
      replicas.push(
        ...(await startReplicas(
          3,
          { url: redis.url, prefix: `aws-replicas-${process.pid}:` },
          {
            VPCE_DOCTOR_SOURCE: 'aws',
            VPCE_DOCTOR_AWS_REGIONS: REGION,
            VPCE_DOCTOR_AWS_ROLE_ARNS: `${role(CONSUMER)},${role(PROVIDER)}`,
            VPCE_DOCTOR_AWS_MAX_ATTEMPTS: '1',
            VPCE_DOCTOR_AWS_COLLECTION_DEADLINE_MS: '30000',
            VPCE_DOCTOR_CACHE_TTL_SECONDS: String(TTL_SECONDS),
            VPCE_DOCTOR_RATE_LIMIT_MAX: '100000',
            ...awsFakeVariables(fake.url),
          },
        )),
      );

      // Three replicas starting at once: one collection.
      assert.deepEqual(callsSince(before), collections(1), 'one collection for three starting replicas');
      const generations = async () =>
        Promise.all(live().map(async ({ port }) => (await units(port)).map((unit) => `${unit.key}#${unit.dataGeneration}`).join(',')));
      assert.deepEqual(new Set(await generations()).size, 1, 'the same generation everywhere');
      const reports = await Promise.all(
        live().map(async ({ port }) => {
          const answer = await get(port, ANALYSIS);
          assert.equal(answer.status, 200, answer.body.slice(0, 300));
          const { cache: _cache, ...report } = JSON.parse(answer.body);
          return JSON.stringify(report);
        }),
      );
      assert.equal(new Set(reports).size, 1, 'the same report from every replica');

      // Requests spread over the replicas within the TTL: no call; past it, one more collection in all.
      assert.ok((await load(1500)).every((status) => status === 200));
      assert.deepEqual(callsSince(before), collections(1));
      await untilExpired();
      const spread = await load(TTL_MS / 2);
      assert.ok(
        spread.every((status) => status === 200),
        spread.join(','),
      );
      // The last requests went on while the collection ran: let it land everywhere.
      await load(1000);
      assert.deepEqual(callsSince(before), collections(2), 'one collection per TTL window');
      assert.deepEqual(new Set(await generations()), new Set([`${CONSUMER}/${REGION}#2,${PROVIDER}/${REGION}#2`]));

      // The lease holder killed mid-collection: another replica completes it within the lease's life and one collection.
      await untilExpired();
      const prefix = `aws-replicas-${process.pid}:`;
      void get(replicas[0]!.port, ANALYSIS).catch(() => undefined);
      let leaseHolder: string | null = null;
      for (let waited = 0; leaseHolder === null && waited < 5000; waited += 20) {
        leaseHolder = await redis.client().get(`${prefix}unit:${CONSUMER}/${REGION}:lease`);
        if (leaseHolder === null) await sleep(20);
      }
      assert.ok(leaseHolder, 'a replica took the lease');
      const holderPid = Number(leaseHolder.split('/')[1]);
      const holder = replicas.find(({ server }) => server.child.pid === holderPid)!;
      assert.ok(holder, `the lease names a replica: ${leaseHolder}`);
      holder.server.child.kill('SIGKILL');
      const killedAt = performance.now();
      await holder.server.exited;
      const during: number[] = [];
      let completedAt: number | undefined;
      while (completedAt === undefined && performance.now() - killedAt < LEASE_MS + collectionMs + 15_000) {
        during.push(...(await load(300)));
        const seen = await generations();
        if (seen.every((line) => line === `${CONSUMER}/${REGION}#3,${PROVIDER}/${REGION}#3`)) completedAt = performance.now();
      }
      assert.ok(completedAt !== undefined, `the collection was completed: ${(await generations()).join(' | ')}`);
      assert.ok(
        completedAt - killedAt <= LEASE_MS + collectionMs + 3000,
        `completed ${(completedAt - killedAt).toFixed(0)} ms after the kill (lease ${LEASE_MS} ms, a collection ${collectionMs.toFixed(0)} ms)`,
      );
      assert.ok(during.length > 0 && during.every((status) => status === 200), `no request failed: ${during.join(',')}`);
      t.diagnostic(
        `lease holder killed mid-collection: completed by another replica ${(completedAt - killedAt).toFixed(0)} ms later (lease ${LEASE_MS} ms, one collection ${collectionMs.toFixed(0)} ms); ${during.length} requests meanwhile, all 200`,
      );

      // Redis stopped under load: no 5xx, each replica collects on its own.
      const survivors = live();
      assert.equal(survivors.length, 2);
      await redis.stop();
      await untilExpired();
      const beforeAlone = callsNow();
      const alone = await load(TTL_MS / 2);
      await load(1000);
      assert.ok(
        alone.every((status) => status === 200),
        `no 5xx without Redis: ${alone.join(',')}`,
      );
      assert.deepEqual(callsSince(beforeAlone), collections(survivors.length), 'one collection per replica');
      for (const { port } of survivors) assert.equal((await get(port, '/readyz')).status, 200, 'still ready');

      // Redis back: shared again, one collection per TTL.
      await redis.start();
      for (const { port } of survivors) {
        for (let waited = 0; !/^vpce_doctor_redis_up 1$/m.test((await get(port, '/metrics')).body) && waited < 10_000; waited += 100) await sleep(100);
      }
      await untilExpired();
      const beforeShared = callsNow();
      const resumed = await load(TTL_MS / 2);
      await load(1000);
      assert.ok(resumed.every((status) => status === 200));
      assert.deepEqual(callsSince(beforeShared), collections(1), 'shared mode resumes: one collection');
      assert.equal(new Set(await generations()).size, 1);
    });
  });
}
