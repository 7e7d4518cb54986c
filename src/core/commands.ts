import { securityGroupProtocol, type Change } from './change.js';

/**
 * Changes as AWS CLI commands, one per change, and a plan as a bash script. Every value
 * comes from the data or the request, so every word is shell-quoted and every comment is
 * one line: a group name or description holding `$(…)`, quotes or a newline stays text.
 */

const SAFE_WORD = /^[A-Za-z0-9_./:=,@%+-]+$/;

/** One shell word that bash reads back as exactly `word`. */
export function shellQuote(word: string): string {
  if (word !== '' && SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The characters a `#` comment cannot hold as they are: control characters and the line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/** Text fit for a `#` comment: control characters (a newline would end the comment) become spaces. */
export function commentText(text: string): string {
  // Each is one UTF-16 unit (none is a surrogate), so one space stands for one character.
  return text.replace(CONTROL, ' ');
}

/** The characters AWS accepts in a security group rule description; others become `_`. */
function ruleDescription(text: string): string {
  return text.replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, '_').slice(0, 255);
}

function ipPermissions(change: Extract<Change, { kind: 'sg-rule' }>): string {
  const protocol = securityGroupProtocol(change.protocol) ?? change.protocol;
  const description = change.op === 'add' && change.description !== undefined ? { Description: ruleDescription(change.description) } : {};
  const peer =
    change.cidr !== undefined
      ? { IpRanges: [{ CidrIp: change.cidr, ...description }] }
      : change.ipv6Cidr !== undefined
        ? { Ipv6Ranges: [{ CidrIpv6: change.ipv6Cidr, ...description }] }
        : change.prefixListId !== undefined
          ? { PrefixListIds: [{ PrefixListId: change.prefixListId, ...description }] }
          : { UserIdGroupPairs: [{ GroupId: change.peerGroupId, ...description }] };
  const ports = protocol === '-1' || change.fromPort === undefined ? {} : { FromPort: change.fromPort, ToPort: change.toPort ?? change.fromPort };
  return JSON.stringify([{ IpProtocol: protocol, ...ports, ...peer }]);
}

const NACL_PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '-1': '-1' };

/** The words of the AWS CLI command that makes a change, after `aws` and before any global option. */
export function changeCommandWords(change: Change): string[] {
  switch (change.kind) {
    case 'sg-rule': {
      const verb = change.op === 'add' ? 'authorize' : 'revoke';
      return [
        'ec2',
        `${verb}-security-group-${change.direction === 'inbound' ? 'ingress' : 'egress'}`,
        '--group-id',
        change.groupId,
        '--ip-permissions',
        ipPermissions(change),
      ];
    }
    case 'nacl-entry': {
      const target = ['--network-acl-id', change.networkAclId, change.egress ? '--egress' : '--ingress', '--rule-number', String(change.ruleNumber)];
      if (change.op === 'remove') return ['ec2', 'delete-network-acl-entry', ...target];
      const protocol = change.protocol ?? '-1';
      const ports =
        change.fromPort !== undefined && change.toPort !== undefined && (protocol === '6' || protocol === '17' || protocol === 'tcp' || protocol === 'udp')
          ? ['--port-range', `From=${change.fromPort},To=${change.toPort}`]
          : [];
      const icmp = protocol === '1' || protocol === 'icmp' || protocol === '58' || protocol === 'icmpv6' ? ['--icmp-type-code', 'Type=-1,Code=-1'] : [];
      const block = change.cidr !== undefined ? ['--cidr-block', change.cidr] : ['--ipv6-cidr-block', change.ipv6Cidr ?? ''];
      return [
        'ec2',
        `${change.op === 'add' ? 'create' : 'replace'}-network-acl-entry`,
        ...target,
        '--protocol',
        NACL_PROTOCOL_NAMES[protocol] ?? protocol,
        ...ports,
        ...icmp,
        ...block,
        '--rule-action',
        change.action ?? 'allow',
      ];
    }
    case 'endpoint-sg':
      return [
        'ec2',
        'modify-vpc-endpoint',
        '--vpc-endpoint-id',
        change.endpointId,
        change.op === 'attach' ? '--add-security-group-ids' : '--remove-security-group-ids',
        change.groupId,
      ];
    case 'nlb-attribute':
      if (change.key === 'load_balancing.cross_zone.enabled') {
        return [
          'elbv2',
          'modify-load-balancer-attributes',
          '--load-balancer-arn',
          change.loadBalancerArn,
          '--attributes',
          `Key=${change.key},Value=${change.value}`,
        ];
      }
      // The enforcement is set with the groups themselves; the script names them (ScriptInput.extraWords).
      return [
        'elbv2',
        'set-security-groups',
        '--load-balancer-arn',
        change.loadBalancerArn,
        '--enforce-security-group-inbound-rules-on-private-link-traffic',
        change.value,
      ];
  }
}

/** A change's command words, each shell-quoted, as one string. */
function quotedWords(change: Change): string {
  return changeCommandWords(change).map(shellQuote).join(' ');
}

/** The command as one line to paste: `aws ec2 … --region us-east-1`. */
function commandLine(change: Change, quoted: string, extraWords: readonly string[]): string {
  const region = change.region !== undefined ? ` --region ${shellQuote(change.region)}` : '';
  return `aws ${quoted}${region}${extraWords.length > 0 ? ` ${extraWords.map(shellQuote).join(' ')}` : ''}`;
}

/** One line that says what a change does, for a comment or a table. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'sg-rule': {
      const peer = change.cidr ?? change.ipv6Cidr ?? change.prefixListId ?? change.peerGroupId;
      const ports =
        change.fromPort === undefined || change.protocol === '-1'
          ? ''
          : change.fromPort === change.toPort
            ? ` ${change.fromPort}`
            : ` ${change.fromPort}-${change.toPort}`;
      return `${change.op} ${change.direction} rule to ${change.groupId}: ${change.protocol === '-1' ? 'all traffic' : change.protocol}${ports} ${change.direction === 'inbound' ? 'from' : 'to'} ${peer}`;
    }
    case 'nacl-entry': {
      const direction = change.egress ? 'outbound' : 'inbound';
      if (change.op === 'remove') return `remove ${direction} rule ${change.ruleNumber} of ${change.networkAclId}`;
      const ports = change.fromPort === undefined ? '' : change.fromPort === change.toPort ? ` ${change.fromPort}` : ` ${change.fromPort}-${change.toPort}`;
      const protocol = NACL_PROTOCOL_NAMES[change.protocol ?? ''] ?? change.protocol;
      return `${change.op} ${direction} rule ${change.ruleNumber} of ${change.networkAclId}: ${change.action} ${protocol === '-1' ? 'all traffic' : protocol}${ports} ${change.egress ? 'to' : 'from'} ${change.cidr ?? change.ipv6Cidr}`;
    }
    case 'endpoint-sg':
      return `${change.op} ${change.groupId} ${change.op === 'attach' ? 'to' : 'from'} ${change.endpointId}`;
    case 'nlb-attribute':
      return `set ${change.key} to ${change.value} on ${change.loadBalancerArn}`;
  }
}

export interface ScriptSection {
  readonly accountId?: string;
  readonly region?: string;
  /** Whose account it is: `the consumer's`, `the provider's`. */
  readonly role?: string;
}

export interface ScriptInput {
  /** First comment lines: what the plan is for and whether it is proven. */
  readonly header: readonly string[];
  readonly changes: readonly Change[];
  /** Extra words per change (the groups of an enforcement change), by index. */
  readonly extraWords?: ReadonlyMap<number, readonly string[]>;
  /** Who owns each change's account, by `accountId/region`. */
  readonly roles?: ReadonlyMap<string, string>;
  /** What no command fixes, listed in a comment. */
  readonly outside: readonly string[];
}

function unitKeyOf(change: Change): string {
  return `${change.accountId ?? ''}/${change.region ?? ''}`;
}

/** Each change's command line and the plan's script: every change's words quoted once, for both. */
export function planCommands(input: ScriptInput): { readonly commands: string[]; readonly script: string } {
  const quoted = input.changes.map(quotedWords);
  return {
    commands: input.changes.map((change, index) => commandLine(change, quoted[index]!, input.extraWords?.get(index) ?? [])),
    script: scriptOf(input, quoted),
  };
}

/**
 * The plan as a bash script: strict mode, then the changes in their order, grouped into
 * runs of one (account, region). Each run checks that the credentials are for its account
 * before changing anything, and takes a profile from `VPCE_DOCTOR_PROFILE_<account>`.
 */
function scriptOf(input: ScriptInput, quoted: readonly string[]): string {
  const lines = ['#!/usr/bin/env bash', ...input.header.map((line) => `# ${commentText(line)}`)];
  if (input.outside.length > 0) {
    lines.push('# Not done by this script (no rule change fixes these):');
    for (const item of input.outside) lines.push(`#   - ${commentText(item)}`);
  }
  lines.push('set -euo pipefail');
  if (input.changes.length === 0) {
    lines.push('', '# Nothing to change.');
    return `${lines.join('\n')}\n`;
  }
  let current: string | undefined;
  let variable = 'aws_options';
  input.changes.forEach((change, index) => {
    const key = unitKeyOf(change);
    if (key !== current) {
      current = key;
      const account = change.accountId !== undefined && /^\d{12}$/.test(change.accountId) ? change.accountId : undefined;
      const region = change.region;
      variable = `aws_${account ?? 'options'}${region ? `_${region.replace(/[^a-zA-Z0-9]/g, '_')}` : ''}`;
      const role = input.roles?.get(key);
      lines.push('');
      lines.push(
        `# ${commentText(`${account ? `Account ${account}` : 'The account of the data'}${role ? ` (${role})` : ''}, ${region ? `region ${region}` : "the AWS CLI's configured region"}.`)}`,
      );
      lines.push(`${variable}=(${region ? `--region ${shellQuote(region)}` : ''})`);
      if (account) {
        const profile = `VPCE_DOCTOR_PROFILE_${account}`;
        lines.push(`# Credentials: the AWS CLI's usual chain, or the profile named in ${profile}.`);
        lines.push(`if [[ -n "\${${profile}:-}" ]]; then ${variable}+=(--profile "$${profile}"); fi`);
        lines.push(`caller_account=$(aws "\${${variable}[@]}" sts get-caller-identity --query Account --output text)`);
        lines.push(`if [[ "$caller_account" != ${account} ]]; then`);
        lines.push(`  echo "vpce-doctor: these changes are for account ${account}, but the credentials are for account $caller_account" >&2`);
        lines.push('  exit 1');
        lines.push('fi');
      }
    }
    const extraWords = input.extraWords?.get(index) ?? [];
    lines.push(`# ${index + 1}. ${commentText(describeChange(change))}`);
    lines.push(`aws "\${${variable}[@]}" ${quoted[index]!}${extraWords.length > 0 ? ` ${extraWords.map(shellQuote).join(' ')}` : ''}`);
  });
  return `${lines.join('\n')}\n`;
}
