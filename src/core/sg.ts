import { memoOf } from './memo.js';
import { whyMissing, type NetworkModel, type PrefixList, type SecurityGroupRule } from './model.js';
import { cidrContains, type Cidr, type IpAddress } from './net.js';
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
 * Whether a prefix list holds an address, remembered per list in the model's memo: thousands
 * of rules name the same few lists of up to a thousand entries, and an analysis asks about
 * few addresses.
 */
function prefixListContains(model: NetworkModel, list: PrefixList, entries: readonly Cidr[], address: IpAddress): boolean {
  const memo = memoOf(model).prefixListAnswers;
  let answers = memo.get(list);
  if (!answers) {
    answers = new Map();
    memo.set(list, answers);
  }
  let answer = answers.get(address.text);
  if (answer === undefined) {
    answer = entries.some((cidr) => cidrContains(cidr, address));
    answers.set(address.text, answer);
  }
  return answer;
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
export function evaluateSecurityGroups(model: NetworkModel, query: SecurityGroupQuery): SecurityGroupEvaluation {
  const reasons: string[] = [];
  const nearMisses: SecurityGroupRule[] = [];
  if (!model.captured.has('securityGroups')) {
    return { outcome: 'unknown', reasons: [whyMissing(model, 'securityGroups')], nearMisses };
  }
  for (const groupId of query.groupIds) {
    const group = model.securityGroups.get(groupId);
    if (!group) {
      reasons.push(`security group ${groupId} is not in the captured data`);
      continue;
    }
    for (const rule of query.direction === 'ingress' ? group.ingress : group.egress) {
      const portMatches = ruleAllowsTcpPort(rule, query.port);
      const peerMatch = matchPeer(model, rule, query.peer);
      if (portMatches && peerMatch.matches === true) return { outcome: 'allow', rule };
      if (portMatches && peerMatch.matches === 'unknown') reasons.push(peerMatch.reason);
      else if ((portMatches || peerMatch.matches === true) && nearMisses.length < MAX_NEAR_MISSES) nearMisses.push(rule);
    }
  }
  if (reasons.length > 0) return { outcome: 'unknown', reasons: [...new Set(reasons)], nearMisses };
  return { outcome: 'deny', nearMisses };
}
