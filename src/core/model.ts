import type { Cidr, IpAddress } from './net.js';
import type { PortRange } from './ports.js';

/**
 * The normalized network model: what the analysis reads, whatever the source (snapshot
 * files or live AWS). Every collection is keyed by AWS id. A collection whose source data
 * was not captured is absent from `captured`, so the checks that need it can say
 * `unknown` instead of guessing.
 */
export type CollectionName =
  | 'vpcEndpoints'
  | 'networkInterfaces'
  | 'subnets'
  | 'networkAcls'
  | 'securityGroups'
  | 'prefixLists'
  | 'instances';

export interface VpcEndpoint {
  readonly id: string;
  readonly type: string;
  readonly state: string;
  readonly serviceName: string;
  readonly vpcId: string;
  readonly ownerId?: string;
  readonly subnetIds: readonly string[];
  readonly networkInterfaceIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly ipAddressType?: string;
  readonly privateDnsEnabled: boolean;
  readonly dnsNames: readonly string[];
}

export interface NetworkInterface {
  readonly id: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone?: string;
  readonly description: string;
  readonly interfaceType?: string;
  readonly status?: string;
  readonly instanceId?: string;
  readonly deviceIndex?: number;
  readonly privateIps: readonly IpAddress[];
  readonly ipv6Addresses: readonly IpAddress[];
  readonly securityGroupIds: readonly string[];
}

export interface Subnet {
  readonly id: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId?: string;
  readonly cidrs: readonly Cidr[];
}

export interface Vpc {
  readonly id: string;
  readonly subnetIds: readonly string[];
}

export type RuleAction = 'allow' | 'deny';

export interface NetworkAclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly action: RuleAction;
  /** AWS protocol number as text: `6` TCP, `17` UDP, `-1` all. */
  readonly protocol: string;
  readonly cidr: Cidr;
  /** Absent when the entry covers every port (protocol `-1`). */
  readonly portRange?: PortRange;
}

export interface NetworkAcl {
  readonly id: string;
  readonly vpcId: string;
  readonly isDefault: boolean;
  readonly subnetIds: readonly string[];
  /** Inbound entries, ascending by rule number. */
  readonly ingress: readonly NetworkAclEntry[];
  /** Outbound entries, ascending by rule number. */
  readonly egress: readonly NetworkAclEntry[];
}

export type SecurityGroupPeer =
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  | { readonly kind: 'prefix-list'; readonly prefixListId: string }
  | { readonly kind: 'security-group'; readonly groupId: string; readonly userId?: string };

/** One peer of one IpPermission: the unit a rule matches and the evidence cites. */
export interface SecurityGroupRule {
  readonly groupId: string;
  readonly direction: 'ingress' | 'egress';
  /** As AWS prints it: `tcp`, `udp`, `icmp`, `-1`, or a protocol number. */
  readonly protocol: string;
  /** Absent when the rule covers every port. */
  readonly portRange?: PortRange;
  readonly peer: SecurityGroupPeer;
  readonly description?: string;
}

export interface SecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly vpcId?: string;
  readonly ingress: readonly SecurityGroupRule[];
  readonly egress: readonly SecurityGroupRule[];
}

export interface PrefixList {
  readonly id: string;
  readonly name?: string;
  /** Absent when the entries were not captured. */
  readonly entries?: readonly Cidr[];
}

export interface Instance {
  readonly id: string;
  readonly subnetId?: string;
  readonly networkInterfaceIds: readonly string[];
}

export interface ModelSource {
  readonly kind: 'snapshot' | 'aws';
  /** Snapshot directory, or `account/region`. */
  readonly location: string;
}

export interface NetworkModelInput {
  readonly source: ModelSource;
  readonly captured: ReadonlySet<CollectionName>;
  readonly endpoints: readonly VpcEndpoint[];
  readonly networkInterfaces: readonly NetworkInterface[];
  readonly subnets: readonly Subnet[];
  readonly networkAcls: readonly NetworkAcl[];
  readonly securityGroups: readonly SecurityGroup[];
  readonly prefixLists: readonly PrefixList[];
  readonly instances: readonly Instance[];
}

export interface NetworkModel {
  readonly source: ModelSource;
  readonly captured: ReadonlySet<CollectionName>;
  readonly endpoints: ReadonlyMap<string, VpcEndpoint>;
  readonly networkInterfaces: ReadonlyMap<string, NetworkInterface>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly vpcs: ReadonlyMap<string, Vpc>;
  readonly networkAcls: ReadonlyMap<string, NetworkAcl>;
  readonly securityGroups: ReadonlyMap<string, SecurityGroup>;
  readonly prefixLists: ReadonlyMap<string, PrefixList>;
  readonly instances: ReadonlyMap<string, Instance>;
  /** Canonical IP text -> the network interface that carries it. */
  readonly interfaceByIp: ReadonlyMap<string, NetworkInterface>;
  /** Subnet id -> the network ACL associated with it. */
  readonly networkAclBySubnet: ReadonlyMap<string, NetworkAcl>;
}

function indexById<T extends { readonly id: string }>(items: readonly T[]): ReadonlyMap<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

/** Builds the indexed, frozen model from normalized collections; every source ends here. */
export function createNetworkModel(input: NetworkModelInput): NetworkModel {
  const interfaceByIp = new Map<string, NetworkInterface>();
  for (const eni of input.networkInterfaces) {
    for (const address of [...eni.privateIps, ...eni.ipv6Addresses]) interfaceByIp.set(address.text, eni);
  }
  const networkAclBySubnet = new Map<string, NetworkAcl>();
  for (const acl of input.networkAcls) {
    for (const subnetId of acl.subnetIds) networkAclBySubnet.set(subnetId, acl);
  }
  const vpcSubnets = new Map<string, string[]>();
  for (const subnet of input.subnets) {
    const ids = vpcSubnets.get(subnet.vpcId) ?? [];
    ids.push(subnet.id);
    vpcSubnets.set(subnet.vpcId, ids);
  }
  const vpcs = new Map<string, Vpc>([...vpcSubnets].map(([id, subnetIds]) => [id, { id, subnetIds }]));
  return Object.freeze({
    source: input.source,
    captured: input.captured,
    endpoints: indexById(input.endpoints),
    networkInterfaces: indexById(input.networkInterfaces),
    subnets: indexById(input.subnets),
    vpcs,
    networkAcls: indexById(input.networkAcls),
    securityGroups: indexById(input.securityGroups),
    prefixLists: indexById(input.prefixLists),
    instances: indexById(input.instances),
    interfaceByIp,
    networkAclBySubnet,
  });
}

/** The VPC default NACL, used for a subnet whose association was not printed. */
export function defaultNetworkAcl(model: NetworkModel, vpcId: string): NetworkAcl | undefined {
  for (const acl of model.networkAcls.values()) if (acl.vpcId === vpcId && acl.isDefault) return acl;
  return undefined;
}
