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

/**
 * Whose rules a check reads: `scope`, the groups and the NACL the check's scope names (the
 * consumer's side); on the provider's, the NLB's groups, the targets' groups or the
 * targets' subnet NACLs.
 */
export type RuleOwners = 'scope' | 'nlb-groups' | 'target-groups' | 'target-nacls';

/** The rules a check reads as the check table (report.ts) writes them: whose, then which direction; `none` for no rule. */
export type RulesReadText = `${RuleOwners} ${RuleDirection}` | 'none';

/** The rules a check reads: one direction of some groups or NACLs. */
export interface RulesRead {
  readonly direction: RuleDirection;
  readonly of: RuleOwners;
}

/** A check's rules read, from the check table's text. */
export function rulesReadOf(text: RulesReadText): RulesRead | 'none' {
  if (text === 'none') return 'none';
  const [of, direction] = text.split(' ') as [RuleOwners, RuleDirection];
  return { direction, of };
}
