import type { Config } from '../config.js';
import { snapshotSource, type ModelSource } from '../doctor.js';
import { createFleet, unitOfModel } from '../core/fleet.js';
import type { AwsMetrics } from '../metrics/aws.js';
import { awsSource, type AwsResponsesJson, type AwsSource } from './aws/index.js';

/** A live source as the doctor reads it: a fleet, and what was fetched for the export. */
export interface ExportableSource extends ModelSource {
  lastResponses(): AwsResponsesJson | undefined;
}

/** One live account and region as a fleet of one unit. */
export function fleetOfAwsSource(source: AwsSource, region: string): ExportableSource {
  return {
    description: source.description,
    load: async () => {
      const model = await source.load();
      return createFleet([{ ...unitOfModel(model), region, model }]);
    },
    lastResponses: () => source.lastResponses(),
  };
}

/** The configured source: a snapshot directory, or the live AWS account and region. */
export function sourceFromConfig(
  config: Pick<Config, 'source' | 'snapshotDir' | 'awsRegion' | 'awsRoleArn' | 'awsCallTimeoutMs' | 'awsCollectionDeadlineMs' | 'awsMaxAttempts'>,
  awsMetrics?: AwsMetrics,
  /** Live only: these endpoints, their VPCs and providers, instead of the region scan. */
  endpointIds?: readonly string[],
): ModelSource | ExportableSource {
  if (config.source === 'snapshot') return snapshotSource(config.snapshotDir);
  const live = awsSource({
    region: config.awsRegion ?? '',
    ...(config.awsRoleArn ? { roleArn: config.awsRoleArn } : {}),
    callTimeoutMs: config.awsCallTimeoutMs,
    collectionDeadlineMs: config.awsCollectionDeadlineMs,
    maxAttempts: config.awsMaxAttempts,
    ...(awsMetrics ? { metrics: awsMetrics } : {}),
    ...(endpointIds ? { endpointIds } : {}),
  });
  return fleetOfAwsSource(live, config.awsRegion ?? '');
}

/** True for a source that can export what it fetched in the snapshot layout. */
export function isExportable(source: ModelSource): source is ExportableSource {
  return typeof (source as Partial<ExportableSource>).lastResponses === 'function';
}
