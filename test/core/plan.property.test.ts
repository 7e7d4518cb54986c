import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyze, judge } from '../../src/core/analyze.js';
import { asFleet } from '../../src/core/fleet.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { consumerScenario, providerScenario, type Scenario } from './plan-scenarios.js';
import { applyToDocuments, assertFixed, assertPlanShape, naclOrderProblems, planCollisions } from './plan-support.js';

/**
 * Contract §6 on random data: whatever the rules, the plan applied to the AWS JSON by an
 * applier independent of the planner and of src/core/change.ts (as AWS would run its
 * commands, refusing duplicates and taken rule numbers), the model rebuilt and the request
 * analysed again, gives `reachable` or leaves failing only what the plan calls unfixable.
 */

interface Tally {
  runs: number;
  failing: number;
  planned: number;
  fixed: number;
}

function checkScenario(scenario: Scenario, tally: Tally): void {
  const model = modelFromAws(scenario.documents as AwsDocuments);
  const report = analyze(model, scenario.request);
  const plan = report.fixPlan;
  const label = scenario.label;
  tally.runs++;
  if (report.verdict !== 'reachable') tally.failing++;
  if (plan.changes.length > 0) tally.planned++;
  assertPlanShape(plan, label);
  const units = [{ ...scenario.unit, documents: structuredClone(scenario.documents) }];
  assert.deepEqual(planCollisions(units, plan.changes), [], `${label}: collisions`);
  assert.deepEqual(naclOrderProblems(report, plan.changes, units, plan.unfixable), [], `${label}: NACL rule numbers`);
  applyToDocuments(units, plan.changes);
  const after = judge(asFleet(modelFromAws(units[0]!.documents as AwsDocuments)), scenario.request).report;
  assert.equal(after.verdict, plan.verdictAfter, `${label}: the plan's proof agrees with the documents changed as AWS would change them`);
  assertFixed(plan, after, label);
  if (report.verdict !== 'reachable' && after.verdict === 'reachable') tally.fixed++;
}

const RANDOM_CASES = [
  {
    name: 'consumer VPC (dual-stack or not): SG rules, prefix lists, group references, NACL carve-outs',
    scenarios: consumerScenario,
    numRuns: 1500,
    fixedShare: 10,
  },
  {
    name: 'consumer and visible provider: NLB groups and enforcement, target groups and NACLs, cross-zone, health',
    scenarios: providerScenario,
    numRuns: 1200,
    fixedShare: 20,
  },
] as const;

describe('fix plans of random scenarios, applied to the AWS documents and analysed again', () => {
  for (const { name, scenarios, numRuns, fixedShare } of RANDOM_CASES) {
    it(name, () => {
      const tally: Tally = { runs: 0, failing: 0, planned: 0, fixed: 0 };
      fc.assert(
        fc.property(scenarios, (scenario) => checkScenario(scenario, tally)),
        { numRuns, includeErrorInReport: true },
      );
      // The generator makes failing cases the plan fixes, not only reachable ones.
      assert.ok(tally.failing > tally.runs / 3, `failing ${tally.failing} of ${tally.runs}`);
      assert.ok(tally.fixed > tally.runs / fixedShare, `fixed ${tally.fixed} of ${tally.runs}`);
    });
  }
});
