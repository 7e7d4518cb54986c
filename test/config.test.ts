import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configTable, ConfigError, defaultTextOf, loadConfig, VARIABLES, type AnyVariable } from '../src/config.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.source, 'snapshot');
    assert.match(config.snapshotDir, /examples\/healthy-aws-service$/);
    assert.deepEqual(config.apiTokens, []);
  });

  const invalid: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /PORT: expected an integer from 0 to 65535, got "abc"/],
    [{ PORT: '70000' }, /PORT: expected an integer from 0 to 65535, got "70000"/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"/],
    [{ VPCE_DOCTOR_SOURCE: 'gcp' }, /VPCE_DOCTOR_SOURCE: expected one of snapshot, aws, got "gcp"/],
    [{ VPCE_DOCTOR_CACHE_TTL_SECONDS: '0' }, /VPCE_DOCTOR_CACHE_TTL_SECONDS: expected an integer from 1 to 86400/],
    [{ VPCE_DOCTOR_API_TOKENS: 'short' }, /every token must be 16 characters or more/],
    [{ VPCE_DOCTOR_API_TOKENS_FILE: '/nonexistent/tokens' }, /VPCE_DOCTOR_API_TOKENS_FILE: cannot read \/nonexistent\/tokens/],
    [{ VPCE_DOCTOR_AWS_REGIONS: 'us-east-1,mars-1' }, /VPCE_DOCTOR_AWS_REGIONS: expected comma-separated AWS regions/],
    [{ VPCE_DOCTOR_AWS_ROLE_ARNS: 'arn:aws:iam::123456789012:role/a,reader' }, /VPCE_DOCTOR_AWS_ROLE_ARNS: expected comma-separated IAM role ARNs/],
    [
      { VPCE_DOCTOR_AWS_ROLE_ARNS: 'arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b' },
      /VPCE_DOCTOR_AWS_ROLE_ARNS: one role per account \(account 123456789012 has several/,
    ],
    [{ VPCE_DOCTOR_AWS_EXTERNAL_ID: 'x' }, /VPCE_DOCTOR_AWS_EXTERNAL_ID: expected 2 to 1224 characters/],
    [{ VPCE_DOCTOR_AWS_INCLUDE_BASE_ACCOUNT: 'yes' }, /VPCE_DOCTOR_AWS_INCLUDE_BASE_ACCOUNT: expected true or false, got "yes"/],
    [{ VPCE_DOCTOR_AWS_ORGANIZATION_ROLE_NAME: 'a role' }, /VPCE_DOCTOR_AWS_ORGANIZATION_ROLE_NAME: expected an IAM role name/],
    [{ VPCE_DOCTOR_AWS_UNIT_CONCURRENCY: '0' }, /VPCE_DOCTOR_AWS_UNIT_CONCURRENCY: expected an integer from 1 to 64/],
    [{ VPCE_DOCTOR_SOURCE: 'aws' }, /VPCE_DOCTOR_AWS_REGION: required with VPCE_DOCTOR_SOURCE=aws/],
  ];
  for (const [env, message] of invalid) {
    it(`refuses ${JSON.stringify(env)} with a message naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }

  it('reads the units of a live fleet: regions, roles (the single role among them), organization', () => {
    const config = loadConfig({
      VPCE_DOCTOR_SOURCE: 'aws',
      VPCE_DOCTOR_AWS_REGIONS: 'us-east-1, eu-west-1,us-east-1',
      VPCE_DOCTOR_AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/reader',
      VPCE_DOCTOR_AWS_ROLE_ARNS: 'arn:aws:iam::444455556666:role/reader,arn:aws:iam::111122223333:role/reader',
      VPCE_DOCTOR_AWS_ORGANIZATION_ROLE_NAME: 'vpce-doctor-reader',
      VPCE_DOCTOR_AWS_INCLUDE_BASE_ACCOUNT: 'true',
    });
    assert.deepEqual(config.awsRegions, ['us-east-1', 'eu-west-1']);
    assert.deepEqual(config.awsRoleArns, ['arn:aws:iam::111122223333:role/reader', 'arn:aws:iam::444455556666:role/reader']);
    assert.equal(config.awsOrganizationRoleName, 'vpce-doctor-reader');
    assert.equal(config.awsIncludeBaseAccount, true);
    assert.equal(config.awsUnitConcurrency, 8);
    assert.deepEqual(loadConfig({ VPCE_DOCTOR_SOURCE: 'aws', AWS_REGION: 'ap-south-1' }).awsRegions, ['ap-south-1']);
  });

  // Auth configured but yielding no token is a configuration error, never auth off; a token is never echoed.
  const tokenSettings: [Record<string, string>, string[]][] = [
    [{ VPCE_DOCTOR_API_TOKENS: ' , ' }, ['VPCE_DOCTOR_API_TOKENS: set but holds no token (unset it to turn auth off), got " , "']],
    [{ VPCE_DOCTOR_API_TOKENS: ',' }, ['VPCE_DOCTOR_API_TOKENS: set but holds no token (unset it to turn auth off), got ","']],
    [{ VPCE_DOCTOR_API_TOKENS: '' }, ['VPCE_DOCTOR_API_TOKENS: set but holds no token (unset it to turn auth off), got ""']],
    [{ VPCE_DOCTOR_API_TOKENS: 'token-0123456789 abcdef' }, ['VPCE_DOCTOR_API_TOKENS: a token contains whitespace, got 23 characters (not shown: a secret)']],
    [{ VPCE_DOCTOR_API_TOKENS_FILE: '' }, ['VPCE_DOCTOR_API_TOKENS_FILE: set but names no file (unset it to turn auth off), got ""']],
    [{ VPCE_DOCTOR_API_TOKENS_FILE: ' ' }, ['VPCE_DOCTOR_API_TOKENS_FILE: set but names no file (unset it to turn auth off), got " "']],
  ];
  for (const [env, problems] of tokenSettings) {
    it(`refuses ${JSON.stringify(env)}: auth set, no token`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.deepEqual(error.problems, problems);
          return true;
        },
      );
    });
  }

  it('reports every problem at once', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 2,
    );
  });

  it('reads tokens from the list and from a file, one per line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-config-'));
    try {
      const file = join(dir, 'tokens');
      await writeFile(file, 'file-token-0123456789abcdef\n\n  second-file-token-0123456789 \n');
      const config = loadConfig({ VPCE_DOCTOR_API_TOKENS: 'env-token-0123456789abcdef', VPCE_DOCTOR_API_TOKENS_FILE: file });
      assert.deepEqual(config.apiTokens, ['env-token-0123456789abcdef', 'file-token-0123456789abcdef', 'second-file-token-0123456789']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("takes the replicas' Redis: a redis:// or rediss:// URL (never echoed), a prefix, a password file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-config-'));
    try {
      const file = join(dir, 'password');
      await writeFile(file, 's3cret-redis-password\n');
      const config = loadConfig({
        VPCE_DOCTOR_REDIS_URL: 'rediss://redis.internal:6380/1',
        VPCE_DOCTOR_REDIS_PASSWORD_FILE: file,
        VPCE_DOCTOR_REDIS_PREFIX: 'team-a:',
      });
      assert.deepEqual([config.redisUrl, config.redisPassword, config.redisPrefix], ['rediss://redis.internal:6380/1', 's3cret-redis-password', 'team-a:']);
      const defaults = loadConfig({});
      assert.deepEqual([defaults.redisUrl, defaults.redisPassword, defaults.redisPrefix], [undefined, undefined, 'vpce-doctor:']);
      await writeFile(file, '\n');
      assert.throws(
        () =>
          loadConfig({ VPCE_DOCTOR_REDIS_URL: 'http://user:hunter2@redis:6379', VPCE_DOCTOR_REDIS_PASSWORD_FILE: file, VPCE_DOCTOR_REDIS_PREFIX: 'has space' }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.problems.length, 3);
          assert.match(error.problems.join('\n'), /VPCE_DOCTOR_REDIS_URL: expected redis:\/\/.*got \d+ characters \(not shown: a secret\)/);
          assert.ok(!error.message.includes('hunter2'), 'the password in the URL is not echoed');
          assert.match(error.problems.join('\n'), /VPCE_DOCTOR_REDIS_PASSWORD_FILE: .* holds no password/);
          assert.match(error.problems.join('\n'), /VPCE_DOCTOR_REDIS_PREFIX: expected 1 to 64 characters/);
          return true;
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // `problem` (with the file's path for <path>) or the tokens read.
  const tokenFiles: [string, string, { problem: string } | { tokens: string[] }][] = [
    [
      'an empty file (an empty Secret key)',
      '',
      { problem: 'VPCE_DOCTOR_API_TOKENS_FILE: <path> holds no token (an empty Secret key?): every line is blank or a # comment' },
    ],
    [
      'only blank lines',
      '\n  \n\r\n\t\n',
      { problem: 'VPCE_DOCTOR_API_TOKENS_FILE: <path> holds no token (an empty Secret key?): every line is blank or a # comment' },
    ],
    [
      'only comments',
      '# rotated 2026-11-01\n  # next: file-token-0123456789abcdef\n',
      { problem: 'VPCE_DOCTOR_API_TOKENS_FILE: <path> holds no token (an empty Secret key?): every line is blank or a # comment' },
    ],
    [
      'a token with a space on line 3',
      '# tokens\nfile-token-0123456789abcdef\nfile-token 0123456789abcdef\n',
      { problem: 'VPCE_DOCTOR_API_TOKENS_FILE: <path> line 3 holds a token with whitespace in it' },
    ],
    ['a token with a tab', 'file-token\t0123456789abcdef', { problem: 'VPCE_DOCTOR_API_TOKENS_FILE: <path> line 1 holds a token with whitespace in it' }],
    [
      'comments and blank lines around tokens',
      '# the runbook token\nfile-token-0123456789abcdef\n\n# the CI token\r\nci-token-0123456789abcdef\r\n',
      { tokens: ['file-token-0123456789abcdef', 'ci-token-0123456789abcdef'] },
    ],
    ['a UTF-8 BOM and no final newline', '\uFEFFfile-token-0123456789abcdef', { tokens: ['file-token-0123456789abcdef'] }],
  ];
  for (const [what, content, expected] of tokenFiles) {
    it(`reads a token file with ${what}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-config-'));
      try {
        const file = join(dir, 'tokens');
        await writeFile(file, content);
        if ('tokens' in expected) {
          assert.deepEqual(loadConfig({ VPCE_DOCTOR_API_TOKENS_FILE: file }).apiTokens, expected.tokens);
        } else {
          assert.throws(
            () => loadConfig({ VPCE_DOCTOR_API_TOKENS_FILE: file }),
            (error: unknown) => {
              assert.ok(error instanceof ConfigError);
              assert.deepEqual(error.problems, [expected.problem.replace('<path>', file)]);
              assert.ok(!error.message.includes('0123456789abcdef'), 'no token is echoed');
              return true;
            },
          );
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('is documented in the README: the table scripts/config-table.ts prints from VARIABLES', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(`${configTable()}\n`), 'README.md configuration table: run `node --import tsx scripts/config-table.ts` and paste it');
    for (const variable of Object.values(VARIABLES) as AnyVariable[]) {
      assert.ok(readme.includes(`| \`${variable.name}\` | ${defaultTextOf(variable)} | ${variable.description} |`), variable.name);
    }
  });

  it('takes every default from the table, and shows it from the same value', () => {
    const config = loadConfig({}) as unknown as Record<string, unknown>;
    // The rules after the table: tokens and the Redis password join files in, the regions follow the region.
    const derived = new Set(['awsRegion', 'awsRegions']);
    for (const [key, variable] of Object.entries(VARIABLES) as [string, AnyVariable][]) {
      if (variable.field === null || derived.has(key)) continue;
      const field = variable.field ?? key;
      if (variable.default === undefined) assert.ok(!(field in config), `${variable.name} unset leaves ${field} out`);
      else assert.deepEqual(config[field], variable.default, `${variable.name} unset gives ${field} its default`);
      if (variable.defaultText === undefined && variable.default !== undefined && !(Array.isArray(variable.default) && variable.default.length === 0)) {
        assert.ok(!('problem' in variable.parse(defaultTextOf(variable))), `${variable.name}'s shown default ${defaultTextOf(variable)} is a value it takes`);
      }
    }
    assert.equal(defaultTextOf(VARIABLES.port), '8080');
    assert.equal(defaultTextOf(VARIABLES.probes), 'off');
    assert.equal(defaultTextOf(VARIABLES.probePorts), '(none)');
    assert.equal(defaultTextOf(VARIABLES.snapshotDir), 'the bundled example');
  });

  it('turns probes on and off (VPCE_DOCTOR_PROBES), and a watch list needs them on', () => {
    assert.equal(loadConfig({}).probesEnabled, false);
    assert.equal(loadConfig({ VPCE_DOCTOR_PROBES: 'on' }).probesEnabled, true);
    assert.equal(loadConfig({ VPCE_DOCTOR_PROBES: 'off' }).probesEnabled, false);
    assert.throws(
      () => loadConfig({ VPCE_DOCTOR_PROBES: 'yes' }),
      (error: unknown) => error instanceof ConfigError && error.problems[0] === 'VPCE_DOCTOR_PROBES: expected one of on, off, got "yes"',
    );
    assert.throws(
      () => loadConfig({ VPCE_DOCTOR_WATCH_ENDPOINTS: 'vpce-068e9dcc184a273ab' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems[0] === 'VPCE_DOCTOR_WATCH_ENDPOINTS: the watch list probes, and probes are off (set VPCE_DOCTOR_PROBES=on)',
    );
    assert.deepEqual(loadConfig({ VPCE_DOCTOR_PROBES: 'on', VPCE_DOCTOR_WATCH_ENDPOINTS: 'vpce-068e9dcc184a273ab' }).watchEndpoints, [
      'vpce-068e9dcc184a273ab',
    ]);
  });

  it('reads the shutdown delay (VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: 0 to 300, default 5)', () => {
    assert.equal(loadConfig({}).shutdownDelaySeconds, 5);
    assert.equal(loadConfig({ VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: '0' }).shutdownDelaySeconds, 0);
    assert.throws(
      () => loadConfig({ VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: '301' }),
      /VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: expected an integer from 0 to 300, got "301"/,
    );
  });

  it('takes the region from AWS_REGION or AWS_DEFAULT_REGION when VPCE_DOCTOR_AWS_REGION is unset', () => {
    assert.equal(loadConfig({ AWS_DEFAULT_REGION: 'eu-west-1' }).awsRegion, 'eu-west-1');
    assert.deepEqual(loadConfig({ AWS_REGION: 'eu-west-1', VPCE_DOCTOR_AWS_REGION: 'us-east-2' }).awsRegions, ['us-east-2']);
    assert.deepEqual(loadConfig({ AWS_REGION: 'eu-west-1', VPCE_DOCTOR_AWS_REGIONS: 'us-east-1' }).awsRegions, ['us-east-1']);
    assert.deepEqual(loadConfig({}).awsRegions, []);
    assert.equal(loadConfig({}).awsRegion, undefined);
  });
});
