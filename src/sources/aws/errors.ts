import type { AwsCallOutcome } from '../../metrics/aws.js';

/**
 * AWS errors, sorted into what the model can say about a collection that could not be
 * read: a missing permission, throttling that outlasted the retries, a call that got no
 * answer in time, the collection's deadline, or anything else (with AWS's own code).
 */

export type FailureKind = 'denied' | 'throttled' | 'timeout' | 'deadline' | 'error';

/** EC2 says `UnauthorizedOperation`, ELBv2 and STS `AccessDenied`, JSON protocols `AccessDeniedException`. */
const DENIED_CODES: ReadonlySet<string> = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']);

/** EC2 says `RequestLimitExceeded` (HTTP 503), ELBv2 `Throttling` (HTTP 400); the rest as the SDK's retry strategy knows them. */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'EC2ThrottledException',
]);

/** The endpoints themselves could not be listed: there is nothing to analyse. */
export class EndpointsUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the VPC endpoints cannot be listed: ${reason}`);
    this.name = 'EndpointsUnavailableError';
  }
}

/** Credentials could not be had (no chain link answered, or the role could not be assumed). */
export class AwsCredentialsError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'AwsCredentialsError';
  }
}

/** Raised into every call still running when a collection's deadline passes. */
export class CollectionDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`the collection deadline of ${deadlineMs} ms passed`);
    this.name = 'CollectionDeadlineError';
  }
}

interface ErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

function fields(error: unknown): ErrorFields {
  return typeof error === 'object' && error !== null ? (error as ErrorFields) : {};
}

/** AWS's error code: the SDK puts it in `name` (`Code` on errors it could not model). */
function awsErrorCode(error: unknown): string {
  const { name, Code, code } = fields(error);
  for (const candidate of [Code, name, code]) if (typeof candidate === 'string' && candidate !== 'Error' && candidate !== '') return candidate;
  return 'UnknownError';
}

export function classifyAwsError(error: unknown): FailureKind {
  if (error instanceof CollectionDeadlineError) return 'deadline';
  const { $metadata, $retryable, code } = fields(error);
  const awsCode = awsErrorCode(error);
  if (DENIED_CODES.has(awsCode)) return 'denied';
  if (THROTTLING_CODES.has(awsCode) || $metadata?.httpStatusCode === 429 || $retryable?.throttling === true) return 'throttled';
  // The node handler's request timeout (throwOnRequestTimeout) and its connection timeout.
  if (awsCode === 'TimeoutError' || code === 'ETIMEDOUT') return 'timeout';
  return 'error';
}

/** The outcome label of the API call metrics. */
export function callOutcome(kind: FailureKind): AwsCallOutcome {
  return kind === 'denied' || kind === 'throttled' ? kind : 'error';
}

export interface FailureLimits {
  readonly callTimeoutMs: number;
  readonly deadlineMs: number;
}

/**
 * The reason a call's output is missing, as the model's `failures` holds it and a check's
 * summary quotes it: `missing permission ec2:DescribeNetworkAcls (UnauthorizedOperation)`.
 */
export function describeFailure(action: string, error: unknown, limits: FailureLimits): string {
  const attempts = fields(error).$metadata?.attempts;
  const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const code = awsErrorCode(error);
  switch (classifyAwsError(error)) {
    case 'denied':
      return `missing permission ${action} (${code})`;
    case 'throttled':
      return `${action} was throttled (${code})${after}`;
    case 'timeout':
      return `${action} got no answer within ${limits.callTimeoutMs} ms${after}`;
    case 'deadline':
      return `${action} did not finish within the collection deadline of ${limits.deadlineMs} ms`;
    case 'error': {
      const message = fields(error).message;
      return `${action} failed${after}: ${code}${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`;
    }
  }
}

/** EC2's `InvalidXxxID.NotFound`, ELBv2's `LoadBalancerNotFound` / `TargetGroupNotFound`. */
export function isNotFound(error: unknown): boolean {
  return /NotFound(Exception)?$/.test(awsErrorCode(error));
}
