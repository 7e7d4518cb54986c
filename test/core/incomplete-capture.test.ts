import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze.js';
import { AnalysisError } from '../../src/core/errors.js';
import type { Check, CheckId, Report } from '../../src/core/report.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { IDS, cidrs, providerDocuments, tcp, type ProviderKnobs } from '../support/provider-fixture.js';

/**
 * Contract §2b: whatever the data does not say is `unknown`, naming the file and why, never
 * filled in. Each case starts from the complete provider fixture and takes one thing away
 * the way real captures lose it.
 */

type Documents = { -readonly [K in keyof AwsDocuments]: AwsDocuments[K] };

function documents(knobs: ProviderKnobs = {}): Documents {
  return structuredClone(providerDocuments(knobs)) as Documents;
}

function run(docs: AwsDocuments, client: { ip?: string; eniId?: string; instanceId?: string } = { ip: IDS.clientIp }, port = 443): Report {
  return analyze(modelFromAws(docs), { endpointId: IDS.endpoint, client, port });
}

function checksOf(report: Report, id: CheckId): Check[] {
  return report.checks.filter((check) => check.id === id);
}

function statuses(report: Report, id: CheckId): string[] {
  return checksOf(report, id).map((check) => check.status);
}

type Record = { [key: string]: unknown };
const records = (list: unknown[] | undefined): Record[] => (list ?? []) as Record[];

const ENDPOINT_SUBNET_B = 'subnet-0e1e1e1e1e1e1e1b2';

describe('incomplete captures (contract §2b)', () => {
  describe('network ACL associations', () => {
    it('judges a subnet that no captured NACL lists as unknown, never with the default NACL, and says so in dataWarnings', () => {
      const docs = documents();
      // The consumer VPC's default NACL allows everything; drop its association with one endpoint subnet.
      const consumerAcl = records(docs.DescribeNetworkAcls!.NetworkAcls)[0]!;
      consumerAcl['Associations'] = records(consumerAcl['Associations'] as unknown[]).filter((association) => association['SubnetId'] !== ENDPOINT_SUBNET_B);
      const report = run(docs);
      const inbound = checksOf(report, 'endpoint.nacl.inbound');
      assert.deepEqual(
        inbound.map((check) => check.status),
        ['pass', 'unknown'],
      );
      assert.match(inbound[1]!.summary, /no captured network ACL lists subnet-0e1e1e1e1e1e1e1b2/);
      assert.deepEqual(statuses(report, 'endpoint.nacl.outbound'), ['pass', 'unknown']);
      assert.equal(report.verdict, 'unknown');
      const warning = report.dataWarnings.find((item) => item.kind === 'missing-association');
      assert.ok(warning, JSON.stringify(report.dataWarnings));
      assert.match(warning.message, /subnet-0e1e1e1e1e1e1e1b2/);
    });

    it('reads a NACL file with a NextToken as one page: the NACL not on it is unknown (a partial does not turn reachable)', () => {
      const docs = documents();
      // A NACL on the missing page would deny 443 to the second endpoint subnet: the default NACL must not stand in.
      const consumerAcl = records(docs.DescribeNetworkAcls!.NetworkAcls)[0]!;
      consumerAcl['Associations'] = records(consumerAcl['Associations'] as unknown[]).filter((association) => association['SubnetId'] !== ENDPOINT_SUBNET_B);
      (docs.DescribeNetworkAcls as Record)['NextToken'] = 'eyJ2IjoiMiIsImMiOiJ3In0=';
      const report = run(docs);
      assert.deepEqual(statuses(report, 'endpoint.nacl.inbound'), ['pass', 'unknown']);
      assert.match(checksOf(report, 'endpoint.nacl.inbound')[1]!.summary, /one page of several/);
      assert.notEqual(report.verdict, 'reachable');
      const truncated = report.dataWarnings.filter((item) => item.kind === 'truncated');
      assert.deepEqual(
        truncated.map((item) => item.file),
        ['DescribeNetworkAcls.json'],
      );
      // The truncation explains the missing association: no second warning for it.
      assert.equal(report.dataWarnings.filter((item) => item.kind === 'missing-association').length, 0);
    });
  });

  describe('a client IP in no captured subnet', () => {
    it('is outside the VPC when DescribeSubnets is complete, and unknown when it is one page of several', () => {
      const complete = run(documents(), { ip: '10.0.77.7' });
      assert.equal(complete.client.location, 'outside');
      const docs = documents();
      (docs.DescribeSubnets as Record)['NextToken'] = 'token';
      const truncated = run(docs, { ip: '10.0.77.7' });
      assert.equal(truncated.client.location, 'unknown');
      assert.match(truncated.client.note ?? '', /DescribeSubnets\.json holds one page of several/);
      assert.deepEqual(statuses(truncated, 'client.nacl.outbound'), ['unknown', 'unknown']);
      assert.deepEqual(statuses(truncated, 'client.sg.outbound'), ['unknown', 'unknown']);
    });
  });

  describe('prefix list entries', () => {
    it('treats an address missing from a page of entries as unknown, not as denied', () => {
      const docs = documents();
      const endpointSg = records(docs.DescribeSecurityGroups!.SecurityGroups).find((group) => group['GroupId'] === IDS.endpointSg)!;
      endpointSg['IpPermissions'] = [tcp(443, 443, { PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }] })];
      docs.DescribeManagedPrefixLists = { PrefixLists: [{ PrefixListId: 'pl-0123456789abcdef0', PrefixListName: 'corp', AddressFamily: 'IPv4' }] };
      const entries = { Entries: [{ Cidr: '192.168.0.0/16' }] };
      docs.GetManagedPrefixListEntries = { 'pl-0123456789abcdef0': entries };
      assert.deepEqual(statuses(run(docs), 'endpoint.sg.inbound'), ['fail', 'fail']);
      docs.GetManagedPrefixListEntries = { 'pl-0123456789abcdef0': { ...entries, NextToken: 'next' } as typeof entries };
      const report = run(docs);
      assert.deepEqual(statuses(report, 'endpoint.sg.inbound'), ['unknown', 'unknown']);
      assert.match(checksOf(report, 'endpoint.sg.inbound')[0]!.summary, /one page of several/);
      assert.ok(report.dataWarnings.some((item) => item.kind === 'truncated' && item.file === 'GetManagedPrefixListEntries/pl-0123456789abcdef0.json'));
    });
  });

  describe('the enforcement field (contract §2, revised)', () => {
    it('never builds a fail on an assumed default: unknown naming the field, pass when the groups admit the client anyway', () => {
      const denying = run(documents({ nlbSgIngress: [tcp(443, 443, cidrs('10.99.0.0/16'))] }));
      assert.deepEqual(statuses(denying, 'nlb.sg.inbound'), ['unknown', 'unknown']);
      assert.match(checksOf(denying, 'nlb.sg.inbound')[0]!.summary, /EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic/);
      assert.equal(denying.verdict, 'unknown');
      assert.deepEqual(statuses(run(documents({ enforcement: 'on', nlbSgIngress: [tcp(443, 443, cidrs('10.99.0.0/16'))] })), 'nlb.sg.inbound'), [
        'fail',
        'fail',
      ]);
    });
  });

  describe('targets registered in AZ "all"', () => {
    it('serve every AZ, cross-zone load balancing or not', () => {
      const docs = documents({ crossZone: 'false' });
      const group = records(docs.DescribeTargetGroups!.TargetGroups)[0]!;
      group['TargetType'] = 'ip';
      docs.DescribeTargetHealth = {
        [IDS.tgName]: {
          TargetHealthDescriptions: [
            { Target: { Id: '172.31.40.10', Port: 8443, AvailabilityZone: 'all' }, HealthCheckPort: '8443', TargetHealth: { State: 'healthy' } },
          ],
        },
      };
      const report = run(docs);
      assert.deepEqual(statuses(report, 'target.health'), ['pass', 'pass']);
      assert.match(checksOf(report, 'target.health')[0]!.summary, /1 of 1 targets/);
    });
  });

  describe('target health on one page of several', () => {
    it('is unknown, not a failure, when no healthy target is on the captured page', () => {
      const docs = documents({ health: ['unhealthy', 'unhealthy'] });
      assert.deepEqual(statuses(run(docs), 'target.health'), ['fail', 'fail']);
      const health = docs.DescribeTargetHealth![IDS.tgName]! as Record;
      health['NextToken'] = 'more';
      const report = run(docs);
      assert.deepEqual(statuses(report, 'target.health'), ['unknown', 'unknown']);
      assert.match(checksOf(report, 'target.health')[0]!.summary, /one page of several/);
    });
  });

  describe('listeners on one page of several', () => {
    it('leave service.listener unknown when the port is not on the captured page', () => {
      const docs = documents({ listeners: ['80'] });
      docs.DescribeListeners![IDS.lbName]! = { ...docs.DescribeListeners![IDS.lbName]!, NextMarker: 'more' } as { Listeners: unknown[] };
      const report = run(docs);
      assert.deepEqual(statuses(report, 'service.listener'), ['unknown', 'unknown']);
      assert.notEqual(report.verdict, 'blocked');
    });
  });

  describe('provider checks need only the data they judge (contract §2a)', () => {
    it('keeps a failing nlb.sg.inbound failing when listeners and target health were not captured', () => {
      const docs = documents({ enforcement: 'on', nlbSgIngress: [tcp(443, 443, cidrs('10.99.0.0/16'))] });
      delete docs.DescribeListeners;
      delete docs.DescribeTargetHealth;
      const report = run(docs);
      assert.deepEqual(statuses(report, 'nlb.sg.inbound'), ['fail', 'fail']);
      assert.deepEqual(statuses(report, 'target.health'), ['unknown', 'unknown']);
    });

    it('says not_applicable for an NLB without security groups, or with enforcement off, whatever else is missing', () => {
      for (const knobs of [{ nlbSecurityGroups: false }, { enforcement: 'off' as const }]) {
        const docs = documents(knobs);
        delete docs.DescribeListeners;
        delete docs.DescribeTargetHealth;
        const report = run(docs);
        assert.deepEqual(statuses(report, 'nlb.sg.inbound'), ['not_applicable', 'not_applicable'], JSON.stringify(knobs));
      }
      const noGroups = documents({ nlbSecurityGroups: false });
      delete noGroups.DescribeTargetHealth;
      assert.deepEqual(statuses(run(noGroups), 'nlb.sg.outbound'), ['not_applicable', 'not_applicable']);
    });

    it('crosses no NACL between an NLB node and a target in its own subnet, even with that subnet or its NACL not captured', () => {
      const nodeSubnets = ['subnet-0b1b1b1b1b1b1b1a1', 'subnet-0b1b1b1b1b1b1b1b2'];
      const sameSubnetTargets = (knobs: ProviderKnobs) => {
        const docs = documents(knobs);
        const targetEnis = records(docs.DescribeNetworkInterfaces!.NetworkInterfaces).filter((eni) => String(eni['NetworkInterfaceId']).startsWith('eni-0a1a'));
        targetEnis.forEach((eni, index) => {
          eni['SubnetId'] = nodeSubnets[index];
        });
        docs.DescribeNetworkAcls = {
          NetworkAcls: records(docs.DescribeNetworkAcls!.NetworkAcls).filter((acl) => acl['NetworkAclId'] !== 'acl-0b0b0b0b0b0b0b0b0'),
        };
        return docs;
      };
      const aclMissing = run(sameSubnetTargets({}));
      assert.deepEqual(statuses(aclMissing, 'target.nacl.inbound'), ['not_applicable', 'not_applicable']);
      assert.deepEqual(statuses(aclMissing, 'target.nacl.outbound'), ['not_applicable', 'not_applicable']);
      // With cross-zone on, nodes need no AZ match: the subnets themselves may be missing too.
      const docs = sameSubnetTargets({ crossZone: 'true' });
      docs.DescribeSubnets = { Subnets: records(docs.DescribeSubnets!.Subnets).filter((subnet) => !nodeSubnets.includes(String(subnet['SubnetId']))) };
      const report = run(docs);
      const parts = checksOf(report, 'target.nacl.inbound');
      assert.ok(
        parts.every((check) => check.status !== 'pass' && check.status !== 'fail'),
        JSON.stringify(parts.map((check) => check.summary)),
      );
    });
  });

  describe('a client given by instance id', () => {
    function withSecondaryOnly(): Documents {
      const docs = documents();
      const enis = records(docs.DescribeNetworkInterfaces!.NetworkInterfaces);
      // The primary interface is not captured; a secondary one in another subnet is.
      const secondary = { ...enis.find((eni) => eni['NetworkInterfaceId'] === IDS.clientEni)! };
      secondary['NetworkInterfaceId'] = 'eni-0c22c22c22c22c222';
      secondary['PrivateIpAddress'] = '10.0.10.99';
      secondary['PrivateIpAddresses'] = [{ Primary: true, PrivateIpAddress: '10.0.10.99' }];
      secondary['SubnetId'] = 'subnet-0e1e1e1e1e1e1e1a1';
      secondary['Attachment'] = { InstanceId: 'i-0c11c11c11c11c111', DeviceIndex: 1, Status: 'attached' };
      docs.DescribeNetworkInterfaces = { NetworkInterfaces: [...enis.filter((eni) => eni['NetworkInterfaceId'] !== IDS.clientEni), secondary] };
      return docs;
    }

    it('never silently uses a secondary interface when the primary is not captured', () => {
      assert.throws(
        () => run(withSecondaryOnly(), { instanceId: 'i-0c11c11c11c11c111' }),
        (error: unknown) => error instanceof AnalysisError && error.code === 'client_not_found' && /primary interface \(device index 0\)/.test(error.message),
      );
    });

    it('takes the primary interface from DescribeInstances when the interface listing lacks it', () => {
      const docs = withSecondaryOnly();
      docs.DescribeInstances = {
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-0c11c11c11c11c111',
                SubnetId: 'subnet-0c1c1c1c1c1c1c1c1',
                VpcId: 'vpc-0c0c0c0c0c0c0c0c0',
                PrivateIpAddress: IDS.clientIp,
                NetworkInterfaces: [
                  {
                    Attachment: { DeviceIndex: 0, Status: 'attached' },
                    Groups: [{ GroupId: IDS.clientSg, GroupName: 'client' }],
                    Ipv6Addresses: [],
                    NetworkInterfaceId: IDS.clientEni,
                    PrivateIpAddress: IDS.clientIp,
                    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: IDS.clientIp }],
                    SubnetId: 'subnet-0c1c1c1c1c1c1c1c1',
                    VpcId: 'vpc-0c0c0c0c0c0c0c0c0',
                  },
                ],
              },
            ],
          },
        ],
      };
      const report = run(docs, { instanceId: 'i-0c11c11c11c11c111' });
      assert.equal(report.client.networkInterfaceId, IDS.clientEni);
      assert.equal(report.client.ipAddress, IDS.clientIp);
      assert.deepEqual(report.client.securityGroupIds, [IDS.clientSg]);
    });
  });

  describe('a client given by a public IP', () => {
    it('is the interface that carries it, judged by its private IP, and the report says so', () => {
      const docs = documents();
      const client = records(docs.DescribeNetworkInterfaces!.NetworkInterfaces).find((eni) => eni['NetworkInterfaceId'] === IDS.clientEni)!;
      client['Association'] = { IpOwnerId: 'amazon', PublicDnsName: 'ec2-54-210-0-10.compute-1.amazonaws.com', PublicIp: '54.210.0.10' };
      const report = run(docs, { ip: '54.210.0.10' });
      assert.equal(report.client.networkInterfaceId, IDS.clientEni);
      assert.equal(report.client.ipAddress, IDS.clientIp);
      assert.match(report.client.note ?? '', /public IP of eni-0c11c11c11c11c111.*private IP 10\.0\.1\.25/);
      assert.equal(report.verdict, 'reachable');
    });
  });
});
