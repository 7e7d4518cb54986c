import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { COLLECTION_LIST, COLLECTIONS, commandLine, isLive, liveReadActions, PAGE_TOKENS, type CollectionSpec } from '../../src/core/collections.js';
import { createNetworkModel, whyMissing } from '../../src/core/model.js';
import type { AwsResponsesJson } from '../../src/sources/aws/responses.js';
import { layoutListing, LAYOUT_ENTRIES, SNAPSHOT_LAYOUT } from '../../src/sources/snapshot/layout.js';
import { readSnapshot } from '../../src/sources/snapshot/read.js';
import { snapshotFiles, writeSnapshot } from '../../src/sources/snapshot/write.js';
import { tempDirForSuite } from '../support/temp-dir.js';

/**
 * The collections table (src/core/collections.ts) is the one place a collection is written
 * down: the model's names, the SDK's calls and paginators, the README's list of files and
 * docs/iam-policy.json are held to it here (the reader, the writer, the live collector and
 * the AWS fake of the tests derive from it).
 */

const ROOT = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');
const POLICY = JSON.parse(readFileSync(new URL('docs/iam-policy.json', ROOT), 'utf8')) as { Statement: Array<{ Sid: string; Action: string[] }> };

type SdkModule = Record<string, unknown>;
const SDK: Readonly<Record<CollectionSpec['service'], { module: SdkModule; client: new (config: object) => { send: unknown; destroy(): void } }>> = {
  ec2: { module: ec2Sdk as SdkModule, client: ec2Sdk.EC2Client as never },
  elbv2: { module: elbv2Sdk as SdkModule, client: elbv2Sdk.ElasticLoadBalancingV2Client as never },
};

type Paginator = (config: { client: unknown; pageSize?: number }, input: Record<string, unknown>) => AsyncIterable<unknown>;

/** What the SDK's own paginator for a call sends: each page's input, answering one page with `token` and then none. */
async function paginatorInputs(entry: CollectionSpec, token: string): Promise<Array<Record<string, unknown>> | undefined> {
  const { module, client: Client } = SDK[entry.service];
  const paginate = module[`paginate${entry.call}`] as Paginator | undefined;
  if (!paginate) return undefined;
  const client = new Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const inputs: Array<Record<string, unknown>> = [];
  const answers = [{ [entry.pagination?.outputToken ?? 'NextToken']: token }, {}];
  // Nothing leaves the process: the client's send is the test's.
  client.send = (command: { input: Record<string, unknown> }) => {
    inputs.push({ ...command.input });
    return Promise.resolve(answers.shift());
  };
  try {
    for await (const _page of paginate({ client, pageSize: 7 }, {})) void _page;
  } finally {
    client.destroy();
  }
  return inputs;
}

describe('the collections table', () => {
  it('has one row per collection of the model, each name once, in the layout order', () => {
    const names = COLLECTION_LIST.map((entry) => entry.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(Object.keys(COLLECTIONS), names);
    for (const entry of COLLECTION_LIST) assert.equal(COLLECTIONS[entry.name], entry);
    assert.equal(SNAPSHOT_LAYOUT, COLLECTIONS, 'the snapshot layout is the table');
    assert.equal(LAYOUT_ENTRIES, COLLECTION_LIST);
  });

  it("names a missing collection in the model's messages by the table's label and IAM action", () => {
    for (const entry of COLLECTION_LIST) {
      const model = createNetworkModel({ source: { kind: 'snapshot', location: 'test' }, captured: new Set() });
      assert.equal(whyMissing(model, entry.name), `${entry.label} were not captured (${entry.iamAction})`);
    }
  });

  it('gives each collection its own call, file and top-level key (a file is known by its name or its content)', () => {
    for (const field of ['call', 'path', 'topLevelKey', 'command'] as const) {
      const values = COLLECTION_LIST.map((entry) => entry[field]);
      assert.equal(new Set(values).size, values.length, field);
    }
  });

  it('derives the command, the IAM action and the place in the layout from the service and the call', () => {
    for (const entry of COLLECTION_LIST) {
      assert.match(entry.call, /^(Describe|Get)[A-Z]\w+$/);
      assert.equal(
        entry.command.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()).replace(/^\w/, (letter) => letter.toUpperCase()),
        entry.call,
      );
      assert.equal(commandLine(entry), `aws ${entry.service} ${entry.command}`);
      assert.equal(entry.iamAction, `${entry.service === 'ec2' ? 'ec2' : 'elasticloadbalancing'}:${entry.call}`);
      assert.equal(entry.path, `${entry.service}/${entry.call}${entry.keyedBy ? '' : '.json'}`);
      assert.equal(entry.keyedBy === undefined, entry.resource === undefined, `${entry.name}: a per-resource folder names its key and its resource`);
      assert.equal(entry.required, entry.purpose === undefined, `${entry.name}: an optional collection says what it adds`);
      if (entry.notLive) assert.ok(!entry.required, `${entry.name}: the live source reads every required collection`);
    }
  });

  it('pages each call as the SDK does: its tokens and page size parameter, and only the calls the SDK pages', async () => {
    for (const entry of COLLECTION_LIST) {
      const { module } = SDK[entry.service];
      assert.equal(typeof module[`${entry.call}Command`], 'function', `the SDK has ${entry.call}Command`);
      const paging = entry.pagination;
      const inputs = await paginatorInputs(entry, 'page-2');
      if (!paging) {
        assert.equal(inputs, undefined, `${entry.call} has no paginator: it answers in one response`);
        continue;
      }
      assert.ok(paging.minPageSize >= 1 && paging.minPageSize <= paging.maxPageSize, entry.call);
      // DescribeVpcEndpointServices pages, but the SDK's model does not say so: there is no paginator to compare with.
      if (!inputs) {
        assert.equal(entry.call, 'DescribeVpcEndpointServices');
        continue;
      }
      assert.equal(inputs.length, 2, `${entry.call}: the answer's ${paging.outputToken} asks for another page`);
      assert.equal(inputs[0]![paging.inputToken], undefined);
      assert.equal(inputs[1]![paging.inputToken], 'page-2', `${entry.call} passes ${paging.outputToken} on as ${paging.inputToken}`);
      // ELBv2's paginators leave the page size to the input; EC2's set it.
      if (entry.service === 'ec2') assert.equal(inputs[0]![paging.pageSizeParam], 7, `${entry.call} sizes pages with ${paging.pageSizeParam}`);
    }
  });

  it('knows a page of several by the tokens of its calls', () => {
    assert.deepEqual(PAGE_TOKENS, ['NextToken', 'NextMarker']);
  });

  it('reads live every collection but instances, whose every fact the interface listing carries', () => {
    assert.deepEqual(
      COLLECTION_LIST.filter((entry) => !isLive(entry)).map((entry) => entry.name),
      ['instances'],
    );
  });
});

describe('a snapshot of every collection of the table', () => {
  const dir = tempDirForSuite('vpce-doctor-collections-');
  // One (empty) response per collection; the per-resource ones for one resource each.
  const responses = Object.fromEntries(
    COLLECTION_LIST.map((entry) => [entry.name, entry.keyedBy ? { [`${entry.keyedBy}-1`]: { [entry.topLevelKey]: [] } } : { [entry.topLevelKey]: [] }]),
  ) as AwsResponsesJson;

  it('is written one file per collection, at its place in the layout, in the layout order', () => {
    assert.deepEqual(
      snapshotFiles(responses).map((file) => file.path),
      COLLECTION_LIST.map((entry) => (entry.keyedBy ? `${entry.path}/${entry.keyedBy}-1.json` : entry.path)),
    );
  });

  it('reads back with every collection captured and nothing unrecognised', async () => {
    const out = join(dir(), 'every');
    await writeSnapshot(out, responses);
    const model = await readSnapshot(out);
    assert.deepEqual([...model.captured].sort(), COLLECTION_LIST.map((entry) => entry.name).sort());
    assert.deepEqual(model.dataWarnings, []);
  });
});

describe('the docs follow the collections table', () => {
  it("README's list of snapshot files is the table's, in its order", () => {
    const block = /^```\n(ec2\/DescribeVpcEndpoints\.json\n[\s\S]*?)```$/m.exec(README);
    assert.ok(block, "README's Snapshots section lists the files in a code block");
    assert.equal(block[1], `${layoutListing()}\n`, 'print it with layoutListing() (src/sources/snapshot/layout.ts)');
    for (const entry of COLLECTION_LIST) assert.ok(block[1]!.includes(entry.path), entry.path);
  });

  it("docs/iam-policy.json's read statement is the IAM actions of the collections read live", () => {
    const read = POLICY.Statement.find((statement) => statement.Sid === 'VpceDoctorReadNetworkPath');
    assert.ok(read);
    assert.deepEqual(read.Action, liveReadActions());
  });

  it('the README names what the policy leaves out as a call a capture may fail', () => {
    for (const entry of COLLECTION_LIST.filter((candidate) => !isLive(candidate))) assert.ok(README.includes(`\`${entry.iamAction}\``), entry.iamAction);
  });
});
