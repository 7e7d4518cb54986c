import { Socket, type TcpNetConnectOpts } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { AwsResponsesJson } from '../../../src/sources/aws/responses.js';
import { FakeAwsRegion, type FakeRegionOptions } from './fake-aws.js';

const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);
let guarded = false;

/**
 * The host a `Socket#connect` call would reach, from any of its forms; undefined for a
 * local (IPC) path. http and tls call it with node's normalized arguments: one array,
 * options first.
 */
export function connectHost(args: readonly unknown[]): string | undefined {
  const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  if (typeof first === 'object' && first !== null) {
    const options = first as Partial<TcpNetConnectOpts> & { path?: string };
    return options.path === undefined ? (options.host ?? 'localhost') : undefined;
  }
  if (typeof first === 'string' && second === undefined) return undefined;
  return typeof second === 'string' ? second : 'localhost';
}

/** Makes any TCP connection to an address off this machine throw, before a DNS lookup or a packet. */
function allowLoopbackOnly(): void {
  if (guarded) return;
  guarded = true;
  const connect = Socket.prototype.connect;
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    const host = connectHost(args);
    if (host !== undefined && !LOOPBACK.has(host)) throw new Error(`a test tried to connect to ${host}: tests stay on loopback`);
    return (connect as (...parameters: unknown[]) => Socket).apply(this, args);
  } as typeof connect;
}

/**
 * Keeps the SDK on this machine: no instance metadata service, no shared config or
 * credentials file, no endpoint from the environment, fake static credentials, and no TCP
 * connection anywhere but loopback. Every AWS test file calls it before it builds a client.
 */
export function isolateFromAws(): void {
  allowLoopbackOnly();
  for (const name of Object.keys(process.env)) {
    if (/^AWS_/.test(name)) delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: '/nonexistent/vpce-doctor-test/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/vpce-doctor-test/credentials',
    // The pinned SDK still runs on Node 20; its notice of a future Node 22 floor is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

export const REGION = 'us-east-1';
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret-access-key' };
/** The discard port on loopback: a command no stub answers fails here rather than reaching AWS. */
const UNREACHABLE = 'http://127.0.0.1:9';

export interface MockedRegion {
  readonly region: FakeAwsRegion;
  readonly ec2: AwsClientStub<EC2Client>;
  readonly elbv2: AwsClientStub<ElasticLoadBalancingV2Client>;
  readonly clients: { readonly ec2: EC2Client; readonly elbv2: ElasticLoadBalancingV2Client };
}

/** Clients whose `send` is stubbed by aws-sdk-client-mock and answered by a fake region. */
export function mockedRegion(data: AwsResponsesJson, options?: FakeRegionOptions): MockedRegion {
  const config = { region: REGION, credentials: FAKE_CREDENTIALS, endpoint: UNREACHABLE, maxAttempts: 1 };
  const clients = { ec2: new EC2Client(config), elbv2: new ElasticLoadBalancingV2Client(config) };
  const region = new FakeAwsRegion(data, options);
  const ec2 = mockClient(clients.ec2);
  const elbv2 = mockClient(clients.elbv2);
  region.attach(ec2, elbv2);
  return { region, ec2, elbv2, clients };
}
