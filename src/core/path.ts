import { COLLECTIONS } from './collections.js';
import { AnalysisError } from './errors.js';
import { whyMissing, type CollectionName, type NetworkAcl, type NetworkInterface, type NetworkModel, type Subnet, type VpcEndpoint } from './model.js';
import { cidrContains, parseIp, type IpAddress } from './net.js';
import type { ClientLocation } from './report.js';

/** How the caller named the client: at least one of the three. */
export interface ClientSpec {
  readonly ip?: string;
  readonly eniId?: string;
  readonly instanceId?: string;
}

export interface ResolvedClient {
  readonly address: IpAddress;
  readonly location: ClientLocation;
  readonly networkInterface?: NetworkInterface;
  readonly instanceId?: string;
  readonly subnet?: Subnet;
  /** Groups a security group reference can match; undefined when they cannot be known. */
  readonly securityGroupIds: ReadonlySet<string> | undefined;
  readonly note?: string;
}

/** One endpoint network interface, with what each side's rules need to judge it. */
export interface EndpointPath {
  readonly networkInterfaceId: string;
  readonly networkInterface?: NetworkInterface;
  /** The interface's address of the client's family; absent if it has none or is unknown. */
  readonly address?: IpAddress;
  readonly subnet?: Subnet;
  readonly subnetId?: string;
  readonly networkAcl?: NetworkAcl;
  readonly securityGroupIds: readonly string[];
}

export function primaryAddress(eni: NetworkInterface, family: 4 | 6 = 4): IpAddress | undefined {
  return family === 4 ? eni.privateIps[0] : eni.ipv6Addresses[0];
}

function carries(eni: NetworkInterface, address: IpAddress): boolean {
  return [...eni.privateIps, ...eni.ipv6Addresses].some((candidate) => candidate.text === address.text);
}

export function subnetContaining(model: NetworkModel, address: IpAddress): Subnet | undefined {
  for (const subnet of model.subnets.values()) {
    if (subnet.cidrs.some((cidr) => cidrContains(cidr, address))) return subnet;
  }
  return undefined;
}

function fromInterface(model: NetworkModel, eni: NetworkInterface, address: IpAddress, note?: string): ResolvedClient {
  return {
    address,
    location: 'network-interface',
    networkInterface: eni,
    ...(eni.instanceId ? { instanceId: eni.instanceId } : {}),
    ...(model.subnets.has(eni.subnetId) ? { subnet: model.subnets.get(eni.subnetId) } : {}),
    securityGroupIds: new Set(eni.securityGroupIds),
    ...(note ? { note } : {}),
  };
}

/** Why something looked for in a collection may be there after all: the file is one page of several. */
export function truncationNote(model: NetworkModel, name: CollectionName): string | undefined {
  const file = model.truncated.get(name);
  return file ? `${file} holds one page of several (NextToken), so ${COLLECTIONS[name].label} not on it are unknown, not absent` : undefined;
}

function parseClientIp(text: string): IpAddress {
  const address = parseIp(text);
  if (!address) throw new AnalysisError('client_invalid', `client IP "${text}" is not an IPv4 or IPv6 address`, 'client.ip');
  return address;
}

/**
 * The instance's primary network interface: device index 0, from DescribeNetworkInterfaces
 * or DescribeInstances. Never another interface in its place: a secondary one has its own
 * subnet and groups, and would answer for a different client.
 */
export function primaryInterfaceOfInstance(model: NetworkModel, instanceId: string): NetworkInterface | undefined {
  const primary = model.instanceInterfaces.get(instanceId)?.[0];
  return primary?.deviceIndex === 0 ? primary : undefined;
}

function interfaceOfInstance(model: NetworkModel, instanceId: string): NetworkInterface {
  const primary = primaryInterfaceOfInstance(model, instanceId);
  if (primary) return primary;
  const attached = model.instanceInterfaces.get(instanceId) ?? [];
  const truncated = truncationNote(model, 'networkInterfaces') ?? truncationNote(model, 'instances');
  const why =
    attached.length > 0
      ? `the captured data shows ${attached.map((eni) => `${eni.id} (device index ${eni.deviceIndex ?? 'not given'})`).join(', ')}, but not its primary interface (device index 0): capture DescribeInstances, or give the client's ENI or IP`
      : 'has no network interface in the captured data';
  throw new AnalysisError(
    'client_not_found',
    `instance ${instanceId} ${attached.length > 0 ? 'is known, but ' : ''}${why}${truncated ? `; ${truncated}` : ''}`,
    'client.instanceId',
  );
}

/**
 * Resolves the client to its network interface, subnet and groups, as far as the model
 * knows them. Naming something that does not exist is an input error; an IP that is simply
 * not on a known interface is not.
 */
export function resolveClient(model: NetworkModel, spec: ClientSpec): ResolvedClient {
  const ip = spec.ip === undefined ? undefined : parseClientIp(spec.ip);
  let eni: NetworkInterface | undefined;
  if (spec.eniId !== undefined) {
    eni = model.networkInterfaces.get(spec.eniId);
    if (!eni) throw new AnalysisError('client_not_found', `network interface ${spec.eniId} is not in the captured data`, 'client.eniId');
  } else if (spec.instanceId !== undefined) {
    eni = interfaceOfInstance(model, spec.instanceId);
  }
  if (eni) {
    if (ip && !carries(eni, ip)) {
      throw new AnalysisError('client_invalid', `network interface ${eni.id} does not carry the IP ${ip.text}`, 'client.ip');
    }
    const address = ip ?? primaryAddress(eni);
    if (!address) throw new AnalysisError('client_invalid', `network interface ${eni.id} has no private IP`, 'client');
    return fromInterface(model, eni, address);
  }
  if (!ip) throw new AnalysisError('client_invalid', 'give the client as an IP, a network interface id or an instance id', 'client');
  const known = model.interfaceByIp.get(ip.text);
  if (known) return fromInterface(model, known, ip);
  const byPublicIp = model.interfaceByPublicIp.get(ip.text);
  const privateAddress = byPublicIp ? primaryAddress(byPublicIp) : undefined;
  if (byPublicIp && privateAddress) {
    return fromInterface(
      model,
      byPublicIp,
      privateAddress,
      `${ip.text} is the public IP of ${byPublicIp.id}: traffic to the endpoint stays inside AWS and arrives from its private IP ${privateAddress.text}, which is what the endpoint's rules see`,
    );
  }
  if (!model.captured.has('subnets')) {
    return { address: ip, location: 'unknown', securityGroupIds: undefined, note: `${whyMissing(model, 'subnets')}: the client cannot be placed` };
  }
  const subnet = subnetContaining(model, ip);
  if (subnet) {
    return {
      address: ip,
      location: 'subnet',
      subnet,
      securityGroupIds: undefined,
      note: `no network interface with this IP in the captured data; it lies in ${subnet.id}: give the client's ENI to judge its security groups`,
    };
  }
  const truncatedSubnets = truncationNote(model, 'subnets');
  if (truncatedSubnets) {
    return {
      address: ip,
      location: 'unknown',
      securityGroupIds: undefined,
      note: `in no captured subnet, but ${truncatedSubnets}: the client cannot be placed`,
    };
  }
  return {
    address: ip,
    location: 'outside',
    securityGroupIds: new Set(),
    note: 'outside every VPC subnet of the captured data (on-premises or another VPC): its own firewall is not visible here',
  };
}

/**
 * The NACL that filters a subnet: the one whose associations list it. Never the VPC's
 * default by inference: DescribeNetworkAcls lists implicit associations too, so a subnet no
 * captured NACL lists is a capture that is incomplete, and its NACL checks say `unknown`.
 */
export function networkAclOfSubnet(model: NetworkModel, subnetId: string): NetworkAcl | undefined {
  return model.networkAclBySubnet.get(subnetId);
}

/** One path per endpoint network interface, each judged on its own. */
export function endpointPaths(model: NetworkModel, endpoint: VpcEndpoint, client: ResolvedClient): EndpointPath[] {
  return endpoint.networkInterfaceIds.map((networkInterfaceId) => {
    const eni = model.networkInterfaces.get(networkInterfaceId);
    if (!eni) return { networkInterfaceId, securityGroupIds: endpoint.securityGroupIds };
    const subnet = model.subnets.get(eni.subnetId);
    const networkAcl = networkAclOfSubnet(model, eni.subnetId);
    const address = primaryAddress(eni, client.address.family);
    // Field by field: every analysis makes these, and a spread of a new object per optional field costs.
    const path: { -readonly [Field in keyof EndpointPath]: EndpointPath[Field] } = {
      networkInterfaceId,
      networkInterface: eni,
      subnetId: eni.subnetId,
      securityGroupIds: eni.securityGroupIds.length > 0 ? eni.securityGroupIds : endpoint.securityGroupIds,
    };
    if (address) path.address = address;
    if (subnet) path.subnet = subnet;
    if (networkAcl) path.networkAcl = networkAcl;
    return path;
  });
}
