import Type, { type Static, type TSchema } from 'typebox';
import { EndpointSummarySchema } from '../core/inventory.js';
import { FIX_SCOPES, ReportSchema } from '../core/report.js';
import { ChangeSchema, type Change } from '../core/change.js';
import { FleetReportRowSchema } from '../core/fleet-report.js';
import { FleetWorkloadRowSchema } from '../core/reachability.js';

export { EndpointSummarySchema };

/** Request and response schemas of the API: validation, serialization and OpenAPI in one. */

export const ENDPOINT_ID_PATTERN = '^vpce-[0-9a-f]{8,17}$';

export const EndpointIdParams = Type.Object(
  {
    id: Type.String({
      pattern: ENDPOINT_ID_PATTERN,
      description: 'Interface endpoint id, vpce- followed by 8 to 17 hexadecimal digits',
      examples: ['vpce-068e9dcc184a273ab'],
    }),
  },
  { additionalProperties: false },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A stable URN naming the problem: urn:vpce-doctor:problem:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    'invalid-params': Type.Optional(
      Type.Array(
        Type.Object({ name: Type.String({ description: 'The offending field, e.g. body.client.ip' }), reason: Type.String() }, { additionalProperties: false }),
      ),
    ),
  },
  { description: 'RFC 9457 problem details', additionalProperties: false },
);
export type Problem = Static<typeof ProblemSchema>;

const ClientSchema = Type.Object(
  {
    ip: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'Client IPv4 or IPv6 address' })),
    eniId: Type.Optional(Type.String({ pattern: '^eni-[0-9a-f]{8,17}$', description: "Client's network interface" })),
    instanceId: Type.Optional(Type.String({ pattern: '^i-[0-9a-f]{8,17}$', description: "Client's instance (its primary network interface)" })),
  },
  { additionalProperties: false, minProperties: 1, description: 'At least one of ip, eniId, instanceId' },
);

const PortSchema = Type.Integer({
  minimum: 1,
  maximum: 65535,
  description: 'Service port; default 443 for AWS services, the listener ports for visible customer services',
  examples: [443],
});
const EphemeralSchema = Type.String({
  maxLength: 16,
  // No example: "Try it out" pre-fills examples, and another range would ask another question than curl's.
  description: "The client's ephemeral range for return traffic: FROM-TO (32768-60999), or linux, windows, nat-gateway, nlb (default 1024-65535)",
});

/** The endpoint's unit in a fleet: needed only when its id is in several accounts or regions. */
export const UnitFields = {
  accountId: Type.Optional(Type.String({ pattern: '^\\d{12}$', description: "The endpoint's account, when the id is in several units of the data" })),
  region: Type.Optional(
    Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', description: "The endpoint's region, when the id is in several units of the data" }),
  ),
};

const FixScopeField = Type.Enum(FIX_SCOPES, {
  description:
    "Whom the fix plan's rules admit: `client` the client's address (/32 or /128, the default), `subnet` the client's (or the endpoint's) subnet CIDRs, `vpc` its VPC's captured subnets. Part of the cache key: each scope is its own analysis.",
});

const ProbeFlag = Type.Boolean({ description: 'Also TCP-connect from this service to each interface (adds probe.tcp checks; never cached)' });

export const AnalysisBody = Type.Object(
  {
    client: ClientSchema,
    port: Type.Optional(PortSchema),
    clientEphemeralPorts: Type.Optional(EphemeralSchema),
    fixScope: Type.Optional(FixScopeField),
    probe: Type.Optional(ProbeFlag),
    ...UnitFields,
  },
  {
    additionalProperties: false,
    // "Try it out" sends the first: a question about the bundled example (never a probe of its 10.x addresses).
    'x-examples': {
      byIp: { summary: 'A client by IP address, on the service port', value: { client: { ip: '10.0.1.25' }, port: 443 } },
      byInstance: { summary: 'A client by instance id', value: { client: { instanceId: 'i-0862f03190fbae3bc' } } },
    },
  },
);
export type AnalysisBodyType = Static<typeof AnalysisBody>;

/** The client of a query string (GET analysis, the fleet report): one of the three. */
const ClientQueryFields = {
  clientIp: Type.Optional(Type.String({ minLength: 2, maxLength: 64, examples: ['10.0.1.25'] })),
  clientEniId: Type.Optional(Type.String({ pattern: '^eni-[0-9a-f]{8,17}$' })),
  clientInstanceId: Type.Optional(Type.String({ pattern: '^i-[0-9a-f]{8,17}$' })),
  port: Type.Optional(PortSchema),
  clientEphemeralPorts: Type.Optional(EphemeralSchema),
};

export const ANALYSIS_FORMATS = ['json', 'sh'] as const;

export const AnalysisQuery = Type.Object(
  {
    ...ClientQueryFields,
    fixScope: Type.Optional(FixScopeField),
    format: Type.Optional(
      Type.Enum(ANALYSIS_FORMATS, {
        description: '`json` (the default): the report; `sh`: only its fix plan, as the bash script `fixPlan.script` (text/x-shellscript), to save and run',
      }),
    ),
    refresh: Type.Optional(Type.Boolean({ description: 'Bypass the cache: reload the data and recompute' })),
    probe: Type.Optional(ProbeFlag),
    ...UnitFields,
  },
  { additionalProperties: false },
);

export const ReachabilityQuery = Type.Object(
  {
    port: Type.Optional(PortSchema),
    clientEphemeralPorts: Type.Optional(EphemeralSchema),
    fixScope: Type.Optional(
      Type.Enum(FIX_SCOPES, {
        description: "Whom each workload group's fix plan admits: `client` (the default for a group of one interface), `subnet` (the default otherwise), `vpc`",
      }),
    ),
    plans: Type.Optional(Type.Boolean({ description: 'Make and prove a fix plan for each workload group that does not reach (default true)' })),
    refresh: Type.Optional(Type.Boolean({ description: 'Bypass the cache: reload the data and recompute' })),
    ...UnitFields,
  },
  { additionalProperties: false },
);

export const RefreshQuery = Type.Object({ refresh: Type.Optional(Type.Boolean({ description: 'Bypass the cache' })) }, { additionalProperties: false });

export const EndpointQuery = Type.Object(
  { refresh: Type.Optional(Type.Boolean({ description: 'Bypass the cache' })), ...UnitFields },
  { additionalProperties: false },
);

export const CacheInfoSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('hit'), Type.Literal('miss'), Type.Literal('refresh')]),
    stale: Type.Boolean({
      description: 'True when a reload failed, or is under way (replicas waiting for a shared collection), and an older result is served',
    }),
    ageSeconds: Type.Integer({ minimum: 0, description: 'Seconds since the data behind this answer was loaded' }),
    shared: Type.Optional(
      Type.Union([Type.Literal('hit'), Type.Literal('miss'), Type.Literal('unavailable')], {
        description:
          "Replicas sharing a Redis: whether the shared cache held the answer (asked only when this replica's own cache had none); `miss`: computed here and stored there; `unavailable`: Redis did not answer",
      }),
    ),
  },
  { additionalProperties: false },
);

export const AnalysisResponse = Type.Object(
  { ...ReportSchema.properties, cache: CacheInfoSchema },
  { additionalProperties: false, description: "The core's report, unchanged, and how fresh it is" },
);

export function batchBody(maxItems: number) {
  return Type.Object(
    {
      items: Type.Array(
        Type.Object(
          {
            endpointId: Type.String({ pattern: ENDPOINT_ID_PATTERN }),
            client: ClientSchema,
            port: Type.Optional(PortSchema),
            clientEphemeralPorts: Type.Optional(EphemeralSchema),
            fixScope: Type.Optional(FixScopeField),
            ...UnitFields,
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems, description: `At most ${maxItems} analyses` },
      ),
    },
    {
      additionalProperties: false,
      'x-examples': {
        twoClients: {
          summary: 'One endpoint, two clients',
          value: {
            items: [
              { endpointId: 'vpce-068e9dcc184a273ab', client: { ip: '10.0.1.25' }, port: 443 },
              { endpointId: 'vpce-068e9dcc184a273ab', client: { instanceId: 'i-0862f03190fbae3bc' } },
            ],
          },
        },
      },
    },
  );
}
export type BatchItem = AnalysisBodyType & { endpointId: string };

export const BatchResponse = Type.Object(
  {
    results: Type.Array(
      Type.Object(
        { index: Type.Integer(), status: Type.Integer(), analysis: Type.Optional(AnalysisResponse), problem: Type.Optional(ProblemSchema) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const EndpointListQuery = Type.Object(
  {
    vpcId: Type.Optional(Type.String({ pattern: '^vpc-[0-9a-f]{8,17}$' })),
    serviceName: Type.Optional(Type.String({ maxLength: 256 })),
    accountId: Type.Optional(Type.String({ pattern: '^\\d{12}$', description: 'Only the endpoints of this account' })),
    region: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', description: 'Only the endpoints of this region' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    nextToken: Type.Optional(Type.String({ maxLength: 128, description: 'From the previous page' })),
    refresh: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const EndpointListResponse = Type.Object(
  { items: Type.Array(EndpointSummarySchema), nextToken: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const HealthResponse = Type.Object({ status: Type.String(), detail: Type.Optional(Type.String()) }, { additionalProperties: false });

export const PROBLEM_RESPONSES = {
  400: ProblemSchema,
  401: ProblemSchema,
  404: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
  503: ProblemSchema,
};

export const UNIT_STATES = ['loaded', 'stale', 'failed', 'never'] as const;

export const UnitStatusSchema = Type.Object(
  {
    key: Type.String({ description: '`account/region`' }),
    accountId: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    roleArn: Type.Optional(Type.String({ description: 'The role the unit is read through (live); absent for the base credentials and snapshots' })),
    state: Type.Enum(UNIT_STATES, {
      description: 'loaded; stale (the last collection failed, older data is served); failed (never loaded); never (not tried yet)',
    }),
    loadedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the data served was collected or read' })),
    dataAgeSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    lastError: Type.Optional(Type.String({ description: 'Why the last collection failed: the error or the missing permission' })),
    failures: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Collections that could not be read in the data served, and why' })),
    callsMade: Type.Optional(Type.Integer({ minimum: 0, description: 'AWS calls of the last collection (live only)' })),
    dataGeneration: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: "Replicas sharing a Redis: the unit's collection count across them; replicas showing the same number serve the same data",
      }),
    ),
    endpoints: Type.Integer({ minimum: 0 }),
    services: Type.Integer({ minimum: 0, description: 'Endpoint service configurations (provider side)' }),
    loadBalancers: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type UnitStatus = Static<typeof UnitStatusSchema>;

export const UnitsResponse = Type.Object({ units: Type.Array(UnitStatusSchema) }, { additionalProperties: false });

export const FleetReportQuery = Type.Object(
  {
    ...ClientQueryFields,
    accountId: Type.Optional(Type.String({ pattern: '^\\d{12}$', description: 'Only the endpoints of this account' })),
    region: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', description: 'Only the endpoints of this region' })),
    allWorkloads: Type.Optional(
      Type.Boolean({
        description:
          "Instead of one client: every endpoint against every workload group of its VPC (the data's network interfaces by subnet and security groups, and those of VPCs whose ranges it admits), read from its source sets; items are then (endpoint, workload group) rows and `limit` counts endpoints",
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'Endpoints per page' })),
    nextToken: Type.Optional(Type.String({ maxLength: 64, description: 'From the previous page' })),
  },
  { additionalProperties: false },
);

export const FleetReportResponse = Type.Object(
  {
    items: Type.Array(Type.Union([FleetReportRowSchema, FleetWorkloadRowSchema]), {
      description: 'One row per endpoint; with allWorkloads, one per (endpoint, workload group)',
    }),
    nextToken: Type.Optional(Type.String({ description: 'The next page: the same query with this token' })),
    total: Type.Integer({ minimum: 0, description: 'Endpoints the report covers, on every page' }),
    unitsNotLoaded: Type.Array(Type.Object({ key: Type.String(), reason: Type.String() }, { additionalProperties: false }), {
      description: 'Units with no data: their endpoints are missing from the report, and provider sides there are unknown',
    }),
  },
  { additionalProperties: false },
);

// ------------------------------------------------------------------------ what-if and blast radius

/** Changes in one what-if or blast radius at most: a fix plan is a handful, a Terraform plan's network part rarely hundreds. */
export const CHANGES_MAX_ITEMS = 200;
/** Extra client addresses of one blast radius at most. */
export const CLIENT_IPS_MAX_ITEMS = 50;

/**
 * The core's change union, validated by its `kind`: a change of the wrong shape is told what
 * its own kind lacks, not what each of the four kinds would need.
 */
const ChangeByKind = Type.Unsafe<Change>({
  type: 'object',
  oneOf: ChangeSchema.anyOf,
  discriminator: { propertyName: 'kind' },
  description: (ChangeSchema as { description?: string }).description,
} as unknown as TSchema);

const ChangesField = Type.Array(ChangeByKind, {
  maxItems: CHANGES_MAX_ITEMS,
  description: `At most ${CHANGES_MAX_ITEMS} changes in the format of contract §7 (a report's \`fixPlan.changes\` is one), applied in order, each seeing those before it; an empty list changes nothing`,
});

/**
 * Examples on the bundled example the service serves by default (examples/healthy-aws-service):
 * Swagger UI's "Try it out" runs them as they are.
 */
const EXAMPLE = {
  endpointId: 'vpce-068e9dcc184a273ab',
  instanceId: 'i-0862f03190fbae3bc',
  endpointGroupId: 'sg-0d3885bab18906d3d',
  clientGroupId: 'sg-0c44172a126845ea3',
  endpointSubnetsAclId: 'acl-008be4887e6e3c374',
} as const;

const removeAppServersRule = {
  op: 'remove',
  kind: 'sg-rule',
  groupId: EXAMPLE.endpointGroupId,
  direction: 'inbound',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peerGroupId: EXAMPLE.clientGroupId,
};
const denyClientInEndpointAcl = {
  op: 'add',
  kind: 'nacl-entry',
  networkAclId: EXAMPLE.endpointSubnetsAclId,
  egress: false,
  ruleNumber: 90,
  protocol: '6',
  fromPort: 443,
  toPort: 443,
  cidr: '10.0.1.25/32',
  action: 'deny',
};

export const WhatIfBody = Type.Object(
  {
    client: ClientSchema,
    port: Type.Optional(PortSchema),
    clientEphemeralPorts: Type.Optional(EphemeralSchema),
    fixScope: Type.Optional(FixScopeField),
    ...UnitFields,
    changes: ChangesField,
  },
  {
    additionalProperties: false,
    'x-examples': {
      removeSecurityGroupRule: {
        summary: "Remove the endpoint group's rule that admits the app servers' group",
        value: { client: { instanceId: EXAMPLE.instanceId }, changes: [removeAppServersRule] },
      },
      denyInNetworkAcl: {
        summary: "Deny the client's address on 443 in the endpoint subnets' network ACL",
        value: { client: { ip: '10.0.1.25' }, port: 443, changes: [denyClientInEndpointAcl] },
      },
      noChange: {
        summary: 'No change: the verdict after is the analysis verdict, and no check moves',
        value: { client: { instanceId: EXAMPLE.instanceId }, changes: [] },
      },
    },
  },
);
export type WhatIfBodyType = Static<typeof WhatIfBody>;

export const BlastRadiusBody = Type.Object(
  {
    changes: ChangesField,
    clientIps: Type.Optional(
      Type.Array(Type.String({ minLength: 2, maxLength: 64, description: 'An IPv4 or IPv6 address' }), {
        maxItems: CLIENT_IPS_MAX_ITEMS,
        description: `Clients besides the network interfaces of each endpoint's VPC (on-premises or peered addresses, say), at most ${CLIENT_IPS_MAX_ITEMS}`,
      }),
    ),
    port: Type.Optional(PortSchema),
  },
  {
    additionalProperties: false,
    'x-examples': {
      removeSecurityGroupRule: {
        summary: "Remove the endpoint group's rule that admits the app servers' group: the app server's pair breaks",
        value: { changes: [removeAppServersRule] },
      },
      widenWithClientIps: {
        summary: "Admit the app servers' subnet on 443, with one more client address to judge",
        value: {
          changes: [
            {
              op: 'add',
              kind: 'sg-rule',
              groupId: EXAMPLE.endpointGroupId,
              direction: 'inbound',
              protocol: 'tcp',
              fromPort: 443,
              toPort: 443,
              cidr: '10.0.1.0/24',
            },
          ],
          clientIps: ['10.0.1.26'],
        },
      },
    },
  },
);
export type BlastRadiusBodyType = Static<typeof BlastRadiusBody>;
