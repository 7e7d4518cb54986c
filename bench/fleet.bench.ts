/**
 * `npm run bench:fleet` (live half): a fleet of 100 accounts x 3 regions x 10 endpoints
 * collected through the real SDK from the loopback fake of STS, EC2 and ELBv2
 * (test/sources/aws/fleet-fake.ts), every call 50 ms, every (account, region) throttled
 * like EC2's request-rate bucket. Measured against one unit collected alone in the same run:
 * total calls against units x the calls of one unit, wall time against
 * ceil(units / unit concurrency) x the time of one unit, and the peak RSS of the process
 * that collects (the fake runs in this one, the collector in a child).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLEET_UNIT_OPTIONS, generateLargeSnapshot } from './generate-snapshot.js';

const ACCOUNTS = Number(process.env.FLEET_ACCOUNTS ?? 100);
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const UNIT_CONCURRENCY = 8;
const LATENCY_MS = 50;
const ROOT = new URL('../', import.meta.url).pathname;

const roleOf = (index: number) => `arn:aws:iam::${String(300000000000 + index)}:role/vpce-doctor-reader`;

/** `--collect URL ACCOUNTS REGIONS`: the collector alone, as a child; prints its figures. */
if (process.argv[2] === '--collect') {
  const { isolateFromAws, FAKE_CREDENTIALS } = await import('../test/sources/aws/support.js');
  isolateFromAws();
  const { awsFleetSource } = await import('../src/sources/aws/fleet.js');
  const [url, accounts, regions] = [process.argv[3]!, Number(process.argv[4]), process.argv[5]!.split(',')];
  const source = awsFleetSource({
    regions,
    roleArns: Array.from({ length: accounts }, (_, index) => roleOf(index)),
    endpoint: url,
    credentials: FAKE_CREDENTIALS,
    unitConcurrency: UNIT_CONCURRENCY,
    callTimeoutMs: 10_000,
    collectionDeadlineMs: 120_000,
  });
  const started = performance.now();
  const fleet = await source.load();
  const ms = performance.now() - started;
  const loaded = fleet.units.filter((unit) => unit.model && !unit.failure).length;
  console.log(JSON.stringify({ ms, units: fleet.units.length, loaded, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const { startFleetFake } = await import('../test/sources/aws/fleet-fake.js');
const { EC2_DESCRIBE_BUCKET, regionFromSnapshot } = await import('../test/sources/aws/fake-aws.js');
const scratch = await mkdtemp(join(tmpdir(), 'vpce-doctor-fleet-collect-'));
try {
  const generated = await generateLargeSnapshot(join(scratch, 'unit'), { ...FLEET_UNIT_OPTIONS, seed: 5 });
  const data = await regionFromSnapshot(generated.dir);
  const fake = await startFleetFake({ baseAccountId: '299999999999', regionOptions: { latencyMs: LATENCY_MS, throttle: EC2_DESCRIBE_BUCKET } });
  try {
    for (let index = 0; index < ACCOUNTS; index += 1) for (const region of REGIONS) fake.region(String(300000000000 + index), region, data);
    const collect = async (accounts: number, regions: string[]) => {
      const before = fake.requests.length;
      // The fake answers from this process: the collector runs in a child, asynchronously.
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet.bench.ts', '--collect', fake.url, String(accounts), regions.join(',')], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`collector exited ${code}: ${stderr.slice(0, 2000)}`);
      const figures = JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; units: number; loaded: number; maxRssMb: number };
      const requests = fake.requests.slice(before);
      const apiCalls = requests.filter((request) => request.service === 'ec2' || request.service === 'elasticloadbalancing').length;
      return { ...figures, apiCalls, stsCalls: requests.filter((request) => request.service === 'sts').length };
    };
    const one = await collect(1, [REGIONS[0]!]);
    const all = await collect(ACCOUNTS, REGIONS);
    const units = ACCOUNTS * REGIONS.length;
    const bound = Math.ceil(units / UNIT_CONCURRENCY) * one.ms;
    console.log(
      JSON.stringify(
        {
          units,
          endpoints: units * 10,
          latencyMsPerCall: LATENCY_MS,
          unitConcurrency: UNIT_CONCURRENCY,
          oneUnit: { ms: Math.round(one.ms), apiCalls: one.apiCalls, maxRssMb: Math.round(one.maxRssMb) },
          fleet: { ms: Math.round(all.ms), loaded: all.loaded, apiCalls: all.apiCalls, stsCalls: all.stsCalls, maxRssMb: Math.round(all.maxRssMb) },
          callsOverUnitsTimesOne: Number((all.apiCalls / (units * one.apiCalls)).toFixed(3)),
          wallOverBound: Number((all.ms / bound).toFixed(2)),
        },
        null,
        2,
      ),
    );
  } finally {
    await fake.close();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
