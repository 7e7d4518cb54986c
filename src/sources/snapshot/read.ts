import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkModel } from '../../core/model.js';
import { modelFromAwsResponses } from '../normalize/model.js';
import { JsonReader, SnapshotFormatError } from '../normalize/json-reader.js';
import { SNAPSHOT_FILES } from './layout.js';

/** A snapshot that cannot be read at all (no such directory, unreadable file). */
export class SnapshotReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotReadError';
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** A file of the snapshot, parsed; undefined when it was not captured. */
async function readJson(dir: string, file: string): Promise<JsonReader | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new SnapshotReadError(`${file}: cannot be read: ${(error as Error).message}`, { cause: error });
  }
  try {
    return new JsonReader(file, JSON.parse(text));
  } catch (error) {
    throw new SnapshotFormatError(file, '$', `not valid JSON: ${(error as Error).message}`);
  }
}

/** A folder of per-resource responses (`<id or name>.json`), keyed by the file's stem. */
async function readJsonFolder(dir: string, folder: string): Promise<Map<string, JsonReader>> {
  let names: string[];
  try {
    names = await readdir(join(dir, folder));
  } catch (error) {
    if (isMissing(error)) return new Map();
    throw new SnapshotReadError(`${folder}: cannot be listed: ${(error as Error).message}`, { cause: error });
  }
  const files = names.filter((name) => name.endsWith('.json')).sort();
  const readers = await Promise.all(files.map((name) => readJson(dir, `${folder}/${name}`)));
  return new Map(files.map((name, index) => [name.slice(0, -'.json'.length), readers[index]!]));
}

/**
 * Reads a snapshot directory into the network model. Every file is optional: what is
 * missing is left out of `captured`, and the checks that need it say `unknown`. A file
 * that is there but malformed is an error naming the file and the JSON path.
 */
export async function readSnapshot(dir: string): Promise<NetworkModel> {
  try {
    await readdir(dir);
  } catch (error) {
    throw new SnapshotReadError(`snapshot directory ${dir} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const file = (name: string) => readJson(dir, name);
  const folder = (name: string) => readJsonFolder(dir, name);
  const [vpcEndpoints, networkInterfaces, subnets, networkAcls, securityGroups, prefixLists, instances, prefixListEntries] =
    await Promise.all([
      file(SNAPSHOT_FILES.vpcEndpoints),
      file(SNAPSHOT_FILES.networkInterfaces),
      file(SNAPSHOT_FILES.subnets),
      file(SNAPSHOT_FILES.networkAcls),
      file(SNAPSHOT_FILES.securityGroups),
      file(SNAPSHOT_FILES.prefixLists),
      file(SNAPSHOT_FILES.instances),
      folder(SNAPSHOT_FILES.prefixListEntriesDir),
    ]);
  const [endpointServices, loadBalancers, loadBalancerAttributes, listeners, targetGroups, targetHealth] = await Promise.all([
    file(SNAPSHOT_FILES.endpointServices),
    file(SNAPSHOT_FILES.loadBalancers),
    folder(SNAPSHOT_FILES.loadBalancerAttributesDir),
    folder(SNAPSHOT_FILES.listenersDir),
    file(SNAPSHOT_FILES.targetGroups),
    folder(SNAPSHOT_FILES.targetHealthDir),
  ]);
  return modelFromAwsResponses(
    {
      vpcEndpoints,
      networkInterfaces,
      subnets,
      networkAcls,
      securityGroups,
      prefixLists,
      instances,
      prefixListEntries,
      endpointServices,
      loadBalancers,
      loadBalancerAttributes,
      listeners,
      targetGroups,
      targetHealth,
    },
    { kind: 'snapshot', location: dir },
  );
}
