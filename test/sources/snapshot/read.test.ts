import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
            { NetworkAclId: 'acl-1', VpcId: 'vpc-1', Entries: [{ CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'permit', RuleNumber: 100 }] },
          ],
        },
      },
      'ec2/DescribeNetworkAcls.json',
      '$.NetworkAcls[0].Entries[0].RuleAction',
      /expected "allow" or "deny"/,
    );
  });

  it('says which file is not JSON', async () => {
    await expectFormatError({ 'ec2/DescribeSecurityGroups.json': '{"SecurityGroups": [' }, 'ec2/DescribeSecurityGroups.json', '$', /not valid JSON/);
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
    assert.deepEqual(model.prefixLists.get('pl-0aaaaaaaaaaaaaaa1')?.entries?.map((cidr) => cidr.text), ['10.8.0.0/16']);
    assert.equal(model.prefixLists.get('pl-0aaaaaaaaaaaaaaa2')?.entries, undefined, 'entries not captured stay unknown');
  });

  it('fails with a read error naming a directory that does not exist', async () => {
    await assert.rejects(readSnapshot(join(root, 'no-such-dir')), (error: unknown) => {
      assert.ok(error instanceof SnapshotReadError);
      assert.match(error.message, /no-such-dir cannot be read/);
      return true;
    });
  });
});
