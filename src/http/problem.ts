import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ChangeSchema } from '../core/change.js';
import { PROBLEMS, problemType, type InvalidParam, type ProblemCode } from '../errors.js';
import { problemOfError } from '../error-kinds.js';
import type { Problem } from './schemas.js';

/** RFC 9457 problem details for every error the API answers with; no 5xx detail leaks. */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const RETRY_AFTER_SECONDS = 30;

export { ProblemError, type InvalidParam } from '../errors.js';

export function problemBody(code: ProblemCode, detail?: string, invalidParams: readonly InvalidParam[] = [], instance?: string): Problem {
  const { status, title } = PROBLEMS[code];
  return {
    type: problemType(code),
    title,
    status,
    ...(detail ? { detail } : {}),
    ...(instance ? { instance } : {}),
    ...(invalidParams.length > 0 ? { 'invalid-params': [...invalidParams] } : {}),
  };
}

interface ValidationIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** `body.client.ip` from the validation context and the JSON pointer of the failing value. */
function fieldName(context: string | undefined, issue: ValidationIssue): string {
  const pointer = issue.instancePath.split('/').filter(Boolean);
  // A discriminated union names its tag (a change's `kind`) when the tag is missing or unknown.
  const missing = issue.params.missingProperty ?? issue.params.additionalProperty ?? (issue.keyword === 'discriminator' ? issue.params.tag : undefined);
  if (typeof missing === 'string') pointer.push(missing);
  return [context === 'querystring' ? 'query' : (context ?? 'request'), ...pointer].join('.');
}

/** The kinds of change: the one discriminated union of the API. */
const CHANGE_KINDS = ChangeSchema.anyOf.map((branch) => branch.properties.kind.const);

function reasonOf(issue: ValidationIssue): string {
  if (issue.keyword === 'discriminator') return `must be one of ${CHANGE_KINDS.join(', ')}`;
  if (issue.keyword === 'additionalProperties') return 'is not a known field';
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'pattern' && typeof issue.params.pattern === 'string') return `must match ${issue.params.pattern}`;
  return issue.message ?? issue.keyword;
}

function validationProblemCode(fields: readonly string[]): ProblemCode {
  const first = fields[0] ?? '';
  if (first === 'params.id' || first.endsWith('.endpointId')) return 'invalid-endpoint-id';
  if (/(^|\.)port$/.test(first)) return 'invalid-port';
  if (first.endsWith('clientEphemeralPorts')) return 'invalid-ephemeral-ports';
  if (first.endsWith('client.ip') || first.endsWith('clientIp') || /\.clientIps\.\d+$/.test(first)) return 'invalid-ip';
  if (first.endsWith('.client')) return 'invalid-client';
  return 'validation-failed';
}

export interface ClassifiedError {
  readonly code: ProblemCode;
  readonly detail?: string;
  readonly invalidParams?: readonly InvalidParam[];
  readonly retryAfterSeconds?: number;
}

const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_BAD_URL: 'invalid-url',
  FST_ERR_MAX_PARAM_LENGTH: 'invalid-url',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-body',
};

/** Maps anything thrown while serving a request to the problem it is. */
export function classifyError(error: unknown): ClassifiedError {
  // The service's own errors: each kind names its problem (src/error-kinds.ts).
  const known = problemOfError(error);
  if (known) return known;
  // Fastify's: schema validation, its codes, its statuses.
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fastifyError.validation) {
    const invalidParams = fastifyError.validation.map((issue) => ({ name: fieldName(fastifyError.validationContext, issue), reason: reasonOf(issue) }));
    const code = validationProblemCode(invalidParams.map((param) => param.name));
    return { code, detail: invalidParams.map((param) => `${param.name} ${param.reason}`).join('; '), invalidParams };
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return { code: mapped, detail: fastifyError.message };
  if (fastifyError.statusCode === 429) return { code: 'too-many-requests', detail: fastifyError.message };
  if (fastifyError.statusCode === 401) return { code: 'unauthorized' };
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return {
      code: fastifyError.statusCode === 415 ? 'unsupported-media-type' : fastifyError.statusCode === 413 ? 'body-too-large' : 'malformed-body',
      detail: fastifyError.message,
    };
  }
  return { code: 'internal-error' };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ClassifiedError): FastifyReply {
  const body = problemBody(problem.code, problem.detail, problem.invalidParams, request.url);
  if (body.status === 503 || body.status === 429) {
    if (problem.retryAfterSeconds !== undefined) reply.header('retry-after', String(problem.retryAfterSeconds));
    else if (!reply.getHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  }
  if (body.status === 401) reply.header('www-authenticate', 'Bearer realm="vpce-doctor"');
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** The app's error and not-found handlers. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = classifyError(error);
    if (problem.code === 'internal-error') request.log.error({ err: error }, 'request failed');
    else if (problem.code === 'probe-target-forbidden') request.log.warn({ problem: problem.code, detail: problem.detail }, 'probe refused');
    else request.log.info({ problem: problem.code, detail: problem.detail }, 'request refused');
    return sendProblem(reply, request, problem);
  });
  // Every route's path as a pattern, to tell a wrong method on a route (405) from no route (404).
  const routes: { readonly pattern: RegExp; readonly method: string }[] = [];
  app.addHook('onRoute', (route) => {
    const source = route.url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    for (const method of [route.method].flat()) routes.push({ pattern: new RegExp(`^${source}/?$`), method: method.toUpperCase() });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))].sort();
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, request, { code: 'method-not-allowed', detail: `${path} takes ${allowed.join(', ')}, not ${request.method}` });
    }
    return sendProblem(reply, request, { code: 'route-not-found', detail: `${request.method} ${path} is not a route of this API` });
  });
}

/** The problem for an error Node's HTTP parser raises before any route runs. */
export function clientErrorProblem(error: NodeJS.ErrnoException): { code: ProblemCode; detail: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'headers-too-large', detail: 'the request headers are over the size limit' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'request-timeout', detail: 'the whole request (headers and body) was not received in time' };
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { code: 'request-timeout', detail: 'the request headers were not received in time' };
    default:
      return { code: 'malformed-request', detail: `the HTTP request cannot be parsed${error.code ? ` (${error.code})` : ''}` };
  }
}

/** A problem+json response written straight to a socket or a bare response, with the connection closed after it. */
export function rawProblemResponse(code: ProblemCode, detail: string): { readonly status: number; readonly head: string; readonly body: string } {
  const body = JSON.stringify(problemBody(code, detail));
  const status = PROBLEMS[code].status;
  const head = `HTTP/1.1 ${status} ${PROBLEMS[code].title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return { status, head, body };
}
