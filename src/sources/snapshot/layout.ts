/**
 * The snapshot layout of the analysis contract §4: one AWS CLI JSON file per call. The
 * layout is a view of the collections table (core/collections.ts), the one place where a
 * collection's file, call and top-level key are written down: the reader, the writer, the
 * live export and the error messages all derive from it.
 */

import { COLLECTION_LIST, COLLECTIONS, commandLine, type CollectionSpec } from '../../core/collections.js';
import type { CollectionName } from '../../core/model.js';

export { commandLine };

/** The responses a snapshot can hold: one per collection of the model, named alike. */
export type ResponseName = CollectionName;

/** One file (or per-resource folder) of the layout. */
export type LayoutEntry = CollectionSpec;

/** Every file and folder of the layout, by collection. */
export const SNAPSHOT_LAYOUT: Readonly<Record<ResponseName, LayoutEntry>> = COLLECTIONS;

/** Every file and folder of the layout, in the order of §4. */
export const LAYOUT_ENTRIES: readonly LayoutEntry[] = COLLECTION_LIST;

/** Where a response lives, as the README's list of files shows it: `ec2/DescribeSubnets.json`, `elbv2/DescribeListeners/<lb-name>.json`. */
export function layoutFile(entry: LayoutEntry): string {
  return entry.keyedBy ? `${entry.path}/<${entry.keyedBy}>.json` : entry.path;
}

/** The README's list of the layout's files, one a line, each optional one with what it adds. */
export function layoutListing(): string {
  const width = Math.max(...LAYOUT_ENTRIES.map((entry) => layoutFile(entry).length)) + 1;
  return LAYOUT_ENTRIES.map((entry) => {
    const remarks = [entry.required ? undefined : `optional${entry.purpose ? `: ${entry.purpose}` : ''}`, entry.notLive ? 'not read live' : undefined].filter(
      Boolean,
    );
    return remarks.length === 0 ? layoutFile(entry) : `${layoutFile(entry).padEnd(width)}(${remarks.join('; ')})`;
  }).join('\n');
}
