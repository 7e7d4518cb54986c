import type { NetworkModel, VpcEndpoint } from './model.js';
import { asFleet, unitsMatching, type Fleet, type UnitRef } from './fleet.js';
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
    accountId: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
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

export function summarizeEndpoint(model: NetworkModel, endpoint: VpcEndpoint, unit: UnitRef = {}): EndpointSummary {
  return {
    id: endpoint.id,
    ...(unit.accountId ? { accountId: unit.accountId } : {}),
    ...(unit.region ? { region: unit.region } : {}),
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

export interface EndpointFilter extends UnitRef {
  readonly vpcId?: string;
  /** A substring of the service name. */
  readonly serviceName?: string;
}

/** Interface endpoints only, of every unit the filter admits, sorted by id (then unit), so listings are stable across loads. */
export function listInterfaceEndpoints(data: NetworkModel | Fleet, filter: EndpointFilter = {}): EndpointSummary[] {
  const fleet = asFleet(data);
  const summaries: EndpointSummary[] = [];
  for (const unit of unitsMatching(fleet, filter)) {
    const model = unit.model;
    if (!model) continue;
    for (const endpoint of model.endpoints.values()) {
      if (endpoint.type.toLowerCase() !== 'interface') continue;
      if (filter.vpcId !== undefined && endpoint.vpcId !== filter.vpcId) continue;
      if (filter.serviceName !== undefined && !endpoint.serviceName.includes(filter.serviceName)) continue;
      summaries.push(summarizeEndpoint(model, endpoint, unit));
    }
  }
  return summaries.sort((a, b) => a.id.localeCompare(b.id) || `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`));
}
