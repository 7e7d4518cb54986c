import type { Dirent } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import { join } from 'node:path';
import type { NetworkModel } from '../../core/model.js';
import type { DataWarning } from '../../core/report.js';
import { createCidrParser } from '../../core/net.js';
import type { CidrParser, ItemNormalizer } from '../normalize/ec2.js';
import { itemNormalizerOf, modelFromAwsResponses, type AwsResponses, type NormalizedList } from '../normalize/model.js';
import { JsonReader, SnapshotFormatError } from '../normalize/json-reader.js';
import { decodeSnapshotFile, type FileContent } from './decode.js';
import { commandLine, LAYOUT_ENTRIES, type LayoutEntry, type ResponseName } from './layout.js';
import { ListSplitter } from './split.js';

/** A snapshot that cannot be read at all (no such directory, unreadable file, two files for one call). */
/** Why a snapshot directory cannot be listed, in words (not Node's errno text). */
export function directoryProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot be read: ${(error as Error).message}`;
}

export class SnapshotReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotReadError';
  }
}

/*
 * Which file is which. The layout (layout.ts) is the canonical form; these are accepted too,
 * each named in the report's dataWarnings:
 *
 * - a data file is a `.json` or `.json.gz` file (any case) at the top of the snapshot or in a
 *   service folder `ec2/` or `elbv2/` (any case: `EC2/`, `ELBv2/`);
 * - its name tells its call when it is the API operation or the CLI command, in any case,
 *   `-` and `_` ignored: `DescribeNetworkAcls`, `describe-network-acls`;
 * - otherwise its top-level key does (`Subnets`: describe-subnets), so that a flat folder of
 *   files with any names is read;
 * - per-resource responses (GetManagedPrefixListEntries, DescribeLoadBalancerAttributes,
 *   DescribeListeners, DescribeTargetHealth) do not say which resource they are for: they are
 *   read only from their folder (named as a call is, at the top or in a service folder),
 *   one `<key>.json` or `<key>.json.gz` per resource. Found anywhere else they are listed as
 *   unrecognised, with where to put them;
 * - `scenario.json`, `README*`, `*.md` and dot files (`.DS_Store`, `.git/`) at the top or in a
 *   service folder are the notes that travel with a snapshot: skipped without a word;
 * - anything else is listed as unrecognised, never dropped silently;
 * - two files for one call (or one resource of a per-resource call) are an error naming both.
 *
 * A file of a known call that is present but not its JSON is an error naming the file and
 * what was found; an empty (or whitespace-only) one is "not captured", as a missing one is.
 */

type Via = 'canonical' | 'name' | 'folder' | 'content';

/** A file found in the snapshot, and what the layout makes of it. */
interface Found {
  /** Relative to the snapshot directory, `/`-separated, as on disk. */
  readonly file: string;
  /** Its call when its name or folder tells it; undefined when only its content can. */
  readonly entry?: LayoutEntry;
  /** Per-resource responses: the file's stem, the resource it is for. */
  readonly key?: string;
  readonly via: Via;
}

const DATA_FILE = /\.json(\.gz)?$/i;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function normalizedCall(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

const ENTRY_BY_NAME = new Map(LAYOUT_ENTRIES.map((entry) => [normalizedCall(entry.call), entry]));

function entryNamed(name: string): LayoutEntry | undefined {
  return ENTRY_BY_NAME.get(normalizedCall(name));
}

/** The call a response is the output of, by its top-level key. */
function entryOfContent(value: unknown): LayoutEntry | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return LAYOUT_ENTRIES.find((entry) => Object.hasOwn(value, entry.topLevelKey));
}

function describeContent(value: unknown): string {
  if (typeof value !== 'object' || value === null) return `a JSON ${value === null ? 'null' : typeof value}`;
  if (Array.isArray(value)) return 'a JSON array';
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty JSON object' : `a JSON object with the keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
}

/** Notes, not data: skipped without a warning. */
function isNote(name: string): boolean {
  return name.startsWith('.') || name === 'scenario.json' || /^readme/i.test(name) || /\.md$/i.test(name);
}

function canonicalPath(entry: LayoutEntry, key: string | undefined): string {
  return key === undefined ? entry.path : `${entry.path}/${key}.json`;
}

/** At its place in the layout, compressed or not: nothing to say about its name. */
function isCanonical(file: string, entry: LayoutEntry, key: string | undefined): boolean {
  const path = canonicalPath(entry, key);
  return file === path || file === `${path}.gz`;
}

function stemOf(name: string): string {
  return name.replace(DATA_FILE, '');
}

async function listFolder(dir: string, folder: string): Promise<Dirent[]> {
  try {
    return (await readdir(join(dir, folder), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw new SnapshotReadError(`${folder}: cannot be listed: ${(error as Error).message}`, { cause: error });
  }
}

/** Symbolic links are followed: a snapshot assembled from links reads like a copy. */
async function kindOf(dir: string, file: string, entry: Dirent): Promise<'file' | 'folder' | 'other'> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'folder';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    const target = await stat(join(dir, file));
    return target.isFile() ? 'file' : target.isDirectory() ? 'folder' : 'other';
  } catch {
    return 'other';
  }
}

/** A hint for a folder that is a snapshot of another shape: a fleet's account or region folder. */
function folderHint(name: string): string {
  if (/^\d{12}$/.test(name)) return ': it looks like an account folder of a fleet snapshot; give the snapshot of one account and region (<account>/<region>)';
  if (/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(name)) return ': it looks like a region folder; give that folder as the snapshot';
  return '';
}

interface Scan {
  readonly found: Found[];
  readonly warnings: DataWarning[];
}

async function scanSnapshot(dir: string): Promise<Scan> {
  const found: Found[] = [];
  const warnings: DataWarning[] = [];
  const unrecognised = (file: string, why: string) => warnings.push({ kind: 'unrecognised-file', file, message: `${file} ${why}: ignored` });

  const perResourceFolder = async (folder: string, entry: LayoutEntry) => {
    for (const item of await listFolder(dir, folder)) {
      if (item.name.startsWith('.')) continue;
      const file = `${folder}/${item.name}`;
      const kind = await kindOf(dir, file, item);
      if (kind === 'file' && DATA_FILE.test(item.name)) {
        const key = stemOf(item.name);
        found.push({ file, entry, key, via: isCanonical(file, entry, key) ? 'canonical' : folder === entry.path ? 'name' : 'folder' });
      } else {
        unrecognised(kind === 'folder' ? `${file}/` : file, `is not a <${entry.keyedBy}>.json file of ${commandLine(entry)}`);
      }
    }
  };

  const dataFile = (file: string, name: string) => {
    const entry = entryNamed(stemOf(name));
    if (entry?.keyedBy) {
      unrecognised(
        file,
        `is named after ${commandLine(entry)}, whose output does not say which ${entry.resource} it is for: put it at ${entry.path}/<${entry.keyedBy}>.json`,
      );
    } else if (entry) {
      found.push({ file, entry, via: isCanonical(file, entry, undefined) ? 'canonical' : 'name' });
    } else {
      found.push({ file, via: 'content' });
    }
  };

  /** The top of the snapshot, or a service folder: data files and per-resource folders. */
  const level = async (folder: string | undefined) => {
    for (const item of await listFolder(dir, folder ?? '.')) {
      if (isNote(item.name)) continue;
      const file = folder === undefined ? item.name : `${folder}/${item.name}`;
      const kind = await kindOf(dir, file, item);
      if (kind === 'folder') {
        const entry = entryNamed(item.name);
        if (folder === undefined && /^(ec2|elbv2)$/i.test(item.name)) await level(item.name);
        else if (entry?.keyedBy) await perResourceFolder(file, entry);
        else unrecognised(`${file}/`, `is not a folder of the snapshot layout${folder === undefined ? folderHint(item.name) : ''}`);
      } else if (kind === 'file' && DATA_FILE.test(item.name)) {
        dataFile(file, item.name);
      } else {
        unrecognised(file, 'is not a file of the snapshot layout (.json or .json.gz)');
      }
    }
  };
  await level(undefined);
  return { found, warnings };
}

interface Accepted {
  readonly found: Found;
  readonly entry: LayoutEntry;
  readonly reader: JsonReader;
  /** Its items, when they were normalized as the file was read. */
  readonly normalized?: NormalizedList;
}

/** What reading a file gave: its content, or its items already normalized. */
type ReadContent = FileContent | { readonly kind: 'normalized'; readonly list: NormalizedList };

function renamedMessage(accepted: Accepted): string {
  const { found, entry } = accepted;
  const why =
    found.via === 'content'
      ? `it holds the output of ${commandLine(entry)} (top-level ${entry.topLevelKey})`
      : found.via === 'folder'
        ? `its folder is named after ${commandLine(entry)}`
        : `its name is that of ${commandLine(entry)}`;
  return `read ${found.file} as ${canonicalPath(entry, found.key)}: ${why}`;
}

function emptyMessage(found: Found): string {
  if (!found.entry) return `${found.file} is empty, and its name is not that of a call of the snapshot layout: ignored`;
  const of = found.key === undefined ? '' : ` for ${found.entry.resource} ${found.key}`;
  return `${found.file} is empty, as a failed \`${commandLine(found.entry)} > file\` leaves it: the output of ${found.entry.command}${of} is not captured, as if the file were missing`;
}

/** Decides what each file is and checks that it is what its name says; throws on a file of a known call that is not its JSON. */
function accept(found: Found, content: ReadContent, warnings: DataWarning[]): Accepted | undefined {
  const { file } = found;
  if (content.kind === 'normalized') {
    // Read item by item only when its name told its call and it held that call's list.
    const accepted = { found, entry: found.entry!, reader: content.list.head, normalized: content.list };
    if (found.via !== 'canonical') warnings.push({ kind: 'renamed-file', file, message: renamedMessage(accepted) });
    return accepted;
  }
  if (content.kind === 'empty') {
    warnings.push({ kind: 'empty-file', file, message: emptyMessage(found) });
    return undefined;
  }
  if (content.kind === 'unreadable') {
    if (found.entry) throw new SnapshotFormatError(file, content.location, content.problem);
    warnings.push({ kind: 'unrecognised-file', file, message: `${file} is not named after a call of the snapshot layout, and is ${content.problem}: ignored` });
    return undefined;
  }
  const byContent = entryOfContent(content.value);
  let entry = found.entry;
  if (entry) {
    const record = content.value as Record<string, unknown>;
    const holdsItsKey = typeof record === 'object' && record !== null && !Array.isArray(record) && Object.hasOwn(record, entry.topLevelKey);
    if (!holdsItsKey && byContent && byContent !== entry) {
      throw new SnapshotFormatError(
        file,
        '$',
        `expected the output of ${commandLine(entry)} (top-level ${entry.topLevelKey}), found the output of ${byContent.command} (top-level ${byContent.topLevelKey})`,
      );
    }
  } else if (!byContent) {
    warnings.push({
      kind: 'unrecognised-file',
      file,
      message: `${file} is neither named after a call of the snapshot layout nor holds the output of one (it holds ${describeContent(content.value)}): ignored`,
    });
    return undefined;
  } else if (byContent.keyedBy) {
    warnings.push({
      kind: 'unrecognised-file',
      file,
      message: `${file} holds the output of ${commandLine(byContent)}, which does not say which ${byContent.resource} it is for: put it at ${byContent.path}/<${byContent.keyedBy}>.json; ignored`,
    });
    return undefined;
  } else {
    entry = byContent;
  }
  if (content.notes.length > 0) warnings.push({ kind: 'decoded-file', file, message: `${file} ${content.notes.join('; ')}` });
  const accepted = { found, entry, reader: new JsonReader(file, content.value) };
  if (found.via !== 'canonical') warnings.push({ kind: 'renamed-file', file, message: renamedMessage(accepted) });
  return accepted;
}

async function readFound(dir: string, found: Found): Promise<FileContent | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, found.file));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new SnapshotReadError(`${found.file}: cannot be read: ${(error as Error).message}`, { cause: error });
  }
  return decodeSnapshotFile(bytes, found.file);
}

/** Chunks a large file is read in, item by item. */
const CHUNK_BYTES = 1 << 20;

/**
 * A large file of a call whose items stand alone, read item by item as its bytes arrive
 * (split.ts) and each item normalized at once: the file is never held whole, as text or
 * parsed. Only the happy path: on anything unexpected (not the call's list, gzip, a BOM, a
 * syntax error, an item the normalizer refuses) it gives up and the file is read whole,
 * which names the problem exactly as it always has. Undefined then, or when the file is small.
 */
async function readSplit(dir: string, found: Found, normalizer: ItemNormalizer<unknown>, fromBytes: number): Promise<NormalizedList | undefined> {
  // Named .gz: compressed, or to be noted as not (decode.ts).
  if (/\.gz$/i.test(found.file)) return undefined;
  let handle;
  try {
    handle = await open(join(dir, found.file));
  } catch {
    return undefined;
  }
  try {
    if ((await handle.stat()).size < fromBytes) return undefined;
    const { file, entry } = found;
    const listReader = new JsonReader(file, undefined, new JsonReader(file, undefined), entry!.topLevelKey);
    const items: unknown[] = [];
    const ids = new Set<string>();
    const splitter = new ListSplitter(entry!.topLevelKey, (value, index) => {
      const item = new JsonReader(file, value, listReader, index);
      const id = item.string(normalizer.idField);
      if (ids.has(id)) throw new Error('a duplicate id: read whole, to name both');
      ids.add(id);
      items.push(normalizer.normalize(item));
    });
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let first = true; ; first = false) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      // Compressed or with a byte order mark: the whole-file reader decodes those.
      if (first && (chunk[0] === 0x1f || chunk[0] === 0xef || chunk[0] === 0xff || chunk[0] === 0xfe)) return undefined;
      splitter.push(chunk.subarray(0, bytesRead));
    }
    return { head: new JsonReader(file, splitter.end()), items };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** How a snapshot is read; the defaults are what users get, tests choose otherwise. */
export interface ReadSnapshotOptions {
  /** Files of this size and larger are read item by item when their call allows it. */
  readonly splitFromBytes?: number;
  /** Told of each file that was read item by item, and how many items it held (for the tests and the benchmark to see it happen). */
  readonly onSplit?: (file: string, items: number) => void;
}

/** Files of a megabyte and more are read item by item: below that, reading whole is as fast and holds little. */
const SPLIT_FROM_BYTES = 1 << 20;

/**
 * Reads a snapshot directory into the network model. Every file is optional: what is
 * missing (or empty) is left out of `captured`, and the checks that need it say `unknown`.
 * A file that is there but malformed is an error naming the file and the JSON path (or the
 * line and column of a syntax error). Files read in another form than the layout's, and
 * files that are not the layout's, are named in the model's dataWarnings.
 */
export async function readSnapshot(dir: string, options: ReadSnapshotOptions = {}): Promise<NetworkModel> {
  try {
    await readdir(dir);
  } catch (error) {
    throw new SnapshotReadError(`snapshot directory ${dir}: ${directoryProblem(error)}`, { cause: error });
  }
  const { found, warnings } = await scanSnapshot(dir);
  // Two files at a time: one read while the other is parsed. All at once would hold every
  // file's bytes and text in memory together (the peak RSS of a large snapshot) for no speed.
  const limit = pLimit(2);
  const parseCidr: CidrParser = createCidrParser();
  const fromBytes = options.splitFromBytes ?? SPLIT_FROM_BYTES;
  const readOne = async (item: Found): Promise<ReadContent | undefined> => {
    const normalizer = item.entry && item.via !== 'content' && !item.entry.keyedBy ? itemNormalizerOf(item.entry.name, parseCidr) : undefined;
    const list = normalizer && (await readSplit(dir, item, normalizer, fromBytes));
    if (!list) return readFound(dir, item);
    options.onSplit?.(item.file, list.items.length);
    return { kind: 'normalized', list };
  };
  const contents = await Promise.all(found.map((item) => limit(() => readOne(item))));

  const single = new Map<ResponseName, Accepted>();
  const perResource = new Map<ResponseName, Map<string, Accepted>>();
  const order = found.map((_, index) => index).sort((a, b) => (found[a]!.file < found[b]!.file ? -1 : 1));
  for (const index of order) {
    const content = contents[index];
    if (!content) continue;
    const accepted = accept(found[index]!, content, warnings);
    if (!accepted) continue;
    const { entry } = accepted;
    const key = accepted.found.key;
    const byKey = key === undefined ? undefined : (perResource.get(entry.name) ?? new Map<string, Accepted>());
    const other = key === undefined ? single.get(entry.name) : byKey!.get(key);
    if (other) {
      const [first, second] = [other.found.file, accepted.found.file].sort();
      const what = key === undefined ? '' : ` for ${entry.resource} ${key}`;
      throw new SnapshotReadError(`${first} and ${second} both hold the output of ${commandLine(entry)}${what}: keep one of them`);
    }
    if (key === undefined) single.set(entry.name, accepted);
    else perResource.set(entry.name, byKey!.set(key, accepted));
  }

  // One response per collection of the layout: a file's reader, or a folder's readers by key.
  const responses: Record<string, JsonReader | NormalizedList | ReadonlyMap<string, JsonReader>> = {};
  for (const { name, keyedBy } of LAYOUT_ENTRIES) {
    if (keyedBy) responses[name] = new Map([...(perResource.get(name) ?? [])].map(([key, accepted]) => [key, accepted.reader]));
    else if (single.has(name)) responses[name] = single.get(name)!.normalized ?? single.get(name)!.reader;
  }
  warnings.sort((a, b) => ((a.file ?? '') < (b.file ?? '') ? -1 : (a.file ?? '') > (b.file ?? '') ? 1 : 0));
  return modelFromAwsResponses(responses as AwsResponses, { kind: 'snapshot', location: dir }, { dataWarnings: warnings, parseCidr });
}
