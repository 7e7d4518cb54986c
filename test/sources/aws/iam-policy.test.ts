import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COLLECTION_SOURCES } from '../../../src/core/model.js';
import { awsSource } from '../../../src/sources/aws/index.js';
import { exampleDir } from './examples.js';
import { regionFromSnapshot } from './fake-aws.js';
import { isolateFromAws, mockedRegion, REGION } from './support.js';

/** docs/iam-policy.json lists exactly the actions the collector calls: read from its code, and seen on the wire. */

isolateFromAws();

const POLICY_FILE = new URL('../../../docs/iam-policy.json', import.meta.url);
const SOURCE_DIR = new URL('../../../src/sources/aws/', import.meta.url).pathname;
const IAM_PREFIX: Readonly<Record<string, string>> = { '@aws-sdk/client-ec2': 'ec2', '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing' };

interface Policy {
  Version: string;
  Statement: Array<{ Sid: string; Effect: string; Action: string[]; Resource: string }>;
}

const policy = JSON.parse(readFileSync(POLICY_FILE, 'utf8')) as Policy;
const policyActions = policy.Statement.flatMap((statement) => statement.Action);

/** Every command and paginator the collector's code imports from the service clients, as an IAM action. */
function actionsInCode(): string[] {
  const actions = new Set<string>();
  for (const file of readdirSync(SOURCE_DIR).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(SOURCE_DIR, file), 'utf8');
    for (const [, names, module] of text.matchAll(/import\s*{([^}]*)}\s*from\s*'(@aws-sdk\/client-[\w-]+)'/g)) {
      for (const name of names!.split(',').map((part) => part.trim())) {
        const operation = /^paginate(\w+)$/.exec(name)?.[1] ?? /^(\w+)Command$/.exec(name)?.[1];
        if (operation) actions.add(`${IAM_PREFIX[module!]}:${operation}`);
      }
    }
  }
  return [...actions].sort();
}

describe('docs/iam-policy.json', () => {
  it('is one read-only Allow statement on every resource, its actions sorted and unique', () => {
    assert.equal(policy.Version, '2012-10-17');
    assert.equal(policy.Statement.length, 1);
    assert.equal(policy.Statement[0]!.Effect, 'Allow');
    assert.equal(policy.Statement[0]!.Resource, '*', 'these describe actions support no resource-level permissions');
    assert.deepEqual(policyActions, [...new Set(policyActions)].sort());
    for (const action of policyActions) assert.match(action, /^(ec2|elasticloadbalancing):(Describe|Get)\w+$/);
  });

  it('lists exactly the commands and paginators the collector imports', () => {
    const inCode = actionsInCode();
    assert.ok(inCode.length > 10, `found ${inCode.length}`);
    assert.deepEqual(policyActions, inCode);
  });

  it('lists exactly the actions a full collection calls', async () => {
    const called = new Set<string>();
    // One region for each side: the provider's NLB, and security groups naming a prefix list.
    for (const name of ['provider-healthy', 'healthy-aws-service']) {
      const mocked = mockedRegion(await regionFromSnapshot(exampleDir(name)));
      await awsSource({ region: REGION, clients: mocked.clients }).load();
      for (const call of mocked.region.calls) called.add(`${call.service === 'ec2' ? 'ec2' : 'elasticloadbalancing'}:${call.operation}`);
    }
    assert.deepEqual(policyActions, [...called].sort());
  });

  it('names each action as the model does when its call fails', () => {
    const modelActions = new Set(Object.values(COLLECTION_SOURCES).map((source) => source.call));
    for (const action of policyActions) assert.ok(modelActions.has(action), action);
    // Instances are not collected: the analysis finds a client instance by its network interface.
    assert.deepEqual([...modelActions].filter((action) => !policyActions.includes(action)), ['ec2:DescribeInstances']);
  });
});
