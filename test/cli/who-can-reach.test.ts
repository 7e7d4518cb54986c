import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { FleetWorkloadRowSchema, ReachabilitySchema } from '../../src/core/reachability.js';
import { runCli } from '../support/cli.js';

/** `vpce-doctor who-can-reach` and `report --all-workloads` on the bundled examples. */

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const SG_MISSING = join(EXAMPLES, 'endpoint-sg-missing-port');
const SG_MISSING_ENDPOINT = (JSON.parse(readFileSync(join(SG_MISSING, 'scenario.json'), 'utf8')) as { endpointId: string }).endpointId;
const FLEET = join(EXAMPLES, 'fleet-cross-account');

describe('vpce-doctor who-can-reach', () => {
  it('prints each interface’s admitted sources, the exposure and the workload groups with their proven plans', async () => {
    const { code, stdout, stderr } = await runCli(['who-can-reach', '--snapshot', SG_MISSING, '--endpoint', SG_MISSING_ENDPOINT]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /IPv4: none/);
    assert.match(stdout, /endpoint\.sg\.inbound: no SG rule: none of sg-0d3885bab18906d3d allows tcp 443 from it/);
    assert.match(stdout, /the same as eni-/);
    assert.match(stdout, /Workloads: 1 group of 1 network interface: 0 reachable, 0 partial, 1 blocked, 0 unknown/);
    assert.match(stdout, /BLOCKED {2}subnet-\S+ \[sg-0c44172a126845ea3\]/);
    assert.match(stdout, /proven for every interface of the group/);
    assert.match(stdout, /aws ec2 authorize-security-group-ingress --group-id sg-0d3885bab18906d3d/);
  });

  it('--json prints the API answer; --trusted-cidr and --no-plans reach the core', async () => {
    const { code, stdout } = await runCli([
      'who-can-reach',
      '--snapshot',
      SG_MISSING,
      '--endpoint',
      SG_MISSING_ENDPOINT,
      '--json',
      '--no-plans',
      '--trusted-cidr',
      '10.0.0.0/8',
    ]);
    assert.equal(code, 0);
    const answer: unknown = JSON.parse(stdout);
    assert.ok(Value.Check(ReachabilitySchema, answer));
    assert.deepEqual(answer.exposure.trustedCidrs, ['10.0.0.0/8']);
    assert.equal(answer.workloads[0]!.fixPlan, undefined);
  });

  it('exits 2 on bad input, naming the option', async () => {
    const bad = await runCli(['who-can-reach', '--snapshot', SG_MISSING, '--endpoint', SG_MISSING_ENDPOINT, '--trusted-cidr', '10.0.0.0/33']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--trusted-cidr: "10\.0\.0\.0\/33" is not an IPv4 or IPv6 CIDR/);
    const port = await runCli(['who-can-reach', '--snapshot', SG_MISSING, '--endpoint', SG_MISSING_ENDPOINT, '--port', '0']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port/);
  });
});

describe('vpce-doctor report --all-workloads', () => {
  it('gives a row per endpoint and workload group without a client, as JSON lines or a table', async () => {
    const json = await runCli(['report', '--snapshot', FLEET, '--all-workloads', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.ok(rows.length >= 1);
    for (const row of rows) assert.ok(Value.Check(FleetWorkloadRowSchema, row), JSON.stringify(row));
    const table = await runCli(['report', '--snapshot', FLEET, '--all-workloads']);
    assert.match(table.stdout, /Endpoint x workload group pairs: \d+ /);
    const withClient = await runCli(['report', '--snapshot', FLEET, '--all-workloads', '--client-ip', '10.0.1.25']);
    assert.equal(withClient.code, 2);
    assert.match(withClient.stderr, /--all-workloads judges every workload: give no client/);
  });
});
