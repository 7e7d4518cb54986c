import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freeLoopbackPort } from './support/net.js';
import { ec2Answer, ec2Error, elbv2Answer, startQueryServer, type QueryServer } from './sources/aws/query-server.js';

/**
 * The service and the CLI on VPCE_DOCTOR_SOURCE=aws against an emulated AWS on 127.0.0.1
 * (AWS_ENDPOINT_URL): one interface endpoint, every other listing empty, and the NACL
 * listing denied, as a read-only role missing a permission would see it.
 */

const ENDPOINT = 'vpce-0aaaabbbbccccdddd';
const ENDPOINT_XML = `<vpcEndpointSet><item><vpcEndpointId>${ENDPOINT}</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>vpc-0aaaabbbbccccdddd</vpcId><serviceName>com.amazonaws.us-east-1.kms</serviceName><state>available</state><ownerId>111122223333</ownerId><subnetIdSet/><groupSet/><networkInterfaceIdSet/><privateDnsEnabled>true</privateDnsEnabled><dnsEntrySet/></item></vpcEndpointSet>`;
const EMPTY_SETS: Record<string, string> = {
  DescribeNetworkInterfaces: '<networkInterfaceSet/>',
  DescribeSubnets: '<subnetSet/>',
  DescribeSecurityGroups: '<securityGroupInfo/>',
};

let server: QueryServer;
let root: string;

function awsEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(AWS_|VPCE_DOCTOR_)/.test(name)) env[name] = value;
  return {
    ...env,
    AWS_ENDPOINT_URL: server.url,
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vpce-doctor-live-'));
  server = await startQueryServer((request) => {
    if (request.action === 'DescribeVpcEndpoints') return ec2Answer(request.action, ENDPOINT_XML);
    if (request.action === 'DescribeNetworkAcls') return ec2Error(403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
    if (EMPTY_SETS[request.action] !== undefined) return ec2Answer(request.action, EMPTY_SETS[request.action]);
    return request.action.startsWith('Describe') && !request.action.includes('Vpc') ? elbv2Answer(request.action) : ec2Answer(request.action);
  });
});

after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

/** Asynchronously: the emulated AWS answers from this process's event loop. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { env: awsEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('live AWS source (emulated on loopback)', () => {
  it('the CLI lists endpoints with --aws, and an analysis says which permission is missing', async () => {
    const listed = await cli(['endpoints', '--aws', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { id: string }[]).map((endpoint) => endpoint.id),
      [ENDPOINT],
    );
    const analysed = await cli(['analyze', '--aws', '--endpoint', ENDPOINT, '--client-ip', '192.168.1.10', '--json']);
    assert.equal(analysed.status, 0, analysed.stderr);
    const report = JSON.parse(analysed.stdout) as { source: { kind: string }; checks: { id: string; status: string; summary: string }[] };
    assert.equal(report.source.kind, 'aws');
    assert.ok(server.actions().includes('DescribeNetworkAcls'));
    assert.ok(
      report.checks.every((check) => !(check.id.includes('nacl') && check.status === 'pass')),
      'never a silent pass',
    );
  });

  it('vpce-doctor snapshot --aws --out writes the fetched data, which reads back', async () => {
    const out = join(root, 'exported');
    const written = await cli(['snapshot', '--aws', '--out', out]);
    assert.equal(written.status, 0, written.stderr);
    assert.match(written.stderr, /not captured: networkAcls: .*missing permission ec2:DescribeNetworkAcls/);
    assert.ok((await readdir(join(out, 'ec2'))).includes('DescribeVpcEndpoints.json'));
    const replayed = await cli(['endpoints', '--snapshot', out, '--json']);
    assert.equal(replayed.status, 0, replayed.stderr);
    assert.deepEqual(
      (JSON.parse(replayed.stdout) as { id: string }[]).map((endpoint) => endpoint.id),
      [ENDPOINT],
    );
  });

  it('the service serves VPCE_DOCTOR_SOURCE=aws, and exports it on GET /v1/snapshot', async () => {
    const port = await freeLoopbackPort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...awsEnv(), VPCE_DOCTOR_SOURCE: 'aws', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const base = `http://127.0.0.1:${port}`;
      let ready = 0;
      for (let attempt = 0; attempt < 120 && ready !== 200; attempt++) {
        ready = await fetch(`${base}/readyz`).then(
          (response) => response.status,
          () => 0,
        );
        if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal(ready, 200, stderr);
      const endpoints = (await (await fetch(`${base}/v1/endpoints`)).json()) as { items: { id: string }[] };
      assert.deepEqual(
        endpoints.items.map((endpoint) => endpoint.id),
        [ENDPOINT],
      );
      const exported = (await (await fetch(`${base}/v1/snapshot`)).json()) as {
        source: { kind: string };
        failures: Record<string, string>;
        files: Record<string, unknown>;
      };
      assert.equal(exported.source.kind, 'aws');
      assert.ok(exported.files['ec2/DescribeVpcEndpoints.json']);
      assert.match(exported.failures.networkAcls ?? '', /ec2:DescribeNetworkAcls/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
