import type { Config } from '../config.js';
import { snapshotSource, type ExportableSource, type ModelSource } from '../doctor.js';
import { createFleet, unitKey, unitOfModel } from '../core/fleet.js';
import type { AwsMetrics, AwsUnitMetrics } from '../metrics/aws.js';
import { awsFleetSource } from './aws/fleet.js';
import type { SharedCollections } from '../shared/collection.js';
import { awsSource, type AwsSource } from './aws/index.js';

export { isExportable, type ExportableSource } from '../doctor.js';

/** One live account and region as a fleet of one unit. */
export function fleetOfAwsSource(source: AwsSource, region: string): ExportableSource {
  let key = unitKey({ region });
  return {
    description: source.description,
    load: async () => {
      const model = await source.load();
      const unit = { ...unitOfModel(model), region };
      key = unitKey(unit);
      return createFleet([{ ...unit, model }]);
    },
    lastResponses: () => {
      const responses = source.lastResponses();
      return new Map(responses ? [[key, responses]] : []);
    },
  };
}

/** The live configuration reads more than one account or region: a fleet source, each unit collected on its own. */
function isFleet(config: Pick<Config, 'awsRegions' | 'awsRoleArns' | 'awsOrganizationRoleName' | 'awsIncludeBaseAccount'>): boolean {
  return config.awsRegions.length > 1 || config.awsRoleArns.length > 1 || config.awsOrganizationRoleName !== undefined || config.awsIncludeBaseAccount;
}

/** The configured source: a snapshot directory, or the live AWS account and region. */
export function sourceFromConfig(
  config: Pick<
    Config,
    | 'source'
    | 'snapshotDir'
    | 'awsRegion'
    | 'awsRoleArn'
    | 'awsRegions'
    | 'awsRoleArns'
    | 'awsExternalId'
    | 'awsIncludeBaseAccount'
    | 'awsOrganizationRoleName'
    | 'awsUnitConcurrency'
    | 'awsCallTimeoutMs'
    | 'awsCollectionDeadlineMs'
    | 'awsMaxAttempts'
  >,
  awsMetrics?: AwsMetrics,
  /** Live only: these endpoints, their VPCs and providers, instead of the region scan. */
  endpointIds?: readonly string[],
  unitMetrics?: AwsUnitMetrics,
  /** Replicas sharing one collection per unit per TTL (Redis): the live source is then always a fleet, one unit or more. */
  shared?: SharedCollections,
): ModelSource | ExportableSource {
  if (config.source === 'snapshot') return snapshotSource(config.snapshotDir);
  if (isFleet(config) || shared) {
    return awsFleetSource({
      regions: config.awsRegions.length > 0 ? config.awsRegions : [config.awsRegion ?? ''],
      roleArns: config.awsRoleArns,
      ...(config.awsExternalId ? { externalId: config.awsExternalId } : {}),
      includeBaseAccount: config.awsIncludeBaseAccount,
      ...(config.awsOrganizationRoleName ? { organizationRoleName: config.awsOrganizationRoleName } : {}),
      unitConcurrency: config.awsUnitConcurrency,
      callTimeoutMs: config.awsCallTimeoutMs,
      collectionDeadlineMs: config.awsCollectionDeadlineMs,
      maxAttempts: config.awsMaxAttempts,
      ...(awsMetrics ? { metrics: awsMetrics } : {}),
      ...(unitMetrics ? { unitMetrics } : {}),
      ...(endpointIds?.length ? { endpointIds } : {}),
      ...(shared ? { shared } : {}),
    });
  }
  const live = awsSource({
    region: config.awsRegions[0] ?? config.awsRegion ?? '',
    ...(config.awsRoleArns[0] ? { roleArn: config.awsRoleArns[0] } : {}),
    callTimeoutMs: config.awsCallTimeoutMs,
    collectionDeadlineMs: config.awsCollectionDeadlineMs,
    maxAttempts: config.awsMaxAttempts,
    ...(awsMetrics ? { metrics: awsMetrics } : {}),
    ...(endpointIds ? { endpointIds } : {}),
  });
  return fleetOfAwsSource(live, config.awsRegions[0] ?? config.awsRegion ?? '');
}
