import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { regionFromSnapshot } from '../sources/aws/fake-aws.js';
import { startFleetFake, type FleetFake } from '../sources/aws/fleet-fake.js';
import { isolateFromAws } from '../sources/aws/support.js';
import { runCli } from '../support/cli.js';

/**
 * "A person with read roles in a consumer and a provider account runs one command and gets
 * the whole procedure, both sides": the CLI with two --role-arn against the loopback fake of
 * STS, EC2 and ELBv2 (reached through AWS_ENDPOINT_URL, as the SDK reads it), the
 * fleet-cross-account example served as the two accounts.
 */

isolateFromAws();

const EXAMPLE = new URL('../../examples/fleet-cross-account/', import.meta.url).pathname;
const CONSUMER = '111122223333';
const PROVIDER = '444455556666';
const REGION = 'us-east-1';
const role = (accountId: string) => `arn:aws:iam::${accountId}:role/vpce-doctor-read`;

let fake: FleetFake;

before(async () => {
  fake = await startFleetFake({ baseAccountId: '999999999999' });
  fake.region(CONSUMER, REGION, await regionFromSnapshot(join(EXAMPLE, CONSUMER, REGION)));
  fake.region(PROVIDER, REGION, await regionFromSnapshot(join(EXAMPLE, PROVIDER, REGION)));
  process.env.AWS_ENDPOINT_URL = fake.url;
});

after(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await fake.close();
});

const live = ['--aws', '--region', REGION, '--role-arn', role(CONSUMER), '--role-arn', role(PROVIDER)];

describe('the CLI over two accounts, live', () => {
  it("analyze: both sides of the procedure, the provider's fault named in the provider's account", async () => {
    const result = await runCli([
      'analyze',
      ...live,
      '--endpoint',
      'vpce-0c5df4b356e4e567d',
      '--client-instance',
      'i-0862f03190fbae3bc',
      '--port',
      '443',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      verdict: string;
      provider: { accountId?: string; visibility: string };
      checks: { id: string; status: string; scope: { accountId?: string } }[];
    };
    assert.equal(report.verdict, 'blocked');
    assert.equal(report.provider.visibility, 'visible');
    assert.equal(report.provider.accountId, PROVIDER);
    const failing = report.checks.filter((check) => check.status === 'fail');
    assert.deepEqual([...new Set(failing.map((check) => check.id))], ['target.sg.inbound']);
    assert.ok(failing.every((check) => check.scope.accountId === PROVIDER));
    assert.ok(fake.assumed.some((assumed) => assumed.roleArn === role(PROVIDER)));
  });

  it('snapshot --out writes the fleet layout, which reads back to the same answer', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'vpce-doctor-live-fleet-')), 'out');
    try {
      const written = await runCli(['snapshot', ...live, '--out', dir]);
      assert.equal(written.code, 0, written.stderr);
      assert.deepEqual((await readdir(dir)).sort(), [CONSUMER, PROVIDER]);
      const offline = await runCli(['report', '--snapshot', dir, '--client-ip', '10.0.1.25', '--json']);
      assert.equal(offline.code, 0, offline.stderr);
      const rows = offline.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { endpointId: string; verdict: string; failing: string[] });
      assert.deepEqual(
        rows.map((row) => [row.endpointId, row.verdict, row.failing]),
        [['vpce-0c5df4b356e4e567d', 'blocked', ['target.sg.inbound']]],
      );
    } finally {
      await rm(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
