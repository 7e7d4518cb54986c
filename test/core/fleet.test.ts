import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze.js';
import { AnalysisError } from '../../src/core/errors.js';
import { fleetReportRows } from '../../src/core/fleet-report.js';
import { listInterfaceEndpoints } from '../../src/core/inventory.js';
import type { Check, CheckId, Report } from '../../src/core/report.js';
import { readFleetSnapshot } from '../../src/sources/snapshot/fleet.js';

/**
 * Contract §5: many accounts and regions, and the cross-account join from a consumer's
 * endpoint to its provider's NLB, read from fleet snapshots laid out as
 * `<root>/<account>/<region>/` + the §4 layout.
 */

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const FLEET = join(EXAMPLES, 'fleet-cross-account');
const CONSUMER = '111122223333';
const PROVIDER = '444455556666';
const ENDPOINT = 'vpce-0c5df4b356e4e567d';
const CLIENT = { instanceId: 'i-0862f03190fbae3bc' };

const checksOf = (report: Report, id: CheckId): Check[] => report.checks.filter((check) => check.id === id);
const statuses = (report: Report, id: CheckId): string[] => checksOf(report, id).map((check) => check.status);

let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vpce-doctor-fleet-'));
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of the fleet example to change, under its own name. */
async function copyOfFleet(name: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(FLEET, dir, { recursive: true });
  return dir;
}

describe('fleet snapshots (contract §5)', () => {
  it('reads one unit per <account>/<region> folder', async () => {
    const { fleet, ignored } = await readFleetSnapshot(FLEET);
    assert.deepEqual(
      fleet.units.map((unit) => unit.key),
      [`${CONSUMER}/us-east-1`, `${PROVIDER}/us-east-1`],
    );
    assert.ok(fleet.units.every((unit) => unit.model));
    assert.deepEqual(ignored, []);
  });

  it('reads a §4 snapshot at the root as one unit, its account and region taken from the data', async () => {
    const { fleet } = await readFleetSnapshot(join(EXAMPLES, 'provider-healthy'));
    assert.equal(fleet.units.length, 1);
    assert.equal(fleet.units[0]!.accountId, CONSUMER);
    assert.equal(fleet.units[0]!.region, 'us-east-1');
  });

  it("joins the consumer's endpoint to the provider account's NLB and names the provider's fault in the provider's account", async () => {
    const { fleet } = await readFleetSnapshot(FLEET);
    const report = analyze(fleet, { endpointId: ENDPOINT, client: CLIENT, port: 443 });
    assert.equal(report.verdict, 'blocked', report.verdictSummary);
    assert.equal(report.endpoint.accountId, CONSUMER);
    assert.equal(report.provider.visibility, 'visible');
    assert.equal(report.provider.accountId, PROVIDER);
    assert.deepEqual(statuses(report, 'target.sg.inbound'), ['fail', 'fail']);
    for (const id of ['endpoint.sg.inbound', 'client.sg.outbound', 'nlb.sg.inbound', 'target.nacl.inbound', 'target.health'] as const) {
      assert.deepEqual(statuses(report, id), ['pass', 'pass'], id);
    }
    const [failing] = checksOf(report, 'target.sg.inbound');
    assert.equal(failing!.scope.accountId, PROVIDER);
    assert.match(failing!.remediation!.summary, /^in account 444455556666 in us-east-1 \(the provider's\)/);
    assert.match(failing!.summary, /it allows the client 10\.0\.1\.25, but PrivateLink traffic reaches targets from the NLB's private IPs/);
    // Consumer checks stay the consumer's: no account on their scope.
    assert.equal(checksOf(report, 'endpoint.sg.inbound')[0]!.scope.accountId, undefined);
  });

  it('matches AZs across accounts by AZ id, never by name (the names are shuffled between the two accounts)', async () => {
    const { fleet } = await readFleetSnapshot(FLEET);
    const report = analyze(fleet, { endpointId: ENDPOINT, client: CLIENT, port: 443 });
    const health = checksOf(report, 'target.health');
    // The consumer's us-east-1a interface is use1-az1, which is the provider's us-east-1c.
    assert.equal(health[0]!.scope.availabilityZone, 'us-east-1a');
    assert.match(health[0]!.summary, /in use1-az1/);
    assert.match(health[0]!.evidence.map((item) => item.text).join(' '), /i-02a97dc9fa31bc00a \(use1-az1\) is healthy/);
    assert.match(health[1]!.evidence.map((item) => item.text).join(' '), /i-00de6b779be2f95e6 \(use1-az2\) is healthy/);
  });

  it('names the owner account when the provider is not in the data', async () => {
    const dir = await copyOfFleet('consumer-only');
    await rm(join(dir, PROVIDER), { recursive: true });
    const { fleet } = await readFleetSnapshot(dir);
    const report = analyze(fleet, { endpointId: ENDPOINT, client: CLIENT, port: 443 });
    assert.equal(report.verdict, 'unknown');
    assert.equal(report.provider.visibility, 'not-visible');
    assert.match(report.provider.note ?? '', /endpoint service vpce-svc-0e61021529b366ea2 belongs to account 444455556666, which is not in the data/);
    for (const check of report.checks.filter((item) => item.id === 'target.health' || item.id === 'nlb.sg.inbound')) assert.equal(check.status, 'unknown');
  });

  it("isolates a unit that cannot be read: the others answer, and the provider's failure is named", async () => {
    const dir = await copyOfFleet('provider-broken');
    await writeFile(join(dir, PROVIDER, 'us-east-1', 'ec2', 'DescribeSubnets.json'), '{"Subnets": [');
    const { fleet } = await readFleetSnapshot(dir);
    const provider = fleet.units.find((unit) => unit.accountId === PROVIDER)!;
    assert.equal(provider.model, undefined);
    assert.match(provider.failure ?? '', /DescribeSubnets\.json/);
    const report = analyze(fleet, { endpointId: ENDPOINT, client: CLIENT, port: 443 });
    assert.match(
      report.provider.note ?? '',
      /belongs to account 444455556666, whose data could not be read \(444455556666\/us-east-1: .*DescribeSubnets\.json/,
    );
    assert.deepEqual(statuses(report, 'endpoint.sg.inbound'), ['pass', 'pass']);
  });

  it('refuses an id found in two units without a unit named, listing both; accountId picks one', async () => {
    const dir = await copyOfFleet('duplicate');
    await cp(join(dir, CONSUMER), join(dir, '999988887777'), { recursive: true });
    const { fleet } = await readFleetSnapshot(dir);
    assert.throws(
      () => analyze(fleet, { endpointId: ENDPOINT, client: CLIENT, port: 443 }),
      (error: unknown) =>
        error instanceof AnalysisError &&
        error.code === 'ambiguous_id' &&
        error.message.includes(`${CONSUMER}/us-east-1`) &&
        error.message.includes('999988887777/us-east-1'),
    );
    const report = analyze(fleet, { endpointId: ENDPOINT, accountId: '999988887777', client: CLIENT, port: 443 });
    assert.equal(report.endpoint.accountId, '999988887777');
    assert.equal(report.provider.accountId, PROVIDER);
  });

  it('joins only within the endpoint region, or its ServiceRegion for cross-region PrivateLink', async () => {
    const dir = await copyOfFleet('cross-region');
    await cp(join(dir, PROVIDER, 'us-east-1'), join(dir, PROVIDER, 'us-west-2'), { recursive: true });
    await rm(join(dir, PROVIDER, 'us-east-1'), { recursive: true });
    const unjoined = analyze((await readFleetSnapshot(dir)).fleet, { endpointId: ENDPOINT, client: CLIENT, port: 443 });
    assert.equal(unjoined.provider.visibility, 'not-visible');
    const endpointsFile = join(dir, CONSUMER, 'us-east-1', 'ec2', 'DescribeVpcEndpoints.json');
    const document = JSON.parse(await readFile(endpointsFile, 'utf8')) as { VpcEndpoints: Record<string, unknown>[] };
    document.VpcEndpoints[0]!['ServiceRegion'] = 'us-west-2';
    await writeFile(endpointsFile, JSON.stringify(document));
    const joined = analyze((await readFleetSnapshot(dir)).fleet, { endpointId: ENDPOINT, client: CLIENT, port: 443 });
    assert.equal(joined.provider.visibility, 'visible');
    assert.equal(joined.provider.region, 'us-west-2');
  });

  it('lists endpoints across units with their account and region, filtered by either', async () => {
    const { fleet } = await readFleetSnapshot(FLEET);
    const all = listInterfaceEndpoints(fleet);
    assert.deepEqual(
      all.map((endpoint) => [endpoint.id, endpoint.accountId, endpoint.region]),
      [[ENDPOINT, CONSUMER, 'us-east-1']],
    );
    assert.deepEqual(listInterfaceEndpoints(fleet, { accountId: PROVIDER }), []);
  });

  it('reports every endpoint of the fleet for one client, a row each', async () => {
    const { fleet } = await readFleetSnapshot(FLEET);
    const rows = [...fleetReportRows(fleet, { client: { ip: '10.0.1.25' } })];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.verdict, 'blocked');
    assert.deepEqual(rows[0]!.failing, ['target.sg.inbound']);
    assert.equal(rows[0]!.providerAccountId, PROVIDER);
    assert.deepEqual([...fleetReportRows(fleet, { client: { ip: '10.0.1.25' }, accountId: PROVIDER })], []);
  });
});
