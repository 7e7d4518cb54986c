import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { checkEndpointDns, type InterfaceAddress, type Resolver } from '../../src/probe/dns.js';
import { Prober } from '../../src/probe/run.js';
import { ProbeService } from '../../src/probe/service.js';
import type { Connector } from '../../src/probe/tcp.js';
import { modelFromAws } from '../support/model.js';
import { IDS, providerDocuments } from '../support/provider-fixture.js';

/**
 * The DNS check with a fake resolver (no real DNS is ever asked): the regional name must
 * answer every IPv4 interface IP, a zonal name only the IP in its AZ, and anything else
 * (a private hosted zone pointing elsewhere, a resolver error) does not match.
 */

const ENDPOINT = 'vpce-0123456789abcdef0-k3l5m2x9';
const SERVICE = 'vpce-svc-0fedcba98765432a1';
const REGIONAL = `${ENDPOINT}.${SERVICE}.us-east-1.vpce.amazonaws.com`;
const ZONAL_A = `${ENDPOINT}-us-east-1a.${SERVICE}.us-east-1.vpce.amazonaws.com`;
const ZONAL_B = `${ENDPOINT}-us-east-1b.${SERVICE}.us-east-1.vpce.amazonaws.com`;
const PRIVATE = 'orders.internal.example.com';

const INTERFACES: InterfaceAddress[] = [
  { address: '127.0.0.2', availabilityZone: 'us-east-1a' },
  { address: '127.0.0.3', availabilityZone: 'us-east-1b' },
  { address: '127.0.0.4', availabilityZone: 'us-east-1c' },
  // Dual-stack: IPv6 addresses are not A records and are not expected.
  { address: 'fd00:1234::2', availabilityZone: 'us-east-1a' },
];

/** Answers from a table; a name not in it fails as the system resolver does. */
function fakeResolver(answers: Record<string, string[] | NodeJS.ErrnoException>): { resolve: Resolver; asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolver = async (name) => {
    asked.push(name);
    const answer = answers[name];
    if (answer === undefined) throw Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return [...answer];
  };
  return { resolve, asked };
}

describe('checkEndpointDns', () => {
  it('expects every IPv4 interface IP for the regional name, in any order', async () => {
    const { resolve, asked } = fakeResolver({ [REGIONAL]: ['127.0.0.4', '127.0.0.2', '127.0.0.3'] });
    const [check] = await checkEndpointDns([REGIONAL], INTERFACES, resolve);
    assert.deepEqual(check, {
      name: REGIONAL,
      kind: 'regional',
      expected: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
      answers: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
      matches: true,
    });
    assert.deepEqual(asked, [REGIONAL]);
  });

  it('expects only the IP of its AZ for a zonal name', async () => {
    const { resolve } = fakeResolver({ [ZONAL_A]: ['127.0.0.2'], [ZONAL_B]: ['127.0.0.3'] });
    const checks = await checkEndpointDns([ZONAL_A, ZONAL_B], INTERFACES, resolve);
    assert.deepEqual(checks, [
      { name: ZONAL_A, kind: 'zonal', expected: ['127.0.0.2'], answers: ['127.0.0.2'], matches: true },
      { name: ZONAL_B, kind: 'zonal', expected: ['127.0.0.3'], answers: ['127.0.0.3'], matches: true },
    ]);
  });

  it('does not match a zonal name that answers another AZ’s IP, or every IP', async () => {
    const { resolve } = fakeResolver({ [ZONAL_A]: ['127.0.0.3'], [ZONAL_B]: ['127.0.0.2', '127.0.0.3', '127.0.0.4'] });
    const [a, b] = await checkEndpointDns([ZONAL_A, ZONAL_B], INTERFACES, resolve);
    assert.equal(a?.matches, false);
    assert.deepEqual(a?.expected, ['127.0.0.2']);
    assert.equal(b?.matches, false);
    assert.deepEqual(b?.expected, ['127.0.0.3']);
  });

  it('does not match a private DNS name whose answer points elsewhere (a hosted zone left behind)', async () => {
    const { resolve } = fakeResolver({ [PRIVATE]: ['127.0.9.9'] });
    const [check] = await checkEndpointDns([PRIVATE], INTERFACES, resolve);
    assert.deepEqual(check, {
      name: PRIVATE,
      kind: 'regional',
      expected: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
      answers: ['127.0.9.9'],
      matches: false,
    });
  });

  it('does not match an answer with one interface missing, or one IP too many', async () => {
    const { resolve } = fakeResolver({ [REGIONAL]: ['127.0.0.2', '127.0.0.3'], [PRIVATE]: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'] });
    const checks = await checkEndpointDns([REGIONAL, PRIVATE], INTERFACES, resolve);
    assert.deepEqual(
      checks.map((check) => check.matches),
      [false, false],
    );
  });

  it('reports a resolver error by its code, and does not match', async () => {
    const { resolve } = fakeResolver({ [REGIONAL]: Object.assign(new Error(`queryA ESERVFAIL ${REGIONAL}`), { code: 'ESERVFAIL' }) });
    const checks = await checkEndpointDns([REGIONAL, PRIVATE], INTERFACES, resolve);
    assert.deepEqual(checks, [
      { name: REGIONAL, kind: 'regional', expected: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], answers: [], matches: false, error: 'ESERVFAIL' },
      { name: PRIVATE, kind: 'regional', expected: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], answers: [], matches: false, error: 'ENOTFOUND' },
    ]);
  });

  it('reports the message of an error without a code', async () => {
    const [check] = await checkEndpointDns([ZONAL_A], INTERFACES, async () => {
      throw new Error('resolver gave up');
    });
    assert.deepEqual(check, { name: ZONAL_A, kind: 'zonal', expected: ['127.0.0.2'], answers: [], matches: false, error: 'resolver gave up' });
  });

  it('asks every name once, regional and zonal together, and keeps their order', async () => {
    const { resolve, asked } = fakeResolver({ [REGIONAL]: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], [ZONAL_A]: ['127.0.0.2'], [ZONAL_B]: ['127.0.0.3'] });
    const checks = await checkEndpointDns([REGIONAL, ZONAL_A, ZONAL_B], INTERFACES, resolve);
    assert.deepEqual(
      checks.map((check) => [check.name, check.kind, check.matches]),
      [
        [REGIONAL, 'regional', true],
        [ZONAL_A, 'zonal', true],
        [ZONAL_B, 'zonal', true],
      ],
    );
    assert.deepEqual(asked.sort(), [REGIONAL, ZONAL_A, ZONAL_B].sort());
  });

  it('reads an AWS-service endpoint’s zonal name the same way', async () => {
    const name = 'vpce-0123456789abcdef0-k3l5m2x9-us-east-1c.secretsmanager.us-east-1.vpce.amazonaws.com';
    const { resolve } = fakeResolver({ [name]: ['127.0.0.4'] });
    const [check] = await checkEndpointDns([name], INTERFACES, resolve);
    assert.deepEqual([check?.kind, check?.expected, check?.matches], ['zonal', ['127.0.0.4'], true]);
  });

  it('expects each interface IP once when the interfaces come from a probe of several ports', {}, async () => {
    // As ProbeService.probe passes them: its probe results, one per interface and port.
    const results = [443, 8443].flatMap((port) => INTERFACES.slice(0, 3).map((eni) => ({ ...eni, port })));
    const { resolve } = fakeResolver({ [REGIONAL]: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], [ZONAL_A]: ['127.0.0.2'] });
    const checks = await checkEndpointDns([REGIONAL, ZONAL_A], results, resolve);
    assert.deepEqual(
      checks.map((check) => [check.expected, check.matches]),
      [
        [['127.0.0.2', '127.0.0.3', '127.0.0.4'], true],
        [['127.0.0.2'], true],
      ],
    );
  });
});

describe('ProbeService with dns: true', () => {
  // The provider fixture (a customer service behind an NLB), its endpoint interfaces moved to
  // loopback and its DNS entries added, as DescribeVpcEndpoints prints them.
  const LOOPBACK: Record<string, string> = { [IDS.endpointIps[0]]: '127.0.0.2', [IDS.endpointIps[1]]: '127.0.0.3' };
  const regional = `${IDS.endpoint}-x1y2z3a4.${IDS.service}.us-east-1.vpce.amazonaws.com`;
  const zonalA = `${IDS.endpoint}-x1y2z3a4-us-east-1a.${IDS.service}.us-east-1.vpce.amazonaws.com`;
  const zonalB = `${IDS.endpoint}-x1y2z3a4-us-east-1b.${IDS.service}.us-east-1.vpce.amazonaws.com`;

  function model(listeners: string[]) {
    let text = JSON.stringify(providerDocuments({ listeners }));
    for (const [from, to] of Object.entries(LOOPBACK)) text = text.split(`"${from}"`).join(`"${to}"`);
    const docs = JSON.parse(text) as ReturnType<typeof providerDocuments>;
    const endpoint = docs.DescribeVpcEndpoints?.VpcEndpoints[0] as Record<string, unknown>;
    endpoint.DnsEntries = [regional, zonalA, zonalB].map((DnsName) => ({ DnsName, HostedZoneId: 'Z7HUB22UULQXV' }));
    return modelFromAws(docs);
  }

  function service() {
    // Nothing is dialled: every socket is refused at once, after the loopback check.
    const connector: Connector = (address) => {
      assert.ok(address.startsWith('127.'), `a test must dial loopback only, not ${address}`);
      const socket = new Socket();
      setImmediate(() => socket.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
      return socket;
    };
    const { resolve } = fakeResolver({ [regional]: ['127.0.0.2', '127.0.0.3'], [zonalA]: ['127.0.0.2'], [zonalB]: ['127.0.0.3'] });
    const prober = new Prober({ concurrency: 4, perEndpointConcurrency: 4, roundsPerMinute: 600, connector });
    return new ProbeService({ prober, allowedPorts: [], defaults: { timeoutMs: 500, attempts: 1 }, selfIp: () => undefined, resolver: resolve });
  }

  it('matches correct answers for an endpoint with one service port', async () => {
    const report = await service().probe(model(['443']), IDS.endpoint, { dns: true });
    assert.deepEqual(report.ports, [443]);
    assert.deepEqual(
      report.dns?.map((check) => [check.kind, check.expected, check.matches]),
      [
        ['regional', ['127.0.0.2', '127.0.0.3'], true],
        ['zonal', ['127.0.0.2'], true],
        ['zonal', ['127.0.0.3'], true],
      ],
    );
  });

  it('matches correct answers for an endpoint with two service ports', {}, async () => {
    const report = await service().probe(model(['443', '8443']), IDS.endpoint, { dns: true });
    assert.deepEqual(report.ports, [443, 8443]);
    assert.ok(
      report.dns?.every((check) => check.matches),
      JSON.stringify(report.dns),
    );
  });

  it('judges the regional name against every interface even when only some are probed', {}, async () => {
    const report = await service().probe(model(['443']), IDS.endpoint, { dns: true, targets: [IDS.endpointEnis[0]] });
    const regionalCheck = report.dns?.find((check) => check.name === regional);
    assert.deepEqual(regionalCheck?.expected, ['127.0.0.2', '127.0.0.3']);
    assert.equal(regionalCheck?.matches, true);
  });
});
