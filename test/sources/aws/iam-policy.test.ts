import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COLLECTION_LIST, isLive, liveReadActions } from '../../../src/core/collections.js';
import { awsFleetSource } from '../../../src/sources/aws/fleet.js';
import { EXAMPLES_DIR, exampleDir } from './examples.js';
import { regionFromSnapshot } from './fake-aws.js';
import { startFleetFake, type FleetFake } from './fleet-fake.js';
import { FAKE_CREDENTIALS, isolateFromAws, REGION } from './support.js';

/**
 * docs/iam-policy.json lists exactly the actions the live source calls: those of the
 * collections table's live collections (core/collections.ts), read from its code, and seen on
 * the wire. The read statement is what every account read needs (the member
 * role's policy too); the others are the base role's, for many accounts.
 */

isolateFromAws();

const POLICY_FILE = new URL('../../../docs/iam-policy.json', import.meta.url);
const SOURCE_DIR = new URL('../../../src/sources/aws/', import.meta.url).pathname;
const IAM_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-organizations': 'organizations',
};
/** "No permissions are required to perform this operation" (the STS API reference): it is in no policy. */
const NEEDS_NO_PERMISSION: ReadonlySet<string> = new Set(['sts:GetCallerIdentity']);
const READ_SID = 'VpceDoctorReadNetworkPath';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string;
}

const policy = JSON.parse(readFileSync(POLICY_FILE, 'utf8')) as { Version: string; Statement: Statement[] };
const policyActions = policy.Statement.flatMap((statement) => statement.Action).sort();
const statement = (sid: string) => policy.Statement.find((candidate) => candidate.Sid === sid)!;

/** Every command and paginator the live source's code imports from the service clients, and the role it assumes, as IAM actions. */
function actionsInCode(): string[] {
  const actions = new Set<string>();
  for (const file of readdirSync(SOURCE_DIR).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(SOURCE_DIR, file), 'utf8');
    for (const [, names, module] of text.matchAll(/import\s*{([^}]*)}\s*from\s*'(@aws-sdk\/client-[\w-]+)'/g)) {
      const prefix = IAM_PREFIX[module!];
      assert.ok(prefix, `${file} imports ${module}: which IAM service is it?`);
      for (const name of names!.split(',').map((part) => part.replace(/^type\s+/, '').trim())) {
        const operation = /^paginate(\w+)$/.exec(name)?.[1] ?? /^(\w+)Command$/.exec(name)?.[1];
        if (operation) actions.add(`${prefix}:${operation}`);
      }
    }
    // The SDK's own provider calls sts:AssumeRole for every role a unit is read through.
    if (/\bfromTemporaryCredentials\(/.test(text)) actions.add('sts:AssumeRole');
  }
  return [...actions].filter((action) => !NEEDS_NO_PERMISSION.has(action)).sort();
}

describe('docs/iam-policy.json', () => {
  it('is three Allow statements: read-only on every resource, AssumeRole of the member roles, ListAccounts; actions sorted and unique', () => {
    assert.equal(policy.Version, '2012-10-17');
    assert.deepEqual(
      policy.Statement.map((candidate) => candidate.Sid),
      [READ_SID, 'VpceDoctorAssumeMemberRoles', 'VpceDoctorListOrganizationAccounts'],
    );
    for (const candidate of policy.Statement) {
      assert.equal(candidate.Effect, 'Allow');
      assert.deepEqual(candidate.Action, [...new Set(candidate.Action)].sort(), candidate.Sid);
    }
    const read = statement(READ_SID);
    assert.equal(read.Resource, '*', 'these describe actions support no resource-level permissions');
    for (const action of read.Action) assert.match(action, /^(ec2|elasticloadbalancing):(Describe|Get)\w+$/);
    const assume = statement('VpceDoctorAssumeMemberRoles');
    assert.deepEqual(assume.Action, ['sts:AssumeRole']);
    assert.match(assume.Resource, /^arn:aws:iam::\*:role\/[\w+=,.@-]+$/, 'only the member roles, by name');
    const list = statement('VpceDoctorListOrganizationAccounts');
    assert.deepEqual(list.Action, ['organizations:ListAccounts']);
    assert.equal(list.Resource, '*', 'ListAccounts supports no resource-level permissions');
    assert.equal(new Set(policyActions).size, policyActions.length, 'no action in two statements');
  });

  it('lists exactly the commands and paginators the live source imports', () => {
    const inCode = actionsInCode();
    assert.ok(inCode.length > 12, `found ${inCode.length}`);
    assert.deepEqual(policyActions, inCode);
  });

  describe('on the wire', () => {
    let fake: FleetFake;
    const BASE = '999999999999';
    const CONSUMER = '111122223333';
    const PROVIDER = '444455556666';
    const OTHER = '777788889999';

    before(async () => {
      fake = await startFleetFake({
        baseAccountId: BASE,
        organization: [
          { Id: BASE, Status: 'ACTIVE' },
          { Id: CONSUMER, Status: 'ACTIVE' },
          { Id: PROVIDER, Status: 'ACTIVE' },
          { Id: OTHER, Status: 'ACTIVE' },
        ],
      });
      // A consumer whose service another account runs, that provider, and security groups naming a prefix list.
      fake.region(CONSUMER, REGION, await regionFromSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account', CONSUMER, REGION)));
      fake.region(PROVIDER, REGION, await regionFromSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account', PROVIDER, REGION)));
      fake.region(OTHER, REGION, await regionFromSnapshot(exampleDir('healthy-aws-service')));
    });

    after(() => fake.close());

    it('lists exactly the actions a collection of an organization calls', async () => {
      const fleet = await awsFleetSource({
        regions: [REGION],
        organizationRoleName: 'vpce-doctor-read',
        endpoint: fake.url,
        credentials: FAKE_CREDENTIALS,
        maxAttempts: 1,
      }).load();
      assert.equal(fleet.units.filter((unit) => unit.model).length, 3);
      const called = new Set(fake.requests.filter((request) => request.status === 200).map((request) => `${request.service}:${request.action}`));
      assert.deepEqual(policyActions, [...called].filter((action) => !NEEDS_NO_PERMISSION.has(action)).sort());
      for (const assumed of fake.assumed)
        assert.match(assumed.roleArn, new RegExp(`^${statement('VpceDoctorAssumeMemberRoles').Resource.replace('*', '\\d{12}')}$`));
    });
  });

  it("is the collections table's: the read statement allows exactly the calls of the collections the live source reads", () => {
    assert.deepEqual(statement(READ_SID).Action, liveReadActions());
    // What the table does not read live is in no statement: the policy asks for nothing the service does not call.
    for (const entry of COLLECTION_LIST.filter((candidate) => !isLive(candidate))) assert.ok(!policyActions.includes(entry.iamAction), entry.iamAction);
  });

  it('names each read action as the model does when its call fails', () => {
    const readActions = statement(READ_SID).Action;
    const modelActions = new Set(COLLECTION_LIST.map((entry) => entry.iamAction));
    for (const action of readActions) assert.ok(modelActions.has(action), action);
    const notRead = [...modelActions].filter((action) => !readActions.includes(action));
    assert.deepEqual(
      notRead,
      COLLECTION_LIST.filter((entry) => entry.notLive).map((entry) => entry.iamAction),
    );
  });
});
