import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packagePath } from '../src/package-root.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('packagePath', () => {
  it('finds this package’s root from the sources', () => {
    assert.equal(`${packagePath()}/`, ROOT);
    assert.equal((JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { name: string }).name, 'vpce-doctor');
    assert.ok(existsSync(packagePath('examples', 'healthy-aws-service')));
  });

  it(
    'finds it from the bundled CLI too (dist/bin/, one level deeper than dist/cli/)',
    { skip: existsSync(`${ROOT}dist/bin/vpce-doctor.js`) ? false : 'npm run build first' },
    () => {
      const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
      const run = spawnSync(process.execPath, [`${ROOT}bin/vpce-doctor.js`, '--version'], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), manifest.version);
      // The bundled default snapshot (examples/) is found from dist/bin/ as well.
      const endpoints = spawnSync(process.execPath, [`${ROOT}bin/vpce-doctor.js`, 'endpoints', '--json'], { encoding: 'utf8' });
      assert.equal(endpoints.status, 0, endpoints.stderr);
    },
  );
});
