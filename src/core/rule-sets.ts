import type { CheckId } from './report.js';

/**
 * The rule sets a change alters and a check reads: one direction of one security group's
 * rules, or of one network ACL's entries. A change that adds an outbound rule to a group
 * leaves every check that reads only the group's inbound rules as it was.
 */

export type RuleDirection = 'ingress' | 'egress';
export const RULE_DIRECTIONS: readonly RuleDirection[] = ['ingress', 'egress'];

/** One direction of one group's rules or one NACL's entries, as a key: `sg-… ingress`. */
export function ruleSetKey(resourceId: string, direction: RuleDirection): string {
  return `${resourceId} ${direction}`;
}

/** The rules a check reads: one direction of some groups or NACLs. */
export interface RulesRead {
  readonly direction: RuleDirection;
  /**
   * Whose: `scope`, the groups and the NACL the check's scope names (the consumer's side);
   * on the provider's, the NLB's groups, the targets' groups or the targets' subnet NACLs.
   */
  readonly of: 'scope' | 'nlb-groups' | 'target-groups' | 'target-nacls';
}

/** The rules each check reads; `none` for a check that reads no rule. */
export const CHECK_RULES_READ: Readonly<Record<CheckId, RulesRead | 'none'>> = {
  'endpoint.state': 'none',
  'endpoint.sg.inbound': { direction: 'ingress', of: 'scope' },
  'endpoint.nacl.inbound': { direction: 'ingress', of: 'scope' },
  'endpoint.nacl.outbound': { direction: 'egress', of: 'scope' },
  'client.sg.outbound': { direction: 'egress', of: 'scope' },
  'client.nacl.outbound': { direction: 'egress', of: 'scope' },
  'client.nacl.inbound': { direction: 'ingress', of: 'scope' },
  'service.listener': 'none',
  'nlb.sg.inbound': { direction: 'ingress', of: 'nlb-groups' },
  'nlb.sg.outbound': { direction: 'egress', of: 'nlb-groups' },
  'target.sg.inbound': { direction: 'ingress', of: 'target-groups' },
  'target.nacl.inbound': { direction: 'ingress', of: 'target-nacls' },
  'target.nacl.outbound': { direction: 'egress', of: 'target-nacls' },
  'target.health': 'none',
  'probe.tcp': 'none',
};
