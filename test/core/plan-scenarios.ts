import fc from 'fast-check';
import type { AnalysisRequest } from '../../src/core/analyze.js';
import type { FixScope } from '../../src/core/report.js';
import {
  ACCOUNT,
  CLIENT_SUBNET_IPV6_CIDR,
  ENDPOINT_PATHS,
  IDS as B,
  REGION,
  addPrefixList,
  baseline,
  defaultDenies,
  moveClient,
  naclEntry,
  type NaclEntryJson,
} from '../support/fixtures.js';
import { IDS as P, providerDocuments, type ProviderKnobs } from '../support/provider-fixture.js';
import type { Documents } from './plan-support.js';

/**
 * Random scenarios in AWS CLI JSON for the fix plan and what-if properties: a consumer VPC
 * (test/support/fixtures.ts, optionally dual-stack) and a consumer plus visible provider
 * (test/support/provider-fixture.ts), with random security group rules (CIDRs, IPv6,
 * prefix lists, group references), NACL entries with deny carve-outs, clients given by
 * interface, instance or address, and provider knobs.
 */

export interface Scenario {
  /** What fast-check prints for a counterexample: the knobs, not the documents they made. */
  readonly [fc.toStringMethod]: () => string;
  readonly label: string;
  readonly documents: Documents;
  readonly request: AnalysisRequest;
  readonly unit: { readonly accountId: string; readonly region: string };
  readonly family: 'consumer' | 'provider';
}

const PL_VPC = 'pl-0a0a0a0a0a0a0a0a1';
const PL_OTHER = 'pl-0b0b0b0b0b0b0b0b2';
const PL_UNCAPTURED = 'pl-0c0c0c0c0c0c0c0c3';
const PL_VPC6 = 'pl-0d0d0d0d0d0d0d0d4';
const MISSING_GROUP = 'sg-0fffffffffffffff1';

type Peer = { cidr: string } | { ipv6: string } | { prefixList: string } | { group: string };

interface PermissionSpec {
  readonly protocol: string;
  readonly ports: readonly [number, number];
  readonly peers: readonly Peer[];
}

/** An IpPermission as the AWS CLI prints it. */
export function permissionJson(spec: PermissionSpec, account: string): Record<string, unknown> {
  const unique = <T>(list: T[]) => [...new Set(list)];
  const ports = spec.protocol === '-1' ? {} : { FromPort: spec.ports[0], ToPort: spec.ports[1] };
  return {
    IpProtocol: spec.protocol,
    ...ports,
    IpRanges: unique(spec.peers.flatMap((peer) => ('cidr' in peer ? [peer.cidr] : []))).map((CidrIp) => ({ CidrIp, Description: `peer ${CidrIp}` })),
    Ipv6Ranges: unique(spec.peers.flatMap((peer) => ('ipv6' in peer ? [peer.ipv6] : []))).map((CidrIpv6) => ({ CidrIpv6 })),
    PrefixListIds: unique(spec.peers.flatMap((peer) => ('prefixList' in peer ? [peer.prefixList] : []))).map((PrefixListId) => ({ PrefixListId })),
    UserIdGroupPairs: unique(spec.peers.flatMap((peer) => ('group' in peer ? [peer.group] : []))).map((GroupId) => ({ GroupId, UserId: account })),
  };
}

function permissions(peer: fc.Arbitrary<Peer>, portChoices: readonly (readonly [number, number])[]): fc.Arbitrary<PermissionSpec[]> {
  const spec: fc.Arbitrary<PermissionSpec> = fc.record({
    protocol: fc.constantFrom('tcp', 'tcp', 'tcp', '-1', 'udp'),
    ports: fc.constantFrom(...portChoices),
    peers: fc.array(peer, { minLength: 1, maxLength: 2 }),
  });
  return fc.array(spec, { maxLength: 3 });
}

interface EntrySpec {
  readonly rule: number;
  readonly egress: boolean;
  readonly action: 'allow' | 'deny';
  readonly protocol: '6' | '17' | '-1';
  readonly ports: readonly [number, number];
  readonly cidr: string;
}

const RULE_NUMBERS = fc.oneof(fc.constantFrom(1, 2, 5, 9, 10, 11, 50, 90, 99, 100, 101, 110, 200, 32766), fc.integer({ min: 1, max: 300 }));

/** NACL entries (both directions), rule numbers unique, then the default denies. */
function naclEntries(cidrs: readonly string[], portChoices: readonly (readonly [number, number])[], ipv6: boolean): fc.Arbitrary<NaclEntryJson[]> {
  const entry = (rule: number): fc.Arbitrary<EntrySpec> =>
    fc.record({
      rule: fc.constant(rule),
      egress: fc.boolean(),
      action: fc.constantFrom('allow' as const, 'allow' as const, 'deny' as const),
      protocol: fc.constantFrom('6' as const, '6' as const, '-1' as const, '17' as const),
      ports: fc.constantFrom(...portChoices),
      cidr: fc.constantFrom(...cidrs),
    });
  return fc
    .uniqueArray(RULE_NUMBERS, { maxLength: 6 })
    .chain((numbers) => fc.tuple(...numbers.map(entry)))
    .map((specs) => [
      ...specs.map((spec) =>
        naclEntry({
          rule: spec.rule,
          egress: spec.egress,
          action: spec.action,
          protocol: spec.protocol,
          ports: [spec.ports[0], spec.ports[1]],
          cidr: spec.cidr,
        }),
      ),
      ...defaultDenies(false, ipv6),
      ...defaultDenies(true, ipv6),
    ]);
}

/** Left as the fixture has it (everything allows) one time in two. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

const SCOPE: fc.Arbitrary<FixScope> = fc.constantFrom('client', 'subnet', 'vpc');

// ----------------------------------------------------------------------------- the consumer VPC

const CONSUMER_V4 = [
  '0.0.0.0/0',
  '10.0.0.0/16',
  '10.0.0.0/8',
  '10.0.1.0/24',
  '10.0.1.25/32',
  '10.0.10.0/24',
  '10.0.11.0/24',
  '10.0.10.0/23',
  '10.0.10.45/32',
  '192.168.0.0/16',
];
const CONSUMER_V6 = ['::/0', B.vpcIpv6Cidr, CLIENT_SUBNET_IPV6_CIDR, `${B.clientIpv6}/128`, ENDPOINT_PATHS[0].ipv6Cidr, `${ENDPOINT_PATHS[1].ipv6}/128`];
const CONSUMER_PORTS: readonly (readonly [number, number])[] = [
  [443, 443],
  [0, 65535],
  [1024, 65535],
  [32768, 65535],
  [1024, 32767],
  [80, 80],
  [400, 500],
];

function consumerPeer(ipv6: boolean): fc.Arbitrary<Peer> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...CONSUMER_V4).map((cidr) => ({ cidr })) },
    { weight: ipv6 ? 3 : 0, arbitrary: fc.constantFrom(...CONSUMER_V6).map((cidr) => ({ ipv6: cidr })) },
    { weight: 1, arbitrary: fc.constantFrom(PL_VPC, PL_OTHER, PL_UNCAPTURED, PL_VPC6).map((prefixList) => ({ prefixList })) },
    { weight: 2, arbitrary: fc.constantFrom<string>(B.clientSg, B.endpointSg, MISSING_GROUP).map((group) => ({ group })) },
  );
}

type ClientChoice = 'eni' | 'instance' | 'ipv4' | 'ipv6' | 'ip-without-eni' | 'moved-into-endpoint-subnet';

export const consumerScenario: fc.Arbitrary<Scenario> = fc.boolean().chain((ipv6) =>
  fc
    .record({
      client: fc.constantFrom<ClientChoice>(
        ...(ipv6 ? (['eni', 'ipv6', 'ipv6', 'ipv4'] as const) : (['eni', 'instance', 'ipv4', 'ip-without-eni', 'moved-into-endpoint-subnet'] as const)),
      ),
      clientEgress: fc.option(permissions(consumerPeer(ipv6), CONSUMER_PORTS), { nil: undefined, freq: 2 }),
      endpointIngress: fc.option(permissions(consumerPeer(ipv6), CONSUMER_PORTS), { nil: undefined, freq: 2 }),
      clientNacl: sometimes(naclEntries([...CONSUMER_V4, ...(ipv6 ? CONSUMER_V6 : [])], CONSUMER_PORTS, ipv6)),
      endpointNacls: fc.tuple(...ENDPOINT_PATHS.map(() => sometimes(naclEntries([...CONSUMER_V4, ...(ipv6 ? CONSUMER_V6 : [])], CONSUMER_PORTS, ipv6)))),
      prefixListsCaptured: fc.boolean(),
      fixScope: SCOPE,
    })
    .map((knobs): Scenario => {
      const documents = baseline({ ipv6 });
      let clientIp: string = B.clientIp;
      if (knobs.client === 'moved-into-endpoint-subnet') {
        clientIp = '10.0.10.99';
        moveClient(documents, ENDPOINT_PATHS[0].subnet, clientIp);
      }
      if (knobs.prefixListsCaptured) {
        addPrefixList(documents, PL_VPC, 'vpc', ['10.0.0.0/16']);
        addPrefixList(documents, PL_OTHER, 'elsewhere', ['192.168.0.0/16']);
        addPrefixList(documents, PL_UNCAPTURED, 'entries not captured', undefined);
        addPrefixList(documents, PL_VPC6, 'vpc v6', [B.vpcIpv6Cidr]);
      }
      const groups = documents.DescribeSecurityGroups!.SecurityGroups;
      const clientGroup = groups.find((group) => group.GroupId === B.clientSg)!;
      const endpointGroup = groups.find((group) => group.GroupId === B.endpointSg)!;
      if (knobs.clientEgress) clientGroup.IpPermissionsEgress = knobs.clientEgress.map((spec) => permissionJson(spec, ACCOUNT)) as never;
      if (knobs.endpointIngress) endpointGroup.IpPermissions = knobs.endpointIngress.map((spec) => permissionJson(spec, ACCOUNT)) as never;
      const acls = documents.DescribeNetworkAcls!.NetworkAcls;
      if (knobs.clientNacl) acls.find((acl) => acl.NetworkAclId === B.clientNacl)!.Entries = knobs.clientNacl;
      knobs.endpointNacls.forEach((entries, index) => {
        if (entries) acls.find((acl) => acl.NetworkAclId === ENDPOINT_PATHS[index]!.nacl)!.Entries = entries;
      });
      const client: AnalysisRequest['client'] =
        knobs.client === 'eni'
          ? { eniId: B.clientEni }
          : knobs.client === 'instance'
            ? { instanceId: B.clientInstance }
            : knobs.client === 'ipv6'
              ? { ip: B.clientIpv6 }
              : knobs.client === 'ip-without-eni'
                ? { ip: '10.0.1.77' }
                : { ip: clientIp };
      return {
        [fc.toStringMethod]: () => `consumer scenario ${JSON.stringify({ ipv6, ...knobs })}`,
        label: `consumer ${JSON.stringify({ ipv6, client: knobs.client, scope: knobs.fixScope })}`,
        documents: documents as unknown as Documents,
        request: { endpointId: B.endpoint, client, fixScope: knobs.fixScope },
        unit: { accountId: ACCOUNT, region: REGION },
        family: 'consumer',
      };
    }),
);

// ----------------------------------------------------------------------------- consumer and provider

const PROVIDER_ACCOUNT = '111122223333';
const PROVIDER_V4 = [
  '0.0.0.0/0',
  '10.0.0.0/16',
  '10.0.1.0/24',
  '10.0.1.25/32',
  '10.20.0.0/16',
  '10.20.1.0/24',
  '10.20.2.0/24',
  '10.20.1.50/32',
  '10.20.11.0/24',
  '192.168.0.0/16',
];
const PROVIDER_PORTS: readonly (readonly [number, number])[] = [
  [443, 443],
  [8443, 8443],
  [0, 65535],
  [1024, 65535],
  [8000, 9000],
  [1024, 32767],
];
const providerPeer: fc.Arbitrary<Peer> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROVIDER_V4).map((cidr) => ({ cidr })) },
  { weight: 2, arbitrary: fc.constantFrom<string>(P.lbSg, P.targetSg, P.clientSg).map((group) => ({ group })) },
);

export const providerScenario: fc.Arbitrary<Scenario> = fc
  .record({
    enforcement: fc.constantFrom<ProviderKnobs['enforcement']>(undefined, 'on', 'off'),
    nlbSecurityGroups: fc.constantFrom(true, true, false),
    nlbSgIngress: fc.option(permissions(providerPeer, PROVIDER_PORTS), { nil: undefined, freq: 2 }),
    targetSgIngress: fc.option(permissions(providerPeer, PROVIDER_PORTS), { nil: undefined, freq: 2 }),
    targetNaclEntries: sometimes(naclEntries(PROVIDER_V4, PROVIDER_PORTS, false)),
    consumerNacl: sometimes(naclEntries(PROVIDER_V4, PROVIDER_PORTS, false)),
    clientEgress: fc.option(permissions(providerPeer, PROVIDER_PORTS), { nil: undefined, freq: 2 }),
    crossZone: fc.constantFrom<NonNullable<ProviderKnobs['crossZone']>>('true', 'false', 'omit'),
    health: fc.tuple(fc.constantFrom('healthy', 'healthy', 'unhealthy'), fc.constantFrom('healthy', 'healthy', 'unhealthy')),
    swapProviderAzNames: fc.boolean(),
    targetPort: fc.constantFrom(8443, 8443, 443),
    fixScope: SCOPE,
  })
  .map((knobs): Scenario => {
    const documents = providerDocuments({
      enforcement: knobs.enforcement,
      nlbSecurityGroups: knobs.nlbSecurityGroups,
      ...(knobs.nlbSgIngress ? { nlbSgIngress: knobs.nlbSgIngress.map((spec) => permissionJson(spec, PROVIDER_ACCOUNT)) } : {}),
      ...(knobs.targetSgIngress ? { targetSgIngress: knobs.targetSgIngress.map((spec) => permissionJson(spec, PROVIDER_ACCOUNT)) } : {}),
      ...(knobs.targetNaclEntries ? { targetNaclEntries: knobs.targetNaclEntries } : {}),
      crossZone: knobs.crossZone,
      health: knobs.health as [string, string],
      swapProviderAzNames: knobs.swapProviderAzNames,
      targetPort: knobs.targetPort,
    }) as unknown as Documents;
    if (knobs.consumerNacl) {
      const acl = documents['DescribeNetworkAcls'].NetworkAcls.find(
        (candidate: { NetworkAclId: string }) => candidate.NetworkAclId === 'acl-0c0c0c0c0c0c0c0c0',
      );
      acl.Entries = knobs.consumerNacl;
    }
    if (knobs.clientEgress) {
      const group = documents['DescribeSecurityGroups'].SecurityGroups.find((candidate: { GroupId: string }) => candidate.GroupId === P.clientSg);
      group.IpPermissionsEgress = knobs.clientEgress.map((spec) => permissionJson(spec, PROVIDER_ACCOUNT));
    }
    return {
      [fc.toStringMethod]: () => `provider scenario ${JSON.stringify(knobs)}`,
      label: `provider ${JSON.stringify({ scope: knobs.fixScope, enforcement: knobs.enforcement, crossZone: knobs.crossZone, health: knobs.health })}`,
      documents,
      request: { endpointId: P.endpoint, client: { ip: P.clientIp }, port: 443, fixScope: knobs.fixScope },
      unit: { accountId: PROVIDER_ACCOUNT, region: 'us-east-1' },
      family: 'provider',
    };
  });

export const anyScenario: fc.Arbitrary<Scenario> = fc.oneof(consumerScenario, providerScenario);
