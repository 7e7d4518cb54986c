import type { NetworkModel, VpcEndpoint } from './model.js';
import { endpointServiceOwner, type ServiceOwner } from './service.js';

/** What a person looks at first: the interface endpoints and their parts per AZ. */
export interface EndpointNetworkInterfaceSummary {
  readonly networkInterfaceId: string;
  readonly subnetId?: string;
  readonly availabilityZone?: string;
  readonly availabilityZoneId?: string;
  readonly ipAddresses: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly networkAclId?: string;
}

export interface EndpointSummary {
  readonly id: string;
  readonly serviceName: string;
  readonly serviceOwner: ServiceOwner;
  readonly vpcId: string;
  readonly state: string;
  readonly securityGroupIds: readonly string[];
  readonly networkInterfaces: readonly EndpointNetworkInterfaceSummary[];
}

export function summarizeEndpoint(model: NetworkModel, endpoint: VpcEndpoint): EndpointSummary {
  return {
    id: endpoint.id,
    serviceName: endpoint.serviceName,
    serviceOwner: endpointServiceOwner(endpoint.serviceName),
    vpcId: endpoint.vpcId,
    state: endpoint.state,
    securityGroupIds: endpoint.securityGroupIds,
    networkInterfaces: endpoint.networkInterfaceIds.map((networkInterfaceId) => {
      const eni = model.networkInterfaces.get(networkInterfaceId);
      const subnet = eni ? model.subnets.get(eni.subnetId) : undefined;
      const acl = eni ? model.networkAclBySubnet.get(eni.subnetId) : undefined;
      const availabilityZone = subnet?.availabilityZone ?? eni?.availabilityZone;
      return {
        networkInterfaceId,
        ...(eni ? { subnetId: eni.subnetId } : {}),
        ...(availabilityZone ? { availabilityZone } : {}),
        ...(subnet?.availabilityZoneId ? { availabilityZoneId: subnet.availabilityZoneId } : {}),
        ipAddresses: eni ? [...eni.privateIps, ...eni.ipv6Addresses].map((address) => address.text) : [],
        securityGroupIds: eni?.securityGroupIds ?? endpoint.securityGroupIds,
        ...(acl ? { networkAclId: acl.id } : {}),
      };
    }),
  };
}

/** Interface endpoints only, sorted by id, so listings are stable across loads. */
export function listInterfaceEndpoints(model: NetworkModel): EndpointSummary[] {
  return [...model.endpoints.values()]
    .filter((endpoint) => endpoint.type.toLowerCase() === 'interface')
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((endpoint) => summarizeEndpoint(model, endpoint));
}
