import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { NormalizedSchema } from '@smithy/core/schema';
import type { FakeAwsRegion, FakeService } from './fake-aws.js';

/**
 * A loopback HTTP server that speaks enough of the AWS query protocols (EC2, ELBv2, STS:
 * form-encoded `Action=…` in, XML out) to put the real SDK stack under test: timeouts,
 * retries, endpoint resolution, signing. It listens on 127.0.0.1 only.
 */

export interface QueryRequest {
  readonly action: string;
  readonly params: URLSearchParams;
  readonly authorization: string;
}

/** `never`: accept the request and never answer. */
export type QueryAnswer = { readonly status: number; readonly body: string } | 'never';

export interface QueryServer {
  readonly url: string;
  readonly requests: QueryRequest[];
  actions(): string[];
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startQueryServer(answer: (request: QueryRequest) => QueryAnswer | Promise<QueryAnswer>): Promise<QueryServer> {
  const requests: QueryRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (request, response) => {
    const params = new URLSearchParams(await bodyOf(request));
    const received = { action: params.get('Action') ?? '', params, authorization: String(request.headers.authorization ?? '') };
    requests.push(received);
    let reply: QueryAnswer;
    try {
      reply = await answer(received);
    } catch (error) {
      reply = {
        status: 500,
        body: `<Response><Errors><Error><Code>InternalError</Code><Message>${escapeXml(String(error))}</Message></Error></Errors></Response>`,
      };
    }
    if (reply === 'never') return;
    response.writeHead(reply.status, { 'content-type': 'text/xml' }).end(reply.body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    actions: () => requests.map((request) => request.action),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function ec2Answer(action: string, inner = ''): QueryAnswer {
  return {
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>00000000-0000-0000-0000-000000000001</requestId>${inner}</${action}Response>`,
  };
}

export function ec2Error(status: number, code: string, message: string): QueryAnswer {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000002</RequestID></Response>`,
  };
}

export function elbv2Answer(action: string, inner = ''): QueryAnswer {
  return {
    status: 200,
    body: `<${action}Response xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000003</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function stsAssumeRoleAnswer(accessKeyId: string, roleArn: string): QueryAnswer {
  return {
    status: 200,
    body:
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-session-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
      `<AssumedRoleUser><Arn>${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/vpce-doctor</Arn><AssumedRoleId>AROAFAKEFAKEFAKE:vpce-doctor</AssumedRoleId></AssumedRoleUser>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000004</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  };
}

export function stsError(status: number, code: string, message: string): QueryAnswer {
  return {
    status,
    body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000005</RequestId></ErrorResponse>`,
  };
}

export function elbv2Error(status: number, code: string, message: string): QueryAnswer {
  return {
    status,
    body: `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000006</RequestId></ErrorResponse>`,
  };
}

/*
 * A fake region over the wire, for clients that are not the JavaScript SDK (the AWS CLI):
 * each request's form parameters are read into the operation's input, and the fake's
 * answer is written as the service's XML, both by the SDK's own schema of the operation
 * (the names the Smithy model gives every member on the wire, which botocore's model
 * gives too). EC2 and ELBv2 are told apart by the API version the request names.
 */

const API_VERSIONS: Readonly<Record<string, FakeService>> = { '2016-11-15': 'ec2', '2015-12-01': 'elbv2' };
const SDK_MODULES: Readonly<Record<FakeService, Readonly<Record<string, unknown>>>> = { ec2: ec2Sdk, elbv2: elbv2Sdk };

type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The operation's input and output schemas: a static operation schema is `[9, namespace, name, traits, input, output]`. */
function operationSchemas(service: FakeService, operation: string): { input: NormalizedSchema; output: NormalizedSchema } | undefined {
  const schema = SDK_MODULES[service][`${operation}$`];
  if (!Array.isArray(schema) || schema[0] !== 9) return undefined;
  return { input: NormalizedSchema.of(schema[4] as SchemaRef), output: NormalizedSchema.of(schema[5] as SchemaRef) };
}

/** The query key of a member: EC2's `ec2QueryName` (else its capitalized `xmlName`), the query protocol's `xmlName`, else the member name. */
function queryKey(service: FakeService, name: string, member: NormalizedSchema): string {
  const traits = member.getMergedTraits();
  if (service === 'ec2') {
    const xmlName = traits.xmlName as string | undefined;
    return (traits.ec2QueryName as string | undefined) ?? (xmlName ? xmlName[0]!.toUpperCase() + xmlName.slice(1) : name);
  }
  return (traits.xmlName as string | undefined) ?? name;
}

function hasPrefix(params: URLSearchParams, prefix: string): boolean {
  for (const key of params.keys()) if (key === prefix || key.startsWith(`${prefix}.`)) return true;
  return false;
}

/** Form parameters back into an operation's input (`Filter.1.Value.1`, `LoadBalancerArns.member.1`). */
function readQuery(service: FakeService, schema: NormalizedSchema, params: URLSearchParams, prefix: string): unknown {
  if (schema.isStructSchema()) {
    const value: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const key = prefix ? `${prefix}.${queryKey(service, name, member)}` : queryKey(service, name, member);
      if (!hasPrefix(params, key)) continue;
      value[name] = readQuery(service, member, params, key);
    }
    return value;
  }
  if (schema.isListSchema()) {
    const flattened = service === 'ec2' || Boolean(schema.getMergedTraits().xmlFlattened);
    const itemPrefix = flattened ? prefix : `${prefix}.${(schema.getValueSchema().getMergedTraits().xmlName as string | undefined) ?? 'member'}`;
    const items: unknown[] = [];
    for (let index = 1; hasPrefix(params, `${itemPrefix}.${index}`); index++)
      items.push(readQuery(service, schema.getValueSchema(), params, `${itemPrefix}.${index}`));
    return items;
  }
  const text = params.get(prefix) ?? '';
  if (schema.isBooleanSchema()) return text === 'true';
  if (schema.isNumericSchema()) return Number(text);
  return text;
}

/** A value as the service's XML, by its schema; members the schema does not know are left out, as the service would. */
function writeXml(schema: NormalizedSchema, value: unknown, defaultListMember: string): string {
  if (value === undefined || value === null) return '';
  if (schema.isStructSchema()) {
    let xml = '';
    for (const [name, member] of schema.structIterator()) {
      const memberValue = (value as Record<string, unknown>)[name];
      if (memberValue === undefined || memberValue === null) continue;
      const tag = (member.getMergedTraits().xmlName as string | undefined) ?? name;
      if (member.isListSchema() && member.getMergedTraits().xmlFlattened) {
        for (const item of memberValue as unknown[]) xml += `<${tag}>${writeXml(member.getValueSchema(), item, defaultListMember)}</${tag}>`;
      } else {
        xml += `<${tag}>${writeXml(member, memberValue, defaultListMember)}</${tag}>`;
      }
    }
    return xml;
  }
  if (schema.isListSchema()) {
    const tag = (schema.getValueSchema().getMergedTraits().xmlName as string | undefined) ?? defaultListMember;
    return (value as unknown[]).map((item) => `<${tag}>${writeXml(schema.getValueSchema(), item, defaultListMember)}</${tag}>`).join('');
  }
  if (schema.isMapSchema()) {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `<entry><key>${escapeXml(key)}</key><value>${writeXml(schema.getValueSchema(), item, defaultListMember)}</value></entry>`)
      .join('');
  }
  return escapeXml(value instanceof Date ? value.toISOString() : String(value));
}

/**
 * Answers EC2 and ELBv2 query requests from a fake region, with the fake's errors (a
 * denied action, a missing id) as the services' XML errors. `Action`s the fake region does
 * not know fail as AWS fails an unknown action.
 */
export function queryAnswerFrom(region: FakeAwsRegion): (request: QueryRequest) => Promise<QueryAnswer> {
  return async (request) => {
    const service = API_VERSIONS[request.params.get('Version') ?? ''];
    if (!service) return ec2Error(400, 'InvalidAction', `No service answers Version ${escapeXml(String(request.params.get('Version')))}`);
    const schemas = operationSchemas(service, request.action);
    const fail = (status: number, code: string, message: string) => (service === 'ec2' ? ec2Error : elbv2Error)(status, code, escapeXml(message));
    if (!schemas) return fail(400, 'InvalidAction', `The action ${request.action} is not valid for this web service.`);
    const input = readQuery(service, schemas.input, request.params, '') as Record<string, unknown>;
    let output: Record<string, unknown>;
    try {
      output = await region.handle(service, request.action, input);
    } catch (error) {
      const { name, message, $metadata } = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
      return fail($metadata?.httpStatusCode ?? 500, name, message);
    }
    const xml = writeXml(schemas.output, output, 'member');
    return service === 'ec2' ? ec2Answer(request.action, xml) : elbv2Answer(request.action, xml);
  };
}
