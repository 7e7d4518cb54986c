import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { wrapCommand } from '../../src/cli/wrap.js';
import type { Report } from '../../src/core/report.js';
import { tempDirForSuite } from '../support/temp-dir.js';

/** `analyze`'s fix plan: the table's numbered steps, `--fix-script`, `--fix-scope`, the width. */

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

async function run(argv: readonly string[], columns = 200): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), columns });
  return { code, stdout, stderr };
}

interface Scenario {
  endpointId: string;
  client: { ip?: string; eniId?: string; instanceId?: string };
  port?: number;
  accountId?: string;
}

function scenarioArgs(name: string): string[] {
  const scenario = JSON.parse(readFileSync(join(EXAMPLES, name, 'scenario.json'), 'utf8')) as Scenario;
  const { client } = scenario;
  return [
    'analyze',
    '--snapshot',
    join(EXAMPLES, name),
    '--endpoint',
    scenario.endpointId,
    ...(client.ip ? ['--client-ip', client.ip] : client.eniId ? ['--client-eni', client.eniId] : ['--client-instance', client.instanceId!]),
    ...(scenario.port ? ['--port', String(scenario.port)] : []),
    ...(scenario.accountId ? ['--account-id', scenario.accountId] : []),
  ];
}

const SCENARIOS = readdirSync(EXAMPLES).filter((name) => existsSync(join(EXAMPLES, name, 'scenario.json')));

async function reportOf(argv: readonly string[]): Promise<Report> {
  const { code, stdout, stderr } = await run([...argv, '--json']);
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout) as Report;
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** The plan part of the table: from its heading to the end. */
function planSection(stdout: string): string {
  const start = stdout.indexOf('\nFix plan (scope ');
  assert.ok(start >= 0, `the table has a fix plan:\n${stdout}`);
  return stdout.slice(start + 1);
}

describe('analyze: the fix plan in the table', () => {
  it('ends with numbered steps, each command once (client-nacl-no-return: one rule per NACL entry, not one per interface)', async () => {
    const args = scenarioArgs('client-nacl-no-return');
    const report = await reportOf(args);
    assert.ok(report.fixPlan.commands.length >= 1);
    // Wide enough that no command is wrapped: each appears verbatim, once.
    const { code, stdout } = await run(args, 2000);
    assert.equal(code, 0);
    for (const command of report.fixPlan.commands) assert.equal(occurrences(stdout, command), 1, command);
    assert.equal(occurrences(stdout, 'create-network-acl-entry'), report.fixPlan.commands.length);
    assert.equal(occurrences(stdout, '--rule-number 110 '), 1);
    const plan = planSection(stdout);
    const steps = [...plan.matchAll(/^ {2}(\d+)\. /gm)].map((match) => Number(match[1]));
    assert.deepEqual(
      steps,
      report.fixPlan.changes.map((_, index) => index + 1),
    );
    assert.match(plan, /^Proven: with these changes the analysis gives reachable\.$/m);
    // The plan is the end of the table.
    assert.ok(stdout.trimEnd().endsWith('Proven: with these changes the analysis gives reachable.'), stdout.slice(-300));
  });

  it('one change for the three interfaces of endpoint-sg-missing-port, and each numbered check points at it', async () => {
    const args = scenarioArgs('endpoint-sg-missing-port');
    const report = await reportOf(args);
    const failing = report.checks.filter((check) => check.id === 'endpoint.sg.inbound' && check.status === 'fail');
    assert.equal(failing.length, 3);
    assert.equal(report.fixPlan.commands.length, 1);
    const { stdout } = await run(args, 2000);
    assert.equal(occurrences(stdout, report.fixPlan.commands[0]!), 1);
    assert.equal(occurrences(stdout, 'authorize-security-group-ingress'), 1);
    // The same finding on the three interfaces is told once, naming them, with its fix pointing at the plan.
    assert.match(
      stdout,
      /^ {2}FAIL {2}endpoint\.sg\.inbound {2}on eni-08bedbaacbcc614db \(us-east-1a\), eni-058841add05d7799f\s+\(us-east-1b\), eni-0a7a1c049a0b406e0 \(us-east-1c\)$/m,
    );
    const references = [...stdout.matchAll(/^ {8}fix \[(\d+)\]: .*\(plan step 1\)$/gm)];
    assert.equal(references.length, 1, stdout);
    assert.match(planSection(stdout), /^ {2}1\. {2}add inbound rule to sg-0d3885bab18906d3d: tcp 443 from 10\.0\.1\.25\/32$/m);
  });

  it('lists apart what no rule fixes, with the action and its command, and says the plan is not proven', async () => {
    const args = scenarioArgs('endpoint-pending-acceptance');
    const report = await reportOf(args);
    const accept = report.fixPlan.unfixable.find((item) => item.checkId === 'endpoint.state');
    assert.ok(accept?.command);
    const { stdout } = await run(args, 2000);
    const plan = planSection(stdout);
    assert.match(plan, /^Fix plan \(scope client\): no rule to change\.$/m);
    assert.match(plan, /^Not fixed by a rule change:$/m);
    assert.match(plan, /^ {2}- endpoint\.state \(FAIL\): .*pendingAcceptance/m);
    assert.match(plan, /^ {4}action: the provider accepts the endpoint connection$/m);
    assert.equal(occurrences(plan, accept.command), 1);
    // Seven checks that the data cannot judge, alike but for their id: one item.
    assert.equal(occurrences(plan, 'capture the missing data'), 1);
    assert.match(plan, /^Not proven: without a change the analysis gives blocked\.$/m);
  });

  it('prints the notes of a plan', async () => {
    const { stdout } = await run([...scenarioArgs('endpoint-sg-missing-port'), '--fix-scope', 'vpc'], 2000);
    assert.match(planSection(stdout), /^Notes:\n {2}- scope vpc admits every captured subnet/m);
  });
});

describe('analyze --fix-script', () => {
  const tempDir = tempDirForSuite('vpce-doctor-fix-script-');

  for (const name of ['client-nacl-no-return', 'endpoint-sg-missing-port', 'endpoint-pending-acceptance', 'fleet-cross-account']) {
    it(`${name}: prints only the plan's script, which bash -n accepts`, async () => {
      const args = scenarioArgs(name);
      const report = await reportOf(args);
      const { code, stdout, stderr } = await run([...args, '--fix-script']);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
      assert.equal(stdout, report.fixPlan.script);
      assert.ok(stdout.startsWith('#!/usr/bin/env bash\n'), stdout.slice(0, 80));
      assert.match(stdout, /^set -euo pipefail$/m);
      const file = join(tempDir(), `${name}.sh`);
      await writeFile(file, stdout);
      const check = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
    });
  }

  it('cannot be combined with --json (exit 2, nothing on stdout)', async () => {
    const { code, stdout, stderr } = await run([...scenarioArgs('client-nacl-no-return'), '--fix-script', '--json']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /--fix-script.*--json/);
  });
});

describe('analyze --fix-scope', () => {
  it('subnet: the rule admits the client subnet instead of the client, in the JSON and the table', async () => {
    const args = scenarioArgs('endpoint-sg-missing-port');
    const client = await reportOf(args);
    const subnet = await reportOf([...args, '--fix-scope', 'subnet']);
    assert.equal(client.fixPlan.scope, 'client');
    assert.equal(subnet.fixPlan.scope, 'subnet');
    assert.notDeepEqual(subnet.fixPlan.changes, client.fixPlan.changes);
    assert.deepEqual(
      subnet.fixPlan.changes.map((change) => (change.kind === 'sg-rule' ? change.cidr : undefined)),
      ['10.0.1.0/24'],
    );
    assert.ok(subnet.fixPlan.verified);
    const table = await run([...args, '--fix-scope', 'subnet'], 2000);
    assert.match(planSection(table.stdout), /^Fix plan \(scope subnet\): 1 change/m);
    assert.match(planSection(table.stdout), /"CidrIp":"10\.0\.1\.0\/24"/);
    assert.doesNotMatch(planSection(table.stdout), /10\.0\.1\.25\/32/);
    const script = await run([...args, '--fix-scope', 'subnet', '--fix-script']);
    assert.match(script.stdout, /"CidrIp":"10\.0\.1\.0\/24"/);
  });

  it('defaults to client', async () => {
    const { stdout } = await run(scenarioArgs('endpoint-sg-missing-port'), 2000);
    assert.match(planSection(stdout), /^Fix plan \(scope client\)/m);
  });

  it('rejects another value: exit 2, the choices on stderr, nothing on stdout', async () => {
    const { code, stdout, stderr } = await run([...scenarioArgs('endpoint-sg-missing-port'), '--fix-scope', 'account']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /--fix-scope.*'account' is invalid.*client, subnet, vpc/);
  });

  it('documents the new options in the help', async () => {
    const { code, stdout } = await run(['analyze', '--help']);
    assert.equal(code, 0);
    const help = stdout.replace(/\s+/g, ' ');
    assert.match(help, /--fix-scope <scope> whom the fix plan's rules admit.*\(choices: "client", "subnet", "vpc", default: "client"\)/);
    assert.match(help, /--fix-script print only the fix plan, as a bash script/);
  });
});

describe('the table in a 100-column terminal', () => {
  for (const name of SCENARIOS) {
    it(`${name}: no line is wider than 100 columns, and each plan command is printed once, wrapped`, async () => {
      const args = scenarioArgs(name);
      const report = await reportOf(args);
      const { code, stdout } = await run(args, 100);
      assert.equal(code, 0);
      for (const line of stdout.split('\n')) assert.ok([...line].length <= 100, `${[...line].length} columns: ${line}`);
      for (const command of report.fixPlan.commands) assert.equal(occurrences(stdout, wrapCommand(command, 100, '      ').join('\n')), 1, command);
    });
  }
});

/**
 * What bash passes to `aws` for a command: each argument, a JSON one parsed (wrapping
 * adds JSON whitespace inside its quotes). PATH is empty and `aws` a function: nothing
 * but bash builtins runs.
 */
function awsArguments(commandText: string, dir: string, name: string): unknown[] {
  const file = join(dir, name);
  const script = `PATH=\nset -eu\naws() { for argument in "$@"; do printf '%s\\0' "$argument"; done; }\n${commandText}\n`;
  writeFileSync(file, script);
  const result = spawnSync('bash', ['--noprofile', '--norc', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, `${result.stderr}\n${commandText}`);
  return result.stdout
    .split('\0')
    .slice(0, -1)
    .map((argument) => {
      if (!/^\s*[[{]/.test(argument)) return argument;
      try {
        return JSON.parse(argument) as unknown;
      } catch {
        return argument;
      }
    });
}

describe('wrapped commands paste into bash as the same command', () => {
  const tempDir = tempDirForSuite('vpce-doctor-wrap-');

  it('for every plan and unfixable command of the examples, and for words longer than a line', async () => {
    const commands = new Set<string>([
      `aws ec2 authorize-security-group-ingress --group-id sg-0123 --ip-permissions '[{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"IpRanges":[{"CidrIp":"10.0.1.25/32","Description":"${'a long description, '.repeat(8)}"}]}]' --region us-east-1`,
      `aws elbv2 create-listener --load-balancer-arn arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/${'n'.repeat(40)}/7de694042d08e882 --port 8443`,
      `aws ec2 x --description 'it'\\''s ${'quoted words '.repeat(12)}' --flag`,
    ]);
    for (const name of SCENARIOS) {
      const report = await reportOf(scenarioArgs(name));
      for (const command of report.fixPlan.commands) commands.add(command);
      for (const item of report.fixPlan.unfixable) if (item.command?.startsWith('aws ')) commands.add(item.command);
    }
    let index = 0;
    for (const command of commands) {
      const expected = awsArguments(command, tempDir(), `plain-${index}.sh`);
      for (const width of [100, 60, 40]) {
        const lines = wrapCommand(command, width, '      ');
        for (const line of lines) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
        assert.deepEqual(awsArguments(lines.join('\n'), tempDir(), `wrapped-${index}-${width}.sh`), expected, lines.join('\n'));
      }
      index++;
    }
    assert.ok(index >= 5);
  });
});
