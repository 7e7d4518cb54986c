import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCidrParser } from '../../../src/core/net.js';
import {
  normalizeInstances,
  normalizeNetworkAcls,
  normalizeNetworkInterfaces,
  normalizePrefixLists,
  normalizeSecurityGroups,
  normalizeSubnets,
  normalizeVpcEndpoints,
} from '../../../src/sources/normalize/ec2.js';
import { JsonReader, SnapshotFormatError } from '../../../src/sources/normalize/json-reader.js';

/**
 * Values the AWS API could not have produced are errors naming the file and JSON path, never
 * read as something else: a tcp rule without ports is not "all ports", a duplicate id is not
 * "the last one wins", a NACL protocol name is not skipped.
 */

const parseCidr = createCidrParser();
const SG_FILE = 'ec2/DescribeSecurityGroups.json';
const NACL_FILE = 'ec2/DescribeNetworkAcls.json';

function expectError(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SnapshotFormatError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

const securityGroups = (...permissions: object[]) =>
  new JsonReader(SG_FILE, { SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'web', VpcId: 'vpc-1', IpPermissions: permissions, IpPermissionsEgress: [] }] });
const anywhere = { IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

describe('security group permissions', () => {
  const bad: [string, object, string][] = [
    [
      'tcp without ports',
      { IpProtocol: 'tcp', ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0]: protocol tcp needs FromPort and ToPort (AWS prints both, 0 and 65535 for every port); FromPort is missing',
    ],
    [
      'udp without ToPort',
      { IpProtocol: 'udp', FromPort: 53, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0]: protocol udp needs FromPort and ToPort (AWS prints both, 0 and 65535 for every port); ToPort is missing',
    ],
    [
      '"6" with null ports',
      { IpProtocol: '6', FromPort: null, ToPort: null, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0]: protocol 6 needs FromPort and ToPort (AWS prints both, 0 and 65535 for every port); FromPort is missing',
    ],
    [
      'tcp FromPort -1',
      { IpProtocol: 'tcp', FromPort: -1, ToPort: -1, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].FromPort: expected a port from 0 to 65535, found number -1',
    ],
    [
      'tcp ToPort 70000',
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 70000, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].ToPort: expected a port from 0 to 65535, found number 70000',
    ],
    [
      'tcp FromPort 1.5',
      { IpProtocol: 'tcp', FromPort: 1.5, ToPort: 2, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].FromPort: expected a port from 0 to 65535, found number 1.5',
    ],
    [
      'tcp FromPort as text',
      { IpProtocol: 'tcp', FromPort: '443', ToPort: 443, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].FromPort: expected a port from 0 to 65535, found the string "443"',
    ],
    [
      '"17" From > To',
      { IpProtocol: '17', FromPort: 443, ToPort: 80, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0]: FromPort 443 is greater than ToPort 80',
    ],
    [
      'icmp type 300',
      { IpProtocol: 'icmp', FromPort: 300, ToPort: -1, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].FromPort: expected an ICMP type (-1 for all) from -1 to 255, found number 300',
    ],
    [
      'protocol "TCP"',
      { IpProtocol: 'TCP', FromPort: 443, ToPort: 443, ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].IpProtocol: expected tcp, udp, icmp, icmpv6, -1 or a protocol number from 0 to 255, found "TCP"',
    ],
    [
      'protocol "256"',
      { IpProtocol: '256', ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].IpProtocol: expected tcp, udp, icmp, icmpv6, -1 or a protocol number from 0 to 255, found "256"',
    ],
    [
      'protocol "all"',
      { IpProtocol: 'all', ...anywhere },
      '$.SecurityGroups[0].IpPermissions[0].IpProtocol: expected tcp, udp, icmp, icmpv6, -1 or a protocol number from 0 to 255, found "all"',
    ],
  ];
  for (const [what, permission, message] of bad) {
    it(`refuses ${what}`, () => {
      expectError(() => normalizeSecurityGroups(securityGroups(permission)), `${SG_FILE}: ${message}`);
    });
  }

  it('names the egress path too', () => {
    const root = new JsonReader(SG_FILE, {
      SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [], IpPermissionsEgress: [{ IpProtocol: 'tcp', ToPort: 443, ...anywhere }] }],
    });
    expectError(
      () => normalizeSecurityGroups(root),
      `${SG_FILE}: $.SecurityGroups[0].IpPermissionsEgress[0]: protocol tcp needs FromPort and ToPort (AWS prints both, 0 and 65535 for every port); FromPort is missing`,
    );
  });

  it('reads what AWS prints: tcp ranges, -1 without ports, icmp -1, other protocols without ports', () => {
    const [group] = normalizeSecurityGroups(
      securityGroups(
        { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, ...anywhere },
        { IpProtocol: '6', FromPort: 443, ToPort: 443, ...anywhere },
        { IpProtocol: '-1', ...anywhere },
        { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, ...anywhere },
        { IpProtocol: 'icmpv6', FromPort: 128, ToPort: 0, IpRanges: [], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        { IpProtocol: '50', ...anywhere },
      ),
    );
    assert.deepEqual(
      group!.ingress.map((rule) => [rule.protocol, rule.portRange]),
      [
        ['tcp', { from: 0, to: 65535 }],
        ['6', { from: 443, to: 443 }],
        ['-1', undefined],
        ['icmp', undefined],
        ['icmpv6', undefined],
        ['50', undefined],
      ],
    );
  });
});

describe('security group rules share what they have in common', () => {
  const permission = (fields: object) => ({
    IpProtocol: 'tcp',
    FromPort: 443,
    ToPort: 443,
    IpRanges: [],
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: [],
    ...fields,
  });
  const [first, second] = normalizeSecurityGroups(
    new JsonReader(SG_FILE, {
      SecurityGroups: ['sg-1', 'sg-2'].map((GroupId) => ({
        GroupId,
        IpPermissions: [
          permission({
            PrefixListIds: [{ PrefixListId: 'pl-1', Description: 'office' }],
            UserIdGroupPairs: [{ GroupId: 'sg-9', UserId: '111122223333' }, { GroupId: 'sg-9', UserId: '444455556666' }, { GroupId: 'sg-9' }],
          }),
        ],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'office' }] }],
      })),
    }),
  );

  it('one peer object per prefix list, per group and account, per CIDR, across groups', () => {
    for (const direction of ['ingress', 'egress'] as const) {
      first![direction].forEach((rule, index) => assert.equal(rule.peer, second![direction][index]!.peer));
    }
    const peers = first!.ingress.map((rule) => rule.peer);
    assert.deepEqual(peers, [
      { kind: 'prefix-list', prefixListId: 'pl-1' },
      { kind: 'security-group', groupId: 'sg-9', userId: '111122223333' },
      { kind: 'security-group', groupId: 'sg-9', userId: '444455556666' },
      { kind: 'security-group', groupId: 'sg-9' },
    ]);
    assert.equal(new Set(peers).size, 4, 'peers that differ stay apart');
    assert.equal(first!.ingress[0]!.portRange, second!.ingress[0]!.portRange);
  });

  it('each rule is made with its fields in one order, absent ones left out', () => {
    assert.deepEqual(Object.keys(first!.ingress[0]!), ['groupId', 'direction', 'protocol', 'peer', 'portRange', 'description']);
    assert.deepEqual(Object.keys(first!.ingress[1]!), ['groupId', 'direction', 'protocol', 'peer', 'portRange']);
    assert.deepEqual(Object.keys(first!.egress[0]!), ['groupId', 'direction', 'protocol', 'peer', 'description']);
    assert.deepEqual(first!.egress[0], { groupId: 'sg-1', direction: 'egress', protocol: '-1', peer: first!.egress[0]!.peer, description: 'office' });
  });
});

const nacls = (...entries: object[]) =>
  new JsonReader(NACL_FILE, { NetworkAcls: [{ NetworkAclId: 'acl-1', VpcId: 'vpc-1', Associations: [], Entries: entries }] });
const entry = (fields: object) => ({
  CidrBlock: '0.0.0.0/0',
  Egress: false,
  Protocol: '6',
  PortRange: { From: 443, To: 443 },
  RuleAction: 'allow',
  RuleNumber: 100,
  ...fields,
});

describe('network ACL entries', () => {
  const bad: [string, object[], string][] = [
    [
      'a protocol name',
      [entry({ Protocol: 'tcp' })],
      '$.NetworkAcls[0].Entries[0].Protocol: expected a protocol number as AWS prints it ("6" TCP, "17" UDP, "1" ICMP, "-1" all, or another from 0 to 255), found "tcp"',
    ],
    [
      'protocol 300',
      [entry({ Protocol: '300' })],
      '$.NetworkAcls[0].Entries[0].Protocol: expected a protocol number as AWS prints it ("6" TCP, "17" UDP, "1" ICMP, "-1" all, or another from 0 to 255), found "300"',
    ],
    [
      'rule number 0',
      [entry({ RuleNumber: 0 })],
      '$.NetworkAcls[0].Entries[0].RuleNumber: expected a rule number from 1 to 32766 (or 32767 and 32768, the default entries), found 0',
    ],
    [
      'rule number 99999',
      [entry({ RuleNumber: 99999 })],
      '$.NetworkAcls[0].Entries[0].RuleNumber: expected a rule number from 1 to 32766 (or 32767 and 32768, the default entries), found 99999',
    ],
    [
      'the IPv4 default number on an IPv6 entry',
      [entry({ CidrBlock: undefined, Ipv6CidrBlock: '::/0', Protocol: '-1', RuleAction: 'deny', RuleNumber: 32767 })],
      '$.NetworkAcls[0].Entries[0].RuleNumber: 32767 is the rule number of the IPv4 default entry, and this entry is IPv6',
    ],
    [
      'a default entry that allows',
      [entry({ Protocol: '-1', RuleNumber: 32767 })],
      '$.NetworkAcls[0].Entries[0]: rule 32767 is the default entry (*), which AWS prints as a deny of all traffic (protocol -1), found allow of protocol -1',
    ],
    ['From > To', [entry({ PortRange: { From: 443, To: 80 } })], '$.NetworkAcls[0].Entries[0].PortRange: From 443 is greater than To 80'],
    [
      'To 70000',
      [entry({ PortRange: { From: 443, To: 70000 } })],
      '$.NetworkAcls[0].Entries[0].PortRange.To: expected a port from 0 to 65535, found number 70000',
    ],
    ['From -1', [entry({ PortRange: { From: -1, To: 80 } })], '$.NetworkAcls[0].Entries[0].PortRange.From: expected a port from 0 to 65535, found number -1'],
    [
      'TCP without PortRange',
      [entry({ PortRange: undefined })],
      '$.NetworkAcls[0].Entries[0]: protocol 6 needs a PortRange (AWS prints one for TCP and UDP, 0-65535 for every port); PortRange is missing',
    ],
    [
      'UDP without PortRange',
      [entry({ Protocol: '17', PortRange: undefined })],
      '$.NetworkAcls[0].Entries[0]: protocol 17 needs a PortRange (AWS prints one for TCP and UDP, 0-65535 for every port); PortRange is missing',
    ],
    [
      'a duplicate inbound rule number',
      [entry({}), entry({ PortRange: { From: 0, To: 65535 } })],
      '$.NetworkAcls[0].Entries[1]: duplicate inbound RuleNumber 100: $.NetworkAcls[0].Entries[0] has it too',
    ],
    [
      'a duplicate outbound rule number',
      [
        entry({ Egress: true, Protocol: '-1', RuleNumber: 32767, RuleAction: 'deny' }),
        entry({ Egress: true, Protocol: '-1', RuleNumber: 32767, RuleAction: 'deny' }),
      ],
      '$.NetworkAcls[0].Entries[1]: duplicate outbound RuleNumber 32767: $.NetworkAcls[0].Entries[0] has it too',
    ],
  ];
  for (const [what, entries, message] of bad) {
    it(`refuses ${what}`, () => {
      expectError(() => normalizeNetworkAcls(nacls(...entries), parseCidr), `${NACL_FILE}: ${message}`);
    });
  }

  it('reads what AWS prints: one number per direction, defaults 32767 and 32768, ports only for TCP and UDP', () => {
    const [acl] = normalizeNetworkAcls(
      nacls(
        entry({}),
        entry({ Egress: true }),
        entry({ RuleNumber: 110, Protocol: '1', PortRange: undefined, IcmpTypeCode: { Code: -1, Type: -1 } }),
        entry({ RuleNumber: 120, Protocol: '17', PortRange: { From: 53, To: 53 } }),
        entry({ RuleNumber: 32766, Protocol: '-1', PortRange: undefined }),
        entry({ RuleNumber: 32767, Protocol: '-1', PortRange: undefined, RuleAction: 'deny' }),
        entry({ RuleNumber: 32768, CidrBlock: undefined, Ipv6CidrBlock: '::/0', Protocol: '-1', PortRange: undefined, RuleAction: 'deny' }),
      ),
      parseCidr,
    );
    assert.deepEqual(
      acl!.ingress.map((item) => [item.ruleNumber, item.protocol, item.portRange]),
      [
        [100, '6', { from: 443, to: 443 }],
        [110, '1', undefined],
        [120, '17', { from: 53, to: 53 }],
        [32766, '-1', undefined],
        [32767, '-1', undefined],
        [32768, '-1', undefined],
      ],
    );
    assert.deepEqual(
      acl!.egress.map((item) => item.ruleNumber),
      [100],
    );
  });
});

describe('duplicate ids', () => {
  const endpoint = (id: string) => ({
    VpcEndpointId: id,
    VpcEndpointType: 'Interface',
    State: 'available',
    ServiceName: 'com.amazonaws.us-east-1.kms',
    VpcId: 'vpc-1',
  });
  const eni = (id: string) => ({ NetworkInterfaceId: id, SubnetId: 'subnet-1', VpcId: 'vpc-1', PrivateIpAddress: '10.0.0.5' });
  const subnet = (id: string) => ({ SubnetId: id, VpcId: 'vpc-1', AvailabilityZone: 'us-east-1a', CidrBlock: '10.0.0.0/24' });
  const acl = (id: string) => ({ NetworkAclId: id, VpcId: 'vpc-1', Entries: [] });
  const group = (id: string) => ({ GroupId: id, IpPermissions: [], IpPermissionsEgress: [] });
  const cases: [string, string, () => unknown, string][] = [
    [
      'VPC endpoints',
      'ec2/DescribeVpcEndpoints.json',
      () =>
        normalizeVpcEndpoints(new JsonReader('ec2/DescribeVpcEndpoints.json', { VpcEndpoints: [endpoint('vpce-1'), endpoint('vpce-2'), endpoint('vpce-1')] })),
      '$.VpcEndpoints[2]: duplicate VpcEndpointId "vpce-1": $.VpcEndpoints[0] has it too',
    ],
    [
      'network interfaces',
      'ec2/DescribeNetworkInterfaces.json',
      () => normalizeNetworkInterfaces(new JsonReader('ec2/DescribeNetworkInterfaces.json', { NetworkInterfaces: [eni('eni-1'), eni('eni-1')] })),
      '$.NetworkInterfaces[1]: duplicate NetworkInterfaceId "eni-1": $.NetworkInterfaces[0] has it too',
    ],
    [
      'subnets',
      'ec2/DescribeSubnets.json',
      () => normalizeSubnets(new JsonReader('ec2/DescribeSubnets.json', { Subnets: [subnet('subnet-1'), subnet('subnet-1')] }), parseCidr),
      '$.Subnets[1]: duplicate SubnetId "subnet-1": $.Subnets[0] has it too',
    ],
    [
      'network ACLs',
      NACL_FILE,
      () => normalizeNetworkAcls(new JsonReader(NACL_FILE, { NetworkAcls: [acl('acl-1'), acl('acl-1')] }), parseCidr),
      '$.NetworkAcls[1]: duplicate NetworkAclId "acl-1": $.NetworkAcls[0] has it too',
    ],
    [
      'security groups',
      SG_FILE,
      () => normalizeSecurityGroups(new JsonReader(SG_FILE, { SecurityGroups: [group('sg-1'), group('sg-1')] })),
      '$.SecurityGroups[1]: duplicate GroupId "sg-1": $.SecurityGroups[0] has it too',
    ],
    [
      'prefix lists',
      'ec2/DescribeManagedPrefixLists.json',
      () =>
        normalizePrefixLists(
          new JsonReader('ec2/DescribeManagedPrefixLists.json', { PrefixLists: [{ PrefixListId: 'pl-1' }, { PrefixListId: 'pl-1' }] }),
          new Map(),
          parseCidr,
        ),
      '$.PrefixLists[1]: duplicate PrefixListId "pl-1": $.PrefixLists[0] has it too',
    ],
    [
      'instances, across reservations',
      'ec2/DescribeInstances.json',
      () =>
        normalizeInstances(
          new JsonReader('ec2/DescribeInstances.json', {
            Reservations: [{ Instances: [{ InstanceId: 'i-1' }] }, { Instances: [{ InstanceId: 'i-2' }, { InstanceId: 'i-1' }] }],
          }),
        ),
      '$.Reservations[1].Instances[1]: duplicate InstanceId "i-1": $.Reservations[0].Instances[0] has it too',
    ],
    [
      "an instance's interfaces",
      'ec2/DescribeInstances.json',
      () =>
        normalizeInstances(
          new JsonReader('ec2/DescribeInstances.json', {
            Reservations: [{ Instances: [{ InstanceId: 'i-1', NetworkInterfaces: [eni('eni-1'), eni('eni-1')] }] }],
          }),
        ),
      '$.Reservations[0].Instances[0].NetworkInterfaces[1]: duplicate NetworkInterfaceId "eni-1": $.Reservations[0].Instances[0].NetworkInterfaces[0] has it too',
    ],
  ];
  for (const [what, file, run, message] of cases) {
    it(`refuses two ${what} with one id, naming both paths`, () => expectError(run, `${file}: ${message}`));
  }
});
