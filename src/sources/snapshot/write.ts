import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { COLLECTION_LIST } from '../../core/collections.js';
import type { AwsJsonDocument, AwsJsonDocumentsByKey, AwsResponsesJson } from '../aws/responses.js';

/**
 * Exports what a live collection fetched in the snapshot layout of the analysis contract
 * §4, the same files `readSnapshot` reads, so that any live analysis can be replayed
 * offline or attached to a ticket. Each file is printed as the AWS CLI prints it: 4-space
 * indentation, a final newline. A response that was not fetched has no file, which reads
 * back as "not captured".
 */

export class SnapshotWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotWriteError';
  }
}

export interface SnapshotFile {
  /** Relative to the snapshot directory, `/`-separated: `ec2/DescribeSubnets.json`. */
  readonly path: string;
  readonly document: AwsJsonDocument;
}

/**
 * A resource's name becomes a file name: load balancer and target group names are letters,
 * digits and hyphens, prefix list ids `pl-…`. Anything else (a separator, `..`) could
 * write outside the snapshot and is refused.
 */
function fileStem(folder: string, key: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key) || key.includes('..')) {
    throw new SnapshotWriteError(`${folder}: "${key}" cannot be a file name in a snapshot`);
  }
  return key;
}

/** The files of a snapshot, in layout order (one per collection of the table, core/collections.ts, that was fetched): what `writeSnapshot` writes, for callers that bundle them another way. */
export function snapshotFiles(responses: AwsResponsesJson): SnapshotFile[] {
  const files: SnapshotFile[] = [];
  for (const { name, path, keyedBy } of COLLECTION_LIST) {
    const value = responses[name];
    if (!value) continue;
    if (!keyedBy) {
      files.push({ path, document: value });
      continue;
    }
    for (const [key, document] of Object.entries(value as AwsJsonDocumentsByKey).sort(([a], [b]) => a.localeCompare(b))) {
      files.push({ path: `${path}/${fileStem(path, key)}.json`, document });
    }
  }
  return files;
}

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new SnapshotWriteError(`${dir} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Writes the snapshot into `dir`, which must be absent or empty: a file left from an
 * earlier capture would be read back as part of this one. Returns the paths written,
 * relative to `dir`.
 */
export async function writeSnapshot(dir: string, responses: AwsResponsesJson): Promise<string[]> {
  return writeFiles(dir, snapshotFiles(responses), []);
}

/** Writes files (and folders that must exist even if empty) into `dir`, which must be absent or empty. */
async function writeFiles(dir: string, files: readonly SnapshotFile[], folders: readonly string[]): Promise<string[]> {
  if (!(await isEmptyOrAbsent(dir))) throw new SnapshotWriteError(`${dir} is not empty: write a snapshot into a new or empty directory`);
  try {
    await mkdir(dir, { recursive: true });
    for (const folder of folders) await mkdir(join(dir, folder), { recursive: true });
    for (const file of files) {
      const path = join(dir, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, `${JSON.stringify(file.document, null, 4)}\n`, { flag: 'wx' });
    }
  } catch (error) {
    throw new SnapshotWriteError(`the snapshot cannot be written to ${dir}: ${(error as Error).message}`, { cause: error });
  }
  return files.map((file) => file.path);
}

const ACCOUNT_FOLDER = /^\d{12}$/;
const REGION_FOLDER = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The folder of a unit in a fleet snapshot: `<12-digit account>/<region>`, from its key `account/region`. */
function unitFolder(key: string): string {
  const [accountId, region, ...rest] = key.split('/');
  if (rest.length > 0 || !accountId || !region || !ACCOUNT_FOLDER.test(accountId) || !REGION_FOLDER.test(region)) {
    throw new SnapshotWriteError(`unit "${key}" cannot be a folder of a fleet snapshot: expected <12-digit account id>/<region>`);
  }
  return `${accountId}/${region}`;
}

/** The files of a fleet snapshot (contract §5): each unit's snapshot under `<account>/<region>/`, units in key order. */
export function fleetSnapshotFiles(units: ReadonlyMap<string, AwsResponsesJson>): SnapshotFile[] {
  return [...units]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([key, responses]) => {
      const folder = unitFolder(key);
      return snapshotFiles(responses).map((file) => ({ path: `${folder}/${file.path}`, document: file.document }));
    });
}

/**
 * Writes what a live fleet fetched, one unit per `<account>/<region>/` folder, which
 * `readFleetSnapshot` reads back; a single unit is written as a single snapshot (today's
 * layout), whatever its key. `dir` must be absent or empty. Returns the paths written,
 * relative to `dir`.
 */
export async function writeFleetSnapshot(dir: string, units: ReadonlyMap<string, AwsResponsesJson>): Promise<string[]> {
  if (units.size === 0) throw new SnapshotWriteError('nothing was fetched: no unit has data to write');
  if (units.size === 1) return writeSnapshot(dir, [...units.values()][0]!);
  // Every unit folder, even one whose collection fetched no file: it reads back as a unit with nothing captured.
  return writeFiles(dir, fleetSnapshotFiles(units), [...units.keys()].map(unitFolder));
}
