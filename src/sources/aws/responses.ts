import { JsonReader } from '../normalize/json-reader.js';
import type { AwsResponses } from '../normalize/model.js';
import { SNAPSHOT_LAYOUT } from '../snapshot/layout.js';

/**
 * What a live collection fetched, as plain JSON: each response as the AWS CLI prints it
 * (`--output json`, PascalCase, all pages merged into one list). This is what the snapshot
 * export writes, one document per file of the analysis contract §4, and what the model is
 * built from, so that a live analysis and its replay read the same bytes.
 */

/** One response document, e.g. `{ "Subnets": [...] }`. */
export type AwsJsonDocument = { readonly [field: string]: unknown };

/** Per-resource responses keyed as the snapshot layout names their files. */
export type AwsJsonDocumentsByKey = { readonly [key: string]: AwsJsonDocument };

export interface AwsResponsesJson {
  readonly vpcEndpoints?: AwsJsonDocument;
  readonly networkInterfaces?: AwsJsonDocument;
  readonly subnets?: AwsJsonDocument;
  readonly networkAcls?: AwsJsonDocument;
  readonly securityGroups?: AwsJsonDocument;
  readonly prefixLists?: AwsJsonDocument;
  /** Prefix list id -> its `GetManagedPrefixListEntries` response. */
  readonly prefixListEntries?: AwsJsonDocumentsByKey;
  readonly endpointServices?: AwsJsonDocument;
  /** `DescribeVpcEndpointServices` (consumer side): who owns the customer services the endpoints use. */
  readonly vpcEndpointServices?: AwsJsonDocument;
  readonly loadBalancers?: AwsJsonDocument;
  /** Load balancer name -> its `DescribeLoadBalancerAttributes` response. */
  readonly loadBalancerAttributes?: AwsJsonDocumentsByKey;
  /** Load balancer name -> its `DescribeListeners` response. */
  readonly listeners?: AwsJsonDocumentsByKey;
  readonly targetGroups?: AwsJsonDocument;
  /** Target group name -> its `DescribeTargetHealth` response. */
  readonly targetHealth?: AwsJsonDocumentsByKey;
}

export type SingleDocumentName = Exclude<keyof AwsResponsesJson, PerResourceName>;
export type PerResourceName = 'prefixListEntries' | 'loadBalancerAttributes' | 'listeners' | 'targetHealth';

/**
 * Where each fetched response lives in a snapshot: a file, or a folder of `<key>.json` files.
 * The paths are the layout table's (snapshot/layout.ts); these name the responses a live
 * collection fetches, which the compiler holds to `AwsResponsesJson`.
 */
export const RESPONSE_FILES: Readonly<Record<SingleDocumentName, string>> = {
  vpcEndpoints: SNAPSHOT_LAYOUT.vpcEndpoints.path,
  networkInterfaces: SNAPSHOT_LAYOUT.networkInterfaces.path,
  subnets: SNAPSHOT_LAYOUT.subnets.path,
  networkAcls: SNAPSHOT_LAYOUT.networkAcls.path,
  securityGroups: SNAPSHOT_LAYOUT.securityGroups.path,
  prefixLists: SNAPSHOT_LAYOUT.prefixLists.path,
  endpointServices: SNAPSHOT_LAYOUT.endpointServices.path,
  vpcEndpointServices: SNAPSHOT_LAYOUT.vpcEndpointServices.path,
  loadBalancers: SNAPSHOT_LAYOUT.loadBalancers.path,
  targetGroups: SNAPSHOT_LAYOUT.targetGroups.path,
};

export const RESPONSE_FOLDERS: Readonly<Record<PerResourceName, string>> = {
  prefixListEntries: SNAPSHOT_LAYOUT.prefixListEntries.path,
  loadBalancerAttributes: SNAPSHOT_LAYOUT.loadBalancerAttributes.path,
  listeners: SNAPSHOT_LAYOUT.listeners.path,
  targetHealth: SNAPSHOT_LAYOUT.targetHealth.path,
};

/**
 * The normalizers' input. Each reader is named after the snapshot file the response would
 * be exported to, so that a shape error reads the same live and replayed.
 */
export function toAwsResponses(json: AwsResponsesJson): AwsResponses {
  const single = (name: SingleDocumentName) => {
    const document = json[name];
    return document === undefined ? undefined : new JsonReader(RESPONSE_FILES[name], document);
  };
  const perResource = (name: PerResourceName) => {
    const documents = json[name];
    if (documents === undefined) return undefined;
    return new Map(Object.entries(documents).map(([key, document]) => [key, new JsonReader(`${RESPONSE_FOLDERS[name]}/${key}.json`, document)]));
  };
  return {
    vpcEndpoints: single('vpcEndpoints'),
    networkInterfaces: single('networkInterfaces'),
    subnets: single('subnets'),
    networkAcls: single('networkAcls'),
    securityGroups: single('securityGroups'),
    prefixLists: single('prefixLists'),
    prefixListEntries: perResource('prefixListEntries'),
    endpointServices: single('endpointServices'),
    vpcEndpointServices: single('vpcEndpointServices'),
    loadBalancers: single('loadBalancers'),
    loadBalancerAttributes: perResource('loadBalancerAttributes'),
    listeners: perResource('listeners'),
    targetGroups: single('targetGroups'),
    targetHealth: perResource('targetHealth'),
  };
}

/**
 * An SDK value as the CLI prints it: dates become ISO strings, absent members vanish. The
 * SDK's own `$metadata` never reaches here: only list items are converted. A walk rather
 * than a JSON round trip: a large region is megabytes, and the walk is several times faster.
 */
export function toPlainJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    const plain: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) if (member !== undefined) plain[key] = toPlainJson(member);
    return plain;
  }
  return value;
}
