import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateLargeSnapshot } from '../../bench/generate-snapshot.js';
import { main, terminalOf } from '../../src/cli/main.js';
import { awsFakeVariables } from '../support/server-process.js';

/** The CLI in a terminal: within its width, ids whole, the checks that matter first, plain text off a TTY. */

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

async function cli(argv: readonly string[], options: { columns?: number; color?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    columns: options.columns ?? 80,
    color: options.color ?? false,
  });
  return { code, stdout, stderr };
}

interface Scenario {
  readonly endpointId: string;
  readonly client: { readonly ip?: string; readonly eniId?: string; readonly instanceId?: string };
  readonly port?: number;
}

interface Example {
  readonly name: string;
  /** `analyze` of its scenario. */
  readonly args: string[];
  readonly dir: string;
  readonly scenario: Scenario;
}

async function scenarios(): Promise<Example[]> {
  const found: Example[] = [];
  for (const name of (await readdir(EXAMPLES)).sort()) {
    let scenario: Scenario;
    try {
      scenario = JSON.parse(await readFile(join(EXAMPLES, name, 'scenario.json'), 'utf8')) as Scenario;
    } catch {
      continue;
    }
    const client = scenario.client.ip
      ? ['--client-ip', scenario.client.ip]
      : scenario.client.eniId
        ? ['--client-eni', scenario.client.eniId]
        : ['--client-instance', scenario.client.instanceId!];
    found.push({
      name,
      dir: join(EXAMPLES, name),
      scenario,
      args: [
        'analyze',
        '--snapshot',
        join(EXAMPLES, name),
        '--endpoint',
        scenario.endpointId,
        ...client,
        ...(scenario.port ? ['--port', String(scenario.port)] : []),
      ],
    });
  }
  return found;
}

const ESC = String.fromCharCode(27);
const tooWide = (text: string, width: number) => text.split('\n').filter((line) => line.length > width);

/** An AWS id: a known prefix, a dash and hexadecimal digits, whole (nothing id-like on either side). */
const ID = /(?<![\w-])(?:vpce-svc|vpce|sg|eni|subnet|vpc|acl|pl|i|rtb|igw|nat|tgw)-[0-9a-f]+(?!\w)/g;
/** A line that ends in the start of an id: an id broken at the line's end. */
const ID_AT_END = /(?<![\w-])(?:vpce-svc|vpce|sg|eni|subnet|vpc|acl)-[0-9a-f]*$/;

/** Every id of a snapshot directory's files. */
async function idsOf(dir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) for (const match of (await readFile(path, 'utf8')).matchAll(ID)) ids.add(match[0]);
  }
  return ids;
}

/** The ids printed that are not ids of the data (a piece of a broken one), and the lines that end in a broken id. */
function brokenIds(text: string, known: ReadonlySet<string>): string[] {
  const pieces = [...text.matchAll(ID)].map((match) => match[0]).filter((id) => !known.has(id));
  const atEnd = text.split('\n').flatMap((line) => {
    const match = ID_AT_END.exec(line);
    return match && !known.has(match[0]) ? [`${line} ⏎`] : [];
  });
  return [...new Set([...pieces, ...atEnd])];
}

describe('the CLI in a terminal', () => {
  it('fits analyze (default and --verbose), endpoints, report and who-can-reach within 60, 80 and 100 columns on every example, and breaks no id', async () => {
    const all = await scenarios();
    assert.ok(all.length >= 20, `${all.length} examples`);
    // Among them a 3-AZ endpoint and endpoints of customer services (the vpce-svc-… names).
    assert.ok(all.some(({ name }) => name === 'endpoint-sg-missing-port') && all.some(({ name }) => name === 'provider-not-visible'));
    for (const { name, args, dir, scenario } of all) {
      const known = await idsOf(dir);
      const port = scenario.port ? ['--port', String(scenario.port)] : [];
      const commands = [
        args,
        [...args, '--verbose'],
        ['endpoints', '--snapshot', dir],
        ['report', '--snapshot', dir, '--client-ip', scenario.client.ip ?? '10.0.1.25', ...port],
        ['who-can-reach', '--snapshot', dir, '--endpoint', scenario.endpointId, '--port', String(scenario.port ?? 443)],
      ];
      for (const columns of [60, 80, 100]) {
        for (const command of commands) {
          const { code, stdout, stderr } = await cli(command, { columns });
          const what = `${name} at ${columns} columns: ${command[0]}${command.includes('--verbose') ? ' --verbose' : ''}`;
          assert.equal(code, 0, `${what}: ${stderr}`);
          assert.deepEqual(tooWide(stdout, columns), [], what);
          assert.deepEqual(brokenIds(stdout, known), [], what);
        }
      }
    }
  });

  it('fits what-if and blast-radius within 60, 80 and 100 columns too, and breaks no id', async () => {
    const { args, dir } = (await scenarios()).find((example) => example.name === 'endpoint-sg-missing-port')!;
    const known = await idsOf(dir);
    const root = await mkdtemp(join(tmpdir(), 'vpce-doctor-cli-'));
    try {
      const plan = join(root, 'plan.json');
      await writeFile(plan, JSON.stringify((JSON.parse((await cli([...args, '--json'])).stdout) as { fixPlan: unknown }).fixPlan));
      for (const columns of [60, 80, 100]) {
        for (const command of [
          ['what-if', ...args.slice(1), '--changes', plan],
          ['blast-radius', '--snapshot', dir, '--changes', plan],
        ]) {
          const { code, stdout, stderr } = await cli(command, { columns });
          assert.equal(code, 0, stderr);
          assert.deepEqual(tooWide(stdout, columns), [], `${command[0]} at ${columns}`);
          assert.deepEqual(brokenIds(stdout, known), [], `${command[0]} at ${columns}`);
        }
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('finds a broken id: the check above is not blind', () => {
    const known = new Set(['vpce-svc-0e61021529b366ea2', 'sg-0d3885bab18906d3d']);
    assert.deepEqual(brokenIds('com.amazonaws.vpce.us-east-1.vpce-svc-0e61021529b366ea2 sg-0d3885bab18906d3d', known), []);
    assert.deepEqual(brokenIds('com.amazonaws.vpce.us-east-1.vpce-svc-0e61021529b3\n66ea2', known), [
      'vpce-svc-0e61021529b3',
      'com.amazonaws.vpce.us-east-1.vpce-svc-0e61021529b3 ⏎',
    ]);
    // Broken in a shell command: a continuation after part of it.
    assert.deepEqual(brokenIds("--group-id sg-0d3885bab'\\\n'18906d3d", known), ['sg-0d3885bab']);
    assert.deepEqual(brokenIds('no rule of sg-\n0d3885bab18906d3d', known), ['no rule of sg- ⏎']);
  });

  it('answers a 3-AZ endpoint and an AWS service in a screen: no n/a provider row, no passing check', async () => {
    const all = await scenarios();
    for (const name of ['healthy-aws-service', 'provider-port-inference', 'endpoint-sg-missing-port']) {
      const { stdout } = await cli(all.find((example) => example.name === name)!.args, { columns: 100 });
      const lines = stdout.split('\n');
      assert.ok(lines.length <= 30, `${name}: ${lines.length} lines`);
      // A check line (its id is dotted: endpoint.sg.inbound), not an interface line.
      assert.doesNotMatch(stdout, /^ {2}(pass|n\/a) {2}[a-z]+\./m, name);
      assert.doesNotMatch(stdout, /service\.listener|target\.health/, name);
    }
    // The checks that find the same, without a fix, on the same interfaces: told once, with their ids.
    const hidden = (await cli(all.find((example) => example.name === 'provider-not-visible')!.args, { columns: 100 })).stdout;
    assert.equal(hidden.match(/provider side not visible/g)?.length, 2, hidden);
    assert.match(hidden, /^ {2}unknown {2}service\.listener, nlb\.sg\.inbound, nlb\.sg\.outbound, target\.sg\.inbound,/m);
  });

  it('shows by default the verdict, one line per endpoint interface, and only the checks that do not pass; --verbose shows every check', async () => {
    const args = (await scenarios()).find((scenario) => scenario.name === 'endpoint-sg-missing-port')!.args;
    const { stdout } = await cli(args, { columns: 100 });
    const lines = stdout.split('\n');
    assert.ok(lines.length < 40, `${lines.length} lines`);
    assert.match(stdout, /^Verdict {3}BLOCKED: /m);
    assert.equal(
      lines.filter((line) => /^ {2}FAIL {2}eni-\S+ {2}10\.0\.\d+\.\d+ {2}us-east-1[abc] {2}port 443 {2}endpoint\.sg\.inbound$/.test(line)).length,
      3,
    );
    assert.doesNotMatch(stdout, /^ {2}(pass|n\/a) {2}/m);
    assert.match(stdout, /evidence: sg-0d3885bab18906d3d inbound: tcp 80 from 10\.0\.0\.0\/16/);
    const verbose = (await cli([...args, '--verbose'], { columns: 100 })).stdout;
    assert.match(verbose, /^ {2}pass {2}client\.sg\.outbound {2}on /m);
    assert.match(
      verbose,
      /^ {2}n\/a {2}service\.listener, nlb\.sg\.inbound, [^\n]*\n(?: {8}[^\n]*\n)*? {8}[^\n]*target\.health {2}on vpce-04d16890aa090a0c4$/m,
    );
  });

  it('colours only when asked (a terminal without NO_COLOR), and never off a terminal', async () => {
    const args = (await scenarios()).find((scenario) => scenario.name === 'endpoint-sg-missing-port')!.args;
    assert.ok((await cli(args, { color: true })).stdout.includes(`${ESC}[31mFAIL${ESC}[0m`));
    assert.ok(!(await cli(args)).stdout.includes(ESC));
    // The process itself: stdout is a pipe here, and NO_COLOR is set besides.
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!run.stdout.includes(ESC));
    assert.ok(
      run.stdout.split('\n').every((line) => line.length <= 80),
      'off a terminal: 80 columns',
    );
  });

  it("takes its width and colours from stdout: a terminal's width, 80 off one; colour only on a terminal without NO_COLOR", () => {
    assert.deepEqual(terminalOf({ isTTY: true, columns: 100 }, {}), { columns: 100, color: true });
    assert.deepEqual(terminalOf({ isTTY: true, columns: 100 }, { NO_COLOR: '1' }), { columns: 100, color: false });
    assert.deepEqual(terminalOf({ isTTY: true, columns: 100 }, { TERM: 'dumb' }), { columns: 100, color: false });
    // NO_COLOR counts when it is set to something (no-color.org).
    assert.deepEqual(terminalOf({ isTTY: true, columns: 60 }, { NO_COLOR: '' }), { columns: 60, color: true });
    assert.deepEqual(terminalOf({ isTTY: true }, {}), { columns: 80, color: true });
    assert.deepEqual(terminalOf({ isTTY: false, columns: 100 }, {}), { columns: 80, color: false });
    assert.deepEqual(terminalOf({}, { FORCE_COLOR: '1' }), { columns: 80, color: false });
  });

  it('prints its version, and takes the live options as flags, leaving the server settings alone', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await cli(['--version'])).stdout.trim(), manifest.version);
    const help = (await cli(['analyze', '--help'])).stdout;
    for (const flag of ['--aws', '--region', '--role-arn', '--organization-role', '--external-id', '--verbose']) assert.ok(help.includes(flag), flag);
    // A server setting that is wrong is not the CLI's concern; with --aws it goes on to read AWS
    // (here a closed loopback port, so it fails on that, not on PORT).
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/run.ts', 'endpoints', '--aws', '--region', 'us-east-1', '--external-id', 'ticket-1234'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env['PATH'],
          PORT: 'not-a-port',
          VPCE_DOCTOR_RATE_LIMIT_MAX: '-5',
          VPCE_DOCTOR_API_TOKENS: 'short',
          ...awsFakeVariables('http://127.0.0.1:9'),
          VPCE_DOCTOR_AWS_MAX_ATTEMPTS: '1',
        },
      },
    );
    assert.doesNotMatch(run.stderr, /PORT|RATE_LIMIT|API_TOKENS|invalid configuration/, run.stderr);
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    // And on a snapshot: the answer, as without them.
    const args = (await scenarios()).find((scenario) => scenario.name === 'endpoint-sg-missing-port')!.args;
    const snapshot = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'],
        PORT: 'not-a-port',
        HOST: '',
        VPCE_DOCTOR_SOURCE: 'nowhere',
        VPCE_DOCTOR_CACHE_TTL_SECONDS: '0',
        VPCE_DOCTOR_API_TOKENS: 'short',
      },
    });
    assert.equal(snapshot.status, 0, snapshot.stderr);
    assert.match(snapshot.stdout, /^Verdict {3}BLOCKED: /m);
  });

  it('checks the live options as options: a bad one is named by its flag, and --aws without a region says to give --region', () => {
    const run = (flags: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'endpoints', '--aws', ...flags], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        // Nothing here gets as far as a connection; were it to, only to a closed loopback port.
        env: { PATH: process.env['PATH'], ...awsFakeVariables('http://127.0.0.1:9'), VPCE_DOCTOR_AWS_MAX_ATTEMPTS: '1' },
      });
    const cases: [string[], RegExp][] = [
      [['--region', 'nowhere'], /^vpce-doctor: --region: expected an AWS region such as us-east-1, got "nowhere"$/m],
      [['--region', 'us-east-1', '--role-arn', 'bogus'], /^vpce-doctor: --role-arn: expected an IAM role ARN/m],
      [['--region', 'us-east-1', '--external-id', 'x'], /^vpce-doctor: --external-id: expected 2 to 1224 characters/m],
      [['--region', 'us-east-1', '--organization-role', 'a/b'], /^vpce-doctor: --organization-role: expected an IAM role name/m],
      [
        ['--region', 'us-east-1', '--role-arn', 'arn:aws:iam::111122223333:role/a', '--role-arn', 'arn:aws:iam::111122223333:role/b'],
        /^vpce-doctor: --role-arn: one role per account/m,
      ],
      [[], /^vpce-doctor: --aws needs a region: give --region \(or set AWS_REGION\)$/m],
    ];
    for (const [flags, message] of cases) {
      const result = run(flags);
      assert.equal(result.status, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, message, flags.join(' '));
      assert.doesNotMatch(result.stderr, /VPCE_DOCTOR_AWS_(REGIONS|ROLE_ARNS|EXTERNAL_ID|ORGANIZATION)/, flags.join(' '));
    }
  });

  it('says a malformed endpoint id is malformed, and answers an unknown one with the endpoints of the data or the 5 closest', async () => {
    const malformed = await cli(['analyze', '--snapshot', join(EXAMPLES, 'healthy-aws-service'), '--endpoint', 'vpce-xyz', '--client-ip', '10.0.1.25']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--endpoint: "vpce-xyz" is malformed: an interface endpoint id is vpce- followed by 8 to 17 hexadecimal digits/);
    const unknown = await cli([
      'analyze',
      '--snapshot',
      join(EXAMPLES, 'healthy-aws-service'),
      '--endpoint',
      'vpce-068e9dcc184a273ac',
      '--client-ip',
      '10.0.1.25',
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /is not in the captured data; the data holds: vpce-068e9dcc184a273ab$/m);
    // who-can-reach and what-if alike.
    const changes = join(await mkdtemp(join(tmpdir(), 'vpce-doctor-cli-')), 'changes.json');
    await writeFile(changes, '[]');
    for (const command of [['who-can-reach'], ['what-if', '--client-ip', '10.0.1.25', '--changes', changes]]) {
      const snapshot = ['--snapshot', join(EXAMPLES, 'healthy-aws-service')];
      const bad = await cli([...command, ...snapshot, '--endpoint', 'vpce-xyz']);
      assert.equal(bad.code, 2, command[0]);
      assert.match(bad.stderr, /--endpoint: "vpce-xyz" is malformed/, command[0]);
      const missing = await cli([...command, ...snapshot, '--endpoint', 'vpce-068e9dcc184a273ac']);
      assert.equal(missing.code, 2, command[0]);
      assert.match(missing.stderr, /is not in the captured data; the data holds: vpce-068e9dcc184a273ab$/m, command[0]);
    }
    await rm(join(changes, '..'), { recursive: true, force: true });

    const root = await mkdtemp(join(tmpdir(), 'vpce-doctor-cli-'));
    try {
      const generated = await generateLargeSnapshot(join(root, 'many'), {
        endpoints: 14,
        securityGroups: 40,
        rulesPerGroup: 4,
        naclEntries: 4,
        prefixLists: 1,
        prefixListEntries: 4,
        clients: 4,
        providerServices: 0,
      });
      const ids = (JSON.parse((await cli(['endpoints', '--snapshot', join(root, 'many'), '--json'])).stdout) as { id: string }[])
        .map((endpoint) => endpoint.id)
        .sort();
      assert.ok(ids.length > 10, `${ids.length} endpoints (${JSON.stringify(generated).slice(0, 80)})`);
      const near = `${ids[3]!.slice(0, -1)}${ids[3]!.endsWith('0') ? '1' : '0'}`;
      const many = await cli(['analyze', '--snapshot', join(root, 'many'), '--endpoint', near, '--client-ip', '10.0.1.25']);
      assert.equal(many.code, 2);
      const closest = /the closest ids of the \d+ in the data: (.*) \(vpce-doctor endpoints lists them all\)$/m.exec(many.stderr)?.[1]?.split(', ');
      assert.equal(closest?.length, 5, many.stderr);
      assert.equal(closest?.[0], ids[3]);
      // A missing directory is said so, not in Node's words.
      const gone = await cli(['analyze', '--snapshot', join(root, 'gone'), '--endpoint', ids[0]!, '--client-ip', '10.0.1.25']);
      assert.equal(gone.code, 2);
      assert.equal(gone.stderr, `vpce-doctor: snapshot directory ${join(root, 'gone')}: no such directory\n`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
