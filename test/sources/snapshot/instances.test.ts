import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../../src/core/analyze.js';
import { COLLECTIONS } from '../../../src/core/collections.js';
import { primaryInterfaceOfInstance } from '../../../src/core/path.js';
import { toAwsResponses } from '../../../src/sources/aws/responses.js';
import { modelFromAwsResponses } from '../../../src/sources/normalize/model.js';
import { EXAMPLES_DIR, exampleRequest } from '../aws/examples.js';
import { regionFromSnapshot } from '../aws/fake-aws.js';

/**
 * Why the live source does not call DescribeInstances (the collections table's `notLive`):
 * wherever the interface listing is whole, as the live source always reads it, every
 * instance's primary interface (a client given by instance id, an NLB instance target) is
 * known from its interfaces' attachments, and no answer changes without the instances. A
 * snapshot may still hold them, for a capture whose interface listing lacks some
 * (test/core/incomplete-capture.test.ts).
 */

function snapshotsWithInstances(dir: string): string[] {
  if (existsSync(join(dir, COLLECTIONS.instances.path))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => snapshotsWithInstances(join(dir, entry.name)));
}

const SNAPSHOTS = snapshotsWithInstances(EXAMPLES_DIR);

describe('instances, beside a whole interface listing', () => {
  it('are in bundled examples to compare with', () => {
    assert.ok(SNAPSHOTS.length > 10, `found ${SNAPSHOTS.length}`);
  });

  for (const dir of SNAPSHOTS) {
    const name = relative(EXAMPLES_DIR, dir);
    it(`${name}: add no primary interface and change no answer`, async () => {
      const data = await regionFromSnapshot(dir);
      const source = { kind: 'snapshot', location: name } as const;
      const withInstances = modelFromAwsResponses(toAwsResponses(data), source);
      const { instances: _instances, ...rest } = data;
      const withoutInstances = modelFromAwsResponses(toAwsResponses(rest), source);
      assert.ok(withInstances.instances.size > 0);
      for (const id of withInstances.instances.keys()) {
        const primary = primaryInterfaceOfInstance(withInstances, id);
        assert.ok(primary, `${id} has a primary interface`);
        assert.equal(primaryInterfaceOfInstance(withoutInstances, id)?.id, primary.id, `${id}: its interface listing names it too`);
      }
      if (existsSync(join(dir, 'scenario.json'))) {
        const request = await exampleRequest(relative(EXAMPLES_DIR, dir));
        assert.deepEqual(analyze(withoutInstances, request), analyze(withInstances, request));
      }
    });
  }
});
