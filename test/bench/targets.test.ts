import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';

/**
 * The performance targets' small run (`npm run bench:targets -- --small`): the same figures
 * as the full benchmark on a 100-endpoint snapshot, held to regression bounds, so that a
 * change that makes the engine or the CLI markedly slower or larger fails the build. The
 * full-size run with the real targets is `npm run bench:targets` (docs/benchmarks.md).
 */

const ROOT = new URL('../../', import.meta.url).pathname;

describe('the performance targets, small run', () => {
  it('stays within its regression bounds', { skip: existsSync(`${ROOT}dist/bin/vpce-doctor.js`) ? false : 'npm run build first', timeout: 300_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/targets.bench.ts', '--small'], { cwd: ROOT, encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`;
    assert.match(run.stdout, /^ok +report process \/ parse-only process/m, output);
    assert.equal(run.status, 0, output);
    assert.doesNotMatch(run.stdout, /MISSED/, output);
  });
});
