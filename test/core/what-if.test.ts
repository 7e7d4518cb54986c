import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyze, type AnalysisRequest } from '../../src/core/analyze.js';
import type { Change } from '../../src/core/change.js';
import { asFleet, type Fleet } from '../../src/core/fleet.js';
import type { NetworkModel } from '../../src/core/model.js';
import { blastRadius, whatIf } from '../../src/core/what-if.js';
import { readFleetSnapshot } from '../../src/sources/snapshot/fleet.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { EXAMPLE_NAMES, exampleDir, exampleRequest } from '../sources/aws/examples.js';
import { anyScenario } from './plan-scenarios.js';

/**
 * Contract §7: a what-if of nothing is the analysis; so is a change followed by its inverse
 * (add then remove one rule or entry, attach then detach a group, set cross-zone and set it
 * back); the blast radius of no change, or of a change and its inverse, moves nothing.
 */

const EXAMPLES = [...EXAMPLE_NAMES, 'fleet-cross-account'];
const TEST_NET = '198.51.100.7/32';

/** The unit of the endpoint a request names, with its model. */
function endpointUnit(fleet: Fleet, request: AnalysisRequest): { model: NetworkModel; accountId?: string; region?: string } {
  const unit = fleet.unitsWithEndpoint(request.endpointId)[0]!;
  return { model: unit.model!, ...(unit.accountId ? { accountId: unit.accountId } : {}), ...(unit.region ? { region: unit.region } : {}) };
}

function freeRuleNumber(model: NetworkModel, aclId: string, egress: boolean, seed: number): number {
  const acl = model.networkAcls.get(aclId)!;
  const taken = new Set((egress ? acl.egress : acl.ingress).map((entry) => entry.ruleNumber));
  for (let offset = 0; offset < 32766; offset++) {
    const candidate = ((seed + offset) % 32766) + 1;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free rule number in ${aclId}`);
}

/** Changes and their inverses, on resources of the request's endpoint (and its provider, when visible). */
function inversePairs(fleet: Fleet, request: AnalysisRequest, seed = 0): { label: string; change: Change; inverse: Change }[] {
  const { model, ...unit } = endpointUnit(fleet, request);
  const endpoint = model.endpoints.get(request.endpointId)!;
  const pairs: { label: string; change: Change; inverse: Change }[] = [];
  const groups = [...model.securityGroups.keys()];
  const groupId = endpoint.securityGroupIds.find((id) => model.securityGroups.has(id)) ?? groups[seed % Math.max(groups.length, 1)];
  if (groupId) {
    const rule = {
      kind: 'sg-rule' as const,
      groupId,
      direction: seed % 2 === 0 ? ('inbound' as const) : ('outbound' as const),
      protocol: 'tcp',
      fromPort: 443,
      toPort: 443 + (seed % 3),
      cidr: TEST_NET,
      ...unit,
    };
    pairs.push({ label: `sg-rule on ${groupId}`, change: { op: 'add', ...rule, description: 'what-if' }, inverse: { op: 'remove', ...rule } });
  }
  const acl = endpoint.subnetIds.map((subnetId) => model.networkAclBySubnet.get(subnetId)).find((candidate) => candidate !== undefined);
  if (acl) {
    const egress = seed % 2 === 1;
    const ruleNumber = freeRuleNumber(model, acl.id, egress, seed * 37);
    const entry = { kind: 'nacl-entry' as const, networkAclId: acl.id, egress, ruleNumber, ...unit };
    pairs.push({
      label: `nacl-entry ${ruleNumber} in ${acl.id}`,
      change: { op: 'add', ...entry, protocol: '6', fromPort: 0, toPort: 65535, cidr: '0.0.0.0/0', action: seed % 3 === 0 ? 'deny' : 'allow' },
      inverse: { op: 'remove', ...entry },
    });
  }
  const other = groups.find((id) => !endpoint.securityGroupIds.includes(id));
  if (other) {
    const attach = { kind: 'endpoint-sg' as const, endpointId: endpoint.id, groupId: other, ...unit };
    pairs.push({ label: `endpoint-sg ${other}`, change: { op: 'attach', ...attach }, inverse: { op: 'detach', ...attach } });
  }
  for (const candidate of fleet.units) {
    for (const lb of candidate.model?.loadBalancers.values() ?? []) {
      if (lb.crossZoneEnabled === undefined) continue;
      const where = { ...(candidate.accountId ? { accountId: candidate.accountId } : {}), ...(candidate.region ? { region: candidate.region } : {}) };
      const set = (value: boolean): Change => ({
        op: 'set',
        kind: 'nlb-attribute',
        loadBalancerArn: lb.arn,
        key: 'load_balancing.cross_zone.enabled',
        value: String(value),
        ...where,
      });
      pairs.push({ label: `cross-zone of ${lb.name}`, change: set(!lb.crossZoneEnabled), inverse: set(lb.crossZoneEnabled) });
    }
  }
  return pairs;
}

function assertIsTheAnalysis(fleet: Fleet, request: AnalysisRequest, changes: readonly Change[], label: string): void {
  const analysis = analyze(fleet, request);
  const result = whatIf(fleet, request, changes);
  assert.equal(result.verdictBefore, analysis.verdict, `${label}: verdict before`);
  assert.equal(result.verdictAfter, analysis.verdict, `${label}: verdict after`);
  assert.deepEqual(result.moved, [], `${label}: no check moves`);
  assert.deepEqual(result.after, analysis, `${label}: the report after is the analysis`);
}

function assertNoBlast(fleet: Fleet, changes: readonly Change[], label: string): void {
  const blast = blastRadius(fleet, { changes });
  assert.deepEqual(blast.endpoints, [], `${label}: no endpoint moves`);
  assert.equal(blast.pairsMoved, 0, label);
  assert.equal(blast.breaks, 0, label);
}

describe('what-if and blast radius of nothing, on the bundled examples', () => {
  for (const name of EXAMPLES) {
    it(name, async () => {
      const { fleet } = await readFleetSnapshot(exampleDir(name));
      const request = await exampleRequest(name);
      assertIsTheAnalysis(fleet, request, [], `${name}: no change`);
      const blast = blastRadius(fleet, { changes: [] });
      assert.deepEqual(blast, { changes: [], pairsAnalysed: 0, pairsMoved: 0, breaks: 0, endpoints: [], skipped: [] });
      const pairs = inversePairs(fleet, request);
      assert.ok(pairs.length >= 2, `${name}: changes to try`);
      for (const { label, change, inverse } of pairs) {
        // The change alone applies (so the pair is not vacuous) ...
        whatIf(fleet, request, [change]);
        // ... and with its inverse it is nothing.
        assertIsTheAnalysis(fleet, request, [change, inverse], `${name}: ${label} and back`);
        assertNoBlast(fleet, [change, inverse], `${name}: ${label} and back`);
      }
    });
  }

  it('is not vacuous: a change alone moves the endpoint it touches', async () => {
    const name = 'endpoint-sg-missing-port';
    const { fleet } = await readFleetSnapshot(exampleDir(name));
    const request = await exampleRequest(name);
    const plan = analyze(fleet, request).fixPlan;
    const result = whatIf(fleet, request, plan.changes);
    assert.equal(result.verdictAfter, 'reachable');
    assert.ok(result.moved.length > 0);
    assert.throws(() => assertIsTheAnalysis(fleet, request, plan.changes, 'vacuity'));
    const blast = blastRadius(fleet, { changes: plan.changes });
    assert.ok(blast.pairsMoved > 0);
  });
});

describe('what-if and blast radius of a change and its inverse, on random scenarios', () => {
  it('are the analysis and move nothing', () => {
    fc.assert(
      fc.property(anyScenario, fc.nat({ max: 1000 }), fc.nat({ max: 3 }), (scenario, seed, which) => {
        const fleet = asFleet(modelFromAws(scenario.documents as AwsDocuments));
        const request = scenario.request;
        assertIsTheAnalysis(fleet, request, [], `${scenario.label}: no change`);
        assert.equal(blastRadius(fleet, { changes: [] }).pairsAnalysed, 0);
        const pairs = inversePairs(fleet, request, seed);
        const { label, change, inverse } = pairs[which % pairs.length]!;
        assertIsTheAnalysis(fleet, request, [change, inverse], `${scenario.label}: ${label} and back`);
        assertNoBlast(fleet, [change, inverse], `${scenario.label}: ${label} and back`);
      }),
      { numRuns: 150, includeErrorInReport: true },
    );
  });
});
