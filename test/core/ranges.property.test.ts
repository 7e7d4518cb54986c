import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseCidr } from '../../src/core/net.js';
import {
  cidrRange,
  intersectRanges,
  normalizeRanges,
  rangesToCidrs,
  rangeToCidrs,
  subtractRanges,
  wholeFamily,
  type AddressRange,
} from '../../src/core/ranges.js';

/**
 * Brute force: addresses of a small window (256 or 512 of them, IPv4 at 10.0.0.0 and IPv6
 * at 2001:db8::) enumerated one by one, against the range arithmetic.
 */
const WINDOW = 512n;
const BASES = { 4: 0x0a000000n, 6: 0x20010db8000000000000000000000000n } as const;

const rangeIn = (family: 4 | 6) =>
  fc.tuple(fc.bigInt({ min: 0n, max: WINDOW - 1n }), fc.bigInt({ min: 0n, max: WINDOW - 1n })).map(([a, b]) => ({
    start: BASES[family] + (a < b ? a : b),
    end: BASES[family] + (a < b ? b : a),
  }));

function members(ranges: readonly AddressRange[], family: 4 | 6): Set<bigint> {
  const set = new Set<bigint>();
  for (let offset = 0n; offset < WINDOW; offset++) {
    const address = BASES[family] + offset;
    if (ranges.some((range) => range.start <= address && address <= range.end)) set.add(address);
  }
  return set;
}

function cidrMembers(cidrs: readonly string[], family: 4 | 6): Set<bigint> {
  return members(
    cidrs.map((text) => cidrRange(parseCidr(text)!)),
    family,
  );
}

const same = (a: Set<bigint>, b: Set<bigint>) => assert.deepEqual([...a].sort(), [...b].sort());

describe('address ranges', () => {
  for (const family of [4, 6] as const) {
    it(`IPv${family}: union, difference and intersection agree with the addresses one by one`, () => {
      fc.assert(
        fc.property(fc.array(rangeIn(family), { maxLength: 6 }), fc.array(rangeIn(family), { maxLength: 6 }), (a, b) => {
          const setA = members(a, family);
          const setB = members(b, family);
          same(members(normalizeRanges(a), family), setA);
          same(members(subtractRanges(a, b), family), new Set([...setA].filter((x) => !setB.has(x))));
          same(members(intersectRanges(a, b), family), new Set([...setA].filter((x) => setB.has(x))));
          const normalized = normalizeRanges(a);
          for (let i = 1; i < normalized.length; i++) assert.ok(normalized[i]!.start > normalized[i - 1]!.end + 1n, 'disjoint and not touching');
        }),
        { numRuns: 300 },
      );
    });

    it(`IPv${family}: a range becomes the fewest CIDRs covering exactly its addresses`, () => {
      fc.assert(
        fc.property(rangeIn(family), (range) => {
          const cidrs = rangeToCidrs(range, family);
          same(cidrMembers(cidrs, family), members([range], family));
          // Fewest: no two neighbouring blocks of the list could be one.
          const parsed = cidrs.map((text) => parseCidr(text)!);
          for (let i = 1; i < parsed.length; i++) {
            const left = cidrRange(parsed[i - 1]!);
            const right = cidrRange(parsed[i]!);
            const joinedSize = right.end - left.start + 1n;
            const aligned = left.start % joinedSize === 0n && (joinedSize & (joinedSize - 1n)) === 0n;
            assert.ok(!(aligned && left.end - left.start === right.end - right.start), `${cidrs[i - 1]} and ${cidrs[i]} make one block`);
          }
        }),
        { numRuns: 500 },
      );
    });
  }

  it('joins touching ranges, so that a set has one spelling', () => {
    assert.deepEqual(
      normalizeRanges([
        { start: 6n, end: 9n },
        { start: 0n, end: 5n },
      ]),
      [{ start: 0n, end: 9n }],
    );
    assert.deepEqual(
      normalizeRanges([
        { start: 0n, end: 5n },
        { start: 7n, end: 9n },
      ]),
      [
        { start: 0n, end: 5n },
        { start: 7n, end: 9n },
      ],
    );
  });

  it('names the whole family and single hosts canonically', () => {
    assert.deepEqual(rangesToCidrs([wholeFamily(4)], 4), ['0.0.0.0/0']);
    assert.deepEqual(rangesToCidrs([wholeFamily(6)], 6), ['::/0']);
    assert.deepEqual(rangeToCidrs({ start: 0x0a000105n, end: 0x0a000105n }, 4), ['10.0.1.5/32']);
    assert.deepEqual(rangeToCidrs({ start: 0x0a000000n, end: 0x0a0002ffn }, 4), ['10.0.0.0/23', '10.0.2.0/24']);
    assert.deepEqual(rangesToCidrs([cidrRange(parseCidr('2001:db8::/33')!), cidrRange(parseCidr('2001:db8:8000::/33')!)], 6), ['2001:db8::/32']);
  });
});
