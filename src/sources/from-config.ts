import type { Config } from '../config.js';
import type { ModelSource } from '../doctor.js';
import type { AwsMetrics } from '../metrics/aws.js';
import { awsSource, type AwsSource } from './aws/index.js';
import { readSnapshot } from './snapshot/read.js';

/** The configured source: a snapshot directory, or the live AWS account and region. */
export function sourceFromConfig(
  config: Pick<Config, 'source' | 'snapshotDir' | 'awsRegion' | 'awsRoleArn' | 'awsCallTimeoutMs' | 'awsCollectionDeadlineMs' | 'awsMaxAttempts'>,
  awsMetrics?: AwsMetrics,
  /** Live only: these endpoints, their VPCs and providers, instead of the region scan. */
  endpointIds?: readonly string[],
): ModelSource | AwsSource {
  if (config.source === 'snapshot') return { description: `snapshot ${config.snapshotDir}`, load: () => readSnapshot(config.snapshotDir) };
  return awsSource({
    region: config.awsRegion ?? '',
    ...(config.awsRoleArn ? { roleArn: config.awsRoleArn } : {}),
    callTimeoutMs: config.awsCallTimeoutMs,
    collectionDeadlineMs: config.awsCollectionDeadlineMs,
    maxAttempts: config.awsMaxAttempts,
    ...(awsMetrics ? { metrics: awsMetrics } : {}),
    ...(endpointIds ? { endpointIds } : {}),
  });
}

/** True for a source that can export what it fetched in the snapshot layout. */
export function isExportable(source: ModelSource): source is AwsSource {
  return typeof (source as Partial<AwsSource>).lastResponses === 'function';
}
