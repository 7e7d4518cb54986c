/**
 * Redis memory per unit (one account and region) as the replicas store it. Each unit is
 * collected by the real AWS source (the SDK's own stack, answered in process by the AWS
 * fake: no HTTP, and only loopback allowed), through SharedCollections.collect into a real
 * redis-server on 127.0.0.1, as the fleet source does it; then Redis's own `MEMORY USAGE`
 * of the unit's data key is read, beside the collected JSON's size and the gzipped value's,
 * and the time a replica takes to read the value back (gunzip + JSON.parse, median of 5).
 *
 *     node --import tsx bench/replicas-sizing.ts
 *
 * Units: two bundled examples (consumer, provider); the benchmark snapshot (2,000 security
 * groups x 60 rules, 10 prefix lists x 1,000 entries) at 100 and 1,000 endpoints; and the
 * fleet benchmark's unit density (4 security groups x 20 rules and 2 clients per endpoint)
 * at 10, 100 and 1,000 endpoints, for a figure per 1,000 endpoints. All with their provider
 * side. About 30 s on 2 cores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { SharedCollections } from '../src/shared/collection.js';
import { SharedRedis } from '../src/shared/redis.js';
import { createAwsClients } from '../src/sources/aws/clients.js';
import { awsSource } from '../src/sources/aws/index.js';
import type { AwsResponsesJson } from '../src/sources/aws/responses.js';
import { FakeAwsRegion, regionFromSnapshot, type FakeRegionData } from '../test/sources/aws/fake-aws.js';
import { FAKE_CREDENTIALS, isolateFromAws } from '../test/sources/aws/support.js';
import { startTestRedis } from '../test/support/redis.js';
import { FLEET_UNIT_OPTIONS, generateLargeSnapshot, type LargeSnapshotOptions } from './generate-snapshot.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const REGION = 'us-east-1';
/** The discard port on loopback: nothing answers there, and the fake answers before HTTP anyway. */
const UNREACHABLE = 'http://127.0.0.1:9';
const PREFIX = 'sizing:';

export interface SizingRow {
  readonly unit: string;
  readonly endpoints: number;
  readonly securityGroups: number;
  /** The collected responses as JSON (what the snapshot export writes, unindented). */
  readonly jsonBytes: number;
  /** The value stored in Redis (gzipped JSON): STRLEN of the data key. */
  readonly storedBytes: number;
  /** `MEMORY USAGE` of the data key: the value and Redis's own overhead. */
  readonly redisMemoryBytes: number;
  /** gunzip + JSON.parse of the stored value, median of 5 (what a replica pays to read it). */
  readonly decodeMs: number;
}

interface UnitPlan {
  readonly name: string;
  readonly data: () => Promise<FakeRegionData>;
}

const count = (document: { readonly [field: string]: unknown } | undefined, key: string) => ((document?.[key] as unknown[] | undefined) ?? []).length;

/** The fleet benchmark's unit (FLEET_UNIT_OPTIONS, 10 endpoints) grown to `endpoints`, its densities kept. */
function fleetDensity(endpoints: number): Partial<LargeSnapshotOptions> {
  const scale = endpoints / (FLEET_UNIT_OPTIONS.endpoints ?? 10);
  return {
    ...FLEET_UNIT_OPTIONS,
    endpoints,
    securityGroups: Math.round((FLEET_UNIT_OPTIONS.securityGroups ?? 40) * scale),
    clients: Math.round((FLEET_UNIT_OPTIONS.clients ?? 20) * scale),
  };
}

/** What the live source collects from a region holding `data`, and whether anything failed. */
async function collectLive(data: FakeRegionData): Promise<{ responses: AwsResponsesJson; failures: [string, string][] }> {
  const region = new FakeAwsRegion(data);
  const clients = createAwsClients({ region: REGION, credentials: FAKE_CREDENTIALS, endpoint: UNREACHABLE, callTimeoutMs: 60_000, maxAttempts: 1 });
  region.installOn(clients);
  try {
    const source = awsSource({ region: REGION, clients, collectionDeadlineMs: 600_000 });
    const model = await source.load();
    return { responses: source.lastResponses()!, failures: [...model.failures] };
  } finally {
    clients.ec2.destroy();
    clients.elbv2.destroy();
  }
}

export async function measureRedisSizing(): Promise<SizingRow[]> {
  isolateFromAws();
  const redis = await startTestRedis();
  const shared = new SharedRedis({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 10_000 });
  const temp = await mkdtemp(join(tmpdir(), 'vpce-doctor-sizing-'));
  const rows: SizingRow[] = [];
  try {
    if (!(await shared.ready())) throw new Error(`redis-server at ${redis.url} did not answer`);
    const collections = new SharedCollections(shared, { ttlMs: 600_000, waitMs: 60_000 });
    const generated = (name: string, options: Partial<LargeSnapshotOptions>): UnitPlan => ({
      name,
      data: async () => {
        const dir = join(temp, String(rows.length));
        await generateLargeSnapshot(dir, options);
        try {
          return await regionFromSnapshot(dir);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    });
    const units: UnitPlan[] = [
      { name: 'example healthy-aws-service', data: () => regionFromSnapshot(join(EXAMPLES, 'healthy-aws-service')) },
      { name: 'example provider-healthy', data: () => regionFromSnapshot(join(EXAMPLES, 'provider-healthy')) },
      ...[100, 1000].map((endpoints) => generated(`benchmark snapshot, ${endpoints.toLocaleString('en-US')} endpoints (2,000 SGs x 60 rules)`, { endpoints })),
      ...[10, 100, 1000].map((endpoints) =>
        generated(`fleet-unit density, ${endpoints.toLocaleString('en-US')} endpoints (4 SGs x 20 rules each)`, fleetDensity(endpoints)),
      ),
    ];
    const client = redis.client();
    for (const [index, unit] of units.entries()) {
      const { responses, failures } = await collectLive(await unit.data());
      if (failures.length > 0) throw new Error(`${unit.name}: the collection failed in part: ${failures.map(([name, why]) => `${name}: ${why}`).join('; ')}`);
      const unitKey = `${String(100_000_000_000 + index)}/${REGION}`;
      const outcome = await collections.collect(unitKey, {}, async () => ({ responses, failures: [] }));
      if (outcome.via !== 'collected') throw new Error(`${unit.name}: expected a collection stored in Redis, got ${outcome.via}`);
      const key = `${PREFIX}unit:${unitKey}:data`;
      const stored = await client.getBuffer(key);
      if (!stored) throw new Error(`${unit.name}: nothing stored under ${key}`);
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        const started = performance.now();
        JSON.parse(gunzipSync(stored).toString('utf8'));
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      rows.push({
        unit: unit.name,
        endpoints: count(responses.vpcEndpoints, 'VpcEndpoints'),
        securityGroups: count(responses.securityGroups, 'SecurityGroups'),
        jsonBytes: Buffer.byteLength(JSON.stringify(responses)),
        storedBytes: Number(await client.strlen(key)),
        redisMemoryBytes: Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')),
        decodeMs: +times[2]!.toFixed(1),
      });
    }
  } finally {
    await shared.close();
    await redis.stop();
    await rm(temp, { recursive: true, force: true });
  }
  return rows;
}

function size(bytes: number): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), 'MiB'] : [bytes / 1024, 'KiB'];
  return `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 1 })} ${unit}`;
}

export function formatSizing(rows: readonly SizingRow[]): string {
  return [
    "Redis memory per unit (MEMORY USAGE of the unit's data key, as SharedCollections stores it):",
    '',
    '| unit | endpoints | security groups | JSON | stored (gzip) | Redis memory | read (gunzip + parse) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.unit} | ${row.endpoints.toLocaleString('en-US')} | ${row.securityGroups.toLocaleString('en-US')} | ${size(row.jsonBytes)} | ${size(row.storedBytes)} | ${size(row.redisMemoryBytes)} | ${row.decodeMs} ms |`,
    ),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(formatSizing(await measureRedisSizing()));
