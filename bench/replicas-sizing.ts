/**
 * Redis memory per unit (one account and region) as the replicas store it: each unit's data
 * goes through SharedCollections.collect into a real redis-server on 127.0.0.1, and Redis's
 * own `MEMORY USAGE` of the key is read, beside the JSON's size and the gzipped value's.
 *
 *     node --import tsx bench/replicas-sizing.ts
 *
 * Units: two bundled examples (consumer, provider), and the benchmark snapshot generated at
 * 100 and 1,000 endpoints with its provider side (one unit each).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { SharedCollections } from '../src/shared/collection.js';
import { SharedRedis } from '../src/shared/redis.js';
import type { AwsResponsesJson } from '../src/sources/aws/responses.js';
import { regionFromSnapshot } from '../test/sources/aws/fake-aws.js';
import { startTestRedis } from '../test/support/redis.js';
import { generateLargeSnapshot } from './generate-snapshot.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));

export interface SizingRow {
  readonly unit: string;
  readonly endpoints: number;
  readonly jsonBytes: number;
  readonly storedBytes: number;
  readonly redisMemoryBytes: number;
  /** gunzip + JSON.parse of the stored value, median of 5 (what a replica pays to read it). */
  readonly decodeMs: number;
}

function endpointsOf(responses: AwsResponsesJson): number {
  const document = (responses as Record<string, unknown>)['vpcEndpoints'] as { VpcEndpoints?: unknown[] } | undefined;
  return document?.VpcEndpoints?.length ?? 0;
}

export async function measureRedisSizing(): Promise<SizingRow[]> {
  const redis = await startTestRedis();
  const shared = new SharedRedis({ url: redis.url, prefix: 'sizing:', commandTimeoutMs: 10_000 });
  const temp = await mkdtemp(join(tmpdir(), 'vpce-doctor-sizing-'));
  const rows: SizingRow[] = [];
  try {
    await shared.ready();
    const collections = new SharedCollections(shared, { ttlMs: 600_000, waitMs: 60_000 });
    const units: { name: string; responses: () => Promise<AwsResponsesJson> }[] = [
      { name: 'example healthy-aws-service', responses: () => regionFromSnapshot(join(EXAMPLES, 'healthy-aws-service')) },
      { name: 'example provider-healthy', responses: () => regionFromSnapshot(join(EXAMPLES, 'provider-healthy')) },
      ...[100, 1000].map((endpoints) => ({
        name: `generated, ${endpoints} endpoints with their provider side`,
        responses: async () => {
          const dir = join(temp, String(endpoints));
          await generateLargeSnapshot(dir, { endpoints });
          return regionFromSnapshot(dir);
        },
      })),
    ];
    const client = redis.client();
    for (const [index, unit] of units.entries()) {
      const responses = await unit.responses();
      const unitKey = `10000000000${index}/us-east-1`;
      const outcome = await collections.collect(unitKey, {}, async () => ({ responses, failures: [] }));
      if (outcome.via !== 'collected') throw new Error(`${unit.name}: expected a collection stored in Redis, got ${outcome.via}`);
      const key = `sizing:unit:${unitKey}:data`;
      const stored = (await client.getBuffer(key))!;
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        const started = performance.now();
        JSON.parse(gunzipSync(stored).toString('utf8'));
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      rows.push({
        unit: unit.name,
        endpoints: endpointsOf(responses),
        jsonBytes: Buffer.byteLength(JSON.stringify(responses)),
        storedBytes: stored.length,
        redisMemoryBytes: Number(await client.call('MEMORY', 'USAGE', key)),
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

const kib = (bytes: number) => `${(bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KiB`;

export function formatSizing(rows: readonly SizingRow[]): string {
  return [
    'Redis memory per unit (MEMORY USAGE of the unit\'s data key):',
    '| unit | endpoints | JSON | stored (gzip) | Redis memory | read (gunzip + parse) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row.unit} | ${row.endpoints} | ${kib(row.jsonBytes)} | ${kib(row.storedBytes)} | ${kib(row.redisMemoryBytes)} | ${row.decodeMs} ms |`),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(formatSizing(await measureRedisSizing()));
