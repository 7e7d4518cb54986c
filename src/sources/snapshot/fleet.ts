import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { createFleet, unitOfModel, type Fleet, type FleetUnit } from '../../core/fleet.js';
import { directoryProblem, readSnapshot, SnapshotReadError } from './read.js';

/**
 * A fleet snapshot (contract §5): `<root>/<12-digit account id>/<region>/` + the §4 layout,
 * one unit per region folder. A §4 snapshot at the root is one unit, its account and
 * region read from the data. A unit whose files cannot be read fails alone: the fleet
 * answers for every other unit and names the failure.
 */

const ACCOUNT_FOLDER = /^\d{12}$/;
const REGION_FOLDER = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export interface FleetSnapshot {
  readonly fleet: Fleet;
  /** Entries of the root or of an account folder that are none of the layout's. */
  readonly ignored: readonly string[];
}

async function folders(dir: string): Promise<{ folders: string[]; files: string[] }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new SnapshotReadError(`snapshot directory ${dir}: ${directoryProblem(error)}`, { cause: error });
  }
  const sorted = entries.sort((a, b) => a.name.localeCompare(b.name));
  return {
    folders: sorted.filter((entry) => entry.isDirectory()).map((entry) => entry.name),
    files: sorted.filter((entry) => !entry.isDirectory()).map((entry) => entry.name),
  };
}

/** True when the directory is a fleet: some of its folders are account ids. */
export async function isFleetSnapshot(root: string): Promise<boolean> {
  return (await folders(root)).folders.some((name) => ACCOUNT_FOLDER.test(name));
}

export interface FleetReadOptions {
  /** Units read at once; each reads its files in parallel already. */
  readonly concurrency?: number;
}

export async function readFleetSnapshot(root: string, options: FleetReadOptions = {}): Promise<FleetSnapshot> {
  const top = await folders(root);
  const accounts = top.folders.filter((name) => ACCOUNT_FOLDER.test(name));
  if (accounts.length === 0) {
    const model = await readSnapshot(root);
    return { fleet: createFleet([{ ...unitOfModel(model), model }]), ignored: [] };
  }
  const layoutFolders = top.folders.filter((name) => ['ec2', 'elbv2'].includes(name.toLowerCase()));
  if (layoutFolders.length > 0) {
    throw new SnapshotReadError(
      `${root}: holds both account folders (${accounts.join(', ')}) and a single snapshot's ${layoutFolders.join(', ')}: move the single snapshot into <account-id>/<region>/`,
    );
  }
  const ignored = top.folders.filter((name) => !ACCOUNT_FOLDER.test(name)).map((name) => `${name}/`);
  const places: { accountId: string; region: string; dir: string }[] = [];
  for (const accountId of accounts) {
    const inside = await folders(join(root, accountId));
    for (const name of inside.folders) {
      if (REGION_FOLDER.test(name)) places.push({ accountId, region: name, dir: join(root, accountId, name) });
      else ignored.push(`${accountId}/${name}/`);
    }
    ignored.push(...inside.files.map((name) => `${accountId}/${name}`));
  }
  const limit = pLimit(options.concurrency ?? 8);
  const units = await Promise.all(
    places.map(({ accountId, region, dir }) =>
      limit(async (): Promise<Omit<FleetUnit, 'key'>> => {
        try {
          return { accountId, region, model: await readSnapshot(dir) };
        } catch (error) {
          return { accountId, region, failure: (error as Error).message };
        }
      }),
    ),
  );
  return { fleet: createFleet(units), ignored };
}
