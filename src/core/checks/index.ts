import type { CheckId } from '../report.js';
import { checkClientNaclInbound, checkClientNaclOutbound, checkClientSecurityGroupsOutbound } from './client.js';
import type { EndpointCheck, PathCheck } from './context.js';
import { checkEndpointNaclInbound, checkEndpointNaclOutbound, checkEndpointSecurityGroupsInbound, checkEndpointState } from './endpoint.js';
import {
  checkLoadBalancerSecurityGroupsInbound,
  checkLoadBalancerSecurityGroupsOutbound,
  checkServiceListener,
  checkTargetHealth,
  checkTargetNaclInbound,
  checkTargetNaclOutbound,
  checkTargetSecurityGroupsInbound,
} from './provider.js';

/** Every check by id, in report order: endpoint-wide checks first, then per path. */
export const ENDPOINT_CHECKS: ReadonlyMap<CheckId, EndpointCheck> = new Map([['endpoint.state', checkEndpointState]]);

export const CONSUMER_PATH_CHECKS: ReadonlyMap<CheckId, PathCheck> = new Map<CheckId, PathCheck>([
  ['endpoint.sg.inbound', checkEndpointSecurityGroupsInbound],
  ['endpoint.nacl.inbound', checkEndpointNaclInbound],
  ['endpoint.nacl.outbound', checkEndpointNaclOutbound],
  ['client.sg.outbound', checkClientSecurityGroupsOutbound],
  ['client.nacl.outbound', checkClientNaclOutbound],
  ['client.nacl.inbound', checkClientNaclInbound],
]);

/** Judged per path when the NLB is visible; see endpointWideProviderChecks otherwise. */
export const PROVIDER_PATH_CHECKS: ReadonlyMap<CheckId, PathCheck> = new Map<CheckId, PathCheck>([
  ['service.listener', checkServiceListener],
  ['nlb.sg.inbound', checkLoadBalancerSecurityGroupsInbound],
  ['nlb.sg.outbound', checkLoadBalancerSecurityGroupsOutbound],
  ['target.sg.inbound', checkTargetSecurityGroupsInbound],
  ['target.nacl.inbound', checkTargetNaclInbound],
  ['target.nacl.outbound', checkTargetNaclOutbound],
  ['target.health', checkTargetHealth],
]);
