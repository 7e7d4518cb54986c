import type { NetworkModel, VpcEndpoint } from './model.js';
import Type, { type Static } from 'typebox';
import { endpointServiceOwner } from './service.js';

/** What a person looks at first: the interface endpoints and their parts per AZ. */
export const EndpointNetworkInterfaceSummarySchema = Type.Object(
  {
    networkInterfaceId: Type.String(),
    subnetId: Type.Optional(Type.String()),
    availabilityZone: Type.Optional(Type.String()),
    availabilityZoneId: Type.Optional(Type.String()),
    ipAddresses: Type.Array(Type.String()),
    securityGroupIds: Type.Array(Type.String()),
    networkAclId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const EndpointSummarySchema = Type.Object(
  {
    id: Type.String(),
    serviceName: Type.String(),
    serviceOwner: Type.Union([Type.Literal('aws'), Type.Literal('customer')]),
    vpcId: Type.String(),
    state: Type.String(),
    securityGroupIds: Type.Array(Type.String()),
    networkInterfaces: Type.Array(EndpointNetworkInterfaceSummarySchema),
  },
  { additionalProperties: false },
);
export type EndpointSummary = Static<typeof EndpointSummarySchema>;

export function summarizeEndpoint(model: NetworkModel, endpoint: VpcEndpoint): EndpointSummary {
  return {
    id: endpoint.id,
    serviceName: endpoint.serviceName,
    serviceOwner: endpointServiceOwner(endpoint.serviceName),
    vpcId: endpoint.vpcId,
    state: endpoint.state,
    securityGroupIds: [...endpoint.securityGroupIds],
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
        securityGroupIds: [...(eni?.securityGroupIds ?? endpoint.securityGroupIds)],
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
