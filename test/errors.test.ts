import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { ChangesFileError } from '../src/cli/changes-file.js';
import { ConfigError } from '../src/config.js';
import { AnalysisError } from '../src/core/errors.js';
import { ProbesDisabledError, ProbesUnavailableError, SourceUnavailableError } from '../src/doctor.js';
import { cliOutcomeOf, ERROR_KINDS, errorKindOf, EXIT_OK, EXIT_USAGE, errorKindsTable, problemCodesOf } from '../src/error-kinds.js';
import { ANALYSIS_ERROR_PROBLEMS, PROBLEMS, ProblemError, UsageError } from '../src/errors.js';
import { classifyError } from '../src/http/problem.js';
import { ProbeRefusedError } from '../src/probe/guard.js';
import { ProbeRateLimitedError } from '../src/probe/run.js';
import { AwsCallError } from '../src/sources/aws/caller.js';
import { EndpointsUnavailableError } from '../src/sources/aws/collect.js';
import { CollectionDeadlineError } from '../src/sources/aws/errors.js';
import { AwsCredentialsError } from '../src/sources/aws/index.js';
import { SnapshotFormatError } from '../src/sources/normalize/json-reader.js';
import { SnapshotReadError } from '../src/sources/snapshot/read.js';
import { SnapshotWriteError } from '../src/sources/snapshot/write.js';

const SRC = new URL('../src/', import.meta.url).pathname;

/** Every `class X extends …Error` declared in src/. */
function errorClassesOfSrc(): string[] {
  const names: string[] = [];
  for (const file of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    for (const match of readFileSync(join(SRC, file), 'utf8').matchAll(/\bclass (\w+) extends \w*Error\b/g)) names.push(match[1]!);
  }
  return names.sort();
}

describe('the error kinds (src/error-kinds.ts)', () => {
  it("hold every error class of src/ (and commander's), each once", () => {
    const registered = ERROR_KINDS.map((kind) => kind.type.name);
    assert.equal(new Set(registered).size, registered.length, 'no class twice');
    const declared = errorClassesOfSrc();
    assert.ok(declared.length >= 15, `found the error classes of src/: ${declared.join(', ')}`);
    for (const name of declared) assert.ok(registered.includes(name), `${name} (src/) has a kind in ERROR_KINDS`);
    assert.ok(registered.includes(CommanderError.name));
  });

  it('give each a problem code of PROBLEMS, an exit code and a docs line', () => {
    for (const kind of ERROR_KINDS) {
      const name = kind.type.name;
      const codes = problemCodesOf(kind);
      assert.ok(codes.length > 0, `${name} has a problem code`);
      for (const code of codes) assert.ok(Object.hasOwn(PROBLEMS, code), `${name}: ${code} is in PROBLEMS`);
      assert.ok(Number.isInteger(kind.cli.exit) && kind.cli.exit >= 0 && kind.cli.exit <= 255, `${name} has an exit code`);
      assert.ok(['message', 'nothing', 'uncaught'].includes(kind.cli.says), `${name} says how the CLI reports it`);
      assert.ok(kind.docs.length > 10, `${name} is documented`);
    }
  });

  it('are the table of docs/errors.md', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const table = errorKindsTable();
    assert.ok(doc.includes(`${table}\n`), `docs/errors.md lacks the table of error kinds; it is:\n${table}`);
  });

  it('find the kind of an error by its class', () => {
    assert.equal(errorKindOf(new UsageError('x'))?.type, UsageError);
    assert.equal(errorKindOf(new SourceUnavailableError('x'))?.type, SourceUnavailableError);
    assert.equal(errorKindOf(new Error('x')), undefined);
    assert.equal(errorKindOf('a string'), undefined);
  });
});

describe('classifyError: the API problem of each kind', () => {
  const analysis = (code: keyof typeof ANALYSIS_ERROR_PROBLEMS) => new AnalysisError(code, `${code} message`);
  const cases: [string, unknown, ReturnType<typeof classifyError>][] = [
    [
      'a ProblemError',
      new ProblemError('unauthorized', 'no token', [{ name: 'a', reason: 'b' }]),
      { code: 'unauthorized', detail: 'no token', invalidParams: [{ name: 'a', reason: 'b' }] },
    ],
    ['an AnalysisError', analysis('endpoint_not_found'), { code: 'endpoint-not-found', detail: 'endpoint_not_found message', invalidParams: [] }],
    [
      'an AnalysisError with a field',
      new AnalysisError('port_invalid', 'bad port', 'port'),
      { code: 'invalid-port', detail: 'bad port', invalidParams: [{ name: 'port', reason: 'bad port' }] },
    ],
    [
      'an AnalysisError with several fields',
      new AnalysisError('change_invalid', 'two changes', 'changes.0', [
        { name: 'changes.0', reason: 'r0' },
        { name: 'changes.1', reason: 'r1' },
      ]),
      {
        code: 'invalid-change',
        detail: 'two changes',
        invalidParams: [
          { name: 'changes.0', reason: 'r0' },
          { name: 'changes.1', reason: 'r1' },
        ],
      },
    ],
    ['a SourceUnavailableError', new SourceUnavailableError('down'), { code: 'source-unavailable', detail: 'down' }],
    ['a ProbesUnavailableError', new ProbesUnavailableError('no prober'), { code: 'probes-unavailable', detail: 'no prober' }],
    ['a ProbesDisabledError', new ProbesDisabledError('off'), { code: 'probes-disabled', detail: 'off' }],
    [
      'a ProbeRefusedError',
      new ProbeRefusedError('not an interface', 'target'),
      { code: 'probe-target-forbidden', detail: 'not an interface', invalidParams: [{ name: 'target', reason: 'not an interface' }] },
    ],
    [
      'a ProbeRateLimitedError',
      new ProbeRateLimitedError('vpce-0123456789abcdef0', 7),
      { code: 'too-many-requests', detail: 'vpce-0123456789abcdef0 was probed too often; retry in 7 s', retryAfterSeconds: 7 },
    ],
    ['a UsageError (no detail of a fault)', new UsageError('secret detail'), { code: 'internal-error' }],
    ['a ConfigError', new ConfigError(['X: y']), { code: 'internal-error' }],
    ['an AwsCallError', new AwsCallError('vpcEndpoints', 'denied', { cause: new Error('x') }), { code: 'internal-error' }],
    ['a CollectionDeadlineError', new CollectionDeadlineError(100), { code: 'internal-error' }],
    ['an Error of no kind', new Error('boom'), { code: 'internal-error' }],
    [
      'a Fastify code',
      Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }),
      { code: 'malformed-body', detail: 'bad json' },
    ],
  ];
  for (const [what, error, expected] of cases) {
    it(`answers ${what} with ${expected.code}`, () => assert.deepEqual(classifyError(error), expected));
  }

  it('maps every analysis reason to its problem', () => {
    for (const [code, problem] of Object.entries(ANALYSIS_ERROR_PROBLEMS)) {
      assert.equal(classifyError(analysis(code as keyof typeof ANALYSIS_ERROR_PROBLEMS)).code, problem);
    }
  });
});

describe('cliOutcomeOf: the CLI exit and stderr of each kind', () => {
  const usage = (...lines: string[]) => ({ exit: EXIT_USAGE, stderr: lines.map((line) => `${line}\n`) });
  const cases: [string, unknown, ReturnType<typeof cliOutcomeOf>][] = [
    ['a UsageError', new UsageError('--port: "x" is not a port'), usage('vpce-doctor: --port: "x" is not a port')],
    ['an AnalysisError with one field', new AnalysisError('port_invalid', 'bad port', 'port'), usage('vpce-doctor: bad port')],
    [
      'an AnalysisError with several fields',
      new AnalysisError('change_invalid', 'two changes', undefined, [
        { name: 'changes.0', reason: 'r0' },
        { name: 'changes.1', reason: 'r1' },
      ]),
      usage('vpce-doctor: two changes', '  changes.0: r0', '  changes.1: r1'),
    ],
    ['a ChangesFileError with one problem', new ChangesFileError('not JSON', [{ name: 'changes', reason: 'x' }]), usage('vpce-doctor: not JSON')],
    [
      'a ChangesFileError with several',
      new ChangesFileError('bad', [
        { name: 'changes.0', reason: 'a' },
        { name: 'changes.1', reason: 'b' },
      ]),
      usage('vpce-doctor: bad', '  changes.0: a', '  changes.1: b'),
    ],
    ['a SourceUnavailableError', new SourceUnavailableError('AWS cannot be loaded: x'), usage('vpce-doctor: AWS cannot be loaded: x')],
    [
      'a SourceUnavailableError of a malformed snapshot',
      new SourceUnavailableError('snapshot cannot be loaded: …', { cause: new SnapshotFormatError('ec2/DescribeSubnets.json', '$', 'not JSON') }),
      usage('vpce-doctor: ec2/DescribeSubnets.json: $: not JSON'),
    ],
    [
      'a SourceUnavailableError of an unreadable snapshot',
      new SourceUnavailableError('…', { cause: new SnapshotReadError('/x cannot be read') }),
      usage('vpce-doctor: /x cannot be read'),
    ],
    ['a SnapshotWriteError', new SnapshotWriteError('/out is not empty'), usage('vpce-doctor: /out is not empty')],
    ['an AwsCredentialsError', new AwsCredentialsError('no credentials', { cause: undefined }), usage('vpce-doctor: no credentials')],
    ['an EndpointsUnavailableError', new EndpointsUnavailableError('denied'), usage('vpce-doctor: the VPC endpoints cannot be listed: denied')],
    ['a CommanderError', new CommanderError(1, 'commander.unknownOption', 'unknown option'), { exit: EXIT_USAGE, stderr: [] }],
    ['--help', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), { exit: EXIT_OK, stderr: [] }],
    ['a ProblemError (rethrown)', new ProblemError('unauthorized', 'x'), undefined],
    ['a ProbeRefusedError (rethrown)', new ProbeRefusedError('x', 'target'), undefined],
    ['an Error of no kind (rethrown)', new TypeError('x'), undefined],
  ];
  for (const [what, error, expected] of cases) {
    it(`handles ${what}`, () => assert.deepEqual(cliOutcomeOf(error), expected));
  }
});
