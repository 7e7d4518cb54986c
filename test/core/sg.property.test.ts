import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createNetworkModel, type PrefixList, type SecurityGroup, type SecurityGroupRule } from '../../src/core/model.js';
import { parseCidr, parseIp } from '../../src/core/net.js';
import { applyChanges, type Change } from '../../src/core/change.js';
import { singleUnitFleet } from '../../src/core/fleet.js';
import { evaluateSecurityGroups } from '../../src/core/sg.js';
import { referenceCidrContains } from '../support/reference.js';

/**
 * Security group evaluation against a brute force: the union of every rule of every group,
 * with `unknown` exactly when no rule allows and some rule could if its missing data did.
 */

const PEERS = ['10.0.0.17', '10.0.1.33', '10.0.2.49', '192.168.7.1', '2600:1f18::17'];
const GROUPS = ['sg-0aaaaaaaaaaaaaaa1', 'sg-0aaaaaaaaaaaaaaa2', 'sg-0aaaaaaaaaaaaaaa3'];
const PREFIX_LISTS: PrefixList[] = [
  { id: 'pl-0000000000000000a', entries: [parseCidr('10.0.0.0/24')!, parseCidr('192.168.0.0/16')!] },
  { id: 'pl-0000000000000000b', entries: [parseCidr('2600:1f18::/56')!] },
  { id: 'pl-0000000000000000c' },
];
const PREFIX_LIST_IDS = [...PREFIX_LISTS.map((list) => list.id), 'pl-0000000000000000d'];

type RawPeer = { kind: 'cidr'; cidr: string } | { kind: 'prefix-list'; id: string } | { kind: 'security-group'; id: string };
interface RawRule {
  protocol: string;
  portRange?: { from: number; to: number };
  peer: RawPeer;
}

const rawPeer: fc.Arbitrary<RawPeer> = fc.oneof(
  fc
    .constantFrom('0.0.0.0/0', '10.0.0.0/16', '10.0.0.0/24', '10.0.1.32/28', '192.168.0.0/16', '::/0', '2600:1f18::/64')
    .map((cidr) => ({ kind: 'cidr' as const, cidr })),
  fc.constantFrom(...PREFIX_LIST_IDS).map((id) => ({ kind: 'prefix-list' as const, id })),
  fc.constantFrom(...GROUPS).map((id) => ({ kind: 'security-group' as const, id })),
);
const rawRule: fc.Arbitrary<RawRule> = fc.record({
  protocol: fc.constantFrom('tcp', '6', '-1', 'udp', '17', 'icmp', 'TCP'),
  portRange: fc.option(
    fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 })).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })),
    { nil: undefined },
  ),
  peer: rawPeer,
});

/** A generated rule as the model holds it, in `groupId`. */
function modelRuleOf(rule: RawRule, groupId: string, direction: 'ingress' | 'egress'): SecurityGroupRule {
  return {
    groupId,
    direction,
    protocol: rule.protocol,
    ...(rule.portRange ? { portRange: rule.portRange } : {}),
    peer:
      rule.peer.kind === 'cidr'
        ? { kind: 'cidr', cidr: parseCidr(rule.peer.cidr)! }
        : rule.peer.kind === 'prefix-list'
          ? { kind: 'prefix-list', prefixListId: rule.peer.id }
          : { kind: 'security-group', groupId: rule.peer.id },
  };
}

/** A model of these groups and the prefix lists above, nothing else. */
function modelWithGroups(securityGroups: SecurityGroup[]) {
  return createNetworkModel({
    source: { kind: 'snapshot', location: 'property' },
    captured: new Set(['securityGroups', 'prefixLists']),
    endpoints: [],
    networkInterfaces: [],
    subnets: [],
    networkAcls: [],
    securityGroups,
    prefixLists: PREFIX_LISTS,
    instances: [],
  });
}

function referenceVerdict(rules: RawRule[], port: number, peer: string, peerGroups: Set<string> | undefined): 'allow' | 'deny' | 'unknown' {
  let unknown = false;
  for (const rule of rules) {
    const protocol = rule.protocol.toLowerCase();
    const protocolOk = protocol === '-1' || protocol === 'tcp' || protocol === '6';
    const portOk = protocol === '-1' || !rule.portRange || (port >= rule.portRange.from && port <= rule.portRange.to);
    if (!protocolOk || !portOk) continue;
    let matches: boolean | 'unknown';
    if (rule.peer.kind === 'cidr') matches = referenceCidrContains(rule.peer.cidr, peer);
    else if (rule.peer.kind === 'prefix-list') {
      const id = rule.peer.id;
      const list = PREFIX_LISTS.find((candidate) => candidate.id === id);
      matches = list?.entries ? list.entries.some((cidr) => referenceCidrContains(cidr.text, peer)) : 'unknown';
    } else matches = peerGroups ? peerGroups.has(rule.peer.id) : 'unknown';
    if (matches === true) return 'allow';
    if (matches === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'deny';
}

describe('evaluateSecurityGroups against a brute force', () => {
  it('allows, denies or cannot tell exactly as the union of the rules says', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(rawRule, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 600 }),
        fc.constantFrom(...PEERS),
        fc.option(fc.subarray(GROUPS), { nil: undefined }),
        fc.constantFrom('ingress' as const, 'egress' as const),
        (groupsRules, port, peer, peerGroups, direction) => {
          const groups: SecurityGroup[] = groupsRules.map((rules, index) => {
            const groupId = GROUPS[index]!;
            const modelRules = rules.map((rule) => modelRuleOf(rule, groupId, direction));
            return { id: groupId, name: groupId, ingress: direction === 'ingress' ? modelRules : [], egress: direction === 'egress' ? modelRules : [] };
          });
          const model = modelWithGroups(groups);
          const groupSet = peerGroups ? new Set(peerGroups) : undefined;
          const evaluation = evaluateSecurityGroups(model, {
            groupIds: groups.map((group) => group.id),
            direction,
            port,
            peer: { address: parseIp(peer)!, groupIds: groupSet },
          });
          assert.equal(evaluation.outcome, referenceVerdict(groupsRules.flat(), port, peer, groupSet));
          if (evaluation.outcome === 'allow') {
            const rule = evaluation.rule;
            const raw: RawRule = {
              protocol: rule.protocol,
              ...(rule.portRange ? { portRange: rule.portRange } : {}),
              peer:
                rule.peer.kind === 'cidr'
                  ? { kind: 'cidr', cidr: rule.peer.cidr.text }
                  : rule.peer.kind === 'prefix-list'
                    ? { kind: 'prefix-list', id: rule.peer.prefixListId }
                    : { kind: 'security-group', id: rule.peer.groupId },
            };
            assert.equal(referenceVerdict([raw], port, peer, groupSet), 'allow', 'the cited rule allows on its own');
          }
        },
      ),
      { numRuns: 4000 },
    );
  });

  it("judges a group a change extended as a model built with its rules does (the overlay extends the base's compiled rules)", () => {
    const modelOf = (rules: SecurityGroupRule[], direction: 'ingress' | 'egress') =>
      modelWithGroups([{ id: GROUPS[0]!, name: 'g', ingress: direction === 'ingress' ? rules : [], egress: direction === 'egress' ? rules : [] }]);
    fc.assert(
      fc.property(
        fc.array(rawRule, { maxLength: 12 }),
        fc.array(
          fc.record({
            protocol: fc.constantFrom('tcp', '-1', 'udp'),
            from: fc.integer({ min: 0, max: 600 }),
            span: fc.integer({ min: 0, max: 50 }),
            cidr: fc.constantFrom('10.0.0.0/16', '10.0.1.32/28', '192.168.0.0/16', '2600:1f18::/64'),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.integer({ min: 0, max: 600 }),
        fc.constantFrom(...PEERS),
        fc.constantFrom('ingress' as const, 'egress' as const),
        (raw, added, port, peer, direction) => {
          const groupId = GROUPS[0]!;
          const rules = raw.map((rule) => modelRuleOf(rule, groupId, direction));
          const changes: Change[] = added.map((rule) => ({
            op: 'add',
            kind: 'sg-rule',
            groupId,
            direction: direction === 'ingress' ? 'inbound' : 'outbound',
            protocol: rule.protocol,
            ...(rule.protocol === '-1' ? {} : { fromPort: rule.from, toPort: rule.from + rule.span }),
            ...(rule.cidr.includes(':') ? { ipv6Cidr: rule.cidr } : { cidr: rule.cidr }),
          }));
          const base = modelOf(rules, direction);
          const query = { groupIds: [groupId], direction, port, peer: { address: parseIp(peer)!, groupIds: new Set([GROUPS[1]!]) } };
          evaluateSecurityGroups(base, query); // compiles the base's rules, for the overlay to extend
          let applied;
          try {
            applied = applyChanges(singleUnitFleet(base), changes);
          } catch {
            return; // a duplicate of a rule already there: nothing to compare
          }
          const overlay = applied.fleet.units[0]!.model!;
          const extended = overlay.securityGroups.get(groupId)!;
          const fresh = modelOf(direction === 'ingress' ? [...extended.ingress] : [...extended.egress], direction);
          assert.deepEqual(evaluateSecurityGroups(overlay, query), evaluateSecurityGroups(fresh, query));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is unknown when the groups themselves were not captured, or one group is missing and no other allows', () => {
    const base = {
      source: { kind: 'snapshot' as const, location: 't' },
      endpoints: [],
      networkInterfaces: [],
      subnets: [],
      networkAcls: [],
      prefixLists: [],
      instances: [],
    };
    const peer = { address: parseIp('10.0.0.17')!, groupIds: new Set<string>() };
    const notCaptured = createNetworkModel({ ...base, captured: new Set(), securityGroups: [] });
    assert.equal(evaluateSecurityGroups(notCaptured, { groupIds: [GROUPS[0]!], direction: 'ingress', port: 443, peer }).outcome, 'unknown');
    const allowing: SecurityGroup = {
      id: GROUPS[1]!,
      name: 'allowing',
      ingress: [
        {
          groupId: GROUPS[1]!,
          direction: 'ingress',
          protocol: 'tcp',
          portRange: { from: 443, to: 443 },
          peer: { kind: 'cidr', cidr: parseCidr('10.0.0.0/16')! },
        },
      ],
      egress: [],
    };
    const partlyCaptured = createNetworkModel({ ...base, captured: new Set(['securityGroups']), securityGroups: [allowing] });
    assert.equal(evaluateSecurityGroups(partlyCaptured, { groupIds: [GROUPS[0]!], direction: 'ingress', port: 443, peer }).outcome, 'unknown');
    assert.equal(evaluateSecurityGroups(partlyCaptured, { groupIds: [GROUPS[0]!, GROUPS[1]!], direction: 'ingress', port: 443, peer }).outcome, 'allow');
  });
});
