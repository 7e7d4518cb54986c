import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { analyze, type AnalysisRequest } from '../../../src/core/analyze.js';
import type { Fleet } from '../../../src/core/fleet.js';
import type { Report } from '../../../src/core/report.js';
import { registerAwsMetrics, registerAwsUnitMetrics } from '../../../src/metrics/aws.js';
import { awsFleetSource, type AwsFleetSourceOptions } from '../../../src/sources/aws/fleet.js';
import { readFleetSnapshot } from '../../../src/sources/snapshot/fleet.js';
import { readSnapshot } from '../../../src/sources/snapshot/read.js';
import { SnapshotWriteError, writeFleetSnapshot } from '../../../src/sources/snapshot/write.js';
import { EXAMPLES_DIR, exampleDir, exampleRequest, withoutSource } from './examples.js';
import { regionFromSnapshot } from './fake-aws.js';
import { startFleetFake, type FleetFake } from './fleet-fake.js';
import { FAKE_CREDENTIALS, isolateFromAws } from './support.js';

/**
 * The live fleet through the real SDK (signing, STS, retries, endpoints) against a fake of
 * EC2, ELBv2, STS and Organizations on 127.0.0.1 that serves a different account per
 * assumed role: three accounts in two regions, the consumer and the provider of a
 * cross-account endpoint among them, and failures that must each stay in their own unit.
 */

isolateFromAws();

const BASE = '999999999999';
const CONSUMER = '111122223333';
const PROVIDER = '444455556666';
const THIRD = '777788889999';
const UNASSUMABLE = '222233334444';
const EAST = 'us-east-1';
const WEST = 'us-west-2';
const role = (accountId: string, name = 'vpce-doctor-reader') => `arn:aws:iam::${accountId}:role/${name}`;

/** The data of each (account, region): the cross-account example in us-east-1, single examples elsewhere (their ids all differ). */
const UNIT_DATA: ReadonlyArray<{ accountId: string; region: string; dir: string; example?: string }> = [
  { accountId: CONSUMER, region: EAST, dir: join(EXAMPLES_DIR, 'fleet-cross-account', CONSUMER, EAST) },
  { accountId: PROVIDER, region: EAST, dir: join(EXAMPLES_DIR, 'fleet-cross-account', PROVIDER, EAST) },
  { accountId: CONSUMER, region: WEST, dir: exampleDir('healthy-aws-service'), example: 'healthy-aws-service' },
  { accountId: PROVIDER, region: WEST, dir: exampleDir('nacl-differs-per-subnet'), example: 'nacl-differs-per-subnet' },
  { accountId: THIRD, region: EAST, dir: exampleDir('endpoint-sg-missing-port'), example: 'endpoint-sg-missing-port' },
  { accountId: THIRD, region: WEST, dir: exampleDir('client-nacl-no-return'), example: 'client-nacl-no-return' },
];

const CROSS_ACCOUNT: AnalysisRequest = { endpointId: 'vpce-0c5df4b356e4e567d', client: { instanceId: 'i-0862f03190fbae3bc' }, port: 443 };

let fake: FleetFake;
let clock: number;
const T0 = Date.parse('2025-06-01T12:00:00.000Z');

async function seed(): Promise<void> {
  for (const unit of UNIT_DATA) fake.region(unit.accountId, unit.region, await regionFromSnapshot(unit.dir));
}

before(async () => {
  fake = await startFleetFake({
    baseAccountId: BASE,
    organization: [
      { Id: BASE, Name: 'management', Status: 'ACTIVE', State: 'ACTIVE' },
      { Id: CONSUMER, Name: 'orders', Status: 'ACTIVE', State: 'ACTIVE' },
      { Id: PROVIDER, Name: 'inventory', Status: 'ACTIVE', State: 'ACTIVE' },
      { Id: THIRD, Name: 'closed-project', Status: 'SUSPENDED', State: 'SUSPENDED' },
    ],
    organizationPageSize: 2,
  });
});

after(() => fake.close());

beforeEach(async () => {
  clock = T0;
  await seed();
});

function fleetSource(options: Partial<AwsFleetSourceOptions> = {}) {
  return awsFleetSource({
    regions: [EAST, WEST],
    roleArns: [role(CONSUMER), role(PROVIDER), role(THIRD)],
    endpoint: fake.url,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
    callTimeoutMs: 5000,
    now: () => clock,
    ...options,
  });
}

function statuses(report: Report): string[] {
  return [report.verdict, ...report.checks.map((check) => `${check.id} ${check.scope.networkInterfaceId ?? ''} ${check.status}`)];
}

function unitOf(fleet: Fleet, accountId: string, region: string) {
  const unit = fleet.units.find((candidate) => candidate.accountId === accountId && candidate.region === region);
  assert.ok(unit, `${accountId}/${region} is a unit`);
  return unit;
}

describe('awsFleetSource: three accounts in two regions', () => {
  it('collects every unit with its own credentials, joins the consumer to its provider across accounts, and analyses each unit as its snapshot', async () => {
    const start = fake.requests.length;
    const assumedBefore = fake.assumed.length;
    const source = fleetSource();
    const fleet = await source.load();
    assert.deepEqual(fleet.units.map((unit) => unit.key).sort(), UNIT_DATA.map((unit) => `${unit.accountId}/${unit.region}`).sort());
    for (const unit of fleet.units) assert.ok(unit.model && !unit.failure, unit.key);

    // Each unit's calls were signed with its own account's credentials, in its own region.
    for (const request of fake.requests.slice(start).filter((candidate) => candidate.service === 'ec2' || candidate.service === 'elasticloadbalancing')) {
      assert.notEqual(request.accountId, BASE, `${request.action} is read through a role`);
    }
    // One AssumeRole per unit (its EC2 and ELBv2 clients share the credentials), none again while they last.
    const assumed = fake.assumed.slice(assumedBefore).map((entry) => entry.roleArn);
    for (const accountId of [CONSUMER, PROVIDER, THIRD]) assert.equal(assumed.filter((arn) => arn === role(accountId)).length, 2, accountId);
    await source.load();
    assert.equal(fake.assumed.length - assumedBefore, 6);

    // The endpoint in the consumer account, its NLB and targets in the provider's: the target SG admits the client's VPC, not the NLB.
    const live = analyze(fleet, CROSS_ACCOUNT);
    const { fleet: snapshot } = await readFleetSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account'));
    assert.deepEqual(withoutSource(live), withoutSource(analyze(snapshot, CROSS_ACCOUNT)));
    assert.equal(live.verdict, 'blocked');
    assert.ok(live.checks.some((check) => check.id === 'target.sg.inbound' && check.status === 'fail'));

    for (const unit of UNIT_DATA.filter((candidate) => candidate.example)) {
      const request = await exampleRequest(unit.example!);
      const report = analyze(fleet, { ...request, accountId: unit.accountId, region: unit.region });
      assert.deepEqual(statuses(report), statuses(analyze(await readSnapshot(unit.dir), request)), unit.example);
    }

    const status = source.units();
    assert.deepEqual(
      status.map((unit) => [unit.key, unit.state, unit.roleArn]),
      UNIT_DATA.map((unit) => [`${unit.accountId}/${unit.region}`, 'loaded', role(unit.accountId)]).sort(([a], [b]) => a!.localeCompare(b!)),
    );
    const provider = status.find((unit) => unit.key === `${PROVIDER}/${EAST}`)!;
    assert.equal(provider.services, 1, 'the provider offers its service though none of its own endpoints uses it');
    assert.equal(provider.loadBalancers, 1);
    assert.equal(provider.endpoints, 0);
    assert.equal(provider.loadedAt, new Date(T0).toISOString());
    assert.equal(provider.dataAgeSeconds, 0);
    for (const unit of status) assert.ok((unit.callsMade ?? 0) >= 5, `${unit.key}: ${unit.callsMade} calls`);
  });

  it('keeps one denied account, one throttled region and one role that cannot be assumed each to its own unit', async () => {
    fake.denyAccount(THIRD);
    fake.throttle(PROVIDER, WEST);
    fake.refuseAssumeRole(role(UNASSUMABLE));
    try {
      const source = fleetSource({ roleArns: [role(CONSUMER), role(PROVIDER), role(THIRD), role(UNASSUMABLE)] });
      const fleet = await source.load();
      const failures = Object.fromEntries(fleet.units.filter((unit) => unit.failure).map((unit) => [unit.key, unit.failure]));
      assert.deepEqual(
        Object.keys(failures).sort(),
        [`${UNASSUMABLE}/${EAST}`, `${UNASSUMABLE}/${WEST}`, `${PROVIDER}/${WEST}`, `${THIRD}/${EAST}`, `${THIRD}/${WEST}`].sort(),
      );
      for (const region of [EAST, WEST]) {
        assert.equal(failures[`${THIRD}/${region}`], 'the VPC endpoints cannot be listed: missing permission ec2:DescribeVpcEndpoints (UnauthorizedOperation)');
        assert.match(
          failures[`${UNASSUMABLE}/${region}`]!,
          new RegExp(`^cannot assume ${role(UNASSUMABLE)}: AccessDenied: .*not authorized to perform: sts:AssumeRole`),
        );
        assert.equal(unitOf(fleet, THIRD, region).model, undefined);
      }
      assert.equal(failures[`${PROVIDER}/${WEST}`], 'the VPC endpoints cannot be listed: ec2:DescribeVpcEndpoints was throttled (RequestLimitExceeded)');

      // The others load and answer as before: the cross-account join included.
      for (const key of [`${CONSUMER}/${EAST}`, `${CONSUMER}/${WEST}`, `${PROVIDER}/${EAST}`]) {
        const unit = fleet.units.find((candidate) => candidate.key === key)!;
        assert.ok(unit.model && !unit.failure, key);
      }
      const { fleet: snapshot } = await readFleetSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account'));
      assert.deepEqual(withoutSource(analyze(fleet, CROSS_ACCOUNT)), withoutSource(analyze(snapshot, CROSS_ACCOUNT)));
      const request = await exampleRequest('healthy-aws-service');
      assert.deepEqual(statuses(analyze(fleet, request)), statuses(analyze(await readSnapshot(exampleDir('healthy-aws-service')), request)));

      // Nothing was asked of EC2 in the account whose role could not be assumed, nor answered from the denied account's data.
      assert.equal(fake.requests.filter((candidate) => candidate.accountId === UNASSUMABLE).length, 0);
      for (const region of [EAST, WEST])
        assert.deepEqual(
          fake.callsOf(THIRD, region).map((call) => call.operation),
          [],
        );
      const states = Object.fromEntries(source.units().map((unit) => [unit.key, unit.state]));
      assert.equal(states[`${THIRD}/${EAST}`], 'failed');
      assert.equal(states[`${PROVIDER}/${EAST}`], 'loaded');
      assert.match(source.units().find((unit) => unit.key === `${UNASSUMABLE}/${EAST}`)!.lastError!, /^cannot assume/);
    } finally {
      fake.denyAccount(THIRD, false);
      fake.throttle(PROVIDER, WEST, false);
      fake.refuseAssumeRole(role(UNASSUMABLE), undefined);
    }
  });

  it("names the provider's unit and its error in the consumer's provider checks when the provider account cannot be read", async () => {
    fake.denyAccount(PROVIDER);
    try {
      const fleet = await fleetSource().load();
      const report = analyze(fleet, CROSS_ACCOUNT);
      const provider = report.checks.filter((check) => ['service.listener', 'target.sg.inbound', 'target.health'].includes(check.id));
      assert.ok(provider.length > 0);
      for (const check of provider) {
        assert.equal(check.status, 'unknown', check.id);
        assert.match(
          check.summary,
          new RegExp(`account ${PROVIDER}, whose data could not be read \\(${PROVIDER}/${EAST}: .*missing permission ec2:DescribeVpcEndpoints`),
        );
      }
      // The consumer side is judged as before.
      for (const check of report.checks.filter((candidate) => candidate.id.startsWith('endpoint.') || candidate.id.startsWith('client.')))
        assert.equal(check.status, 'pass', check.id);
    } finally {
      fake.denyAccount(PROVIDER, false);
    }
  });

  it('serves the last data of a unit whose collection fails, marked stale, and fresh data again once it recovers', async () => {
    const source = fleetSource();
    const first = await source.load();
    const before = unitOf(first, CONSUMER, EAST).model!;
    clock += 120_000;
    fake.denyAccount(CONSUMER);
    let second: Fleet;
    try {
      second = await source.load();
    } finally {
      fake.denyAccount(CONSUMER, false);
    }
    const stale = unitOf(second, CONSUMER, EAST);
    assert.equal(stale.model, before, 'the earlier model is kept');
    assert.equal(stale.failure, 'the VPC endpoints cannot be listed: missing permission ec2:DescribeVpcEndpoints (UnauthorizedOperation)');
    assert.notEqual(unitOf(second, PROVIDER, EAST).model, unitOf(first, PROVIDER, EAST).model, 'the others were collected afresh');
    assert.equal(analyze(second, CROSS_ACCOUNT).verdict, 'blocked', 'the stale unit still answers');
    clock += 30_000;
    const status = source.units().find((unit) => unit.key === `${CONSUMER}/${EAST}`)!;
    assert.equal(status.state, 'stale');
    assert.equal(status.dataAgeSeconds, 150);
    assert.equal(status.loadedAt, new Date(T0).toISOString());
    assert.match(status.lastError!, /missing permission ec2:DescribeVpcEndpoints/);
    assert.equal(source.units().find((unit) => unit.key === `${PROVIDER}/${EAST}`)!.dataAgeSeconds, 30);

    const third = await source.load();
    assert.equal(unitOf(third, CONSUMER, EAST).failure, undefined);
    assert.notEqual(unitOf(third, CONSUMER, EAST).model, before);
    assert.equal(source.units().find((unit) => unit.key === `${CONSUMER}/${EAST}`)!.state, 'loaded');
  });

  it('lists the units it knows before the first load as never tried, and fails the load only when no unit has data', async () => {
    const source = fleetSource({ roleArns: [role(CONSUMER)], regions: [EAST] });
    assert.deepEqual(
      source.units().map((unit) => [unit.key, unit.state]),
      [[`${CONSUMER}/${EAST}`, 'never']],
    );
    fake.denyAccount(CONSUMER);
    try {
      await assert.rejects(
        source.load(),
        /^Error: no unit could be loaded: 111122223333\/us-east-1: the VPC endpoints cannot be listed: missing permission ec2:DescribeVpcEndpoints/,
      );
      assert.equal(source.units()[0]!.state, 'failed');
    } finally {
      fake.denyAccount(CONSUMER, false);
    }
    await source.load();
    assert.equal(source.units()[0]!.state, 'loaded');
  });

  it('collects at most unitConcurrency units at once', async () => {
    const source = fleetSource({ unitConcurrency: 1 });
    const start = fake.requests.length;
    await source.load();
    const order = fake.requests
      .slice(start)
      .filter((request) => request.service === 'ec2' || request.service === 'elasticloadbalancing')
      .map((request) => `${request.accountId}/${request.region}`);
    const blocks = order.filter((key, index) => index === 0 || order[index - 1] !== key);
    assert.equal(blocks.length, new Set(order).size, `one unit after another: ${blocks.join(' ')}`);
    assert.equal(blocks.length, 6);
  });

  it('reads only the named endpoints, their VPCs and their providers, across units', async () => {
    const fleet = await fleetSource({ regions: [EAST], roleArns: [role(CONSUMER), role(PROVIDER)], endpointIds: [CROSS_ACCOUNT.endpointId] }).load();
    const { fleet: snapshot } = await readFleetSnapshot(join(EXAMPLES_DIR, 'fleet-cross-account'));
    assert.deepEqual(withoutSource(analyze(fleet, CROSS_ACCOUNT)), withoutSource(analyze(snapshot, CROSS_ACCOUNT)));
    const subnetCalls = fake.callsOf(PROVIDER, EAST).filter((candidate) => candidate.operation === 'DescribeSubnets');
    assert.ok(subnetCalls.length > 0);
    for (const call of subnetCalls) {
      assert.deepEqual(call.input.Filters, [{ Name: 'vpc-id', Values: ['vpc-0b45bd1d84dffc753'] }], "the provider's NLB VPC only");
    }
  });

  it('passes the external id to every AssumeRole', async () => {
    fake.requireExternalId(role(CONSUMER), 'vpce-doctor-7f3a');
    try {
      const withoutId = await fleetSource({ roleArns: [role(CONSUMER), role(PROVIDER)], regions: [EAST] }).load();
      assert.match(unitOf(withoutId, CONSUMER, EAST).failure!, /^cannot assume arn:aws:iam::111122223333:role\/vpce-doctor-reader: AccessDenied/);
      const start = fake.assumed.length;
      const withId = await fleetSource({ roleArns: [role(CONSUMER), role(PROVIDER)], regions: [EAST], externalId: 'vpce-doctor-7f3a' }).load();
      assert.ok(unitOf(withId, CONSUMER, EAST).model);
      assert.deepEqual(
        fake.assumed.slice(start).map((entry) => entry.externalId),
        ['vpce-doctor-7f3a', 'vpce-doctor-7f3a'],
      );
    } finally {
      fake.requireExternalId(role(CONSUMER), undefined);
    }
  });

  it('refuses settings it cannot use, naming them', () => {
    const base = { endpoint: fake.url, credentials: FAKE_CREDENTIALS };
    assert.throws(() => awsFleetSource({ ...base, regions: [] }), /regions: at least one region is required/);
    assert.throws(() => awsFleetSource({ ...base, regions: ['us-east-1', 'us-east-1'] }), /names a region twice/);
    assert.throws(() => awsFleetSource({ ...base, regions: ['moon-1'] }), /"moon-1" is not a region name/);
    assert.throws(
      () => awsFleetSource({ ...base, regions: [EAST], roleArns: ['reader'] }),
      /roleArns: expected arn:aws:iam::<account>:role\/<name>, got reader/,
    );
    assert.throws(() => awsFleetSource({ ...base, regions: [EAST], roleArns: [role(CONSUMER), role(CONSUMER, 'other')] }), /one role per account/);
    assert.throws(() => awsFleetSource({ ...base, regions: [EAST], organizationRoleName: 'bad name' }), /organizationRoleName/);
    assert.throws(() => awsFleetSource({ ...base, regions: [EAST], externalId: 'x' }), /externalId/);
    assert.throws(() => awsFleetSource({ ...base, regions: [EAST], unitConcurrency: 0 }), /unitConcurrency: expected a positive integer, got 0/);
  });
});

describe('awsFleetSource: the base account', () => {
  it('is the one unit when no role is given, identified by sts:GetCallerIdentity', async () => {
    fake.region(BASE, EAST, await regionFromSnapshot(exampleDir('provider-healthy')));
    const source = awsFleetSource({ regions: [EAST], endpoint: fake.url, credentials: FAKE_CREDENTIALS, maxAttempts: 1, now: () => clock });
    const fleet = await source.load();
    assert.deepEqual(
      fleet.units.map((unit) => unit.key),
      [`${BASE}/${EAST}`],
    );
    assert.equal(source.discovery().baseAccountId, BASE);
    assert.ok(fake.actions().includes('sts:GetCallerIdentity'));
    const request = await exampleRequest('provider-healthy');
    assert.deepEqual(statuses(analyze(fleet, request)), statuses(analyze(await readSnapshot(exampleDir('provider-healthy')), request)));
    assert.equal(source.units()[0]!.roleArn, undefined);
    // One unit: its provider side is the services its own endpoints use, as a single account reads it.
    assert.deepEqual(
      fake
        .callsOf(BASE, EAST)
        .filter((call) => call.operation === 'DescribeVpcEndpointServiceConfigurations')
        .map((call) => call.input.Filters),
      [[{ Name: 'service-name', Values: ['com.amazonaws.vpce.us-east-1.vpce-svc-0e61021529b366ea2'] }]],
    );
  });

  it('is a unit beside the roles with includeBaseAccount', async () => {
    const fleet = await fleetSource({ includeBaseAccount: true, roleArns: [role(CONSUMER)], regions: [EAST] }).load();
    assert.deepEqual(fleet.units.map((unit) => unit.key).sort(), [`${CONSUMER}/${EAST}`, `${BASE}/${EAST}`].sort());
  });
});

describe('awsFleetSource: the AWS Organization', () => {
  it('assumes the named role in every active account, the base account read with its own credentials only when included', async () => {
    const start = fake.requests.length;
    const source = fleetSource({ roleArns: [], organizationRoleName: 'vpce-doctor-member', regions: [EAST] });
    const fleet = await source.load();
    assert.deepEqual(fleet.units.map((unit) => unit.key).sort(), [`${CONSUMER}/${EAST}`, `${PROVIDER}/${EAST}`]);
    const listings = fake.requests.slice(start).filter((request) => request.action === 'ListAccounts');
    assert.equal(listings.length, 2, 'every page of ListAccounts (two accounts a page)');
    for (const listing of listings) assert.equal(listing.accountId, BASE, 'listed with the base credentials');
    assert.deepEqual(
      source.units().map((unit) => unit.roleArn),
      [role(CONSUMER, 'vpce-doctor-member'), role(PROVIDER, 'vpce-doctor-member')],
    );
    assert.deepEqual(source.discovery().organization, {
      roleName: 'vpce-doctor-member',
      accountIds: [CONSUMER, PROVIDER],
      refreshedAt: new Date(T0).toISOString(),
    });
    assert.equal(analyze(fleet, CROSS_ACCOUNT).verdict, 'blocked');

    const withBase = await fleetSource({ roleArns: [], organizationRoleName: 'vpce-doctor-member', regions: [EAST], includeBaseAccount: true }).load();
    assert.deepEqual(withBase.units.map((unit) => unit.key).sort(), [`${CONSUMER}/${EAST}`, `${PROVIDER}/${EAST}`, `${BASE}/${EAST}`].sort());
    assert.ok(!fake.assumed.some((entry) => entry.roleArn.includes(BASE)), 'no role is assumed in the base account');
  });

  it('reads the account list again on every load, and keeps the last one when ListAccounts fails', async () => {
    const source = fleetSource({ roleArns: [role(THIRD)], organizationRoleName: 'vpce-doctor-member', regions: [EAST] });
    await source.load();
    const organization = [
      { Id: BASE, Status: 'ACTIVE', State: 'ACTIVE' },
      { Id: CONSUMER, Status: 'ACTIVE', State: 'ACTIVE' },
      { Id: PROVIDER, Status: 'ACTIVE', State: 'ACTIVE' },
      { Id: THIRD, Status: 'SUSPENDED', State: 'SUSPENDED' },
    ] as const;
    try {
      fake.setOrganization(organization.filter((account) => account.Id !== PROVIDER));
      fake.failListAccounts('AccessDeniedException');
      clock += 60_000;
      const kept = await source.load();
      assert.deepEqual(kept.units.map((unit) => unit.key).sort(), [`${CONSUMER}/${EAST}`, `${PROVIDER}/${EAST}`, `${THIRD}/${EAST}`].sort());
      const discovery = source.discovery().organization!;
      assert.deepEqual(discovery.accountIds, [CONSUMER, PROVIDER]);
      assert.equal(discovery.refreshedAt, new Date(T0).toISOString());
      assert.equal(discovery.lastError, "the organization's accounts cannot be listed: missing permission organizations:ListAccounts (AccessDeniedException)");

      fake.failListAccounts(undefined);
      const refreshed = await source.load();
      assert.deepEqual(refreshed.units.map((unit) => unit.key).sort(), [`${CONSUMER}/${EAST}`, `${THIRD}/${EAST}`], 'an account that left is no longer a unit');
      assert.equal(source.discovery().organization!.lastError, undefined);
      assert.deepEqual(
        source.units().map((unit) => unit.roleArn),
        [role(CONSUMER, 'vpce-doctor-member'), role(THIRD)],
        'the role given wins over the organization role',
      );
    } finally {
      fake.failListAccounts(undefined);
      fake.setOrganization(organization);
    }
  });

  it('fails the load, naming why, when the organization cannot be listed and there is no other unit', async () => {
    fake.failListAccounts('AWSOrganizationsNotInUseException');
    try {
      await assert.rejects(
        fleetSource({ roleArns: [], organizationRoleName: 'vpce-doctor-member', regions: [EAST] }).load(),
        /no unit could be loaded \(there is none\): the organization's accounts cannot be listed: organizations:ListAccounts failed: AWSOrganizationsNotInUseException/,
      );
    } finally {
      fake.failListAccounts(undefined);
    }
  });
});

describe('awsFleetSource: export', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-fleet-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes the fleet layout, which reads back to the same verdicts', async () => {
    fake.throttle(THIRD, WEST);
    try {
      const source = fleetSource();
      const live = await source.load();
      const out = join(dir, 'fleet');
      const written = await writeFleetSnapshot(out, source.lastResponses());
      assert.ok(written.includes(`${CONSUMER}/${EAST}/ec2/DescribeVpcEndpointServices.json`), 'the owner of the customer service the consumer uses');
      assert.ok(written.includes(`${PROVIDER}/${EAST}/ec2/DescribeVpcEndpointServiceConfigurations.json`));
      assert.deepEqual((await readdir(out)).sort(), [CONSUMER, PROVIDER, THIRD].sort());
      assert.deepEqual(await readdir(join(out, THIRD)), [EAST], 'a unit with no data has no folder');
      const { fleet: replayed } = await readFleetSnapshot(out);
      assert.deepEqual(withoutSource(analyze(replayed, CROSS_ACCOUNT)), withoutSource(analyze(live, CROSS_ACCOUNT)));
      for (const unit of UNIT_DATA.filter((candidate) => candidate.example && !(candidate.accountId === THIRD && candidate.region === WEST))) {
        const request = { ...(await exampleRequest(unit.example!)), accountId: unit.accountId, region: unit.region };
        assert.deepEqual(statuses(analyze(replayed, request)), statuses(analyze(live, request)), unit.example);
      }
    } finally {
      fake.throttle(THIRD, WEST, false);
    }
  });

  it('refuses a unit that is not an account and region, an empty export, and a directory that is not empty', async () => {
    const responses = { vpcEndpoints: { VpcEndpoints: [] } };
    await assert.rejects(
      writeFleetSnapshot(
        join(dir, 'bad'),
        new Map([
          [`${CONSUMER}/${EAST}`, responses],
          [`unknown/${EAST}`, responses],
        ]),
      ),
      (error: unknown) => error instanceof SnapshotWriteError && /unit "unknown\/us-east-1" cannot be a folder of a fleet snapshot/.test(error.message),
    );
    await assert.rejects(writeFleetSnapshot(join(dir, 'none'), new Map()), /no unit has data to write/);
    const full = join(dir, 'full');
    await writeFleetSnapshot(
      full,
      new Map([
        [`${CONSUMER}/${EAST}`, responses],
        [`${PROVIDER}/${EAST}`, responses],
      ]),
    );
    await assert.rejects(
      writeFleetSnapshot(
        full,
        new Map([
          [`${CONSUMER}/${EAST}`, responses],
          [`${PROVIDER}/${EAST}`, responses],
        ]),
      ),
      /is not empty/,
    );
  });

  it('writes one unit as a single snapshot', async () => {
    const source = fleetSource({ roleArns: [role(CONSUMER)], regions: [WEST] });
    await source.load();
    const out = join(dir, 'single');
    await writeFleetSnapshot(out, source.lastResponses());
    assert.deepEqual(await readdir(out), ['ec2']);
    const request = await exampleRequest('healthy-aws-service');
    assert.deepEqual(statuses(analyze(await readSnapshot(out), request)), statuses(analyze(await readSnapshot(exampleDir('healthy-aws-service')), request)));
  });
});

describe('awsFleetSource: metrics', () => {
  it('renders per-unit series, labelled by account and region, and the units by state', async () => {
    const registry = new Registry();
    const unitMetrics = registerAwsUnitMetrics(registry);
    fake.denyAccount(THIRD);
    try {
      const source = fleetSource({ metrics: registerAwsMetrics(registry), unitMetrics });
      const before = await registry.metrics();
      assert.match(before, /^vpce_doctor_units\{state="never"\} 6$/m);
      await source.load();
      clock += 42_000;
      const text = await registry.metrics();
      assert.match(text, /^vpce_doctor_units\{state="loaded"\} 4$/m);
      assert.match(text, /^vpce_doctor_units\{state="failed"\} 2$/m);
      assert.match(text, /^vpce_doctor_units\{state="stale"\} 0$/m);
      assert.match(text, /^vpce_doctor_units\{state="never"\} 0$/m);
      assert.match(text, /^vpce_doctor_unit_data_age_seconds\{account="111122223333",region="us-east-1"\} 42$/m);
      assert.doesNotMatch(text, /vpce_doctor_unit_data_age_seconds\{account="777788889999"/, 'no data, no age');
      assert.match(text, /^vpce_doctor_unit_collection_failures_total\{account="777788889999",region="us-west-2"\} 1$/m);
      assert.match(text, /^vpce_doctor_unit_collection_failures_total\{account="111122223333",region="us-west-2"\} 0$/m);
      assert.match(text, /^vpce_doctor_unit_collection_duration_seconds\{account="444455556666",region="us-east-1"\} \d/m);
      assert.match(text, /^vpce_doctor_aws_api_calls_total\{service="ec2",operation="DescribeVpcEndpoints",outcome="denied"\} 2$/m);
      assert.match(text, /# TYPE vpce_doctor_unit_collection_failures_total counter/);
      assert.match(text, /# TYPE vpce_doctor_unit_data_age_seconds gauge/);
    } finally {
      fake.denyAccount(THIRD, false);
    }
  });
});
