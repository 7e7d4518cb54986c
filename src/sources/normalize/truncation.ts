import { PAGE_TOKENS } from '../../core/collections.js';
import type { JsonReader } from './json-reader.js';

/**
 * A response that carries a top-level page token (the collections table's: `NextToken` for
 * EC2, `NextMarker` for ELBv2) is one page of several, as `aws … --max-items N` prints it:
 * what is not on it is not known to be absent.
 */
export function isTruncated(response: JsonReader | undefined): boolean {
  const value = response?.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return PAGE_TOKENS.some((field) => {
    const token = record[field];
    return typeof token === 'string' && token.length > 0;
  });
}
