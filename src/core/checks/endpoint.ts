import type { EndpointPath } from '../path.js';
import type { Check } from '../report.js';
import { formatRange } from '../ports.js';
import {
  addressFamilyMismatch,
  missingPathData,
  pathScope,
  sameSubnetNaclCheck,
  sharesSubnet,
  type AnalysisContext,
  type EndpointCheck,
  type PathCheck,
} from './context.js';
import { networkAclCheck, securityGroupCheck } from './rules.js';
import { endpointServiceOwner, serviceIdOf } from '../service.js';

/** The consumer's endpoint: its state, its security groups and its subnets' NACLs. */

export const checkEndpointState: EndpointCheck = (context) => {
  const { endpoint } = context;
  const scope = { endpointId: endpoint.id };
  const stateEvidence = {
    kind: 'resource' as const,
    resourceId: endpoint.id,
    attribute: 'State',
    value: endpoint.state,
    text: `${endpoint.id} State is ${endpoint.state}`,
  };
  if (endpoint.type.toLowerCase() !== 'interface') {
    return {
      id: 'endpoint.state',
      status: 'fail',
      scope,
      summary: `${endpoint.id} is a ${endpoint.type} endpoint, which has no network interface to connect to; only interface endpoints are reached this way`,
      evidence: [
        {
          kind: 'resource',
          resourceId: endpoint.id,
          attribute: 'VpcEndpointType',
          value: endpoint.type,
          text: `${endpoint.id} VpcEndpointType is ${endpoint.type}`,
        },
      ],
      remediation: {
        summary: 'create an interface endpoint for the service',
        actions: [
          {
            kind: 'manual',
            text: `aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id ${endpoint.vpcId} --service-name ${endpoint.serviceName} --subnet-ids SUBNET_IDS --security-group-ids SG_IDS`,
          },
        ],
      },
    };
  }
  const state = endpoint.state.toLowerCase();
  if (state === 'pendingacceptance') {
    const serviceId = serviceIdOf(endpoint.serviceName);
    return {
      id: 'endpoint.state',
      status: 'fail',
      scope,
      summary: `${endpoint.id} is waiting for the service provider to accept the connection (pendingAcceptance)`,
      evidence: [stateEvidence],
      remediation: {
        summary: 'the provider account accepts the endpoint connection',
        actions: serviceId
          ? [
              {
                kind: 'accept-vpc-endpoint-connections',
                serviceId,
                vpcEndpointId: endpoint.id,
                cli: `aws ec2 accept-vpc-endpoint-connections --service-id ${serviceId} --vpc-endpoint-ids ${endpoint.id}`,
              },
            ]
          : [{ kind: 'manual', text: `ask the provider of ${endpoint.serviceName} to accept ${endpoint.id}` }],
      },
    };
  }
  if (state !== 'available') {
    return {
      id: 'endpoint.state',
      status: 'fail',
      scope,
      summary: `${endpoint.id} is ${endpoint.state}, not available`,
      evidence: [stateEvidence],
      remediation: {
        summary:
          state === 'pending'
            ? 'wait for the endpoint to become available'
            : 'recreate the endpoint, or ask the service provider why the connection is not accepted',
        actions: [{ kind: 'manual', text: `aws ec2 describe-vpc-endpoints --vpc-endpoint-ids ${endpoint.id} --query 'VpcEndpoints[0].[State,LastError]'` }],
      },
    };
  }
  if (endpoint.networkInterfaceIds.length === 0) {
    return {
      id: 'endpoint.state',
      status: 'fail',
      scope,
      summary: `${endpoint.id} is available but has no network interface (no subnet selected)`,
      evidence: [stateEvidence],
      remediation: {
        summary: 'add a subnet in each AZ the clients use',
        actions: [{ kind: 'manual', text: `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${endpoint.id} --add-subnet-ids SUBNET_ID` }],
      },
    };
  }
  const owner = endpointServiceOwner(endpoint.serviceName) === 'aws' ? 'an AWS service' : 'a customer endpoint service';
  return {
    id: 'endpoint.state',
    status: 'pass',
    scope,
    summary: `${endpoint.id} is an available interface endpoint for ${owner} (${endpoint.serviceName})`,
    evidence: [stateEvidence],
  };
};

export const checkEndpointSecurityGroupsInbound: PathCheck = (context, path, port) => {
  const { client } = context;
  const scope = pathScope(context, path, port);
  const mismatch = addressFamilyMismatch(path, 'endpoint.sg.inbound', scope);
  if (mismatch) return mismatch;
  // Only the path's groups are read: an interface with the groups of one judged before gets its judgement.
  const key = `endpoint.sg.inbound|${path.securityGroupIds.join(',')}|${port}`;
  const judged = context.groupChecks.get(key);
  if (judged) return { ...judged, scope: { ...scope, securityGroupIds: [...path.securityGroupIds] } };
  const check = securityGroupCheck(context.model, {
    id: 'endpoint.sg.inbound',
    scope,
    groupIds: path.securityGroupIds,
    direction: 'ingress',
    port,
    peer: { address: client.address, groupIds: client.securityGroupIds },
    traffic: `inbound tcp ${port} from the client ${client.address.text}`,
    ruleDescription: `vpce-doctor: client ${client.address.text} to ${context.endpoint.id}`,
  });
  context.groupChecks.set(key, check);
  return check;
};

function endpointNaclCheck(context: AnalysisContext, path: EndpointPath, port: number, egress: boolean): Check {
  const id = egress ? 'endpoint.nacl.outbound' : 'endpoint.nacl.inbound';
  const scope = pathScope(context, path, port);
  if (sharesSubnet(context, path)) return sameSubnetNaclCheck(id, scope, path);
  const missing = missingPathData(context.model, path, id, scope, { address: false, acl: true });
  if (missing) return missing;
  const ephemeral = formatRange(context.clientEphemeralPorts);
  return networkAclCheck({
    id,
    scope,
    acl: path.networkAcl!,
    egress,
    peer: context.client.address,
    ports: egress ? context.clientEphemeralPorts : { from: port, to: port },
    isReturnRange: egress,
    traffic: egress
      ? `return traffic to the client ${context.client.address.text} on its ephemeral ports ${ephemeral}`
      : `tcp ${port} from the client ${context.client.address.text}`,
  });
}

export const checkEndpointNaclInbound: PathCheck = (context, path, port) => endpointNaclCheck(context, path, port, false);
export const checkEndpointNaclOutbound: PathCheck = (context, path, port) => endpointNaclCheck(context, path, port, true);
