import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateLargeSnapshot } from '../../bench/generate-snapshot.js';
import { main } from '../../src/cli/main.js';
import { awsFakeVariables } from '../support/server-process.js';

/** The CLI in a terminal: within its width, ids whole, the checks that matter first, plain text off a TTY. */

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

async function cli(argv: readonly string[], options: { columns?: number; color?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), columns: options.columns ?? 80, color: options.color ?? false });
  return { code, stdout, stderr };
}

interface Scenario {
  readonly endpointId: string;
  readonly client: { readonly ip?: string; readonly eniId?: string; readonly instanceId?: string };
  readonly port?: number;
}

async function scenarios(): Promise<{ name: string; args: string[] }[]> {
  const found: { name: string; args: string[] }[] = [];
  for (const name of (await readdir(EXAMPLES)).sort()) {
    let scenario: Scenario;
    try {
      scenario = JSON.parse(await readFile(join(EXAMPLES, name, 'scenario.json'), 'utf8')) as Scenario;
    } catch {
      continue;
    }
    const client = scenario.client.ip ? ['--client-ip', scenario.client.ip] : scenario.client.eniId ? ['--client-eni', scenario.client.eniId] : ['--client-instance', scenario.client.instanceId!];
    found.push({ name, args: ['analyze', '--snapshot', join(EXAMPLES, name), '--endpoint', scenario.endpointId, ...client, ...(scenario.port ? ['--port', String(scenario.port)] : [])] });
  }
  return found;
}

const ESC = String.fromCharCode(27);
const tooWide = (text: string, width: number) => text.split('\n').filter((line) => line.length > width);

describe('the CLI in a terminal', () => {
  it('fits analyze and endpoints within 60, 80 and 100 columns on every example, and cuts no id', async () => {
    const all = await scenarios();
    assert.ok(all.length >= 20, `${all.length} examples`);
    for (const { name, args } of all) {
      const json = JSON.parse((await cli([...args, '--json'])).stdout) as { endpoint: { id: string }; paths: { networkInterfaceId: string }[]; checks: { status: string; scope: { securityGroupIds?: string[]; networkAclId?: string } }[] };
      for (const columns of [60, 80, 100]) {
        for (const command of [args, [...args, '--verbose'], ['endpoints', '--snapshot', args[2]!]]) {
          const { code, stdout } = await cli(command, { columns });
          assert.equal(code, 0, `${name}: ${command.join(' ')}`);
          assert.deepEqual(tooWide(stdout, columns), [], `${name} at ${columns} columns: ${command[0]}`);
        }
        const { stdout } = await cli(args, { columns });
        const ids = [json.endpoint.id, ...json.paths.map((path) => path.networkInterfaceId)];
        for (const check of json.checks.filter((check) => check.status === 'fail')) ids.push(...(check.scope.securityGroupIds ?? []), ...(check.scope.networkAclId ? [check.scope.networkAclId] : []));
        for (const id of ids) assert.match(stdout, new RegExp(`(^|[\\s(,])${id}($|[\\s),:])`, 'm'), `${name} at ${columns}: ${id} is whole`);
      }
    }
  });

  it('shows by default the verdict, one line per endpoint interface, and only the checks that do not pass; --verbose shows every check', async () => {
    const args = (await scenarios()).find((scenario) => scenario.name === 'endpoint-sg-missing-port')!.args;
    const { stdout } = await cli(args, { columns: 100 });
    const lines = stdout.split('\n');
    assert.ok(lines.length < 40, `${lines.length} lines`);
    assert.match(stdout, /^Verdict {3}BLOCKED: /m);
    assert.equal(lines.filter((line) => /^ {2}FAIL {2}eni-\S+ {2}10\.0\.\d+\.\d+ {2}us-east-1[abc] {2}port 443 {2}endpoint\.sg\.inbound$/.test(line)).length, 3);
    assert.doesNotMatch(stdout, /^ {2}(pass|n\/a) {2}/m);
    assert.match(stdout, /evidence: sg-0d3885bab18906d3d inbound: tcp 80 from 10\.0\.0\.0\/16/);
    const verbose = (await cli([...args, '--verbose'], { columns: 100 })).stdout;
    assert.match(verbose, /^ {2}pass {2}client\.sg\.outbound {2}on /m);
    assert.match(verbose, /^ {2}n\/a {2}service\.listener {2}on vpce-04d16890aa090a0c4$/m);
  });

  it('colours only when asked (a terminal without NO_COLOR), and never off a terminal', async () => {
    const args = (await scenarios()).find((scenario) => scenario.name === 'endpoint-sg-missing-port')!.args;
    assert.ok((await cli(args, { color: true })).stdout.includes(`${ESC}[31mFAIL${ESC}[0m`));
    assert.ok(!(await cli(args)).stdout.includes(ESC));
    // The process itself: stdout is a pipe here, and NO_COLOR is set besides.
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1' } });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!run.stdout.includes(ESC));
    assert.ok(run.stdout.split('\n').every((line) => line.length <= 80), 'off a terminal: 80 columns');
  });

  it('prints its version, and takes the live options as flags, leaving the server settings alone', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await cli(['--version'])).stdout.trim(), manifest.version);
    const help = (await cli(['analyze', '--help'])).stdout;
    for (const flag of ['--aws', '--region', '--role-arn', '--organization-role', '--external-id', '--verbose']) assert.ok(help.includes(flag), flag);
    // A server setting that is wrong is not the CLI's concern; with --aws it goes on to read AWS
    // (here a closed loopback port, so it fails on that, not on PORT).
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'endpoints', '--aws', '--region', 'us-east-1', '--external-id', 'ticket-1234'], {
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
    });
    assert.doesNotMatch(run.stderr, /PORT|RATE_LIMIT|API_TOKENS|invalid configuration/, run.stderr);
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
  });

  it('says a malformed endpoint id is malformed, and answers an unknown one with the endpoints of the data or the 5 closest', async () => {
    const malformed = await cli(['analyze', '--snapshot', join(EXAMPLES, 'healthy-aws-service'), '--endpoint', 'vpce-xyz', '--client-ip', '10.0.1.25']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--endpoint: "vpce-xyz" is malformed: an interface endpoint id is vpce- followed by 8 to 17 hexadecimal digits/);
    const unknown = await cli(['analyze', '--snapshot', join(EXAMPLES, 'healthy-aws-service'), '--endpoint', 'vpce-068e9dcc184a273ac', '--client-ip', '10.0.1.25']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /is not in the captured data; the data holds: vpce-068e9dcc184a273ab$/m);

    const root = await mkdtemp(join(tmpdir(), 'vpce-doctor-cli-'));
    try {
      const generated = await generateLargeSnapshot(join(root, 'many'), { endpoints: 14, securityGroups: 40, rulesPerGroup: 4, naclEntries: 4, prefixLists: 1, prefixListEntries: 4, clients: 4, providerServices: 0 });
      const ids = (JSON.parse((await cli(['endpoints', '--snapshot', join(root, 'many'), '--json'])).stdout) as { id: string }[]).map((endpoint) => endpoint.id).sort();
      assert.ok(ids.length > 10, `${ids.length} endpoints (${JSON.stringify(generated).slice(0, 80)})`);
      const near = `${ids[3]!.slice(0, -1)}${ids[3]!.endsWith('0') ? '1' : '0'}`;
      const many = await cli(['analyze', '--snapshot', join(root, 'many'), '--endpoint', near, '--client-ip', '10.0.1.25']);
      assert.equal(many.code, 2);
      const closest = /the closest ids of the \d+ in the data: (.*) \(vpce-doctor endpoints lists them all\)$/m.exec(many.stderr)?.[1]?.split(', ');
      assert.equal(closest?.length, 5, many.stderr);
      assert.equal(closest?.[0], ids[3]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
