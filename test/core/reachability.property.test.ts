import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { judge } from '../../src/core/analyze.js';
import { applyChanges } from '../../src/core/change.js';
import { singleUnitFleet, type Fleet } from '../../src/core/fleet.js';
import { ReachEngine } from '../../src/core/reach.js';
import { prepareReachability, reachability, workloadGroups } from '../../src/core/reachability.js';
import { readSnapshot } from '../../src/sources/snapshot/read.js';
import { EXAMPLE_NAMES, exampleDir, exampleRequest } from '../sources/aws/examples.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { providerScenario } from './plan-scenarios.js';
import { reachScenario } from './reach-scenarios.js';

/**
 * Each workload's verdict, read from the source sets and the checks shared by its group, is
 * the point analysis' verdict for that interface, with the same failing and unknown checks;
 * and a group's fix plan, when it says so, makes every member reachable.
 */

function sorted(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

function assertMembersAgree(fleet: Fleet, endpointId: string, port: number | undefined): number {
  let prepared;
  try {
    prepared = prepareReachability(new ReachEngine(fleet), { endpointId, ...(port !== undefined ? { port } : {}) });
  } catch (error) {
    if ((error as Error).name === 'AnalysisError') return 0;
    throw error;
  }
  let members = 0;
  for (const group of workloadGroups(prepared)) {
    for (const member of group.members) {
      const { report } = judge(fleet, { endpointId, client: member.client, port: prepared.port });
      const failed = sorted(report.paths.flatMap((path) => path.failedChecks));
      const unknown = sorted(report.paths.flatMap((path) => path.unknownChecks));
      const context = `${member.eni.id} (${member.address.text}): point analysis ${report.verdict} failing [${failed}] unknown [${unknown}]`;
      assert.equal(member.verdict, report.verdict, context);
      assert.deepEqual(sorted(member.failing), failed, context);
      assert.deepEqual(sorted(member.unknown), unknown, context);
      members++;
    }
  }
  return members;
}

describe('workloads agree with point analyses', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`on the example ${name}`, async () => {
      const model = await readSnapshot(exampleDir(name));
      const request = await exampleRequest(name);
      assertMembersAgree(singleUnitFleet(model), request.endpointId, request.port);
    });
  }

  it('on random consumer snapshots (rules, carve-outs, IPv6, prefix lists, group references, incomplete captures)', () => {
    let members = 0;
    fc.assert(
      fc.property(reachScenario, (scenario) => {
        const fleet = singleUnitFleet(modelFromAws(scenario.documents as AwsDocuments));
        members += assertMembersAgree(fleet, scenario.request.endpointId, 443);
      }),
      { numRuns: 150 },
    );
    assert.ok(members > 150, `judged ${members} members`);
  });

  it('on random consumer and provider snapshots (NLB security groups, targets, health)', () => {
    fc.assert(
      fc.property(providerScenario, (scenario) => {
        const fleet = singleUnitFleet(modelFromAws(scenario.documents as AwsDocuments));
        assertMembersAgree(fleet, scenario.request.endpointId, 443);
      }),
      { numRuns: 80 },
    );
  });
});

describe('group fix plans', () => {
  it('a plan proven for its group makes every member reachable in a point analysis of the changed data', () => {
    let proven = 0;
    fc.assert(
      fc.property(reachScenario, (scenario) => {
        const fleet = singleUnitFleet(modelFromAws(scenario.documents as AwsDocuments));
        let answer;
        try {
          answer = reachability(fleet, { endpointId: scenario.request.endpointId, port: 443 });
        } catch (error) {
          if ((error as Error).name === 'AnalysisError') return;
          throw error;
        }
        for (const group of answer.workloads) {
          if (group.verdict === 'reachable') assert.equal(group.fixPlan, undefined);
          if (!group.fixPlan?.provenForGroup) continue;
          proven++;
          const changed = applyChanges(fleet, group.fixPlan.plan.changes).fleet;
          const model = fleet.units[0]!.model!;
          for (const eniId of group.eniIds) {
            const eni = model.networkInterfaces.get(eniId)!;
            const ip = (eni.privateIps[0] ?? eni.ipv6Addresses[0]!).text;
            const { report } = judge(changed, { endpointId: answer.endpointId, client: { eniId, ip }, port: 443 });
            assert.equal(report.verdict, 'reachable', `${eniId} with the plan for ${group.fixPlan.forEniId}: ${report.verdictSummary}`);
          }
        }
      }),
      { numRuns: 60 },
    );
    assert.ok(proven > 5, `${proven} groups had a proven plan`);
  });
});
