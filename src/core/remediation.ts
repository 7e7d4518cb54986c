import type { NetworkAcl } from './model.js';
import { freeRuleNumberBefore } from './nacl.js';
import type { PortRange } from './ports.js';
import type { RemediationAction } from './report.js';

/** The rules to add, as data and as the AWS CLI command that adds each. */

export interface SecurityGroupRuleToAdd {
  readonly direction: 'ingress' | 'egress';
  readonly securityGroupId: string;
  readonly port: PortRange;
  /** A CIDR (`/32` or `/128` for one host) or, instead, a security group to reference. */
  readonly cidr?: string;
  readonly referencedSecurityGroupId?: string;
  readonly description: string;
}

function ipPermissionsJson(rule: SecurityGroupRuleToAdd): string {
  const peer = rule.referencedSecurityGroupId
    ? { UserIdGroupPairs: [{ GroupId: rule.referencedSecurityGroupId, Description: rule.description }] }
    : rule.cidr?.includes(':')
      ? { Ipv6Ranges: [{ CidrIpv6: rule.cidr, Description: rule.description }] }
      : { IpRanges: [{ CidrIp: rule.cidr, Description: rule.description }] };
  return JSON.stringify([{ IpProtocol: 'tcp', FromPort: rule.port.from, ToPort: rule.port.to, ...peer }]);
}

export function securityGroupRuleAction(rule: SecurityGroupRuleToAdd): RemediationAction {
  const command = rule.direction === 'ingress' ? 'authorize-security-group-ingress' : 'authorize-security-group-egress';
  return {
    kind: command,
    securityGroupId: rule.securityGroupId,
    protocol: 'tcp',
    fromPort: rule.port.from,
    toPort: rule.port.to,
    ...(rule.cidr ? { cidr: rule.cidr } : {}),
    ...(rule.referencedSecurityGroupId ? { referencedSecurityGroupId: rule.referencedSecurityGroupId } : {}),
    description: rule.description,
    cli: `aws ec2 ${command} --group-id ${rule.securityGroupId} --ip-permissions '${ipPermissionsJson(rule)}'`,
  };
}

export interface NetworkAclAllowToAdd {
  readonly acl: NetworkAcl;
  readonly egress: boolean;
  /** The ports to allow: one run spanning everything denied today within the queried range. */
  readonly ports: PortRange;
  readonly cidr: string;
  /** The rule number of the first entry that denies today; new entries must come before it. */
  readonly firstDenyingRuleNumber: number;
}

/**
 * One allow entry, numbered before the entry that denies today and clear of every number
 * already taken in that direction. A single run suffices even when several runs are
 * denied: the ports between them are meant to pass too.
 */
export function networkAclAllowAction(change: NetworkAclAllowToAdd): RemediationAction | undefined {
  const taken = (change.egress ? change.acl.egress : change.acl.ingress).map((entry) => entry.ruleNumber);
  const ruleNumber = freeRuleNumberBefore(taken, change.firstDenyingRuleNumber);
  if (ruleNumber === undefined) return undefined;
  const range = change.ports;
  const cidrFlag = change.cidr.includes(':') ? '--ipv6-cidr-block' : '--cidr-block';
  return {
    kind: 'create-network-acl-entry',
    networkAclId: change.acl.id,
    egress: change.egress,
    ruleNumber,
    protocol: '6',
    portRange: range,
    cidrBlock: change.cidr,
    ruleAction: 'allow',
    beforeRuleNumber: change.firstDenyingRuleNumber,
    cli:
      `aws ec2 create-network-acl-entry --network-acl-id ${change.acl.id} ${change.egress ? '--egress' : '--ingress'}` +
      ` --rule-number ${ruleNumber} --protocol tcp --port-range From=${range.from},To=${range.to}` +
      ` ${cidrFlag} ${change.cidr} --rule-action allow`,
  };
}
