import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pLimit from 'p-limit';
import { analyze, type AnalysisRequest } from '../../src/core/analyze.js';
import type { Fleet } from '../../src/core/fleet.js';
import type { NetworkModel } from '../../src/core/model.js';
import type { Report } from '../../src/core/report.js';
import { isFleetSnapshot, readFleetSnapshot } from '../../src/sources/snapshot/fleet.js';
import { LAYOUT_ENTRIES, SNAPSHOT_LAYOUT, type LayoutEntry } from '../../src/sources/snapshot/layout.js';
import { readSnapshot } from '../../src/sources/snapshot/read.js';
import { EXAMPLES_DIR, exampleRequest } from '../sources/aws/examples.js';
import { FakeAwsRegion, iamAction, regionFromSnapshot, type FakeRegionData } from '../sources/aws/fake-aws.js';
import { queryAnswerFrom, startQueryServer } from '../sources/aws/query-server.js';

/**
 * scripts/capture-snapshot.sh with the real AWS CLI against the fake region on 127.0.0.1:
 * every bundled example is served, captured, and its capture analysed exactly as the
 * example itself (verdict, and every check's id, interface and status).
 *
 * The CLI costs about a second of CPU per call, and the examples hold some 200 responses,
 * so each distinct answer goes through the CLI once:
 * - one example is captured whole, every call, as a user runs the script with the
 *   permissions of docs/iam-policy.json alone, and kept as the fixture;
 * - the listings of all the others are served at once, one region holding every example's
 *   items in turn, and captured with --only in one call each; the CLI keeps the order of
 *   the items, so each example's share of a printed listing is its file;
 * - the per-resource calls (prefix list entries, load balancer attributes, listeners,
 *   target health) are captured with --only into each example's snapshot, listings in
 *   place, once per distinct listing and answer: an example whose listing and answer an
 *   earlier one had gets the files the CLI printed then.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts/capture-snapshot.sh');
const POLICY_FILE = join(ROOT, 'docs/iam-policy.json');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/awscli');
/** The example kept as the fixture of what the CLI prints. */
const FIXTURE_EXAMPLE = 'provider-port-inference';
/** Captured whole, every call, with docs/iam-policy.json's permissions alone. */
const UNDER_POLICY = FIXTURE_EXAMPLE;
/** Accounts and regions captured whole. */
const WHOLE = new Set([UNDER_POLICY]);
const CONCURRENCY = 2;
const REGION = 'us-east-1';
const LOOPBACK_URL = /^http:\/\/127\.0\.0\.1:\d+$/;

/** The `aws` to run: pyenv's shim costs a third of a second a call, so its target is run instead. */
function findAwsCli(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).stdout.trim();
  if (!found) return undefined;
  if (found.includes('/.pyenv/shims/')) {
    const target = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
    if (target.status === 0 && target.stdout.trim()) return target.stdout.trim();
  }
  return found;
}

const AWS_CLI = findAwsCli();
const SHELL = spawnSync('sh', ['-c', 'command -v dash'], { encoding: 'utf8' }).stdout.trim() || 'sh';
const CI = process.env.CI === 'true';

/** Per-resource calls, each with the listing its requests come from and the member of it they name. */
const LISTING_OF: Readonly<Record<string, { readonly call: string; readonly member: string }>> = {
  GetManagedPrefixListEntries: { call: 'DescribeSecurityGroups', member: 'PrefixListId' },
  DescribeVpcEndpointServices: { call: 'DescribeVpcEndpoints', member: 'ServiceName' },
  DescribeLoadBalancerAttributes: { call: 'DescribeLoadBalancers', member: 'LoadBalancerArn' },
  DescribeListeners: { call: 'DescribeLoadBalancers', member: 'LoadBalancerArn' },
  DescribeTargetHealth: { call: 'DescribeTargetGroups', member: 'TargetGroupArn' },
};

/** One account and region of an example: the example itself, or one of a fleet's folders. */
interface Unit {
  readonly example: string;
  /** '' or `<account-id>/<region>`. */
  readonly path: string;
  /** `example` or `example/<account-id>/<region>`. */
  readonly name: string;
  readonly dir: string;
  readonly accountId?: string;
  /** Call (`DescribeSubnets`) -> its files, relative to the unit. */
  readonly files: ReadonlyMap<string, readonly string[]>;
  /** Call -> what its requests and answers are: a hash of its files and of its listing's. */
  readonly keys: ReadonlyMap<string, string>;
}

interface Run {
  readonly name: string;
  readonly status: number | null;
  readonly stderr: string;
  readonly calls: number;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json') && entry.name !== 'scenario.json')
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** `ec2/DescribeSubnets.json`, `elbv2/DescribeListeners/nlb.json`, `<account>/<region>/ec2/…` -> the call. */
function callOf(file: string): string {
  const parts = file.split('/');
  return parts[parts.findIndex((part) => part === 'ec2' || part === 'elbv2') + 1]!.replace(/\.json$/, '');
}

function unitOf(example: string, path: string): Unit {
  const dir = join(EXAMPLES_DIR, example, path);
  const files = new Map<string, string[]>();
  for (const file of filesUnder(dir)) files.set(callOf(file), [...(files.get(callOf(file)) ?? []), file]);
  const texts = (call: string) => (files.get(call) ?? []).map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
  // A call's answers are its files; a per-resource call's requests are the ids its listing holds.
  const keyOf = (call: string) => {
    const hash = createHash('sha256');
    for (const { file, text } of texts(call)) hash.update(`${file}\0${text}\0`);
    const listing = LISTING_OF[call];
    if (listing) {
      const ids = texts(listing.call).flatMap(({ text }) => [...text.matchAll(new RegExp(`"${listing.member}":\\s*"([^"]*)"`, 'g'))].map((match) => match[1]!));
      hash.update([...new Set(ids)].sort().join('\0'));
    }
    return `${call}:${hash.digest('hex')}`;
  };
  const keys = new Map([...files.keys()].map((call) => [call, keyOf(call)]));
  const accountId = /^(\d{12})\//.exec(path)?.[1];
  return { example, path, name: path ? `${example}/${path}` : example, dir, files, keys, ...(accountId ? { accountId } : {}) };
}

const EXAMPLES = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(EXAMPLES_DIR, entry.name, 'scenario.json')))
  .map((entry) => entry.name)
  .sort();

function unitsOf(example: string): Unit[] {
  if (existsSync(join(EXAMPLES_DIR, example, 'ec2'))) return [unitOf(example, '')];
  const dir = join(EXAMPLES_DIR, example);
  return readdirSync(dir)
    .filter((account) => /^\d{12}$/.test(account))
    .flatMap((account) => readdirSync(join(dir, account)).map((region) => unitOf(example, `${account}/${region}`)));
}

/** The listings captured for many examples at once: one call each, no parameter. */
const MERGED: readonly LayoutEntry[] = LAYOUT_ENTRIES.filter((entry) => !entry.keyedBy && entry.call !== 'DescribeVpcEndpointServices');

const POLICY_ACTIONS: readonly string[] = (JSON.parse(readFileSync(POLICY_FILE, 'utf8')) as { Statement: Array<{ Action: string[] }> }).Statement.flatMap(
  (statement) => statement.Action,
);
const allowedByPolicy = (call: string) => {
  const entry = LAYOUT_ENTRIES.find((candidate) => candidate.call === call);
  assert.ok(entry, call);
  return POLICY_ACTIONS.includes(iamAction(entry.service, call));
};

/** The environment of the script: only loopback, fake credentials, no configuration, no proxy. */
function scriptEnv(endpointUrl: string, home: string): NodeJS.ProcessEnv {
  assert.match(endpointUrl, LOOPBACK_URL, 'the script runs only against the fake region on loopback');
  return { ...cliEnv(home), AWS_ENDPOINT_URL: endpointUrl };
}

/** The AWS CLI's environment: fake credentials, no configuration, no instance metadata, no proxy. */
function cliEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: home,
    LANG: 'C.UTF-8',
    ...(AWS_CLI?.includes('/.pyenv/') ? { PYENV_ROOT: process.env.PYENV_ROOT ?? join(homedir(), '.pyenv') } : {}),
    AWS_CLI,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
    NO_PROXY: '127.0.0.1',
    no_proxy: '127.0.0.1',
  };
}

/** Runs the script under dash against `endpointUrl`, which must be the fake on loopback. */
function runScript(
  out: string,
  endpointUrl: string,
  home: string,
  args: readonly string[] = [],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = scriptEnv(endpointUrl, home);
  return new Promise((resolve, reject) => {
    const child = spawn(SHELL, [SCRIPT, out, '--endpoint-url', endpointUrl, '--region', REGION, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Serves `data` as a fake region on 127.0.0.1 for one run of the script. */
async function capture(
  data: FakeRegionData,
  out: string,
  home: string,
  options: { accountId?: string; only?: readonly string[]; policy?: boolean; prepare?: (region: FakeAwsRegion) => void } = {},
): Promise<{ status: number | null; stderr: string; region: FakeAwsRegion; calls: number }> {
  const region = new FakeAwsRegion(data, options.accountId ? { accountId: options.accountId } : {});
  if (options.policy) region.allowOnly(POLICY_ACTIONS);
  options.prepare?.(region);
  const server = await startQueryServer(queryAnswerFrom(region));
  try {
    const result = await runScript(out, server.url, home, options.only ? ['--only', options.only.join(',')] : []);
    return { status: result.status, stderr: result.stderr, region, calls: server.requests.length };
  } finally {
    await server.close();
  }
}

async function load(dir: string): Promise<NetworkModel | Fleet> {
  return (await isFleetSnapshot(dir)) ? (await readFleetSnapshot(dir)).fleet : readSnapshot(dir);
}

/** What must not change: the verdict, and each check's id, interface and status, in order. */
function outcome(report: Report) {
  return {
    verdict: report.verdict,
    checks: report.checks.map((check) => `${check.id} ${check.scope.networkInterfaceId ?? '-'} ${check.status}`),
  };
}

async function copyFiles(from: string, to: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    if (!existsSync(join(from, file))) continue;
    await mkdir(dirname(join(to, file)), { recursive: true });
    await cp(join(from, file), join(to, file));
  }
}

/**
 * Members of an example's file that its capture lacks, as `DescribeLoadBalancers.LoadBalancers[].Type`:
 * a CLI prints only the members its own model knows.
 */
function missingMembers(source: unknown, printed: unknown, path: string, into: Set<string>): void {
  if (Array.isArray(source)) {
    source.forEach((item, index) => missingMembers(item, (printed as unknown[] | undefined)?.[index], `${path}[]`, into));
  } else if (source !== null && typeof source === 'object') {
    for (const [key, value] of Object.entries(source)) {
      const other = (printed as Record<string, unknown> | undefined)?.[key];
      if (other === undefined) into.add(`${path}.${key}`);
      else missingMembers(value, other, `${path}.${key}`, into);
    }
  }
}

/** `DescribeLoadBalancers.LoadBalancers[].Type` -> the call and the steps into its response: `LoadBalancers`, `[]`, `Type`. */
function memberPath(member: string): { call: string; steps: string[] } {
  const [call, ...rest] = member.split('.');
  return { call: call!, steps: rest.flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part])) };
}

function dropMember(value: unknown, steps: readonly string[]): void {
  const [step, ...rest] = steps;
  if (step === undefined || value === null || typeof value !== 'object') return;
  if (step === '[]') {
    if (Array.isArray(value)) for (const item of value) dropMember(item, rest);
  } else if (rest.length === 0) {
    delete (value as Record<string, unknown>)[step];
  } else {
    dropMember((value as Record<string, unknown>)[step], rest);
  }
}

/**
 * Whether the CLI's own model has a member, from its `--generate-cli-skeleton output` of the
 * call; undefined when it cannot print one (AWS CLI 2.9 validates the skeleton of
 * DescribeTargetHealth against the model and fails).
 */
function cliKnows(member: string, skeletons: Map<string, unknown>, home: string): boolean | undefined {
  const { call, steps } = memberPath(member);
  const entry = LAYOUT_ENTRIES.find((candidate) => candidate.call === call)!;
  if (!skeletons.has(call)) {
    // AWS CLI v2 asks for the required parameters even here, where nothing is sent.
    const required = {
      GetManagedPrefixListEntries: '--prefix-list-id',
      DescribeLoadBalancerAttributes: '--load-balancer-arn',
      DescribeTargetHealth: '--target-group-arn',
    }[call];
    // Nothing is sent; the discard port on loopback all the same.
    const args = [
      entry.service,
      entry.command,
      ...(required ? [required, 'unused'] : []),
      '--generate-cli-skeleton',
      'output',
      '--endpoint-url',
      'http://127.0.0.1:9',
    ];
    const printed = spawnSync(AWS_CLI!, args, { encoding: 'utf8', env: cliEnv(home) });
    skeletons.set(call, printed.status === 0 ? JSON.parse(printed.stdout) : undefined);
  }
  let value = skeletons.get(call);
  if (value === undefined) return undefined;
  for (const step of steps) value = step === '[]' ? (Array.isArray(value) ? value[0] : undefined) : (value as Record<string, unknown> | undefined)?.[step];
  return value !== undefined;
}

const skip = AWS_CLI ? false : CI ? false : 'the AWS CLI (aws) is not installed: .ci/run installs it';

describe('scripts/capture-snapshot.sh', () => {
  it('is POSIX sh: dash and sh parse it', () => {
    for (const shell of new Set(['sh', SHELL])) {
      const parsed = spawnSync(shell, ['-n', SCRIPT], { encoding: 'utf8' });
      assert.equal(parsed.status, 0, `${shell} -n: ${parsed.stderr}`);
    }
    const script = readFileSync(SCRIPT, 'utf8');
    assert.match(script, /^#!\/bin\/sh\n/);
    // What GNU sed or bash alone would accept.
    for (const bashism of [/\bsed\s+(-[a-z]*[Er]|--regexp-extended|-i)\b/, /\[\[ /, /\bfunction\s+\w+/, /\blocal\s/, /\$\{\w+\/\//, /<<</, /\\U/]) {
      assert.doesNotMatch(script, bashism);
    }
  });

  it('names its usage, its unknown --only calls, and keeps a capture from being mixed into another', async () => {
    const home = await mkdtemp(join(tmpdir(), 'vpce-doctor-capture-usage-'));
    try {
      // Each case stops before any call; were one not to, `true` stands in for the CLI and nothing is sent anywhere.
      const env = { PATH: process.env.PATH, HOME: home, AWS_CLI: 'true' };
      const usage = spawnSync(SHELL, [SCRIPT], { encoding: 'utf8', env });
      assert.equal(usage.status, 2);
      assert.match(usage.stderr, /usage: .*OUT_DIR/);
      const unknown = spawnSync(SHELL, [SCRIPT, join(home, 'out'), '--only', 'DescribeSubnets,DescribeRouteTables'], { encoding: 'utf8', env });
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /--only: DescribeRouteTables is none of the layout's calls/);
      await mkdir(join(home, 'used'));
      await writeFile(join(home, 'used', 'old.json'), '{}');
      const used = spawnSync(SHELL, [SCRIPT, join(home, 'used')], { encoding: 'utf8', env });
      assert.equal(used.status, 2);
      assert.match(used.stderr, /is not empty/);
      const help = spawnSync(SHELL, [SCRIPT, '--help'], { encoding: 'utf8', env });
      assert.equal(help.status, 0);
      assert.match(help.stdout, /Exit status: 0 when ec2\/DescribeVpcEndpoints\.json was captured/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses to run the script against anything but the fake on loopback', () => {
    assert.throws(() => scriptEnv('https://ec2.us-east-1.amazonaws.com', tmpdir()), /loopback/);
    assert.throws(() => scriptEnv('http://127.0.0.1.example.com:80', tmpdir()), /loopback/);
  });
});

describe('scripts/capture-snapshot.sh with the real AWS CLI, against the fake region on 127.0.0.1', { skip }, () => {
  let work: string;
  const runs: Run[] = [];
  /** Example, and unit of an example -> its captured snapshot. */
  const captured = new Map<string, string>();
  let seconds = 0;
  /** Example -> the members of its files that its capture lacks. */
  const missing = new Map<string, string[]>();
  /** Member -> whether the CLI's model has it: false for a CLI older than the member, undefined when the CLI cannot tell. */
  const knownToCli = new Map<string, boolean | undefined>();

  before(async () => {
    assert.ok(AWS_CLI, 'the AWS CLI (aws) is not on PATH: CI must install it (.ci/run installs the Debian package awscli)');
    work = await mkdtemp(join(tmpdir(), 'vpce-doctor-capture-'));
    const started = performance.now();
    const units = EXAMPLES.flatMap(unitsOf);
    const snapshotOf = (unit: Unit) => join(work, 'snapshots', unit.example, unit.path);
    for (const example of EXAMPLES) captured.set(example, join(work, 'snapshots', example));
    for (const unit of units) {
      captured.set(unit.name, snapshotOf(unit));
      await mkdir(snapshotOf(unit), { recursive: true });
    }
    const limit = pLimit(CONCURRENCY);
    const record = (name: string, result: { status: number | null; stderr: string; calls: number }) =>
      runs.push({ name, status: result.status, stderr: result.stderr, calls: result.calls });

    // Whole captures.
    const whole = units.filter((unit) => WHOLE.has(unit.name));
    const wholeRuns = whole.map((unit) =>
      limit(async () => {
        const policy = unit.name === UNDER_POLICY;
        record(
          unit.name,
          await capture(await regionFromSnapshot(unit.dir), snapshotOf(unit), work, { ...(unit.accountId ? { accountId: unit.accountId } : {}), policy }),
        );
      }),
    );

    // Every other unit's listings, in one region, one call each; then each unit's share.
    const others = units.filter((unit) => !WHOLE.has(unit.name));
    const listings = MERGED.filter((entry) => others.some((unit) => unit.files.has(entry.call)));
    const itemsOf = async (unit: Unit, entry: LayoutEntry) =>
      unit.files.has(entry.call)
        ? ((JSON.parse(await readFile(join(unit.dir, entry.path), 'utf8')) as Record<string, unknown[]>)[entry.topLevelKey] ?? [])
        : [];
    const merged: Record<string, unknown> = {};
    for (const entry of listings) merged[entry.name] = { [entry.topLevelKey]: (await Promise.all(others.map((unit) => itemsOf(unit, entry)))).flat() };
    const mergedOut = join(work, 'merged');
    const listed = limit(async () => {
      record("every other example's listings", await capture(merged as FakeRegionData, mergedOut, work, { only: listings.map((entry) => entry.call) }));
      for (const entry of listings) {
        const printed = (JSON.parse(await readFile(join(mergedOut, entry.path), 'utf8')) as Record<string, unknown[]>)[entry.topLevelKey]!;
        let offset = 0;
        for (const unit of others) {
          const count = (await itemsOf(unit, entry)).length;
          if (unit.files.has(entry.call)) {
            await mkdir(dirname(join(snapshotOf(unit), entry.path)), { recursive: true });
            await writeFile(join(snapshotOf(unit), entry.path), `${JSON.stringify({ [entry.topLevelKey]: printed.slice(offset, offset + count) }, null, 4)}\n`);
          }
          offset += count;
        }
        assert.equal(offset, printed.length, `${entry.path}: every item printed once`);
      }
    });

    // Their per-resource calls, into their snapshots, once per distinct listing and answer.
    const owner = new Map<string, Unit>();
    const perResource = others.map((unit) => {
      const only = [...unit.keys].filter(([call, key]) => !MERGED.some((entry) => entry.call === call) && !owner.has(key)).map(([call]) => call);
      for (const call of only) owner.set(unit.keys.get(call)!, unit);
      return { unit, only };
    });
    await listed;
    await Promise.all([
      ...wholeRuns,
      ...perResource
        .filter(({ only }) => only.length > 0)
        .map(({ unit, only }) =>
          limit(async () =>
            record(
              unit.name,
              await capture(await regionFromSnapshot(unit.dir), snapshotOf(unit), work, { ...(unit.accountId ? { accountId: unit.accountId } : {}), only }),
            ),
          ),
        ),
    ]);
    for (const { unit, only } of perResource) {
      for (const [call, files] of unit.files) {
        const from = owner.get(unit.keys.get(call)!);
        if (from && !only.includes(call)) await copyFiles(snapshotOf(from), snapshotOf(unit), files);
      }
    }
    seconds = (performance.now() - started) / 1000;
    // What the CLI left out of each example, and whether its model knows it.
    const skeletons = new Map<string, unknown>();
    for (const unit of units) {
      const found = new Set<string>();
      for (const [call, files] of unit.files) {
        for (const file of files.filter((candidate) => existsSync(join(snapshotOf(unit), candidate)))) {
          missingMembers(JSON.parse(readFileSync(join(unit.dir, file), 'utf8')), JSON.parse(readFileSync(join(snapshotOf(unit), file), 'utf8')), call, found);
        }
      }
      for (const member of found) {
        missing.set(unit.example, [...new Set([...(missing.get(unit.example) ?? []), member])].sort());
        knownToCli.set(member, cliKnows(member, skeletons, work));
      }
    }
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs with the AWS CLI on PATH, every capture exiting 0', (t) => {
    const version = spawnSync(AWS_CLI!, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmpdir() } });
    const calls = runs.reduce((sum, run) => sum + run.calls, 0);
    t.diagnostic(`${(version.stdout || version.stderr).trim()}: ${runs.length} captures, ${calls} calls in ${seconds.toFixed(1)} s (${CONCURRENCY} at once)`);
    for (const run of runs) t.diagnostic(`${run.name}: ${run.calls} calls`);
    const unknown = [...knownToCli]
      .filter(([, known]) => known !== true)
      .map(([member, known]) => (known === undefined ? `${member} (the CLI prints no skeleton of its call)` : member));
    if (unknown.length > 0) t.diagnostic(`members of the examples this AWS CLI's model does not have: ${unknown.join(', ')}`);
    // The one that changes an analysis is named by the script.
    const warned = runs.filter((run) =>
      /warning: a Network Load Balancer with security groups but no EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic/.test(run.stderr),
    );
    if (knownToCli.has('DescribeLoadBalancers.LoadBalancers[].EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic')) {
      assert.ok(
        warned.some((run) => run.name === FIXTURE_EXAMPLE),
        'the script warns that the CLI drops EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic',
      );
    } else {
      assert.deepEqual(warned, []);
    }
    for (const run of runs) assert.equal(run.status, 0, `${run.name}: ${run.stderr}`);
  });

  for (const example of EXAMPLES) {
    it(`${example}: the capture is analysed as the example is`, async (t) => {
      const snapshot = captured.get(example)!;
      for (const unit of unitsOf(example)) {
        const into = join(snapshot, unit.path);
        const files = filesUnder(into);
        const expected = [...unit.files.values()].flat().filter((file) => unit.name !== UNDER_POLICY || allowedByPolicy(callOf(file)));
        // Every file of the example, named as the layout names it; a whole capture may add listings the example leaves out.
        for (const file of expected) assert.ok(files.includes(file), `${unit.name}: ${file} captured (has ${files.join(', ')})`);
        if (!WHOLE.has(unit.name)) assert.deepEqual(files, [...expected].sort());
      }
      // A member left out is one this CLI's model does not know (an older CLI), or a loss.
      const lacking = missing.get(example) ?? [];
      assert.deepEqual(
        lacking.filter((member) => knownToCli.get(member) === true),
        [],
        'members the CLI knows, missing from the capture',
      );
      let reference = join(EXAMPLES_DIR, example);
      if (lacking.length > 0) {
        // Then the capture is analysed as the example less those members.
        t.diagnostic(`compared with the example less the ${lacking.length} member(s) of it this AWS CLI does not print`);
        reference = join(work, 'without-unknown-members', example);
        await cp(join(EXAMPLES_DIR, example), reference, { recursive: true });
        for (const file of filesUnder(reference)) {
          const document = JSON.parse(await readFile(join(reference, file), 'utf8')) as unknown;
          for (const member of lacking.map(memberPath).filter(({ call }) => call === callOf(file))) dropMember(document, member.steps);
          await writeFile(join(reference, file), JSON.stringify(document));
        }
      }
      const request: AnalysisRequest = await exampleRequest(example);
      const original = analyze(await load(reference), request);
      const recaptured = analyze(await load(snapshot), request);
      assert.deepEqual(outcome(recaptured), outcome(original));
    });
  }

  it(`with docs/iam-policy.json alone (${UNDER_POLICY}): the calls it does not allow are skipped and named, the rest captured`, () => {
    const run = runs.find((candidate) => candidate.name === UNDER_POLICY)!;
    const out = captured.get(UNDER_POLICY)!;
    assert.equal(run.status, 0, run.stderr);
    const denied = LAYOUT_ENTRIES.filter((entry) => !allowedByPolicy(entry.call));
    assert.ok(
      denied.some((entry) => entry.call === 'DescribeInstances'),
      'the service does not need instances: the policy does not allow them',
    );
    for (const entry of denied) {
      assert.equal(existsSync(join(out, entry.path)), false, entry.path);
      assert.match(
        run.stderr,
        new RegExp(
          `skipped ${entry.path}: aws ${entry.service} ${entry.command} failed: .*\\(UnauthorizedOperation\\).*${entry.service === 'ec2' ? 'ec2' : 'elasticloadbalancing'}:${entry.call}`,
        ),
      );
    }
    for (const entry of LAYOUT_ENTRIES.filter((candidate) => allowedByPolicy(candidate.call))) {
      assert.doesNotMatch(run.stderr, new RegExp(`skipped ${entry.path}[:/][^\n]*UnauthorizedOperation`));
    }
    assert.match(run.stderr, /skipped \(checks that need them will be unknown\): .*ec2\/DescribeInstances\.json/);
    assert.ok(existsSync(join(out, 'ec2/DescribeVpcEndpoints.json')));
  });

  it("a fleet: each account and region is a snapshot of its own, the consumer's naming the provider's account", () => {
    const consumer = captured.get('fleet-cross-account/111122223333/us-east-1')!;
    const provider = captured.get('fleet-cross-account/444455556666/us-east-1')!;
    assert.ok(existsSync(join(provider, 'elbv2/DescribeLoadBalancers.json')));
    const file = join(consumer, SNAPSHOT_LAYOUT.vpcEndpointServices.path);
    const services = JSON.parse(readFileSync(file, 'utf8')) as { ServiceDetails: Array<{ Owner: string }> };
    assert.deepEqual(
      services.ServiceDetails.map((detail) => detail.Owner),
      ['444455556666'],
    );
  });

  it(`the fixture test/fixtures/awscli/${FIXTURE_EXAMPLE} holds the files of this capture`, async () => {
    const out = captured.get(FIXTURE_EXAMPLE)!;
    const fixture = join(FIXTURE_DIR, FIXTURE_EXAMPLE);
    if (process.env.UPDATE_AWSCLI_FIXTURES === '1') {
      await rm(fixture, { recursive: true, force: true });
      await cp(out, fixture, { recursive: true });
    }
    assert.deepEqual(filesUnder(fixture), filesUnder(out));
  });

  it('a denied call leaves no file (an older one is removed), is named on stderr, and the capture goes on', async () => {
    const unit = unitsOf('nacl-differs-per-subnet')[0]!;
    const out = join(work, 'denied');
    await mkdir(join(out, 'ec2'), { recursive: true });
    await writeFile(join(out, 'ec2/DescribeNetworkAcls.json'), '{"NetworkAcls": []}\n');
    const result = await capture(await regionFromSnapshot(unit.dir), out, work, {
      only: ['DescribeNetworkAcls', 'DescribeSubnets'],
      prepare: (region) => region.deny('ec2', 'DescribeNetworkAcls'),
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(existsSync(join(out, 'ec2/DescribeNetworkAcls.json')), false);
    assert.ok(existsSync(join(out, 'ec2/DescribeSubnets.json')));
    assert.match(
      result.stderr,
      /skipped ec2\/DescribeNetworkAcls\.json: aws ec2 describe-network-acls failed: .*\(UnauthorizedOperation\).*ec2:DescribeNetworkAcls/,
    );
    assert.match(result.stderr, /captured 1 file\(s\) into .*; 1 skipped/);
    assert.deepEqual(
      result.region.calls.map((call) => `${call.operation} ${call.outcome}`),
      ['DescribeSubnets answered', 'DescribeNetworkAcls failed'],
    );
  });

  it('exits 1 when DescribeVpcEndpoints cannot be captured', async () => {
    const unit = unitsOf('healthy-aws-service')[0]!;
    const out = join(work, 'no-endpoints');
    const result = await capture(await regionFromSnapshot(unit.dir), out, work, {
      only: ['DescribeVpcEndpoints', 'DescribeVpcEndpointServices'],
      prepare: (region) => region.deny('ec2', 'DescribeVpcEndpoints'),
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /skipped ec2\/DescribeVpcEndpoints\.json: aws ec2 describe-vpc-endpoints failed/);
    assert.match(result.stderr, /could not be captured: check the credentials, the region and the endpoint URL/);
    // Without endpoints there are no service names to describe.
    assert.deepEqual(
      result.region.calls.map((call) => call.operation),
      ['DescribeVpcEndpoints'],
    );
    assert.deepEqual(await readdir(join(out, 'ec2')), []);
  });
});

// The captured JSON stays the CLI's own: read back, the fixture is what the example is.
describe(`test/fixtures/awscli/${FIXTURE_EXAMPLE}`, () => {
  it('is analysed as the example is', async () => {
    const request = await exampleRequest(FIXTURE_EXAMPLE);
    const fixture = join(FIXTURE_DIR, FIXTURE_EXAMPLE);
    assert.deepEqual(
      outcome(analyze(await readSnapshot(fixture), request)),
      outcome(analyze(await readSnapshot(join(EXAMPLES_DIR, FIXTURE_EXAMPLE)), request)),
    );
    const text = await readFile(join(fixture, 'elbv2/DescribeLoadBalancers.json'), 'utf8');
    assert.match(text, /^\{\n {4}"LoadBalancers": \[\n/, 'as the CLI prints it: four spaces of indentation');
  });
});
