import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze.js';
import { applyChanges, type Change } from '../../src/core/change.js';
import { singleUnitFleet } from '../../src/core/fleet.js';
import { memoOf, withOwnMemo } from '../../src/core/memo.js';
import { createNetworkModel, type NetworkModel, type PrefixList, type SecurityGroup, type TargetGroup } from '../../src/core/model.js';
import { parseCidr, parseIp } from '../../src/core/net.js';
import { targetsOf } from '../../src/core/provider.js';
import type { Report } from '../../src/core/report.js';
import { evaluateSecurityGroups } from '../../src/core/sg.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { IDS, providerDocuments } from '../support/provider-fixture.js';

/**
 * The core's memos (resolved targets, prefix list sets, provider paths) answer for the
 * model (or the analysis) they were made for, never for another one that shares a resource
 * object with it: two models holding the same TargetGroup object, but not the same
 * interfaces behind its targets, are each judged on their own data, in either order.
 * (With the memos at module level, keyed by the shared object, the second model analysed
 * was answered with the first one's targets.)
 */

const CLOSED_SG = 'sg-0c105ed0c105ed0c1';

/** The provider fixture with its targets' interfaces in a group that admits nothing. */
function closedTargetsDocuments(): AwsDocuments {
  const documents = providerDocuments();
  const interfaces = documents.DescribeNetworkInterfaces!.NetworkInterfaces as {
    NetworkInterfaceId: string;
    Groups: unknown[];
    Attachment?: { InstanceId?: string };
  }[];
  let moved = 0;
  for (const eni of interfaces) {
    if (eni.Attachment?.InstanceId && (IDS.targets as readonly string[]).includes(eni.Attachment.InstanceId)) {
      eni.Groups = [{ GroupId: CLOSED_SG, GroupName: 'closed' }];
      moved++;
    }
  }
  assert.equal(moved, IDS.targets.length, 'every target interface moved to the closed group');
  const groups = documents.DescribeSecurityGroups!.SecurityGroups as { VpcId: string; GroupId: string }[];
  const providerVpc = groups.find((group) => group.GroupId === IDS.targetSg)!.VpcId;
  groups.push({
    ...groups.find((group) => group.GroupId === IDS.targetSg)!,
    GroupId: CLOSED_SG,
    GroupName: 'closed',
    VpcId: providerVpc,
    IpPermissions: [],
  } as never);
  return documents;
}

/** The same model, rebuilt with some resource objects taken from another model (as an overlay or a second fleet shares them). */
function sharing(model: NetworkModel, from: NetworkModel, what: { readonly targetGroups?: boolean; readonly prefixLists?: boolean }): NetworkModel {
  return createNetworkModel({
    source: model.source,
    captured: model.captured,
    failures: model.failures,
    truncated: model.truncated,
    endpoints: [...model.endpoints.values()],
    networkInterfaces: [...model.networkInterfaces.values()],
    subnets: [...model.subnets.values()],
    networkAcls: [...model.networkAcls.values()],
    securityGroups: [...model.securityGroups.values()],
    prefixLists: [...(what.prefixLists ? from : model).prefixLists.values()],
    instances: [...model.instances.values()],
    endpointServices: [...model.endpointServicesByName.values()],
    serviceDetails: [...model.serviceDetailsByName.values()],
    loadBalancers: [...model.loadBalancers.values()],
    targetGroups: [...(what.targetGroups ? from : model).targetGroups.values()],
  });
}

/** Two models that share their one TargetGroup object: `open`'s targets admit the NLB, `closed`'s sit in a group that admits nothing. */
function twoModels(): { open: NetworkModel; closed: NetworkModel; group: TargetGroup } {
  const open = modelFromAws(providerDocuments());
  const closed = sharing(modelFromAws(closedTargetsDocuments()), open, { targetGroups: true });
  const group = open.targetGroups.get(IDS.tgArn)!;
  assert.equal(closed.targetGroups.get(IDS.tgArn), group, 'the very same TargetGroup object');
  return { open, closed, group };
}

function statuses(report: Report, id: string): string[] {
  return report.checks.filter((check) => check.id === id).map((check) => check.status);
}

const request = { endpointId: IDS.endpoint, client: { ip: IDS.clientIp }, port: 443 };

describe('core memos are scoped to their model', () => {
  it('resolves a shared target group against each model: its own instances and interfaces', () => {
    const { open, closed, group } = twoModels();
    const groupsOf = (model: NetworkModel) => targetsOf(model, group)!.map((target) => target.networkInterface?.securityGroupIds.join(','));
    assert.deepEqual(groupsOf(open), [IDS.targetSg, IDS.targetSg]);
    assert.deepEqual(groupsOf(closed), [CLOSED_SG, CLOSED_SG]);
    // And again, once both are remembered.
    assert.deepEqual(groupsOf(open), [IDS.targetSg, IDS.targetSg]);
  });

  for (const order of [
    ['open', 'closed'],
    ['closed', 'open'],
  ] as const) {
    it(`judges two models sharing a target group each on its own targets (${order.join(' first, then ')})`, () => {
      const models = twoModels();
      const reports = Object.fromEntries(order.map((name) => [name, analyze(models[name], request)])) as Record<'open' | 'closed', Report>;
      assert.deepEqual(statuses(reports.open, 'target.sg.inbound'), ['pass', 'pass']);
      assert.equal(reports.open.verdict, 'reachable', reports.open.verdictSummary);
      assert.deepEqual(statuses(reports.closed, 'target.sg.inbound'), ['fail', 'fail']);
      assert.equal(reports.closed.verdict, 'blocked', reports.closed.verdictSummary);
      // The NLB's egress names the targets' group, which the closed model's targets do not carry.
      assert.deepEqual(statuses(reports.closed, 'nlb.sg.outbound'), ['fail', 'fail']);
    });
  }

  it('gives every model a memo of its own, which a model spread from it does not carry', () => {
    const { open, closed } = twoModels();
    assert.ok(open.memo && closed.memo);
    assert.notEqual(open.memo, closed.memo);
    // Not enumerable: a spread copy (a hand-made overlay) has none, and is answered afresh.
    const spread: NetworkModel = { ...open };
    assert.equal(spread.memo, undefined);
    assert.notEqual(memoOf(spread), memoOf(spread));
    assert.equal(memoOf(open), open.memo);
    assert.deepEqual(Object.keys(open).includes('memo'), false);
  });

  it('gives an overlay (changes applied) its own memo: its targets resolved anew, its base’s prefix list sets kept', () => {
    const { open } = twoModels();
    analyze(open, request);
    const group = open.targetGroups.get(IDS.tgArn)!;
    assert.ok(open.memo!.targets.has(group));
    const applied = applyChanges(singleUnitFleet(open), [
      { op: 'add', kind: 'sg-rule', groupId: IDS.endpointSg, direction: 'inbound', protocol: 'tcp', fromPort: 8443, toPort: 8443, cidr: '192.0.2.0/24' },
    ]);
    const overlay = applied.fleet.units[0]!.model!;
    assert.notEqual(overlay, open);
    assert.equal(overlay.targetGroups.get(IDS.tgArn), group, 'the overlay shares the target group object');
    assert.ok(overlay.memo && overlay.memo !== open.memo);
    assert.equal(overlay.memo.targets.has(group), false);
    // The prefix list sets carry over: the overlay holds the base's very lists, and a set reads only its list.
    assert.equal(overlay.memo.prefixListSets, open.memo!.prefixListSets);
    assert.equal(overlay.prefixLists, open.prefixLists);
    assert.equal(analyze(overlay, request).verdict, 'reachable');
    assert.ok(overlay.memo.targets.has(group));
  });

  it('indexes the target groups by load balancer once, and an overlay reads its base’s index', () => {
    const model = modelFromAws(providerDocuments());
    const groups = memoOf(model).targetGroupsOf(model, IDS.lbArn);
    assert.deepEqual(
      groups.map((group) => group.arn),
      [...model.targetGroups.values()].filter((group) => group.loadBalancerArns.includes(IDS.lbArn)).map((group) => group.arn),
    );
    assert.ok(groups.length > 0);
    assert.deepEqual(memoOf(model).targetGroupsOf(model, 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/none/0'), []);
    const overlay = applyChanges(singleUnitFleet(model), [
      { op: 'add', kind: 'sg-rule', groupId: IDS.targetSg, direction: 'inbound', protocol: 'tcp', fromPort: 9000, toPort: 9000, cidr: '192.0.2.0/24' },
    ]).fleet.units[0]!.model!;
    assert.equal(memoOf(overlay).targetGroupsOf(overlay, IDS.lbArn), groups);
  });

  it('remembers prefix list sets per model, for a list object two models share', () => {
    const list: PrefixList = { id: 'pl-0aaaaaaaaaaaaaaa1', name: 'partners', entries: [parseCidr('10.8.0.0/16')!] };
    const group: SecurityGroup = {
      id: 'sg-0aaaaaaaaaaaaaaa1',
      name: 'partners-in',
      ingress: [
        {
          groupId: 'sg-0aaaaaaaaaaaaaaa1',
          direction: 'ingress',
          protocol: 'tcp',
          portRange: { from: 443, to: 443 },
          peer: { kind: 'prefix-list', prefixListId: list.id },
        },
      ],
      egress: [],
    };
    const model = () =>
      createNetworkModel({
        source: { kind: 'snapshot', location: 'test' },
        captured: new Set(['securityGroups', 'prefixLists', 'prefixListEntries']),
        prefixLists: [list],
        securityGroups: [group],
      });
    const [a, b] = [model(), model()];
    assert.equal(a.prefixLists.get(list.id), b.prefixLists.get(list.id), 'the very same PrefixList object');
    const query = (ip: string) => ({
      groupIds: [group.id],
      direction: 'ingress' as const,
      port: 443,
      peer: { address: parseIp(ip)!, groupIds: new Set<string>() },
    });
    assert.equal(evaluateSecurityGroups(a, query('10.8.1.1')).outcome, 'allow');
    assert.equal(evaluateSecurityGroups(a, query('10.9.1.1')).outcome, 'deny');
    const set = a.memo!.prefixListSets.get(list);
    assert.ok(set, "the list's set is made once and kept");
    assert.equal(evaluateSecurityGroups(a, query('10.8.2.2')).outcome, 'allow');
    assert.equal(a.memo!.prefixListSets.get(list), set);
    assert.equal(b.memo!.prefixListSets.has(list), false, 'what was learnt on one model stays with it');
    assert.equal(evaluateSecurityGroups(b, query('10.9.1.1')).outcome, 'deny');
    assert.ok(b.memo!.prefixListSets.has(list));
  });

  it('judges the client-blind provider checks once per load balancer, listener and AZ: a second client gets the same checks with its own paths, as a fresh model would judge them', () => {
    const model = modelFromAws(providerDocuments());
    const first = analyze(model, request);
    const shared = model.memo!.providerPathChecks;
    // nlb.sg.outbound, target.sg.inbound, both target NACLs and target health, in each of the two AZs.
    assert.deepEqual([...new Set([...shared.keys()].map((key) => key.split('|')[0]))].sort(), [
      'nlb.sg.outbound',
      'target.health',
      'target.nacl.inbound',
      'target.nacl.outbound',
      'target.sg.inbound',
    ]);
    assert.equal(shared.size, 10);
    for (const { check } of shared.values()) assert.equal(check.scope.endpointId, '', 'remembered without any path');
    const again = analyze(model, request);
    assert.equal(shared.size, 10, 'the second analysis judged none of them again');
    assert.equal(JSON.stringify(again), JSON.stringify(first));
    const other = { ...request, client: { ip: '10.0.1.26' } };
    assert.equal(JSON.stringify(analyze(model, other)), JSON.stringify(analyze(modelFromAws(providerDocuments()), other)));
    for (const check of analyze(model, other).checks.filter((item) => item.id === 'target.health')) {
      assert.equal(check.scope.endpointId, IDS.endpoint);
      assert.ok(check.scope.networkInterfaceId && (IDS.endpointEnis as readonly string[]).includes(check.scope.networkInterfaceId));
    }
  });

  it('judges an overlay whose change reaches the targets afresh, not from its base’s provider checks', () => {
    const model = modelFromAws(providerDocuments());
    assert.equal(analyze(model, request).verdict, 'reachable');
    const applied = applyChanges(singleUnitFleet(model), [
      { op: 'remove', kind: 'sg-rule', groupId: IDS.targetSg, direction: 'inbound', protocol: 'tcp', fromPort: 8443, toPort: 8443, peerGroupId: IDS.lbSg },
    ]);
    const overlay = applied.fleet.units[0]!.model!;
    assert.equal(overlay.memo!.providerPathChecks.size, 0);
    assert.deepEqual(statuses(analyze(overlay, request), 'target.sg.inbound'), ['fail', 'fail']);
  });

  it('lets an overlay take its base’s provider checks when its changes touch none of the rules they read, and only then', () => {
    const model = modelFromAws(providerDocuments());
    analyze(model, request);
    const base = model.memo!.providerPathChecks;
    const unrelated = applyChanges(singleUnitFleet(model), [
      { op: 'add', kind: 'sg-rule', groupId: IDS.clientSg, direction: 'outbound', protocol: 'tcp', fromPort: 8443, toPort: 8443, cidr: '192.0.2.0/24' },
    ]).fleet.units[0]!.model!;
    assert.equal(JSON.stringify(analyze(unrelated, request)), JSON.stringify(analyze(model, request)));
    assert.equal(unrelated.memo!.providerPathChecks.size, base.size);
    for (const [key, shared] of unrelated.memo!.providerPathChecks) assert.equal(shared, base.get(key), `${key}: the base's very judgement`);
    // A rule set is one direction of a group or a NACL: a change reaches the checks that read
    // that direction of it (rule-sets.ts), judged again, and no other.
    const rule = (groupId: string, direction: 'inbound' | 'outbound'): Change => ({
      op: 'add',
      kind: 'sg-rule',
      groupId,
      direction,
      protocol: 'tcp',
      fromPort: 9000,
      toPort: 9000,
      cidr: '192.0.2.0/24',
    });
    const entry = (egress: boolean): Change => ({
      op: 'add',
      kind: 'nacl-entry',
      networkAclId: IDS.targetNacl,
      egress,
      ruleNumber: 7,
      protocol: 'tcp',
      action: 'deny',
      cidr: '192.0.2.0/24',
      fromPort: 9000,
      toPort: 9000,
    });
    const cases: { change: Change; judgedAgain: string[] }[] = [
      { change: rule(IDS.lbSg, 'outbound'), judgedAgain: ['nlb.sg.outbound'] },
      { change: rule(IDS.targetSg, 'inbound'), judgedAgain: ['target.sg.inbound'] },
      // The targets' outbound rules are read by no check.
      { change: rule(IDS.targetSg, 'outbound'), judgedAgain: [] },
      { change: entry(false), judgedAgain: ['target.nacl.inbound'] },
      { change: entry(true), judgedAgain: ['target.nacl.outbound'] },
    ];
    for (const { change, judgedAgain } of cases) {
      const related = applyChanges(singleUnitFleet(model), [change]).fleet.units[0]!.model!;
      const report = analyze(related, request);
      // The same report as a model that remembers nothing of the base.
      assert.equal(JSON.stringify(report), JSON.stringify(analyze(withOwnMemo({ ...related }), request)), JSON.stringify(change));
      const keys = [...related.memo!.providerPathChecks.keys()];
      for (const id of judgedAgain)
        assert.ok(
          keys.some((key) => key.startsWith(`${id}|`)),
          `${id} is remembered`,
        );
      for (const [key, shared] of related.memo!.providerPathChecks) {
        const again = judgedAgain.some((id) => key.startsWith(`${id}|`));
        if (again) assert.notEqual(shared, base.get(key), `${JSON.stringify(change)}: ${key} judged again`);
        else assert.equal(shared, base.get(key), `${JSON.stringify(change)}: ${key} the base's very judgement`);
      }
    }
  });
});
