import type { Cidr, IpAddress } from './net.js';
import type { PortRange } from './ports.js';
import type { DataWarning } from './report.js';
import { COLLECTIONS } from './collections.js';
import { withOwnMemo, type ModelMemo } from './memo.js';

/**
 * The normalized network model: what the analysis reads, whatever the source (snapshot
 * files or live AWS). Every collection is keyed by AWS id. A collection whose source data
 * was not captured is absent from `captured`, so the checks that need it can say
 * `unknown` instead of guessing.
 */
/** The collections a model is built from; src/core/collections.ts says where each comes from. */
export type CollectionName =
  | 'vpcEndpoints'
  | 'networkInterfaces'
  | 'subnets'
  | 'networkAcls'
  | 'securityGroups'
  | 'prefixLists'
  | 'instances'
  | 'endpointServices'
  | 'loadBalancers'
  | 'targetGroups'
  | 'prefixListEntries'
  | 'loadBalancerAttributes'
  | 'listeners'
  | 'targetHealth'
  | 'vpcEndpointServices';

export interface VpcEndpoint {
  readonly id: string;
  readonly type: string;
  readonly state: string;
  readonly serviceName: string;
  /** Set for cross-region PrivateLink: the region where the endpoint service runs. */
  readonly serviceRegion?: string;
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
  /** Public IPv4 addresses associated with it (`Association.PublicIp`): traffic from them arrives from its private IP. */
  readonly publicIps?: readonly IpAddress[];
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
  /** True when the entries are one page of several: an address not among them is not known to be absent. */
  readonly entriesTruncated?: boolean;
}

export interface Instance {
  readonly id: string;
  readonly subnetId?: string;
  readonly networkInterfaceIds: readonly string[];
  /** The interfaces as DescribeInstances describes them, with their device index. */
  readonly networkInterfaces?: readonly NetworkInterface[];
}

/** The provider's side: a customer endpoint service and the NLB behind it. */
export interface EndpointService {
  readonly id: string;
  readonly serviceName: string;
  readonly networkLoadBalancerArns: readonly string[];
  readonly acceptanceRequired?: boolean;
  readonly state?: string;
}

/** The consumer's view of a service (DescribeVpcEndpointServices): who owns it, when the provider is not in the data. */
export interface ServiceDetail {
  readonly serviceName: string;
  readonly serviceId?: string;
  /** The provider's account id, or `amazon` for AWS's own services. */
  readonly owner?: string;
}

export interface LoadBalancerZone {
  readonly zoneName: string;
  readonly subnetId?: string;
  readonly privateIpv4Addresses: readonly IpAddress[];
}

export interface Listener {
  readonly arn: string;
  readonly port: number;
  readonly protocol: string;
  readonly targetGroupArns: readonly string[];
}

export interface LoadBalancer {
  readonly arn: string;
  readonly name: string;
  /** The last segment of the ARN, as in the `ELB net/<name>/<id>` ENI descriptions. */
  readonly id: string;
  readonly type: string;
  readonly scheme?: string;
  readonly vpcId?: string;
  readonly zones: readonly LoadBalancerZone[];
  readonly securityGroupIds: readonly string[];
  /** As printed; AWS prints it only for an NLB with security groups, where absent means `on`. */
  readonly enforceInboundRulesOnPrivateLinkTraffic?: string;
  /** `load_balancing.cross_zone.enabled`; absent when the attributes were not captured. */
  readonly crossZoneEnabled?: boolean;
  /** Absent when the listeners were not captured. */
  readonly listeners?: readonly Listener[];
  /** True when the listeners are one page of several. */
  readonly listenersTruncated?: boolean;
}

export interface RegisteredTarget {
  readonly id: string;
  readonly port?: number;
  readonly availabilityZone?: string;
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

export interface TargetGroup {
  readonly arn: string;
  readonly name: string;
  readonly protocol?: string;
  readonly port?: number;
  readonly targetType: string;
  /** A port, or `traffic-port` (the port each target is registered on). */
  readonly healthCheckPort: number | 'traffic-port';
  readonly vpcId?: string;
  readonly loadBalancerArns: readonly string[];
  /** Absent when the target health was not captured. */
  readonly targets?: readonly RegisteredTarget[];
  /** True when the target health is one page of several. */
  readonly targetsTruncated?: boolean;
}

export interface ModelSource {
  readonly kind: 'snapshot' | 'aws';
  /** Snapshot directory, or `account/region`. */
  readonly location: string;
}

/** Normalized collections; one left out is empty (whether captured is `captured`'s word). */
export interface NetworkModelInput {
  readonly source: ModelSource;
  readonly captured: ReadonlySet<CollectionName>;
  /** Why a collection (or part of one) is missing, when the source knows: `missing permission ec2:DescribeNetworkAcls`. */
  readonly failures?: ReadonlyMap<CollectionName, string>;
  /**
   * Collections that hold one page of several (a file with a top-level `NextToken`): what
   * is looked for there and not found is unknown, not absent. Value: the file.
   */
  readonly truncated?: ReadonlyMap<CollectionName, string>;
  /** What the source noticed about its data: truncated pages, empty or unrecognised files. */
  readonly dataWarnings?: readonly DataWarning[];
  readonly endpoints?: readonly VpcEndpoint[];
  readonly networkInterfaces?: readonly NetworkInterface[];
  readonly subnets?: readonly Subnet[];
  readonly networkAcls?: readonly NetworkAcl[];
  readonly securityGroups?: readonly SecurityGroup[];
  readonly prefixLists?: readonly PrefixList[];
  readonly instances?: readonly Instance[];
  readonly endpointServices?: readonly EndpointService[];
  readonly serviceDetails?: readonly ServiceDetail[];
  readonly loadBalancers?: readonly LoadBalancer[];
  readonly targetGroups?: readonly TargetGroup[];
}

export interface NetworkModel {
  readonly source: ModelSource;
  readonly captured: ReadonlySet<CollectionName>;
  readonly failures: ReadonlyMap<CollectionName, string>;
  readonly truncated: ReadonlyMap<CollectionName, string>;
  readonly dataWarnings: readonly DataWarning[];
  readonly endpoints: ReadonlyMap<string, VpcEndpoint>;
  readonly networkInterfaces: ReadonlyMap<string, NetworkInterface>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly vpcs: ReadonlyMap<string, Vpc>;
  readonly networkAcls: ReadonlyMap<string, NetworkAcl>;
  readonly securityGroups: ReadonlyMap<string, SecurityGroup>;
  readonly prefixLists: ReadonlyMap<string, PrefixList>;
  readonly instances: ReadonlyMap<string, Instance>;
  /** Keyed by service name, the field an endpoint names its service by. */
  readonly endpointServicesByName: ReadonlyMap<string, EndpointService>;
  /** Keyed by service name: the consumer side's DescribeVpcEndpointServices, naming each service's owner. */
  readonly serviceDetailsByName: ReadonlyMap<string, ServiceDetail>;
  /** Keyed by ARN. */
  readonly loadBalancers: ReadonlyMap<string, LoadBalancer>;
  /** Keyed by ARN. */
  readonly targetGroups: ReadonlyMap<string, TargetGroup>;
  /** Canonical IP text -> the network interface that carries it. */
  readonly interfaceByIp: ReadonlyMap<string, NetworkInterface>;
  /** Public IPv4 text -> the network interface it is associated with. */
  readonly interfaceByPublicIp: ReadonlyMap<string, NetworkInterface>;
  /** Subnet id -> the network ACL associated with it. */
  readonly networkAclBySubnet: ReadonlyMap<string, NetworkAcl>;
  /** `ELB net/<name>/<id>` -> the NLB's own network interfaces, one per NLB subnet. */
  readonly loadBalancerInterfaces: ReadonlyMap<string, readonly NetworkInterface[]>;
  /**
   * Instance id -> its attached network interfaces by device index, from DescribeNetworkInterfaces
   * and, for interfaces it does not list, from DescribeInstances.
   */
  readonly instanceInterfaces: ReadonlyMap<string, readonly NetworkInterface[]>;
  /**
   * What analyses remember about this model (resolved targets, prefix list sets), this
   * model's alone: set by createNetworkModel, not enumerable, so a model spread from this one
   * does not carry it (see memo.ts).
   */
  readonly memo?: ModelMemo;
}

function indexById<T extends { readonly id: string }>(items: readonly T[]): ReadonlyMap<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

/** Builds the indexed, frozen model from normalized collections; every source ends here. */
export function createNetworkModel(input: NetworkModelInput): NetworkModel {
  const {
    endpoints = [],
    networkInterfaces = [],
    subnets = [],
    networkAcls = [],
    securityGroups = [],
    prefixLists = [],
    instances = [],
    endpointServices = [],
    loadBalancers = [],
    targetGroups = [],
  } = input;
  const interfaceByIp = new Map<string, NetworkInterface>();
  const interfaceByPublicIp = new Map<string, NetworkInterface>();
  const loadBalancerInterfaces = new Map<string, NetworkInterface[]>();
  const instanceInterfaces = new Map<string, NetworkInterface[]>();
  const attach = (eni: NetworkInterface) => {
    if (!eni.instanceId) return;
    const attached = instanceInterfaces.get(eni.instanceId) ?? [];
    if (!attached.some((known) => known.id === eni.id)) attached.push(eni);
    instanceInterfaces.set(eni.instanceId, attached);
  };
  for (const eni of networkInterfaces) {
    attach(eni);
    for (const address of eni.privateIps) interfaceByIp.set(address.text, eni);
    for (const address of eni.ipv6Addresses) interfaceByIp.set(address.text, eni);
    for (const address of eni.publicIps ?? []) interfaceByPublicIp.set(address.text, eni);
    if (eni.description.startsWith('ELB net/')) {
      loadBalancerInterfaces.set(eni.description, [...(loadBalancerInterfaces.get(eni.description) ?? []), eni]);
    }
  }
  // DescribeInstances also says which interface is the primary: it fills in what the
  // interface listing lacks, never replaces it.
  for (const instance of instances) for (const eni of instance.networkInterfaces ?? []) attach(eni);
  const deviceIndexOf = (eni: NetworkInterface) => eni.deviceIndex ?? Number.MAX_SAFE_INTEGER;
  for (const attached of instanceInterfaces.values()) attached.sort((a, b) => deviceIndexOf(a) - deviceIndexOf(b));
  const networkAclBySubnet = new Map<string, NetworkAcl>();
  for (const acl of networkAcls) {
    for (const subnetId of acl.subnetIds) networkAclBySubnet.set(subnetId, acl);
  }
  const dataWarnings = [...(input.dataWarnings ?? []), ...missingAssociations(input, networkAclBySubnet)];
  const vpcSubnets = new Map<string, string[]>();
  for (const subnet of subnets) {
    const ids = vpcSubnets.get(subnet.vpcId) ?? [];
    ids.push(subnet.id);
    vpcSubnets.set(subnet.vpcId, ids);
  }
  return withOwnMemo({
    source: input.source,
    captured: input.captured,
    failures: input.failures ?? new Map(),
    truncated: input.truncated ?? new Map(),
    dataWarnings,
    endpoints: indexById(endpoints),
    networkInterfaces: indexById(networkInterfaces),
    subnets: indexById(subnets),
    vpcs: new Map([...vpcSubnets].map(([id, subnetIds]) => [id, { id, subnetIds }])),
    networkAcls: indexById(networkAcls),
    securityGroups: indexById(securityGroups),
    prefixLists: indexById(prefixLists),
    instances: indexById(instances),
    endpointServicesByName: new Map(endpointServices.map((service) => [service.serviceName, service])),
    serviceDetailsByName: new Map((input.serviceDetails ?? []).map((detail) => [detail.serviceName, detail])),
    loadBalancers: new Map(loadBalancers.map((lb) => [lb.arn, lb])),
    targetGroups: new Map(targetGroups.map((group) => [group.arn, group])),
    interfaceByIp,
    interfaceByPublicIp,
    networkAclBySubnet,
    loadBalancerInterfaces,
    instanceInterfaces,
  });
}

/**
 * Why a collection is not at hand, for a check's summary: the source's own reason (a denied
 * call, a timeout) when it gave one, else that the call's output was not captured.
 */
export function whyMissing(model: NetworkModel, name: CollectionName): string {
  const { label, iamAction: call } = COLLECTIONS[name];
  const failure = model.failures.get(name);
  return failure ? `${label} could not be read: ${failure}` : `${label} were not captured (${call})`;
}

/**
 * Every subnet is associated with exactly one NACL, and DescribeNetworkAcls lists every
 * association (implicit ones too, on the VPC's default NACL): a subnet of the data that no
 * captured NACL lists means the NACL capture is incomplete. Its NACL checks say `unknown`.
 */
function missingAssociations(input: NetworkModelInput, networkAclBySubnet: ReadonlyMap<string, NetworkAcl>): DataWarning[] {
  if (!input.captured.has('networkAcls') || input.truncated?.has('networkAcls')) return [];
  const subnetIds = new Set<string>();
  for (const subnet of input.subnets ?? []) subnetIds.add(subnet.id);
  for (const eni of input.networkInterfaces ?? []) subnetIds.add(eni.subnetId);
  const missing = [...subnetIds].filter((id) => !networkAclBySubnet.has(id)).sort();
  if (missing.length === 0) return [];
  const shown = missing.slice(0, 10).join(', ');
  return [
    {
      kind: 'missing-association',
      message: `no captured network ACL lists ${missing.length === 1 ? 'the subnet' : `${missing.length} subnets:`} ${shown}${missing.length > 10 ? ', …' : ''}: DescribeNetworkAcls lists every association (implicit ones on the default NACL too), so the capture is incomplete; their NACL checks are unknown`,
    },
  ];
}
