import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatRanges, mergeRanges, parsePortRange, subtractRange, type PortRange } from '../../src/core/ports.js';

const range = fc
  .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }))
  .map(([a, b]): PortRange => ({ from: Math.min(a, b), to: Math.max(a, b) }));

function portsOf(ranges: readonly PortRange[]): Set<number> {
  const ports = new Set<number>();
  for (const r of ranges) for (let port = r.from; port <= r.to; port++) ports.add(port);
  return ports;
}

describe('port ranges', () => {
  it('subtractRange removes exactly the cut', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 5 }), range, (ranges, cut) => {
        const disjoint = mergeRanges(ranges);
        const expected = [...portsOf(disjoint)].filter((port) => port < cut.from || port > cut.to);
        assert.deepEqual(
          [...portsOf(subtractRange(disjoint, cut))].sort((a, b) => a - b),
          expected.sort((a, b) => a - b),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('mergeRanges keeps the same ports in sorted, non-touching runs', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 6 }), (ranges) => {
        const merged = mergeRanges(ranges);
        assert.deepEqual(portsOf(merged), portsOf(ranges));
        for (let i = 1; i < merged.length; i++) assert.ok(merged[i]!.from > merged[i - 1]!.to + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses FROM-TO, a single port and the named ranges', () => {
    assert.deepEqual(parsePortRange('1024-65535'), { from: 1024, to: 65535 });
    assert.deepEqual(parsePortRange('443'), { from: 443, to: 443 });
    assert.deepEqual(parsePortRange('linux'), { from: 32768, to: 60999 });
    assert.deepEqual(parsePortRange('windows'), { from: 49152, to: 65535 });
    assert.deepEqual(parsePortRange('nat-gateway'), { from: 1024, to: 65535 });
    for (const bad of ['0-10', '10-5', '1-65536', 'a-b', '', '-5', '1024-']) assert.equal(parsePortRange(bad), undefined, bad);
  });

  it('formats runs as AWS people write them', () => {
    assert.equal(
      formatRanges([
        { from: 443, to: 443 },
        { from: 1024, to: 32767 },
      ]),
      '443, 1024-32767',
    );
  });
});
