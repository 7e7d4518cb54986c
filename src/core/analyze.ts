import { CONSUMER_PATH_CHECKS, ENDPOINT_CHECKS, PROVIDER_PATH_CHECKS } from './checks/index.js';
import { checkProbeTcp } from './checks/live.js';
import { endpointWideProviderChecks } from './checks/provider.js';
import type { ProbeObservation } from './live.js';
import type { AnalysisContext } from './checks/context.js';
import { AnalysisError } from './errors.js';
import { whyMissing, type NetworkModel } from './model.js';
import { endpointPaths, resolveClient, truncationNote, type ClientSpec } from './path.js';
import { DEFAULT_EPHEMERAL_PORTS, isValidPort, type PortRange } from './ports.js';
import { CHECK_RULES_READ, PROVIDER_CHECK_IDS, type Check, type FixScope, type Report } from './report.js';
import { planFix } from './plan.js';
import { NOTHING_TOUCHED, providerReach } from './footprint.js';
import type { TouchedResources } from './change.js';
import { ruleSetKey, type RulesRead } from './rule-sets.js';
import { listenerPorts, resolveProvider, type ProviderView } from './provider.js';
import { AWS_SERVICE_DEFAULT_PORT, endpointServiceOwner } from './service.js';
import { decideVerdict, PathTally } from './verdict.js';
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

export function resolvePorts(
  request: Pick<AnalysisRequest, 'port'>,
  serviceName: string,
  provider: ProviderView,
): { ports: number[]; portSource: Report['portSource'] } {
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
  const hint = {
    ...(request.accountId !== undefined ? { accountId: request.accountId } : {}),
    ...(request.region !== undefined ? { region: request.region } : {}),
  };
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

export function validateEphemeralPorts(range: PortRange): PortRange {
  if (!isValidPort(range.from) || !isValidPort(range.to) || range.from > range.to) {
    throw new AnalysisError(
      'ephemeral_ports_invalid',
      `client ephemeral ports ${range.from}-${range.to} are not a range within 1-65535`,
      'clientEphemeralPorts',
    );
  }
  return range;
}

/** A report before its fix plan, with what the planner reads of the analysis. */
export interface Judgement {
  readonly report: Omit<Report, 'fixPlan'>;
  readonly located: LocatedEndpoint;
  readonly context: AnalysisContext;
  /**
   * The provider's path checks as judged (before any naming of the provider's account): by
   * path and port (`eni|port`), in the order of PROVIDER_PATH_CHECKS.
   */
  readonly providerPathChecks: ReadonlyMap<string, readonly Check[]>;
  /** The consumer's path checks (the probe's last), by `eni|port`, in the order of CONSUMER_PATH_CHECKS. */
  readonly consumerPathChecks: ReadonlyMap<string, readonly Check[]>;
}

/**
 * Checks of an earlier judgement of the same request that a change cannot have moved, laid
 * out as the judgement's: a hole where a check must be judged again.
 */
export interface ReusedChecks {
  readonly providerPathChecks?: ReadonlyMap<string, readonly (Check | undefined)[]>;
  readonly consumerPathChecks?: ReadonlyMap<string, readonly (Check | undefined)[]>;
}

/**
 * Judges whether the client can open TCP connections to the endpoint: every check on every
 * endpoint network interface, and the verdict, without the fix plan. Pure.
 */
export function judge(fleet: Fleet, request: AnalysisRequest, probes?: readonly ProbeObservation[], reuse?: ReusedChecks): Judgement {
  const located = locateRequestedEndpoint(fleet, request);
  const { model, endpoint } = located;
  const provider = resolveProvider(fleet, located);
  const { ports, portSource } = resolvePorts(request, endpoint.serviceName, provider);
  const clientEphemeralPorts = validateEphemeralPorts(request.clientEphemeralPorts ?? DEFAULT_EPHEMERAL_PORTS);
  const client = resolveClient(model, request.client);
  const context: AnalysisContext = {
    model,
    endpoint,
    client,
    clientEphemeralPorts,
    provider,
    ...(probes ? { probes } : {}),
    providerPaths: new Map(),
    groupChecks: new Map(),
  };

  const endpointChecks = [...ENDPOINT_CHECKS.values()].map((check) => check(context));
  const providerWide = new Map(ports.map((port) => [port, endpointWideProviderChecks(context, port)]));
  const consumerCheckFunctions = [
    ...CONSUMER_PATH_CHECKS,
    // probe.tcp appears only when probes were requested.
    ...(probes ? [['probe.tcp', checkProbeTcp] as const] : []),
  ];
  const providerCheckFunctions = provider.kind === 'visible' ? [...PROVIDER_PATH_CHECKS] : [];
  const providerPathChecks = new Map<string, Check[]>();
  const consumerPathChecks = new Map<string, Check[]>();
  const pathChecks: Check[] = [];
  const paths = endpointPaths(model, endpoint, client).flatMap((path) =>
    ports.map((port) => {
      // One key per path and port, not per check: a proof looks every check up again.
      const pathKey = `${path.networkInterfaceId}|${port}`;
      const reusedProvider = reuse?.providerPathChecks?.get(pathKey);
      const providerChecks = providerCheckFunctions.map(([, check], index) => reusedProvider?.[index] ?? check(context, path, port));
      providerPathChecks.set(pathKey, providerChecks);
      const reusedConsumer = reuse?.consumerPathChecks?.get(pathKey);
      const consumerChecks = consumerCheckFunctions.map(([, check], index) => reusedConsumer?.[index] ?? check(context, path, port));
      consumerPathChecks.set(pathKey, consumerChecks);
      // Report order: the consumer's checks, then the provider's, then the probe.
      for (let index = 0; index < CONSUMER_PATH_CHECKS.size; index++) pathChecks.push(consumerChecks[index]!);
      for (const check of providerChecks) pathChecks.push(check);
      for (let index = CONSUMER_PATH_CHECKS.size; index < consumerChecks.length; index++) pathChecks.push(consumerChecks[index]!);
      // The path's status counts the endpoint-wide checks too, in the order a path lists them.
      const tally = new PathTally();
      for (const check of endpointChecks) tally.add(check.id, check.status);
      for (const check of providerWide.get(port) ?? []) tally.add(check.id, check.status);
      for (let index = 0; index < CONSUMER_PATH_CHECKS.size; index++) tally.add(consumerChecks[index]!.id, consumerChecks[index]!.status);
      for (const check of providerChecks) tally.add(check.id, check.status);
      for (let index = CONSUMER_PATH_CHECKS.size; index < consumerChecks.length; index++) tally.add(consumerChecks[index]!.id, consumerChecks[index]!.status);
      return tally.path({
        networkInterfaceId: path.networkInterfaceId,
        ...(path.address ? { ipAddress: path.address.text } : {}),
        ...(path.subnetId ? { subnetId: path.subnetId } : {}),
        ...(path.subnet ? { availabilityZone: path.subnet.availabilityZone } : {}),
        ...(path.subnet?.availabilityZoneId ? { availabilityZoneId: path.subnet.availabilityZoneId } : {}),
        port,
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
    checks: [
      ...endpointWideChecks,
      ...(provider.kind === 'visible' && provider.unit !== located.unit ? pathChecks.map((check) => inProviderUnit(check, provider.unit)) : pathChecks),
    ],
    dataWarnings: [...model.dataWarnings],
    source: { kind: model.source.kind, location: model.source.location },
  };
  return { report, located, context, providerPathChecks, consumerPathChecks };
}

/** The client's own checks: its groups outbound and its subnet's NACL both ways. */
const CLIENT_SIDE_CHECKS = [...CONSUMER_PATH_CHECKS].filter(([id]) => id.startsWith('client.')).map(([, check]) => check);

/**
 * Only the client's own checks, on every path and port: all that a change to the client's
 * groups or subnet NACL can move when it touches nothing of the endpoint's side. A blast
 * radius asks this first, and judges the whole pair only when one of them moves.
 */
export function judgeClientSide(fleet: Fleet, request: AnalysisRequest): Check[] {
  const located = locateRequestedEndpoint(fleet, request);
  const { model, endpoint } = located;
  const provider: ProviderView = request.port !== undefined ? { kind: 'aws' } : resolveProvider(fleet, located);
  const { ports } = resolvePorts(request, endpoint.serviceName, provider);
  const clientEphemeralPorts = validateEphemeralPorts(request.clientEphemeralPorts ?? DEFAULT_EPHEMERAL_PORTS);
  const client = resolveClient(model, request.client);
  // The client's checks read neither the provider side nor probes.
  const context: AnalysisContext = { model, endpoint, client, clientEphemeralPorts, provider, providerPaths: new Map(), groupChecks: new Map() };
  return endpointPaths(model, endpoint, client).flatMap((path) => ports.flatMap((port) => CLIENT_SIDE_CHECKS.map((check) => check(context, path, port))));
}

/**
 * The checks of a judgement that changes touching `touched` cannot move. A consumer check
 * reads the groups and the NACL its scope names, in one direction (rule-sets.ts), and the
 * endpoint's groups, which only an endpoint change alters; the provider's checks, whatever
 * the provider side holds that `providerReach` follows. The probe's are left out: a proof
 * is static.
 */
function unmovedChecks(fleet: Fleet, judgement: Judgement, touched: ReadonlyMap<string, TouchedResources>): ReusedChecks {
  const { located } = judgement;
  const here = touched.get(located.unit.key) ?? NOTHING_TOUCHED;
  const consumer = new Map<string, (Check | undefined)[]>();
  // A check reads its scope's groups and NACL in one direction: a change to the other leaves it.
  const altered = (id: string, read: RulesRead | 'none') =>
    read === 'none' ? here.securityGroups.has(id) || here.networkAcls.has(id) : here.ruleSets.has(ruleSetKey(id, read.direction));
  const unmoved = (check: Check): Check | undefined => {
    if (check.id === 'probe.tcp') return undefined;
    const read = CHECK_RULES_READ[check.id];
    const { networkAclId, securityGroupIds } = check.scope;
    if (networkAclId !== undefined && altered(networkAclId, read)) return undefined;
    return securityGroupIds?.some((id) => altered(id, read)) ? undefined : check;
  };
  if (!here.endpoints.has(located.endpoint.id)) {
    for (const [key, checks] of judgement.consumerPathChecks) consumer.set(key, checks.map(unmoved));
  }
  const providerUntouched = providerReach(fleet, located.unit, located.endpoint, touched) === 'none';
  return { ...(providerUntouched ? { providerPathChecks: judgement.providerPathChecks } : {}), consumerPathChecks: consumer };
}

/**
 * Judges whether the client can open TCP connections to the endpoint: every check on every
 * endpoint network interface, the verdict, and the fix plan, proven by judging the data
 * with the plan applied. Pure: the same data and request always give the same report.
 */
export function analyze(data: NetworkModel | Fleet, request: AnalysisRequest, probes?: readonly ProbeObservation[]): Report {
  const fleet = asFleet(data);
  const judgement = judge(fleet, request, probes);
  const { report, located, context } = judgement;
  const fixPlan = planFix({
    fleet,
    located,
    client: context.client,
    ...(context.provider.kind === 'visible' ? { providerUnit: context.provider.unit } : {}),
    report,
    scope: request.fixScope ?? 'client',
    // The proof judges again only what the plan can move: each side's path checks are taken
    // as they were when no change reaches that side.
    reanalyze: (applied) => judge(applied.fleet, request, undefined, unmovedChecks(fleet, judgement, applied.touched)).report,
  });
  // The plan sits before the data warnings, so a reader meets the answer before the caveats.
  const { dataWarnings, source, ...rest } = report;
  return { ...rest, fixPlan, dataWarnings, source };
}
