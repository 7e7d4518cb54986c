import type { EndpointPath } from '../path.js';
import type { Check, CheckId, Scope } from '../report.js';
import { formatRange } from '../ports.js';
import { networkAclOfSubnet } from '../path.js';
import { whyMissing } from '../model.js';
import {
  clientSubnetRef,
  missingPathData,
  networkAclUnknownReason,
  pathScope,
  sameSubnetNaclCheck,
  sharesSubnet,
  type AnalysisContext,
  type PathCheck,
} from './context.js';
import { networkAclCheck, securityGroupCheck } from './rules.js';

/** The client's side: its security groups outbound and its subnet's NACL both ways. */

function clientPrecondition(context: AnalysisContext, id: CheckId, scope: Scope): Check | undefined {
  const { client } = context;
  if (client.location === 'outside') {
    return { id, status: 'not_applicable', scope, summary: `the client ${client.address.text} is ${client.note}`, evidence: [] };
  }
  if (client.location === 'unknown') {
    return { id, status: 'unknown', scope, summary: `the client ${client.address.text} cannot be placed: ${client.note}`, evidence: [] };
  }
  return undefined;
}

export const checkClientSecurityGroupsOutbound: PathCheck = (context, path, port) => {
  const id = 'client.sg.outbound';
  const scope = pathScope(context, path, port);
  const blocked = clientPrecondition(context, id, scope);
  if (blocked) return blocked;
  const { client } = context;
  const eni = client.networkInterface;
  if (!eni) {
    return {
      id,
      status: 'unknown',
      scope,
      summary: `no network interface with the IP ${client.address.text} in the captured data; give the client's ENI`,
      evidence: [],
    };
  }
  const missing = missingPathData(context.model, path, id, scope, { address: true, acl: false });
  if (missing) return missing;
  const destination = path.address!;
  return securityGroupCheck(context.model, {
    id,
    scope,
    groupIds: eni.securityGroupIds,
    direction: 'egress',
    port,
    peer: { address: destination, groupIds: new Set(path.securityGroupIds) },
    traffic: `outbound tcp ${port} from the client's ${eni.id} to the endpoint interface ${destination.text}`,
    ruleDescription: `vpce-doctor: to ${context.endpoint.id} ${path.networkInterfaceId}`,
  });
};

function clientNaclCheck(context: AnalysisContext, path: EndpointPath, port: number, egress: boolean): Check {
  const id = egress ? 'client.nacl.outbound' : 'client.nacl.inbound';
  const scope = pathScope(context, path, port);
  const blocked = clientPrecondition(context, id, scope);
  if (blocked) return blocked;
  if (sharesSubnet(context, path)) return sameSubnetNaclCheck(id, scope, path);
  const missing = missingPathData(context.model, path, id, scope, { address: true, acl: false });
  if (missing) return missing;
  const subnet = clientSubnetRef(context);
  if (!subnet) {
    return {
      id,
      status: 'unknown',
      scope,
      summary: `the subnet of the client ${context.client.address.text} is not known: ${whyMissing(context.model, 'subnets')}`,
      evidence: [],
    };
  }
  const acl = networkAclOfSubnet(context.model, subnet.subnetId);
  if (!acl) {
    return {
      id,
      status: 'unknown',
      scope: { ...scope, subnetId: subnet.subnetId },
      summary: networkAclUnknownReason(context.model, subnet.subnetId),
      evidence: [],
    };
  }
  const destination = path.address!;
  return networkAclCheck({
    id,
    scope: { ...scope, subnetId: subnet.subnetId },
    acl,
    egress,
    peer: destination,
    ports: egress ? { from: port, to: port } : context.clientEphemeralPorts,
    isReturnRange: !egress,
    traffic: egress
      ? `tcp ${port} from the client's subnet ${subnet.subnetId} to the endpoint interface ${destination.text}`
      : `return traffic from the endpoint interface ${destination.text} to the client's ephemeral ports ${formatRange(context.clientEphemeralPorts)}`,
  });
}

export const checkClientNaclOutbound: PathCheck = (context, path, port) => clientNaclCheck(context, path, port, true);
export const checkClientNaclInbound: PathCheck = (context, path, port) => clientNaclCheck(context, path, port, false);
