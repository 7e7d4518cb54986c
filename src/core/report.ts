import Type, { type Static } from 'typebox';
import { ChangeSchema } from './change.js';
import { rulesReadOf, type RulesRead, type RulesReadText } from './rule-sets.js';

/**
 * The report: one schema for the core, the HTTP API, the OpenAPI document and the docs.
 * The TypeScript types below are derived from it, so the shape cannot drift.
 */

/**
 * The checks, each with the rules it reads (src/core/rule-sets.ts): `scope ingress`, the
 * inbound rules of the groups and the NACL the check's scope names; `none`, no rule. A
 * change (a fix plan's proof, a what-if) reaches only the checks that read what it alters.
 */
export const CONSUMER_CHECKS = {
  'endpoint.state': 'none',
  'endpoint.sg.inbound': 'scope ingress',
  'endpoint.nacl.inbound': 'scope ingress',
  'endpoint.nacl.outbound': 'scope egress',
  'client.sg.outbound': 'scope egress',
  'client.nacl.outbound': 'scope egress',
  'client.nacl.inbound': 'scope ingress',
} as const satisfies Readonly<Record<string, RulesReadText>>;

/** The provider's side: the NLB's groups, the targets' groups and the NACLs of the targets' subnets. */
export const PROVIDER_CHECKS = {
  'service.listener': 'none',
  'nlb.sg.inbound': 'nlb-groups ingress',
  'nlb.sg.outbound': 'nlb-groups egress',
  'target.sg.inbound': 'target-groups ingress',
  'target.nacl.inbound': 'target-nacls ingress',
  'target.nacl.outbound': 'target-nacls egress',
  'target.health': 'none',
} as const satisfies Readonly<Record<string, RulesReadText>>;

export const CHECK_RULES = { ...CONSUMER_CHECKS, ...PROVIDER_CHECKS, 'probe.tcp': 'none' } as const satisfies Readonly<Record<string, RulesReadText>>;

/** The rules each check reads, read from the table once. */
export const CHECK_RULES_READ = Object.fromEntries(Object.entries(CHECK_RULES).map(([id, text]) => [id, rulesReadOf(text)])) as Readonly<
  Record<keyof typeof CHECK_RULES, RulesRead | 'none'>
>;

export const CONSUMER_CHECK_IDS = Object.keys(CONSUMER_CHECKS) as readonly (keyof typeof CONSUMER_CHECKS)[];
export const PROVIDER_CHECK_IDS = Object.keys(PROVIDER_CHECKS) as readonly (keyof typeof PROVIDER_CHECKS)[];
export const CHECK_IDS = Object.keys(CHECK_RULES) as readonly (keyof typeof CHECK_RULES)[];

export const CheckIdSchema = Type.Enum(CHECK_IDS);
export type CheckId = (typeof CHECK_IDS)[number];

export const CHECK_STATUSES = ['pass', 'fail', 'warn', 'unknown', 'not_applicable'] as const;
export const CheckStatusSchema = Type.Enum(CHECK_STATUSES);
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const VERDICTS = ['reachable', 'partial', 'blocked', 'unknown'] as const;
export const VerdictSchema = Type.Enum(VERDICTS);
export type Verdict = (typeof VERDICTS)[number];

export const PortRangeSchema = Type.Object(
  { from: Type.Integer({ minimum: 0, maximum: 65535 }), to: Type.Integer({ minimum: 0, maximum: 65535 }) },
  { additionalProperties: false },
);

export const ScopeSchema = Type.Object(
  {
    endpointId: Type.String(),
    accountId: Type.Optional(
      Type.String({ description: "Set on provider checks whose data is another account's (the cross-account join): where the fix is made" }),
    ),
    region: Type.Optional(Type.String()),
    networkInterfaceId: Type.Optional(Type.String()),
    ipAddress: Type.Optional(Type.String({ description: 'The endpoint network interface address on this path' })),
    subnetId: Type.Optional(Type.String()),
    availabilityZone: Type.Optional(Type.String()),
    availabilityZoneId: Type.Optional(Type.String()),
    networkAclId: Type.Optional(Type.String()),
    securityGroupIds: Type.Optional(Type.Array(Type.String())),
    port: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false, description: 'What a check concerns: the endpoint, and for path checks the ENI and the subnet, NACL or groups judged' },
);
export type Scope = Static<typeof ScopeSchema>;

export const SecurityGroupRuleEvidenceSchema = Type.Object(
  {
    kind: Type.Literal('security-group-rule'),
    securityGroupId: Type.String(),
    direction: Type.Union([Type.Literal('ingress'), Type.Literal('egress')]),
    protocol: Type.String(),
    portRange: Type.Optional(PortRangeSchema),
    peer: Type.String({ description: 'CIDR, prefix list id or security group id' }),
    description: Type.Optional(Type.String()),
    text: Type.String(),
  },
  { additionalProperties: false },
);

export const NetworkAclEntryEvidenceSchema = Type.Object(
  {
    kind: Type.Literal('network-acl-entry'),
    networkAclId: Type.String(),
    ruleNumber: Type.Integer({ description: '32767 (IPv4) and 32768 (IPv6) are the default deny entries (`*`)' }),
    egress: Type.Boolean(),
    ruleAction: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    protocol: Type.String(),
    cidrBlock: Type.String(),
    portRange: Type.Optional(PortRangeSchema),
    decidedPorts: Type.Array(PortRangeSchema, { description: 'The ports of the queried range that this entry decided' }),
    text: Type.String(),
  },
  { additionalProperties: false },
);

export const ResourceEvidenceSchema = Type.Object(
  {
    kind: Type.Literal('resource'),
    resourceId: Type.String(),
    attribute: Type.String(),
    value: Type.String(),
    text: Type.String(),
  },
  { additionalProperties: false },
);

export const EvidenceSchema = Type.Union([SecurityGroupRuleEvidenceSchema, NetworkAclEntryEvidenceSchema, ResourceEvidenceSchema]);
export type Evidence = Static<typeof EvidenceSchema>;
export type SecurityGroupRuleEvidence = Static<typeof SecurityGroupRuleEvidenceSchema>;
export type NetworkAclEntryEvidence = Static<typeof NetworkAclEntryEvidenceSchema>;

export const SecurityGroupRuleActionSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('authorize-security-group-ingress'), Type.Literal('authorize-security-group-egress')]),
    securityGroupId: Type.String(),
    protocol: Type.Literal('tcp'),
    fromPort: Type.Integer(),
    toPort: Type.Integer(),
    cidr: Type.Optional(Type.String()),
    referencedSecurityGroupId: Type.Optional(Type.String()),
    description: Type.String(),
    cli: Type.String(),
  },
  { additionalProperties: false },
);

export const NetworkAclEntryActionSchema = Type.Object(
  {
    kind: Type.Literal('create-network-acl-entry'),
    networkAclId: Type.String(),
    egress: Type.Boolean(),
    ruleNumber: Type.Integer({ minimum: 1, maximum: 32766 }),
    protocol: Type.Literal('6'),
    portRange: PortRangeSchema,
    cidrBlock: Type.String(),
    ruleAction: Type.Literal('allow'),
    beforeRuleNumber: Type.Integer({ description: 'The entry that decides the denial today: the new entry must be evaluated before it' }),
    cli: Type.String(),
  },
  { additionalProperties: false },
);

export const AcceptConnectionActionSchema = Type.Object(
  {
    kind: Type.Literal('accept-vpc-endpoint-connections'),
    serviceId: Type.String(),
    vpcEndpointId: Type.String(),
    cli: Type.String(),
  },
  { additionalProperties: false },
);

export const CreateListenerActionSchema = Type.Object(
  {
    kind: Type.Literal('create-listener'),
    loadBalancerArn: Type.String(),
    protocol: Type.String(),
    port: Type.Integer(),
    targetGroupArn: Type.Optional(Type.String()),
    cli: Type.String(),
  },
  { additionalProperties: false },
);

export const ModifyLoadBalancerAttributesActionSchema = Type.Object(
  {
    kind: Type.Literal('modify-load-balancer-attributes'),
    loadBalancerArn: Type.String(),
    key: Type.String(),
    value: Type.String(),
    cli: Type.String(),
  },
  { additionalProperties: false },
);

export const ManualActionSchema = Type.Object({ kind: Type.Literal('manual'), text: Type.String() }, { additionalProperties: false });

export const RemediationActionSchema = Type.Union([
  SecurityGroupRuleActionSchema,
  NetworkAclEntryActionSchema,
  AcceptConnectionActionSchema,
  CreateListenerActionSchema,
  ModifyLoadBalancerAttributesActionSchema,
  ManualActionSchema,
]);
export type RemediationAction = Static<typeof RemediationActionSchema>;

export const RemediationSchema = Type.Object({ summary: Type.String(), actions: Type.Array(RemediationActionSchema) }, { additionalProperties: false });
export type Remediation = Static<typeof RemediationSchema>;

export const CheckSchema = Type.Object(
  {
    id: CheckIdSchema,
    status: CheckStatusSchema,
    scope: ScopeSchema,
    summary: Type.String({ description: 'One line for a person' }),
    evidence: Type.Array(EvidenceSchema),
    remediation: Type.Optional(RemediationSchema),
  },
  { additionalProperties: false },
);
export type Check = Static<typeof CheckSchema>;

export const PathSchema = Type.Object(
  {
    networkInterfaceId: Type.String(),
    ipAddress: Type.Optional(Type.String()),
    subnetId: Type.Optional(Type.String()),
    availabilityZone: Type.Optional(Type.String()),
    availabilityZoneId: Type.Optional(Type.String()),
    port: Type.Integer(),
    status: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('unknown')]),
    failedChecks: Type.Array(CheckIdSchema),
    unknownChecks: Type.Array(CheckIdSchema),
    warnedChecks: Type.Array(CheckIdSchema),
  },
  { additionalProperties: false, description: 'One endpoint network interface on one port, and the checks that decide it' },
);
export type Path = Static<typeof PathSchema>;

/**
 * What the data said about itself that makes an answer less sure: a file that holds one page
 * of several, an empty or unrecognised file, a file read under another name or encoding, a
 * subnet no captured NACL lists. Named for the person who made the capture.
 */
export const DATA_WARNING_KINDS = [
  'truncated',
  'empty-file',
  'renamed-file',
  'decoded-file',
  'unrecognised-file',
  'missing-association',
  'client-resolution',
] as const;
export const DataWarningKindSchema = Type.Enum(DATA_WARNING_KINDS);
export type DataWarningKind = (typeof DATA_WARNING_KINDS)[number];

export const DataWarningSchema = Type.Object(
  {
    kind: DataWarningKindSchema,
    file: Type.Optional(Type.String({ description: 'The file concerned, relative to the snapshot directory' })),
    message: Type.String({ description: 'What was wrong with it and what it leaves unknown' }),
  },
  { additionalProperties: false },
);
export type DataWarning = Static<typeof DataWarningSchema>;

export const FIX_SCOPES = ['client', 'subnet', 'vpc'] as const;
export const FixScopeSchema = Type.Enum(FIX_SCOPES, {
  description:
    "Whom a rule that admits the other side names: `client` its address (/32, /128), `subnet` the client's (or the endpoint's) subnet CIDRs, `vpc` its VPC's",
});
export type FixScope = (typeof FIX_SCOPES)[number];

export const UnfixableItemSchema = Type.Object(
  {
    checkId: CheckIdSchema,
    status: Type.Union([Type.Literal('fail'), Type.Literal('warn'), Type.Literal('unknown')]),
    summary: Type.String({ description: 'What the check found' }),
    action: Type.String({ description: 'What to do instead of a rule change: accept the connection, fix the targets, capture the missing data' }),
    command: Type.Optional(Type.String({ description: 'The AWS CLI command that does it, when one does' })),
    accountId: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type UnfixableItem = Static<typeof UnfixableItemSchema>;

export const FixPlanSchema = Type.Object(
  {
    scope: FixScopeSchema,
    changes: Type.Array(ChangeSchema, { description: 'Each change once, in the order to make them (contract §7 format: feed them back as a what-if)' }),
    commands: Type.Array(Type.String(), { description: 'One AWS CLI command per change, in the same order' }),
    script: Type.String({ description: 'The whole plan as a bash script (set -euo pipefail; account and region named and checked)' }),
    unfixable: Type.Array(UnfixableItemSchema, { description: 'What no rule change fixes, with the action to take' }),
    verified: Type.Boolean({ description: 'True when the analysis of the data with the changes applied gives `reachable`' }),
    verdictAfter: VerdictSchema,
    notes: Type.Array(Type.String()),
  },
  { additionalProperties: false, description: 'The changes that make the client reach the endpoint, proven by analysing the data with them applied' },
);
export type FixPlan = Static<typeof FixPlanSchema>;

export const ClientLocationSchema = Type.Union([Type.Literal('network-interface'), Type.Literal('subnet'), Type.Literal('outside'), Type.Literal('unknown')]);
export type ClientLocation = Static<typeof ClientLocationSchema>;

export const ReportSchema = Type.Object(
  {
    reportVersion: Type.Literal(1),
    verdict: VerdictSchema,
    verdictSummary: Type.String(),
    endpoint: Type.Object(
      {
        id: Type.String(),
        accountId: Type.Optional(Type.String({ description: "The endpoint's account, when the data names it" })),
        region: Type.Optional(Type.String()),
        serviceName: Type.String(),
        serviceOwner: Type.Union([Type.Literal('aws'), Type.Literal('customer')]),
        type: Type.String(),
        state: Type.String(),
        vpcId: Type.String(),
      },
      { additionalProperties: false },
    ),
    client: Type.Object(
      {
        ipAddress: Type.String(),
        location: ClientLocationSchema,
        networkInterfaceId: Type.Optional(Type.String()),
        instanceId: Type.Optional(Type.String()),
        subnetId: Type.Optional(Type.String()),
        vpcId: Type.Optional(Type.String()),
        securityGroupIds: Type.Array(Type.String()),
        note: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 })),
    portSource: Type.Union([Type.Literal('request'), Type.Literal('aws-service-default'), Type.Literal('service-listeners')]),
    clientEphemeralPorts: PortRangeSchema,
    provider: Type.Object(
      {
        visibility: Type.Union([Type.Literal('aws'), Type.Literal('not-visible'), Type.Literal('visible')]),
        accountId: Type.Optional(Type.String({ description: "The provider's account: where the provider checks' data comes from" })),
        region: Type.Optional(Type.String()),
        note: Type.Optional(Type.String()),
        serviceId: Type.Optional(Type.String()),
        loadBalancerArn: Type.Optional(Type.String()),
        loadBalancerNodeIps: Type.Optional(Type.Array(Type.String())),
        loadBalancerSecurityGroupIds: Type.Optional(Type.Array(Type.String())),
        crossZoneEnabled: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false, description: "The endpoint service's side: AWS's own, not in the captured data, or its NLB" },
    ),
    paths: Type.Array(PathSchema),
    checks: Type.Array(CheckSchema),
    fixPlan: FixPlanSchema,
    dataWarnings: Type.Array(DataWarningSchema, {
      description: 'Where the data was incomplete or read in another form than the layout: the file and what was wrong with it',
    }),
    source: Type.Object({ kind: Type.Union([Type.Literal('snapshot'), Type.Literal('aws')]), location: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type Report = Static<typeof ReportSchema>;
