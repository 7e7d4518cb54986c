import { wholeFamily, type AddressRange } from './ranges.js';
import type { IpFamily } from './net.js';

/**
 * A family's address space cut into consecutive segments, each carrying one value: the
 * answer of a rule set for every address at once. Values are compared by identity, so
 * neighbours with the same (interned) value are one segment.
 */

export interface Segment<T> {
  readonly start: bigint;
  readonly end: bigint;
  readonly value: T;
}

export type Partition<T> = readonly Segment<T>[];

export function uniformPartition<T>(family: IpFamily, value: T): Segment<T>[] {
  const whole = wholeFamily(family);
  return [{ start: whole.start, end: whole.end, value }];
}

function pushSegment<T>(out: Segment<T>[], start: bigint, end: bigint, value: T): void {
  const last = out[out.length - 1];
  if (last && last.value === value && last.end + 1n === start) out[out.length - 1] = { start: last.start, end, value };
  else out.push({ start, end, value });
}

/**
 * The partition with `paint` applied to the addresses of `ranges` (sorted and disjoint,
 * as normalizeRanges gives them): one walk over both lists.
 */
export function overlay<T>(segments: Partition<T>, ranges: readonly AddressRange[], paint: (value: T) => T): Segment<T>[] {
  if (ranges.length === 0) return [...segments];
  const out: Segment<T>[] = [];
  let next = 0;
  for (const segment of segments) {
    while (next < ranges.length && ranges[next]!.end < segment.start) next++;
    let cursor = segment.start;
    let index = next;
    for (;;) {
      const range = ranges[index];
      if (!range || range.start > segment.end) {
        pushSegment(out, cursor, segment.end, segment.value);
        break;
      }
      if (range.start > cursor) {
        pushSegment(out, cursor, range.start - 1n, segment.value);
        cursor = range.start;
      }
      const end = range.end < segment.end ? range.end : segment.end;
      pushSegment(out, cursor, end, paint(segment.value));
      if (end === segment.end) break;
      cursor = end + 1n;
      index++;
    }
    next = index;
  }
  return out;
}

/** The segment holding an address (binary search), or undefined outside the partition. */
export function segmentAt<T>(segments: Partition<T>, value: bigint): Segment<T> | undefined {
  let low = 0;
  let high = segments.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const segment = segments[middle]!;
    if (value < segment.start) high = middle - 1;
    else if (value > segment.end) low = middle + 1;
    else return segment;
  }
  return undefined;
}

/**
 * Partitions of the same space walked together: each piece where none of them changes,
 * with the value `combine` makes of theirs (interned by the caller for merging).
 */
export function zipPartitions<T, R>(partitions: readonly Partition<T>[], combine: (values: readonly T[]) => R): Segment<R>[] {
  const out: Segment<R>[] = [];
  const positions = partitions.map(() => 0);
  let cursor = partitions[0]?.[0]?.start ?? 0n;
  for (;;) {
    const current = partitions.map((partition, index) => partition[positions[index]!]);
    if (current.some((segment) => segment === undefined)) break;
    let end = current[0]!.end;
    for (const segment of current) if (segment!.end < end) end = segment!.end;
    pushSegment(out, cursor, end, combine(current.map((segment) => segment!.value)));
    partitions.forEach((partition, index) => {
      if (partition[positions[index]!]!.end === end) positions[index] = positions[index]! + 1;
    });
    cursor = end + 1n;
  }
  return out;
}

/** The ranges of a partition whose value passes a test, merged. */
export function rangesWhere<T>(segments: Partition<T>, test: (value: T) => boolean): AddressRange[] {
  const out: AddressRange[] = [];
  for (const segment of segments) {
    if (!test(segment.value)) continue;
    const last = out[out.length - 1];
    if (last && last.end + 1n === segment.start) out[out.length - 1] = { start: last.start, end: segment.end };
    else out.push({ start: segment.start, end: segment.end });
  }
  return out;
}

/** Where the segment holding `value` lies in a partition (binary search). */
function indexAt<T>(partition: Partition<T>, value: bigint): number {
  let low = 0;
  let high = partition.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (partition[middle]!.end < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Whether any piece of the partitions, walked together within `range`, passes the test (which reads the values of `current`). */
export function anyWithin<T>(
  partitions: readonly Partition<T>[],
  range: { readonly start: bigint; readonly end: bigint },
  test: (values: readonly T[]) => boolean,
): boolean {
  const count = partitions.length;
  const positions = partitions.map((partition) => indexAt(partition, range.start));
  const values: T[] = new Array<T>(count);
  for (;;) {
    let end = range.end;
    for (let index = 0; index < count; index++) {
      const segment = partitions[index]![positions[index]!]!;
      values[index] = segment.value;
      if (segment.end < end) end = segment.end;
    }
    if (test(values)) return true;
    if (end >= range.end) return false;
    for (let index = 0; index < count; index++) if (partitions[index]![positions[index]!]!.end === end) positions[index]!++;
  }
}
