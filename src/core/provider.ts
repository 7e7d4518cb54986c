import type { EndpointService, LoadBalancer, NetworkInterface, NetworkModel, Subnet, TargetGroup, VpcEndpoint } from './model.js';
import { parseIp, type IpAddress } from './net.js';
import { primaryAddress, primaryInterfaceOfInstance, subnetContaining } from './path.js';
import { endpointServiceOwner } from './service.js';

/**
 * The provider's side of one endpoint, as far as the model shows it: the endpoint service,
 * its NLB, the NLB's nodes (their private IPs are the source every target sees) and the
 * targets behind each listener.
 */

export interface LoadBalancerNode {
  readonly address: IpAddress;
  readonly networkInterfaceId?: string;
  readonly subnet?: Subnet;
  readonly availabilityZoneId?: string;
}

export interface ProviderTarget {
  readonly id: string;
  readonly targetGroup: TargetGroup;
  readonly port: number;
  readonly healthCheckPort: number;
  readonly state: string;
  readonly reason?: string;
  readonly address?: IpAddress;
  readonly networkInterface?: NetworkInterface;
  readonly subnet?: Subnet;
  readonly availabilityZoneId?: string;
}

export type ProviderView =
  | { readonly kind: 'aws' }
  | { readonly kind: 'not-visible'; readonly reason: string }
  | {
      readonly kind: 'visible';
      readonly service: EndpointService;
      readonly loadBalancer: LoadBalancer;
      readonly nodes: readonly LoadBalancerNode[];
      readonly crossZoneEnabled: boolean;
      /** True when the attribute was not captured and the NLB default (off) stands in. */
      readonly crossZoneAssumed: boolean;
    };

export const PROVIDER_NOT_VISIBLE = "provider side not visible: analyse with the provider account's snapshot";

/** Listener protocols that carry a TCP connection to a PrivateLink client. */
export const TCP_LISTENER_PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'TLS', 'TCP_UDP']);

function availabilityZoneIdOfName(model: NetworkModel, vpcId: string | undefined, zoneName: string): string | undefined {
  for (const subnet of model.subnets.values()) {
    if (subnet.availabilityZone === zoneName && (vpcId === undefined || subnet.vpcId === vpcId) && subnet.availabilityZoneId) {
      return subnet.availabilityZoneId;
    }
  }
  return undefined;
}

function loadBalancerNodes(model: NetworkModel, loadBalancer: LoadBalancer): LoadBalancerNode[] {
  const interfaces = model.loadBalancerInterfaces.get(`ELB net/${loadBalancer.name}/${loadBalancer.id}`) ?? [];
  if (interfaces.length > 0) {
    return interfaces.flatMap((eni) => {
      const address = primaryAddress(eni);
      if (!address) return [];
      const subnet = model.subnets.get(eni.subnetId);
      return [{ address, networkInterfaceId: eni.id, ...(subnet ? { subnet } : {}), ...(subnet?.availabilityZoneId ? { availabilityZoneId: subnet.availabilityZoneId } : {}) }];
    });
  }
  // Without its interfaces, the addresses DescribeLoadBalancers prints stand in.
  return loadBalancer.zones.flatMap((zone) => {
    const subnet = zone.subnetId ? model.subnets.get(zone.subnetId) : undefined;
    const availabilityZoneId = subnet?.availabilityZoneId ?? availabilityZoneIdOfName(model, loadBalancer.vpcId, zone.zoneName);
    return zone.privateIpv4Addresses.map((address) => ({ address, ...(subnet ? { subnet } : {}), ...(availabilityZoneId ? { availabilityZoneId } : {}) }));
  });
}

export function resolveProvider(model: NetworkModel, endpoint: VpcEndpoint): ProviderView {
  if (endpointServiceOwner(endpoint.serviceName) === 'aws') return { kind: 'aws' };
  const service = model.endpointServicesByName.get(endpoint.serviceName);
  if (!service) return { kind: 'not-visible', reason: `${PROVIDER_NOT_VISIBLE} (no service configuration for ${endpoint.serviceName})` };
  const loadBalancer = service.networkLoadBalancerArns.map((arn) => model.loadBalancers.get(arn)).find((lb) => lb !== undefined);
  if (!loadBalancer) {
    return { kind: 'not-visible', reason: `${PROVIDER_NOT_VISIBLE} (the NLB of ${service.id} is not in the captured data)` };
  }
  return {
    kind: 'visible',
    service,
    loadBalancer,
    nodes: loadBalancerNodes(model, loadBalancer),
    crossZoneEnabled: loadBalancer.crossZoneEnabled ?? false,
    crossZoneAssumed: loadBalancer.crossZoneEnabled === undefined,
  };
}

/** The ports a visible service listens on for TCP, for requests that name none. */
export function listenerPorts(provider: ProviderView): number[] {
  if (provider.kind !== 'visible' || !provider.loadBalancer.listeners) return [];
  const ports = provider.loadBalancer.listeners.filter((listener) => TCP_LISTENER_PROTOCOLS.has(listener.protocol)).map((listener) => listener.port);
  return [...new Set(ports)].sort((a, b) => a - b);
}

function resolveTargetLocation(model: NetworkModel, targetGroup: TargetGroup, id: string, zoneName: string | undefined) {
  let networkInterface: NetworkInterface | undefined;
  let address: IpAddress | undefined;
  if (targetGroup.targetType === 'instance') {
    networkInterface = primaryInterfaceOfInstance(model, id);
    address = networkInterface ? primaryAddress(networkInterface) : undefined;
  } else if (targetGroup.targetType === 'ip') {
    address = parseIp(id);
    networkInterface = address ? model.interfaceByIp.get(address.text) : undefined;
  }
  const subnet = networkInterface ? model.subnets.get(networkInterface.subnetId) : address ? subnetContaining(model, address) : undefined;
  const availabilityZoneId =
    subnet?.availabilityZoneId ?? (zoneName && zoneName !== 'all' ? availabilityZoneIdOfName(model, targetGroup.vpcId, zoneName) : undefined);
  return {
    ...(address ? { address } : {}),
    ...(networkInterface ? { networkInterface } : {}),
    ...(subnet ? { subnet } : {}),
    ...(availabilityZoneId ? { availabilityZoneId } : {}),
  };
}

/** Resolved once per target group of a model: every path and check of every analysis reads the same. */
const resolvedTargets = new WeakMap<TargetGroup, ProviderTarget[]>();

/** The registered targets behind a target group; undefined when their health was not captured. */
export function targetsOf(model: NetworkModel, targetGroup: TargetGroup): ProviderTarget[] | undefined {
  if (!targetGroup.targets) return undefined;
  const known = resolvedTargets.get(targetGroup);
  if (known) return known;
  const targets = targetGroup.targets.map((target) => {
    const port = target.port ?? targetGroup.port ?? 0;
    return {
      id: target.id,
      targetGroup,
      port,
      healthCheckPort: targetGroup.healthCheckPort === 'traffic-port' ? port : targetGroup.healthCheckPort,
      state: target.state,
      ...(target.reason ? { reason: target.reason } : {}),
      ...resolveTargetLocation(model, targetGroup, target.id, target.availabilityZone),
    };
  });
  resolvedTargets.set(targetGroup, targets);
  return targets;
}
