import type { NetworkInterface, NetworkModel } from './model.js';

/** The clients of the data: every network interface that is not an endpoint's or a load balancer's. */

function isEndpointOrLoadBalancerInterface(eni: NetworkInterface, endpointInterfaces: ReadonlySet<string>): boolean {
  if (endpointInterfaces.has(eni.id)) return true;
  const type = eni.interfaceType?.toLowerCase();
  return type === 'vpc_endpoint' || type === 'network_load_balancer' || type === 'gateway_load_balancer' || eni.description.startsWith('ELB ');
}

/** The clients of each VPC: its network interfaces with an address, not those of endpoints or load balancers. */
export function clientInterfaces(model: NetworkModel): Map<string, NetworkInterface[]> {
  const endpointInterfaces = new Set<string>();
  for (const endpoint of model.endpoints.values()) for (const id of endpoint.networkInterfaceIds) endpointInterfaces.add(id);
  const byVpc = new Map<string, NetworkInterface[]>();
  for (const eni of model.networkInterfaces.values()) {
    if (isEndpointOrLoadBalancerInterface(eni, endpointInterfaces)) continue;
    if (eni.privateIps.length === 0 && eni.ipv6Addresses.length === 0) continue;
    const list = byVpc.get(eni.vpcId);
    if (list) list.push(eni);
    else byVpc.set(eni.vpcId, [eni]);
  }
  return byVpc;
}

/** A client of an endpoint's VPC, as a person picks one: its interface, addresses and instance. */
export interface ClientSuggestion {
  readonly networkInterfaceId: string;
  readonly ipAddresses: string[];
  readonly instanceId?: string;
  readonly subnetId: string;
  readonly description: string;
}

/** The clients in a VPC of the model (not endpoints, not load balancers), sorted by interface id. */
export function clientSuggestions(model: NetworkModel, vpcId: string): ClientSuggestion[] {
  return (clientInterfaces(model).get(vpcId) ?? [])
    .map((eni) => ({
      networkInterfaceId: eni.id,
      ipAddresses: [...eni.privateIps, ...eni.ipv6Addresses].map((ip) => ip.text),
      ...(eni.instanceId ? { instanceId: eni.instanceId } : {}),
      subnetId: eni.subnetId,
      description: eni.description,
    }))
    .sort((a, b) => a.networkInterfaceId.localeCompare(b.networkInterfaceId));
}
