import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

/** The CLI on fleet snapshots (many accounts and regions) and on incomplete captures. */

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const FLEET = join(EXAMPLES, 'fleet-cross-account');
const ENDPOINT = 'vpce-0c5df4b356e4e567d';

describe('vpce-doctor CLI over a fleet', () => {
  it('report: one row per endpoint, the failing check and the provider account', async () => {
    const table = await runCli(['report', '--snapshot', FLEET, '--client-ip', '10.0.1.25']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^BLOCKED {2}vpce-0c5df4b356e4e567d {2}111122223333\/us-east-1\b[^\n]*\n(?: {2}\S[^\n]*\n)*? {2}failing: target\.sg\.inbound$/m);
    assert.match(table.stdout, /Endpoints: 1 blocked/);
    const json = await runCli(['report', '--snapshot', FLEET, '--client-ip', '10.0.1.25', '--json']);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { endpointId: string; verdict: string; providerAccountId: string });
    assert.deepEqual(
      rows.map((row) => [row.endpointId, row.verdict, row.providerAccountId]),
      [[ENDPOINT, 'blocked', '444455556666']],
    );
    const none = await runCli(['report', '--snapshot', FLEET, '--client-ip', '10.0.1.25', '--account-id', '444455556666', '--json']);
    assert.equal(none.stdout, '');
  });

  it('endpoints: names each endpoint unit; --account-id filters', async () => {
    const listed = await runCli(['endpoints', '--snapshot', FLEET, '--json']);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { id: string; accountId: string }[]).map((endpoint) => [endpoint.id, endpoint.accountId]),
      [[ENDPOINT, '111122223333']],
    );
    assert.equal((await runCli(['endpoints', '--snapshot', FLEET, '--account-id', 'abc'])).code, 2);
  });

  it('analyze: an id in two units exits 2 listing both, and --account-id picks one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-cli-fleet-'));
    try {
      await cp(FLEET, dir, { recursive: true });
      await cp(join(dir, '111122223333'), join(dir, '999988887777'), { recursive: true });
      const ambiguous = await runCli(['analyze', '--snapshot', dir, '--endpoint', ENDPOINT, '--client-ip', '10.0.1.25', '--port', '443']);
      assert.equal(ambiguous.code, 2);
      assert.match(ambiguous.stderr, /in 2 units: 111122223333\/us-east-1, 999988887777\/us-east-1/);
      const named = await runCli([
        'analyze',
        '--snapshot',
        dir,
        '--endpoint',
        ENDPOINT,
        '--client-ip',
        '10.0.1.25',
        '--port',
        '443',
        '--account-id',
        '999988887777',
        '--json',
      ]);
      assert.equal(named.code, 0, named.stderr);
      assert.equal((JSON.parse(named.stdout) as { endpoint: { accountId: string } }).endpoint.accountId, '999988887777');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('analyze: a capture with one page of several says so under "Data warnings"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-cli-truncated-'));
    try {
      const source = join(EXAMPLES, 'nacl-differs-per-subnet');
      await cp(source, dir, { recursive: true });
      const file = join(dir, 'ec2', 'DescribeNetworkAcls.json');
      const document = JSON.parse(await readFile(file, 'utf8')) as { NetworkAcls: unknown[]; NextToken?: string };
      // `--max-items 1`: the first page and a token.
      document.NetworkAcls = document.NetworkAcls.slice(0, 1);
      document.NextToken = 'eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==';
      await writeFile(file, JSON.stringify(document, null, 4));
      const scenario = JSON.parse(await readFile(join(source, 'scenario.json'), 'utf8')) as { endpointId: string; client: { eniId: string } };
      const result = await runCli(['analyze', '--snapshot', dir, '--endpoint', scenario.endpointId, '--client-eni', scenario.client.eniId, '--port', '443']);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /Verdict\s+REACHABLE/);
      assert.match(result.stdout, /Data warnings[\s\S]*ec2\/DescribeNetworkAcls\.json: .*one page of several/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
