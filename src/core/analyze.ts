import { CONSUMER_PATH_CHECKS, ENDPOINT_CHECKS, PROVIDER_PATH_CHECKS } from './checks/index.js';
import { checkProbeTcp } from './checks/live.js';
import { endpointWideProviderChecks } from './checks/provider.js';
import type { ProbeObservation } from './live.js';
import type { AnalysisContext } from './checks/context.js';
import { AnalysisError } from './errors.js';
import { whyMissing, type NetworkModel } from './model.js';
import { endpointPaths, resolveClient, truncationNote, type ClientSpec } from './path.js';
import { DEFAULT_EPHEMERAL_PORTS, isValidPort, type PortRange } from './ports.js';
import { PROVIDER_CHECK_IDS, type Check, type FixScope, type Report } from './report.js';
import { planFix } from './plan.js';
import { listenerPorts, resolveProvider, type ProviderView } from './provider.js';
import { AWS_SERVICE_DEFAULT_PORT, endpointServiceOwner } from './service.js';
import { decideVerdict, judgePath } from './verdict.js';
import { asFleet, describeUnit, locateEndpoint, type Fleet, type LocatedEndpoint, type UnitRef } from './fleet.js';

export interface AnalysisRequest {
  readonly endpointId: string;
  /** Whom the fix plan's rules admit: the client's address (default), its subnet or its VPC. */
  readonly fixScope?: FixScope;
  /** The endpoint's unit, when its id alone is ambiguous in a fleet. */
  readonly accountId?: string;
  readonly region?: string;
  readonly client: ClientSpec;
  readonly port?: number;
  readonly clientEphemeralPorts?: PortRange;
}

function resolvePorts(request: AnalysisRequest, serviceName: string, provider: ProviderView): { ports: number[]; portSource: Report['portSource'] } {
  if (request.port !== undefined) {
    if (!isValidPort(request.port)) throw new AnalysisError('port_invalid', `port ${request.port} is not an integer from 1 to 65535`, 'port');
    return { ports: [request.port], portSource: 'request' };
  }
  if (provider.kind === 'aws') return { ports: [AWS_SERVICE_DEFAULT_PORT], portSource: 'aws-service-default' };
  const inferred = listenerPorts(provider);
  if (inferred.length > 0) return { ports: inferred, portSource: 'service-listeners' };
  const why = provider.kind === 'visible' ? 'its NLB shows no TCP listener' : 'its NLB is not in the captured data';
  throw new AnalysisError('port_required', `${serviceName} is a customer endpoint service and ${why}: give the port`, 'port');
}

function providerSummary(provider: ProviderView): Report['provider'] {
  if (provider.kind === 'aws') return { visibility: 'aws', note: 'an AWS service: the provider side is run by AWS' };
  if (provider.kind === 'not-visible') return { visibility: 'not-visible', note: provider.reason };
  const lb = provider.loadBalancer;
  return {
    visibility: 'visible',
    ...(provider.unit.accountId ? { accountId: provider.unit.accountId } : {}),
    ...(provider.unit.region ? { region: provider.unit.region } : {}),
    serviceId: provider.service.id,
    loadBalancerArn: lb.arn,
    loadBalancerNodeIps: provider.nodes.map((node) => node.address.text),
    loadBalancerSecurityGroupIds: [...lb.securityGroupIds],
    crossZoneEnabled: provider.crossZoneEnabled,
    ...(provider.crossZoneAssumed ? { note: 'cross-zone attribute not captured: the NLB default (off) is assumed' } : {}),
  };
}

/** The endpoint a request names; in a single unit, the reason it is missing says what the data lacks. */
export function locateRequestedEndpoint(fleet: Fleet, request: Pick<AnalysisRequest, 'endpointId' | 'accountId' | 'region'>): LocatedEndpoint {
  const hint = { ...(request.accountId !== undefined ? { accountId: request.accountId } : {}), ...(request.region !== undefined ? { region: request.region } : {}) };
  const only = fleet.units.length === 1 ? fleet.units[0]!.model : undefined;
  if (only && !only.endpoints.has(request.endpointId)) {
    const truncated = truncationNote(only, 'vpcEndpoints');
    const why = !only.captured.has('vpcEndpoints')
      ? `cannot be found: ${whyMissing(only, 'vpcEndpoints')}`
      : truncated
        ? `is not on the captured page: ${truncated}`
        : 'is not in the captured data';
    throw new AnalysisError('endpoint_not_found', `endpoint ${request.endpointId} ${why}`, 'endpointId');
  }
  return locateEndpoint(fleet, request.endpointId, hint);
}

/**
 * A provider check whose data came from another account (the cross-account join) names that
 * account in its scope and its fix: the fix must be made there, not in the consumer's.
 */
function inProviderUnit(check: Check, unit: UnitRef): Check {
  if (!(PROVIDER_CHECK_IDS as readonly string[]).includes(check.id)) return check;
  const scope = { ...check.scope, ...(unit.accountId ? { accountId: unit.accountId } : {}), ...(unit.region ? { region: unit.region } : {}) };
  if (!check.remediation) return { ...check, scope };
  return { ...check, scope, remediation: { ...check.remediation, summary: `in ${describeUnit(unit)} (the provider's): ${check.remediation.summary}` } };
}

function validateEphemeralPorts(range: PortRange): PortRange {
  if (!isValidPort(range.from) || !isValidPort(range.to) || range.from > range.to) {
    throw new AnalysisError('ephemeral_ports_invalid', `client ephemeral ports ${range.from}-${range.to} are not a range within 1-65535`, 'clientEphemeralPorts');
  }
  return range;
}

/** A report before its fix plan, with what the planner reads of the analysis. */
export interface Judgement {
  readonly report: Omit<Report, 'fixPlan'>;
  readonly located: LocatedEndpoint;
  readonly context: AnalysisContext;
}

/**
 * Judges whether the client can open TCP connections to the endpoint: every check on every
 * endpoint network interface, and the verdict, without the fix plan. Pure.
 */
export function judge(fleet: Fleet, request: AnalysisRequest, probes?: readonly ProbeObservation[]): Judgement {
  const located = locateRequestedEndpoint(fleet, request);
  const { model, endpoint } = located;
  const provider = resolveProvider(fleet, located);
  const { ports, portSource } = resolvePorts(request, endpoint.serviceName, provider);
  const clientEphemeralPorts = validateEphemeralPorts(request.clientEphemeralPorts ?? DEFAULT_EPHEMERAL_PORTS);
  const client = resolveClient(model, request.client);
  const context: AnalysisContext = { model, endpoint, client, clientEphemeralPorts, provider, ...(probes ? { probes } : {}) };

  const endpointChecks = [...ENDPOINT_CHECKS.values()].map((check) => check(context));
  const providerWide = new Map(ports.map((port) => [port, endpointWideProviderChecks(context, port)]));
  const pathCheckFunctions = [
    ...CONSUMER_PATH_CHECKS.values(),
    ...(provider.kind === 'visible' ? PROVIDER_PATH_CHECKS.values() : []),
    // probe.tcp appears only when probes were requested.
    ...(probes ? [checkProbeTcp] : []),
  ];
  const pathChecks: Check[] = [];
  const paths = endpointPaths(model, endpoint, client).flatMap((path) =>
    ports.map((port) => {
      const checks = pathCheckFunctions.map((check) => check(context, path, port));
      pathChecks.push(...checks);
      return judgePath({
        path: {
          networkInterfaceId: path.networkInterfaceId,
          ...(path.address ? { ipAddress: path.address.text } : {}),
          ...(path.subnetId ? { subnetId: path.subnetId } : {}),
          ...(path.subnet ? { availabilityZone: path.subnet.availabilityZone } : {}),
          ...(path.subnet?.availabilityZoneId ? { availabilityZoneId: path.subnet.availabilityZoneId } : {}),
          port,
        },
        checks: [...endpointChecks, ...(providerWide.get(port) ?? []), ...checks],
      });
    }),
  );
  const endpointWideChecks = [...endpointChecks, ...[...providerWide.values()].flatMap((checks) => checks ?? [])];
  const { verdict, summary } = decideVerdict(paths, endpointWideChecks);
  const eni = client.networkInterface;
  const report: Omit<Report, 'fixPlan'> = {
    reportVersion: 1,
    verdict,
    verdictSummary: summary,
    endpoint: {
      id: endpoint.id,
      ...(located.unit.accountId ? { accountId: located.unit.accountId } : {}),
      ...(located.unit.region ? { region: located.unit.region } : {}),
      serviceName: endpoint.serviceName,
      serviceOwner: endpointServiceOwner(endpoint.serviceName),
      type: endpoint.type,
      state: endpoint.state,
      vpcId: endpoint.vpcId,
    },
    client: {
      ipAddress: client.address.text,
      location: client.location,
      ...(eni ? { networkInterfaceId: eni.id } : {}),
      ...(client.instanceId ? { instanceId: client.instanceId } : {}),
      ...(client.subnet ? { subnetId: client.subnet.id, vpcId: client.subnet.vpcId } : {}),
      securityGroupIds: eni ? [...eni.securityGroupIds] : [],
      ...(client.note ? { note: client.note } : {}),
    },
    ports,
    portSource,
    clientEphemeralPorts,
    provider: providerSummary(provider),
    paths,
    checks: [...endpointWideChecks, ...(provider.kind === 'visible' && provider.unit !== located.unit ? pathChecks.map((check) => inProviderUnit(check, provider.unit)) : pathChecks)],
    dataWarnings: [...model.dataWarnings],
    source: { kind: model.source.kind, location: model.source.location },
  };
  return { report, located, context };
}

/**
 * Judges whether the client can open TCP connections to the endpoint: every check on every
 * endpoint network interface, the verdict, and the fix plan, proven by judging the data
 * with the plan applied. Pure: the same data and request always give the same report.
 */
export function analyze(data: NetworkModel | Fleet, request: AnalysisRequest, probes?: readonly ProbeObservation[]): Report {
  const fleet = asFleet(data);
  const { report, located, context } = judge(fleet, request, probes);
  const fixPlan = planFix({
    fleet,
    located,
    client: context.client,
    ...(context.provider.kind === 'visible' ? { providerUnit: context.provider.unit } : {}),
    report,
    scope: request.fixScope ?? 'client',
    reanalyze: (changed) => judge(changed, request).report,
  });
  // The plan sits before the data warnings, so a reader meets the answer before the caveats.
  const { dataWarnings, source, ...rest } = report;
  return { ...rest, fixPlan, dataWarnings, source };
}
