import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { NetworkAcl, NetworkAclEntry } from '../../src/core/model.js';
import { evaluateNaclEntries, freeRuleNumberBefore } from '../../src/core/nacl.js';
import { parseCidr, parseIp } from '../../src/core/net.js';
import { networkAclAllowAction } from '../../src/core/remediation.js';
import { referenceDecidingEntry, referenceNaclAction, type ReferenceNaclEntry } from '../support/reference.js';

/**
 * The NACL engine against a brute force that enumerates every port: a small address and
 * port universe makes overlaps, shadowing and partial coverage frequent.
 */

const PORT_MAX = 200;
const address = fc.integer({ min: 0, max: 7 }).map((last) => `10.0.${last % 2}.${last * 16 + 1}`);
const cidr = fc.oneof(
  fc.constant('0.0.0.0/0'),
  fc.constant('10.0.0.0/16'),
  fc.constantFrom('10.0.0.0/24', '10.0.1.0/24', '10.0.0.0/25', '10.0.1.128/25'),
  address.map((a) => `${a}/32`),
  fc.constant('2600:1f18::/56'),
);
const portRange = fc
  .tuple(fc.integer({ min: 0, max: PORT_MAX }), fc.integer({ min: 0, max: PORT_MAX }))
  .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));

/** What is asked: a range, or (as a connection's destination is) one port, which takes a path of its own. */
const queryRange = fc.oneof(
  portRange,
  fc.integer({ min: 0, max: PORT_MAX }).map((port) => ({ from: port, to: port })),
);

const entry = (ruleNumber: number) =>
  fc.record({
    ruleNumber: fc.constant(ruleNumber),
    action: fc.constantFrom('allow' as const, 'deny' as const),
    protocol: fc.constantFrom('6', '6', '-1', '17'),
    cidr,
    portRange,
  });

const entries = fc
  .uniqueArray(fc.integer({ min: 1, max: 150 }), { maxLength: 12 })
  .chain((numbers) => fc.tuple(...numbers.map(entry)))
  .map((list) =>
    list.map((e): ReferenceNaclEntry => (e.protocol === '-1' ? { ruleNumber: e.ruleNumber, action: e.action, protocol: e.protocol, cidr: e.cidr } : e)),
  );

function toModelEntries(list: readonly ReferenceNaclEntry[]): NetworkAclEntry[] {
  return list
    .map((e) => ({
      ruleNumber: e.ruleNumber,
      egress: false,
      action: e.action,
      protocol: e.protocol,
      cidr: parseCidr(e.cidr)!,
      ...(e.portRange ? { portRange: e.portRange } : {}),
    }))
    .sort((a, b) => a.ruleNumber - b.ruleNumber);
}

function portsOf(ranges: readonly { from: number; to: number }[]): number[] {
  const ports: number[] = [];
  for (const r of ranges) for (let port = r.from; port <= r.to; port++) ports.push(port);
  return ports;
}

describe('evaluateNaclEntries against a port-by-port brute force', () => {
  it('allows exactly the ports the first matching entry allows', () => {
    fc.assert(
      fc.property(entries, address, queryRange, (list, peer, query) => {
        const evaluation = evaluateNaclEntries(toModelEntries(list), parseIp(peer)!, query);
        const expectedAllowed = portsOf([query]).filter((port) => referenceNaclAction(list, peer, port) === 'allow');
        assert.deepEqual(portsOf(evaluation.allowed), expectedAllowed);
        const expectedDenied = portsOf([query]).filter((port) => referenceNaclAction(list, peer, port) === 'deny');
        assert.deepEqual(portsOf(evaluation.denied), expectedDenied);
      }),
      { numRuns: 3000 },
    );
  });

  it('names, for every port, the entry that decided it', () => {
    fc.assert(
      fc.property(entries, address, queryRange, (list, peer, query) => {
        const modelEntries = toModelEntries(list);
        const evaluation = evaluateNaclEntries(modelEntries, parseIp(peer)!, query);
        const covered = evaluation.segments.flatMap((segment) => portsOf([segment.range]));
        assert.deepEqual(covered, portsOf([query]), 'segments partition the range in order');
        for (const segment of evaluation.segments) {
          for (const port of portsOf([segment.range])) {
            const first = referenceDecidingEntry(list, peer, port);
            assert.equal(segment.entry?.ruleNumber, first?.ruleNumber, `port ${port}`);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('the remediation it proposes makes every denied port allowed, before the first denying entry', () => {
    fc.assert(
      fc.property(entries, address, queryRange, (list, peer, query) => {
        const modelEntries = toModelEntries(list);
        const evaluation = evaluateNaclEntries(modelEntries, parseIp(peer)!, query);
        fc.pre(evaluation.denied.length > 0);
        const firstDenyingRuleNumber = Math.min(...evaluation.segments.filter((s) => s.action === 'deny').map((s) => s.entry?.ruleNumber ?? 32767));
        const acl: NetworkAcl = { id: 'acl-0123456789abcdef0', vpcId: 'vpc-1', isDefault: false, subnetIds: [], ingress: modelEntries, egress: [] };
        const span = { from: evaluation.denied[0]!.from, to: evaluation.denied[evaluation.denied.length - 1]!.to };
        const action = networkAclAllowAction({ acl, egress: false, ports: span, cidr: `${peer}/32`, firstDenyingRuleNumber });
        if (!action) {
          // Only when every number below the first deny is taken.
          assert.equal(modelEntries.filter((e) => e.ruleNumber < firstDenyingRuleNumber).length, firstDenyingRuleNumber - 1);
          return;
        }
        if (action.kind !== 'create-network-acl-entry') throw new Error(`unexpected action ${action.kind}`);
        assert.ok(action.ruleNumber < firstDenyingRuleNumber && action.ruleNumber >= 1);
        assert.ok(!list.some((e) => e.ruleNumber === action.ruleNumber), 'rule number is free');
        const added: ReferenceNaclEntry = {
          ruleNumber: action.ruleNumber,
          action: 'allow',
          protocol: '6',
          cidr: action.cidrBlock,
          portRange: action.portRange,
        };
        const fixed = [...list, added];
        for (const port of portsOf([query])) assert.equal(referenceNaclAction(fixed, peer, port), 'allow', `port ${port}`);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('freeRuleNumberBefore', () => {
  it('returns a free number below the limit, or nothing when none is free', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 60 }), fc.integer({ min: 1, max: 61 }), (taken, before) => {
        const number = freeRuleNumberBefore(taken, before);
        const anyFree = Array.from({ length: before - 1 }, (_, i) => i + 1).some((n) => !taken.includes(n));
        if (number === undefined) assert.equal(anyFree, false);
        else {
          assert.ok(number >= 1 && number < before);
          assert.ok(!taken.includes(number));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('in the gap mode, takes a number after every entry that precedes the limit, so no entry changes rank', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 60 }), fc.integer({ min: 1, max: 61 }), (taken, before) => {
        const number = freeRuleNumberBefore(taken, before, { onlyInGap: true });
        const highest = Math.max(0, ...taken.filter((n) => n < before));
        if (number === undefined) assert.ok(before - highest < 2);
        else assert.ok(number > highest && number < before && !taken.includes(number));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the usual spacing of ten when it can', () => {
    assert.equal(freeRuleNumberBefore([100, 200], 32767), 210);
    assert.equal(freeRuleNumberBefore([100, 200], 200), 110);
    assert.equal(freeRuleNumberBefore([10, 20], 20), 15);
    assert.equal(freeRuleNumberBefore([19, 20], 20), 18);
    assert.equal(freeRuleNumberBefore([19, 20], 20, { onlyInGap: true }), undefined);
    assert.equal(freeRuleNumberBefore([], 32767), 10);
    assert.equal(freeRuleNumberBefore([1], 2), undefined);
  });
});
