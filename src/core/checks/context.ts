import { whyMissing, type NetworkModel, type VpcEndpoint } from '../model.js';
import { truncationNote, type EndpointPath, type ResolvedClient } from '../path.js';
import type { ProbeObservation } from '../live.js';
import type { ProviderView } from '../provider.js';
import type { ProviderPathResolution } from './provider.js';
import type { PortRange } from '../ports.js';
import type { Check, CheckId, Scope } from '../report.js';

/** What every check reads: the model and the resolved parts of one request. */
export interface AnalysisContext {
  readonly model: NetworkModel;
  readonly endpoint: VpcEndpoint;
  readonly client: ResolvedClient;
  readonly clientEphemeralPorts: PortRange;
  readonly provider: ProviderView;
  /** Live probe results, when the request asked for probes. */
  readonly probes?: readonly ProbeObservation[];
  /**
   * This analysis's memo: where each endpoint interface and port (`eni|port`) lead on the
   * provider's side, followed once however many provider checks read it. A new, empty map
   * with every context, so that nothing is answered from another analysis.
   */
  readonly providerPaths: Map<string, ProviderPathResolution>;
  /**
   * This analysis's checks that read of a path only its groups (the endpoint's inbound rules
   * against the client), by `check|groups|port`: the interfaces of an endpoint share their
   * groups, so each is judged once and scoped to every path.
   */
  readonly groupChecks: Map<string, Check>;
}

/** A check judged once for the endpoint, counting against every path. */
export type EndpointCheck = (context: AnalysisContext) => Check;

/** A check judged per endpoint network interface and port. */
export type PathCheck = (context: AnalysisContext, path: EndpointPath, port: number) => Check;

export function pathScope(context: AnalysisContext, path: EndpointPath, port: number, extra?: Partial<Scope>): Scope {
  // Built field by field in the order a report shows them: every check of every path makes one.
  const scope: { -readonly [Field in keyof Scope]: Scope[Field] } = { endpointId: context.endpoint.id, networkInterfaceId: path.networkInterfaceId };
  const subnet = path.subnet;
  if (path.address) scope.ipAddress = path.address.text;
  if (path.subnetId) scope.subnetId = path.subnetId;
  if (subnet) scope.availabilityZone = subnet.availabilityZone;
  if (subnet?.availabilityZoneId) scope.availabilityZoneId = subnet.availabilityZoneId;
  scope.port = port;
  return extra ? Object.assign(scope, extra) : scope;
}

/**
 * The client's subnet and VPC: its subnet's, else its network interface's, which name them
 * even when the subnets were not captured.
 */
export function clientSubnetRef(context: AnalysisContext): { readonly subnetId: string; readonly vpcId: string } | undefined {
  const { subnet, networkInterface } = context.client;
  if (subnet) return { subnetId: subnet.id, vpcId: subnet.vpcId };
  return networkInterface ? { subnetId: networkInterface.subnetId, vpcId: networkInterface.vpcId } : undefined;
}

/** True when client and endpoint interface share a subnet, so no NACL is crossed. */
export function sharesSubnet(context: AnalysisContext, path: EndpointPath): boolean {
  const client = clientSubnetRef(context);
  return client !== undefined && client.subnetId === path.subnetId;
}

/** A NACL check of a path whose client shares the endpoint interface's subnet: no NACL is crossed. */
export function sameSubnetNaclCheck(id: CheckId, scope: Scope, path: EndpointPath): Check {
  return {
    id,
    status: 'not_applicable',
    scope,
    summary: `the client is in the endpoint interface's subnet ${path.subnetId}: traffic inside a subnet crosses no NACL`,
    evidence: [],
  };
}

/** Why the NACL of a subnet is not at hand: not captured at all, one page of several, or no association listed. */
export function networkAclUnknownReason(model: NetworkModel, subnetId: string | undefined): string {
  if (!model.captured.has('networkAcls')) return whyMissing(model, 'networkAcls');
  const subnet = subnetId ?? 'the subnet';
  const truncated = truncationNote(model, 'networkAcls');
  if (truncated) return `the network ACL of ${subnet} is not on the captured page: ${truncated}`;
  return `no captured network ACL lists ${subnet} among its associations (DescribeNetworkAcls lists every association, the default NACL's implicit ones too): the NACL capture is incomplete`;
}

/**
 * The check a path yields when the data it needs is missing: `unknown` for what was not
 * captured, `fail` for an interface with no address of the client's family (an IPv6
 * client cannot reach an IPv4-only endpoint).
 */
export function missingPathData(
  model: NetworkModel,
  path: EndpointPath,
  id: CheckId,
  scope: Scope,
  needs: { readonly address: boolean; readonly acl: boolean },
): Check | undefined {
  const eni = path.networkInterface;
  if (!eni) {
    const summary = model.captured.has('networkInterfaces')
      ? `network interface ${path.networkInterfaceId} of the endpoint is not in the captured data`
      : whyMissing(model, 'networkInterfaces');
    return { id, status: 'unknown', scope, summary, evidence: [] };
  }
  if (needs.address) {
    const mismatch = addressFamilyMismatch(path, id, scope);
    if (mismatch) return mismatch;
  }
  if (needs.acl && !path.networkAcl) {
    return { id, status: 'unknown', scope, summary: networkAclUnknownReason(model, path.subnetId), evidence: [] };
  }
  return undefined;
}

/**
 * `fail` when the endpoint interface has no address of the client's IP family: an IPv6
 * client cannot reach an IPv4-only endpoint, whatever the rules say.
 */
export function addressFamilyMismatch(path: EndpointPath, id: CheckId, scope: Scope): Check | undefined {
  const eni = path.networkInterface;
  if (!eni || path.address) return undefined;
  const family = eni.privateIps.length > 0 ? 'IPv6' : 'IPv4';
  return {
    id,
    status: 'fail',
    scope,
    summary: `the endpoint interface ${eni.id} has no ${family} address, so a client connecting over ${family} cannot reach it`,
    evidence: [],
    remediation: {
      summary: 'make the endpoint dual-stack (its subnets need IPv6 CIDRs), or connect over the family it has',
      actions: [{ kind: 'manual', text: `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${scope.endpointId} --ip-address-type dualstack` }],
    },
  };
}
