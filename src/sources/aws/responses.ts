import { COLLECTION_LIST, COLLECTIONS, type PerResourceName } from '../../core/collections.js';
import type { CollectionName } from '../../core/model.js';
import { JsonReader } from '../normalize/json-reader.js';
import type { AwsResponses } from '../normalize/model.js';

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

/**
 * One member per collection of the table (core/collections.ts): a document, or for a
 * per-resource collection (prefix list entries, load balancer attributes, listeners, target
 * health) the documents by the key their files are named after (prefix list id, load
 * balancer name, target group name). The live source fills the collections it fetches.
 */
export type AwsResponsesJson = {
  readonly [Name in CollectionName]?: Name extends PerResourceName ? AwsJsonDocumentsByKey : AwsJsonDocument;
};

/** The list a collection's document holds, as one document: `{ Subnets: [...] }`. */
export function documentOf(name: CollectionName, items: unknown): AwsJsonDocument {
  return { [COLLECTIONS[name].topLevelKey]: toPlainJson(items) };
}

/**
 * The normalizers' input. Each reader is named after the snapshot file the response would
 * be exported to, so that a shape error reads the same live and replayed.
 */
export function toAwsResponses(json: AwsResponsesJson): AwsResponses {
  const responses: Record<string, JsonReader | ReadonlyMap<string, JsonReader>> = {};
  for (const { name, path, keyedBy } of COLLECTION_LIST) {
    const value = json[name];
    if (value === undefined) continue;
    responses[name] = keyedBy
      ? new Map(Object.entries(value as AwsJsonDocumentsByKey).map(([key, document]) => [key, new JsonReader(`${path}/${key}.json`, document)]))
      : new JsonReader(path, value);
  }
  return responses as AwsResponses;
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
