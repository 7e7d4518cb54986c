import { performance } from 'node:perf_hooks';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCallOutcome, AwsMetrics, AwsService } from '../../metrics/aws.js';
import { callOutcome, classifyAwsError } from './errors.js';

/**
 * The SDK clients of one source: one region, the standard credential chain or an assumed
 * role, adaptive retries, and a timeout that really ends an attempt. Endpoints come from
 * the SDK's own resolution, so `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_EC2` and
 * `AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2` (and the shared config's `endpoint_url`)
 * point it at an emulator.
 */

export interface AwsClients {
  readonly ec2: EC2Client;
  readonly elbv2: ElasticLoadBalancingV2Client;
}

export interface AwsClientSettings {
  readonly region: string;
  readonly roleArn?: string;
  readonly callTimeoutMs: number;
  readonly maxAttempts: number;
}

/** Names the sessions in the target account's CloudTrail. */
const ROLE_SESSION_NAME = 'vpce-doctor';

function requestHandler(callTimeoutMs: number): NodeHttpHandler {
  // Without throwOnRequestTimeout the handler only logs that requestTimeout passed and
  // keeps waiting: a server that accepts and never answers would hold the call forever.
  return new NodeHttpHandler({ connectionTimeout: callTimeoutMs, requestTimeout: callTimeoutMs, throwOnRequestTimeout: true });
}

export function createAwsClients(settings: AwsClientSettings): AwsClients {
  const { region, roleArn, callTimeoutMs, maxAttempts } = settings;
  const credentials = roleArn
    ? fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME },
        clientConfig: { region, maxAttempts, requestHandler: requestHandler(callTimeoutMs) },
      })
    : undefined;
  const config = { region, maxAttempts, retryMode: 'adaptive', ...(credentials ? { credentials } : {}) } as const;
  return {
    ec2: new EC2Client({ ...config, requestHandler: requestHandler(callTimeoutMs) }),
    elbv2: new ElasticLoadBalancingV2Client({ ...config, requestHandler: requestHandler(callTimeoutMs) }),
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
