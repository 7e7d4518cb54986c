import { describeUnit, locateEndpointService, regionOfServiceName, type Fleet, type FleetUnit, type LocatedEndpoint } from './fleet.js';
import type { EndpointService, LoadBalancer, NetworkInterface, NetworkModel, Subnet, TargetGroup } from './model.js';
import { memoOf } from './memo.js';
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
  /** Known from the node's interface or DescribeLoadBalancers, even when the subnet itself was not captured. */
  readonly subnetId?: string;
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
  readonly subnetId?: string;
  readonly subnet?: Subnet;
  readonly availabilityZoneId?: string;
  /** Registered with `AvailabilityZone: "all"` (an IP outside the VPC): it serves every AZ, cross-zone or not. */
  readonly servesEveryZone: boolean;
}

export type ProviderView =
  | { readonly kind: 'aws' }
  | { readonly kind: 'not-visible'; readonly reason: string }
  | {
      readonly kind: 'visible';
      /** The provider's data: another account's unit when the join crossed accounts (contract §5). */
      readonly model: NetworkModel;
      readonly unit: FleetUnit;
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
      return [
        {
          address,
          networkInterfaceId: eni.id,
          subnetId: eni.subnetId,
          ...(subnet ? { subnet } : {}),
          ...(subnet?.availabilityZoneId ? { availabilityZoneId: subnet.availabilityZoneId } : {}),
        },
      ];
    });
  }
  // Without its interfaces, the addresses DescribeLoadBalancers prints stand in.
  return loadBalancer.zones.flatMap((zone) => {
    const subnet = zone.subnetId ? model.subnets.get(zone.subnetId) : undefined;
    const availabilityZoneId = subnet?.availabilityZoneId ?? availabilityZoneIdOfName(model, loadBalancer.vpcId, zone.zoneName);
    return zone.privateIpv4Addresses.map((address) => ({
      address,
      ...(zone.subnetId ? { subnetId: zone.subnetId } : {}),
      ...(subnet ? { subnet } : {}),
      ...(availabilityZoneId ? { availabilityZoneId } : {}),
    }));
  });
}

/** Why the provider side is not in the data, as precisely as the data allows. */
function notVisibleReason(fleet: Fleet, consumer: LocatedEndpoint): string {
  const { endpoint, model } = consumer;
  const detail = model.serviceDetailsByName.get(endpoint.serviceName);
  const region = endpoint.serviceRegion ?? consumer.unit.region ?? regionOfServiceName(endpoint.serviceName);
  if (detail?.owner && /^\d{12}$/.test(detail.owner)) {
    const ownerUnit = fleet.units.find((unit) => unit.accountId === detail.owner && (region === undefined || unit.region === region));
    const service = detail.serviceId ?? endpoint.serviceName;
    if (ownerUnit && !ownerUnit.model) {
      return `provider side not visible: endpoint service ${service} belongs to account ${detail.owner}, whose data could not be read (${ownerUnit.key}: ${ownerUnit.failure ?? 'never loaded'})`;
    }
    return `provider side not visible: endpoint service ${service} belongs to account ${detail.owner}, which is not in the data${region ? ` (add ${detail.owner}/${region})` : ''}`;
  }
  if (fleet.units.length > 1) {
    return `${PROVIDER_NOT_VISIBLE} (no unit of the data${region ? ` in ${region}` : ''} has a service configuration for ${endpoint.serviceName})`;
  }
  return `${PROVIDER_NOT_VISIBLE} (no service configuration for ${endpoint.serviceName})`;
}

/**
 * The provider's side of an endpoint: AWS's own, not in the data, or the endpoint service
 * and its NLB, joined across accounts and regions by service name (contract §5). Provider
 * checks read the provider unit's data, consumer checks the consumer's.
 */
export function resolveProvider(fleet: Fleet, consumer: LocatedEndpoint): ProviderView {
  const { endpoint } = consumer;
  if (endpointServiceOwner(endpoint.serviceName) === 'aws') return { kind: 'aws' };
  const located = locateEndpointService(fleet, consumer.unit, endpoint);
  if (!located) return { kind: 'not-visible', reason: notVisibleReason(fleet, consumer) };
  const { service, model } = located;
  const loadBalancer = service.networkLoadBalancerArns.map((arn) => model.loadBalancers.get(arn)).find((lb) => lb !== undefined);
  if (!loadBalancer) {
    const where = located.unit === consumer.unit ? '' : ` of ${describeUnit(located.unit)}`;
    return { kind: 'not-visible', reason: `${PROVIDER_NOT_VISIBLE} (the NLB of ${service.id} is not in the captured data${where})` };
  }
  return {
    kind: 'visible',
    model,
    unit: located.unit,
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
  const subnetId = networkInterface?.subnetId ?? subnet?.id;
  const servesEveryZone = zoneName === 'all';
  const availabilityZoneId =
    subnet?.availabilityZoneId ?? (zoneName && !servesEveryZone ? availabilityZoneIdOfName(model, targetGroup.vpcId, zoneName) : undefined);
  return {
    ...(address ? { address } : {}),
    ...(networkInterface ? { networkInterface } : {}),
    ...(subnetId ? { subnetId } : {}),
    ...(subnet ? { subnet } : {}),
    ...(availabilityZoneId ? { availabilityZoneId } : {}),
    servesEveryZone,
  };
}

/**
 * The registered targets behind a target group; undefined when their health was not captured.
 * Resolved once per target group of a model, in the model's memo: every path and check of
 * every analysis of the model reads the same, and another model sharing the group object
 * (an overlay, another fleet) resolves it against its own instances and interfaces.
 */
export function targetsOf(model: NetworkModel, targetGroup: TargetGroup): ProviderTarget[] | undefined {
  if (!targetGroup.targets) return undefined;
  const resolvedTargets = memoOf(model).targets;
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
