import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge } from '../../src/core/analyze.js';
import { applyChanges } from '../../src/core/change.js';
import { createFleet, singleUnitFleet } from '../../src/core/fleet.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { parseCidr } from '../../src/core/net.js';
import { fleetExposure, fleetWorkloadRows, reachability } from '../../src/core/reachability.js';
import { fleetReportTargets } from '../../src/core/fleet-report.js';
import { IDS } from '../support/fixtures.js';
import { REACH, reachDocuments, reachModel } from '../support/reach-fixture.js';
import { readSnapshot } from '../../src/sources/snapshot/read.js';
import { exampleDir } from '../sources/aws/examples.js';

describe('who can reach: one endpoint', () => {
  const answer = reachability(reachModel(), { endpointId: REACH.endpointId });

  it('lists the admitted sources per interface, with the carve-out excluded by its NACL entry and the partial return as warn', () => {
    const warned = answer.interfaces.find((set) => set.eniId === REACH.warnedEni)!;
    assert.deepEqual(
      warned.excluded.filter((item) => item.cidr.includes('.')),
      [
        {
          cidr: REACH.carvedOut,
          by: {
            checkId: 'endpoint.nacl.inbound',
            status: 'fail',
            evidence: `${REACH.warnedAcl} inbound rule 90: deny tcp 443 from ${REACH.carvedOut} (decides 443)`,
          },
        },
      ],
    );
    assert.deepEqual(
      warned.ipv4.filter((item) => item.cidr.startsWith('10.0.1.')),
      [{ cidr: '10.0.1.0/25', status: 'warn' }],
    );
    // Inside the interface's own subnet no NACL is crossed: no warning there.
    assert.deepEqual(
      warned.ipv4.find((item) => item.cidr === '10.0.10.0/24'),
      { cidr: '10.0.10.0/24', status: 'reachable' },
    );
    const other = answer.interfaces.find((set) => set.eniId !== REACH.warnedEni)!;
    assert.deepEqual(other.ipv4, [{ cidr: '10.0.0.0/16', status: 'reachable' }]);
  });

  it('groups the workloads by subnet and groups, with per-member verdicts when they differ', () => {
    assert.deepEqual(
      answer.workloads.map((group) => [group.subnetId, group.securityGroupIds, group.eniIds.length, group.verdict, group.failing]),
      [
        [IDS.clientSubnet, [IDS.clientSg], 3, 'partial', ['endpoint.nacl.inbound']],
        [IDS.clientSubnet, [REACH.lockedGroup], 1, 'blocked', ['client.sg.outbound']],
      ],
    );
    const mixed = answer.workloads[0]!;
    assert.deepEqual(
      mixed.members?.map((member) => [member.ipAddress, member.verdict]),
      [
        [IDS.clientIp, 'reachable'],
        [REACH.carvedClient.ip, 'partial'],
        [REACH.sameGroupClient.ip, 'reachable'],
      ],
    );
    assert.equal(mixed.deciding?.eniId, REACH.carvedClient.eni);
    assert.equal(answer.workloads[1]!.members, undefined);
    assert.deepEqual(answer.summary, { workloadGroups: 2, interfaces: 4, reachable: 0, partial: 1, blocked: 1, unknown: 0 });
  });

  it('gives each group that does not reach a plan proven for every member (subnet scope for a group, client for one interface)', () => {
    const model = reachModel();
    for (const group of answer.workloads) {
      const plan = group.fixPlan!;
      assert.equal(plan.provenForGroup, true, JSON.stringify(plan.notProvenFor));
      assert.equal(plan.plan.scope, group.eniIds.length === 1 ? 'client' : 'subnet');
      const changed = applyChanges(singleUnitFleet(model), plan.plan.changes).fleet;
      for (const eniId of group.eniIds) assert.equal(judge(changed, { endpointId: REACH.endpointId, client: { eniId } }).report.verdict, 'reachable', eniId);
    }
    assert.equal(
      reachability(reachModel(), { endpointId: REACH.endpointId, plans: false }).workloads.some((group) => group.fixPlan),
      false,
    );
  });

  it('finds the exposure: 0.0.0.0/0 admitted, and with trusted ranges what lies outside them', () => {
    assert.equal(answer.exposure.exposed, true);
    assert.deepEqual(
      answer.exposure.findings.map((finding) => [finding.kind, finding.family, finding.rules]),
      [['any-address', 4, [`${IDS.endpointSg} inbound: tcp 443 from 0.0.0.0/0`]]],
    );
    const trusted = reachability(reachModel(), {
      endpointId: REACH.endpointId,
      plans: false,
      trustedCidrs: [parseCidr('0.0.0.0/1')!, parseCidr('128.0.0.0/1')!],
    });
    assert.deepEqual(
      trusted.exposure.findings.map((finding) => finding.kind),
      ['any-address'],
    );
    const narrow = reachability(reachModel(), { endpointId: REACH.endpointId, plans: false, trustedCidrs: [parseCidr('192.168.0.0/16')!] });
    const outside = narrow.exposure.findings.find((finding) => finding.kind === 'outside-trusted')!;
    assert.equal(outside.cidrs.includes('192.168.0.0/16'), false);
    assert.equal(BigInt(outside.addressCount), BigInt(narrow.exposure.findings[0]!.addressCount) - 65536n);
  });

  it('gives one exposure series per endpoint and service port: exposed here, quiet for an endpoint that admits only its VPC', async () => {
    assert.deepEqual(
      fleetExposure(reachModel()).map((row) => [row.endpointId, row.port, row.exposed]),
      [[REACH.endpointId, 443, true]],
    );
    const healthy = await readSnapshot(exampleDir('healthy-aws-service'));
    assert.deepEqual(
      fleetExposure(healthy).map((row) => [row.port, row.exposed, row.findings]),
      [[443, false, []]],
    );
  });

  it('refuses a port it cannot choose, naming the field', () => {
    assert.throws(() => reachability(reachModel(), { endpointId: REACH.endpointId, port: 0 }), { name: 'AnalysisError', field: 'port' });
  });
});

describe('the fleet report with every workload', () => {
  it('gives one row per (endpoint, workload group), read from the source sets, as the reachability answer', () => {
    const fleet = singleUnitFleet(reachModel());
    const rows = [...fleetWorkloadRows(fleet, fleetReportTargets(fleet, {}))];
    const answer = reachability(fleet, { endpointId: REACH.endpointId, plans: false });
    assert.deepEqual(
      rows.map((row) => [row.endpointId, row.port, row.verdict, row.workload?.eniIds]),
      answer.workloads.map((group) => [REACH.endpointId, 443, group.verdict, group.eniIds]),
    );
  });
});

describe('who can reach: workloads of other accounts', () => {
  it('judges the interfaces of a VPC in another unit whose ranges the endpoint admits by address, as a point analysis of that address does', () => {
    const other = JSON.parse(
      JSON.stringify(reachDocuments()).replaceAll('10.0.', '172.31.').replaceAll(REACH.endpointId, 'vpce-0123456789abcdef9'),
    ) as AwsDocuments;
    const fleet = createFleet([
      { accountId: '123456789012', region: 'us-east-1', model: reachModel() },
      { accountId: '210987654321', region: 'us-east-1', model: modelFromAws(other) },
    ]);
    const answer = reachability(fleet, { endpointId: REACH.endpointId, accountId: '123456789012', region: 'us-east-1', plans: false });
    const foreign = answer.workloads.filter((group) => group.accountId === '210987654321');
    assert.equal(foreign.length, 2);
    for (const group of foreign) {
      assert.match(group.note ?? '', /judged by address/);
      const model = fleet.units[1]!.model!;
      for (const eniId of group.eniIds) {
        const ip = model.networkInterfaces.get(eniId)!.privateIps[0]!.text;
        const { report } = judge(fleet, { endpointId: REACH.endpointId, accountId: '123456789012', region: 'us-east-1', client: { ip } });
        const member = group.members?.find((item) => item.eniId === eniId);
        assert.equal(member?.verdict ?? group.verdict, report.verdict, `${eniId} ${ip}`);
      }
    }
  });
});
