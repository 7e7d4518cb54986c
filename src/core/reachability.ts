import Type, { type Static } from 'typebox';
import { EndpointIdentityFields } from './fleet-report.js';
import { analyze, locateRequestedEndpoint, resolvePorts, validateEphemeralPorts } from './analyze.js';
import { applyChanges } from './change.js';
import type { AnalysisContext } from './checks/context.js';
import { checkEndpointState } from './checks/endpoint.js';
import { PROVIDER_PATH_CHECKS } from './checks/index.js';
import { checkLoadBalancerSecurityGroupsInbound, endpointWideProviderChecks } from './checks/provider.js';
import { securityGroupRuleEvidence } from './checks/rules.js';
import { AnalysisError } from './errors.js';
import { asFleet, type Fleet, type FleetUnit, type LocatedEndpoint } from './fleet.js';
import type { NetworkInterface, NetworkModel } from './model.js';
import type { Cidr, IpAddress, IpFamily } from './net.js';
import { segmentAt } from './partition.js';
import type { ClientSpec, EndpointPath, ResolvedClient } from './path.js';
import { DEFAULT_EPHEMERAL_PORTS, formatRange, type PortRange } from './ports.js';
import { resolveProvider, type ProviderView } from './provider.js';
import { cidrRange, intersectRanges, normalizeRanges, rangesToCidrs, subtractRanges, type AddressRange } from './ranges.js';
import { describeInterface, ReachEngine, type CheckAnswer, type InterfaceReach } from './reach.js';
import { CheckIdSchema, FixPlanSchema, VerdictSchema, type Check, type CheckId, type FixPlan, type FixScope, type Verdict } from './report.js';
import { ruleAllowsTcpPort } from './sg.js';
import { PathTally, verdictOf } from './verdict.js';

/**
 * The answer to "who can reach this endpoint" (contract §8): the source sets of each
 * interface, the data's workloads grouped by subnet and security groups with a verdict and
 * a fix plan per group, and what the endpoint admits beyond its VPC and the trusted ranges.
 * A workload's endpoint side is read from the source sets; only its own side (its groups
 * and subnet NACL, judged once per group) and the provider side (once per endpoint) are
 * judged, so a VPC of thousands of interfaces costs a handful of point analyses.
 */

const AdmittedCidrSchema = Type.Object(
  {
    cidr: Type.String(),
    status: Type.Union([Type.Literal('reachable'), Type.Literal('warn')], {
      description: '`warn`: the return traffic is allowed on part of the client ephemeral ports only',
    }),
  },
  { additionalProperties: false },
);

const ExcludedCidrSchema = Type.Object(
  {
    cidr: Type.String(),
    by: Type.Object(
      {
        checkId: CheckIdSchema,
        status: Type.Union([Type.Literal('fail'), Type.Literal('unknown')]),
        evidence: Type.String({ description: 'The NACL entry that denies it, "no SG rule: …", or why the data cannot say' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const InterfaceSourceSetSchema = Type.Object(
  {
    eniId: Type.String(),
    subnetId: Type.Optional(Type.String()),
    availabilityZoneId: Type.Optional(Type.String()),
    ipv4: Type.Array(AdmittedCidrSchema, { description: 'Admitted IPv4 sources, merged and sorted; an address in none is not admitted' }),
    ipv6: Type.Array(AdmittedCidrSchema),
    excluded: Type.Array(ExcludedCidrSchema, { description: 'Every other address, with the first endpoint-side check that stops it' }),
  },
  { additionalProperties: false },
);

const MemberSchema = Type.Object(
  { eniId: Type.String(), ipAddress: Type.String(), verdict: VerdictSchema, failing: Type.Array(CheckIdSchema), unknown: Type.Array(CheckIdSchema) },
  { additionalProperties: false },
);

export const WorkloadGroupSchema = Type.Object(
  {
    accountId: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    vpcId: Type.String(),
    subnetId: Type.String(),
    securityGroupIds: Type.Array(Type.String()),
    eniIds: Type.Array(Type.String()),
    verdict: VerdictSchema,
    failing: Type.Array(CheckIdSchema, { description: 'Checks that fail for at least one member on at least one path' }),
    unknown: Type.Array(CheckIdSchema),
    deciding: Type.Optional(
      Type.Object(
        { checkId: CheckIdSchema, summary: Type.String(), eniId: Type.String() },
        { additionalProperties: false, description: 'The first failing (else unknown) check of the worst member' },
      ),
    ),
    members: Type.Optional(Type.Array(MemberSchema, { description: 'Each member, when their verdicts differ' })),
    note: Type.Optional(Type.String()),
    fixPlan: Type.Optional(
      Type.Object(
        {
          forEniId: Type.String({ description: 'The member the plan was made for' }),
          provenForGroup: Type.Boolean({ description: 'True when, with the changes applied, every member of the group is reachable' }),
          notProvenFor: Type.Array(Type.String(), { description: 'Members still not reachable with the changes applied' }),
          plan: FixPlanSchema,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type WorkloadGroup = Static<typeof WorkloadGroupSchema>;

export const ExposureFindingSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('any-address'), Type.Literal('outside-trusted')], {
      description:
        '`any-address`: a rule admits 0.0.0.0/0 or ::/0 and addresses outside the VPC get through; `outside-trusted`: admitted addresses outside the VPC and VPCE_DOCTOR_TRUSTED_CIDRS',
    }),
    family: Type.Union([Type.Literal(4), Type.Literal(6)]),
    summary: Type.String(),
    rules: Type.Array(Type.String(), { description: 'The security group rules that admit them' }),
    cidrs: Type.Array(Type.String(), { description: 'The admitted CIDRs outside, the first 20' }),
    cidrCount: Type.Integer(),
    addressCount: Type.String({ description: 'How many addresses, as a decimal integer (IPv6 counts exceed 2^53)' }),
  },
  { additionalProperties: false },
);
export type ExposureFinding = Static<typeof ExposureFindingSchema>;

export const ReachabilitySchema = Type.Object(
  {
    ...EndpointIdentityFields,
    port: Type.Integer(),
    portSource: Type.Union([Type.Literal('request'), Type.Literal('aws-service-default'), Type.Literal('service-listeners')]),
    clientEphemeralPorts: Type.String({ examples: ['1024-65535'] }),
    interfaces: Type.Array(InterfaceSourceSetSchema),
    workloads: Type.Array(WorkloadGroupSchema),
    exposure: Type.Object(
      {
        exposed: Type.Boolean(),
        trustedCidrs: Type.Array(Type.String(), { description: 'VPCE_DOCTOR_TRUSTED_CIDRS, as configured' }),
        vpcCidrs: Type.Array(Type.String(), { description: "The endpoint VPC's ranges: its captured subnets' CIDRs" }),
        findings: Type.Array(ExposureFindingSchema),
      },
      { additionalProperties: false },
    ),
    summary: Type.Object(
      {
        workloadGroups: Type.Integer(),
        interfaces: Type.Integer(),
        reachable: Type.Integer(),
        partial: Type.Integer(),
        blocked: Type.Integer(),
        unknown: Type.Integer(),
      },
      { additionalProperties: false, description: 'Workload groups per verdict, and the network interfaces they hold' },
    ),
  },
  { additionalProperties: false },
);
export type Reachability = Static<typeof ReachabilitySchema>;

export interface ReachabilityRequest {
  readonly endpointId: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly port?: number;
  readonly clientEphemeralPorts?: PortRange;
  /** The scope of each group's fix plan; default `client` for a group of one interface, `subnet` otherwise. */
  readonly fixScope?: FixScope;
  readonly trustedCidrs?: readonly Cidr[];
  /** Make (and prove) a fix plan per group that does not reach; default true. */
  readonly plans?: boolean;
}

/** One workload interface judged against the endpoint. */
export interface MemberVerdict {
  readonly unit: FleetUnit;
  readonly eni: NetworkInterface;
  readonly address: IpAddress;
  readonly client: ClientSpec;
  readonly verdict: Verdict;
  readonly failing: readonly CheckId[];
  readonly unknown: readonly CheckId[];
  readonly deciding?: { readonly checkId: CheckId; readonly summary: string };
}

const SHARED_PROVIDER_CHECKS = [...PROVIDER_PATH_CHECKS].filter(([id]) => id !== 'nlb.sg.inbound');

/** The address a workload is known by: its primary private IPv4, else its first IPv6. */
function workloadAddress(eni: NetworkInterface): IpAddress {
  return eni.privateIps[0] ?? eni.ipv6Addresses[0]!;
}

/** A check's id, status and what it found: all a workload's verdict reads. */
interface Judged {
  readonly id: CheckId;
  readonly status: Check['status'];
  readonly summary: string;
}

function judged(check: Check): Judged {
  return { id: check.id, status: check.status, summary: check.summary };
}

/** One workload's paths, told check by check: each path's tally, and the first check that fails (else cannot be judged) over all. */
class MemberTally {
  firstFailing: Judged | undefined;
  firstUnknown: Judged | undefined;
  private current = new PathTally();

  next(): PathTally {
    this.current = new PathTally();
    return this.current;
  }

  add(id: CheckId, status: Check['status'], summary: string): void {
    this.current.add(id, status);
    if (status === 'fail') this.firstFailing ??= { id, status, summary };
    else if (status === 'unknown') this.firstUnknown ??= { id, status, summary };
  }

  answer(id: CheckId, value: CheckAnswer): void {
    this.add(id, value.status, value.text);
  }
}

/**
 * Judges workloads against one endpoint on one port as a point analysis would: the endpoint
 * side read from its source sets, the client's own checks from partitions per client shape
 * (over the endpoint interface's address), the provider side once per address family. No
 * check is built per workload but the NLB's inbound rules, which read the client's address.
 */
export class WorkloadJudge {
  private readonly interfaces: ReadonlyMap<string, InterfaceReach>;
  private readonly perFamily = new Map<IpFamily, { paths: EndpointPath[]; endpointWide: Judged[]; provider: Map<string, Judged[]> }>();
  private readonly loadBalancerInbound = new Map<string, Judged>();
  private readonly clientSides = new Map<ResolvedClient, ReturnType<ReachEngine['clientSide']>>();

  constructor(
    private readonly engine: ReachEngine,
    private readonly located: LocatedEndpoint,
    private readonly provider: ProviderView,
    private readonly port: number,
    private readonly clientEphemeralPorts: PortRange,
    reaches: readonly InterfaceReach[],
  ) {
    this.interfaces = new Map(reaches.map((reach) => [reach.path.networkInterfaceId, reach]));
  }

  private shared(family: IpFamily, context: AnalysisContext): { paths: EndpointPath[]; endpointWide: Judged[]; provider: Map<string, Judged[]> } {
    let shared = this.perFamily.get(family);
    if (!shared) {
      const paths = this.engine.pathsOf(this.located.model, this.located.endpoint, family);
      const endpointWide = [checkEndpointState(context), ...(endpointWideProviderChecks(context, this.port) ?? [])].map(judged);
      const provider = new Map<string, Judged[]>();
      if (this.provider.kind === 'visible')
        for (const path of paths)
          provider.set(
            path.networkInterfaceId,
            SHARED_PROVIDER_CHECKS.map(([, check]) => judged(check(context, path, this.port))),
          );
      shared = { paths, endpointWide, provider };
      this.perFamily.set(family, shared);
    }
    return shared;
  }

  judge(unit: FleetUnit, eni: NetworkInterface): MemberVerdict {
    const { model, endpoint } = this.located;
    const address = workloadAddress(eni);
    const spec: ClientSpec & { ip: string } = unit === this.located.unit ? { eniId: eni.id, ip: address.text } : { ip: address.text };
    const client = this.engine.resolve(model, spec);
    const context: AnalysisContext = {
      model,
      endpoint,
      client,
      clientEphemeralPorts: this.clientEphemeralPorts,
      provider: this.provider,
      providerPaths: new Map(),
      groupChecks: new Map(),
    };
    const family = client.address.family;
    const value = this.engine.addressValue(client);
    const shared = this.shared(family, context);
    let clientSide = this.clientSides.get(client);
    if (!clientSide) {
      clientSide = this.engine.clientSide(model, client, this.port, this.clientEphemeralPorts, family);
      this.clientSides.set(client, clientSide);
    }
    let loadBalancerInbound: Judged | undefined;
    if (this.provider.kind === 'visible' && shared.paths[0]) {
      // The NLB's inbound rules read the client's address, the same on every path.
      loadBalancerInbound = this.loadBalancerInbound.get(client.address.text);
      if (!loadBalancerInbound) {
        loadBalancerInbound = judged(checkLoadBalancerSecurityGroupsInbound(context, shared.paths[0], this.port));
        this.loadBalancerInbound.set(client.address.text, loadBalancerInbound);
      }
    }
    const tallies = new MemberTally();
    const paths = shared.paths.map((path) => {
      const tally = tallies.next();
      for (const check of shared.endpointWide) tallies.add(check.id, check.status, check.summary);
      const [securityGroups, naclInbound, naclOutbound] = this.interfaces.get(path.networkInterfaceId)!.parts[family];
      const [clientGroups, clientOutbound, clientInbound] = clientSide(path);
      tallies.answer('endpoint.sg.inbound', segmentAt(securityGroups, value)!.value);
      tallies.answer('endpoint.nacl.inbound', segmentAt(naclInbound, value)!.value);
      tallies.answer('endpoint.nacl.outbound', segmentAt(naclOutbound, value)!.value);
      tallies.answer('client.sg.outbound', clientGroups);
      tallies.answer('client.nacl.outbound', clientOutbound);
      tallies.answer('client.nacl.inbound', clientInbound);
      for (const check of shared.provider.get(path.networkInterfaceId) ?? []) tallies.add(check.id, check.status, check.summary);
      if (loadBalancerInbound) tallies.add(loadBalancerInbound.id, loadBalancerInbound.status, loadBalancerInbound.summary);
      return tally;
    });
    const verdict = verdictOf(paths);
    const failing: CheckId[] = [];
    const unknown: CheckId[] = [];
    for (const path of paths) {
      for (const id of path.failedChecks) if (!failing.includes(id)) failing.push(id);
      for (const id of path.unknownChecks) if (!unknown.includes(id)) unknown.push(id);
    }
    const decidingCheck = tallies.firstFailing ?? tallies.firstUnknown;
    const member: { -readonly [K in keyof MemberVerdict]: MemberVerdict[K] } = { unit, eni, address: client.address, client: spec, verdict, failing, unknown };
    if (decidingCheck && verdict !== 'reachable') member.deciding = { checkId: decidingCheck.id, summary: decidingCheck.summary };
    return member;
  }
}

const VERDICT_WEIGHT: Readonly<Record<Verdict, number>> = { blocked: 3, unknown: 2, partial: 1, reachable: 0 };

/** A group's verdict: its members' when they agree; `partial` when some reach and some do not; `unknown` otherwise. */
function groupVerdict(members: readonly MemberVerdict[]): Verdict {
  const verdicts = new Set(members.map((member) => member.verdict));
  if (verdicts.size === 1) return members[0]!.verdict;
  const someReach = verdicts.has('reachable') || verdicts.has('partial');
  if (someReach && (verdicts.has('blocked') || !verdicts.has('unknown'))) return 'partial';
  return 'unknown';
}

function groupOf(members: readonly MemberVerdict[], vpcId: string): WorkloadGroup {
  const first = members[0]!;
  let worst = first;
  let differ = false;
  for (const member of members) {
    if (VERDICT_WEIGHT[member.verdict] > VERDICT_WEIGHT[worst.verdict]) worst = member;
    if (member.verdict !== first.verdict) differ = true;
  }
  const union = (key: 'failing' | 'unknown') => (members.length === 1 ? [...first[key]] : [...new Set(members.flatMap((member) => member[key]))]);
  // Built field by field: this runs once per (endpoint, group) of a whole fleet.
  const group: { -readonly [K in keyof WorkloadGroup]: WorkloadGroup[K] } = {
    vpcId,
    subnetId: first.eni.subnetId,
    securityGroupIds: [...first.eni.securityGroupIds].sort(),
    eniIds: members.map((member) => member.eni.id),
    verdict: groupVerdict(members),
    failing: union('failing'),
    unknown: union('unknown'),
  };
  if (first.unit.accountId) group.accountId = first.unit.accountId;
  if (first.unit.region) group.region = first.unit.region;
  if (worst.deciding) group.deciding = { checkId: worst.deciding.checkId, summary: worst.deciding.summary, eniId: worst.eni.id };
  if (differ)
    group.members = members.map((member) => ({
      eniId: member.eni.id,
      ipAddress: member.address.text,
      verdict: member.verdict,
      failing: [...member.failing],
      unknown: [...member.unknown],
    }));
  return group;
}

/** The union of a family's admitted addresses over every interface. */
function admittedUnion(reaches: readonly InterfaceReach[], family: IpFamily): AddressRange[] {
  const ranges: AddressRange[] = [];
  for (const reach of reaches)
    for (const segment of reach.byFamily[family]) if ('admitted' in segment.value.label) ranges.push({ start: segment.start, end: segment.end });
  return normalizeRanges(ranges);
}

function countAddresses(ranges: readonly AddressRange[]): bigint {
  return ranges.reduce((sum, range) => sum + (range.end - range.start + 1n), 0n);
}

/** What the endpoint admits beyond its VPC: from any address, or from outside the trusted ranges. */
export function exposureFindings(
  engine: ReachEngine,
  located: LocatedEndpoint,
  reaches: readonly InterfaceReach[],
  port: number,
  trustedCidrs: readonly Cidr[] | undefined,
): ExposureFinding[] {
  const { model, endpoint } = located;
  const findings: ExposureFinding[] = [];
  const groupIds = new Set(reaches.flatMap((reach) => reach.path.securityGroupIds));
  for (const family of [4, 6] as const) {
    const admitted = admittedUnion(reaches, family);
    if (admitted.length === 0) continue;
    const outsideVpc = subtractRanges(admitted, engine.vpcRanges(model, endpoint.vpcId, family));
    const anyAddressRules: string[] = [];
    for (const groupId of groupIds) {
      for (const rule of model.securityGroups.get(groupId)?.ingress ?? []) {
        if (!ruleAllowsTcpPort(rule, port)) continue;
        const cidrs =
          rule.peer.kind === 'cidr' ? [rule.peer.cidr] : rule.peer.kind === 'prefix-list' ? (model.prefixLists.get(rule.peer.prefixListId)?.entries ?? []) : [];
        if (cidrs.some((cidr) => cidr.family === family && cidr.prefixLength === 0)) anyAddressRules.push(securityGroupRuleEvidence(rule).text);
      }
    }
    const describe = (ranges: AddressRange[]) => {
      const cidrs = rangesToCidrs(ranges, family);
      return { cidrs: cidrs.slice(0, 20), cidrCount: cidrs.length, addressCount: String(countAddresses(ranges)) };
    };
    if (anyAddressRules.length > 0 && outsideVpc.length > 0) {
      findings.push({
        kind: 'any-address',
        family,
        summary: `${endpoint.id} admits tcp ${port} from ${family === 4 ? '0.0.0.0/0' : '::/0'}: addresses outside its VPC get through its security groups and NACLs`,
        rules: anyAddressRules,
        ...describe(outsideVpc),
      });
    }
    if (trustedCidrs && trustedCidrs.length > 0) {
      const untrusted = subtractRanges(outsideVpc, normalizeRanges(trustedCidrs.filter((cidr) => cidr.family === family).map(cidrRange)));
      if (untrusted.length > 0) {
        const rules: string[] = [];
        for (const groupId of groupIds) {
          for (const rule of model.securityGroups.get(groupId)?.ingress ?? []) {
            if (!ruleAllowsTcpPort(rule, port) || rule.peer.kind === 'security-group') continue;
            const cidrs = rule.peer.kind === 'cidr' ? [rule.peer.cidr] : (model.prefixLists.get(rule.peer.prefixListId)?.entries ?? []);
            if (cidrs.some((cidr) => cidr.family === family && intersectRanges([cidrRange(cidr)], untrusted).length > 0))
              rules.push(securityGroupRuleEvidence(rule).text);
          }
        }
        findings.push({
          kind: 'outside-trusted',
          family,
          summary: `${endpoint.id} admits tcp ${port} from addresses outside its VPC and VPCE_DOCTOR_TRUSTED_CIDRS`,
          rules,
          ...describe(untrusted),
        });
      }
    }
  }
  return findings;
}

/** The workload interfaces of an endpoint: its VPC's, and in a fleet those of any VPC whose ranges it admits. */
function workloadCandidates(
  engine: ReachEngine,
  located: LocatedEndpoint,
  reaches: readonly InterfaceReach[],
): { unit: FleetUnit; vpcId: string; enis: NetworkInterface[] }[] {
  const own: { unit: FleetUnit; vpcId: string; enis: NetworkInterface[] }[] = [];
  const others: typeof own = [];
  for (const vpc of engine.workloadVpcs()) {
    if (vpc.unit === located.unit && vpc.vpcId === located.endpoint.vpcId) own.push(vpc);
    else if (([4, 6] as const).some((family) => vpc.ranges[family].length > 0 && reaches.some((reach) => engine.admitsAny(reach, family, vpc.ranges[family]))))
      others.push(vpc);
  }
  return [...own, ...others];
}

interface Prepared {
  readonly fleet: Fleet;
  readonly engine: ReachEngine;
  readonly located: LocatedEndpoint;
  readonly provider: ProviderView;
  readonly port: number;
  readonly portSource: Reachability['portSource'];
  readonly clientEphemeralPorts: PortRange;
  readonly reaches: InterfaceReach[];
}

function prepare(engine: ReachEngine, request: ReachabilityRequest): Prepared {
  const { fleet } = engine;
  const located = locateRequestedEndpoint(fleet, request);
  const provider = resolveProvider(fleet, located);
  const { ports, portSource } = resolvePorts(request, located.endpoint.serviceName, provider);
  if (ports.length > 1) {
    throw new AnalysisError('port_required', `${located.endpoint.serviceName} listens on ${ports.join(', ')}: give the port to ask about`, 'port');
  }
  const port = ports[0]!;
  const clientEphemeralPorts = validateEphemeralPorts(request.clientEphemeralPorts ?? DEFAULT_EPHEMERAL_PORTS);
  const reaches = engine.interfaces(located.model, located.endpoint, port, clientEphemeralPorts);
  return { fleet, engine, located, provider, port, portSource, clientEphemeralPorts, reaches };
}

/** Every workload of the endpoint judged, grouped by (unit, VPC, subnet, security group set). */
export function workloadGroups(prepared: Prepared): { vpcId: string; members: MemberVerdict[] }[] {
  const judge = new WorkloadJudge(prepared.engine, prepared.located, prepared.provider, prepared.port, prepared.clientEphemeralPorts, prepared.reaches);
  const groups = new Map<string, { vpcId: string; members: MemberVerdict[] }>();
  for (const { unit, vpcId, enis } of workloadCandidates(prepared.engine, prepared.located, prepared.reaches)) {
    for (const eni of enis) {
      const key = `${unit.key}|${vpcId}|${eni.subnetId}|${[...eni.securityGroupIds].sort().join(',')}`;
      const group = groups.get(key) ?? { vpcId, members: [] };
      group.members.push(judge.judge(unit, eni));
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

/** A group's fix plan: made for its worst member, then proven for every member on the data with the changes applied. */
function groupPlan(prepared: Prepared, request: ReachabilityRequest, members: readonly MemberVerdict[]): NonNullable<WorkloadGroup['fixPlan']> | undefined {
  const worst = [...members].sort((a, b) => VERDICT_WEIGHT[b.verdict] - VERDICT_WEIGHT[a.verdict])[0]!;
  if (worst.verdict === 'reachable') return undefined;
  const { located } = prepared;
  const scope = request.fixScope ?? (members.length === 1 ? 'client' : 'subnet');
  let plan: FixPlan;
  try {
    plan = analyze(prepared.fleet, {
      endpointId: located.endpoint.id,
      ...(located.unit.accountId ? { accountId: located.unit.accountId } : {}),
      ...(located.unit.region ? { region: located.unit.region } : {}),
      client: worst.client,
      port: prepared.port,
      clientEphemeralPorts: prepared.clientEphemeralPorts,
      fixScope: scope,
    }).fixPlan;
  } catch (error) {
    if (error instanceof AnalysisError) return undefined;
    throw error;
  }
  let notProvenFor = members.filter((member) => member.verdict !== 'reachable').map((member) => member.eni.id);
  if (plan.changes.length > 0) {
    try {
      const after = prepare(new ReachEngine(applyChanges(prepared.fleet, plan.changes).fleet), {
        endpointId: located.endpoint.id,
        ...(located.unit.accountId ? { accountId: located.unit.accountId } : {}),
        ...(located.unit.region ? { region: located.unit.region } : {}),
        port: prepared.port,
        clientEphemeralPorts: prepared.clientEphemeralPorts,
      });
      const judge = new WorkloadJudge(after.engine, after.located, after.provider, after.port, after.clientEphemeralPorts, after.reaches);
      const unitAfter = (unit: FleetUnit) => after.fleet.units.find((candidate) => candidate.key === unit.key)!;
      notProvenFor = members
        .filter((member) => {
          const model = unitAfter(member.unit).model;
          const eni = model?.networkInterfaces.get(member.eni.id) ?? member.eni;
          return judge.judge(unitAfter(member.unit), eni).verdict !== 'reachable';
        })
        .map((member) => member.eni.id);
    } catch (error) {
      if (!(error instanceof AnalysisError)) throw error;
    }
  }
  return { forEniId: worst.eni.id, provenForGroup: notProvenFor.length === 0, notProvenFor, plan };
}

/** Who can reach an endpoint on one port: source sets, workloads and exposure (contract §8). */
export function reachability(data: NetworkModel | Fleet, request: ReachabilityRequest): Reachability {
  const prepared = prepare(new ReachEngine(asFleet(data)), request);
  const { located, reaches, port } = prepared;
  const groups = workloadGroups(prepared).map(({ vpcId, members }) => {
    const group = groupOf(members, vpcId);
    const fixPlan = request.plans === false ? undefined : groupPlan(prepared, request, members);
    const foreign = members[0]!.unit !== located.unit;
    return {
      ...group,
      ...(foreign
        ? {
            note: `in ${members[0]!.unit.key}: judged by address, as the endpoint's data sees it; its own groups and NACL are not in the endpoint's account and region`,
          }
        : {}),
      ...(fixPlan ? { fixPlan } : {}),
    };
  });
  const findings = exposureFindings(prepared.engine, located, reaches, port, request.trustedCidrs);
  const count = (verdict: Verdict) => groups.filter((group) => group.verdict === verdict).length;
  return {
    endpointId: located.endpoint.id,
    ...(located.unit.accountId ? { accountId: located.unit.accountId } : {}),
    ...(located.unit.region ? { region: located.unit.region } : {}),
    vpcId: located.endpoint.vpcId,
    serviceName: located.endpoint.serviceName,
    port,
    portSource: prepared.portSource,
    clientEphemeralPorts: formatRange(prepared.clientEphemeralPorts),
    interfaces: reaches.map(describeInterface),
    workloads: groups,
    exposure: {
      exposed: findings.length > 0,
      trustedCidrs: (request.trustedCidrs ?? []).map((cidr) => cidr.text),
      vpcCidrs: ([4, 6] as const).flatMap((family) => rangesToCidrs(prepared.engine.vpcRanges(located.model, located.endpoint.vpcId, family), family)),
      findings,
    },
    summary: {
      workloadGroups: groups.length,
      interfaces: groups.reduce((sum, group) => sum + group.eniIds.length, 0),
      reachable: count('reachable'),
      partial: count('partial'),
      blocked: count('blocked'),
      unknown: count('unknown'),
    },
  };
}

/** One endpoint and service port of the data, and whether it is exposed. */
export interface EndpointExposure {
  readonly endpointId: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly port: number;
  readonly exposed: boolean;
  readonly findings: readonly ExposureFinding[];
}

/**
 * The exposure of every interface endpoint of the data on each of its service ports (443
 * for AWS services, the listener ports of visible customer services): one engine for all,
 * so endpoints that share groups and subnets share the work. Endpoints whose port cannot be
 * known are left out.
 */
export function fleetExposure(data: NetworkModel | Fleet, trustedCidrs?: readonly Cidr[]): EndpointExposure[] {
  const engine = new ReachEngine(asFleet(data));
  const out: EndpointExposure[] = [];
  for (const unit of engine.fleet.units) {
    for (const endpoint of unit.model?.endpoints.values() ?? []) {
      if (endpoint.type.toLowerCase() !== 'interface') continue;
      const ref = { endpointId: endpoint.id, ...(unit.accountId ? { accountId: unit.accountId } : {}), ...(unit.region ? { region: unit.region } : {}) };
      let ports: number[];
      try {
        const located = locateRequestedEndpoint(engine.fleet, ref);
        ports = resolvePorts({}, endpoint.serviceName, resolveProvider(engine.fleet, located)).ports;
      } catch (error) {
        if (error instanceof AnalysisError) continue;
        throw error;
      }
      for (const port of ports) {
        const prepared = prepare(engine, { ...ref, port });
        const findings = exposureFindings(engine, prepared.located, prepared.reaches, port, trustedCidrs);
        out.push({ ...ref, port, exposed: findings.length > 0, findings });
      }
    }
  }
  return out;
}

export { prepare as prepareReachability, type Prepared as PreparedReachability };

export const FleetWorkloadRowSchema = Type.Object(
  {
    ...EndpointIdentityFields,
    port: Type.Optional(Type.Integer()),
    workload: Type.Optional(Type.Omit(WorkloadGroupSchema, ['fixPlan'])),
    verdict: Type.Union([VerdictSchema, Type.Literal('no-workload'), Type.Literal('error')], {
      description:
        "The workload group's verdict; `no-workload` when no interface of the data is in its VPC or a VPC it admits; `error` when the endpoint could not be judged (see `error`)",
    }),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false, description: 'One (endpoint, workload group) pair of the fleet report with every workload' },
);
export type FleetWorkloadRow = Static<typeof FleetWorkloadRowSchema>;

/**
 * Every endpoint against every workload group of its VPC (and of the VPCs whose ranges it
 * admits): the fleet report with all workloads, read from the source sets with one engine
 * for the whole fleet, one row at a time. An endpoint that cannot be judged is one row with
 * its error; an endpoint with no workload, one row without a workload.
 */
export function* fleetWorkloadRows(
  data: NetworkModel | Fleet,
  targets: readonly { endpointId: string; accountId?: string; region?: string }[],
  options: { readonly port?: number; readonly clientEphemeralPorts?: PortRange } = {},
): Generator<FleetWorkloadRow> {
  const engine = new ReachEngine(asFleet(data));
  for (const target of targets) {
    const unit = engine.fleet.units.find((item) => item.accountId === target.accountId && item.region === target.region);
    const endpoint = unit?.model?.endpoints.get(target.endpointId);
    const base = { ...target, serviceName: endpoint?.serviceName ?? '', vpcId: endpoint?.vpcId ?? '' };
    let ports: number[];
    try {
      const located = locateRequestedEndpoint(engine.fleet, target);
      ports = options.port !== undefined ? [options.port] : resolvePorts({}, located.endpoint.serviceName, resolveProvider(engine.fleet, located)).ports;
    } catch (error) {
      if (!(error instanceof AnalysisError)) throw error;
      yield { ...base, verdict: 'error', error: error.message };
      continue;
    }
    for (const port of ports) {
      let groups: { vpcId: string; members: MemberVerdict[] }[];
      try {
        groups = workloadGroups(
          prepare(engine, { ...target, port, ...(options.clientEphemeralPorts ? { clientEphemeralPorts: options.clientEphemeralPorts } : {}) }),
        );
      } catch (error) {
        if (!(error instanceof AnalysisError)) throw error;
        yield { ...base, port, verdict: 'error', error: error.message };
        continue;
      }
      if (groups.length === 0) yield { ...base, port, verdict: 'no-workload' };
      for (const { vpcId, members } of groups) {
        const workload = groupOf(members, vpcId);
        yield { ...base, port, workload, verdict: workload.verdict };
      }
    }
  }
}
