import type { Cidr, IpFamily } from './net.js';
import { parseCidr } from './net.js';

/**
 * Sets of addresses as sorted, disjoint, inclusive ranges of integers (IPv4 and IPv6 alike,
 * as BigInt), and back to CIDR lists: what "who can reach this endpoint" computes with
 * (contract §8). Each operation is exact; the tests check them against a brute-force oracle.
 */

export interface AddressRange {
  readonly start: bigint;
  readonly end: bigint;
}

export const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };

/** Every address of a family, as one range. */
export function wholeFamily(family: IpFamily): AddressRange {
  return { start: 0n, end: (1n << BigInt(FAMILY_BITS[family])) - 1n };
}

/** The addresses of a CIDR, as one range. */
export function cidrRange(cidr: Cidr): AddressRange {
  const bits = BigInt(FAMILY_BITS[cidr.family] - cidr.prefixLength);
  const start = BigInt(cidr.base);
  return { start, end: start + (1n << bits) - 1n };
}

/** Sorted, disjoint and with touching ranges joined. */
export function normalizeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].filter((range) => range.start <= range.end).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: AddressRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1n) {
      if (range.end > last.end) merged[merged.length - 1] = { start: last.start, end: range.end };
    } else merged.push(range);
  }
  return merged;
}

/** `from` without the addresses of `cut` (both normalized or not; the result is). */
export function subtractRanges(from: readonly AddressRange[], cut: readonly AddressRange[]): AddressRange[] {
  const cuts = normalizeRanges(cut);
  const result: AddressRange[] = [];
  for (const range of normalizeRanges(from)) {
    let start = range.start;
    for (const piece of cuts) {
      if (piece.end < start || piece.start > range.end) continue;
      if (piece.start > start) result.push({ start, end: piece.start - 1n });
      start = piece.end + 1n;
      if (start > range.end) break;
    }
    if (start <= range.end) result.push({ start, end: range.end });
  }
  return result;
}

/** The addresses in both. */
export function intersectRanges(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const left = normalizeRanges(a);
  const right = normalizeRanges(b);
  const result: AddressRange[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const start = left[i]!.start > right[j]!.start ? left[i]!.start : right[j]!.start;
    const end = left[i]!.end < right[j]!.end ? left[i]!.end : right[j]!.end;
    if (start <= end) result.push({ start, end });
    if (left[i]!.end < right[j]!.end) i++;
    else j++;
  }
  return result;
}

function formatAddress(value: bigint, family: IpFamily): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}

/** IPv4 in plain numbers (exact below 2^53): the same blocks, without BigInt or parsing. */
function ipv4RangeToCidrs(range: AddressRange): string[] {
  const cidrs: string[] = [];
  let start = Number(range.start);
  const end = Number(range.end);
  while (start <= end) {
    let size = 0;
    while (size < 32 && start % 2 ** (size + 1) === 0 && start + 2 ** (size + 1) - 1 <= end) size++;
    cidrs.push(`${Math.floor(start / 16777216) % 256}.${Math.floor(start / 65536) % 256}.${Math.floor(start / 256) % 256}.${start % 256}/${32 - size}`);
    start += 2 ** size;
  }
  return cidrs;
}

/** The fewest CIDRs that cover exactly one range, ascending: the largest aligned block at each step. */
export function rangeToCidrs(range: AddressRange, family: IpFamily): string[] {
  if (family === 4) return ipv4RangeToCidrs(range);
  const bits = FAMILY_BITS[family];
  const cidrs: string[] = [];
  let start = range.start;
  while (start <= range.end) {
    let size = 0;
    // Grow while the block stays aligned on `start` and inside the range.
    while (size < bits && (start & ((1n << BigInt(size + 1)) - 1n)) === 0n && start + (1n << BigInt(size + 1)) - 1n <= range.end) size++;
    // Canonical text (compressed IPv6), through the one CIDR parser.
    cidrs.push(parseCidr(`${formatAddress(start, family)}/${bits - size}`)!.text);
    start += 1n << BigInt(size);
  }
  return cidrs;
}

/** A set of ranges as the fewest CIDRs, ascending. */
export function rangesToCidrs(ranges: readonly AddressRange[], family: IpFamily): string[] {
  return normalizeRanges(ranges).flatMap((range) => rangeToCidrs(range, family));
}
