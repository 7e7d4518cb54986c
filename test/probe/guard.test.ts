import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { NetworkModel } from '../../src/core/model.js';
import { endpointInterfaceTargets, isForbiddenAddress, ProbeRefusedError, selectProbeTargets, type ProbeTarget } from '../../src/probe/guard.js';
import { Prober } from '../../src/probe/run.js';
import { ProbeService } from '../../src/probe/service.js';
import type { Connector } from '../../src/probe/tcp.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';

/**
 * The prober's safety rules: only the discovered private IPs of an endpoint's own network
 * interfaces, in their exact spelling or by interface id, only on allowed ports, and never a
 * link-local, multicast, broadcast or unspecified address whatever the data says. The
 * fixture is AWS CLI JSON whose endpoint interfaces carry loopback addresses.
 */

const ACCOUNT = '123456789012';
const VPC = 'vpc-0a1b2c3d4e5f60718';
const ENDPOINT = 'vpce-0123456789abcdef0';
const ENDPOINT_SG = 'sg-0e1e2e3e4e5e6e7e8';
const A = { eni: 'eni-0a0a0a0a0a0a0a0a1', subnet: 'subnet-0a0a0a0a0a0a0a0a1', cidr: '127.0.0.0/28', ip: '127.0.0.2', az: 'us-east-1a', azId: 'use1-az1' };
const B = { eni: 'eni-0b0b0b0b0b0b0b0b2', subnet: 'subnet-0b0b0b0b0b0b0b0b2', cidr: '127.0.0.16/28', ip: '127.0.0.18', az: 'us-east-1b', azId: 'use1-az2' };
/** A client instance's interface in the same VPC: in the data, but not the endpoint's. */
const CLIENT = {
  eni: 'eni-0c1c2c3c4c5c6c7c8',
  subnet: 'subnet-0c1c2c3c4c5c6c7c8',
  cidr: '127.0.0.32/28',
  ip: '127.0.0.40',
  az: 'us-east-1a',
  azId: 'use1-az1',
};

interface Poison {
  /** Extra secondary private IPs on interface A, as corrupted or hostile data might list. */
  readonly privateIps?: string[];
  readonly ipv6?: string[];
}

function documents(poison: Poison = {}): AwsDocuments {
  const subnet = (s: typeof A) => ({
    AvailabilityZone: s.az,
    AvailabilityZoneId: s.azId,
    AvailableIpAddressCount: 11,
    CidrBlock: s.cidr,
    DefaultForAz: false,
    MapPublicIpOnLaunch: false,
    State: 'available',
    SubnetId: s.subnet,
    VpcId: VPC,
    OwnerId: ACCOUNT,
    Ipv6CidrBlockAssociationSet: [],
  });
  const eni = (s: typeof A, endpoint: boolean, extraIps: string[] = [], ipv6: string[] = []) => ({
    AvailabilityZone: s.az,
    Description: endpoint ? `VPC Endpoint Interface ${ENDPOINT}` : '',
    Groups: [{ GroupName: endpoint ? 'vpce-secretsmanager' : 'app-clients', GroupId: endpoint ? ENDPOINT_SG : 'sg-0c1c2c3c4c5c6c7c8' }],
    InterfaceType: endpoint ? 'vpc_endpoint' : 'interface',
    Ipv6Addresses: ipv6.map((Ipv6Address) => ({ Ipv6Address, IsPrimaryIpv6: false })),
    NetworkInterfaceId: s.eni,
    OwnerId: ACCOUNT,
    PrivateIpAddress: s.ip,
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: s.ip }, ...extraIps.map((PrivateIpAddress) => ({ Primary: false, PrivateIpAddress }))],
    RequesterManaged: endpoint,
    Status: 'in-use',
    SubnetId: s.subnet,
    VpcId: VPC,
  });
  return {
    DescribeVpcEndpoints: {
      VpcEndpoints: [
        {
          VpcEndpointId: ENDPOINT,
          VpcEndpointType: 'Interface',
          VpcId: VPC,
          ServiceName: 'com.amazonaws.us-east-1.secretsmanager',
          State: 'available',
          SubnetIds: [A.subnet, B.subnet],
          Groups: [{ GroupId: ENDPOINT_SG, GroupName: 'vpce-secretsmanager' }],
          PrivateDnsEnabled: true,
          NetworkInterfaceIds: [A.eni, B.eni],
          DnsEntries: [{ DnsName: `${ENDPOINT}-k3l5m2x9.secretsmanager.us-east-1.vpce.amazonaws.com`, HostedZoneId: 'Z7HUB22UULQXV' }],
          OwnerId: ACCOUNT,
        },
      ],
    },
    DescribeNetworkInterfaces: {
      NetworkInterfaces: [eni(CLIENT, false), eni(A, true, poison.privateIps, poison.ipv6), eni(B, true)],
    },
    DescribeSubnets: { Subnets: [subnet(CLIENT), subnet(A), subnet(B)] },
  };
}

function discovered(poison: Poison = {}): { model: NetworkModel; targets: Omit<ProbeTarget, 'port'>[] } {
  const model = modelFromAws(documents(poison));
  const endpoint = model.endpoints.get(ENDPOINT);
  assert.ok(endpoint);
  return { model, targets: endpointInterfaceTargets(model, endpoint) };
}

const ALLOWED = new Set([443, 8443]);
const notOurs = (text: string) => `target "${text}" is not a network interface of this endpoint: only the endpoint's own interfaces are probed`;
const misspelt = (text: string, canonical: string) =>
  `target "${text}" is not written as the interface's address ${canonical}: only the endpoint's own interfaces are probed`;

function refusal(run: () => unknown): ProbeRefusedError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ProbeRefusedError, `expected ProbeRefusedError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ProbeRefusedError, but the targets were accepted');
}

describe('endpointInterfaceTargets', () => {
  it("lists the endpoint's interfaces with their discovered addresses and AZs, not other interfaces", () => {
    assert.deepEqual(discovered().targets, [
      { networkInterfaceId: A.eni, address: A.ip, availabilityZone: A.az, availabilityZoneId: A.azId },
      { networkInterfaceId: B.eni, address: B.ip, availabilityZone: B.az, availabilityZoneId: B.azId },
    ]);
  });

  it('drops a forbidden address even when the data lists it on an endpoint interface', () => {
    const { model, targets } = discovered({
      privateIps: ['169.254.169.254', '169.254.170.2', '0.0.0.0', '224.0.0.1', '255.255.255.255'],
      ipv6: ['fe80::1', 'ff02::1'],
    });
    // The data did carry them: the model read them.
    const eni = model.networkInterfaces.get(A.eni);
    assert.ok(eni);
    assert.ok(eni.privateIps.some((address) => address.text === '169.254.169.254'));
    assert.ok(eni.ipv6Addresses.some((address) => address.text === 'fe80::1'));
    assert.deepEqual(
      targets.map((target) => target.address),
      [A.ip, B.ip],
    );
  });

  it('drops the IPv6 instance metadata address fd00:ec2::254 even when the data lists it', {}, () => {
    const { targets } = discovered({ ipv6: ['fd00:ec2::254'] });
    assert.deepEqual(
      targets.map((target) => target.address),
      [A.ip, B.ip],
    );
  });

  it('refuses an explicitly requested metadata address after dropping it from the data', () => {
    const { targets } = discovered({ privateIps: ['169.254.169.254'] });
    const error = refusal(() => selectProbeTargets(targets, ['169.254.169.254'], [443], ALLOWED));
    assert.equal(error.message, notOurs('169.254.169.254'));
  });
});

describe('isForbiddenAddress', () => {
  const forbidden = [
    '169.254.169.254',
    '169.254.170.2',
    '2852039166',
    '0251.0376.0251.0376',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    'fe80::1',
    'fe80::1%eth0',
    '0.0.0.0',
    '0.0.0.1',
    '::',
    '224.0.0.1',
    'ff02::1',
    '255.255.255.255',
    '240.0.0.1',
    'localhost',
    'instance-data.ec2.internal',
    '',
    ' 127.0.0.2',
  ];
  for (const address of forbidden) {
    it(`is true for ${JSON.stringify(address)}`, () => assert.equal(isForbiddenAddress(address), true));
  }
  for (const address of ['127.0.0.2', '10.0.10.45', '100.64.0.10', '2600:1f18:1234:5610::45']) {
    it(`is false for the private address ${address}`, () => assert.equal(isForbiddenAddress(address), false));
  }
  it('is true for the IPv6 instance metadata address fd00:ec2::254', {}, () => {
    assert.equal(isForbiddenAddress('fd00:ec2::254'), true);
  });
});

describe('selectProbeTargets refusals', () => {
  const { targets } = discovered();
  const table: [what: string, text: string, message: string][] = [
    ['an interface of the VPC that is not the endpoint’s', CLIENT.ip, notOurs(CLIENT.ip)],
    ['the id of an interface that is not the endpoint’s', CLIENT.eni, notOurs(CLIENT.eni)],
    ['an address in no interface', '127.0.0.99', notOurs('127.0.0.99')],
    ['the instance metadata address', '169.254.169.254', notOurs('169.254.169.254')],
    ['the ECS task metadata address', '169.254.170.2', notOurs('169.254.170.2')],
    ['an IPv6 link-local address', 'fe80::1', notOurs('fe80::1')],
    ['the unspecified address', '0.0.0.0', notOurs('0.0.0.0')],
    ['the IPv6 unspecified address', '::', notOurs('::')],
    ['a multicast address', '224.0.0.1', notOurs('224.0.0.1')],
    ['the broadcast address', '255.255.255.255', notOurs('255.255.255.255')],
    ['IPv4-mapped IPv6, dotted', '::ffff:127.0.0.2', misspelt('::ffff:127.0.0.2', A.ip)],
    ['IPv4-mapped IPv6, hex', '::ffff:7f00:2', misspelt('::ffff:7f00:2', A.ip)],
    ['IPv4-mapped IPv6, long form', '0:0:0:0:0:ffff:7f00:2', misspelt('0:0:0:0:0:ffff:7f00:2', A.ip)],
    ['IPv4-mapped IPv6, upper case', '::FFFF:127.0.0.2', misspelt('::FFFF:127.0.0.2', A.ip)],
    ['decimal', '2130706434', notOurs('2130706434')],
    ['octal', '0177.0.0.2', notOurs('0177.0.0.2')],
    ['zero-padded', '127.000.000.002', notOurs('127.000.000.002')],
    ['hex', '0x7f.0.0.2', notOurs('0x7f.0.0.2')],
    ['hex, whole', '0x7f000002', notOurs('0x7f000002')],
    ['short', '127.2', notOurs('127.2')],
    ['a name', 'localhost', notOurs('localhost')],
    ['an EC2 DNS name of the interface', 'ip-127-0-0-2.ec2.internal', notOurs('ip-127-0-0-2.ec2.internal')],
    ['the empty string', '', notOurs('')],
    ['the address with a leading space', ' 127.0.0.2', notOurs(' 127.0.0.2')],
    ['the address with a trailing newline', '127.0.0.2\n', notOurs('127.0.0.2\n')],
    ['the address with a port', '127.0.0.2:443', notOurs('127.0.0.2:443')],
    ['the address as a CIDR', '127.0.0.2/32', notOurs('127.0.0.2/32')],
    ['the interface id in upper case', A.eni.toUpperCase(), notOurs(A.eni.toUpperCase())],
  ];
  for (const [what, text, message] of table) {
    it(`refuses ${what} (${JSON.stringify(text)}) with the exact message`, () => {
      const error = refusal(() => selectProbeTargets(targets, [text], [443], ALLOWED));
      assert.equal(error.message, message);
      assert.equal(error.field, 'body.targets.0');
    });
  }

  it('refuses the whole request when one of several targets is refused, naming its index', () => {
    const error = refusal(() => selectProbeTargets(targets, [A.eni, '::ffff:127.0.0.18'], [443], ALLOWED));
    assert.equal(error.message, misspelt('::ffff:127.0.0.18', B.ip));
    assert.equal(error.field, 'body.targets.1');
  });

  it('refuses a port that is not allowed, listing the allowed ports', () => {
    const error = refusal(() => selectProbeTargets(targets, undefined, [22], ALLOWED));
    assert.equal(error.message, 'port 22 is neither a service port of this endpoint nor in the probe allow-list (443, 8443)');
    assert.equal(error.field, 'body.port');
  });

  it('refuses when any one of the ports is not allowed, and checks ports before targets', () => {
    const error = refusal(() => selectProbeTargets(targets, ['169.254.169.254'], [443, 8080], ALLOWED));
    assert.equal(error.message, 'port 8080 is neither a service port of this endpoint nor in the probe allow-list (443, 8443)');
    assert.equal(error.field, 'body.port');
  });

  for (const port of [0, -1, 65536, 443.5]) {
    it(`refuses the port ${port}`, () => {
      const error = refusal(() => selectProbeTargets(targets, undefined, [port], ALLOWED));
      assert.equal(error.message, `port ${port} is neither a service port of this endpoint nor in the probe allow-list (443, 8443)`);
    });
  }
});

describe('selectProbeTargets accepted forms', () => {
  const { targets } = discovered();
  const targetA = { networkInterfaceId: A.eni, address: A.ip, availabilityZone: A.az, availabilityZoneId: A.azId };
  const targetB = { networkInterfaceId: B.eni, address: B.ip, availabilityZone: B.az, availabilityZoneId: B.azId };

  it('accepts an interface id, and dials its discovered address', () => {
    assert.deepEqual(selectProbeTargets(targets, [A.eni], [443], ALLOWED), [{ ...targetA, port: 443 }]);
  });

  it('accepts the exact IP of an interface', () => {
    assert.deepEqual(selectProbeTargets(targets, [B.ip], [443], ALLOWED), [{ ...targetB, port: 443 }]);
  });

  it('probes every interface on every port when no target is named', () => {
    assert.deepEqual(selectProbeTargets(targets, undefined, [443, 8443], ALLOWED), [
      { ...targetA, port: 443 },
      { ...targetA, port: 8443 },
      { ...targetB, port: 443 },
      { ...targetB, port: 8443 },
    ]);
  });

  it('never passes the caller’s text on: the target object is the discovered one', () => {
    const [selected] = selectProbeTargets(targets, [A.eni], [8443], ALLOWED);
    assert.ok(selected);
    assert.equal(selected.address, A.ip);
    assert.ok(!isForbiddenAddress(selected.address));
  });
});

describe('ProbeService: a refused request dials nothing', () => {
  function service(allowedPorts: number[] = []) {
    const dialled: string[] = [];
    const connector: Connector = (address, port) => {
      assert.ok(address.startsWith('127.'), `a test must dial loopback only, not ${address}`);
      dialled.push(`${address}:${port}`);
      // Nothing is really dialled: the socket is refused at once.
      const socket = new Socket();
      setImmediate(() => socket.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
      return socket;
    };
    const prober = new Prober({ concurrency: 4, perEndpointConcurrency: 2, roundsPerMinute: 600, connector });
    const probes = new ProbeService({ prober, allowedPorts, defaults: { timeoutMs: 500, attempts: 1 }, selfIp: () => undefined });
    return { probes, dialled };
  }

  const refusedRequests: [string, { port?: number; targets?: string[] }, string][] = [
    ['a foreign IP', { targets: ['127.0.0.99'] }, notOurs('127.0.0.99')],
    ['the metadata address', { targets: ['169.254.169.254'] }, notOurs('169.254.169.254')],
    ['a mapped spelling', { targets: ['::ffff:7f00:2'] }, misspelt('::ffff:7f00:2', A.ip)],
    ['a decimal spelling', { targets: ['2130706434'] }, notOurs('2130706434')],
    ['a name', { targets: ['localhost'] }, notOurs('localhost')],
    ['a port not allowed', { port: 22 }, 'port 22 is neither a service port of this endpoint nor in the probe allow-list (443, 9443)'],
  ];
  for (const [what, request, message] of refusedRequests) {
    it(`refuses ${what} before any connect`, async () => {
      const { probes, dialled } = service([9443]);
      const { model } = discovered();
      await assert.rejects(probes.observe(model, ENDPOINT, request), (error: unknown) => error instanceof ProbeRefusedError && error.message === message);
      assert.deepEqual(dialled, []);
    });
  }

  it('dials only the discovered addresses on the service port of an AWS service (443)', async () => {
    const { probes, dialled } = service();
    const { model } = discovered({ privateIps: ['169.254.169.254'] });
    const { ports, results } = await probes.observe(model, ENDPOINT, {});
    assert.deepEqual(ports, [443]);
    assert.deepEqual(dialled.sort(), [`${A.ip}:443`, `${B.ip}:443`].sort());
    assert.deepEqual(
      results.map((result) => [result.address, result.outcome]),
      [
        [A.ip, 'refused'],
        [B.ip, 'refused'],
      ],
    );
  });

  it('dials an allow-listed port on the named interface only', async () => {
    const { probes, dialled } = service([9443]);
    const { model } = discovered();
    await probes.observe(model, ENDPOINT, { port: 9443, targets: [B.eni] });
    assert.deepEqual(dialled, [`${B.ip}:9443`]);
  });
});

describe('selectProbeTargets de-duplicates', () => {
  it('dials a target named many times (by id or by address) once per port', () => {
    const { targets } = discovered();
    const first = targets[0]!;
    const requested = [...Array.from({ length: 16 }, () => first.networkInterfaceId), first.address, first.address];
    const chosen = selectProbeTargets(targets, requested, [443, 443], ALLOWED);
    assert.deepEqual(
      chosen.map((target) => `${target.networkInterfaceId} ${target.address}:${target.port}`),
      [`${first.networkInterfaceId} ${first.address}:443`],
    );
  });
});
