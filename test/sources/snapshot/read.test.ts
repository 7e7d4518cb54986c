import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { NetworkModel } from '../../../src/core/model.js';
import { SnapshotFormatError } from '../../../src/sources/normalize/json-reader.js';
import { readSnapshot, SnapshotReadError } from '../../../src/sources/snapshot/read.js';

/** The loader: strict on what it needs, naming file and JSON path; tolerant of what is missing. */

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vpce-doctor-snapshot-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function snapshotWith(name: string, files: Record<string, unknown>): Promise<string> {
  const dir = join(root, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content, null, 4));
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

const endpoint = {
  VpcEndpointId: 'vpce-0a1b2c3d4e5f60718',
  VpcEndpointType: 'Interface',
  VpcId: 'vpc-0123456789abcdef0',
  ServiceName: 'com.amazonaws.us-east-1.kms',
  State: 'available',
  SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
  Groups: [{ GroupId: 'sg-0aaaaaaaaaaaaaaa1', GroupName: 'kms-endpoint' }],
  NetworkInterfaceIds: ['eni-0aaaaaaaaaaaaaaa1'],
  PrivateDnsEnabled: true,
};

async function expectFormatError(files: Record<string, unknown>, file: string, jsonPath: string, problem: RegExp): Promise<void> {
  const dir = await snapshotWith(`bad-${Math.random().toString(16).slice(2)}`, files);
  await assert.rejects(readSnapshot(dir), (error: unknown) => {
    assert.ok(error instanceof SnapshotFormatError, String(error));
    assert.equal(error.file, file);
    assert.equal(error.jsonPath, jsonPath);
    assert.match(error.problem, problem);
    assert.ok(error.message.startsWith(`${file}: ${jsonPath}: `));
    return true;
  });
}

describe('readSnapshot', () => {
  it('reads a snapshot with only the endpoints file, leaving everything else not captured', async () => {
    const dir = await snapshotWith('endpoints-only', { 'ec2/DescribeVpcEndpoints.json': { VpcEndpoints: [endpoint] } });
    const model = await readSnapshot(dir);
    assert.deepEqual([...model.captured], ['vpcEndpoints']);
    assert.equal(model.endpoints.get(endpoint.VpcEndpointId)?.serviceName, 'com.amazonaws.us-east-1.kms');
    assert.equal(model.source.location, dir);
  });

  it('ignores fields it does not know', async () => {
    const dir = await snapshotWith('extra-fields', {
      'ec2/DescribeVpcEndpoints.json': { VpcEndpoints: [{ ...endpoint, SomeNewField: { Nested: true } }], NextToken: null },
    });
    assert.equal((await readSnapshot(dir)).endpoints.size, 1);
  });

  it('names the file and JSON path of a missing required field', async () => {
    const { VpcEndpointId: _id, ...withoutId } = endpoint;
    await expectFormatError(
      { 'ec2/DescribeVpcEndpoints.json': { VpcEndpoints: [endpoint, withoutId] } },
      'ec2/DescribeVpcEndpoints.json',
      '$.VpcEndpoints[1]',
      /required field VpcEndpointId is missing/,
    );
  });

  it('names the file and JSON path of a value of the wrong type', async () => {
    await expectFormatError(
      {
        'ec2/DescribeNetworkAcls.json': {
          NetworkAcls: [
            {
              NetworkAclId: 'acl-0aaaaaaaaaaaaaaa1',
              VpcId: 'vpc-0123456789abcdef0',
              IsDefault: true,
              Associations: [],
              Entries: [{ CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'allow', RuleNumber: '100' }],
            },
          ],
        },
      },
      'ec2/DescribeNetworkAcls.json',
      '$.NetworkAcls[0].Entries[0].RuleNumber',
      /expected a number, found the string "100"/,
    );
  });

  it('names the JSON path of a malformed CIDR and a malformed IP', async () => {
    await expectFormatError(
      { 'ec2/DescribeSubnets.json': { Subnets: [{ SubnetId: 'subnet-1', VpcId: 'vpc-1', AvailabilityZone: 'us-east-1a', CidrBlock: '10.0.0.0/33' }] } },
      'ec2/DescribeSubnets.json',
      '$.Subnets[0].CidrBlock',
      /is not a CIDR block/,
    );
    await expectFormatError(
      {
        'ec2/DescribeNetworkInterfaces.json': {
          NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', SubnetId: 'subnet-1', VpcId: 'vpc-1', PrivateIpAddress: '10.0.0.300' }],
        },
      },
      'ec2/DescribeNetworkInterfaces.json',
      '$.NetworkInterfaces[0].PrivateIpAddress',
      /is not an IP address/,
    );
  });

  it('names the rule action it cannot read', async () => {
    await expectFormatError(
      {
        'ec2/DescribeNetworkAcls.json': {
          NetworkAcls: [
            {
              NetworkAclId: 'acl-1',
              VpcId: 'vpc-1',
              Entries: [{ CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'permit', RuleNumber: 100 }],
            },
          ],
        },
      },
      'ec2/DescribeNetworkAcls.json',
      '$.NetworkAcls[0].Entries[0].RuleAction',
      /expected "allow" or "deny"/,
    );
  });

  it('says which file is not JSON, and where', async () => {
    await expectFormatError(
      { 'ec2/DescribeSecurityGroups.json': '{"SecurityGroups": [' },
      'ec2/DescribeSecurityGroups.json',
      'line 1, column 21',
      /^not valid JSON: Expected a value, found the end of the file \(the file is cut short\?\)$/,
    );
  });

  it('says when the top-level list is missing', async () => {
    await expectFormatError({ 'ec2/DescribeSubnets.json': { Vpcs: [] } }, 'ec2/DescribeSubnets.json', '$', /required field Subnets is missing/);
  });

  it('reads prefix list entries from their own files, with or without the list description', async () => {
    const dir = await snapshotWith('prefix-lists', {
      'ec2/GetManagedPrefixListEntries/pl-0aaaaaaaaaaaaaaa1.json': { Entries: [{ Cidr: '10.8.0.0/16', Description: 'office' }] },
      'ec2/DescribeManagedPrefixLists.json': {
        PrefixLists: [
          { PrefixListId: 'pl-0aaaaaaaaaaaaaaa1', PrefixListName: 'office', AddressFamily: 'IPv4' },
          { PrefixListId: 'pl-0aaaaaaaaaaaaaaa2', PrefixListName: 'not-fetched', AddressFamily: 'IPv4' },
        ],
      },
    });
    const model = await readSnapshot(dir);
    assert.ok(model.captured.has('prefixLists'));
    assert.deepEqual(
      model.prefixLists.get('pl-0aaaaaaaaaaaaaaa1')?.entries?.map((cidr) => cidr.text),
      ['10.8.0.0/16'],
    );
    assert.equal(model.prefixLists.get('pl-0aaaaaaaaaaaaaaa2')?.entries, undefined, 'entries not captured stay unknown');
  });

  it('fails with a read error naming a directory that does not exist', async () => {
    await assert.rejects(readSnapshot(join(root, 'no-such-dir')), (error: unknown) => {
      assert.ok(error instanceof SnapshotReadError);
      assert.match(error.message, /no-such-dir: no such directory$/);
      assert.doesNotMatch(error.message, /ENOENT/);
      return true;
    });
  });
});

// ---------------------------------------------------------------------------------------
// Files in the forms people produce, built from the bundled examples.

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;
/** Consumer side, with a prefix list and its entries. */
const CONSUMER = 'healthy-aws-service';
/** Provider side, with every per-resource folder. */
const PROVIDER = 'provider-healthy';

/** An example's files, relative path -> bytes (scenario.json included). */
async function exampleFiles(example: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(join(EXAMPLES, example, folder), { withFileTypes: true })) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else files.set(path, await readFile(join(EXAMPLES, example, path)));
    }
  };
  await walk('');
  return files;
}

/** A snapshot made of an example's files, changed by `change` (path -> bytes; undefined removes). */
async function variant(example: string, change: (files: Map<string, Buffer>) => void): Promise<string> {
  const files = await exampleFiles(example);
  change(files);
  const dir = join(root, `${example}-${Math.random().toString(16).slice(2)}`);
  await mkdir(dir, { recursive: true });
  for (const [path, bytes] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  return dir;
}

function move(files: Map<string, Buffer>, from: string, to: string): void {
  const bytes = files.get(from);
  assert.ok(bytes, `${from} is in the example`);
  files.delete(from);
  files.set(to, bytes);
}

/** What the model holds, without where it came from. */
function dataOf(model: NetworkModel): unknown {
  const { source: _source, dataWarnings: _warnings, ...data } = model;
  return data;
}

const reference = new Map<string, NetworkModel>();
async function original(example: string): Promise<NetworkModel> {
  if (!reference.has(example)) reference.set(example, await readSnapshot(join(EXAMPLES, example)));
  return reference.get(example)!;
}

async function expectSameData(dir: string, example: string): Promise<NetworkModel> {
  const model = await readSnapshot(dir);
  assert.deepEqual(dataOf(model), dataOf(await original(example)));
  return model;
}

function warningsOf(model: NetworkModel): [string, string | undefined, string][] {
  return model.dataWarnings.map((warning) => [warning.kind, warning.file, warning.message]);
}

async function expectReadFailure(dir: string, check: (error: Error) => void): Promise<void> {
  await assert.rejects(readSnapshot(dir), (error: unknown) => {
    assert.ok(error instanceof SnapshotFormatError || error instanceof SnapshotReadError, String(error));
    check(error);
    return true;
  });
}

async function expectFileError(dir: string, file: string, jsonPath: string, problem: string | RegExp): Promise<void> {
  await expectReadFailure(dir, (error) => {
    assert.ok(error instanceof SnapshotFormatError, String(error));
    assert.equal(error.file, file);
    assert.equal(error.jsonPath, jsonPath);
    if (typeof problem === 'string') assert.equal(error.problem, problem);
    else assert.match(error.problem, problem);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\ufeff\u200b\ufffd]/.test(error.message), `no raw invisible characters in ${JSON.stringify(error.message)}`);
  });
}

const SUBNETS = 'ec2/DescribeSubnets.json';

describe('readSnapshot: forms of files', () => {
  it('reads every bundled example (each region of a fleet example) with no data warnings', async () => {
    const snapshots: string[] = [];
    for (const example of await readdir(EXAMPLES, { withFileTypes: true })) {
      if (!example.isDirectory()) continue;
      const accounts = (await readdir(join(EXAMPLES, example.name))).filter((name) => /^\d{12}$/.test(name));
      if (accounts.length === 0) snapshots.push(example.name);
      for (const account of accounts) {
        for (const region of await readdir(join(EXAMPLES, example.name, account))) snapshots.push(`${example.name}/${account}/${region}`);
      }
    }
    assert.ok(snapshots.length > 20);
    for (const snapshot of snapshots) assert.deepEqual((await readSnapshot(join(EXAMPLES, snapshot))).dataWarnings, [], snapshot);
  });

  it('skips a UTF-8 BOM and says so', async () => {
    const dir = await variant(CONSUMER, (files) => files.set(SUBNETS, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), files.get(SUBNETS)!])));
    const model = await expectSameData(dir, CONSUMER);
    assert.deepEqual(warningsOf(model), [['decoded-file', SUBNETS, `${SUBNETS} starts with a UTF-8 byte order mark (BOM): skipped`]]);
  });

  it('decodes UTF-16LE with a BOM, as Windows PowerShell 5.1 `>` writes it', async () => {
    const dir = await variant(CONSUMER, (files) =>
      files.set(SUBNETS, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(files.get(SUBNETS)!.toString('utf8').replaceAll('\n', '\r\n'), 'utf16le')])),
    );
    const model = await expectSameData(dir, CONSUMER);
    assert.deepEqual(warningsOf(model), [
      ['decoded-file', SUBNETS, `${SUBNETS} is UTF-16LE with a byte order mark (as Windows PowerShell 5.1 \`>\` writes it): decoded`],
    ]);
  });

  it('decodes UTF-16BE with a BOM', async () => {
    const dir = await variant(CONSUMER, (files) =>
      files.set(SUBNETS, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(files.get(SUBNETS)!.toString('utf8'), 'utf16le').swap16()])),
    );
    const model = await expectSameData(dir, CONSUMER);
    assert.deepEqual(warningsOf(model), [['decoded-file', SUBNETS, `${SUBNETS} is UTF-16BE with a byte order mark: decoded`]]);
  });

  it('refuses UTF-16 without a BOM, naming the file and what it found', async () => {
    const dir = await variant(CONSUMER, (files) => files.set(SUBNETS, Buffer.from(files.get(SUBNETS)!.toString('utf8'), 'utf16le')));
    await expectFileError(
      dir,
      SUBNETS,
      '$',
      'UTF-16 without a BOM (little-endian, it starts with the bytes 7b 00 0a 00): save it as UTF-8, e.g. `aws … | Out-File -Encoding utf8 file` in PowerShell',
    );
  });

  it('reads a .json.gz file and says it decompressed it', async () => {
    const dir = await variant(CONSUMER, (files) => {
      files.set(`${SUBNETS}.gz`, gzipSync(files.get(SUBNETS)!));
      files.delete(SUBNETS);
    });
    const model = await expectSameData(dir, CONSUMER);
    assert.deepEqual(warningsOf(model), [['decoded-file', `${SUBNETS}.gz`, `${SUBNETS}.gz is gzip-compressed: decompressed`]]);
  });

  it('decompresses gzip data in a .json file, and says so', async () => {
    const dir = await variant(CONSUMER, (files) => files.set(SUBNETS, gzipSync(files.get(SUBNETS)!)));
    const model = await expectSameData(dir, CONSUMER);
    assert.deepEqual(warningsOf(model), [['decoded-file', SUBNETS, `${SUBNETS} holds gzip data though named .json: decompressed`]]);
  });

  it('refuses gzip data that is cut short', async () => {
    const dir = await variant(CONSUMER, (files) => files.set(SUBNETS, gzipSync(files.get(SUBNETS)!).subarray(0, 40)));
    await expectFileError(dir, SUBNETS, '$', /^gzip data that cannot be decompressed \(.*\): cut short\?$/);
  });

  it('reads a 0-byte file as not captured, like a missing one, and names it', async () => {
    const dir = await variant(CONSUMER, (files) => files.set(SUBNETS, Buffer.alloc(0)));
    const model = await readSnapshot(dir);
    assert.ok(!model.captured.has('subnets'));
    assert.equal(model.subnets.size, 0);
    assert.deepEqual(model.endpoints, (await original(CONSUMER)).endpoints);
    assert.deepEqual(warningsOf(model), [
      [
        'empty-file',
        SUBNETS,
        `${SUBNETS} is empty, as a failed \`aws ec2 describe-subnets > file\` leaves it: the output of describe-subnets is not captured, as if the file were missing`,
      ],
    ]);
  });

  it('reads a whitespace-only file as not captured', async () => {
    const dir = await variant(CONSUMER, (files) => files.set(SUBNETS, Buffer.from(' \r\n\t\n')));
    const model = await readSnapshot(dir);
    assert.ok(!model.captured.has('subnets'));
    assert.deepEqual(
      model.dataWarnings.map((warning) => [warning.kind, warning.file]),
      [['empty-file', SUBNETS]],
    );
  });

  it('reads a 0-byte prefix list entries file as those entries not captured', async () => {
    const entries = 'ec2/GetManagedPrefixListEntries/pl-053eb48a519367a56.json';
    const dir = await variant(CONSUMER, (files) => files.set(entries, Buffer.alloc(0)));
    const model = await readSnapshot(dir);
    assert.equal(model.prefixLists.get('pl-053eb48a519367a56')?.entries, undefined, 'entries not captured stay unknown');
    assert.ok((await original(CONSUMER)).prefixLists.get('pl-053eb48a519367a56')?.entries, 'the example has them');
    assert.deepEqual(warningsOf(model), [
      [
        'empty-file',
        entries,
        `${entries} is empty, as a failed \`aws ec2 get-managed-prefix-list-entries > file\` leaves it: the output of get-managed-prefix-list-entries for prefix list pl-053eb48a519367a56 is not captured, as if the file were missing`,
      ],
    ]);
  });

  const notJson: [string, string | Buffer, string, string | RegExp][] = [
    ['text output', 'SUBNETS\tfalse\tus-east-1a\tuse1-az1\t249\t10.0.1.0/24\tfalse\n', '$', 'text output, not JSON (aws --output text?)'],
    ['table output', '-----------------\n|DescribeSubnets|\n+---------------+\n', '$', 'table output, not JSON (aws --output table?)'],
    ['YAML output', 'Subnets:\n- AvailabilityZone: us-east-1a\n', '$', 'YAML output, not JSON (aws --output yaml?)'],
    [
      'an AWS CLI error message',
      '\nAn error occurred (UnauthorizedOperation) when calling the DescribeSubnets operation: You are not authorized to perform this operation.\n',
      '$',
      'an AWS CLI error message, not JSON: "An error occurred (UnauthorizedOperation) when calling the DescribeSubnets operation: You are not authorized to perform this operation."',
    ],
    [
      'missing credentials',
      'Unable to locate credentials. You can configure credentials by running "aws configure".\n',
      '$',
      /^an AWS CLI error message, not JSON: "Unable to locate credentials\./,
    ],
    [
      'binary data',
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]),
      '$',
      'binary data, not JSON text (a zip archive?): it starts with the bytes 50 4b 03 04 14 00 00 00',
    ],
    [
      'a JSON syntax error',
      '{\n    "Subnets": [\n        {\n            "SubnetId": "subnet-1"\n            "VpcId": "vpc-1"\n        }\n    ]\n}\n',
      'line 5, column 13',
      "not valid JSON: Expected ',' or '}' after a property value, found '\"'",
    ],
    ['a trailing comma', '{"Subnets": [1, 2,]}', 'line 1, column 19', "not valid JSON: Expected a value, found ']'"],
    ['an invisible character', '{"Subnets":\u200b []}', 'line 1, column 12', "not valid JSON: Expected a value, found '\\u200b'"],
    [
      'a BOM in the middle',
      '{"Subnets": []}\n\ufeff',
      'line 2, column 1',
      "not valid JSON: Expected the end of the file after the JSON value, found '\\ufeff'",
    ],
  ];
  for (const [what, content, jsonPath, problem] of notJson) {
    it(`refuses ${what}, naming the file and what it found`, async () => {
      const dir = await variant(CONSUMER, (files) => files.set(SUBNETS, Buffer.from(content)));
      await expectFileError(dir, SUBNETS, jsonPath, problem);
    });
  }

  it("refuses another call's output, naming the call", async () => {
    const dir = await variant(CONSUMER, (files) => files.set('ec2/DescribeNetworkAcls.json', files.get(SUBNETS)!));
    await expectFileError(
      dir,
      'ec2/DescribeNetworkAcls.json',
      '$',
      'expected the output of aws ec2 describe-network-acls (top-level NetworkAcls), found the output of describe-subnets (top-level Subnets)',
    );
    const listeners = 'elbv2/DescribeListeners/inventory-api-nlb.json';
    const provider = await variant(PROVIDER, (files) => files.set(listeners, files.get('elbv2/DescribeLoadBalancerAttributes/inventory-api-nlb.json')!));
    await expectFileError(
      provider,
      listeners,
      '$',
      'expected the output of aws elbv2 describe-listeners (top-level Listeners), found the output of describe-load-balancer-attributes (top-level Attributes)',
    );
  });

  it('reads files named after the CLI command, in any case, and says what it read them as', async () => {
    const dir = await variant(CONSUMER, (files) => {
      move(files, SUBNETS, 'ec2/describe-subnets.json');
      move(files, 'ec2/DescribeNetworkAcls.json', 'ec2/Describe-Network-ACLs.JSON');
      files.set('ec2/describe-security-groups.json.gz', gzipSync(files.get('ec2/DescribeSecurityGroups.json')!));
      files.delete('ec2/DescribeSecurityGroups.json');
    });
    const model = await expectSameData(dir, CONSUMER);
    assert.deepEqual(warningsOf(model), [
      [
        'renamed-file',
        'ec2/Describe-Network-ACLs.JSON',
        'read ec2/Describe-Network-ACLs.JSON as ec2/DescribeNetworkAcls.json: its name is that of aws ec2 describe-network-acls',
      ],
      ['decoded-file', 'ec2/describe-security-groups.json.gz', 'ec2/describe-security-groups.json.gz is gzip-compressed: decompressed'],
      [
        'renamed-file',
        'ec2/describe-security-groups.json.gz',
        'read ec2/describe-security-groups.json.gz as ec2/DescribeSecurityGroups.json: its name is that of aws ec2 describe-security-groups',
      ],
      ['renamed-file', 'ec2/describe-subnets.json', 'read ec2/describe-subnets.json as ec2/DescribeSubnets.json: its name is that of aws ec2 describe-subnets'],
    ]);
  });

  it('reads EC2/ and ELBv2/ folders in any case', async () => {
    const dir = await variant(PROVIDER, (files) => {
      for (const path of [...files.keys()]) {
        if (path.startsWith('ec2/')) move(files, path, path.replace('ec2/', 'EC2/'));
        if (path.startsWith('elbv2/')) move(files, path, path.replace('elbv2/', 'ELBv2/'));
      }
    });
    const model = await expectSameData(dir, PROVIDER);
    assert.ok(model.dataWarnings.length > 0);
    assert.ok(model.dataWarnings.every((warning) => warning.kind === 'renamed-file'));
    assert.ok(
      model.dataWarnings.some(
        (warning) =>
          warning.message ===
          'read ELBv2/DescribeListeners/inventory-api-nlb.json as elbv2/DescribeListeners/inventory-api-nlb.json: its folder is named after aws elbv2 describe-listeners',
      ),
      JSON.stringify(model.dataWarnings),
    );
    assert.ok(
      model.dataWarnings.some(
        (warning) => warning.message === 'read EC2/DescribeSubnets.json as ec2/DescribeSubnets.json: its name is that of aws ec2 describe-subnets',
      ),
    );
  });

  it('reads a flat layout: files by their call name, or by their top-level key, per-resource folders at the top', async () => {
    const dir = await variant(PROVIDER, (files) => {
      for (const path of [...files.keys()]) {
        const [service, ...rest] = path.split('/');
        if (service === 'ec2' || service === 'elbv2') move(files, path, rest.join('/'));
      }
      move(files, 'DescribeSubnets.json', 'subnets-prod.json');
      move(files, 'DescribeTargetGroups.json', 'describe-target-groups.json');
      move(files, 'DescribeTargetHealth/inventory-api-8443.json', 'describe-target-health/inventory-api-8443.json');
    });
    const model = await expectSameData(dir, PROVIDER);
    assert.ok(model.dataWarnings.every((warning) => warning.kind === 'renamed-file'));
    const messages = model.dataWarnings.map((warning) => warning.message);
    assert.ok(
      messages.includes('read subnets-prod.json as ec2/DescribeSubnets.json: it holds the output of aws ec2 describe-subnets (top-level Subnets)'),
      messages.join('\n'),
    );
    assert.ok(messages.includes('read describe-target-groups.json as elbv2/DescribeTargetGroups.json: its name is that of aws elbv2 describe-target-groups'));
    assert.ok(messages.includes('read DescribeNetworkAcls.json as ec2/DescribeNetworkAcls.json: its name is that of aws ec2 describe-network-acls'));
    assert.ok(
      messages.includes(
        'read describe-target-health/inventory-api-8443.json as elbv2/DescribeTargetHealth/inventory-api-8443.json: its folder is named after aws elbv2 describe-target-health',
      ),
    );
  });

  it('lists whatever it does not recognise, skipping only the notes that travel with a snapshot', async () => {
    const dir = await variant(PROVIDER, (files) => {
      files.set('notes.txt', Buffer.from('captured by hand'));
      files.set('README.md', Buffer.from('# prod'));
      files.set('.DS_Store', Buffer.from([0, 1, 2]));
      files.set('ec2/DescribeVpcs.json', Buffer.from(JSON.stringify({ Vpcs: [] })));
      files.set('ec2/old/DescribeSubnets.json', files.get(SUBNETS)!);
      files.set('elbv2/DescribeListeners/inventory-api-nlb.txt', Buffer.from('x'));
      files.set('listeners.json', files.get('elbv2/DescribeListeners/inventory-api-nlb.json')!);
      files.set('DescribeTargetHealth.json', files.get('elbv2/DescribeTargetHealth/inventory-api-8443.json')!);
      files.set('111122223333/us-east-1/ec2/DescribeSubnets.json', files.get(SUBNETS)!);
      files.set('broken.json', Buffer.from('{"Subnets": ['));
    });
    const model = await expectSameData(dir, PROVIDER);
    assert.deepEqual(warningsOf(model), [
      [
        'unrecognised-file',
        '111122223333/',
        '111122223333/ is not a folder of the snapshot layout: it looks like an account folder of a fleet snapshot; give the snapshot of one account and region (<account>/<region>): ignored',
      ],
      [
        'unrecognised-file',
        'DescribeTargetHealth.json',
        'DescribeTargetHealth.json is named after aws elbv2 describe-target-health, whose output does not say which target group it is for: put it at elbv2/DescribeTargetHealth/<target-group-name>.json: ignored',
      ],
      [
        'unrecognised-file',
        'broken.json',
        'broken.json is not named after a call of the snapshot layout, and is not valid JSON: Expected a value, found the end of the file (the file is cut short?): ignored',
      ],
      [
        'unrecognised-file',
        'ec2/DescribeVpcs.json',
        'ec2/DescribeVpcs.json is neither named after a call of the snapshot layout nor holds the output of one (it holds a JSON object with the keys Vpcs): ignored',
      ],
      ['unrecognised-file', 'ec2/old/', 'ec2/old/ is not a folder of the snapshot layout: ignored'],
      [
        'unrecognised-file',
        'elbv2/DescribeListeners/inventory-api-nlb.txt',
        'elbv2/DescribeListeners/inventory-api-nlb.txt is not a <lb-name>.json file of aws elbv2 describe-listeners: ignored',
      ],
      [
        'unrecognised-file',
        'listeners.json',
        'listeners.json holds the output of aws elbv2 describe-listeners, which does not say which load balancer it is for: put it at elbv2/DescribeListeners/<lb-name>.json; ignored',
      ],
      ['unrecognised-file', 'notes.txt', 'notes.txt is not a file of the snapshot layout (.json or .json.gz): ignored'],
    ]);
  });

  it('refuses two files for one call, naming both', async () => {
    const dir = await variant(CONSUMER, (files) => files.set('describe-subnets.json', files.get(SUBNETS)!));
    await expectReadFailure(dir, (error) => {
      assert.ok(error instanceof SnapshotReadError);
      assert.equal(error.message, 'describe-subnets.json and ec2/DescribeSubnets.json both hold the output of aws ec2 describe-subnets: keep one of them');
    });
    const provider = await variant(PROVIDER, (files) =>
      files.set('elbv2/describe-listeners/inventory-api-nlb.json.gz', gzipSync(files.get('elbv2/DescribeListeners/inventory-api-nlb.json')!)),
    );
    await expectReadFailure(provider, (error) => {
      assert.ok(error instanceof SnapshotReadError);
      assert.equal(
        error.message,
        'elbv2/DescribeListeners/inventory-api-nlb.json and elbv2/describe-listeners/inventory-api-nlb.json.gz both hold the output of aws elbv2 describe-listeners for load balancer inventory-api-nlb: keep one of them',
      );
    });
  });

  it('reads the optional DescribeVpcEndpointServices.json as a file of the layout', async () => {
    const dir = await variant(CONSUMER, (files) =>
      files.set(
        'ec2/DescribeVpcEndpointServices.json',
        Buffer.from(
          JSON.stringify({
            ServiceNames: ['com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0'],
            ServiceDetails: [
              { ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0', ServiceId: 'vpce-svc-0123456789abcdef0', Owner: '444455556666' },
            ],
          }),
        ),
      ),
    );
    const model = await readSnapshot(dir);
    assert.deepEqual(model.dataWarnings, []);
  });
});

describe('readSnapshot: large files read item by item', () => {
  const SECURITY_GROUPS = 'ec2/DescribeSecurityGroups.json';

  /** Reads a snapshot both ways: item by item wherever it can, and every file whole. */
  async function bothWays(dir: string): Promise<{ split: NetworkModel | Error; whole: NetworkModel | Error; splitFiles: string[] }> {
    const splitFiles: string[] = [];
    const attempt = (promise: Promise<NetworkModel>) => promise.catch((error: unknown) => error as Error);
    const split = await attempt(readSnapshot(dir, { splitFromBytes: 0, onSplit: (file) => splitFiles.push(file) }));
    const whole = await attempt(readSnapshot(dir, { splitFromBytes: Infinity, onSplit: () => assert.fail('read item by item below the threshold') }));
    return { split, whole, splitFiles };
  }

  function expectSameOutcome({ split, whole }: { split: NetworkModel | Error; whole: NetworkModel | Error }): void {
    if (whole instanceof Error) {
      assert.ok(split instanceof Error, `read item by item, it succeeded where the whole read failed: ${whole.message}`);
      assert.equal(split.constructor, whole.constructor);
      assert.equal(split.message, whole.message);
    } else {
      assert.ok(!(split instanceof Error), `read item by item, it failed: ${String(split)}`);
      assert.deepEqual(dataOf(split), dataOf(whole));
      assert.deepEqual(warningsOf(split), warningsOf(whole));
    }
  }

  it('reads every bundled example to the same model, item by item or whole', async () => {
    for (const example of await readdir(EXAMPLES, { withFileTypes: true })) {
      if (!example.isDirectory() || (await readdir(join(EXAMPLES, example.name))).some((name) => /^\d{12}$/.test(name))) continue;
      const outcome = await bothWays(join(EXAMPLES, example.name));
      expectSameOutcome(outcome);
      assert.ok(outcome.splitFiles.includes(SECURITY_GROUPS), `${example.name}: ${SECURITY_GROUPS} read item by item`);
    }
  });

  const groupsOf = (files: Map<string, Buffer>) => JSON.parse(files.get(SECURITY_GROUPS)!.toString()) as { SecurityGroups: Record<string, unknown>[] };
  const withGroups = (files: Map<string, Buffer>, value: unknown) => files.set(SECURITY_GROUPS, Buffer.from(JSON.stringify(value, null, 4)));
  const cases: [string, (files: Map<string, Buffer>) => void, 'split' | 'whole'][] = [
    ['a page token', (files) => withGroups(files, { ...groupsOf(files), NextToken: 'eyJ2IjoxfQ==' }), 'split'],
    ['a file named after the CLI command', (files) => move(files, SECURITY_GROUPS, 'ec2/describe-security-groups.json'), 'split'],
    ['a group id twice', (files) => withGroups(files, { SecurityGroups: [...groupsOf(files).SecurityGroups, groupsOf(files).SecurityGroups[0]] }), 'whole'],
    [
      'a malformed CIDR in a rule',
      (files) => {
        const groups = groupsOf(files);
        groups.SecurityGroups[1] = {
          ...groups.SecurityGroups[1],
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.300/16' }] }],
        };
        withGroups(files, groups);
      },
      'whole',
    ],
    ['a file cut short', (files) => files.set(SECURITY_GROUPS, files.get(SECURITY_GROUPS)!.subarray(0, 200)), 'whole'],
    ['a UTF-8 byte order mark', (files) => files.set(SECURITY_GROUPS, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), files.get(SECURITY_GROUPS)!])), 'whole'],
    ['gzip data in a .json file', (files) => files.set(SECURITY_GROUPS, gzipSync(files.get(SECURITY_GROUPS)!)), 'whole'],
    ['a .json.gz file that is not compressed', (files) => move(files, SECURITY_GROUPS, `${SECURITY_GROUPS}.gz`), 'whole'],
    ['another call in its place', (files) => files.set(SECURITY_GROUPS, files.get(SUBNETS)!), 'whole'],
    ['a top-level array', (files) => withGroups(files, [groupsOf(files)]), 'whole'],
    ['a group that is not an object', (files) => withGroups(files, { SecurityGroups: [...groupsOf(files).SecurityGroups, 'sg-1'] }), 'whole'],
  ];
  for (const [what, change, expected] of cases) {
    it(`reads ${what} as the whole read does (${expected === 'split' ? 'item by item' : 'falling back to the whole read'})`, async () => {
      const outcome = await bothWays(await variant(CONSUMER, change));
      expectSameOutcome(outcome);
      const file = what === 'a file named after the CLI command' ? 'ec2/describe-security-groups.json' : SECURITY_GROUPS;
      assert.equal(outcome.splitFiles.includes(file), expected === 'split');
    });
  }
});
