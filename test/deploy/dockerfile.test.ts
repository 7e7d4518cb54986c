import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeLoopbackPort } from '../support/net.js';

/**
 * The image without Docker. No Docker engine runs here, so this file reads the Dockerfile,
 * checks what the image must be (multi-stage, pinned slim Node base of .nvmrc, production
 * dependencies only, non-root numeric USER, HEALTHCHECK on /healthz with node, EXPOSE,
 * STOPSIGNAL, CMD), lints it, and then replays it on this machine:
 *
 *   - the build context is the repository's tracked files (`git ls-files`: what CI's clean
 *     clone has) less what .dockerignore leaves out;
 *   - each stage gets its own root directory; WORKDIR, ENV, COPY (from the context or
 *     `--from` an earlier stage) and RUN are applied in order, RUN in the stage's WORKDIR
 *     with the stage's ENV. Only RUN commands this file knows are run (see REPLAYED), so a
 *     new one fails here by name until it is taught;
 *   - the final stage's CMD is started with PORT on a free 127.0.0.1 port and HOST=127.0.0.1,
 *     /readyz must say 200 and /v1/endpoints must list the example's endpoint (the embedded
 *     default), the HEALTHCHECK command must exit 0 against it (and 1 with nothing
 *     listening), the STOPSIGNAL must stop it with exit 0, and nothing under the image's
 *     WORKDIR may have been written (read-only root file system; /tmp is a fresh directory).
 *
 * What it cannot check without Docker: the base image itself (its Node version, user 1000,
 * glibc), file ownership and the USER switch (the process runs as whoever runs the tests),
 * a truly read-only root (only writes under WORKDIR are caught, not elsewhere), the
 * layer cache, and the image size.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const HOST = '127.0.0.1';
const EXAMPLE_ENDPOINT = 'vpce-068e9dcc184a273ab';
const REPLAY_TIMEOUT = 300_000;

// --- A Dockerfile parser for what this Dockerfile uses -----------------------------------

interface Instruction {
  readonly keyword: string;
  /** The arguments, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

interface Stage {
  readonly name: string;
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

/**
 * The instructions as dockerfile-ast (the Dockerfile language server's parser) reads them,
 * each with its whole text after the keyword: flags kept, continuation lines joined,
 * comments inside them dropped.
 */
function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const instructions = DockerfileParser.parse(text)
    .getInstructions()
    .map((instruction) => {
      const { start, end } = instruction.getRange();
      const parts = lines.slice(start.line, end.line + 1);
      parts[parts.length - 1] = parts.at(-1)!.slice(0, end.character);
      parts[0] = parts[0]!.slice(start.character);
      const joined = parts
        .filter((part, index) => index === 0 || !part.trim().startsWith('#'))
        .map((part) => part.trim().replace(/\\$/, '').trimEnd())
        .join(' ');
      const keyword = instruction.getKeyword().toUpperCase();
      return { keyword, args: joined.slice(instruction.getInstruction().length).trim(), line: start.line + 1 };
    });
  for (const instruction of instructions) {
    assert.ok(!/<<-?["']?\w/.test(instruction.args), `line ${instruction.line}: heredocs are not replayed by this test`);
  }
  return instructions;
}

function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const stages: { name: string; image: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      assert.ok(match, `line ${instruction.line}: FROM ${instruction.args} is not understood`);
      stages.push({ image: match[1]!, name: match[2] ?? String(stages.length), instructions: [] });
    } else {
      assert.ok(stages.length > 0 || instruction.keyword === 'ARG', `line ${instruction.line}: ${instruction.keyword} before FROM`);
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `--from=build --chown=1:1 a b ./` -> flags and words. */
function flagsAndWords(args: string): { flags: Map<string, string>; words: string[] } {
  const flags = new Map<string, string>();
  const words = args.split(/\s+/).filter(Boolean);
  while (words[0]?.startsWith('--')) {
    const [name, value = ''] = words.shift()!.slice(2).split(/=(.*)/s);
    flags.set(name!, value);
  }
  return { flags, words };
}

function execForm(args: string, line: number): string[] {
  assert.ok(args.startsWith('['), `line ${line}: use the exec (JSON array) form`);
  const parsed: unknown = JSON.parse(args);
  assert.ok(Array.isArray(parsed) && parsed.every((item) => typeof item === 'string'), `line ${line}: not a JSON array of strings`);
  return parsed as string[];
}

/** `ENV A=1 B="two"` (and the legacy `ENV A 1`). */
function envPairs(args: string, line: number): [string, string][] {
  assert.ok(!args.includes('$'), `line ${line}: variable substitution in ENV is not replayed`);
  const words = args.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  if (words.length >= 1 && !words[0]!.includes('=')) return [[words[0]!, words.slice(1).join(' ')]];
  return words.map((word) => {
    const [key, value = ''] = word.split(/=(.*)/s);
    return [key!, value.replace(/^"(.*)"$/s, '$1')];
  });
}

function only(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

function last(stage: Stage, keyword: string): Instruction | undefined {
  return only(stage, keyword).at(-1);
}

// --- .dockerignore --------------------------------------------------------------------------

interface IgnoreRule {
  readonly regex: RegExp;
  readonly exclude: boolean;
}

/** Docker's rules: patterns in order, the last that matches a path or one of its parents wins. */
function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const pattern = posix.normalize((exclude ? line : line.slice(1)).trim()).replace(/^\/+|\/+$/g, '');
      assert.ok(!/[[\]\\]/.test(pattern), `.dockerignore: character classes and escapes are not replayed (${line})`);
      const source = pattern
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { regex: new RegExp(`^${source}$`), exclude };
    });
}

function ignored(rules: readonly IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let result = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) result = rule.exclude;
  }
  return result;
}

// --- The replay -------------------------------------------------------------------------------

/** The RUN commands this test knows, each run as written or skipped for the reason given. */
const REPLAYED: readonly { readonly pattern: RegExp; readonly skip?: string }[] = [
  { pattern: /^npm ci(?: --[a-z-]+(?:=[a-z,]+)?)*$/ },
  { pattern: /^npm run [\w:-]+$/ },
  { pattern: /^npm cache clean --force$/, skip: 'it would empty the npm cache this machine shares; only the image size depends on it' },
];

interface StageResult {
  readonly rootfs: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Replay {
  readonly dir: string;
  readonly stages: Map<string, StageResult>;
  readonly final: Stage;
  readonly finalResult: StageResult;
  readonly timings: Record<string, number>;
  readonly skipped: string[];
}

/** The tracked files (what a clean clone has) that exist in the work tree, minus .dockerignore. */
function buildContext(): string[] {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(listed.status, 0, `git ls-files failed: ${listed.stderr}`);
  const rules = parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  return listed.stdout
    .split('\0')
    .filter(Boolean)
    .filter((path) => existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isFile())
    .filter((path) => !ignored(rules, path));
}

/** The environment a RUN gets: the stage's ENV over a clean one that keeps this machine's npm set-up. */
function runEnv(stageEnv: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  // The machine's npm configuration (~/.npmrc, the cache) stays: HOME from the stage's ENV is not applied to RUN here.
  for (const key of ['HOME', 'TMPDIR', 'npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig']) {
    if (process.env[key]) env[key] = process.env[key];
  }
  const { HOME: _home, ...rest } = stageEnv;
  return { ...env, ...rest, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

function hostPath(rootfs: string, workdir: string, containerPath: string): string {
  const absolute = posix.resolve(workdir, containerPath);
  return join(rootfs, absolute);
}

function replayCopy(instruction: Instruction, context: readonly string[], target: StageResult, stages: Map<string, StageResult>): void {
  const { flags, words } = flagsAndWords(instruction.args);
  for (const flag of flags.keys()) assert.ok(['from', 'chown', 'chmod', 'link'].includes(flag), `line ${instruction.line}: COPY --${flag} is not replayed`);
  assert.ok(words.length >= 2, `line ${instruction.line}: COPY needs a source and a destination`);
  const destination = words.at(-1)!;
  const sources = words.slice(0, -1);
  const intoDirectory = destination.endsWith('/') || sources.length > 1;
  const destinationPath = hostPath(target.rootfs, target.workdir, destination);
  for (const source of sources) {
    assert.ok(!/[*?[]/.test(source) && !source.includes('$'), `line ${instruction.line}: wildcards and variables in COPY sources are not replayed`);
    const from = flags.get('from');
    if (from !== undefined) {
      const stage = stages.get(from);
      assert.ok(stage, `line ${instruction.line}: COPY --from=${from} names no earlier stage`);
      const sourcePath = hostPath(stage.rootfs, stage.workdir, source);
      assert.ok(existsSync(sourcePath), `line ${instruction.line}: ${source} does not exist in stage ${from}`);
      const isDirectory = statSync(sourcePath).isDirectory();
      const to = isDirectory || !intoDirectory ? destinationPath : join(destinationPath, posix.basename(source));
      cpSync(sourcePath, to, { recursive: true });
      continue;
    }
    const normalized = posix.normalize(source).replace(/^\.\/|\/$/g, '');
    const files = normalized === '.' ? [...context] : context.filter((path) => path === normalized || path.startsWith(`${normalized}/`));
    assert.ok(files.length > 0, `line ${instruction.line}: ${source} is not in the build context (untracked, or left out by .dockerignore)`);
    for (const file of files) {
      const isTheSource = file === normalized;
      const to = isTheSource
        ? intoDirectory
          ? join(destinationPath, posix.basename(file))
          : destinationPath
        : join(destinationPath, normalized === '.' ? file : file.slice(normalized.length + 1));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(ROOT, file), to);
    }
  }
}

function replayRun(instruction: Instruction, stage: StageResult, skipped: string[], timings: Record<string, number>): void {
  assert.ok(!instruction.args.startsWith('['), `line ${instruction.line}: RUN in exec form is not replayed`);
  assert.ok(!/[;|<>`$]/.test(instruction.args.replace(/&&/g, '')), `line ${instruction.line}: only commands joined by && are replayed`);
  for (const command of instruction.args.split('&&').map((part) => part.trim().replace(/\s+/g, ' '))) {
    const known = REPLAYED.find((entry) => entry.pattern.test(command));
    assert.ok(known, `line ${instruction.line}: RUN ${command}: this test does not know how to replay it; add it to REPLAYED`);
    if (known.skip) {
      skipped.push(`${command} (${known.skip})`);
      continue;
    }
    const [program, ...args] = command.split(' ');
    const cwd = hostPath(stage.rootfs, stage.workdir, '.');
    const started = performance.now();
    const result = spawnSync(program!, args, { cwd, env: runEnv(stage.env), encoding: 'utf8', timeout: 240_000 });
    timings[command] = Math.round(performance.now() - started);
    assert.equal(
      result.status,
      0,
      `line ${instruction.line}: ${command} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

function replayDockerfile(stages: readonly Stage[], dir: string): Replay {
  const timings: Record<string, number> = {};
  let started = performance.now();
  const context = buildContext();
  timings['build context'] = Math.round(performance.now() - started);
  const results = new Map<string, StageResult>();
  const skipped: string[] = [];
  let finalResult: StageResult | undefined;
  for (const [index, stage] of stages.entries()) {
    const rootfs = join(dir, `stage-${index}-${stage.name}`);
    mkdirSync(rootfs, { recursive: true });
    let state: StageResult = { rootfs, workdir: '/', env: {} };
    started = performance.now();
    for (const instruction of stage.instructions) {
      switch (instruction.keyword) {
        case 'WORKDIR':
          assert.ok(!instruction.args.includes('$'), `line ${instruction.line}: variables in WORKDIR are not replayed`);
          state = { ...state, workdir: posix.resolve(state.workdir, instruction.args) };
          mkdirSync(hostPath(rootfs, state.workdir, '.'), { recursive: true });
          break;
        case 'ENV':
          state = { ...state, env: { ...state.env, ...Object.fromEntries(envPairs(instruction.args, instruction.line)) } };
          break;
        case 'COPY':
          replayCopy(instruction, context, state, results);
          break;
        case 'RUN':
          replayRun(instruction, state, skipped, timings);
          break;
        case 'ADD':
          assert.fail(`line ${instruction.line}: use COPY, not ADD`);
          break;
        default:
          // USER, EXPOSE, STOPSIGNAL, HEALTHCHECK, CMD, LABEL, ARG: checked or used below.
          break;
      }
    }
    timings[`stage ${stage.name}`] = Math.round(performance.now() - started);
    results.set(stage.name, state);
    results.set(String(index), state);
    finalResult = state;
  }
  return { dir, stages: results, final: stages.at(-1)!, finalResult: finalResult!, timings, skipped };
}

// --- The started image ------------------------------------------------------------------------

const freePort = () => freeLoopbackPort(HOST);

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: HOST, port, path, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
    request.on('error', reject);
  });
}

/** Every file under dir with its size and modification time: what a read-only root would have refused to change. */
function fileState(dir: string): Map<string, string> {
  const state = new Map<string, string>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      const stats = statSync(full);
      state.set(relative(dir, full), entry.isDirectory() ? 'dir' : `${stats.size}:${stats.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return state;
}

function runNodeCommand(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  assert.equal(argv[0], 'node', `the command must run node itself: ${argv.join(' ')}`);
  const child = spawn(process.execPath, argv.slice(1), { cwd, env, stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    return code as number | null;
  });
}

// --- The tests ----------------------------------------------------------------------------------

const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfileText);
const stages = stagesOf(instructions);
const final = stages.at(-1)!;

describe('Dockerfile: what the image must be', () => {
  it('is multi-stage: a named build stage, and a runtime stage that takes only dist/ from it', () => {
    assert.ok(stages.length >= 2, 'at least a build and a runtime stage');
    const build = stages[0]!;
    assert.notEqual(build.name, '0', 'the build stage is named (FROM … AS build)');
    const fromBuild = only(final, 'COPY').filter((copy) => flagsAndWords(copy.args).flags.get('from') === build.name);
    assert.deepEqual(
      fromBuild.map((copy) => flagsAndWords(copy.args).words[0]),
      ['/app/dist'],
      'the runtime stage takes the compiled dist/ from the build stage, nothing else (no dev node_modules)',
    );
  });

  it('builds on a small base of the Node of .nvmrc, pinned by its full version tag, satisfying engines.node', () => {
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const major = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
    const minimum = /^>=(\d+)\.(\d+)/.exec(engines);
    assert.ok(minimum, `engines.node is ${engines}`);
    for (const stage of stages) {
      const match = /^node:(\d+)\.(\d+)\.(\d+)-(?:(?:bookworm|bullseye|trixie)-slim|slim|alpine(?:\d+\.\d+)?)(?:@sha256:[0-9a-f]{64})?$/.exec(stage.image);
      assert.ok(match, `stage ${stage.name}: ${stage.image} is not node:<major.minor.patch>-slim or -alpine`);
      assert.equal(match[1], major, `stage ${stage.name}: Node ${major}, as .nvmrc says`);
      assert.ok(
        Number(match[1]) > Number(minimum[1]) || Number(match[2]) >= Number(minimum[2]),
        `stage ${stage.name}: Node ${match[1]}.${match[2]} is older than engines.node ${engines}`,
      );
    }
    assert.ok(new Set(stages.map((stage) => stage.image)).size === 1, 'build and runtime on the same base: dist/ is compiled for the Node that runs it');
  });

  it('installs dev dependencies and builds in the build stage, production dependencies only in the runtime stage', () => {
    const buildRuns = only(stages[0]!, 'RUN').map((run) => run.args);
    const ci = buildRuns.findIndex((run) => /^npm ci\b/.test(run));
    const build = buildRuns.findIndex((run) => /\bnpm run build\b/.test(run));
    assert.ok(ci >= 0 && !/--omit=dev/.test(buildRuns[ci]!), 'the build stage runs npm ci with the dev dependencies');
    assert.ok(build > ci, 'then npm run build');
    const runtimeRuns = only(final, 'RUN').map((run) => run.args);
    assert.equal(runtimeRuns.length, 1, 'the runtime stage runs one command: the production install');
    assert.match(runtimeRuns[0]!, /^npm ci (?=.*--omit=dev)(?=.*--ignore-scripts)/, 'npm ci --omit=dev --ignore-scripts');
  });

  it('copies package files, dist/, bin/ and examples/ (the embedded default snapshot) into the runtime stage', () => {
    const copied = only(final, 'COPY').flatMap((copy) =>
      flagsAndWords(copy.args)
        .words.slice(0, -1)
        .map((source) => posix.basename(source)),
    );
    for (const needed of ['package.json', 'package-lock.json', 'dist', 'bin', 'examples']) assert.ok(copied.includes(needed), `${needed} is copied`);
    const workdir = last(final, 'WORKDIR')?.args;
    assert.equal(workdir, '/app');
  });

  it('runs as a numeric non-root user, production mode, port 8080, SIGTERM, node dist/server.js', () => {
    const user = last(final, 'USER');
    assert.ok(user, 'the runtime stage sets USER');
    assert.match(user.args, /^[1-9]\d*(?::[1-9]\d*)?$/, 'a numeric non-root uid (Kubernetes can only verify runAsNonRoot for numeric users)');
    const lastRun = Math.max(...final.instructions.map((instruction, index) => (instruction.keyword === 'RUN' ? index : -1)));
    assert.ok(final.instructions.indexOf(user) > lastRun, 'USER comes after the last RUN, so it is what the container runs as');
    const env = Object.fromEntries(only(final, 'ENV').flatMap((instruction) => envPairs(instruction.args, instruction.line)));
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.HOME, '/tmp', 'HOME is the only writable place, /tmp');
    assert.deepEqual(
      only(final, 'EXPOSE').map((expose) => expose.args),
      ['8080'],
    );
    assert.equal(env.PORT ?? '8080', '8080', 'the service listens where EXPOSE says');
    assert.equal(last(final, 'STOPSIGNAL')?.args, 'SIGTERM');
    const cmd = last(final, 'CMD')!;
    assert.deepEqual(execForm(cmd.args, cmd.line), ['node', 'dist/server.js'], 'exec form: node is PID 1 and gets SIGTERM itself');
    assert.equal(only(final, 'ENTRYPOINT').length, 0);
  });

  it('has a HEALTHCHECK on /healthz that runs node itself (no curl or wget in the slim image)', () => {
    const healthcheck = last(final, 'HEALTHCHECK');
    assert.ok(healthcheck, 'HEALTHCHECK is set');
    const at = healthcheck.args.indexOf('CMD ');
    assert.ok(at > 0, 'HEALTHCHECK [options] CMD […]');
    for (const option of healthcheck.args.slice(0, at).trim().split(/\s+/)) assert.match(option, /^--(interval|timeout|retries|start-period)=\w+$/);
    const command = execForm(healthcheck.args.slice(at + 4).trim(), healthcheck.line);
    assert.equal(command[0], 'node');
    assert.ok(command.join(' ').includes("'/healthz'"), 'it asks /healthz');
    assert.ok(!/\b(curl|wget)\b/.test(command.join(' ')));
  });

  it('keeps the build context to an allow-list: no node_modules, dist, .git, env files or snapshots of real accounts', () => {
    const rules = parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    for (const path of [
      'node_modules/x/index.js',
      'dist/server.js',
      '.git/config',
      '.env',
      'snap/ec2/DescribeSubnets.json',
      'test/config.test.ts',
      'helm/vpce-doctor/values.yaml',
      'Dockerfile',
    ]) {
      assert.ok(ignored(rules, path), `${path} stays out of the build context`);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src/server.ts',
      'bin/vpce-doctor.js',
      'examples/healthy-aws-service/ec2/DescribeVpcEndpoints.json',
    ]) {
      assert.ok(!ignored(rules, path), `${path} is in the build context`);
    }
  });

  it("passes dockerfile-utils (the Dockerfile language server's validator): no error, no warning", () => {
    const diagnostics = validate(dockerfileText).map((diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
    assert.deepEqual(diagnostics, []);
  });

  it('the linter fails on a diagnostic and names its line (npm run lint:dockerfile)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpce-doctor-dockerfile-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM node:24.21.0-bookworm-slim\nMAINTAINER someone\n');
      const run = spawnSync(process.execPath, [join(ROOT, 'scripts/lint-dockerfile.mjs'), join(dir, 'Dockerfile')], { encoding: 'utf8' });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /Dockerfile:2:1: warning: MAINTAINER has been deprecated/);
      const clean = spawnSync(process.execPath, [join(ROOT, 'scripts/lint-dockerfile.mjs'), join(ROOT, 'Dockerfile')], { encoding: 'utf8' });
      assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile replayed on a clean copy of the repository', { timeout: REPLAY_TIMEOUT }, () => {
  let replay: Replay;
  let server: ChildProcess | undefined;
  let dir: string | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vpce-doctor-image-'));
    const started = performance.now();
    replay = replayDockerfile(stages, dir);
    console.log(`replayed in ${Math.round(performance.now() - started)} ms`);
  });

  after(() => {
    server?.kill('SIGKILL');
    if (!dir) return;
    const removing = dir;
    // Two node_modules trees: removing them can take half a minute on a busy disk, and
    // nothing here depends on it, so rm(1) does it in the background.
    const remover = spawn('rm', ['-rf', removing], { detached: true, stdio: 'ignore' });
    remover.on('error', () => rmSync(removing, { recursive: true, force: true }));
    remover.unref();
  });

  it('leaves the runtime image with production dependencies only and no sources', () => {
    const app = hostPath(replay.finalResult.rootfs, replay.finalResult.workdir, '.');
    assert.deepEqual(readdirSync(app).sort(), ['bin', 'dist', 'examples', 'node_modules', 'package-lock.json', 'package.json']);
    // The lock marks what only the dev dependencies need (`dev: true`); none of it may be installed.
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev);
    assert.ok(devOnly.length > 0, 'the lock has dev-only packages');
    const installedDev = devOnly.filter(([path]) => existsSync(join(app, path))).map(([path]) => path);
    assert.deepEqual(installedDev, [], 'no dev-only package is in the runtime image');
    const { dependencies } = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(dependencies)) assert.ok(existsSync(join(app, 'node_modules', name, 'package.json')), `dependency ${name} is installed`);
    assert.ok(existsSync(join(app, 'dist', 'server.js')), 'dist/server.js was built');
    assert.ok(!readdirSync(join(app, 'dist'), { recursive: true }).some((path) => String(path).endsWith('.ts')), 'no TypeScript in dist/');
    console.log(`replay timings (ms): ${JSON.stringify(replay.timings)}; not run: ${replay.skipped.join('; ') || 'none'}`);
  });

  it('starts with CMD, serves the embedded example on /readyz and /v1/endpoints, passes its HEALTHCHECK, writes nothing outside /tmp, and stops on STOPSIGNAL with exit 0', async () => {
    const { rootfs, workdir, env } = replay.finalResult;
    const cwd = hostPath(rootfs, workdir, '.');
    const cmd = last(final, 'CMD')!;
    const argv = execForm(cmd.args, cmd.line);
    assert.equal(argv[0], 'node');
    const port = await freePort();
    // The container's /tmp (an emptyDir or --tmpfs): a fresh directory; HOME and TMPDIR point there.
    const tmp = join(replay.dir, 'tmpfs');
    mkdirSync(tmp);
    const containerEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...env,
      ...(env.HOME === '/tmp' ? { HOME: tmp } : {}),
      TMPDIR: tmp,
      PORT: String(port),
      HOST,
    };
    const before = fileState(cwd);
    const started = performance.now();
    let output = '';
    server = spawn(process.execPath, argv.slice(1), { cwd, env: containerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(server, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    let ready: { status: number; body: string } | undefined;
    for (let attempt = 0; attempt < 100 && server.exitCode === null; attempt++) {
      ready = await get(port, '/readyz').catch(() => undefined);
      if (ready?.status === 200) break;
      await sleep(100);
    }
    assert.equal(ready?.status, 200, `/readyz did not answer 200:\n${output}`);
    assert.match(ready.body, /examples\/healthy-aws-service/, 'the embedded default snapshot is served');
    const readyMs = Math.round(performance.now() - started);

    const endpoints = await get(port, '/v1/endpoints');
    assert.equal(endpoints.status, 200);
    const ids = (JSON.parse(endpoints.body) as { items: { id: string }[] }).items.map((item) => item.id);
    assert.ok(ids.includes(EXAMPLE_ENDPOINT), `the example's endpoint is listed: ${ids.join(', ')}`);

    const healthcheck = last(final, 'HEALTHCHECK')!;
    const check = execForm(healthcheck.args.slice(healthcheck.args.indexOf('CMD ') + 4).trim(), healthcheck.line);
    assert.equal(await runNodeCommand(check, cwd, containerEnv), 0, 'HEALTHCHECK passes against the running service');
    const closedPort = await freePort();
    assert.equal(await runNodeCommand(check, cwd, { ...containerEnv, PORT: String(closedPort) }), 1, 'HEALTHCHECK fails with nothing listening');

    const signal = last(final, 'STOPSIGNAL')!.args as NodeJS.Signals;
    server.kill(signal);
    const [code] = await Promise.race([exited, sleep(15_000).then(() => [undefined, undefined] as const)]);
    assert.equal(code, 0, `${signal} stops it with exit 0:\n${output}`);
    server = undefined;

    const afterStop = fileState(cwd);
    const changed = [...new Set([...before.keys(), ...afterStop.keys()])].filter((path) => before.get(path) !== afterStop.get(path));
    assert.deepEqual(changed, [], `nothing under ${workdir} is written at run time (read-only root file system)`);
    console.log(`image replay: ready in ${readyMs} ms; files written to /tmp: ${readdirSync(tmp).length}`);
  });
});
