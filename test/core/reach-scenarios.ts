import fc from 'fast-check';
import { ENDPOINT_PATHS, IDS as B } from '../support/fixtures.js';
import { consumerScenario, type Scenario } from './plan-scenarios.js';

/**
 * Random consumer snapshots for the set question: the fix plan's consumer scenarios
 * (random rules, NACL entries with deny carve-outs, IPv6, prefix lists, group references),
 * plus what makes addresses differ for a point analysis: more interfaces carrying the
 * groups (some with an address outside their own subnet's CIDR), and captures that are
 * incomplete — subnets missing or one page of several, a prefix list's entries one page of
 * several, a NACL association missing, security groups or interfaces not captured.
 */

const OTHER_GROUP = 'sg-0a9a9a9a9a9a9a9a1';
const SUBNETS = [B.clientSubnet, ...ENDPOINT_PATHS.map((path) => path.subnet)];
const ADDRESS_POOL = ['10.0.1.7', '10.0.1.200', '10.0.10.7', '10.0.10.46', '10.0.11.9', '10.0.12.200', '10.0.99.1', '10.0.0.5', '192.168.7.7'];
const IPV6_POOL = ['2600:1f18:1234:5601::7', '2600:1f18:1234:5610::46', '2600:1f18:1234:5699::1'];

interface ExtraInterface {
  readonly subnet: string;
  readonly ip: string;
  readonly ipv6?: string;
  readonly groups: readonly string[];
}

const extraInterface: fc.Arbitrary<ExtraInterface> = fc.record(
  {
    subnet: fc.constantFrom(...SUBNETS),
    ip: fc.constantFrom(...ADDRESS_POOL),
    ipv6: fc.constantFrom(...IPV6_POOL),
    groups: fc.subarray([B.clientSg, B.endpointSg, OTHER_GROUP]),
  },
  { requiredKeys: ['subnet', 'ip', 'groups'] },
);

export interface ReachScenario extends Scenario {
  /** Addresses worth asking about: the pools above, besides the data's own. */
  readonly addresses: readonly string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- AWS CLI documents edited in place, as the other scenario builders do
type Json = Record<string, any>;

export const reachScenario: fc.Arbitrary<ReachScenario> = fc
  .tuple(
    consumerScenario,
    fc.record({
      extra: fc.uniqueArray(extraInterface, { maxLength: 4, selector: (item) => item.ip }),
      subnets: fc.constantFrom('captured', 'captured', 'captured', 'missing', 'truncated', 'truncated-without-client-subnet'),
      prefixListTruncated: fc.boolean(),
      naclAssociationDropped: fc.boolean(),
      securityGroupsMissing: fc.constantFrom(false, false, false, false, false, true),
      interfacesMissing: fc.constantFrom(false, false, false, false, false, false, false, true),
    }),
  )
  .map(([scenario, knobs]): ReachScenario => {
    const documents = structuredClone(scenario.documents) as Json;
    const interfaces: Json[] = documents['DescribeNetworkInterfaces'].NetworkInterfaces;
    const template = interfaces.find((eni) => eni['NetworkInterfaceId'] === B.clientEni)!;
    const taken = new Set(interfaces.flatMap((eni) => (eni['PrivateIpAddresses'] as Json[]).map((item) => item['PrivateIpAddress'])));
    knobs.extra.forEach((spec, index) => {
      if (taken.has(spec.ip)) return;
      const id = `eni-0e0e0e0e0e0e0e0${index}${index}`;
      interfaces.push({
        ...structuredClone(template),
        NetworkInterfaceId: id,
        Attachment: { AttachmentId: `eni-attach-0e0e0e0e0e0e0e0${index}`, DeviceIndex: 0, Status: 'attached', InstanceOwnerId: '123456789012' },
        SubnetId: spec.subnet,
        PrivateIpAddress: spec.ip,
        PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: spec.ip }],
        Ipv6Addresses: spec.ipv6 ? [{ Ipv6Address: spec.ipv6, IsPrimaryIpv6: false }] : [],
        Groups: spec.groups.map((GroupId) => ({ GroupId, GroupName: GroupId })),
      });
    });
    if (knobs.subnets === 'missing') delete documents['DescribeSubnets'];
    if (knobs.subnets.startsWith('truncated')) {
      documents['DescribeSubnets'].NextToken = 'eyJ2IjoxfQ==';
      if (knobs.subnets === 'truncated-without-client-subnet') {
        documents['DescribeSubnets'].Subnets = documents['DescribeSubnets'].Subnets.filter((subnet: Json) => subnet['SubnetId'] !== B.clientSubnet);
      }
    }
    const entries: Json | undefined = documents['GetManagedPrefixListEntries'];
    if (knobs.prefixListTruncated && entries) for (const page of Object.values(entries)) (page as Json)['NextToken'] = 'eyJ2IjoyfQ==';
    if (knobs.naclAssociationDropped) {
      const acl = (documents['DescribeNetworkAcls'].NetworkAcls as Json[]).find((item) => item['NetworkAclId'] === ENDPOINT_PATHS[1].nacl)!;
      acl['Associations'] = [];
    }
    if (knobs.securityGroupsMissing) delete documents['DescribeSecurityGroups'];
    if (knobs.interfacesMissing) delete documents['DescribeNetworkInterfaces'];
    return {
      ...scenario,
      [fc.toStringMethod]: () => `${scenario[fc.toStringMethod]()} with ${JSON.stringify(knobs)}`,
      documents: documents as Scenario['documents'],
      addresses: [...ADDRESS_POOL, ...IPV6_POOL],
    };
  });
