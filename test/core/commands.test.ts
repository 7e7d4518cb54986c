import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { analyze, type AnalysisRequest } from '../../src/core/analyze.js';
import type { Change } from '../../src/core/change.js';
import { changeCommandWords, commentText, shellQuote } from '../../src/core/commands.js';
import type { Report } from '../../src/core/report.js';
import { readFleetSnapshot } from '../../src/sources/snapshot/fleet.js';
import { exampleDir, exampleRequest } from '../sources/aws/examples.js';

/**
 * Contract §6, "runnable as printed": names, descriptions, tags and even ids holding quotes,
 * `$(…)`, backticks and newlines reach the plan's script and commands as data, never as
 * shell. The script passes `bash -n`, and run against a recording stub `aws` every argument
 * arrives intact and nothing else runs.
 */

let scratch: string;
let stubDir: string;

/** A stand-in for the AWS CLI: appends its argv (count first, each NUL-terminated) to $AWS_STUB_LOG; answers get-caller-identity. */
const STUB = `#!/usr/bin/env bash
{ printf '%s\\0' "$#"; printf '%s\\0' "$@"; } >> "\${AWS_STUB_LOG:?}"
args=("$@")
profile=""
for ((i = 0; i < \${#args[@]}; i++)); do
  if [[ "\${args[i]}" == --profile ]]; then profile="\${args[i+1]}"; fi
done
if [[ "\${args[*]}" == *"sts get-caller-identity"* ]]; then
  if [[ -n "$profile" ]]; then echo "\${profile#acct-}"; else echo "\${AWS_STUB_ACCOUNT:?}"; fi
fi
exit 0
`;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vpce-doctor-commands-'));
  stubDir = join(scratch, 'bin');
  await mkdir(stubDir);
  await writeFile(join(stubDir, 'aws'), STUB);
  await chmod(join(stubDir, 'aws'), 0o755);
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------ shellQuote

/**
 * A clean environment for bash. Its stdin is not a socket either: bash run with a socket on
 * stdin (as node's pipes are) takes itself for rshd's child and reads ~/.bashrc.
 */
const CLEAN_ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' };

/** What bash reads back from the quoted words: `bash -c 'printf "%s\0" "$@"' _ WORD…`, run by bash. */
function bashWords(words: readonly string[]): string[] {
  const output = execFileSync('bash', ['-c', `bash -c 'printf "%s\\0" "$@"' _ ${words.map(shellQuote).join(' ')}`], {
    env: CLEAN_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const fields = output.toString('utf8').split('\0');
  assert.equal(fields.pop(), '', 'each word ends with a NUL');
  return fields;
}

const SHELL_CHARACTERS = [
  "'",
  '"',
  '$',
  '`',
  '\\',
  '\n',
  '\r',
  '\t',
  ' ',
  '!',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  ';',
  '&',
  '|',
  '<',
  '>',
  '#',
  '~',
  '=',
  '%',
  ',',
  'é',
  '😀',
  '\u2028',
  '-',
  'a',
  'Z',
  '0',
];
const word = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...SHELL_CHARACTERS), maxLength: 24 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
  )
  // argv cannot hold NUL, and a lone surrogate is not text bash could be handed.
  .filter((text) => !text.includes('\0') && Buffer.from(text, 'utf8').toString('utf8') === text);

describe('commentText', () => {
  it('turns each control character and line or paragraph separator into one space, and keeps the rest', () => {
    assert.equal(commentText('a\nb\r\tc\u0007d\u007fe\u2028f\u2029g'), 'a b  c d e f g');
    assert.equal(commentText('grüße 𝄞 $(rm -rf /) "q"'), 'grüße 𝄞 $(rm -rf /) "q"');
    assert.equal(commentText('x\ny'), commentText('x\ny'), 'the same answer twice (no state kept between calls)');
  });
});

describe('shellQuote', () => {
  it('round-trips any word through bash', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (words) => {
        assert.deepEqual(bashWords(words), words);
      }),
      { numRuns: 150 },
    );
  });

  it('leaves plain words bare and quotes the rest', () => {
    assert.equal(shellQuote('sg-0123456789abcdef0'), 'sg-0123456789abcdef0');
    assert.equal(shellQuote('From=1024,To=65535'), 'From=1024,To=65535');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.deepEqual(bashWords(['', "it's", '$(touch x)', '`x`', 'a\nb', '--flag', '-']), ['', "it's", '$(touch x)', '`x`', 'a\nb', '--flag', '-']);
  });
});

// ------------------------------------------------------------------------------------ hostile data

type Json = Record<string, unknown>;

/** Every JSON file under a directory. */
async function jsonFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await jsonFiles(path)));
    else if (entry.name.endsWith('.json')) found.push(path);
  }
  return found;
}

function replaceStrings(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.split(from).join(to);
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, from, to));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceStrings(item, from, to)]));
  return value;
}

/** Renames an id or name everywhere in a snapshot: every string value, and the files named after it. */
async function renameEverywhere(root: string, from: string, to: string): Promise<void> {
  for (const file of await jsonFiles(root)) {
    const text = await readFile(file, 'utf8');
    if (!text.includes(from)) continue;
    await writeFile(file, JSON.stringify(replaceStrings(JSON.parse(text), from, to), null, 2));
  }
  for (const file of await jsonFiles(root)) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    if (base.includes(from)) await rename(file, join(file.slice(0, file.lastIndexOf('/')), base.split(from).join(to)));
  }
}

/** Sets names, descriptions, rule descriptions and tags of every security group to hostile text. */
async function hostileGroups(dir: string, text: string): Promise<void> {
  for (const file of (await jsonFiles(dir)).filter((path) => path.endsWith('DescribeSecurityGroups.json'))) {
    const document = JSON.parse(await readFile(file, 'utf8')) as { SecurityGroups: Json[] };
    for (const group of document.SecurityGroups) {
      group['GroupName'] = `${text} ${String(group['GroupName'])}`;
      group['Description'] = text;
      group['Tags'] = [
        { Key: 'Name', Value: text },
        { Key: text, Value: text },
      ];
      for (const permission of [...(group['IpPermissions'] as Json[]), ...(group['IpPermissionsEgress'] as Json[])]) {
        for (const list of ['IpRanges', 'Ipv6Ranges', 'PrefixListIds', 'UserIdGroupPairs'])
          for (const item of (permission[list] as Json[] | undefined) ?? []) item['Description'] = text;
      }
    }
    await writeFile(file, JSON.stringify(document, null, 2));
  }
  for (const file of (await jsonFiles(dir)).filter((path) => /Describe(VpcEndpoints|NetworkInterfaces|NetworkAcls)\.json$/.test(path))) {
    const document = JSON.parse(await readFile(file, 'utf8')) as Record<string, Json[]>;
    for (const list of Object.values(document)) {
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        if ('Tags' in item) item['Tags'] = [{ Key: 'Name', Value: text }];
        if ('TagSet' in item) item['TagSet'] = [{ Key: 'Name', Value: text }];
        for (const group of (item['Groups'] as Json[] | undefined) ?? []) group['GroupName'] = text;
      }
    }
    await writeFile(file, JSON.stringify(document, null, 2));
  }
}

/** Hostile text that, run as shell, would create `marker` (a path) or a file in the working directory. */
function hostile(marker: string): string {
  return `it's "x" $(touch ${marker}) \`touch ${marker}-bt\` \${HOME} \\ ; & | <y> #no\nsecond line $'\\x41' '`;
}
/** The same for names that cannot hold a `/` (file names): creates files in the working directory. */
const HOSTILE_NAME = 'nlb\'$(touch pwned-lb)"`touch pwned-lb2`\nx';

interface Invocation {
  readonly args: string[];
}

function readLog(buffer: Buffer): Invocation[] {
  const fields = buffer.toString('utf8').split('\0');
  assert.equal(fields.pop(), '', 'the log ends with a NUL');
  const invocations: Invocation[] = [];
  for (let index = 0; index < fields.length;) {
    const count = Number(fields[index]);
    invocations.push({ args: fields.slice(index + 1, index + 1 + count) });
    index += 1 + count;
  }
  return invocations;
}

/** The invocations a plan's script means: per run of (account, region), the identity check, then each change. */
function expectedInvocations(changes: readonly Change[], profiles: Readonly<Record<string, string>>): string[][] {
  const expected: string[][] = [];
  let current: string | undefined;
  let globals: string[] = [];
  for (const change of changes) {
    const key = `${change.accountId ?? ''}/${change.region ?? ''}`;
    if (key !== current) {
      current = key;
      const account = change.accountId !== undefined && /^\d{12}$/.test(change.accountId) ? change.accountId : undefined;
      globals = [...(change.region ? ['--region', change.region] : []), ...(account && profiles[account] ? ['--profile', profiles[account]!] : [])];
      if (account) expected.push([...globals, 'sts', 'get-caller-identity', '--query', 'Account', '--output', 'text']);
    }
    expected.push([...globals, ...changeCommandWords(change)]);
  }
  return expected;
}

/** What each argument of a change's command says, read without changeCommandWords: the ids and peers arrive whole. */
function assertMeansTheChange(args: readonly string[], change: Change): void {
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  switch (change.kind) {
    case 'sg-rule': {
      assert.equal(after('--group-id'), change.groupId);
      const [permission] = JSON.parse(after('--ip-permissions')!) as Json[];
      assert.equal(permission!['FromPort'], change.fromPort);
      assert.equal(permission!['ToPort'], change.toPort);
      const peers = JSON.stringify(permission);
      for (const peer of [change.cidr, change.ipv6Cidr, change.prefixListId, change.peerGroupId])
        if (peer !== undefined) assert.ok(peers.includes(JSON.stringify(peer)), peers);
      return;
    }
    case 'nacl-entry':
      assert.equal(after('--network-acl-id'), change.networkAclId);
      assert.equal(after('--rule-number'), String(change.ruleNumber));
      assert.equal(after(change.cidr !== undefined ? '--cidr-block' : '--ipv6-cidr-block'), change.cidr ?? change.ipv6Cidr);
      return;
    case 'endpoint-sg':
      assert.equal(after('--vpc-endpoint-id'), change.endpointId);
      return;
    case 'nlb-attribute':
      assert.equal(after('--load-balancer-arn'), change.loadBalancerArn);
      return;
  }
}

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly invocations: Invocation[];
}

/** Runs a script (a file, or `bash -c` text) with the stub first on PATH, in an empty working directory that must stay empty. */
async function runWithStub(label: string, script: { file: string } | { text: string }, env: Record<string, string> = {}): Promise<Run> {
  const work = await mkdtemp(join(scratch, `${label}-work-`));
  const log = join(scratch, `${label}-${Math.random().toString(36).slice(2)}.log`);
  await writeFile(log, '');
  const result = spawnSync('bash', 'file' in script ? [script.file] : ['-c', script.text], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: `${stubDir}:${CLEAN_ENV.PATH}`, HOME: work, LC_ALL: 'C.UTF-8', AWS_STUB_LOG: log, ...env },
    encoding: 'utf8',
  });
  assert.deepEqual(await readdir(work), [], `${label}: nothing was created in the working directory`);
  return { status: result.status, stderr: result.stderr, invocations: readLog(await readFile(log)) };
}

interface Case {
  readonly name: string;
  readonly example: string;
  /** Edits the copy; returns ids renamed (old -> new) that the request names. */
  readonly edit: (dir: string, marker: string) => Promise<Record<string, string>>;
  readonly expectChanges: boolean;
  readonly profiles?: Record<string, string>;
}

/** Hostile groups, and the NLB renamed to a hostile name everywhere it appears (its ARN too). */
async function hostileNlbName(dir: string, marker: string): Promise<Record<string, never>> {
  await hostileGroups(dir, hostile(marker));
  await renameEverywhere(dir, 'inventory-api-nlb', HOSTILE_NAME);
  return {};
}

const CASES: readonly Case[] = [
  {
    name: 'a target group id, the NLB name (in the rule description) and group names, descriptions and tags',
    example: 'provider-target-sg-client-cidr',
    expectChanges: true,
    edit: async (dir, marker) => {
      await hostileGroups(dir, hostile(marker));
      await renameEverywhere(dir, 'sg-0dcf988256e27fa22', `sg-0dcf'$(touch ${marker}-id)"\`touch ${marker}-id2\`\nx`);
      await renameEverywhere(dir, 'inventory-api-nlb', HOSTILE_NAME);
      return {};
    },
  },
  {
    name: "the endpoint's group id and the endpoint id (in the rule description)",
    example: 'endpoint-sg-missing-port',
    expectChanges: true,
    edit: async (dir, marker) => {
      await hostileGroups(dir, hostile(marker));
      const endpoint = `vpce-04d16890aa090a0c4'$(touch ${marker}-vpce)\n"\`touch ${marker}-vpce2\``;
      await renameEverywhere(dir, 'sg-0d3885bab18906d3d', `sg-0d38"$(touch ${marker}-sg)'\n\`touch ${marker}-sg2\``);
      await renameEverywhere(dir, 'vpce-04d16890aa090a0c4', endpoint);
      return { 'vpce-04d16890aa090a0c4': endpoint };
    },
  },
  {
    name: 'a NACL id',
    example: 'endpoint-nacl-no-ephemeral',
    expectChanges: true,
    edit: async (dir, marker) => {
      await hostileGroups(dir, hostile(marker));
      await renameEverywhere(dir, 'acl-008be4887e6e3c374', `acl-008b'$(touch ${marker}-acl)"\n\`touch ${marker}-acl2\``);
      return {};
    },
  },
  {
    name: 'the NLB name inside its ARN (a cross-zone change)',
    example: 'provider-az-unhealthy-cross-zone-off',
    expectChanges: true,
    edit: hostileNlbName,
  },
  {
    name: "the provider's account in a fleet, with a profile per account",
    example: 'fleet-cross-account',
    expectChanges: true,
    profiles: { '444455556666': 'acct-444455556666' },
    edit: hostileNlbName,
  },
  {
    name: 'only comments: a missing listener, named with the hostile NLB name',
    example: 'provider-no-listener',
    expectChanges: false,
    edit: hostileNlbName,
  },
];

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

describe('fix plan scripts and commands from hostile names, descriptions, tags and ids', () => {
  for (const [index, testCase] of CASES.entries()) {
    it(testCase.name, async () => {
      const label = `case${index}`;
      const dir = join(scratch, label);
      await cp(exampleDir(testCase.example), dir, { recursive: true });
      const marker = join(scratch, `${label}-pwned`);
      const renamed = await testCase.edit(dir, marker);
      const base = await exampleRequest(testCase.example);
      const request: AnalysisRequest = { ...base, endpointId: renamed[base.endpointId] ?? base.endpointId };
      const { fleet } = await readFleetSnapshot(dir);
      const report: Report = analyze(fleet, request);
      const plan = report.fixPlan;
      assert.equal(plan.changes.length > 0, testCase.expectChanges, JSON.stringify(plan.changes));
      assert.equal(plan.commands.length, plan.changes.length);
      // The hostile text reached the plan (or its comments), so the test tests something.
      assert.match(plan.script, /touch/, 'the hostile text reaches the script');

      const file = join(scratch, `${label}.sh`);
      await writeFile(file, plan.script);
      const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8', env: CLEAN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(syntax.status, 0, `bash -n: ${syntax.stderr}`);

      const profiles = testCase.profiles ?? {};
      const profileEnv = Object.fromEntries(Object.entries(profiles).map(([account, profile]) => [`VPCE_DOCTOR_PROFILE_${account}`, profile]));
      const accounts = [...new Set(plan.changes.map((change) => change.accountId).filter((account): account is string => account !== undefined))];
      const run = await runWithStub(label, { file }, { ...profileEnv, AWS_STUB_ACCOUNT: accounts[0] ?? '000000000000' });
      assert.equal(run.status, 0, run.stderr);
      const expected = expectedInvocations(plan.changes, profiles);
      assert.deepEqual(
        run.invocations.map((invocation) => invocation.args),
        expected,
      );
      const changeRuns = run.invocations.filter((invocation) => !invocation.args.includes('get-caller-identity'));
      plan.changes.forEach((change, position) => assertMeansTheChange(changeRuns[position]!.args, change));

      // Each command, pasted as printed, passes the same words (with its region).
      for (const [position, command] of plan.commands.entries()) {
        const change = plan.changes[position]!;
        const pasted = await runWithStub(`${label}-command${position}`, { text: command });
        assert.equal(pasted.status, 0, pasted.stderr);
        assert.deepEqual(
          pasted.invocations.map((invocation) => invocation.args),
          [[...changeCommandWords(change), ...(change.region !== undefined ? ['--region', change.region] : [])]],
        );
      }
      for (const suffix of ['', '-bt', '-id', '-id2', '-vpce', '-vpce2', '-sg', '-sg2', '-acl', '-acl2'])
        assert.equal(await exists(`${marker}${suffix}`), false, `${marker}${suffix} was created`);
    });
  }

  it('stops before any change when the credentials are for another account', async () => {
    const dir = join(scratch, 'wrong-account');
    await cp(exampleDir('fleet-cross-account'), dir, { recursive: true });
    const request = await exampleRequest('fleet-cross-account');
    const plan = analyze((await readFleetSnapshot(dir)).fleet, request).fixPlan;
    assert.ok(plan.changes.length > 0);
    const file = join(scratch, 'wrong-account.sh');
    await writeFile(file, plan.script);
    const run = await runWithStub('wrong-account', { file }, { AWS_STUB_ACCOUNT: '999999999999' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /these changes are for account 444455556666, but the credentials are for account 999999999999/);
    assert.deepEqual(
      run.invocations.map((invocation) => invocation.args.slice(-5)),
      [['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text'].slice(-5)],
    );
  });
});
