import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze } from '../../../src/core/analyze.js';
import { awsSource } from '../../../src/sources/aws/index.js';
import { readSnapshot } from '../../../src/sources/snapshot/read.js';
import { snapshotFiles, SnapshotWriteError, writeSnapshot } from '../../../src/sources/snapshot/write.js';
import { EXAMPLE_NAMES, exampleDir, exampleRequest, withoutSource } from '../aws/examples.js';
import { regionFromSnapshot } from '../aws/fake-aws.js';
import { isolateFromAws, mockedRegion, REGION } from '../aws/support.js';

/** The export of a live collection: the snapshot layout readSnapshot reads, replaying the same analysis. */

isolateFromAws();

let root: string;
let next = 0;
const freshDir = () => join(root, `snapshot-${next++}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vpce-doctor-export-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function liveCollection(name: string) {
  const mocked = mockedRegion(await regionFromSnapshot(exampleDir(name)), { pageLimit: 3 });
  const live = awsSource({ region: REGION, clients: mocked.clients });
  return { mocked, live, model: await live.load() };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('writeSnapshot: live -> export -> readSnapshot -> analyze', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: the replayed analysis is the live one`, async () => {
      const { live, model } = await liveCollection(name);
      const dir = freshDir();
      await writeSnapshot(dir, live.lastResponses()!);
      const replayed = await readSnapshot(dir);
      const request = await exampleRequest(name);
      const [liveReport, replayedReport] = [analyze(model, request), analyze(replayed, request)];
      assert.deepEqual(withoutSource(replayedReport), withoutSource(liveReport));
      assert.equal(liveReport.source.kind, 'aws');
      assert.deepEqual(replayedReport.source, { kind: 'snapshot', location: dir });
      assert.deepEqual([...replayed.captured].sort(), [...model.captured].sort());
    });
  }
});

describe('writeSnapshot', () => {
  it('writes each response as the AWS CLI prints it, in the files readSnapshot reads, and returns their paths', async () => {
    const { live } = await liveCollection('provider-healthy');
    const dir = freshDir();
    const written = await writeSnapshot(dir, live.lastResponses()!);
    assert.deepEqual(written, [
      'ec2/DescribeVpcEndpoints.json',
      'ec2/DescribeNetworkInterfaces.json',
      'ec2/DescribeSubnets.json',
      'ec2/DescribeNetworkAcls.json',
      'ec2/DescribeSecurityGroups.json',
      'ec2/DescribeVpcEndpointServiceConfigurations.json',
      'elbv2/DescribeLoadBalancers.json',
      'elbv2/DescribeLoadBalancerAttributes/inventory-api-nlb.json',
      'elbv2/DescribeListeners/inventory-api-nlb.json',
      'elbv2/DescribeTargetGroups.json',
      'elbv2/DescribeTargetHealth/inventory-api-8443.json',
    ]);
    assert.deepEqual(await filesUnder(dir), [...written].sort());
    const text = await readFile(join(dir, 'ec2/DescribeSubnets.json'), 'utf8');
    assert.ok(text.startsWith('{\n    "Subnets": [\n        {\n'), 'four-space indentation');
    assert.ok(text.endsWith('}\n'));
    const original = JSON.parse(await readFile(join(exampleDir('provider-healthy'), 'elbv2/DescribeTargetHealth/inventory-api-8443.json'), 'utf8'));
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'elbv2/DescribeTargetHealth/inventory-api-8443.json'), 'utf8')), original);
  });

  it('writes prefix list entries per list', async () => {
    const { live } = await liveCollection('healthy-aws-service');
    const dir = freshDir();
    const written = await writeSnapshot(dir, live.lastResponses()!);
    assert.ok(written.includes('ec2/DescribeManagedPrefixLists.json'));
    assert.ok(written.includes('ec2/GetManagedPrefixListEntries/pl-053eb48a519367a56.json'));
  });

  it('leaves out what was not fetched, which reads back as not captured', async () => {
    const mocked = mockedRegion(await regionFromSnapshot(exampleDir('provider-healthy')));
    mocked.region.deny('ec2', 'DescribeNetworkAcls');
    const live = awsSource({ region: REGION, clients: mocked.clients });
    await live.load();
    const dir = freshDir();
    const written = await writeSnapshot(dir, live.lastResponses()!);
    assert.ok(!written.includes('ec2/DescribeNetworkAcls.json'));
    const replayed = await readSnapshot(dir);
    assert.ok(!replayed.captured.has('networkAcls'));
    const report = analyze(replayed, await exampleRequest('provider-healthy'));
    const nacl = report.checks.find((check) => check.id === 'endpoint.nacl.inbound');
    assert.equal(nacl?.status, 'unknown');
    assert.match(nacl!.summary, /network ACLs were not captured \(ec2:DescribeNetworkAcls\)/);
  });

  it('creates the directory, and writes nothing for nothing fetched', async () => {
    const dir = join(freshDir(), 'nested');
    assert.deepEqual(await writeSnapshot(dir, {}), []);
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses a directory that already holds files: they would be read back as part of this capture', async () => {
    const dir = freshDir();
    await writeSnapshot(dir, { subnets: { Subnets: [] } });
    await assert.rejects(writeSnapshot(dir, { subnets: { Subnets: [] } }), (error: unknown) => {
      assert.ok(error instanceof SnapshotWriteError);
      assert.equal(error.message, `${dir} is not empty: write a snapshot into a new or empty directory`);
      return true;
    });
  });

  it('refuses a resource name that is no file name, before writing anything', async () => {
    const dir = freshDir();
    for (const name of ['../escape', 'a/b', '', '.hidden']) {
      await assert.rejects(writeSnapshot(dir, { subnets: { Subnets: [] }, targetHealth: { [name]: { TargetHealthDescriptions: [] } } }), (error: unknown) => {
        assert.ok(error instanceof SnapshotWriteError);
        assert.equal(error.message, `elbv2/DescribeTargetHealth: "${name}" cannot be a file name in a snapshot`);
        return true;
      });
    }
    await assert.rejects(readdir(dir), { code: 'ENOENT' });
  });

  it('reports a file it cannot write', async () => {
    const blocker = join(freshDir());
    await writeFile(blocker, 'not a directory');
    await assert.rejects(writeSnapshot(join(blocker, 'inner'), { subnets: { Subnets: [] } }), SnapshotWriteError);
  });

  it('lists the same files and documents for callers that bundle them another way', async () => {
    const { live } = await liveCollection('provider-healthy');
    const responses = live.lastResponses()!;
    const files = snapshotFiles(responses);
    const dir = freshDir();
    assert.deepEqual(
      await writeSnapshot(dir, responses),
      files.map((file) => file.path),
    );
    for (const file of files) assert.deepEqual(JSON.parse(await readFile(join(dir, file.path), 'utf8')), file.document);
  });
});
