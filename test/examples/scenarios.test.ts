import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { ReportSchema, type Report } from '../../src/core/report.js';
import { runCli } from '../support/cli.js';

/** Every bundled example gives, through the CLI, the verdict and check statuses it promises. */

interface Scenario {
  description: string;
  endpointId: string;
  client: { ip?: string; eniId?: string; instanceId?: string };
  port?: number;
  clientEphemeralPorts?: string;
  expectedVerdict: Report['verdict'];
  expectedChecks: Record<string, string | Record<string, string>>;
}

const EXAMPLES_DIR = new URL('../../examples/', import.meta.url).pathname;
const examples = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function argsOf(name: string, scenario: Scenario): string[] {
  return [
    'analyze',
    '--snapshot',
    join(EXAMPLES_DIR, name),
    '--endpoint',
    scenario.endpointId,
    ...(scenario.client.ip ? ['--client-ip', scenario.client.ip] : []),
    ...(scenario.client.eniId ? ['--client-eni', scenario.client.eniId] : []),
    ...(scenario.client.instanceId ? ['--client-instance', scenario.client.instanceId] : []),
    ...(scenario.port !== undefined ? ['--port', String(scenario.port)] : []),
    ...(scenario.clientEphemeralPorts ? ['--client-ephemeral-ports', scenario.clientEphemeralPorts] : []),
  ];
}

describe('bundled examples', () => {
  it('has examples to check', () => {
    assert.ok(examples.length >= 6, `found ${examples.length}`);
  });

  for (const name of examples) {
    it(`${name}: the verdict and every expected check status`, async () => {
      const scenario = JSON.parse(readFileSync(join(EXAMPLES_DIR, name, 'scenario.json'), 'utf8')) as Scenario;
      const { code, stdout, stderr } = await runCli([...argsOf(name, scenario), '--json']);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
      const report = JSON.parse(stdout) as Report;
      assert.ok(Value.Check(ReportSchema, report), JSON.stringify([...Value.Errors(ReportSchema, report)].slice(0, 3)));
      assert.equal(report.verdict, scenario.expectedVerdict, report.verdictSummary);
      for (const [checkId, expected] of Object.entries(scenario.expectedChecks)) {
        const checks = report.checks.filter((check) => check.id === checkId);
        assert.ok(checks.length > 0, `${checkId} is reported`);
        if (typeof expected === 'string') {
          for (const check of checks)
            assert.equal(check.status, expected, `${checkId} on ${check.scope.networkInterfaceId ?? 'the endpoint'}: ${check.summary}`);
        } else {
          for (const [eniId, status] of Object.entries(expected)) {
            const onEni = checks.filter((check) => check.scope.networkInterfaceId === eniId);
            assert.ok(onEni.length > 0, `${checkId} on ${eniId} is reported`);
            for (const check of onEni) assert.equal(check.status, status, `${checkId} on ${eniId}: ${check.summary}`);
          }
        }
      }
      for (const check of report.checks.filter((c) => c.status === 'fail' || c.status === 'warn')) {
        assert.ok(check.remediation, `${check.id} (${check.status}) on ${check.scope.networkInterfaceId ?? 'the endpoint'} carries a remediation`);
      }
    });

    it(`${name}: the readable report names the verdict and every check that does not pass (every check with --verbose)`, async () => {
      const scenario = JSON.parse(readFileSync(join(EXAMPLES_DIR, name, 'scenario.json'), 'utf8')) as Scenario;
      const { code, stdout } = await runCli(argsOf(name, scenario));
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`Verdict\\s+${scenario.expectedVerdict.toUpperCase()}`));
      for (const [checkId, status] of Object.entries(scenario.expectedChecks)) {
        const statuses = typeof status === 'string' ? [status] : Object.values(status);
        if (statuses.some((one) => one !== 'pass' && one !== 'not_applicable')) assert.ok(stdout.includes(checkId), checkId);
      }
      const verbose = await runCli([...argsOf(name, scenario), '--verbose']);
      for (const checkId of Object.keys(scenario.expectedChecks)) assert.ok(verbose.stdout.includes(checkId), `--verbose: ${checkId}`);
    });
  }
});
