import type { TouchedResources } from './change.js';
import { locateEndpointService, type Fleet, type FleetUnit } from './fleet.js';
import type { NetworkModel, VpcEndpoint } from './model.js';
import { memoOf } from './memo.js';
import { targetsOf } from './provider.js';
import { ruleSetKey } from './rule-sets.js';

/**
 * What of an endpoint's analyses a list of changes can reach: its own side (judged against
 * the client's address and groups), or the provider's. A blast radius re-analyses only
 * the pairs a change reaches; a fix plan's proof re-judges only the checks it reaches.
 */

const NONE: ReadonlySet<string> = new Set();

export const NOTHING_TOUCHED: TouchedResources = {
  securityGroups: NONE,
  networkAcls: NONE,
  endpoints: NONE,
  loadBalancers: NONE,
  loadBalancerEnforcement: NONE,
  ruleSets: NONE,
};

/** Whether a change touches the endpoint's side: the endpoint, its (interfaces') groups, its subnets' NACLs. */
export function endpointSideTouched(
  unit: FleetUnit & { readonly model: NetworkModel },
  endpoint: VpcEndpoint,
  touched: ReadonlyMap<string, TouchedResources>,
): boolean {
  const here = touched.get(unit.key) ?? NOTHING_TOUCHED;
  if (here.endpoints.has(endpoint.id)) return true;
  if (endpoint.securityGroupIds.some((id) => here.securityGroups.has(id))) return true;
  for (const eniId of endpoint.networkInterfaceIds) {
    const eni = unit.model.networkInterfaces.get(eniId);
    if (eni?.securityGroupIds.some((id) => here.securityGroups.has(id))) return true;
  }
  for (const subnetId of endpoint.subnetIds) {
    const acl = unit.model.networkAclBySubnet.get(subnetId);
    if (acl && here.networkAcls.has(acl.id)) return true;
  }
  return false;
}

/**
 * How far a change reaches into the provider's side of an endpoint: `client` when it
 * touches what judges the client's address (the NLB's inbound rules, its inbound
 * enforcement), `targets` when it touches only what judges no client (the NLB's outbound
 * rules, the targets' inbound rules and subnet NACLs, the NLB's node subnets, cross-zone),
 * `none` otherwise.
 */
export function providerReach(
  fleet: Fleet,
  unit: FleetUnit,
  endpoint: VpcEndpoint,
  touched: ReadonlyMap<string, TouchedResources>,
): 'client' | 'targets' | 'none' {
  const service = locateEndpointService(fleet, unit, endpoint);
  if (!service) return 'none';
  const there = touched.get(service.unit.key) ?? NOTHING_TOUCHED;
  if (there.securityGroups.size === 0 && there.networkAcls.size === 0 && there.loadBalancers.size === 0) return 'none';
  const model = service.model;
  let reach: 'targets' | 'none' = 'none';
  for (const arn of service.service.networkLoadBalancerArns) {
    const lb = model.loadBalancers.get(arn);
    if (!lb) continue;
    // The NLB's inbound rules judge the client's address; its outbound rules, the targets'.
    if (lb.securityGroupIds.some((id) => there.ruleSets.has(ruleSetKey(id, 'ingress')))) return 'client';
    if (lb.securityGroupIds.some((id) => there.ruleSets.has(ruleSetKey(id, 'egress')))) reach = 'targets';
    // The enforcement judges the client's address; cross-zone only which targets serve an AZ.
    if (there.loadBalancerEnforcement.has(arn)) return 'client';
    if (there.loadBalancers.has(arn)) reach = 'targets';
    for (const zone of lb.zones) {
      const acl = zone.subnetId ? model.networkAclBySubnet.get(zone.subnetId) : undefined;
      if (acl && there.networkAcls.has(acl.id)) reach = 'targets';
    }
    for (const group of memoOf(model).targetGroupsOf(model, arn)) {
      for (const target of targetsOf(model, group) ?? []) {
        // Of the targets' groups, only the inbound rules are read (target.sg.inbound).
        if (target.networkInterface?.securityGroupIds.some((id) => there.ruleSets.has(ruleSetKey(id, 'ingress')))) reach = 'targets';
        const acl = target.subnetId ? model.networkAclBySubnet.get(target.subnetId) : undefined;
        if (acl && there.networkAcls.has(acl.id)) reach = 'targets';
      }
    }
  }
  return reach;
}
