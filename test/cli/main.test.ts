import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

const EXAMPLE = new URL('../../examples/healthy-aws-service', import.meta.url).pathname;
const ENDPOINT = 'vpce-068e9dcc184a273ab';
const INSTANCE = 'i-0862f03190fbae3bc';

describe('vpce-doctor CLI', () => {
  it('analyses the bundled example by default and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['analyze', '--endpoint', ENDPOINT, '--client-instance', INSTANCE]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Verdict\s+REACHABLE/);
  });

  it('exits 0 for a blocked verdict too: the verdict is the output, not an error', async () => {
    const dir = new URL('../../examples/endpoint-sg-missing-port', import.meta.url).pathname;
    const scenario = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')) as { endpointId: string; client: { ip: string } };
    const { code, stdout } = await runCli(['analyze', '--snapshot', dir, '--endpoint', scenario.endpointId, '--client-ip', scenario.client.ip]);
    assert.equal(code, 0);
    assert.match(stdout, /Verdict\s+BLOCKED/);
    assert.match(stdout, /aws ec2 authorize-security-group-ingress --group-id sg-/);
  });

  it('lists the interface endpoints', async () => {
    const { code, stdout } = await runCli(['endpoints', '--snapshot', EXAMPLE, '--json']);
    assert.equal(code, 0);
    const endpoints = JSON.parse(stdout) as { id: string; networkInterfaces: unknown[] }[];
    assert.deepEqual(
      endpoints.map((endpoint) => endpoint.id),
      [ENDPOINT],
    );
    assert.ok(endpoints[0]!.networkInterfaces.length >= 2);
  });

  const usageErrors: [string, string[], RegExp][] = [
    [
      'an endpoint id not in the snapshot',
      ['analyze', '--endpoint', 'vpce-00000000000000000', '--client-ip', '10.0.1.10'],
      /endpoint vpce-00000000000000000 is not in the captured data/,
    ],
    ['no client', ['analyze', '--endpoint', ENDPOINT], /give the client: --client-ip, --client-eni or --client-instance/],
    [
      'a port out of range',
      ['analyze', '--endpoint', ENDPOINT, '--client-ip', '10.0.1.10', '--port', '70000'],
      /--port: "70000" is not a port from 1 to 65535/,
    ],
    [
      'a malformed ephemeral range',
      ['analyze', '--endpoint', ENDPOINT, '--client-ip', '10.0.1.10', '--client-ephemeral-ports', '60000-1024'],
      /--client-ephemeral-ports: "60000-1024"/,
    ],
    ['an IP that is not one', ['analyze', '--endpoint', ENDPOINT, '--client-ip', '10.0.1'], /client IP "10.0.1" is not an IPv4 or IPv6 address/],
    [
      'an instance not in the snapshot',
      ['analyze', '--endpoint', ENDPOINT, '--client-instance', 'i-00000000000000000'],
      /instance i-00000000000000000 has no network interface/,
    ],
    [
      'a snapshot directory that does not exist',
      ['endpoints', '--snapshot', '/nonexistent/snapshot'],
      /^vpce-doctor: snapshot directory \/nonexistent\/snapshot: no such directory$/m,
    ],
    ['an unknown command', ['diagnose'], /unknown command 'diagnose'/],
    ['a missing required option', ['analyze', '--client-ip', '10.0.1.10'], /required option '--endpoint <id>' not specified/],
  ];
  for (const [what, argv, message] of usageErrors) {
    it(`exits 2 with a message on stderr and nothing on stdout for ${what}`, async () => {
      const { code, stdout, stderr } = await runCli(argv);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, message);
    });
  }

  it('exits 2 naming the file and JSON path of a malformed snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-cli-'));
    try {
      await mkdir(join(dir, 'ec2'));
      await writeFile(join(dir, 'ec2/DescribeVpcEndpoints.json'), JSON.stringify({ VpcEndpoints: [{ VpcEndpointId: 42 }] }));
      const { code, stderr } = await runCli(['endpoints', '--snapshot', dir]);
      assert.equal(code, 2);
      assert.match(stderr, /ec2\/DescribeVpcEndpoints\.json: \$\.VpcEndpoints\[0\]\.VpcEndpointId: expected a string, found number 42/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs as a real process through its bin entry, with the exit codes above', () => {
    const bin = new URL('../../bin/vpce-doctor.js', import.meta.url).pathname;
    const ok = spawnSync(process.execPath, [bin, 'analyze', '--endpoint', ENDPOINT, '--client-instance', INSTANCE, '--json'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { verdict: string }).verdict, 'reachable');
    const bad = spawnSync(process.execPath, [bin, 'analyze', '--endpoint', 'vpce-00000000000000000', '--client-ip', '10.0.1.10'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /vpce-00000000000000000/);
  });
});

describe('the readable report', () => {
  it('numbers each fix once, in order', async () => {
    const dir = new URL('../../examples/provider-target-sg-client-cidr', import.meta.url).pathname;
    const scenario = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')) as { endpointId: string; client: { eniId: string } };
    const { stdout } = await runCli(['analyze', '--snapshot', dir, '--endpoint', scenario.endpointId, '--client-eni', scenario.client.eniId, '--port', '443']);
    const listed = [...stdout.matchAll(/^ {8}fix \[(\d+)\]: /gm)].map((match) => Number(match[1]));
    assert.ok(listed.length >= 1, stdout);
    assert.deepEqual(
      listed,
      listed.map((_, index) => index + 1),
    );
  });
});
