import { analyze, type AnalysisRequest } from '../../src/core/analyze.js';
import type { NetworkModel } from '../../src/core/model.js';
import type { Check, CheckId, RemediationAction, Report } from '../../src/core/report.js';
import { modelFromAws } from './model.js';

/**
 * A baseline consumer VPC in AWS CLI JSON (`--output json`, PascalCase as the CLI prints
 * it) where everything allows: VPC 10.0.0.0/16, a client instance in its own subnet
 * (us-east-1a / use1-az1), and an interface endpoint for Secrets Manager with one network
 * interface in each of three endpoint subnets, each subnet in its own AZ and with its own
 * NACL, so that a test can break one path and leave the others. Every builder returns fresh
 * objects: tests mutate them freely, through the helpers below or directly.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export const IDS = {
  vpc: 'vpc-0a1b2c3d4e5f60718',
  endpoint: 'vpce-0123456789abcdef0',
  serviceName: `com.amazonaws.${REGION}.secretsmanager`,
  customerServiceId: 'vpce-svc-0fedcba98765432a1',
  customerServiceName: `com.amazonaws.vpce.${REGION}.vpce-svc-0fedcba98765432a1`,
  gatewayEndpoint: 'vpce-0aa11bb22cc33dd44',
  routeTable: 'rtb-0b1b2b3b4b5b6b7b8',
  clientInstance: 'i-0c1c2c3c4c5c6c7c8',
  clientEni: 'eni-0c1c2c3c4c5c6c7c8',
  clientIp: '10.0.1.25',
  clientIpv6: '2600:1f18:1234:5601::25',
  clientSubnet: 'subnet-0c1c2c3c4c5c6c7c8',
  clientSubnetCidr: '10.0.1.0/24',
  /** The VPC's default NACL; it filters the client subnet. */
  clientNacl: 'acl-0c1c2c3c4c5c6c7c8',
  clientSg: 'sg-0c1c2c3c4c5c6c7c8',
  endpointSg: 'sg-0e1e2e3e4e5e6e7e8',
  /** An idle instance's interface in the client subnet, for an IP-only client elsewhere. */
  otherEni: 'eni-0f9f8f7f6f5f4f3f2',
  vpcCidr: '10.0.0.0/16',
  vpcIpv6Cidr: '2600:1f18:1234:5600::/56',
} as const;

/** The endpoint's three interfaces, one per subnet and AZ, each subnet with its own NACL. */
export const ENDPOINT_PATHS = [
  {
    eni: 'eni-0a0a0a0a0a0a0a0a1',
    subnet: 'subnet-0a0a0a0a0a0a0a0a1',
    nacl: 'acl-0a0a0a0a0a0a0a0a1',
    cidr: '10.0.10.0/24',
    ip: '10.0.10.45',
    ipv6Cidr: '2600:1f18:1234:5610::/64',
    ipv6: '2600:1f18:1234:5610::45',
    az: 'us-east-1a',
    azId: 'use1-az1',
  },
  {
    eni: 'eni-0b0b0b0b0b0b0b0b2',
    subnet: 'subnet-0b0b0b0b0b0b0b0b2',
    nacl: 'acl-0b0b0b0b0b0b0b0b2',
    cidr: '10.0.11.0/24',
    ip: '10.0.11.77',
    ipv6Cidr: '2600:1f18:1234:5611::/64',
    ipv6: '2600:1f18:1234:5611::77',
    az: 'us-east-1b',
    azId: 'use1-az2',
  },
  {
    eni: 'eni-0d0d0d0d0d0d0d0d3',
    subnet: 'subnet-0d0d0d0d0d0d0d0d3',
    nacl: 'acl-0d0d0d0d0d0d0d0d3',
    cidr: '10.0.12.0/24',
    ip: '10.0.12.109',
    ipv6Cidr: '2600:1f18:1234:5612::/64',
    ipv6: '2600:1f18:1234:5612::109',
    az: 'us-east-1c',
    azId: 'use1-az4',
  },
] as const;

export const CLIENT_SUBNET_IPV6_CIDR = '2600:1f18:1234:5601::/64';

// ---------------------------------------------------------------------------------------
// JSON shapes, as the AWS CLI prints them (the fields the tests touch, and then some).

export interface PortRangeJson {
  From: number;
  To: number;
}

export interface NaclEntryJson {
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  Egress: boolean;
  Protocol: string;
  PortRange?: PortRangeJson;
  IcmpTypeCode?: { Code: number; Type: number };
  RuleAction: 'allow' | 'deny';
  RuleNumber: number;
}

export interface NetworkAclJson {
  Associations: { NetworkAclAssociationId: string; NetworkAclId: string; SubnetId: string }[];
  Entries: NaclEntryJson[];
  IsDefault: boolean;
  NetworkAclId: string;
  Tags: { Key: string; Value: string }[];
  VpcId: string;
  OwnerId: string;
}

export interface IpPermissionJson {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges: { CidrIp: string; Description?: string }[];
  Ipv6Ranges: { CidrIpv6: string; Description?: string }[];
  PrefixListIds: { PrefixListId: string; Description?: string }[];
  UserIdGroupPairs: { GroupId: string; UserId?: string; Description?: string }[];
}

export interface SecurityGroupJson {
  Description: string;
  GroupName: string;
  IpPermissions: IpPermissionJson[];
  OwnerId: string;
  GroupId: string;
  IpPermissionsEgress: IpPermissionJson[];
  VpcId: string;
}

export interface NetworkInterfaceJson {
  Attachment?: Record<string, unknown>;
  AvailabilityZone: string;
  Description: string;
  Groups: { GroupName: string; GroupId: string }[];
  InterfaceType: string;
  Ipv6Addresses: { Ipv6Address: string; IsPrimaryIpv6?: boolean }[];
  MacAddress: string;
  NetworkInterfaceId: string;
  OwnerId: string;
  PrivateDnsName: string;
  PrivateIpAddress: string;
  PrivateIpAddresses: { Primary: boolean; PrivateDnsName: string; PrivateIpAddress: string }[];
  RequesterId?: string;
  RequesterManaged: boolean;
  SourceDestCheck: boolean;
  Status: string;
  SubnetId: string;
  TagSet: { Key: string; Value: string }[];
  VpcId: string;
}

export interface SubnetJson {
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  AvailableIpAddressCount: number;
  CidrBlock: string;
  DefaultForAz: boolean;
  MapPublicIpOnLaunch: boolean;
  State: string;
  SubnetId: string;
  VpcId: string;
  OwnerId: string;
  AssignIpv6AddressOnCreation: boolean;
  Ipv6CidrBlockAssociationSet: { AssociationId: string; Ipv6CidrBlock: string; Ipv6CidrBlockState: { State: string } }[];
  SubnetArn: string;
  Ipv6Native: boolean;
}

export interface VpcEndpointJson {
  VpcEndpointId: string;
  VpcEndpointType: string;
  VpcId: string;
  ServiceName: string;
  State: string;
  PolicyDocument?: string;
  RouteTableIds: string[];
  SubnetIds: string[];
  Groups: { GroupId: string; GroupName: string }[];
  IpAddressType: string;
  DnsOptions?: { DnsRecordIpType: string };
  PrivateDnsEnabled: boolean;
  RequesterManaged: boolean;
  NetworkInterfaceIds: string[];
  DnsEntries: { DnsName: string; HostedZoneId: string }[];
  CreationTimestamp: string;
  Tags: { Key: string; Value: string }[];
  OwnerId: string;
}

export interface PrefixListJson {
  PrefixListId: string;
  AddressFamily: string;
  State: string;
  PrefixListArn: string;
  PrefixListName: string;
  MaxEntries: number;
  Version: number;
  Tags: { Key: string; Value: string }[];
  OwnerId: string;
}

/** The documents of one snapshot; an absent one was not captured. */
export interface VpcDocuments {
  DescribeVpcEndpoints?: { VpcEndpoints: VpcEndpointJson[] };
  DescribeNetworkInterfaces?: { NetworkInterfaces: NetworkInterfaceJson[] };
  DescribeSubnets?: { Subnets: SubnetJson[] };
  DescribeNetworkAcls?: { NetworkAcls: NetworkAclJson[] };
  DescribeSecurityGroups?: { SecurityGroups: SecurityGroupJson[] };
  DescribeManagedPrefixLists?: { PrefixLists: PrefixListJson[] };
  GetManagedPrefixListEntries?: Record<string, { Entries: { Cidr: string; Description?: string }[] }>;
}

// ---------------------------------------------------------------------------------------
// Rule builders.

/** A NACL entry. Protocol `6` with a port range by default; `-1` has no PortRange, as AWS prints it. */
export function naclEntry(spec: {
  rule: number;
  egress: boolean;
  action?: 'allow' | 'deny';
  protocol?: '6' | '17' | '-1' | '1';
  ports?: [number, number] | number;
  cidr?: string;
}): NaclEntryJson {
  const protocol = spec.protocol ?? '6';
  const cidr = spec.cidr ?? '0.0.0.0/0';
  const ports = spec.ports === undefined ? [0, 65535] : typeof spec.ports === 'number' ? [spec.ports, spec.ports] : spec.ports;
  return {
    ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    Egress: spec.egress,
    ...(protocol === '-1' ? {} : protocol === '1' ? { IcmpTypeCode: { Code: -1, Type: -1 } } : { PortRange: { From: ports[0]!, To: ports[1]! } }),
    Protocol: protocol,
    RuleAction: spec.action ?? 'allow',
    RuleNumber: spec.rule,
  };
}

/** The default deny entries every NACL ends with: `*` (32767) and, with IPv6, 32768. */
export function defaultDenies(egress: boolean, ipv6 = false): NaclEntryJson[] {
  return [
    naclEntry({ rule: 32767, egress, action: 'deny', protocol: '-1', cidr: '0.0.0.0/0' }),
    ...(ipv6 ? [naclEntry({ rule: 32768, egress, action: 'deny', protocol: '-1', cidr: '::/0' })] : []),
  ];
}

/** A VPC default NACL's entries: allow everything both ways, then the default denies. */
export function allowAllEntries(ipv6 = false): NaclEntryJson[] {
  return [false, true].flatMap((egress) => [
    naclEntry({ rule: 100, egress, protocol: '-1', cidr: '0.0.0.0/0' }),
    ...(ipv6 ? [naclEntry({ rule: 101, egress, protocol: '-1', cidr: '::/0' })] : []),
    ...defaultDenies(egress, ipv6),
  ]);
}

export interface Peers {
  cidrs?: string[];
  ipv6?: string[];
  prefixLists?: string[];
  groups?: string[];
}

function peerLists(peers: Peers): Pick<IpPermissionJson, 'IpRanges' | 'Ipv6Ranges' | 'PrefixListIds' | 'UserIdGroupPairs'> {
  return {
    IpRanges: (peers.cidrs ?? []).map((CidrIp) => ({ CidrIp })),
    Ipv6Ranges: (peers.ipv6 ?? []).map((CidrIpv6) => ({ CidrIpv6 })),
    PrefixListIds: (peers.prefixLists ?? []).map((PrefixListId) => ({ PrefixListId })),
    UserIdGroupPairs: (peers.groups ?? []).map((GroupId) => ({ GroupId, UserId: ACCOUNT })),
  };
}

/** An IpPermission for `protocol` (`tcp`, `6`, `udp`, `17`, `icmp`) on FromPort..ToPort. */
export function permission(protocol: string, from: number, to: number, peers: Peers): IpPermissionJson {
  return { IpProtocol: protocol, FromPort: from, ToPort: to, ...peerLists(peers) };
}

export function tcpPermission(from: number, to: number, peers: Peers): IpPermissionJson {
  return permission('tcp', from, to, peers);
}

/** `-1`: all traffic, with no FromPort/ToPort, as AWS prints it. */
export function allTrafficPermission(peers: Peers): IpPermissionJson {
  return { IpProtocol: '-1', ...peerLists(peers) };
}

// ---------------------------------------------------------------------------------------
// Resource builders.

const mac = (seed: number) => `0e:${seed.toString(16).padStart(2, '0')}:3a:5c:7e:91`;
const dnsName = (ip: string) => `ip-${ip.replaceAll('.', '-')}.ec2.internal`;

function subnetJson(id: string, cidr: string, az: string, azId: string, ipv6Cidr: string | undefined): SubnetJson {
  return {
    AvailabilityZone: az,
    AvailabilityZoneId: azId,
    AvailableIpAddressCount: 249,
    CidrBlock: cidr,
    DefaultForAz: false,
    MapPublicIpOnLaunch: false,
    State: 'available',
    SubnetId: id,
    VpcId: IDS.vpc,
    OwnerId: ACCOUNT,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: ipv6Cidr
      ? [{ AssociationId: `subnet-cidr-assoc-0${id.slice(-16)}`, Ipv6CidrBlock: ipv6Cidr, Ipv6CidrBlockState: { State: 'associated' } }]
      : [],
    SubnetArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${id}`,
    Ipv6Native: false,
  };
}

function eniJson(spec: {
  id: string;
  subnet: string;
  az: string;
  ip: string;
  ipv6?: string;
  groups: { GroupId: string; GroupName: string }[];
  seed: number;
  endpoint?: boolean;
  instanceId?: string;
}): NetworkInterfaceJson {
  return {
    Attachment: spec.endpoint
      ? { AttachmentId: `ela-attach-0${spec.id.slice(-16)}`, DeleteOnTermination: false, DeviceIndex: 1, InstanceOwnerId: 'amazon-aws', Status: 'attached' }
      : {
          AttachTime: '2024-03-11T09:14:02+00:00',
          AttachmentId: `eni-attach-0${spec.id.slice(-16)}`,
          DeleteOnTermination: true,
          DeviceIndex: 0,
          NetworkCardIndex: 0,
          ...(spec.instanceId ? { InstanceId: spec.instanceId } : {}),
          InstanceOwnerId: ACCOUNT,
          Status: 'attached',
        },
    AvailabilityZone: spec.az,
    Description: spec.endpoint ? `VPC Endpoint Interface ${IDS.endpoint}` : '',
    Groups: spec.groups.map((group) => ({ GroupName: group.GroupName, GroupId: group.GroupId })),
    InterfaceType: spec.endpoint ? 'vpc_endpoint' : 'interface',
    Ipv6Addresses: spec.ipv6 ? [{ Ipv6Address: spec.ipv6, IsPrimaryIpv6: false }] : [],
    MacAddress: mac(spec.seed),
    NetworkInterfaceId: spec.id,
    OwnerId: ACCOUNT,
    PrivateDnsName: dnsName(spec.ip),
    PrivateIpAddress: spec.ip,
    PrivateIpAddresses: [{ Primary: true, PrivateDnsName: dnsName(spec.ip), PrivateIpAddress: spec.ip }],
    ...(spec.endpoint ? { RequesterId: '727180483921' } : {}),
    RequesterManaged: spec.endpoint ?? false,
    SourceDestCheck: true,
    Status: 'in-use',
    SubnetId: spec.subnet,
    TagSet: [],
    VpcId: IDS.vpc,
  };
}

function naclJson(id: string, subnetIds: string[], entries: NaclEntryJson[], isDefault: boolean): NetworkAclJson {
  return {
    Associations: subnetIds.map((SubnetId, index) => ({ NetworkAclAssociationId: `aclassoc-0${id.slice(-15)}${index}`, NetworkAclId: id, SubnetId })),
    Entries: entries,
    IsDefault: isDefault,
    NetworkAclId: id,
    Tags: [],
    VpcId: IDS.vpc,
    OwnerId: ACCOUNT,
  };
}

function sgJson(id: string, name: string, ingress: IpPermissionJson[], egress: IpPermissionJson[]): SecurityGroupJson {
  return {
    Description: `${name} security group`,
    GroupName: name,
    IpPermissions: ingress,
    OwnerId: ACCOUNT,
    GroupId: id,
    IpPermissionsEgress: egress,
    VpcId: IDS.vpc,
  };
}

/**
 * Endpoint subnets' NACL: inbound TCP 443 from the VPC, outbound TCP 1024-65535 to the VPC,
 * then the default denies (in the order the CLI prints them: egress entries first).
 */
export function endpointNaclEntries(ipv6 = false): NaclEntryJson[] {
  return [
    naclEntry({ rule: 100, egress: true, ports: [1024, 65535], cidr: IDS.vpcCidr }),
    ...(ipv6 ? [naclEntry({ rule: 101, egress: true, ports: [1024, 65535], cidr: IDS.vpcIpv6Cidr })] : []),
    ...defaultDenies(true, ipv6),
    naclEntry({ rule: 100, egress: false, ports: 443, cidr: IDS.vpcCidr }),
    ...(ipv6 ? [naclEntry({ rule: 101, egress: false, ports: 443, cidr: IDS.vpcIpv6Cidr })] : []),
    ...defaultDenies(false, ipv6),
  ];
}

export interface BaselineOptions {
  /** A dual-stack VPC: IPv6 CIDRs, ENI IPv6 addresses, IPv6 SG ranges and NACL entries. */
  readonly ipv6?: boolean;
}

/** The baseline "everything allows" VPC. */
export function baseline(options: BaselineOptions = {}): VpcDocuments {
  const ipv6 = options.ipv6 ?? false;
  const endpointGroup = { GroupId: IDS.endpointSg, GroupName: 'vpce-secretsmanager' };
  const clientGroup = { GroupId: IDS.clientSg, GroupName: 'app-clients' };
  const subnets = [
    subnetJson(IDS.clientSubnet, IDS.clientSubnetCidr, 'us-east-1a', 'use1-az1', ipv6 ? CLIENT_SUBNET_IPV6_CIDR : undefined),
    ...ENDPOINT_PATHS.map((path) => subnetJson(path.subnet, path.cidr, path.az, path.azId, ipv6 ? path.ipv6Cidr : undefined)),
  ];
  return {
    DescribeVpcEndpoints: {
      VpcEndpoints: [
        {
          VpcEndpointId: IDS.endpoint,
          VpcEndpointType: 'Interface',
          VpcId: IDS.vpc,
          ServiceName: IDS.serviceName,
          State: 'available',
          PolicyDocument:
            '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}',
          RouteTableIds: [],
          SubnetIds: ENDPOINT_PATHS.map((path) => path.subnet),
          Groups: [endpointGroup],
          IpAddressType: ipv6 ? 'dualstack' : 'ipv4',
          DnsOptions: { DnsRecordIpType: ipv6 ? 'dualstack' : 'ipv4' },
          PrivateDnsEnabled: true,
          RequesterManaged: false,
          NetworkInterfaceIds: ENDPOINT_PATHS.map((path) => path.eni),
          DnsEntries: [
            { DnsName: `${IDS.endpoint}-k3l5m2x9.secretsmanager.${REGION}.vpce.amazonaws.com`, HostedZoneId: 'Z7HUB22UULQXV' },
            { DnsName: `secretsmanager.${REGION}.amazonaws.com`, HostedZoneId: 'ZONEIDPENDING' },
          ],
          CreationTimestamp: '2024-03-11T09:21:44.000Z',
          Tags: [],
          OwnerId: ACCOUNT,
        },
      ],
    },
    DescribeNetworkInterfaces: {
      NetworkInterfaces: [
        eniJson({
          id: IDS.clientEni,
          subnet: IDS.clientSubnet,
          az: 'us-east-1a',
          ip: IDS.clientIp,
          ...(ipv6 ? { ipv6: IDS.clientIpv6 } : {}),
          groups: [clientGroup],
          seed: 1,
          instanceId: IDS.clientInstance,
        }),
        ...ENDPOINT_PATHS.map((path, index) =>
          eniJson({
            id: path.eni,
            subnet: path.subnet,
            az: path.az,
            ip: path.ip,
            ...(ipv6 ? { ipv6: path.ipv6 } : {}),
            groups: [endpointGroup],
            seed: 16 + index,
            endpoint: true,
          }),
        ),
      ],
    },
    DescribeSubnets: { Subnets: subnets },
    DescribeNetworkAcls: {
      NetworkAcls: [
        naclJson(IDS.clientNacl, [IDS.clientSubnet], allowAllEntries(ipv6), true),
        ...ENDPOINT_PATHS.map((path) => naclJson(path.nacl, [path.subnet], endpointNaclEntries(ipv6), false)),
      ],
    },
    DescribeSecurityGroups: {
      SecurityGroups: [
        // The client's group: no inbound rule, the AWS default outbound (all traffic).
        sgJson(IDS.clientSg, 'app-clients', [], [allTrafficPermission({ cidrs: ['0.0.0.0/0'], ...(ipv6 ? { ipv6: ['::/0'] } : {}) })]),
        // The endpoint's group: HTTPS from the VPC, the AWS default outbound.
        sgJson(
          IDS.endpointSg,
          'vpce-secretsmanager',
          [tcpPermission(443, 443, { cidrs: [IDS.vpcCidr], ...(ipv6 ? { ipv6: [IDS.vpcIpv6Cidr] } : {}) })],
          [allTrafficPermission({ cidrs: ['0.0.0.0/0'], ...(ipv6 ? { ipv6: ['::/0'] } : {}) })],
        ),
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------
// Accessors and edits.

function found<T>(item: T | undefined, what: string): T {
  if (item === undefined) throw new Error(`fixture: ${what} is not in the documents`);
  return item;
}

export function endpointJson(docs: VpcDocuments, id: string = IDS.endpoint): VpcEndpointJson {
  return found(
    docs.DescribeVpcEndpoints?.VpcEndpoints.find((endpoint) => endpoint.VpcEndpointId === id),
    id,
  );
}

export function eniOf(docs: VpcDocuments, id: string): NetworkInterfaceJson {
  return found(
    docs.DescribeNetworkInterfaces?.NetworkInterfaces.find((eni) => eni.NetworkInterfaceId === id),
    id,
  );
}

export function subnetOf(docs: VpcDocuments, id: string): SubnetJson {
  return found(
    docs.DescribeSubnets?.Subnets.find((subnet) => subnet.SubnetId === id),
    id,
  );
}

export function naclOf(docs: VpcDocuments, id: string): NetworkAclJson {
  return found(
    docs.DescribeNetworkAcls?.NetworkAcls.find((acl) => acl.NetworkAclId === id),
    id,
  );
}

export function securityGroupOf(docs: VpcDocuments, id: string): SecurityGroupJson {
  return found(
    docs.DescribeSecurityGroups?.SecurityGroups.find((group) => group.GroupId === id),
    id,
  );
}

/** Replaces every entry of a NACL (both directions). */
export function setNaclEntries(docs: VpcDocuments, aclId: string, entries: NaclEntryJson[]): VpcDocuments {
  naclOf(docs, aclId).Entries = entries;
  return docs;
}

/** Replaces the entries of one direction of a NACL, keeping the other direction's. */
export function setNaclDirection(docs: VpcDocuments, aclId: string, egress: boolean, entries: NaclEntryJson[]): VpcDocuments {
  const acl = naclOf(docs, aclId);
  acl.Entries = [...acl.Entries.filter((entry) => entry.Egress !== egress), ...entries];
  return docs;
}

export function setIngress(docs: VpcDocuments, groupId: string, permissions: IpPermissionJson[]): VpcDocuments {
  securityGroupOf(docs, groupId).IpPermissions = permissions;
  return docs;
}

export function setEgress(docs: VpcDocuments, groupId: string, permissions: IpPermissionJson[]): VpcDocuments {
  securityGroupOf(docs, groupId).IpPermissionsEgress = permissions;
  return docs;
}

/** Adds a client's network interface (an instance's primary) in a subnet of the baseline, carrying the given groups. */
export function addClientInterface(docs: VpcDocuments, spec: { id: string; subnet: string; ip: string; groups: string[]; seed: number }): VpcDocuments {
  const subnet = subnetOf(docs, spec.subnet);
  found(docs.DescribeNetworkInterfaces, 'DescribeNetworkInterfaces').NetworkInterfaces.push(
    eniJson({
      id: spec.id,
      subnet: spec.subnet,
      az: subnet.AvailabilityZone,
      ip: spec.ip,
      groups: spec.groups.map((GroupId) => ({ GroupId, GroupName: GroupId })),
      seed: spec.seed,
    }),
  );
  return docs;
}

/** Adds a security group to the documents, and attaches it to the given interfaces. */
export function addSecurityGroup(
  docs: VpcDocuments,
  spec: { id: string; name: string; ingress?: IpPermissionJson[]; egress?: IpPermissionJson[]; attachTo?: string[] },
): VpcDocuments {
  found(docs.DescribeSecurityGroups, 'DescribeSecurityGroups').SecurityGroups.push(sgJson(spec.id, spec.name, spec.ingress ?? [], spec.egress ?? []));
  for (const eniId of spec.attachTo ?? []) attachSecurityGroup(docs, eniId, spec.id, spec.name);
  return docs;
}

/** Attaches a group id to an interface, whether or not the group is described. */
export function attachSecurityGroup(docs: VpcDocuments, eniId: string, groupId: string, name = groupId): VpcDocuments {
  eniOf(docs, eniId).Groups.push({ GroupName: name, GroupId: groupId });
  return docs;
}

/**
 * Adds a customer-managed prefix list to DescribeManagedPrefixLists, with its
 * GetManagedPrefixListEntries output unless `entries` is undefined (not captured).
 */
export function addPrefixList(docs: VpcDocuments, id: string, name: string, entries: string[] | undefined): VpcDocuments {
  docs.DescribeManagedPrefixLists ??= { PrefixLists: [] };
  docs.DescribeManagedPrefixLists.PrefixLists.push({
    PrefixListId: id,
    AddressFamily: 'IPv4',
    State: 'create-complete',
    PrefixListArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:prefix-list/${id}`,
    PrefixListName: name,
    MaxEntries: 10,
    Version: 1,
    Tags: [],
    OwnerId: ACCOUNT,
  });
  if (entries) {
    docs.GetManagedPrefixListEntries ??= {};
    docs.GetManagedPrefixListEntries[id] = { Entries: entries.map((Cidr) => ({ Cidr, Description: `${name} ${Cidr}` })) };
  }
  return docs;
}

/**
 * Moves the client's interface into another subnet with a new address (for same-subnet
 * cases), keeping its id, instance and groups.
 */
export function moveClient(docs: VpcDocuments, subnetId: string, ip: string): VpcDocuments {
  const eni = eniOf(docs, IDS.clientEni);
  const subnet = subnetOf(docs, subnetId);
  eni.SubnetId = subnetId;
  eni.AvailabilityZone = subnet.AvailabilityZone;
  eni.PrivateIpAddress = ip;
  eni.PrivateDnsName = dnsName(ip);
  eni.PrivateIpAddresses = [{ Primary: true, PrivateDnsName: dnsName(ip), PrivateIpAddress: ip }];
  return docs;
}

/** A gateway endpoint (S3), as DescribeVpcEndpoints prints one: no subnet, group or interface. */
export function addGatewayEndpoint(docs: VpcDocuments): VpcDocuments {
  found(docs.DescribeVpcEndpoints, 'DescribeVpcEndpoints').VpcEndpoints.push({
    VpcEndpointId: IDS.gatewayEndpoint,
    VpcEndpointType: 'Gateway',
    VpcId: IDS.vpc,
    ServiceName: `com.amazonaws.${REGION}.s3`,
    State: 'available',
    PolicyDocument: '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
    RouteTableIds: [IDS.routeTable],
    SubnetIds: [],
    Groups: [],
    IpAddressType: 'ipv4',
    PrivateDnsEnabled: false,
    RequesterManaged: false,
    NetworkInterfaceIds: [],
    DnsEntries: [],
    CreationTimestamp: '2024-02-02T17:40:11.000Z',
    Tags: [],
    OwnerId: ACCOUNT,
  });
  return docs;
}

/** Drops documents, as a snapshot that did not capture them. */
export function without(docs: VpcDocuments, ...names: (keyof VpcDocuments)[]): VpcDocuments {
  const copy = { ...docs };
  for (const name of names) delete copy[name];
  return copy;
}

export function toModel(docs: VpcDocuments): NetworkModel {
  return modelFromAws(docs);
}

// ---------------------------------------------------------------------------------------
// Report lookups.

/** The checks of one id, for one endpoint interface when given. */
export function checksOf(report: Report, id: CheckId, eniId?: string): Check[] {
  return report.checks.filter((check) => check.id === id && (eniId === undefined || check.scope.networkInterfaceId === eniId));
}

/** The one check of an id (on one interface when given); throws when there is not exactly one. */
export function checkOf(report: Report, id: CheckId, eniId?: string): Check {
  const matches = checksOf(report, id, eniId);
  if (matches.length !== 1) throw new Error(`expected one ${id} check${eniId ? ` on ${eniId}` : ''}, found ${matches.length}`);
  return matches[0]!;
}

/** Status of a check on each endpoint interface, in ENDPOINT_PATHS order. */
export function statusesOf(report: Report, id: CheckId): string[] {
  return ENDPOINT_PATHS.map((path) => checkOf(report, id, path.eni).status);
}

export const CONSUMER_PATH_CHECK_IDS: readonly CheckId[] = [
  'endpoint.sg.inbound',
  'endpoint.nacl.inbound',
  'endpoint.nacl.outbound',
  'client.sg.outbound',
  'client.nacl.outbound',
  'client.nacl.inbound',
];

export const NACL_CHECK_IDS: readonly CheckId[] = ['endpoint.nacl.inbound', 'endpoint.nacl.outbound', 'client.nacl.outbound', 'client.nacl.inbound'];

/** Analyses the documents; the request defaults to the baseline endpoint and the client's ENI. */
export function analyzeDocs(docs: VpcDocuments, request: Partial<AnalysisRequest> = {}): Report {
  return analyze(toModel(docs), { endpointId: IDS.endpoint, client: { eniId: IDS.clientEni }, ...request });
}

/**
 * Applies a remediation action to the documents, as running its CLI command would: a NACL
 * entry or a security group rule is added. Other kinds are refused.
 */
export function applyAction(docs: VpcDocuments, action: RemediationAction): VpcDocuments {
  if (action.kind === 'create-network-acl-entry') {
    naclOf(docs, action.networkAclId).Entries.push(
      naclEntry({
        rule: action.ruleNumber,
        egress: action.egress,
        action: action.ruleAction,
        protocol: action.protocol,
        ports: [action.portRange.from, action.portRange.to],
        cidr: action.cidrBlock,
      }),
    );
    return docs;
  }
  if (action.kind === 'authorize-security-group-ingress' || action.kind === 'authorize-security-group-egress') {
    const group = securityGroupOf(docs, action.securityGroupId);
    const peers: Peers = action.referencedSecurityGroupId
      ? { groups: [action.referencedSecurityGroupId] }
      : action.cidr?.includes(':')
        ? { ipv6: [action.cidr] }
        : { cidrs: [action.cidr ?? ''] };
    const added = tcpPermission(action.fromPort, action.toPort, peers);
    if (action.kind === 'authorize-security-group-ingress') group.IpPermissions.push(added);
    else group.IpPermissionsEgress.push(added);
    return docs;
  }
  throw new Error(`fixture: cannot apply a ${action.kind} action`);
}
