import type { AnalysisErrorCode } from './core/errors.js';

/**
 * Every problem the API can answer with: a stable code, its HTTP status and title. The
 * `type` of an RFC 9457 problem is `urn:vpce-doctor:problem:<code>`; docs/errors.md
 * documents each code, and a test keeps the two in step.
 */
export const PROBLEMS = {
  'validation-failed': { status: 400, title: 'The request does not match the schema' },
  'invalid-endpoint-id': { status: 400, title: 'The endpoint id is not vpce- followed by hexadecimal digits' },
  'invalid-ip': { status: 400, title: 'The client IP is not an IPv4 or IPv6 address' },
  'invalid-port': { status: 400, title: 'The port is not an integer from 1 to 65535' },
  'invalid-ephemeral-ports': { status: 400, title: 'The client ephemeral port range is malformed' },
  'invalid-client': { status: 400, title: 'The client is not given, or given inconsistently' },
  'malformed-body': { status: 400, title: 'The request body is not valid JSON' },
  'invalid-url': { status: 400, title: 'The URL cannot be decoded or a path segment is too long' },
  'malformed-request': { status: 400, title: 'The HTTP request cannot be parsed (or lacks the Host header)' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  'probes-disabled': { status: 403, title: 'Live probes are off in this service (VPCE_DOCTOR_PROBES=on turns them on)' },
  'probe-target-forbidden': { status: 403, title: 'The probe target is not an interface of this endpoint on an allowed port' },
  'endpoint-not-found': { status: 404, title: 'No interface endpoint with this id in the data' },
  'client-not-found': { status: 404, title: 'The client network interface or instance is not in the data' },
  'route-not-found': { status: 404, title: 'No such route' },
  'probe-not-found': { status: 404, title: 'No probe of this endpoint has run yet' },
  'method-not-allowed': { status: 405, title: 'This route does not take this method' },
  'request-timeout': { status: 408, title: 'The request was not received in time' },
  'ambiguous-id': { status: 409, title: 'The id is in several accounts or regions: name one with accountId and region' },
  'snapshot-not-available': { status: 409, title: 'This service reads a snapshot: there is no live fetch to export' },
  'body-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body must be application/json' },
  'expectation-failed': { status: 417, title: 'The Expect header asks for something other than 100-continue' },
  'port-required': { status: 422, title: 'The port cannot be inferred for this endpoint service' },
  'invalid-change': {
    status: 422,
    title: 'A change does not apply to the data: a resource, rule or rule number that does not exist, a duplicate, or a rule number taken',
  },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'internal-error': { status: 500, title: 'Internal error' },
  'source-unavailable': { status: 503, title: 'The network data source is unavailable' },
  'probes-unavailable': { status: 503, title: 'Live probes are not enabled in this service' },
  'shutting-down': { status: 503, title: 'The service is shutting down' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export function problemType(code: ProblemCode): string {
  return `urn:vpce-doctor:problem:${code}`;
}

/** The API problem for each reason the core refuses a request. */
export const ANALYSIS_ERROR_PROBLEMS: Record<AnalysisErrorCode, ProblemCode> = {
  endpoint_not_found: 'endpoint-not-found',
  ambiguous_id: 'ambiguous-id',
  client_not_found: 'client-not-found',
  client_invalid: 'invalid-client',
  port_required: 'port-required',
  port_invalid: 'invalid-port',
  ephemeral_ports_invalid: 'invalid-ephemeral-ports',
  change_invalid: 'invalid-change',
};

/** A field at fault: a problem's `invalid-params` entry, a line under the CLI's message. */
export interface InvalidParam {
  readonly name: string;
  readonly reason: string;
}

/** A refusal a route decides on itself: it names its own problem code. */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly invalidParams: readonly InvalidParam[] = [],
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/** A refusal the CLI decides on itself: a bad option or argument (exit 2). */
export class UsageError extends Error {}
