import { readFile } from 'node:fs/promises';
import { Compile } from 'typebox/compile';
import {
  EndpointSecurityGroupChangeSchema,
  NetworkAclEntryChangeSchema,
  NlbAttributeChangeSchema,
  SecurityGroupRuleChangeSchema,
  type Change,
} from '../core/change.js';

/**
 * The `--changes FILE` of `what-if` and `blast-radius`: a JSON array of changes (contract
 * §7), or an object with a `changes` array, such as a saved fix plan; `-` is stdin.
 */

/** The file cannot be read, is not JSON, or holds something other than changes: exit 2. */
export class ChangesFileError extends Error {
  constructor(
    message: string,
    /** Each field at fault: `changes.2.ruleNumber`, and why. */
    readonly problems: readonly { readonly name: string; readonly reason: string }[] = [],
  ) {
    super(message);
    this.name = 'ChangesFileError';
  }
}

const VALIDATORS = {
  'sg-rule': Compile(SecurityGroupRuleChangeSchema),
  'nacl-entry': Compile(NetworkAclEntryChangeSchema),
  'endpoint-sg': Compile(EndpointSecurityGroupChangeSchema),
  'nlb-attribute': Compile(NlbAttributeChangeSchema),
} as const;
type Kind = keyof typeof VALIDATORS;
const KINDS = Object.keys(VALIDATORS) as Kind[];

interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

/** `/IpRanges/0` of change 3 as `changes.3.IpRanges.0`. */
function fieldName(prefix: string, instancePath: string, property?: string): string {
  const path = instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  return [prefix, ...path, ...(property !== undefined ? [property] : [])].join('.');
}

/** The schema's errors as one reason per field: an alternative of literals reads as its allowed values. */
function problemsOf(prefix: string, errors: readonly SchemaError[]): { name: string; reason: string }[] {
  const problems: { name: string; reason: string }[] = [];
  const allowed = new Map<string, unknown[]>();
  for (const error of errors) {
    if (error.keyword === 'const') allowed.set(error.instancePath, [...(allowed.get(error.instancePath) ?? []), error.params['allowedValue']]);
  }
  const add = (name: string, reason: string) => {
    if (!problems.some((problem) => problem.name === name && problem.reason === reason)) problems.push({ name, reason });
  };
  for (const error of errors) {
    switch (error.keyword) {
      case 'required':
        for (const property of (error.params['requiredProperties'] as string[] | undefined) ?? [])
          add(fieldName(prefix, error.instancePath, property), 'is required');
        break;
      case 'additionalProperties':
        for (const property of (error.params['additionalProperties'] as string[] | undefined) ?? [])
          add(fieldName(prefix, error.instancePath, property), 'is not a field of this kind of change');
        break;
      case 'boolean':
        // `schema is false`: the additional property, reported above.
        break;
      case 'const':
        if (!errors.some((other) => other.keyword === 'anyOf' && other.instancePath === error.instancePath))
          add(fieldName(prefix, error.instancePath), `must be ${JSON.stringify(error.params['allowedValue'])}`);
        break;
      case 'anyOf': {
        const values = allowed.get(error.instancePath);
        add(fieldName(prefix, error.instancePath), values ? `must be one of ${values.map((value) => JSON.stringify(value)).join(', ')}` : error.message);
        break;
      }
      case 'enum':
        add(
          fieldName(prefix, error.instancePath),
          `must be one of ${((error.params['allowedValues'] as unknown[] | undefined) ?? []).map((value) => JSON.stringify(value)).join(', ')}`,
        );
        break;
      default:
        add(fieldName(prefix, error.instancePath), error.message);
    }
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every problem of a parsed file's changes, each naming the change by index and the field. */
export function changeProblems(list: readonly unknown[]): { name: string; reason: string }[] {
  const problems: { name: string; reason: string }[] = [];
  list.forEach((change, index) => {
    const prefix = `changes.${index}`;
    if (!isObject(change)) {
      problems.push({ name: prefix, reason: 'must be an object' });
      return;
    }
    const kind = change['kind'];
    if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind)) {
      problems.push({ name: `${prefix}.kind`, reason: `must be one of ${KINDS.map((name) => JSON.stringify(name)).join(', ')}` });
      return;
    }
    const validator = VALIDATORS[kind as Kind];
    if (!validator.Check(change)) problems.push(...problemsOf(prefix, validator.Errors(change) as SchemaError[]));
  });
  return problems;
}

/** `position 12` of a JSON.parse message as its line and column, when the message gives one. */
function jsonLocation(message: string, text: string): string {
  if (/line \d+/.test(message)) return '';
  const match = /position (\d+)/.exec(message);
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/** The changes a JSON text holds; `name` is how errors name it. */
export function parseChanges(text: string, name: string): Change[] {
  // A byte order mark, as some editors write, is not JSON.
  const json = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    // Node 24's V8 adds its own "(line 2 column 16)"; the location is given once, in one form, on every Node.
    const message = (error as Error).message.replace(/ \(line \d+ column \d+\)$/, '');
    throw new ChangesFileError(`${name}: not JSON: ${message}${jsonLocation(message, json)}`);
  }
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value['changes']) ? value['changes'] : undefined;
  if (!list) throw new ChangesFileError(`${name}: expected a JSON array of changes, or an object with a "changes" array (a saved fix plan)`);
  const problems = changeProblems(list);
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new ChangesFileError(`${name}: ${first.name} ${first.reason}${more}`, problems);
  }
  return list as Change[];
}

/** Reads and checks `--changes FILE`; `-` reads `stdin`. */
export async function readChangesFile(file: string, stdin: () => Promise<string>): Promise<Change[]> {
  let text: string;
  try {
    text = file === '-' ? await stdin() : await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ChangesFileError(`${file === '-' ? 'stdin' : file}: cannot be read: ${reason}`);
  }
  return parseChanges(text, file === '-' ? 'stdin' : file);
}
