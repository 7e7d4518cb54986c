/**
 * `npm run bench:replicas`: replicas sharing one Redis (a real redis-server on 127.0.0.1,
 * started and stopped here; the AWS fake on 127.0.0.1; nothing else is dialled).
 *
 * 1. AWS calls per TTL window for 1 and for 3 replicas of the live source, each replica
 *    loading twice per window (the real SDK against the fleet fake, an injected clock that
 *    moves the windows): they must be equal. Exits 1 when they are not.
 * 2. The latency of an analysis cache hit served from Redis (another replica computed it)
 *    and from this replica's memory, p50 / p99, in process (Doctor.analyze), over distinct
 *    requests, with the cost of computing the same analyses beside them.
 * 3. Requests/s of cached analyses against 1 service process and against 3 sharing a Redis
 *    (autocannon spreading its connections over the replicas), on this machine's cores.
 * 4. Redis memory per unit (bench/replicas-sizing.ts).
 *
 * Options: `--duration S` (5) per throughput round, `--connections N` (12), `--skip-sizing`.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Doctor, type ModelSource } from '../src/doctor.js';
import { createFleet } from '../src/core/fleet.js';
import { SharedCollections } from '../src/shared/collection.js';
import { SharedRedis } from '../src/shared/redis.js';
import { SharedResultCache } from '../src/shared/result-cache.js';
import { awsFleetSource } from '../src/sources/aws/fleet.js';
import { readFleetSnapshot } from '../src/sources/snapshot/fleet.js';
import { regionFromSnapshot } from '../test/sources/aws/fake-aws.js';
import { startFleetFake } from '../test/sources/aws/fleet-fake.js';
import { FAKE_CREDENTIALS } from '../test/sources/aws/support.js';
import { freeLoopbackPort } from '../test/support/net.js';
import { startTestRedis, type TestRedis } from '../test/support/redis.js';
import { get, HOST, startServer, stopServer, waitUntilReady, type Server } from '../test/support/server-process.js';
import { numberOption } from './options.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const CONSUMER = '111122223333';
const PROVIDER = '444455556666';
const REGION = 'us-east-1';
const role = (accountId: string) => `arn:aws:iam::${accountId}:role/vpce-doctor-reader`;
const HEALTHY = { dir: join(EXAMPLES, 'healthy-aws-service'), endpointId: 'vpce-068e9dcc184a273ab' };

const DURATION_SECONDS = numberOption('duration', 5);
const CONNECTIONS = numberOption('connections', 12);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (value: number) => +value.toFixed(3);

/** 1. AWS calls per TTL window, 1 vs 3 replicas. */
async function callsPerWindow(redis: TestRedis): Promise<{ replicas: number; callsPerWindow: number[] }[]> {
  const fake = await startFleetFake({ baseAccountId: '999999999999' });
  fake.region(CONSUMER, REGION, await regionFromSnapshot(join(EXAMPLES, 'fleet-cross-account', CONSUMER, REGION)));
  fake.region(PROVIDER, REGION, await regionFromSnapshot(join(EXAMPLES, 'fleet-cross-account', PROVIDER, REGION)));
  const ttlMs = 60_000;
  const clients: SharedRedis[] = [];
  const awsCalls = () => fake.requests.filter((request) => request.service === 'ec2' || request.service === 'elasticloadbalancing').length;
  const results: { replicas: number; callsPerWindow: number[] }[] = [];
  try {
    for (const count of [1, 3]) {
      let clock = Date.parse('2026-12-01T12:00:00.000Z');
      const prefix = `bench-calls-${count}-${Date.now()}:`;
      const replicas = Array.from({ length: count }, () => {
        const shared = new SharedRedis({ url: redis.url, prefix, commandTimeoutMs: 5000 });
        clients.push(shared);
        return awsFleetSource({
          regions: [REGION],
          roleArns: [role(CONSUMER), role(PROVIDER)],
          endpoint: fake.url,
          credentials: FAKE_CREDENTIALS,
          maxAttempts: 1,
          now: () => clock,
          shared: new SharedCollections(shared, { ttlMs, waitMs: 30_000, pollMs: 20, now: () => clock }),
        });
      });
      const windows: number[] = [];
      for (let window = 0; window < 3; window++) {
        const before = awsCalls();
        // Each replica loads twice in the window, at different moments of it.
        await Promise.all(replicas.map((source) => source.load()));
        clock += ttlMs / 2;
        await Promise.all(replicas.map((source) => source.load()));
        clock += ttlMs / 2 + 1;
        windows.push(awsCalls() - before);
      }
      results.push({ replicas: count, callsPerWindow: windows });
    }
  } finally {
    for (const client of clients) await client.close();
    await fake.close();
  }
  return results;
}

/** 2. Cache hits from Redis vs from memory, in process. */
async function hitLatency(redis: TestRedis) {
  const { fleet } = await readFleetSnapshot(HEALTHY.dir);
  const source: ModelSource = {
    description: 'the healthy example, as shared data of generation 1',
    load: async () => createFleet(fleet.units.map(({ key: _key, ...unit }) => ({ ...unit, dataGeneration: 1 }))),
  };
  const prefix = `bench-hits-${Date.now()}:`;
  const clients = [0, 1].map(() => new SharedRedis({ url: redis.url, prefix, commandTimeoutMs: 5000 }));
  await Promise.all(clients.map((client) => client.ready()));
  const doctors = clients.map(
    (client) => new Doctor(source, { cacheTtlMs: 600_000, cacheMaxEntries: 10_000, shared: { results: new SharedResultCache(client, 600_000) } }),
  );
  const [computer, reader] = doctors as [Doctor, Doctor];
  // Distinct questions: clients across the VPC, ports 443 and 8443.
  const requests = Array.from({ length: 1000 }, (_, index) => ({
    endpointId: HEALTHY.endpointId,
    client: { ip: `10.0.${(index >> 8) & 255}.${index & 255}` },
    port: index % 2 === 0 ? 443 : 8443,
  }));
  const compute: number[] = [];
  const fromRedis: number[] = [];
  const fromMemory: number[] = [];
  try {
    // Warm-up: the JIT, the connection.
    for (const request of requests.slice(0, 50)) await computer.analyze({ ...request, port: 9999 });
    for (const request of requests) {
      const started = performance.now();
      const answer = await computer.analyze(request);
      compute.push(performance.now() - started);
      if (answer.shared !== 'miss') throw new Error(`expected a computed answer stored in Redis, got ${answer.shared}`);
    }
    for (const request of requests) {
      const started = performance.now();
      const answer = await reader.analyze(request);
      fromRedis.push(performance.now() - started);
      if (answer.shared !== 'hit') throw new Error(`expected a Redis hit, got ${answer.shared}`);
    }
    for (const request of requests) {
      const started = performance.now();
      const answer = await reader.analyze(request);
      fromMemory.push(performance.now() - started);
      if (answer.result !== 'hit') throw new Error(`expected a memory hit, got ${answer.result}`);
    }
  } finally {
    for (const client of clients) await client.close();
  }
  const bytes = (await redis.client().strlen((await redis.client().keys(`${prefix}result:analysis:*`))[0]!)) as number;
  const figures = (values: number[]) => ({ p50Ms: ms(percentile(values, 50)), p99Ms: ms(percentile(values, 99)) });
  return { requests: requests.length, storedAnswerBytes: bytes, computed: figures(compute), redisHit: figures(fromRedis), memoryHit: figures(fromMemory) };
}

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p99: number };
  readonly errors: number;
  readonly non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/** 3. Requests/s of cached analyses, 1 process vs 3 sharing a Redis. */
async function throughput(redis: TestRedis) {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const path = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=10.0.1.25&port=443`;
  const rounds: { replicas: number; requestsPerSecond: number; p99Ms: number; errors: number }[] = [];
  for (const count of [1, 3]) {
    const servers: { server: Server; port: number }[] = [];
    try {
      for (let index = 0; index < count; index++) {
        const port = await freeLoopbackPort(HOST);
        servers.push({
          port,
          server: startServer({
            PORT: String(port),
            HOST,
            LOG_LEVEL: 'warn',
            VPCE_DOCTOR_SNAPSHOT_DIR: HEALTHY.dir,
            VPCE_DOCTOR_RATE_LIMIT_MAX: '1000000',
            ...(count > 1 ? { VPCE_DOCTOR_REDIS_URL: redis.url, VPCE_DOCTOR_REDIS_PREFIX: `bench-rps-${Date.now()}:` } : {}),
          }),
        });
      }
      for (const { server, port } of servers) await waitUntilReady(server, port);
      // Every replica's cache holds the answer: the figure is about cached analyses.
      for (const { port } of servers) await get(port, path);
      const result = await autocannon({
        url: servers.map(({ port }) => `http://${HOST}:${port}${path}`),
        connections: CONNECTIONS,
        duration: DURATION_SECONDS,
      });
      rounds.push({
        replicas: count,
        requestsPerSecond: Math.round(result.requests.average),
        p99Ms: result.latency.p99,
        errors: result.errors + result.non2xx,
      });
    } finally {
      for (const { server } of servers) stopServer(server);
    }
  }
  return rounds;
}

async function main(): Promise<void> {
  const redis = await startTestRedis();
  let failed = false;
  try {
    const calls = await callsPerWindow(redis);
    const one = calls.find((row) => row.replicas === 1)!.callsPerWindow;
    const three = calls.find((row) => row.replicas === 3)!.callsPerWindow;
    const equal = one.every((value, index) => value === three[index]);
    failed ||= !equal;
    console.log(
      `AWS calls per TTL window (3 windows, each replica loading twice per window): 1 replica ${one.join(' / ')}, 3 replicas ${three.join(' / ')} -> ${equal ? 'equal (target met)' : 'NOT EQUAL (target missed)'}`,
    );

    const hits = await hitLatency(redis);
    console.log(
      `Analysis answers over ${hits.requests} distinct requests (answer ${hits.storedAnswerBytes} bytes in Redis): computed p50 ${hits.computed.p50Ms} ms / p99 ${hits.computed.p99Ms} ms; ` +
        `Redis hit p50 ${hits.redisHit.p50Ms} ms / p99 ${hits.redisHit.p99Ms} ms; memory hit p50 ${hits.memoryHit.p50Ms} ms / p99 ${hits.memoryHit.p99Ms} ms ` +
        `(Redis hit / memory hit at p50: ${(hits.redisHit.p50Ms / hits.memoryHit.p50Ms).toFixed(1)}x; computed / Redis hit: ${(hits.computed.p50Ms / hits.redisHit.p50Ms).toFixed(1)}x)`,
    );

    const rps = await throughput(redis);
    const single = rps.find((row) => row.replicas === 1)!;
    const triple = rps.find((row) => row.replicas === 3)!;
    console.log(
      `Cached analyses over HTTP (${CONNECTIONS} connections, ${DURATION_SECONDS} s, ${availableParallelism()} CPUs, autocannon in this process): ` +
        `1 replica ${single.requestsPerSecond} req/s p99 ${single.p99Ms} ms; 3 replicas ${triple.requestsPerSecond} req/s p99 ${triple.p99Ms} ms (${(triple.requestsPerSecond / single.requestsPerSecond).toFixed(2)}x; bounded by the cores); errors ${single.errors + triple.errors}`,
    );
    failed ||= single.errors + triple.errors > 0;

    if (!process.argv.includes('--skip-sizing')) {
      const { measureRedisSizing, formatSizing } = await import('./replicas-sizing.js');
      console.log(formatSizing(await measureRedisSizing()));
    }
  } finally {
    await redis.stop();
  }
  if (failed) process.exitCode = 1;
}

await main();
