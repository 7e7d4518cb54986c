import type { JsonReader } from './json-reader.js';

/**
 * A response that carries a top-level `NextToken` (EC2) or `NextMarker` (ELBv2) is one page
 * of several, as `aws … --max-items N` prints it: what is not on it is not known to be absent.
 */
export function isTruncated(response: JsonReader | undefined): boolean {
  const value = response?.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const token = record['NextToken'] ?? record['NextMarker'];
  return typeof token === 'string' && token.length > 0;
}
