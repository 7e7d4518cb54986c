/**
 * `npm run bench:fleet` (offline half): `vpce-doctor report` over a fleet snapshot of 300
 * units (100 accounts x 3 regions) of 10 endpoints each, 3,000 endpoints in all, as a whole
 * process: wall time and peak RSS, against a process that only reads and JSON.parse-s the
 * same files (the floor), measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FLEET_UNIT_OPTIONS, generateLargeSnapshot } from './generate-snapshot.js';

const ACCOUNTS = Number(process.env.FLEET_ACCOUNTS ?? 100);
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const ROUNDS = 3;
const ROOT = new URL('../', import.meta.url).pathname;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat();
}

/** `--parse DIR`: the floor, a process that reads and parses every file of the fleet, then prints its peak RSS. */
if (process.argv[2] === '--parse') {
  let count = 0;
  for (const file of await filesUnder(process.argv[3]!)) if (file.endsWith('.json')) count += JSON.parse(await readFile(file, 'utf8')) ? 1 : 0;
  console.log(JSON.stringify({ files: count, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

/** One unit: a small generated snapshot with the account id and region of the unit. */
async function generateUnit(root: string, index: number, accountId: string, region: string): Promise<string | undefined> {
  const scratch = join(root, '.scratch', String(index));
  const generated = await generateLargeSnapshot(scratch, { ...FLEET_UNIT_OPTIONS, seed: 1000 + index });
  const target = join(root, accountId, region);
  for (const file of await filesUnder(scratch)) {
    const text = (await readFile(file, 'utf8')).replaceAll('111122223333', accountId).replaceAll('us-east-1', region);
    const destination = join(target, relative(scratch, file));
    await mkdir(join(destination, '..'), { recursive: true });
    await writeFile(destination, text);
  }
  await rm(scratch, { recursive: true, force: true });
  return index === 0 ? generated.clientIps[0] : undefined;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function timedProcess(args: string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.slice(0, 2000)}`);
  return { ms: performance.now() - started, stdout: result.stdout };
}

const root = await mkdtemp(join(tmpdir(), 'vpce-doctor-fleet-bench-'));
try {
  let clientIp = '';
  let index = 0;
  const started = performance.now();
  for (let account = 0; account < ACCOUNTS; account += 1) {
    const accountId = String(200000000000 + account);
    for (const region of REGIONS) {
      const ip = await generateUnit(root, index, accountId, region);
      if (ip) clientIp = ip;
      index += 1;
    }
  }
  await rm(join(root, '.scratch'), { recursive: true, force: true });
  const files = (await filesUnder(root)).filter((file) => file.endsWith('.json'));
  const bytes = (await Promise.all(files.map((file) => stat(file)))).reduce((sum, info) => sum + info.size, 0);
  console.error(
    `generated ${index} units, ${files.length} files, ${(bytes / 1048576).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const parse: number[] = [];
  const report: number[] = [];
  let parseRss = 0;
  let reportRss = 0;
  let rows = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const floor = timedProcess(['--import', 'tsx', 'bench/fleet-report.bench.ts', '--parse', root]);
    parse.push(floor.ms);
    parseRss = Math.max(parseRss, (JSON.parse(floor.stdout) as { maxRssMb: number }).maxRssMb);
    // The CLI as users run it, with its peak RSS read by a wrapper that runs it in-process.
    const run = timedProcess([
      '--input-type=module',
      '-e',
      `import { main } from './dist/cli/main.js';
       let rows = 0;
       const code = await main(['report', '--snapshot', ${JSON.stringify(root)}, '--client-ip', ${JSON.stringify(clientIp)}, '--json'], { stdout: (text) => { rows += text.split('\\n').length - 1; }, stderr: (text) => process.stderr.write(text) });
       console.log(JSON.stringify({ code, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`,
    ]);
    report.push(run.ms);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { code: number; rows: number; maxRssMb: number };
    if (result.code !== 0) throw new Error(`report exited ${result.code}`);
    rows = result.rows;
    reportRss = Math.max(reportRss, result.maxRssMb);
  }
  const figures = {
    units: index,
    endpoints: rows,
    files: files.length,
    megabytes: Number((bytes / 1048576).toFixed(1)),
    parseMs: Math.round(median(parse)),
    reportMs: Math.round(median(report)),
    reportOverParse: Number((median(report) / median(parse)).toFixed(2)),
    parsePeakRssMb: Math.round(parseRss),
    reportPeakRssMb: Math.round(reportRss),
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await rm(root, { recursive: true, force: true });
}
