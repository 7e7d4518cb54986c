import Type, { type Static } from 'typebox';
import { analyze, judge, judgeClientSide, type AnalysisRequest } from './analyze.js';
import { clientInterfaces } from './clients.js';
import { applyChanges, ChangeSchema, type Change, type TouchedResources } from './change.js';
import { endpointSideTouched, NOTHING_TOUCHED, providerReach } from './footprint.js';
import { AnalysisError } from './errors.js';
import { asFleet, type Fleet, type FleetUnit } from './fleet.js';
import type { NetworkInterface, NetworkModel } from './model.js';
import { parseIp } from './net.js';
import { subnetContaining } from './path.js';
import {
  CheckIdSchema,
  CheckStatusSchema,
  PROVIDER_CHECK_IDS,
  EvidenceSchema,
  ReportSchema,
  ScopeSchema,
  VerdictSchema,
  type Check,
  type Report,
  type Verdict,
} from './report.js';

/**
 * What-if and blast radius (contract §7): the analysis before and after a list of changes,
 * for one (endpoint, client), or for every pair of the data that the changes can touch.
 * Both work on an overlay of the data; the data itself never changes.
 */

export const MovedCheckSchema = Type.Object(
  {
    id: CheckIdSchema,
    scope: ScopeSchema,
    before: Type.Union([CheckStatusSchema, Type.Literal('absent')], { description: '`absent` when the check did not exist before (a path that appears)' }),
    after: Type.Union([CheckStatusSchema, Type.Literal('absent')]),
    summaryAfter: Type.String(),
    evidenceAfter: Type.Array(EvidenceSchema),
  },
  { additionalProperties: false, description: 'A check (per endpoint interface and port) whose status moves' },
);
export type MovedCheck = Static<typeof MovedCheckSchema>;

export const WhatIfResultSchema = Type.Object(
  {
    endpointId: Type.String(),
    client: Type.String({ description: "The client's IP address" }),
    ports: Type.Array(Type.Integer()),
    changes: Type.Array(ChangeSchema),
    verdictBefore: VerdictSchema,
    verdictAfter: VerdictSchema,
    verdictSummaryAfter: Type.String(),
    moved: Type.Array(MovedCheckSchema),
    after: ReportSchema,
  },
  { additionalProperties: false },
);
export type WhatIfResult = Static<typeof WhatIfResultSchema>;

function checkKey(check: Check): string {
  return `${check.id}|${check.scope.networkInterfaceId ?? ''}|${check.scope.port ?? ''}`;
}

/** Every check whose status differs between two reports of the same request. */
export function movedChecks(before: Pick<Report, 'checks'>, after: Pick<Report, 'checks'>): MovedCheck[] {
  const earlier = new Map(before.checks.map((check) => [checkKey(check), check]));
  const moved: MovedCheck[] = [];
  const seen = new Set<string>();
  for (const check of after.checks) {
    const key = checkKey(check);
    seen.add(key);
    const old = earlier.get(key);
    if (old?.status === check.status) continue;
    moved.push({
      id: check.id,
      scope: check.scope,
      before: old?.status ?? 'absent',
      after: check.status,
      summaryAfter: check.summary,
      evidenceAfter: check.evidence,
    });
  }
  for (const [key, old] of earlier) {
    if (!seen.has(key))
      moved.push({ id: old.id, scope: old.scope, before: old.status, after: 'absent', summaryAfter: 'the check no longer applies', evidenceAfter: [] });
  }
  return moved;
}

/** One analysis before and after the changes. Throws `change_invalid` for changes that do not apply. */
export function whatIf(data: NetworkModel | Fleet, request: AnalysisRequest, changes: readonly Change[]): WhatIfResult {
  const fleet = asFleet(data);
  const applied = applyChanges(fleet, changes);
  const before = judge(fleet, request).report;
  const after = analyze(applied.fleet, request);
  return {
    endpointId: before.endpoint.id,
    client: before.client.ipAddress,
    ports: after.ports,
    changes: [...changes],
    verdictBefore: before.verdict,
    verdictAfter: after.verdict,
    verdictSummaryAfter: after.verdictSummary,
    moved: movedChecks(before, after),
    after,
  };
}

// ------------------------------------------------------------------------ blast radius

export const BlastPairSchema = Type.Object(
  {
    client: Type.Object(
      {
        ipAddress: Type.String(),
        networkInterfaceId: Type.Optional(Type.String()),
        subnetId: Type.Optional(Type.String()),
        securityGroupIds: Type.Optional(Type.Array(Type.String())),
      },
      { additionalProperties: false },
    ),
    verdictBefore: VerdictSchema,
    verdictAfter: VerdictSchema,
    breaks: Type.Boolean({ description: 'The pair was reachable or partial and gets worse' }),
    moved: Type.Array(MovedCheckSchema),
  },
  { additionalProperties: false },
);
export type BlastPair = Static<typeof BlastPairSchema>;

export const BlastRadiusResultSchema = Type.Object(
  {
    changes: Type.Array(ChangeSchema),
    pairsAnalysed: Type.Integer({ description: 'Pairs a change could touch, each analysed before and after' }),
    pairsMoved: Type.Integer(),
    breaks: Type.Integer({ description: 'Pairs that go from reachable or partial to worse' }),
    endpoints: Type.Array(
      Type.Object(
        {
          endpointId: Type.String(),
          accountId: Type.Optional(Type.String()),
          region: Type.Optional(Type.String()),
          vpcId: Type.String(),
          pairs: Type.Array(BlastPairSchema),
        },
        { additionalProperties: false },
      ),
      { description: 'Endpoints with a pair that moves, worst first: a pair that stops working before anything else' },
    ),
    skipped: Type.Array(Type.Object({ endpointId: Type.String(), client: Type.String(), reason: Type.String() }, { additionalProperties: false }), {
      description: 'Pairs that could not be analysed (a port that must be given, say)',
    }),
  },
  { additionalProperties: false },
);
export type BlastRadiusResult = Static<typeof BlastRadiusResultSchema>;

export interface BlastRadiusRequest {
  readonly changes: readonly Change[];
  /** Clients besides the network interfaces of each endpoint's VPC. */
  readonly clientIps?: readonly string[];
  readonly port?: number;
}

const VERDICT_RANK: Readonly<Record<Verdict, number>> = { reachable: 3, partial: 2, unknown: 1, blocked: 0 };

/** How much worse a pair gets: positive for a drop, negative for an improvement. */
function drop(pair: Pick<BlastPair, 'verdictBefore' | 'verdictAfter'>): number {
  return VERDICT_RANK[pair.verdictBefore] - VERDICT_RANK[pair.verdictAfter];
}

const PROVIDER_CHECKS: ReadonlySet<string> = new Set(PROVIDER_CHECK_IDS);

/** Whether any provider check moves for this pair; a pair that cannot be analysed counts as moving, to be judged in full. */
function providerSideMoves(before: Fleet, after: Fleet, request: AnalysisRequest): boolean {
  try {
    return movedChecks(judge(before, request).report, judge(after, request).report).some((check) => PROVIDER_CHECKS.has(check.id));
  } catch (error) {
    if (error instanceof AnalysisError) return true;
    throw error;
  }
}

function clientTouched(model: NetworkModel, touched: TouchedResources, subnetId: string | undefined, groupIds: readonly string[]): boolean {
  if (groupIds.some((id) => touched.securityGroups.has(id))) return true;
  const acl = subnetId ? model.networkAclBySubnet.get(subnetId) : undefined;
  return acl !== undefined && touched.networkAcls.has(acl.id);
}

interface Candidate {
  readonly spec: AnalysisRequest['client'];
  readonly ipAddress: string;
  readonly eni?: NetworkInterface;
  readonly subnetId?: string;
}

/**
 * Every (endpoint, client) pair whose verdict or any check moves under the changes. Only
 * the pairs a change can touch are analysed: an endpoint whose groups, NACLs or provider
 * path a change names (all its clients), and clients whose groups or subnet NACL it names.
 */
export function blastRadius(data: NetworkModel | Fleet, request: BlastRadiusRequest): BlastRadiusResult {
  const fleet = asFleet(data);
  const applied = applyChanges(fleet, request.changes);
  const extraIps = (request.clientIps ?? []).map((text, index) => {
    const address = parseIp(text);
    if (!address) throw new AnalysisError('client_invalid', `client IP "${text}" is not an IPv4 or IPv6 address`, `clientIps.${index}`);
    return address;
  });
  const endpoints: BlastRadiusResult['endpoints'] = [];
  const skipped: BlastRadiusResult['skipped'] = [];
  let pairsAnalysed = 0;
  let pairsMoved = 0;
  let breaks = 0;
  for (const unit of fleet.units) {
    const model = unit.model;
    if (!model || applied.touched.size === 0) continue;
    const withModel = unit as FleetUnit & { model: NetworkModel };
    const here = applied.touched.get(unit.key) ?? NOTHING_TOUCHED;
    const clientsByVpc = clientInterfaces(model);
    for (const endpoint of model.endpoints.values()) {
      if (endpoint.type.toLowerCase() !== 'interface') continue;
      const clients: (Candidate & { readonly touched: boolean })[] = [];
      const seenIps = new Set<string>();
      for (const eni of clientsByVpc.get(endpoint.vpcId) ?? []) {
        const address = eni.privateIps[0] ?? eni.ipv6Addresses[0]!;
        seenIps.add(address.text);
        clients.push({
          spec: { eniId: eni.id },
          ipAddress: address.text,
          eni,
          subnetId: eni.subnetId,
          touched: clientTouched(model, here, eni.subnetId, eni.securityGroupIds),
        });
      }
      for (const address of extraIps) {
        if (seenIps.has(address.text)) continue;
        const eni = model.interfaceByIp.get(address.text);
        const subnetId = eni?.subnetId ?? subnetContaining(model, address)?.id;
        clients.push({
          spec: { ip: address.text },
          ipAddress: address.text,
          ...(eni ? { eni } : {}),
          ...(subnetId ? { subnetId } : {}),
          touched: clientTouched(model, here, subnetId, eni?.securityGroupIds ?? []),
        });
      }
      const requestFor = (candidate: Candidate): AnalysisRequest => ({
        endpointId: endpoint.id,
        ...(unit.accountId ? { accountId: unit.accountId } : {}),
        ...(unit.region ? { region: unit.region } : {}),
        client: candidate.spec,
        ...(request.port !== undefined ? { port: request.port } : {}),
      });
      let reach = endpointSideTouched(withModel, endpoint, applied.touched) ? 'client' : providerReach(fleet, withModel, endpoint, applied.touched);
      if (reach === 'targets') {
        // The target side judges no client: when none of its checks moves for one client of
        // each address family, it moves for none, and only clients the changes touch remain.
        const representatives = [4, 6].flatMap((family) => clients.find((client) => (parseIp(client.ipAddress)?.family ?? 4) === family) ?? []);
        reach = representatives.some((client) => providerSideMoves(fleet, applied.fleet, requestFor(client))) ? 'client' : 'none';
      }
      const wholeEndpoint = reach === 'client';
      const candidates = clients.filter((client) => wholeEndpoint || client.touched);
      const pairs: BlastPair[] = [];
      for (const candidate of candidates) {
        const analysis = requestFor(candidate);
        let before: Omit<Report, 'fixPlan'>;
        let after: Omit<Report, 'fixPlan'>;
        try {
          // Only the client's side is touched: when none of its checks moves, nothing does.
          if (!wholeEndpoint && movedChecks({ checks: judgeClientSide(fleet, analysis) }, { checks: judgeClientSide(applied.fleet, analysis) }).length === 0) {
            pairsAnalysed++;
            continue;
          }
          before = judge(fleet, analysis).report;
          after = judge(applied.fleet, analysis).report;
        } catch (error) {
          if (!(error instanceof AnalysisError)) throw error;
          skipped.push({ endpointId: endpoint.id, client: candidate.ipAddress, reason: error.message });
          continue;
        }
        pairsAnalysed++;
        const moved = movedChecks(before, after);
        if (moved.length === 0 && before.verdict === after.verdict) continue;
        const pair: BlastPair = {
          client: {
            ipAddress: candidate.ipAddress,
            ...(candidate.eni ? { networkInterfaceId: candidate.eni.id, securityGroupIds: [...candidate.eni.securityGroupIds] } : {}),
            ...(candidate.subnetId ? { subnetId: candidate.subnetId } : {}),
          },
          verdictBefore: before.verdict,
          verdictAfter: after.verdict,
          breaks: (before.verdict === 'reachable' || before.verdict === 'partial') && drop({ verdictBefore: before.verdict, verdictAfter: after.verdict }) > 0,
          moved,
        };
        pairs.push(pair);
      }
      if (pairs.length === 0) continue;
      pairs.sort((a, b) => Number(b.breaks) - Number(a.breaks) || drop(b) - drop(a) || a.client.ipAddress.localeCompare(b.client.ipAddress));
      pairsMoved += pairs.length;
      breaks += pairs.filter((pair) => pair.breaks).length;
      endpoints.push({
        endpointId: endpoint.id,
        ...(unit.accountId ? { accountId: unit.accountId } : {}),
        ...(unit.region ? { region: unit.region } : {}),
        vpcId: endpoint.vpcId,
        pairs,
      });
    }
  }
  const worst = (entry: BlastRadiusResult['endpoints'][number]) => entry.pairs[0]!;
  endpoints.sort((a, b) => Number(worst(b).breaks) - Number(worst(a).breaks) || drop(worst(b)) - drop(worst(a)) || a.endpointId.localeCompare(b.endpointId));
  return { changes: [...request.changes], pairsAnalysed, pairsMoved, breaks, endpoints, skipped };
}
