/**
 * `npm run bench:aws`: the live AWS source scanning regions of 10, 100 and 1,000 interface
 * endpoints, against an AWS faked inside the SDK's own stack (serialization, signing,
 * adaptive retries and pagination all run; only HTTP does not). Each call waits a latency,
 * and EC2 and ELBv2 throttle with token buckets modelled on EC2's documented request rate
 * limiting for describe calls (100 tokens, 20 refilled a second, one bucket per action):
 * a throttled attempt fails with RequestLimitExceeded and the SDK retries it.
 *
 * For each size it reports the calls made (every attempt, retries included) and the wall
 * time, for the collector and for a naive per-endpoint collection in the same run (the
 * manual procedure's calls for the endpoint side alone: the endpoint, its interfaces, its
 * subnets, their NACLs, its security groups), and their ratio. Targets: the collector's
 * calls stay bounded (no operation called more than `MAX_CHUNKS_PER_LISTING` times beyond
 * its listing's extra pages: nothing grows with the endpoint count but pages and parts),
 * and the largest scan (1,000 endpoints) takes at most 3x the smallest's (10) time with
 * 0.5 ms per item returned: AWS answers the pages of one listing one after another, and
 * the collector splits the region's listings so that they do not queue up. It exits 1
 * when a target is missed.
 *
 *     npm run bench:aws -- [--sizes=10,100,1000] [--rounds=5] [--latency-ms=50] [--latency-per-item-ms=0.5]
 *                          [--bucket=100] [--refill=20] [--shared-bucket] [--json]
 *
 * The collector runs `rounds` times per size (each against a fresh AWS, full buckets) and
 * its median run is reported; the naive collection, 100 times slower, runs once.
 *
 * Every client's endpoint is 127.0.0.1:9 and the instance metadata service is off: nothing
 * leaves the machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
} from '@aws-sdk/client-ec2';
import pLimit from 'p-limit';
import { createAwsClients, type AwsClients } from '../src/sources/aws/clients.js';
import { MAX_CHUNKS_PER_LISTING } from '../src/sources/aws/collect.js';
import { AWS_SOURCE_DEFAULTS, awsSource } from '../src/sources/aws/index.js';
import type { AwsResponsesJson } from '../src/sources/aws/responses.js';
import { FakeAwsRegion, regionFromSnapshot, type FakeRegionOptions, type TokenBucketOptions } from '../test/sources/aws/fake-aws.js';

interface BenchOptions {
  sizes: number[];
  /** Collector runs per size, the median reported: the machine is shared and noisy. */
  rounds: number;
  latencyMs: number;
  latencyPerItemMs: number;
  bucket: number;
  refill: number;
  sharedBucket: boolean;
  json: boolean;
}

function parseArguments(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    sizes: [10, 100, 1000],
    rounds: 5,
    latencyMs: 50,
    latencyPerItemMs: 0.5,
    bucket: 100,
    refill: 20,
    sharedBucket: false,
    json: false,
  };
  for (const arg of argv) {
    const [name, value = ''] = arg.replace(/^--/, '').split('=', 2) as [string, string | undefined];
    const number = Number(value);
    if (name === 'json') options.json = true;
    else if (name === 'shared-bucket') options.sharedBucket = true;
    else if (name === 'sizes' && value.split(',').every((size) => /^\d+$/.test(size))) options.sizes = value.split(',').map(Number);
    else if (name === 'rounds' && Number.isInteger(number) && number >= 1) options.rounds = number;
    else if (name === 'latency-ms' && number >= 0) options.latencyMs = number;
    else if (name === 'latency-per-item-ms' && number >= 0) options.latencyPerItemMs = number;
    else if (name === 'bucket' && number >= 1) options.bucket = number;
    else if (name === 'refill' && number > 0) options.refill = number;
    else throw new RangeError(`unknown option or bad value: ${arg}`);
  }
  return options;
}

/** Keeps the SDK on this machine, whatever the environment holds. */
function isolateFromAws(): void {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_CONFIG_FILE: '/nonexistent/vpce-doctor-bench/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/vpce-doctor-bench/credentials',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

const REGION = 'us-east-1';

/**
 * A region of `endpoints` interface endpoints from the benchmark generator, its other
 * resources scaled with it. The provider side is held to one customer service of this
 * account: an NLB costs calls of its own (ELBv2 has no batch form of attributes, listeners
 * and target health: 2 per NLB and 1 per target group), which grow with the services an
 * account runs, not with its endpoints.
 */
async function generateRegion(endpoints: number): Promise<AwsResponsesJson> {
  const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-aws-bench-'));
  try {
    const flags = {
      endpoints,
      securityGroups: Math.max(50, endpoints * 2),
      rulesPerGroup: 8,
      naclEntries: 10,
      prefixLists: 3,
      prefixListEntries: 50,
      clients: Math.max(10, Math.round(endpoints / 5)),
      providerServices: 1,
    };
    const args = Object.entries(flags).map(([name, value]) => `--${name}=${value}`);
    const generator = spawnSync(process.execPath, ['--import', 'tsx', 'bench/generate-snapshot.ts', dir, ...args], { encoding: 'utf8' });
    if (generator.status !== 0) throw new Error(`the snapshot generator failed: ${generator.stderr}`);
    return await regionFromSnapshot(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Run {
  /** Every request the fake AWS received, retries included. */
  readonly calls: number;
  readonly throttled: number;
  readonly byOperation: Record<string, number>;
  /** The same, throttled attempts (retries) aside. */
  readonly sentByOperation: Record<string, number>;
  readonly ms: number;
  /** Collections (collector) or calls (naive) that still failed after their retries. */
  readonly failures: number;
}

function fakeRegion(data: AwsResponsesJson, options: BenchOptions): { region: FakeAwsRegion; clients: AwsClients } {
  const throttle: TokenBucketOptions = { capacity: options.bucket, refillPerSecond: options.refill, perAction: !options.sharedBucket };
  const fakeOptions: FakeRegionOptions = { latencyMs: options.latencyMs, latencyPerItemMs: options.latencyPerItemMs, throttle };
  const region = new FakeAwsRegion(data, fakeOptions);
  const clients = createAwsClients({ region: REGION, callTimeoutMs: AWS_SOURCE_DEFAULTS.callTimeoutMs, maxAttempts: AWS_SOURCE_DEFAULTS.maxAttempts });
  region.installOn(clients);
  return { region, clients };
}

function summarize(region: FakeAwsRegion, ms: number, failures: number): Run {
  const byOperation: Record<string, number> = {};
  const sentByOperation: Record<string, number> = {};
  for (const call of region.calls) {
    byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
    if (call.outcome !== 'throttled') sentByOperation[call.operation] = (sentByOperation[call.operation] ?? 0) + 1;
  }
  return {
    calls: region.calls.length,
    throttled: region.calls.filter((call) => call.outcome === 'throttled').length,
    byOperation,
    sentByOperation,
    ms,
    failures,
  };
}

async function collectorRun(data: AwsResponsesJson, options: BenchOptions): Promise<Run> {
  const { region, clients } = fakeRegion(data, options);
  const started = performance.now();
  const model = await awsSource({ region: REGION, clients, collectionDeadlineMs: 600_000 }).load();
  return summarize(region, performance.now() - started, model.failures.size);
}

/** The manual procedure per endpoint, as many endpoints at once as the collector makes calls. */
async function naiveRun(data: AwsResponsesJson, options: BenchOptions): Promise<Run> {
  const { region, clients } = fakeRegion(data, options);
  const { ec2 } = clients;
  const endpointIds = ((data.vpcEndpoints?.VpcEndpoints as Array<{ VpcEndpointId: string }> | undefined) ?? []).map((endpoint) => endpoint.VpcEndpointId);
  const limit = pLimit(AWS_SOURCE_DEFAULTS.maxConcurrentCalls);
  let failures = 0;
  const attempt = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch {
      failures += 1;
      return undefined;
    }
  };
  const started = performance.now();
  await Promise.all(
    endpointIds.map((id) =>
      limit(async () => {
        const described = await attempt(() => ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] })));
        const endpoint = described?.VpcEndpoints?.[0];
        if (!endpoint) return;
        const subnetIds = endpoint.SubnetIds ?? [];
        if (endpoint.NetworkInterfaceIds?.length)
          await attempt(() => ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: endpoint.NetworkInterfaceIds })));
        if (subnetIds.length) {
          await attempt(() => ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds })));
          await attempt(() => ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] })));
        }
        const groupIds = (endpoint.Groups ?? []).flatMap((group) => group.GroupId ?? []);
        if (groupIds.length) await attempt(() => ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds })));
      }),
    ),
  );
  return summarize(region, performance.now() - started, failures);
}

const PAGE_SIZES: Readonly<Record<string, readonly [keyof AwsResponsesJson, string, number]>> = {
  DescribeVpcEndpoints: ['vpcEndpoints', 'VpcEndpoints', 1000],
  DescribeNetworkInterfaces: ['networkInterfaces', 'NetworkInterfaces', 1000],
  DescribeSubnets: ['subnets', 'Subnets', 1000],
  DescribeNetworkAcls: ['networkAcls', 'NetworkAcls', 1000],
  DescribeSecurityGroups: ['securityGroups', 'SecurityGroups', 1000],
};

/** Each region-wide listing's calls beyond one page, by operation: what pagination alone accounts for. */
function extraPages(data: AwsResponsesJson): Record<string, number> {
  return Object.fromEntries(
    Object.entries(PAGE_SIZES).map(([operation, [name, key, size]]) => {
      const items = ((data[name] as Record<string, unknown[]> | undefined)?.[key] ?? []).length;
      return [operation, Math.max(0, Math.ceil(items / size) - 1)];
    }),
  );
}

const TIME_RATIO_TARGET = 3;

let options: BenchOptions;
try {
  options = parseArguments(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
isolateFromAws();
// One collection first, unmeasured: the SDK loads its modules on first use.
await collectorRun(await generateRegion(10), { ...options, latencyMs: 0, latencyPerItemMs: 0 });
const rows: Array<{ endpoints: number; extraPages: Record<string, number>; collector: Run; naive: Run }> = [];
for (const endpoints of options.sizes) {
  const data = await generateRegion(endpoints);
  const collectorRuns: Run[] = [];
  for (let round = 0; round < options.rounds; round++) collectorRuns.push(await collectorRun(data, options));
  const collector = collectorRuns.sort((a, b) => a.ms - b.ms)[Math.floor(collectorRuns.length / 2)]!;
  const naive = await naiveRun(data, options);
  rows.push({ endpoints, extraPages: extraPages(data), collector, naive });
  if (!options.json) {
    console.error(
      `${endpoints} endpoints: collector ${collector.calls} calls in ${Math.round(collector.ms)} ms, naive ${naive.calls} calls in ${Math.round(naive.ms)} ms`,
    );
  }
}

const first = rows[0]!;
const last = rows[rows.length - 1]!;
// Throttled attempts are retries, not calls of the collector's plan.
const mostCalledBeyondPages = rows.map((row) =>
  Math.max(...Object.entries(row.collector.sentByOperation).map(([operation, calls]) => calls - (row.extraPages[operation] ?? 0))),
);
const timeRatio = last.collector.ms / first.collector.ms;
const targets = {
  callsBounded: mostCalledBeyondPages.every((calls) => calls <= MAX_CHUNKS_PER_LISTING + 1),
  largestWithin3xOfSmallest: timeRatio <= TIME_RATIO_TARGET,
};

if (options.json) {
  console.log(JSON.stringify({ options, rows, targets }));
} else {
  const bucket = `${options.bucket} tokens, ${options.refill}/s, ${options.sharedBucket ? 'one bucket per service' : 'one bucket per action'}`;
  console.log(
    `\nlatency ${options.latencyMs} ms per call + ${options.latencyPerItemMs} ms per item returned; throttle ${bucket}; ` +
      `${AWS_SOURCE_DEFAULTS.maxConcurrentCalls} calls in flight; collector: median of ${options.rounds} runs\n`,
  );
  console.log(
    '| endpoints | collector calls (throttled) | collector time | naive calls (throttled) | naive time | naive failed calls | calls ratio | time ratio |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { endpoints, collector, naive } of rows) {
    console.log(
      `| ${endpoints} | ${collector.calls} (${collector.throttled}) | ${Math.round(collector.ms)} ms | ${naive.calls} (${naive.throttled}) | ${Math.round(naive.ms)} ms | ${naive.failures} | ` +
        `${(naive.calls / collector.calls).toFixed(1)}x | ${(naive.ms / collector.ms).toFixed(1)}x |`,
    );
  }
  console.log('\ncollector calls by operation:');
  for (const { endpoints, collector } of rows) console.log(`  ${endpoints}: ${JSON.stringify(collector.byOperation)}`);
  console.log(`\ncollector calls of the most called operation, beyond its listing's extra pages: ${mostCalledBeyondPages.join(', ')}`);
  console.log(
    `target: calls bounded, at most ${MAX_CHUNKS_PER_LISTING + 1} per operation beyond pages (the parts of a split listing, and one for gateway endpoints): ${targets.callsBounded ? 'met' : 'MISSED'}`,
  );
  console.log(
    `target: ${last.endpoints}-endpoint scan / ${first.endpoints}-endpoint scan: ${timeRatio.toFixed(2)}x (target <= ${TIME_RATIO_TARGET}x): ${targets.largestWithin3xOfSmallest ? 'met' : 'MISSED'}`,
  );
}
if (!targets.callsBounded || !targets.largestWithin3xOfSmallest) process.exitCode = 1;
