import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { Report } from '../../src/core/report.js';
import type { BlastRadiusResult, WhatIfResult } from '../../src/core/what-if.js';

/** `what-if` and `blast-radius`: changes from a file (or stdin), before and after. */

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

async function run(argv: readonly string[], options: { columns?: number; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    columns: options.columns ?? 200,
    stdin: async () => {
      if (options.stdin === undefined) throw new Error('no stdin in this test');
      return options.stdin;
    },
  });
  return { code, stdout, stderr };
}

const NACL = { snapshot: join(EXAMPLES, 'client-nacl-no-return'), endpoint: 'vpce-0f162048c36369271', client: '10.0.1.25' };
const SG = { snapshot: join(EXAMPLES, 'endpoint-sg-missing-port'), endpoint: 'vpce-04d16890aa090a0c4', client: '10.0.1.25' };
const HEALTHY = { snapshot: join(EXAMPLES, 'healthy-aws-service'), endpoint: 'vpce-068e9dcc184a273ab', clientEni: 'eni-0d218cd862773a09a' };

/** healthy-aws-service's endpoint group admits the client's group on 443: without that rule, the client is cut off. */
const REMOVE_CLIENT_RULE = {
  op: 'remove',
  kind: 'sg-rule',
  groupId: 'sg-0d3885bab18906d3d',
  direction: 'inbound',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peerGroupId: 'sg-0c44172a126845ea3',
};

const whatIfArgs = (target: { snapshot: string; endpoint: string; client: string }, file: string) => [
  'what-if',
  '--snapshot',
  target.snapshot,
  '--endpoint',
  target.endpoint,
  '--client-ip',
  target.client,
  '--changes',
  file,
];

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-what-if-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

async function planOf(target: { snapshot: string; endpoint: string; client: string }): Promise<Report['fixPlan']> {
  const { code, stdout, stderr } = await run(['analyze', '--snapshot', target.snapshot, '--endpoint', target.endpoint, '--client-ip', target.client, '--json']);
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as Report).fixPlan;
}

describe('what-if', () => {
  it("fed the saved fix plan of analyze --json, gives reachable: the plan's own proof", async () => {
    const plan = await planOf(NACL);
    assert.ok(plan.changes.length > 0);
    const file = await fileWith('nacl-plan.json', plan);
    const json = await run([...whatIfArgs(NACL, file), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as WhatIfResult;
    assert.equal(result.verdictBefore, 'blocked');
    assert.equal(result.verdictAfter, 'reachable');
    assert.deepEqual(result.changes, plan.changes);
    const moved = result.moved.map((check) => [check.id, check.before, check.after]);
    assert.deepEqual(moved, [
      ['client.nacl.inbound', 'fail', 'pass'],
      ['client.nacl.inbound', 'fail', 'pass'],
      ['client.nacl.inbound', 'fail', 'pass'],
    ]);

    const table = await run(whatIfArgs(NACL, file));
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Verdict +BLOCKED → REACHABLE: /m);
    for (const check of result.moved) {
      const eni = check.scope.networkInterfaceId!;
      assert.match(table.stdout, new RegExp(`^ {2}- client\\.nacl\\.inbound {2}${eni} .*FAIL → pass$`, 'm'));
      assert.ok(table.stdout.includes(check.summaryAfter), check.summaryAfter);
      for (const evidence of check.evidenceAfter) assert.ok(table.stdout.includes(`evidence: ${evidence.text}`), evidence.text);
    }
  });

  it('takes a bare array of changes, from stdin with --changes -', async () => {
    const plan = await planOf(SG);
    const { code, stdout, stderr } = await run([...whatIfArgs(SG, '-'), '--json'], { stdin: JSON.stringify(plan.changes) });
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as WhatIfResult;
    assert.equal(result.verdictBefore, 'blocked');
    assert.equal(result.verdictAfter, 'reachable');
    assert.equal(result.moved.length, 3);
    for (const check of result.moved) assert.deepEqual([check.id, check.before, check.after], ['endpoint.sg.inbound', 'fail', 'pass']);
    assert.deepEqual(result.moved.map((check) => check.scope.networkInterfaceId).sort(), result.after.paths.map((path) => path.networkInterfaceId).sort());
  });

  it('says when the verdict does not move, and how much is still needed', async () => {
    const plan = await planOf(NACL);
    const file = await fileWith('half-plan.json', { changes: plan.changes.slice(0, 1) });
    const { code, stdout } = await run(whatIfArgs(NACL, file), { columns: 100 });
    assert.equal(code, 0);
    assert.match(stdout, /^Verdict +BLOCKED → PARTIAL: /m);
    assert.match(stdout, /^Still not reachable: the fix plan of the data with these changes has 1 more change/m);
    for (const line of stdout.split('\n')) assert.ok([...line].length <= 100, line);
    const none = await run(whatIfArgs(NACL, await fileWith('no-changes.json', [])));
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^Verdict +BLOCKED → BLOCKED \(unchanged\)/m);
    assert.match(none.stdout, /^No check moves\.$/m);
  });

  // What is wrong, the file's content, the messages; and whether the message names the file (a
  // change that does not apply to the data is named by its field alone).
  const ADD_TO_UNKNOWN_GROUP = {
    op: 'add',
    kind: 'sg-rule',
    groupId: 'sg-00000000000000000',
    direction: 'inbound',
    protocol: 'tcp',
    fromPort: 443,
    toPort: 443,
    cidr: '10.0.1.25/32',
  };
  const invalid: [string, unknown, RegExp[], boolean][] = [
    [
      'a group id that is not one (the schema)',
      [{ op: 'add', kind: 'sg-rule', groupId: 'not-a-group', direction: 'inbound', protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '10.0.1.25/32' }],
      [/changes\.0\.groupId must match pattern/],
      true,
    ],
    ['a group that is not in the data', [ADD_TO_UNKNOWN_GROUP], [/changes\.0\.groupId: .*sg-00000000000000000/], false],
    [
      'two changes that do not apply, each named on its own line',
      [
        ADD_TO_UNKNOWN_GROUP,
        {
          op: 'add',
          kind: 'nacl-entry',
          networkAclId: 'acl-011c42b5a4bce238a',
          egress: false,
          ruleNumber: 100,
          protocol: '6',
          fromPort: 1024,
          toPort: 65535,
          cidr: '10.0.0.0/16',
          action: 'allow',
        },
      ],
      [/^ {2}changes\.0\.groupId: /m, /^ {2}changes\.1\.ruleNumber: .*100/m],
      false,
    ],
    [
      'a malformed change: each field, by index',
      { changes: [{ op: 'delete', kind: 'nacl-entry', networkAclId: 'acl-1', egress: 'yes', ruleNumber: 0, colour: 'red' }, 42, { kind: 'route' }] },
      [
        /^ {2}changes\.0\.op: must be one of "add", "remove", "replace"$/m,
        /^ {2}changes\.0\.egress: must be boolean$/m,
        /^ {2}changes\.0\.ruleNumber: must be >= 1$/m,
        /^ {2}changes\.0\.colour: is not a field/m,
        /^ {2}changes\.1: must be an object$/m,
        /^ {2}changes\.2\.kind: must be one of "sg-rule", "nacl-entry", "endpoint-sg", "nlb-attribute"$/m,
      ],
      true,
    ],
    ['an object without changes', { verdict: 'reachable' }, [/expected a JSON array of changes, or an object with a "changes" array/], true],
    ['JSON that is not JSON, with its line and column', '[\n  {"op": "add",}\n]', [/not JSON: .*\(line 2, column 16\)/], true],
  ];
  for (const [what, content, messages, namesFile] of invalid) {
    it(`exits 2 for ${what}, naming the file or field on stderr, nothing on stdout`, async () => {
      const file = await fileWith(`invalid-${what.replace(/\W+/g, '-')}.json`, content);
      const { code, stdout, stderr } = await run(whatIfArgs(NACL, file));
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      for (const message of messages) assert.match(stderr, message);
      if (namesFile) assert.ok(stderr.includes(`${file}: `), stderr);
    });
  }

  it('exits 2 for a changes file that cannot be read, naming it', async () => {
    const missing = join(dir, 'absent.json');
    const { code, stdout, stderr } = await run(whatIfArgs(NACL, missing));
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be read`));
  });

  it('needs --changes, an endpoint and a client: usage errors, exit 2', async () => {
    const file = await fileWith('empty.json', []);
    assert.equal((await run(['what-if', '--snapshot', NACL.snapshot, '--endpoint', NACL.endpoint, '--client-ip', NACL.client])).code, 2);
    const noClient = await run(['what-if', '--snapshot', NACL.snapshot, '--endpoint', NACL.endpoint, '--changes', file]);
    assert.equal(noClient.code, 2);
    assert.match(noClient.stderr, /give the client/);
    const badPort = await run([...whatIfArgs(NACL, file), '--port', '0']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port/);
  });

  it('documents its options in the help', async () => {
    const { code, stdout } = await run(['what-if', '--help']);
    assert.equal(code, 0);
    const help = stdout.replace(/\s+/g, ' ');
    for (const option of [
      '--snapshot <dir>',
      '--aws',
      '--endpoint <id>',
      '--client-ip <ip>',
      '--client-eni <id>',
      '--client-instance <id>',
      '--port <port>',
      '--changes <file>',
      '--json',
    ]) {
      assert.ok(help.includes(option), option);
    }
    assert.match(help, /--changes <file> JSON file of changes/);
  });
});

describe('blast-radius', () => {
  const blastArgs = (file: string) => ['blast-radius', '--snapshot', HEALTHY.snapshot, '--changes', file];

  it('a change that cuts off a reachable client: the pair, worst first, counted; exit 0 without --fail-on-break, 1 with it', async () => {
    const file = await fileWith('remove-client-rule.json', [REMOVE_CLIENT_RULE]);
    const json = await run([...blastArgs(file), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as BlastRadiusResult;
    assert.equal(result.breaks, 1);
    assert.equal(result.pairsMoved, 1);
    assert.deepEqual(
      result.endpoints.map((endpoint) => [
        endpoint.endpointId,
        endpoint.pairs.map((pair) => [pair.client.networkInterfaceId, pair.verdictBefore, pair.verdictAfter, pair.breaks]),
      ]),
      [[HEALTHY.endpoint, [[HEALTHY.clientEni, 'reachable', 'blocked', true]]]],
    );

    const table = await run(blastArgs(file), { columns: 100 });
    assert.equal(table.code, 0);
    assert.equal(table.stderr, '');
    assert.match(table.stdout, new RegExp(`^Blast radius of 1 change: ${result.pairsAnalysed} pairs? analysed, 1 moved, 1 breaking$`, 'm'));
    assert.match(table.stdout, new RegExp(`^${HEALTHY.endpoint} \\(111122223333/us-east-1, vpc-\\w+\\): 1 pair moved, 1 breaking$`, 'm'));
    assert.match(table.stdout, new RegExp(`^ {2}BREAKS 10\\.0\\.1\\.25 ${HEALTHY.clientEni} subnet-\\w+: REACHABLE → BLOCKED$`, 'm'));
    assert.match(table.stdout, /^ {4}- endpoint\.sg\.inbound {2}eni-\w+ .*pass → FAIL$/m);
    for (const line of table.stdout.split('\n')) assert.ok([...line].length <= 100, line);

    const gate = await run([...blastArgs(file), '--fail-on-break']);
    assert.equal(gate.code, 1);
    assert.equal(gate.stdout, (await run(blastArgs(file))).stdout);
    assert.match(gate.stdout, /BREAKS 10\.0\.1\.25/);
    assert.equal(gate.stderr.trimEnd().split('\n').length, 1, gate.stderr);
    assert.match(gate.stderr, /^vpce-doctor: 1 \(endpoint, client\) pair of \d+ analysed would break under these changes\n$/);
  });

  it('an empty list of changes: no pair, exit 0 even with --fail-on-break', async () => {
    const file = await fileWith('nothing.json', []);
    const table = await run([...blastArgs(file), '--fail-on-break']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, '');
    assert.match(table.stdout, /^Blast radius of 0 changes: 0 pairs analysed, 0 moved, 0 breaking$/m);
    assert.match(table.stdout, /^No \(endpoint, client\) pair moves\.$/m);
    assert.doesNotMatch(table.stdout, /vpce-|BREAKS|→/);
    const json = JSON.parse((await run([...blastArgs(file), '--json'])).stdout) as BlastRadiusResult;
    assert.deepEqual([json.pairsAnalysed, json.pairsMoved, json.breaks, json.endpoints], [0, 0, 0, []]);
  });

  it('changes that only mend pairs pass the gate: moved, none breaking, exit 0', async () => {
    const plan = await planOf(NACL);
    const file = await fileWith('mending.json', plan);
    const { code, stdout, stderr } = await run(['blast-radius', '--snapshot', NACL.snapshot, '--changes', file, '--fail-on-break', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as BlastRadiusResult;
    assert.ok(result.pairsMoved >= 1);
    assert.equal(result.breaks, 0);
  });

  it('--client-ip is repeatable: each address is a client too', async () => {
    const file = await fileWith('remove-client-rule-2.json', [REMOVE_CLIENT_RULE]);
    const alone = JSON.parse((await run([...blastArgs(file), '--json'])).stdout) as BlastRadiusResult;
    const more = await run([...blastArgs(file), '--client-ip', '10.0.1.99', '--client-ip', '192.168.7.7', '--json']);
    assert.equal(more.code, 0, more.stderr);
    assert.equal((JSON.parse(more.stdout) as BlastRadiusResult).pairsAnalysed, alone.pairsAnalysed + 2);
  });

  it('usage errors exit 2: a bad port, a bad client IP, a change that does not apply', async () => {
    const file = await fileWith('remove-client-rule-3.json', [REMOVE_CLIENT_RULE]);
    const port = await run([...blastArgs(file), '--port', '99999']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port: "99999"/);
    const ip = await run([...blastArgs(file), '--client-ip', '10.0.1']);
    assert.equal(ip.code, 2);
    assert.match(ip.stderr, /"10\.0\.1" is not an IPv4 or IPv6 address/);
    const elsewhere = await run([
      'blast-radius',
      '--snapshot',
      NACL.snapshot,
      '--changes',
      await fileWith('foreign.json', [{ ...REMOVE_CLIENT_RULE, groupId: 'sg-00000000000000000' }]),
    ]);
    assert.equal(elsewhere.code, 2);
    assert.equal(elsewhere.stdout, '');
    assert.match(elsewhere.stderr, /changes\.0\.groupId/);
  });

  it('documents its options in the help', async () => {
    const { code, stdout } = await run(['blast-radius', '--help']);
    assert.equal(code, 0);
    const help = stdout.replace(/\s+/g, ' ');
    for (const option of ['--snapshot <dir>', '--aws', '--changes <file>', '--client-ip <ip>', '--port <port>', '--json', '--fail-on-break'])
      assert.ok(help.includes(option), option);
    assert.match(help, /--fail-on-break exit 1 when a pair that was reachable or partial gets worse/);
  });
});
