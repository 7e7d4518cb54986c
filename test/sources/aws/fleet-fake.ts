import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as ec2Schemas from '@aws-sdk/client-ec2';
import * as elbv2Schemas from '@aws-sdk/client-elastic-load-balancing-v2';
import { NormalizedSchema } from '@smithy/core/schema';
import type { AwsResponsesJson } from '../../../src/sources/aws/responses.js';
import { FakeAwsRegion, type FakeCall, type FakeRegionOptions, type FakeService } from './fake-aws.js';
import { FAKE_CREDENTIALS } from './support.js';

/**
 * Many AWS accounts and regions behind one loopback URL, for the real SDK: STS (AssumeRole
 * hands out credentials whose access key names the role's account; GetCallerIdentity
 * answers the account of the key that signed), Organizations (ListAccounts, JSON 1.1,
 * paginated), and EC2 and ELBv2 answered by one `FakeAwsRegion` per (account, region):
 * the account is read from the access key of the request's signature, the region and the
 * service from its credential scope. Requests and responses go through the SDK's own
 * serializers and deserializers (the fake reads and writes them from the SDK's schemas),
 * so signing, retries, timeouts and endpoint configuration all run as against AWS.
 *
 * Knobs: deny every call of an account, throttle one account's region, refuse to let a
 * role be assumed (or require an external id), fail ListAccounts. It listens on 127.0.0.1
 * only.
 */

/** The access key of the base credentials; its account is `baseAccountId`. */
export const BASE_ACCESS_KEY_ID = FAKE_CREDENTIALS.accessKeyId;
const ASSUMED_KEY = /^ASIAFAKE(\d{12})$/;

export function assumedAccessKeyId(accountId: string): string {
  return `ASIAFAKE${accountId}`;
}

export interface OrganizationAccount {
  readonly Id: string;
  readonly Name?: string;
  readonly Status?: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  readonly State?: 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
}

export interface FleetFakeOptions {
  /** The account of the base credentials (the organization's management account when there is one). */
  readonly baseAccountId: string;
  /** The organization's accounts, the management account included; absent: no organization. */
  readonly organization?: readonly OrganizationAccount[];
  /** Accounts per ListAccounts page. */
  readonly organizationPageSize?: number;
  /** Options of every region the fake makes. */
  readonly regionOptions?: FakeRegionOptions;
}

/** One request as the fake saw it. */
export interface FleetRequest {
  /** The signing service: `ec2`, `elasticloadbalancing`, `sts`, `organizations`. */
  readonly service: string;
  readonly action: string;
  readonly accessKeyId: string;
  /** The account of the access key; undefined when the key is unknown. */
  readonly accountId?: string;
  readonly region: string;
  readonly status: number;
  readonly params?: URLSearchParams;
}

type Item = Record<string, unknown>;
type QueryAnswer = { readonly status: number; readonly body: string };

const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ELBV2_NAMESPACE = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const ORGANIZATIONS_TARGET = 'AWSOrganizationsV20161128.';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[character]!);
}

/** The operation's schema as the SDK package exports it (`DescribeSubnets$`): [9, namespace, name, traits, input, output]. */
function operationSchema(service: FakeService, action: string): { input: NormalizedSchema; output: NormalizedSchema } | undefined {
  const exports = (service === 'ec2' ? ec2Schemas : elbv2Schemas) as unknown as Record<string, unknown>;
  const schema = exports[`${action}$`];
  if (!Array.isArray(schema) || schema[0] !== 9) return undefined;
  return { input: NormalizedSchema.of(schema[4] as never), output: NormalizedSchema.of(schema[5] as never) };
}

/**
 * The input a query-protocol request carries, as the SDK's input object: the reverse of its
 * QueryShapeSerializer (EC2: `Filter.1.Value.1`, capitalized or `ec2QueryName` keys, flat
 * lists; awsQuery: `LoadBalancerArns.member.1`).
 */
function decodeQuery(schema: NormalizedSchema, params: URLSearchParams, prefix: string, ec2: boolean): unknown {
  if (schema.isStructSchema()) {
    const value: Item = {};
    for (const [memberName, member] of schema.structIterator()) {
      const traits = member.getMergedTraits();
      let key: string = ec2 && traits.ec2QueryName ? String(traits.ec2QueryName) : String(traits.xmlName ?? memberName);
      if (ec2 && !traits.ec2QueryName) key = key[0]!.toUpperCase() + key.slice(1);
      const decoded = decodeQuery(member, params, prefix ? `${prefix}.${key}` : key, ec2);
      if (decoded !== undefined) value[memberName] = decoded;
    }
    return prefix === '' || Object.keys(value).length > 0 ? value : undefined;
  }
  if (schema.isListSchema()) {
    const member = schema.getValueSchema();
    const traits = member.getMergedTraits();
    const flat = ec2 || !!schema.getMergedTraits().xmlFlattened;
    const base = flat ? prefix : `${prefix}.${String((ec2 && traits.ec2QueryName) || traits.xmlName || 'member')}`;
    const items: unknown[] = [];
    for (let index = 1; ; index++) {
      const item = decodeQuery(member, params, `${base}.${index}`, ec2);
      if (item === undefined) break;
      items.push(item);
    }
    return items.length > 0 ? items : params.has(prefix) ? [] : undefined;
  }
  const raw = params.get(prefix);
  if (raw === null) return undefined;
  if (schema.isNumericSchema()) return Number(raw);
  if (schema.isBooleanSchema()) return raw === 'true';
  return raw;
}

/** An SDK value as the query protocols' XML, named as the SDK's XmlShapeDeserializer reads it. */
function encodeXml(schema: NormalizedSchema, value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (schema.isListSchema()) {
    const member = schema.getValueSchema();
    const items = value as unknown[];
    if (schema.getMergedTraits().xmlFlattened) return items.map((item) => encodeXml(member, item, name)).join('');
    const itemName = String(member.getMergedTraits().xmlName ?? 'member');
    return `<${name}>${items.map((item) => encodeXml(member, item, itemName)).join('')}</${name}>`;
  }
  if (schema.isMapSchema()) {
    const entries = Object.entries(value as Item)
      .map(([key, entry]) => `<entry><key>${escapeXml(key)}</key>${encodeXml(schema.getValueSchema(), entry, 'value')}</entry>`)
      .join('');
    return `<${name}>${entries}</${name}>`;
  }
  if (schema.isStructSchema()) return `<${name}>${encodeMembers(schema, value as Item)}</${name}>`;
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `<${name}>${escapeXml(text)}</${name}>`;
}

function encodeMembers(schema: NormalizedSchema, value: Item): string {
  let members = '';
  for (const [memberName, member] of schema.structIterator())
    members += encodeXml(member, value[memberName], String(member.getMemberTraits().xmlName ?? memberName));
  return members;
}

function assumeRoleAnswer(accessKeyId: string, roleArn: string): QueryAnswer {
  const assumedArn = `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/vpce-doctor`;
  return {
    status: 200,
    body:
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-session-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
      `<AssumedRoleUser><Arn>${escapeXml(assumedArn)}</Arn><AssumedRoleId>AROAFAKEFAKEFAKE:vpce-doctor</AssumedRoleId></AssumedRoleUser>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000004</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  };
}

function ec2Error(status: number, code: string, message: string): QueryAnswer {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-00000000000e</RequestID></Response>`,
  };
}

/** The awsQuery error document (ELBv2, STS). */
function queryError(status: number, code: string, message: string): QueryAnswer {
  return {
    status,
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>00000000-0000-0000-0000-00000000000f</RequestId></ErrorResponse>`,
  };
}

function serviceError(service: FakeService, status: number, code: string, message: string): QueryAnswer {
  return service === 'ec2' ? ec2Error(status, code, message) : queryError(status, code, message);
}

interface Signature {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ec2/aws4_request, SignedHeaders=…, Signature=…` */
function signatureOf(request: IncomingMessage): Signature | undefined {
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(request.headers.authorization ?? ''));
  return match ? { accessKeyId: match[1]!, region: match[2]!, service: match[3]! } : undefined;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class FleetFake {
  readonly requests: FleetRequest[] = [];
  /** Role ARN -> the ExternalId each AssumeRole of it carried (undefined: none). */
  readonly assumed: Array<{ readonly roleArn: string; readonly externalId?: string; readonly by: string }> = [];
  private readonly regions = new Map<string, FakeAwsRegion>();
  private readonly denied = new Set<string>();
  private readonly throttled = new Set<string>();
  private readonly unassumable = new Map<string, string>();
  private readonly externalIds = new Map<string, string>();
  private listAccountsFailure: string | undefined;
  private organization: OrganizationAccount[] | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((request, response) => {
    this.answer(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  url = '';

  constructor(private readonly options: FleetFakeOptions) {
    this.organization = options.organization ? [...options.organization] : undefined;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The region of an account, with its data (an empty region until given some). */
  region(accountId: string, region: string, data?: AwsResponsesJson): FakeAwsRegion {
    const key = `${accountId}/${region}`;
    let found = this.regions.get(key);
    if (!found || data) {
      found = new FakeAwsRegion(data ?? {}, { ...this.options.regionOptions, accountId });
      this.regions.set(key, found);
    }
    return found;
  }

  /** Every EC2 and ELBv2 call of the account is refused, as for a role with no read policy. */
  denyAccount(accountId: string, denied = true): void {
    if (denied) this.denied.add(accountId);
    else this.denied.delete(accountId);
  }

  /** Every EC2 and ELBv2 call of the account in the region is throttled. */
  throttle(accountId: string, region: string, throttled = true): void {
    if (throttled) this.throttled.add(`${accountId}/${region}`);
    else this.throttled.delete(`${accountId}/${region}`);
  }

  /** AssumeRole of this role fails with `code` (AccessDenied: its trust policy does not name the caller); undefined: it succeeds again. */
  refuseAssumeRole(roleArn: string, code: string | undefined = 'AccessDenied'): void {
    if (code === undefined) this.unassumable.delete(roleArn);
    else this.unassumable.set(roleArn, code);
  }

  /** AssumeRole of this role needs this ExternalId; undefined: none. */
  requireExternalId(roleArn: string, externalId: string | undefined): void {
    if (externalId === undefined) this.externalIds.delete(roleArn);
    else this.externalIds.set(roleArn, externalId);
  }

  /** ListAccounts fails with this error code from now on; undefined: answers again. */
  failListAccounts(code: string | undefined): void {
    this.listAccountsFailure = code;
  }

  setOrganization(accounts: readonly OrganizationAccount[]): void {
    this.organization = [...accounts];
  }

  /** The account whose credentials signed with this access key. */
  accountOf(accessKeyId: string): string | undefined {
    if (accessKeyId === BASE_ACCESS_KEY_ID) return this.options.baseAccountId;
    return ASSUMED_KEY.exec(accessKeyId)?.[1];
  }

  /** EC2 and ELBv2 calls by (account/region), in order. */
  callsOf(accountId: string, region: string): FakeCall[] {
    return this.regions.get(`${accountId}/${region}`)?.calls ?? [];
  }

  /** `service:Action` of every request that was answered (any status). */
  actions(): string[] {
    return this.requests.map((request) => `${request.service}:${request.action}`);
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await bodyOf(request);
    const signature = signatureOf(request);
    if (!signature) {
      response
        .writeHead(403, { 'content-type': 'text/xml' })
        .end(queryError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token').body);
      return;
    }
    const accountId = this.accountOf(signature.accessKeyId);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (signature.service === 'organizations') {
      const action = target.startsWith(ORGANIZATIONS_TARGET) ? target.slice(ORGANIZATIONS_TARGET.length) : target;
      const { status, document } = this.organizations(action, accountId, body);
      this.requests.push({
        service: 'organizations',
        action,
        accessKeyId: signature.accessKeyId,
        ...(accountId ? { accountId } : {}),
        region: signature.region,
        status,
      });
      response
        .writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(status >= 300 ? { 'x-amzn-errortype': String(document.__type) } : {}) })
        .end(JSON.stringify(document));
      return;
    }
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    let answer: QueryAnswer;
    if (signature.service === 'sts') answer = this.sts(action, params, signature, accountId);
    else if (signature.service === 'ec2' || signature.service === 'elasticloadbalancing') {
      answer = await this.describe(signature.service === 'ec2' ? 'ec2' : 'elbv2', action, params, signature, accountId);
    } else answer = queryError(400, 'UnknownService', `no fake for ${signature.service}`);
    this.requests.push({
      service: signature.service,
      action,
      accessKeyId: signature.accessKeyId,
      ...(accountId ? { accountId } : {}),
      region: signature.region,
      status: answer.status,
      params,
    });
    response.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
  }

  private sts(action: string, params: URLSearchParams, signature: Signature, accountId: string | undefined): QueryAnswer {
    if (!accountId) return queryError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    switch (action) {
      case 'GetCallerIdentity': {
        const arn =
          signature.accessKeyId === BASE_ACCESS_KEY_ID
            ? `arn:aws:iam::${accountId}:user/vpce-doctor`
            : `arn:aws:sts::${accountId}:assumed-role/vpce-doctor-reader/vpce-doctor`;
        return {
          status: 200,
          body:
            `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn>` +
            `<UserId>AIDAFAKEFAKEFAKE</UserId><Account>${accountId}</Account></GetCallerIdentityResult>` +
            `<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000006</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        };
      }
      case 'AssumeRole': {
        const roleArn = params.get('RoleArn') ?? '';
        const externalId = params.get('ExternalId') ?? undefined;
        this.assumed.push({ roleArn, ...(externalId !== undefined ? { externalId } : {}), by: accountId });
        const denial = `User: arn:aws:iam::${accountId}:user/vpce-doctor is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
        const refused = this.unassumable.get(roleArn);
        if (refused) return queryError(403, refused, denial);
        const required = this.externalIds.get(roleArn);
        if (required !== undefined && required !== externalId) return queryError(403, 'AccessDenied', denial);
        const roleAccount = /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];
        if (!roleAccount) return queryError(400, 'ValidationError', `${roleArn} is not a role ARN`);
        return assumeRoleAnswer(assumedAccessKeyId(roleAccount), roleArn);
      }
      default:
        return queryError(400, 'InvalidAction', `Could not find operation ${action}`);
    }
  }

  private organizations(action: string, accountId: string | undefined, body: string): { status: number; document: Item } {
    const error = (code: string, message: string) => ({ status: 400, document: { __type: code, Message: message } });
    if (action !== 'ListAccounts') return error('UnknownOperationException', `no fake for ${action}`);
    if (this.listAccountsFailure) return error(this.listAccountsFailure, `You don't have permissions to access this resource (${this.listAccountsFailure}).`);
    if (!this.organization) return error('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    if (accountId !== this.options.baseAccountId) return error('AccessDeniedException', 'You don’t have permissions to access this resource.');
    const input = (body ? JSON.parse(body) : {}) as { NextToken?: string; MaxResults?: number };
    const start = input.NextToken ? Number(/^page:(\d+)$/.exec(input.NextToken)?.[1] ?? NaN) : 0;
    if (!Number.isInteger(start)) return error('InvalidInputException', 'The NextToken is invalid.');
    const size = Math.min(input.MaxResults ?? 20, this.options.organizationPageSize ?? 20);
    const page = this.organization.slice(start, start + size);
    const next = start + size < this.organization.length ? `page:${start + size}` : undefined;
    const management = this.options.baseAccountId;
    return {
      status: 200,
      document: {
        Accounts: page.map((account) => ({
          Id: account.Id,
          Arn: `arn:aws:organizations::${management}:account/o-fakefakefa/${account.Id}`,
          Email: `aws+${account.Id}@example.com`,
          Name: account.Name ?? `account-${account.Id}`,
          ...(account.Status ? { Status: account.Status } : {}),
          ...(account.State ? { State: account.State } : {}),
          JoinedMethod: account.Id === management ? 'CREATED' : 'INVITED',
          JoinedTimestamp: 1_700_000_000,
        })),
        ...(next ? { NextToken: next } : {}),
      },
    };
  }

  private async describe(
    service: FakeService,
    action: string,
    params: URLSearchParams,
    signature: Signature,
    accountId: string | undefined,
  ): Promise<QueryAnswer> {
    if (!accountId) return serviceError(service, 401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
    const iamAction = `${service === 'ec2' ? 'ec2' : 'elasticloadbalancing'}:${action}`;
    if (this.denied.has(accountId)) {
      const message = `User: arn:aws:sts::${accountId}:assumed-role/vpce-doctor-reader/vpce-doctor is not authorized to perform: ${iamAction} because no identity-based policy allows the ${iamAction} action`;
      return serviceError(service, 403, service === 'ec2' ? 'UnauthorizedOperation' : 'AccessDenied', message);
    }
    if (this.throttled.has(`${accountId}/${signature.region}`)) {
      return service === 'ec2' ? ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.') : queryError(400, 'Throttling', 'Rate exceeded');
    }
    const schema = operationSchema(service, action);
    if (!schema) return serviceError(service, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    const input = decodeQuery(schema.input, params, '', service === 'ec2') as Item;
    const region = this.region(accountId, signature.region);
    let output: Item;
    try {
      output = action === 'DescribeVpcEndpointServices' ? this.vpcEndpointServices(region, input) : await region.handle(service, action, input);
    } catch (error) {
      const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      return serviceError(service, failure.$metadata?.httpStatusCode ?? 400, failure.name ?? 'InternalError', failure.message ?? '');
    }
    const members = encodeMembers(schema.output, output);
    if (service === 'ec2') {
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>00000000-0000-0000-0000-000000000001</requestId>${members}</${action}Response>`,
      };
    }
    return {
      status: 200,
      body: `<${action}Response xmlns="${ELBV2_NAMESPACE}"><${action}Result>${members}</${action}Result><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000003</RequestId></ResponseMetadata></${action}Response>`,
    };
  }

  /** DescribeVpcEndpointServices (which `FakeAwsRegion` does not answer): the region's `vpcEndpointServices`, by `service-name` filter. */
  private vpcEndpointServices(region: FakeAwsRegion, input: Item): Item {
    const all = ((region.data.vpcEndpointServices?.ServiceDetails as Item[] | undefined) ?? []).filter((detail) => typeof detail.ServiceName === 'string');
    let details = all;
    for (const filter of (input.Filters as Array<{ Name: string; Values: string[] }> | undefined) ?? []) {
      if (filter.Name !== 'service-name') throw region.error('ec2', 'InvalidParameterValue', `The filter '${filter.Name}' is invalid`, 400);
      if (filter.Values.length > 200)
        throw region.error('ec2', 'FilterLimitExceeded', 'The maximum number of filter values specified on a single call is 200', 400);
      details = details.filter((detail) => filter.Values.includes(detail.ServiceName as string));
    }
    const names = input.ServiceNames as string[] | undefined;
    if (names?.length) details = details.filter((detail) => names.includes(detail.ServiceName as string));
    region.calls.push({ service: 'ec2', operation: 'DescribeVpcEndpointServices', input: structuredClone(input), outcome: 'answered' });
    return { ServiceNames: details.map((detail) => detail.ServiceName), ServiceDetails: details };
  }
}

export async function startFleetFake(options: FleetFakeOptions): Promise<FleetFake> {
  return new FleetFake(options).listen();
}
