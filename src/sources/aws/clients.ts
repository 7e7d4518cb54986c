import { performance } from 'node:perf_hooks';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsCallOutcome, AwsMetrics, AwsService } from '../../metrics/aws.js';
import { callOutcome, classifyAwsError } from './errors.js';

/**
 * The SDK clients of one source (one account and region): the standard credential chain,
 * given credentials, or a role assumed with either (with its external id when the role's
 * trust asks for one), adaptive retries, and a timeout that really ends an attempt. Endpoints come from
 * the SDK's own resolution, so `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_EC2` and
 * `AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2` (and the shared config's `endpoint_url`)
 * point it at an emulator.
 */

export interface AwsClients {
  readonly ec2: EC2Client;
  readonly elbv2: ElasticLoadBalancingV2Client;
}

/** Credentials as the SDK takes them: fixed, or a provider it calls when it needs them. */
export type AwsCredentialsInput = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface AwsClientSettings {
  readonly region: string;
  readonly roleArn?: string;
  /** The `sts:ExternalId` the role's trust policy asks for (a third party reading the account). */
  readonly externalId?: string;
  /**
   * The credentials to call with, or to assume `roleArn` with; absent: the SDK's standard
   * chain (environment, profile, web identity, container or instance metadata).
   */
  readonly credentials?: AwsCredentialsInput;
  /** One endpoint for every service (an emulator); absent: the SDK's own resolution, `AWS_ENDPOINT_URL*` included. */
  readonly endpoint?: string;
  readonly callTimeoutMs: number;
  readonly maxAttempts: number;
}

/** Names the sessions in the target account's CloudTrail. */
export const ROLE_SESSION_NAME = 'vpce-doctor';

/** Temporary credentials are asked for again this long before they expire. */
const CREDENTIALS_REFRESH_MARGIN_MS = 5 * 60_000;

export function requestHandler(callTimeoutMs: number): NodeHttpHandler {
  // Without throwOnRequestTimeout the handler only logs that requestTimeout passed and
  // keeps waiting: a server that accepts and never answers would hold the call forever.
  return new NodeHttpHandler({ connectionTimeout: callTimeoutMs, requestTimeout: callTimeoutMs, throwOnRequestTimeout: true });
}

/**
 * One set of credentials for the clients that share it: each SDK client caches what its
 * provider returns on its own, so without this an assumed role would be assumed once per
 * client. A failure is not kept: the next call asks again.
 */
export function sharedCredentials(provider: AwsCredentialIdentityProvider, now: () => number = Date.now): AwsCredentialIdentityProvider {
  let pending: Promise<AwsCredentialIdentity> | undefined;
  /** When the credentials held are to be asked for again (never, when they do not say). */
  let renewAt = Number.POSITIVE_INFINITY;
  return () => {
    if (pending && now() < renewAt) return pending;
    renewAt = Number.POSITIVE_INFINITY;
    const current = provider().then(
      (identity) => {
        const expiresAt = identity.expiration?.getTime();
        if (expiresAt !== undefined && pending === current) renewAt = expiresAt - CREDENTIALS_REFRESH_MARGIN_MS;
        return identity;
      },
      (error: unknown) => {
        if (pending === current) pending = undefined;
        throw error;
      },
    );
    pending = current;
    return current;
  };
}

/** The credentials of a role assumed with `settings.credentials` (or the standard chain), shared by the clients given them. */
export function assumedRoleCredentials(settings: AwsClientSettings & { readonly roleArn: string }): AwsCredentialIdentityProvider {
  const { region, roleArn, externalId, credentials, endpoint, callTimeoutMs, maxAttempts } = settings;
  return sharedCredentials(
    fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME, ...(externalId !== undefined ? { ExternalId: externalId } : {}) },
      ...(credentials ? { masterCredentials: credentials } : {}),
      clientConfig: { region, maxAttempts, requestHandler: requestHandler(callTimeoutMs), ...(endpoint ? { endpoint } : {}) },
    }),
  );
}

export function createAwsClients(settings: AwsClientSettings): AwsClients {
  const { region, roleArn, credentials: base, endpoint, callTimeoutMs, maxAttempts } = settings;
  const credentials = roleArn ? assumedRoleCredentials({ ...settings, roleArn }) : base;
  const config = { region, maxAttempts, retryMode: 'adaptive', ...(credentials ? { credentials } : {}), ...(endpoint ? { endpoint } : {}) } as const;
  return {
    ec2: new EC2Client({ ...config, requestHandler: requestHandler(callTimeoutMs) }),
    elbv2: new ElasticLoadBalancingV2Client({ ...config, requestHandler: requestHandler(callTimeoutMs) }),
  };
}

/** Counts the calls (pages included, retries not) the clients send, from the last `reset()`. */
export interface CallCounter {
  reset(): void;
  count(): number;
}

const COUNTER_MIDDLEWARE = { step: 'initialize', priority: 'high', name: 'vpceDoctorCallCounter', override: true } as const;

export function countCalls(clients: AwsClients): CallCounter {
  let calls = 0;
  const middleware =
    <Args, Result>(next: (args: Args) => Promise<Result>) =>
    (args: Args): Promise<Result> => {
      calls += 1;
      return next(args);
    };
  clients.ec2.middlewareStack.add(middleware, COUNTER_MIDDLEWARE);
  clients.elbv2.middlewareStack.add(middleware, COUNTER_MIDDLEWARE);
  return {
    reset: () => {
      calls = 0;
    },
    count: () => calls,
  };
}

/**
 * Counts and times every attempt: the middleware sits inside the retry middleware, so a
 * throttled attempt that a retry recovers from is still seen.
 */
function metricsMiddleware(service: AwsService, metrics: AwsMetrics) {
  return <Args, Result>(next: (args: Args) => Promise<Result>, context: { readonly commandName?: string }) =>
    async (args: Args): Promise<Result> => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const started = performance.now();
      const observe = (outcome: AwsCallOutcome) => {
        metrics.apiCallsTotal.inc({ service, operation, outcome });
        metrics.apiCallDuration.observe({ service, operation }, (performance.now() - started) / 1000);
      };
      try {
        const result = await next(args);
        observe('success');
        return result;
      } catch (error) {
        observe(callOutcome(classifyAwsError(error)));
        throw error;
      }
    };
}

/** `override`: clients shared by several sources count once, for the last one's registry. */
const METRICS_MIDDLEWARE = { step: 'finalizeRequest', priority: 'low', name: 'vpceDoctorAwsCallMetrics', override: true } as const;

export function instrumentClients(clients: AwsClients, metrics: AwsMetrics): void {
  clients.ec2.middlewareStack.add(metricsMiddleware('ec2', metrics), METRICS_MIDDLEWARE);
  clients.elbv2.middlewareStack.add(metricsMiddleware('elbv2', metrics), METRICS_MIDDLEWARE);
}
