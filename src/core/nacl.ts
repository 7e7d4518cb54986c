import type { NetworkAclEntry, RuleAction } from './model.js';
import { cidrContains, type IpAddress } from './net.js';
import { intersectRanges, subtractRange, type PortRange } from './ports.js';

/** A run of ports that one entry decided; `entry` is absent for the implicit default deny. */
export interface NaclSegment {
  readonly range: PortRange;
  readonly action: RuleAction;
  readonly entry?: NetworkAclEntry;
}

export interface NaclRangeEvaluation {
  /** Ascending by port, covering the whole queried range. */
  readonly segments: readonly NaclSegment[];
  readonly allowed: readonly PortRange[];
  readonly denied: readonly PortRange[];
}

function entryMatchesTcp(entry: NetworkAclEntry): boolean {
  return entry.protocol === '-1' || entry.protocol === '6';
}

/**
 * Evaluates NACL entries of one direction (ascending by rule number) for TCP traffic whose
 * other end is `address` and whose destination port lies in `ports`. Each port is decided
 * by the first entry that matches it, so the result is the exact partition of the range
 * into allowed and denied runs, each with the entry that decided it.
 */
export function evaluateNaclEntries(entries: readonly NetworkAclEntry[], address: IpAddress, ports: PortRange): NaclRangeEvaluation {
  if (ports.from === ports.to) return evaluateNaclEntriesOnPort(entries, address, ports);
  let undecided: PortRange[] = [ports];
  const segments: NaclSegment[] = [];
  for (const entry of entries) {
    if (undecided.length === 0) break;
    if (!entryMatchesTcp(entry) || !cidrContains(entry.cidr, address)) continue;
    const entryRange = entry.portRange ?? ports;
    // The first entry that matches often decides the whole range (an allow-all rule): one segment, no arithmetic.
    if (segments.length === 0 && entryRange.from <= ports.from && ports.to <= entryRange.to) {
      const whole = [{ range: ports, action: entry.action, entry }];
      return entry.action === 'allow' ? { segments: whole, allowed: [ports], denied: [] } : { segments: whole, allowed: [], denied: [ports] };
    }
    let decides = false;
    for (const range of undecided) {
      const decided = intersectRanges(range, entryRange);
      if (!decided) continue;
      segments.push({ range: decided, action: entry.action, entry });
      decides = true;
    }
    // An entry that decides none of what is left leaves it as it is: no new list.
    if (decides) undecided = subtractRange(undecided, entryRange);
  }
  for (const range of undecided) segments.push({ range, action: 'deny' });
  segments.sort((a, b) => a.range.from - b.range.from);
  // The segments are disjoint and now in port order: each action's runs merge in one pass.
  const allowed: PortRange[] = [];
  const denied: PortRange[] = [];
  for (const { range, action } of segments) {
    const runs = action === 'allow' ? allowed : denied;
    const last = runs[runs.length - 1];
    if (last && range.from <= last.to + 1) runs[runs.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    else runs.push(range);
  }
  return { segments, allowed, denied };
}

/** One port, as a connection's destination is: the first entry that matches it decides it all. */
function evaluateNaclEntriesOnPort(entries: readonly NetworkAclEntry[], address: IpAddress, ports: PortRange): NaclRangeEvaluation {
  const port = ports.from;
  for (const entry of entries) {
    if (!entryMatchesTcp(entry) || !cidrContains(entry.cidr, address)) continue;
    if (entry.portRange && (port < entry.portRange.from || port > entry.portRange.to)) continue;
    const range = { from: port, to: port };
    const segments = [{ range, action: entry.action, entry }];
    return entry.action === 'allow' ? { segments, allowed: [range], denied: [] } : { segments, allowed: [], denied: [range] };
  }
  return { segments: [{ range: ports, action: 'deny' }], allowed: [], denied: [ports] };
}

/**
 * A rule number for a new entry that is evaluated before `beforeRuleNumber` and is not
 * taken in that direction. It goes in the gap just below that entry (after every entry
 * that precedes it today), so no other entry changes rank: the next multiple of 10 when
 * one is free, else the free number farthest from its neighbours, leaving room on both
 * sides. `alsoTaken` are numbers given to other new entries: taken, but no entry of today,
 * so they do not narrow the gap (new allow entries may sit in any order among themselves).
 * With no room in the gap, an entry for one host may go further up (it only decides that
 * host's traffic, which the entries it passes did not deny); a wider one may not
 * (`onlyInGap`).
 */
export function freeRuleNumberBefore(
  takenRuleNumbers: readonly number[],
  beforeRuleNumber: number,
  options: { readonly onlyInGap?: boolean; readonly alsoTaken?: readonly number[] } = {},
): number | undefined {
  const taken = new Set([...takenRuleNumbers, ...(options.alsoTaken ?? [])]);
  const limit = Math.min(beforeRuleNumber, 32767);
  const highestPreceding = takenRuleNumbers.reduce((max, n) => (n < limit && n > max ? n : max), 0);
  for (let spaced = (Math.floor(highestPreceding / 10) + 1) * 10; spaced < limit; spaced += 10) if (!taken.has(spaced)) return spaced;
  let best: number | undefined;
  let bestRoom = 0;
  let previousUsed = highestPreceding;
  for (let candidate = highestPreceding + 1; candidate <= limit; candidate++) {
    if (candidate < limit && !taken.has(candidate)) continue;
    // A free run from previousUsed+1 to candidate-1: its middle is farthest from both ends.
    if (candidate - previousUsed >= 2) {
      const middle = Math.floor((previousUsed + candidate) / 2);
      const room = Math.min(middle - previousUsed, candidate - middle);
      if (room > bestRoom) {
        best = middle;
        bestRoom = room;
      }
    }
    previousUsed = candidate;
  }
  if (best !== undefined || options.onlyInGap) return best;
  for (let candidate = highestPreceding - 1; candidate >= 1; candidate--) if (!taken.has(candidate)) return candidate;
  return undefined;
}
