import { CommanderError } from 'commander';
import { ChangesFileError } from './cli/changes-file.js';
import { ConfigError } from './config.js';
import { AnalysisError } from './core/errors.js';
import { ProbesDisabledError, ProbesUnavailableError, SourceUnavailableError } from './doctor.js';
import { ANALYSIS_ERROR_PROBLEMS, PROBLEMS, ProblemError, UsageError, type InvalidParam, type ProblemCode } from './errors.js';
import type { ClassifiedError } from './http/problem.js';
import { ProbeRefusedError } from './probe/guard.js';
import { ProbeRateLimitedError } from './probe/run.js';
import { AwsCallError } from './sources/aws/caller.js';
import { AwsCredentialsError, CollectionDeadlineError, EndpointsUnavailableError } from './sources/aws/errors.js';
import { SnapshotFormatError } from './sources/normalize/json-reader.js';
import { NotSplittable } from './sources/snapshot/split.js';
import { SnapshotReadError } from './sources/snapshot/read.js';
import { SnapshotWriteError } from './sources/snapshot/write.js';

/**
 * Every kind of error the service and the CLI raise, in one table: the API problem each
 * answers with (a code of PROBLEMS: its status and title), the CLI's exit code and what it
 * prints, and the line docs/errors.md gives it. The HTTP classifier (http/problem.ts) and
 * the CLI (cli/main.ts) both look an error up here; test/errors.test.ts holds every error
 * class of src/ to it, and docs/errors.md to `errorKindsTable()`.
 */

export const EXIT_OK = 0;
/** `blast-radius --fail-on-break` when a pair breaks; also Node's own exit for an error nothing handles. */
export const EXIT_BREAKS = 1;
export const EXIT_USAGE = 2;
/** An error the CLI does not handle: Node prints its stack and exits 1. */
export const EXIT_UNCAUGHT = 1;

/** What the CLI prints for an error of a kind. */
export type CliSays =
  /** `vpce-doctor: <text>` on stderr, then `  <name>: <reason>` for each field at fault when there are several. */
  | 'message'
  /** Nothing: it was said already (commander's usage errors, --help, --version). */
  | 'nothing'
  /** Not handled: rethrown, Node prints the stack and exits 1 (it should never reach the CLI). */
  | 'uncaught';

export interface ErrorKind<E extends Error = Error> {
  /** The class, as thrown. */
  readonly type: abstract new (...args: never[]) => E;
  /**
   * Its API problem: one code of PROBLEMS (`internal-error`: it never should reach the API,
   * and answers with no detail); or, for an error that carries its own, every code it may
   * carry and how to read it.
   */
  readonly problem: ProblemCode | { readonly among: readonly ProblemCode[]; readonly of: (error: E) => ProblemCode };
  /** The fields at fault: the problem's `invalid-params`; the CLI lists them under its message when there are several. */
  readonly fields?: (error: E) => readonly InvalidParam[];
  /** Seconds for the problem's Retry-After, when the error knows them. */
  readonly retryAfterSeconds?: (error: E) => number;
  readonly cli: {
    readonly exit: number;
    /** The exit code of one error, when not always `exit`. */
    readonly exitOf?: (error: E) => number;
    readonly says: CliSays;
    /** The text printed, when not the error's message. */
    readonly text?: (error: E) => string;
  };
  /** When it is raised: its line in docs/errors.md. */
  readonly docs: string;
}

function kind<E extends Error>(type: abstract new (...args: never[]) => E, spec: Omit<ErrorKind<E>, 'type'>): ErrorKind {
  return { type, ...spec } as unknown as ErrorKind;
}

const usage = (says: CliSays = 'message') => ({ exit: EXIT_USAGE, says });
const uncaught = { exit: EXIT_UNCAUGHT, says: 'uncaught' } as const;

/** The table. An error is of the first kind it is an instance of. */
export const ERROR_KINDS: readonly ErrorKind[] = [
  kind(ProblemError, {
    problem: { among: Object.keys(PROBLEMS) as ProblemCode[], of: (error) => error.code },
    fields: (error) => error.invalidParams,
    cli: uncaught,
    docs: 'a route refuses a request itself (no valid bearer token, a malformed IP or client, no probe run yet, no live fetch to export, the service shutting down): the code it names',
  }),
  kind(AnalysisError, {
    problem: { among: [...new Set(Object.values(ANALYSIS_ERROR_PROBLEMS))], of: (error) => ANALYSIS_ERROR_PROBLEMS[error.code] },
    fields: (error) => (error.invalidParams ? [...error.invalidParams] : error.field ? [{ name: error.field, reason: error.message }] : []),
    cli: usage(),
    docs: 'the request names something the data does not have, or lacks what the analysis needs: the code of its reason',
  }),
  kind(SourceUnavailableError, {
    problem: 'source-unavailable',
    cli: {
      ...usage(),
      // A snapshot's own error says which file and where; the wrapping adds nothing to it.
      text: (error) => (error.cause instanceof SnapshotFormatError || error.cause instanceof SnapshotReadError ? error.cause.message : error.message),
    },
    docs: 'the data cannot be loaded (a snapshot unreadable or malformed, AWS unreachable) and no earlier copy stands in; the CLI prints a snapshot error itself, naming its file',
  }),
  kind(ProbesDisabledError, { problem: 'probes-disabled', cli: uncaught, docs: 'a probe is asked for and `VPCE_DOCTOR_PROBES` is off' }),
  kind(ProbesUnavailableError, { problem: 'probes-unavailable', cli: uncaught, docs: 'a probe is asked for and the process has no prober' }),
  kind(ProbeRefusedError, {
    problem: 'probe-target-forbidden',
    fields: (error) => [{ name: error.field, reason: error.message }],
    cli: uncaught,
    docs: "a probe target is not one of the endpoint's interfaces, or its port is not allowed",
  }),
  kind(ProbeRateLimitedError, {
    problem: 'too-many-requests',
    retryAfterSeconds: (error) => error.retryAfterSeconds,
    cli: uncaught,
    docs: 'an endpoint is probed more often than `VPCE_DOCTOR_PROBE_ROUNDS_PER_MINUTE`; Retry-After says when it may be again',
  }),
  kind(UsageError, { problem: 'internal-error', cli: usage(), docs: 'a CLI option or argument is malformed, or missing where another needs it' }),
  kind(ChangesFileError, {
    problem: 'internal-error',
    fields: (error) => error.problems,
    cli: usage(),
    docs: 'the `--changes` file cannot be read, is not JSON, or holds something other than changes',
  }),
  kind(SnapshotWriteError, { problem: 'internal-error', cli: usage(), docs: '`snapshot --out` names a directory that is not empty, or cannot be written' }),
  kind(AwsCredentialsError, {
    problem: 'internal-error',
    cli: usage(),
    docs: 'no AWS credentials could be had, or a role could not be assumed (the service meets it as `source-unavailable`)',
  }),
  kind(EndpointsUnavailableError, {
    problem: 'internal-error',
    cli: usage(),
    docs: 'the VPC endpoints themselves cannot be listed (the service meets it as `source-unavailable`)',
  }),
  kind(ConfigError, {
    problem: 'internal-error',
    cli: usage(),
    docs: 'the environment is invalid: the service exits 2 at start, naming every problem; the CLI reports its AWS settings by their options',
  }),
  kind(CommanderError, {
    problem: 'internal-error',
    cli: { exit: EXIT_USAGE, exitOf: (error) => (error.exitCode === 0 ? EXIT_OK : EXIT_USAGE), says: 'nothing' },
    docs: 'a command line commander refuses (it prints why); `--help` and `--version` exit 0',
  }),
  kind(SnapshotFormatError, {
    problem: 'internal-error',
    cli: uncaught,
    docs: 'a snapshot file is malformed; it reaches callers as the cause of `SourceUnavailableError`',
  }),
  kind(SnapshotReadError, {
    problem: 'internal-error',
    cli: uncaught,
    docs: 'a snapshot directory cannot be read; it reaches callers as the cause of `SourceUnavailableError`',
  }),
  kind(NotSplittable, {
    problem: 'internal-error',
    cli: uncaught,
    docs: 'a large snapshot file cannot be read item by item; it never leaves the reader, which then reads the file whole',
  }),
  kind(AwsCallError, {
    problem: 'internal-error',
    cli: uncaught,
    docs: "one AWS call failed; the collection records it as the unit's or collection's failure",
  }),
  kind(CollectionDeadlineError, {
    problem: 'internal-error',
    cli: uncaught,
    docs: '`VPCE_DOCTOR_AWS_COLLECTION_DEADLINE_MS` passed; the collection records it as a failure',
  }),
];

/** The kind of an error: the first of the table it is an instance of. */
export function errorKindOf(error: unknown): ErrorKind | undefined {
  return ERROR_KINDS.find((candidate) => error instanceof candidate.type);
}

/** Every code a kind may answer with. */
export function problemCodesOf(errorKind: ErrorKind): readonly ProblemCode[] {
  return typeof errorKind.problem === 'string' ? [errorKind.problem] : errorKind.problem.among;
}

/** The API problem of an error of a known kind (undefined for any other: Fastify's own, or a fault). */
export function problemOfError(error: unknown): ClassifiedError | undefined {
  const errorKind = errorKindOf(error);
  if (!errorKind) return undefined;
  const known = error as Error;
  const code = typeof errorKind.problem === 'string' ? errorKind.problem : errorKind.problem.of(known);
  // No detail of a fault leaks.
  if (code === 'internal-error') return { code };
  return {
    code,
    detail: known.message,
    ...(errorKind.fields ? { invalidParams: errorKind.fields(known) } : {}),
    ...(errorKind.retryAfterSeconds ? { retryAfterSeconds: errorKind.retryAfterSeconds(known) } : {}),
  };
}

/** What the CLI does with an error: its exit code and the lines for stderr; `undefined`: rethrow it. */
export function cliOutcomeOf(error: unknown): { readonly exit: number; readonly stderr: readonly string[] } | undefined {
  const errorKind = errorKindOf(error);
  if (!errorKind || errorKind.cli.says === 'uncaught') return undefined;
  const known = error as Error;
  const exit = errorKind.cli.exitOf ? errorKind.cli.exitOf(known) : errorKind.cli.exit;
  if (errorKind.cli.says === 'nothing') return { exit, stderr: [] };
  const fields = errorKind.fields?.(known) ?? [];
  const lines = [
    `vpce-doctor: ${errorKind.cli.text ? errorKind.cli.text(known) : known.message}`,
    ...(fields.length > 1 ? fields.map((field) => `  ${field.name}: ${field.reason}`) : []),
  ];
  return { exit, stderr: lines.map((line) => `${line}\n`) };
}

/** How docs/errors.md tells what the CLI does with a kind. */
function cliForm(errorKind: ErrorKind): string {
  if (errorKind.cli.says === 'uncaught') return `${errorKind.cli.exit}: not handled (Node prints the stack)`;
  if (errorKind.cli.says === 'nothing') return `${errorKind.cli.exit}: prints nothing more`;
  return `${errorKind.cli.exit}: \`vpce-doctor: <message>\`${errorKind.fields ? ', then each field at fault when several' : ''}`;
}

/** docs/errors.md's table of error kinds (test/errors.test.ts keeps the two in step). */
export function errorKindsTable(): string {
  const rows = ERROR_KINDS.map((errorKind) => {
    const codes = problemCodesOf(errorKind);
    const problem =
      typeof errorKind.problem === 'string'
        ? `[\`${errorKind.problem}\`](#${errorKind.problem})`
        : codes.length === Object.keys(PROBLEMS).length
          ? 'the code it names'
          : codes.map((code) => `[\`${code}\`](#${code})`).join(', ');
    return `| \`${errorKind.type.name}\` | ${problem} | ${cliForm(errorKind)} | ${errorKind.docs} |`;
  });
  return ['| error | API problem | CLI exit | raised when |', '|---|---|---|---|', ...rows].join('\n');
}
