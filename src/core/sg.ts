import { memoOf } from './memo.js';
import { whyMissing, type NetworkModel, type PrefixList, type SecurityGroup, type SecurityGroupRule } from './model.js';
import { CidrSet, cidrContains, type Cidr, type IpAddress } from './net.js';
import { portInRange } from './ports.js';

/** The other end of the connection, as a security group rule sees it. */
export interface SecurityGroupPeer {
  readonly address: IpAddress;
  /**
   * Groups carried by the peer's network interface. `undefined` when the peer's interface
   * is not known, so a group reference can neither be matched nor ruled out.
   */
  readonly groupIds: ReadonlySet<string> | undefined;
}

export interface SecurityGroupQuery {
  readonly groupIds: readonly string[];
  readonly direction: 'ingress' | 'egress';
  readonly port: number;
  readonly peer: SecurityGroupPeer;
}

export type SecurityGroupEvaluation =
  | { readonly outcome: 'allow'; readonly rule: SecurityGroupRule }
  | { readonly outcome: 'deny'; readonly nearMisses: readonly SecurityGroupRule[] }
  | { readonly outcome: 'unknown'; readonly reasons: readonly string[]; readonly nearMisses: readonly SecurityGroupRule[] };

const MAX_NEAR_MISSES = 5;

/** Whether a rule admits TCP on `port`: `tcp`/`6` within its range, or `-1` (all traffic). */
export function ruleAllowsTcpPort(rule: Pick<SecurityGroupRule, 'protocol' | 'portRange'>, port: number): boolean {
  const protocol = rule.protocol;
  if (protocol === '-1') return true;
  // AWS prints lower case; a hand-written snapshot may not (compared without a new string per rule).
  if (protocol !== 'tcp' && protocol !== '6' && (protocol.length !== 3 || protocol.toLowerCase() !== 'tcp')) return false;
  return rule.portRange === undefined || portInRange(rule.portRange, port);
}

type PeerMatch = { readonly matches: true } | { readonly matches: false } | { readonly matches: 'unknown'; readonly reason: string };

// Answers without a reason are shared: a rule set is matched a hundred thousand times.
const MATCHES: PeerMatch = Object.freeze({ matches: true });
const DOES_NOT_MATCH: PeerMatch = Object.freeze({ matches: false });

/**
 * Whether a prefix list holds an address: its entries searched as a CidrSet, made once per
 * list in the model's memo (thousands of rules name the same few lists of up to a thousand
 * entries, and an analysis asks about a few addresses).
 */
function prefixListContains(model: NetworkModel, list: PrefixList, entries: readonly Cidr[], address: IpAddress): boolean {
  const memo = memoOf(model).prefixListSets;
  let set = memo.get(list);
  if (!set) {
    set = new CidrSet(entries);
    memo.set(list, set);
  }
  return set.has(address);
}

function matchPeer(model: NetworkModel, rule: SecurityGroupRule, peer: SecurityGroupPeer): PeerMatch {
  switch (rule.peer.kind) {
    case 'cidr':
      return cidrContains(rule.peer.cidr, peer.address) ? MATCHES : DOES_NOT_MATCH;
    case 'prefix-list': {
      const list = model.prefixLists.get(rule.peer.prefixListId);
      if (!list?.entries) {
        return { matches: 'unknown', reason: `entries of prefix list ${rule.peer.prefixListId}: ${whyMissing(model, 'prefixListEntries')}` };
      }
      if (prefixListContains(model, list, list.entries, peer.address)) return MATCHES;
      if (list.entriesTruncated) {
        return {
          matches: 'unknown',
          reason: `the captured entries of prefix list ${rule.peer.prefixListId} are one page of several (NextToken): ${peer.address.text} may be on another`,
        };
      }
      return DOES_NOT_MATCH;
    }
    case 'security-group':
      if (peer.groupIds === undefined) {
        return {
          matches: 'unknown',
          reason: `rule references ${rule.peer.groupId}, and the network interface of ${peer.address.text} is not known`,
        };
      }
      return peer.groupIds.has(rule.peer.groupId) ? MATCHES : DOES_NOT_MATCH;
  }
}

/**
 * Evaluates the union of the rules of several security groups for one TCP connection.
 * Security groups only allow, so the first rule that matches decides `allow`; otherwise
 * the answer is `unknown` if some rule could not be judged (missing data that could change
 * it), else `deny`.
 */
/**
 * One group's rules in one direction, laid out for the scan an evaluation makes of them: the
 * TCP ports each admits and, for an IPv4 CIDR peer (most rules), its base and mask, in typed
 * arrays, so a rule is judged with two compares and a mask instead of reading its objects.
 */
export interface CompiledRules {
  readonly rules: readonly SecurityGroupRule[];
  /** The TCP ports a rule admits: from `tcpFrom` to `tcpTo`; none when `tcpFrom > tcpTo`. */
  readonly tcpFrom: Int32Array;
  readonly tcpTo: Int32Array;
  /** 1 when the rule's peer is an IPv4 CIDR (`base`/`mask`), 0 when matchPeer judges it. */
  readonly ipv4Cidr: Uint8Array;
  readonly base: Uint32Array;
  readonly mask: Uint32Array;
}

function isTcp(protocol: string): boolean {
  // AWS prints lower case; a hand-written snapshot may not (a new string only then).
  return protocol === 'tcp' || protocol === '6' || (protocol.length === 3 && protocol.toLowerCase() === 'tcp');
}

export function compileRules(rules: readonly SecurityGroupRule[]): CompiledRules {
  const count = rules.length;
  const compiled = {
    rules,
    tcpFrom: new Int32Array(count),
    tcpTo: new Int32Array(count),
    ipv4Cidr: new Uint8Array(count),
    base: new Uint32Array(count),
    mask: new Uint32Array(count),
  };
  // A plan's proof compiles each group it changed again: a plain loop, no string made per rule.
  for (let index = 0; index < count; index++) {
    const rule = rules[index]!;
    const any = rule.protocol === '-1';
    const tcp = any || isTcp(rule.protocol);
    const range = rule.portRange;
    compiled.tcpFrom[index] = !tcp ? 1 : any || !range ? 0 : range.from;
    compiled.tcpTo[index] = !tcp ? 0 : any || !range ? 65535 : range.to;
    const peer = rule.peer;
    if (peer.kind === 'cidr' && peer.cidr.family === 4) {
      const { base, prefixLength } = peer.cidr;
      compiled.ipv4Cidr[index] = 1;
      compiled.base[index] = base;
      compiled.mask[index] = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    }
  }
  return compiled;
}

/**
 * `rules` compiled from `earlier`, the compiled form of an array that `rules` extends (the
 * same rule objects first, as a change that adds a rule leaves them): its typed arrays
 * copied, only the added rules compiled. A plan's proof adds a rule or two to groups of
 * dozens or hundreds.
 */
function extendCompiled(earlier: CompiledRules, rules: readonly SecurityGroupRule[]): CompiledRules {
  const added = compileRules(rules.slice(earlier.rules.length));
  const join = <T extends Int32Array | Uint32Array | Uint8Array>(make: (length: number) => T, first: T, second: T): T => {
    const joined = make(rules.length);
    joined.set(first);
    joined.set(second, first.length);
    return joined;
  };
  return {
    rules,
    tcpFrom: join((length) => new Int32Array(length), earlier.tcpFrom, added.tcpFrom),
    tcpTo: join((length) => new Int32Array(length), earlier.tcpTo, added.tcpTo),
    ipv4Cidr: join((length) => new Uint8Array(length), earlier.ipv4Cidr, added.ipv4Cidr),
    base: join((length) => new Uint32Array(length), earlier.base, added.base),
    mask: join((length) => new Uint32Array(length), earlier.mask, added.mask),
  };
}

/** Whether `rules` begins with every rule of `earlier`, the same objects in the same order. */
function extendsRules(rules: readonly SecurityGroupRule[], earlier: readonly SecurityGroupRule[]): boolean {
  if (earlier.length > rules.length) return false;
  for (let index = 0; index < earlier.length; index++) if (rules[index] !== earlier[index]) return false;
  return true;
}

/**
 * A group's compiled rules in one direction, made once per rules array (memo.ts). In an
 * overlay, the rules of a group a change extended extend the compiled form of the group it
 * replaces instead of being compiled again.
 */
function compiledRulesOf(model: NetworkModel, group: SecurityGroup, direction: 'ingress' | 'egress'): CompiledRules {
  const rules = direction === 'ingress' ? group.ingress : group.egress;
  const memo = memoOf(model);
  let compiled = memo.knownCompiledRules(rules);
  if (!compiled) {
    const replaced = memo.replacedGroup(group.id);
    const earlierRules = replaced && (direction === 'ingress' ? replaced.ingress : replaced.egress);
    const earlier = earlierRules && memo.knownCompiledRules(earlierRules);
    compiled = earlier && extendsRules(rules, earlierRules) ? extendCompiled(earlier, rules) : compileRules(rules);
    memo.rememberCompiledRules(rules, compiled);
  }
  return compiled;
}

export function evaluateSecurityGroups(model: NetworkModel, query: SecurityGroupQuery): SecurityGroupEvaluation {
  const reasons: string[] = [];
  const nearMisses: SecurityGroupRule[] = [];
  if (!model.captured.has('securityGroups')) {
    return { outcome: 'unknown', reasons: [whyMissing(model, 'securityGroups')], nearMisses };
  }
  const { port, peer } = query;
  const ipv4 = peer.address.family === 4 ? peer.address.value : -1;
  for (const groupId of query.groupIds) {
    const group = model.securityGroups.get(groupId);
    if (!group) {
      reasons.push(`security group ${groupId} is not in the captured data`);
      continue;
    }
    const { rules, tcpFrom, tcpTo, ipv4Cidr, base, mask } = compiledRulesOf(model, group, query.direction);
    for (let index = 0; index < rules.length; index++) {
      const portMatches = tcpFrom[index]! <= port && port <= tcpTo[index]!;
      if (ipv4Cidr[index] === 1) {
        // An IPv4 CIDR never matches an IPv6 address.
        const peerMatches = ipv4 >= 0 && (ipv4 & mask[index]!) >>> 0 === base[index];
        if (portMatches && peerMatches) return { outcome: 'allow', rule: rules[index]! };
        if ((portMatches || peerMatches) && nearMisses.length < MAX_NEAR_MISSES) nearMisses.push(rules[index]!);
        continue;
      }
      // A rule whose port does not match only counts as a near miss: with those full, its peer need not be read.
      if (!portMatches && nearMisses.length >= MAX_NEAR_MISSES) continue;
      const rule = rules[index]!;
      const peerMatch = matchPeer(model, rule, peer);
      if (portMatches && peerMatch.matches === true) return { outcome: 'allow', rule };
      if (portMatches && peerMatch.matches === 'unknown') reasons.push(peerMatch.reason);
      else if ((portMatches || peerMatch.matches === true) && nearMisses.length < MAX_NEAR_MISSES) nearMisses.push(rule);
    }
  }
  if (reasons.length > 0) return { outcome: 'unknown', reasons: [...new Set(reasons)], nearMisses };
  return { outcome: 'deny', nearMisses };
}
