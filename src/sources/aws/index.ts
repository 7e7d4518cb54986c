import { performance } from 'node:perf_hooks';
import { AwsCredentialsError } from './errors.js';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CollectionName, NetworkModel } from '../../core/model.js';
import type { AwsCollectionOutcome, AwsMetrics } from '../../metrics/aws.js';
import { modelFromAwsResponses } from '../normalize/model.js';
import { AwsCaller } from './caller.js';
import { countCalls, createAwsClients, instrumentClients, type AwsClients, type AwsCredentialsInput } from './clients.js';
import { collectAwsResponses } from './collect.js';
import { toAwsResponses, type AwsResponsesJson } from './responses.js';

export { EndpointsUnavailableError } from './collect.js';
export type { AwsJsonDocument, AwsJsonDocumentsByKey, AwsResponsesJson } from './responses.js';

/**
 * The live AWS source: the same network model as a snapshot, collected through the EC2
 * and ELBv2 APIs. A call that is denied, throttled past its retries or unanswered leaves
 * its collection out of the model with the reason (`missing permission
 * ec2:DescribeNetworkAcls (UnauthorizedOperation)`), so the checks that need it say
 * `unknown`; only when the endpoints themselves cannot be listed does a load fail.
 */

export interface AwsSourceOptions {
  readonly region: string;
  /** A role to assume (STS AssumeRole with the standard chain's credentials), for another account. */
  readonly roleArn?: string;
  /** The external id the role's trust policy asks for. */
  readonly externalId?: string;
  /** The credentials to call with (or to assume `roleArn` with); absent: the SDK's standard chain. */
  readonly credentials?: AwsCredentialsInput;
  /** One endpoint for every service (an emulator); absent: the SDK's own resolution. */
  readonly endpoint?: string;
  /** The account the data belongs to, when the caller knows it: names the model's source (`<account>/<region>`). */
  readonly accountId?: string;
  /**
   * Also every endpoint service this account offers in the region, whichever endpoints use
   * them: the provider side that consumers in other accounts are joined to (a fleet).
   * Without it, only the services of this account's own endpoints.
   */
  readonly offeredServices?: boolean;
  /** How long one attempt of one call may take, connecting included. */
  readonly callTimeoutMs?: number;
  /** How long one whole collection may take; calls still running then are ended. */
  readonly collectionDeadlineMs?: number;
  /** Attempts per call, first included (adaptive retry mode). */
  readonly maxAttempts?: number;
  readonly metrics?: AwsMetrics;
  /** Clients to use instead of new ones (tests); they keep their own retry and timeout settings. */
  readonly clients?: { readonly ec2?: EC2Client; readonly elbv2?: ElasticLoadBalancingV2Client };
  /**
   * Only these endpoints, their VPCs and providers: smaller pages than a region scan (which
   * costs about as many calls). A client in another VPC is then outside the data and judged
   * as if on premises, so keep to the region scan unless the clients are in the endpoints'
   * VPCs or on premises. Absent or empty: every endpoint of the region.
   */
  readonly endpointIds?: readonly string[];
  /** Calls in flight at once; AWS throttles the account as a whole, so keep it small. */
  readonly maxConcurrentCalls?: number;
}

export const AWS_SOURCE_DEFAULTS = {
  callTimeoutMs: 10_000,
  collectionDeadlineMs: 60_000,
  maxAttempts: 5,
  maxConcurrentCalls: 8,
} as const;

/** What the last collection (successful or not) cost and how it ended. */
export interface AwsCollectionSummary {
  /** AWS calls sent (each page one; retries not counted). */
  readonly callsMade: number;
  readonly durationSeconds: number;
  readonly outcome: AwsCollectionOutcome;
}

/** One account and region, read live: its model, and what was fetched for the export. */
export interface AwsSource {
  readonly description: string;
  load(): Promise<NetworkModel>;
  /** What the last successful load fetched, for the snapshot export; undefined before one. */
  lastResponses(): AwsResponsesJson | undefined;
  /** The last collection's cost and outcome; undefined before one ended. */
  lastCollection(): AwsCollectionSummary | undefined;
  /**
   * The model of responses collected elsewhere (another replica's, through Redis), as this
   * source's own collection would build it; they become its last responses.
   */
  modelOf(responses: AwsResponsesJson, failures: ReadonlyMap<CollectionName, string>): NetworkModel;
}

export { AwsCredentialsError };

/** `arn:<partition>:iam::<12-digit account>:role/<path/name>`. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  return value;
}

function resolveClients(options: AwsSourceOptions, callTimeoutMs: number, maxAttempts: number): AwsClients {
  const { ec2, elbv2 } = options.clients ?? {};
  if (ec2 && elbv2) return { ec2, elbv2 };
  const created = createAwsClients({
    region: options.region,
    ...(options.roleArn ? { roleArn: options.roleArn } : {}),
    ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    callTimeoutMs,
    maxAttempts,
  });
  return { ec2: ec2 ?? created.ec2, elbv2: elbv2 ?? created.elbv2 };
}

/** The account the data belongs to, as AWS prints it on the resources. */
function accountOf(responses: AwsResponsesJson): string | undefined {
  for (const [document, listKey] of [
    [responses.vpcEndpoints, 'VpcEndpoints'],
    [responses.securityGroups, 'SecurityGroups'],
    [responses.networkInterfaces, 'NetworkInterfaces'],
  ] as const) {
    const items = document?.[listKey];
    const owner = Array.isArray(items) ? (items[0] as { OwnerId?: unknown } | undefined)?.OwnerId : undefined;
    if (typeof owner === 'string') return owner;
  }
  return undefined;
}

export function awsSource(options: AwsSourceOptions): AwsSource {
  const { region, roleArn, metrics } = options;
  if (!region) throw new RangeError('region: required');
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) throw new RangeError(`roleArn: expected arn:aws:iam::<account>:role/<name>, got ${roleArn}`);
  const callTimeoutMs = positiveInteger('callTimeoutMs', options.callTimeoutMs, AWS_SOURCE_DEFAULTS.callTimeoutMs);
  const deadlineMs = positiveInteger('collectionDeadlineMs', options.collectionDeadlineMs, AWS_SOURCE_DEFAULTS.collectionDeadlineMs);
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts, AWS_SOURCE_DEFAULTS.maxAttempts);
  const maxConcurrentCalls = positiveInteger('maxConcurrentCalls', options.maxConcurrentCalls, AWS_SOURCE_DEFAULTS.maxConcurrentCalls);
  const endpointIds = options.endpointIds?.length ? [...options.endpointIds] : undefined;
  const clients = resolveClients(options, callTimeoutMs, maxAttempts);
  if (metrics) instrumentClients(clients, metrics);
  const calls = countCalls(clients);
  const scope = { ...(endpointIds ? { endpointIds } : {}), ...(options.offeredServices ? { offeredServices: true } : {}) };

  let last: AwsResponsesJson | undefined;
  let summary: AwsCollectionSummary | undefined;
  let inflight: Promise<NetworkModel> | undefined;

  async function credentialsCheck(): Promise<void> {
    try {
      await clients.ec2.config.credentials();
    } catch (error) {
      const how = roleArn
        ? `assuming ${roleArn}`
        : options.credentials
          ? 'from the credentials given'
          : 'from the standard chain (environment, profile, web identity, container or instance metadata)';
      throw new AwsCredentialsError(`AWS credentials cannot be obtained ${how}: ${(error as Error).message}`, { cause: error });
    }
  }

  function modelOf(responses: AwsResponsesJson, failures: ReadonlyMap<CollectionName, string>): NetworkModel {
    const location = `${options.accountId ?? roleArn ?? accountOf(responses) ?? 'unknown-account'}/${region}`;
    const model = modelFromAwsResponses(toAwsResponses(responses), { kind: 'aws', location }, { failures });
    last = responses;
    return model;
  }

  async function collect(): Promise<NetworkModel> {
    const started = performance.now();
    const caller = new AwsCaller({ maxConcurrentCalls, callTimeoutMs, deadlineMs });
    calls.reset();
    let outcome: AwsCollectionOutcome = 'failed';
    try {
      // One clear error for missing credentials, rather than every call failing with it.
      await credentialsCheck();
      const { responses, failures } = await collectAwsResponses(clients, caller, scope);
      const model = modelOf(responses, failures);
      outcome = failures.size > 0 ? 'partial' : 'complete';
      return model;
    } finally {
      caller.close();
      const durationSeconds = (performance.now() - started) / 1000;
      summary = { callsMade: calls.count(), durationSeconds, outcome };
      metrics?.collectionDuration.observe({ outcome }, durationSeconds);
    }
  }

  return {
    description: `AWS ${region}${roleArn ? ` as ${roleArn}` : ''}${endpointIds ? ` (endpoints ${endpointIds.join(', ')})` : ''}`,
    // Concurrent loads share one collection: AWS throttling is shared by the whole account.
    load: () => (inflight ??= collect().finally(() => (inflight = undefined))),
    lastResponses: () => last,
    lastCollection: () => summary,
    modelOf,
  };
}
