import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { AnalysisError, type AnalysisErrorCode } from '../../src/core/errors.js';
import { ReportSchema, type CheckId, type Report } from '../../src/core/report.js';
import {
  CLIENT_SUBNET_IPV6_CIDR,
  CONSUMER_PATH_CHECK_IDS,
  ENDPOINT_PATHS,
  IDS,
  NACL_CHECK_IDS,
  addGatewayEndpoint,
  addPrefixList,
  allTrafficPermission,
  analyzeDocs,
  attachSecurityGroup,
  baseline,
  checkOf,
  checksOf,
  defaultDenies,
  endpointJson,
  eniOf,
  moveClient,
  naclEntry,
  setEgress,
  setIngress,
  setNaclDirection,
  statusesOf,
  tcpPermission,
  without,
} from '../support/fixtures.js';

/** analyze(): the request, the missing data, IPv6, and the report's shape (§2, §2a, §3, §4). */

const [A, B, C] = ENDPOINT_PATHS;

function throwsCode(run: () => unknown, code: AnalysisErrorCode, mentions?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AnalysisError, `expected an AnalysisError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (mentions) assert.ok(error.message.includes(mentions), `"${error.message}" should name ${mentions}`);
    return true;
  });
}

function assertValidReport(report: Report): void {
  const errors = [...Value.Errors(ReportSchema, report)];
  assert.ok(Value.Check(ReportSchema, report), JSON.stringify(errors.slice(0, 5), null, 2));
}

describe('the request', () => {
  it('throws endpoint_not_found, naming the id, for an endpoint not in the model', () => {
    throwsCode(() => analyzeDocs(baseline(), { endpointId: 'vpce-0fffffffffffffff1' }), 'endpoint_not_found', 'vpce-0fffffffffffffff1');
  });

  it('throws endpoint_not_found when DescribeVpcEndpoints was not captured, saying so', () => {
    throwsCode(() => analyzeDocs(without(baseline(), 'DescribeVpcEndpoints')), 'endpoint_not_found', 'DescribeVpcEndpoints');
  });

  it('defaults the port to 443 for an AWS service (com.amazonaws.<region>.<service>)', () => {
    const report = analyzeDocs(baseline());
    assert.deepEqual(report.ports, [443]);
    assert.equal(report.portSource, 'aws-service-default');
    assert.equal(report.endpoint.serviceOwner, 'aws');
    assert.equal(report.provider.visibility, 'aws');
    assert.ok(report.paths.every((path) => path.port === 443));
    for (const id of ['service.listener', 'target.health'] as const) assert.equal(checkOf(report, id).status, 'not_applicable');
  });

  it('judges the requested port instead when one is given', () => {
    const report = analyzeDocs(baseline(), { port: 8443 });
    assert.deepEqual(report.ports, [8443]);
    assert.equal(report.portSource, 'request');
    assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['fail', 'fail', 'fail']);
  });

  it('throws port_required for a customer endpoint service (com.amazonaws.vpce.<region>.vpce-svc-…) without a port', () => {
    const docs = baseline();
    endpointJson(docs).ServiceName = IDS.customerServiceName;
    throwsCode(() => analyzeDocs(docs), 'port_required');
    const report = analyzeDocs(docs, { port: 443 });
    assert.equal(report.endpoint.serviceOwner, 'customer');
    assert.equal(report.provider.visibility, 'not-visible');
    assert.equal(checkOf(report, 'service.listener').status, 'unknown');
    assert.match(checkOf(report, 'service.listener').summary, /provider side not visible/);
    assert.equal(report.verdict, 'unknown');
  });

  it('throws port_invalid and ephemeral_ports_invalid for ports outside 1-65535', () => {
    for (const port of [0, 65536, 44.3]) throwsCode(() => analyzeDocs(baseline(), { port }), 'port_invalid');
    throwsCode(() => analyzeDocs(baseline(), { clientEphemeralPorts: { from: 60999, to: 32768 } }), 'ephemeral_ports_invalid');
    throwsCode(() => analyzeDocs(baseline(), { clientEphemeralPorts: { from: 0, to: 65535 } }), 'ephemeral_ports_invalid');
  });

  it('blocks a gateway endpoint, which has no network interface to judge', () => {
    const report = analyzeDocs(addGatewayEndpoint(baseline()), { endpointId: IDS.gatewayEndpoint });
    assert.equal(checkOf(report, 'endpoint.state').status, 'fail');
    assert.deepEqual(report.paths, []);
    assert.equal(report.verdict, 'blocked');
    assert.equal(report.endpoint.type, 'Gateway');
  });

  it('is pure: the same documents and request give the same report', () => {
    const docs = setNaclDirection(baseline(), B.nacl, false, defaultDenies(false));
    assert.deepEqual(analyzeDocs(docs), analyzeDocs(docs));
  });

  it('judges one path per endpoint ENI, each consumer check once per path', () => {
    const report = analyzeDocs(baseline());
    assert.deepEqual(
      report.paths.map((path) => [path.networkInterfaceId, path.subnetId, path.availabilityZone, path.availabilityZoneId, path.ipAddress]),
      ENDPOINT_PATHS.map((path) => [path.eni, path.subnet, path.az, path.azId, path.ip]),
    );
    for (const id of CONSUMER_PATH_CHECK_IDS) assert.equal(checksOf(report, id).length, 3, id);
    assert.equal(checksOf(report, 'endpoint.state').length, 1);
    assert.equal(checksOf(report, 'probe.tcp').length, 0, 'probe.tcp appears only when probes were requested');
  });
});

describe('missing data', () => {
  it('makes every NACL check unknown without DescribeNetworkAcls, never a crash', () => {
    const report = analyzeDocs(without(baseline(), 'DescribeNetworkAcls'));
    for (const id of NACL_CHECK_IDS) {
      for (const path of ENDPOINT_PATHS) {
        const check = checkOf(report, id, path.eni);
        assert.equal(check.status, 'unknown', `${id}: ${check.summary}`);
        assert.match(check.summary, /DescribeNetworkAcls/);
      }
    }
    assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
    assert.equal(report.verdict, 'unknown');
  });

  it('still fails what fails without DescribeNetworkAcls', () => {
    const report = analyzeDocs(setIngress(without(baseline(), 'DescribeNetworkAcls'), IDS.endpointSg, []));
    assert.equal(report.verdict, 'blocked');
  });

  it('makes both SG checks unknown without DescribeSecurityGroups', () => {
    const report = analyzeDocs(without(baseline(), 'DescribeSecurityGroups'));
    for (const id of ['endpoint.sg.inbound', 'client.sg.outbound'] as const) {
      for (const path of ENDPOINT_PATHS) {
        const check = checkOf(report, id, path.eni);
        assert.equal(check.status, 'unknown', `${id}: ${check.summary}`);
        assert.match(check.summary, /DescribeSecurityGroups/);
      }
    }
    assert.deepEqual(statusesOf(report, 'endpoint.nacl.inbound'), ['pass', 'pass', 'pass']);
    assert.equal(report.verdict, 'unknown');
  });

  it('is unknown for an SG id absent from DescribeSecurityGroups unless another group on the ENI allows', () => {
    const docs = setIngress(baseline(), IDS.endpointSg, []);
    attachSecurityGroup(docs, A.eni, 'sg-0123456789abcdef9');
    const report = analyzeDocs(docs);
    assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['unknown', 'fail', 'fail']);
    assert.equal(report.verdict, 'partial');
  });

  it('judges the client NACL from the client ENI subnet without DescribeSubnets, never a crash', () => {
    for (const client of [{ eniId: IDS.clientEni }, { ip: IDS.clientIp }, { instanceId: IDS.clientInstance }]) {
      const report = analyzeDocs(without(baseline(), 'DescribeSubnets'), { client });
      assert.equal(report.verdict, 'reachable', `${JSON.stringify(client)}: ${report.verdictSummary}`);
      assert.equal(checkOf(report, 'client.nacl.outbound', A.eni).scope.networkAclId, IDS.clientNacl);
    }
    const denying = setNaclDirection(without(baseline(), 'DescribeSubnets'), IDS.clientNacl, true, defaultDenies(true));
    assert.deepEqual(statusesOf(analyzeDocs(denying), 'client.nacl.outbound'), ['fail', 'fail', 'fail']);
  });

  it('recognises the same subnet from the ENIs without DescribeSubnets', () => {
    const docs = moveClient(baseline(), A.subnet, '10.0.10.25');
    const report = analyzeDocs(without(docs, 'DescribeSubnets'));
    for (const id of NACL_CHECK_IDS) assert.equal(checkOf(report, id, A.eni).status, 'not_applicable', id);
  });

  it('is unknown, not a crash, for endpoint ENIs missing from DescribeNetworkInterfaces', () => {
    const report = analyzeDocs(without(baseline(), 'DescribeNetworkInterfaces'), { client: { ip: IDS.clientIp } });
    assert.equal(report.client.location, 'subnet');
    for (const id of ['endpoint.nacl.inbound', 'endpoint.nacl.outbound', 'client.sg.outbound', 'client.nacl.outbound', 'client.nacl.inbound'] as const) {
      assert.deepEqual(statusesOf(report, id), ['unknown', 'unknown', 'unknown'], id);
    }
    assert.equal(report.verdict, 'unknown');
    assertValidReport(report);
  });

  it('is unknown on a prefix list referenced but never described', () => {
    const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] })]);
    assert.deepEqual(statusesOf(analyzeDocs(docs), 'endpoint.sg.inbound'), ['unknown', 'unknown', 'unknown']);
  });
});

describe('IPv6', () => {
  it('reaches an endpoint over IPv6 when the client is named by its IPv6 address, or by its ENI and that address', () => {
    for (const client of [{ ip: IDS.clientIpv6 }, { eniId: IDS.clientEni, ip: IDS.clientIpv6 }]) {
      const report = analyzeDocs(baseline({ ipv6: true }), { client });
      assert.equal(report.verdict, 'reachable', report.verdictSummary);
      assert.equal(report.client.ipAddress, IDS.clientIpv6);
      assert.deepEqual(
        report.paths.map((path) => path.ipAddress),
        ENDPOINT_PATHS.map((path) => path.ipv6),
      );
      for (const path of ENDPOINT_PATHS) assert.equal(checkOf(report, 'client.sg.outbound', path.eni).scope.ipAddress, path.ipv6);
    }
  });

  it('matches SG Ipv6Ranges against an IPv6 client and never IPv4 CIDRs', () => {
    const v6Only = setIngress(baseline({ ipv6: true }), IDS.endpointSg, [tcpPermission(443, 443, { ipv6: [CLIENT_SUBNET_IPV6_CIDR] })]);
    assert.deepEqual(statusesOf(analyzeDocs(v6Only, { client: { ip: IDS.clientIpv6 } }), 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
    assert.deepEqual(statusesOf(analyzeDocs(v6Only, { client: { ip: IDS.clientIp } }), 'endpoint.sg.inbound'), ['fail', 'fail', 'fail']);

    const v4Only = setIngress(baseline({ ipv6: true }), IDS.endpointSg, [tcpPermission(443, 443, { cidrs: ['0.0.0.0/0'] })]);
    assert.deepEqual(statusesOf(analyzeDocs(v4Only, { client: { ip: IDS.clientIpv6 } }), 'endpoint.sg.inbound'), ['fail', 'fail', 'fail']);
    assert.deepEqual(statusesOf(analyzeDocs(v4Only, { client: { ip: IDS.clientIp } }), 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
  });

  it('matches client SG egress Ipv6Ranges against the endpoint ENI IPv6 address', () => {
    const docs = setEgress(baseline({ ipv6: true }), IDS.clientSg, [
      tcpPermission(443, 443, { ipv6: [B.ipv6Cidr] }),
      allTrafficPermission({ cidrs: ['0.0.0.0/0'] }),
    ]);
    assert.deepEqual(statusesOf(analyzeDocs(docs, { client: { ip: IDS.clientIpv6 } }), 'client.sg.outbound'), ['fail', 'pass', 'fail']);
  });

  it('proposes a /128 Ipv6Ranges rule for an IPv6 client', () => {
    const docs = setIngress(baseline({ ipv6: true }), IDS.endpointSg, []);
    const fix = checkOf(analyzeDocs(docs, { client: { ip: IDS.clientIpv6 } }), 'endpoint.sg.inbound', A.eni).remediation?.actions[0];
    assert.ok(fix?.kind === 'authorize-security-group-ingress');
    assert.equal(fix.cidr, `${IDS.clientIpv6}/128`);
    assert.match(fix.cli, /"Ipv6Ranges":\[\{"CidrIpv6":"2600:1f18:1234:5601::25\/128"/);
  });

  it('matches NACL Ipv6CidrBlock entries against IPv6 traffic only', () => {
    // Only IPv4 entries allow: IPv6 traffic falls through to the ::/0 deny (32768).
    const v4Entries = setNaclDirection(baseline({ ipv6: true }), A.nacl, false, [
      naclEntry({ rule: 100, egress: false, ports: 443, cidr: '0.0.0.0/0' }),
      ...defaultDenies(false, true),
    ]);
    const denied = checkOf(analyzeDocs(v4Entries, { client: { ip: IDS.clientIpv6 } }), 'endpoint.nacl.inbound', A.eni);
    assert.equal(denied.status, 'fail');
    assert.ok(denied.evidence.some((item) => item.kind === 'network-acl-entry' && item.ruleNumber === 32768 && item.cidrBlock === '::/0'));
    assert.equal(checkOf(analyzeDocs(v4Entries, { client: { ip: IDS.clientIp } }), 'endpoint.nacl.inbound', A.eni).status, 'pass');

    // Only IPv6 entries allow: IPv4 traffic is denied by 32767.
    const v6Entries = setNaclDirection(baseline({ ipv6: true }), A.nacl, false, [
      naclEntry({ rule: 100, egress: false, ports: 443, cidr: '::/0' }),
      ...defaultDenies(false, true),
    ]);
    assert.equal(checkOf(analyzeDocs(v6Entries, { client: { ip: IDS.clientIpv6 } }), 'endpoint.nacl.inbound', A.eni).status, 'pass');
    const v4Denied = checkOf(analyzeDocs(v6Entries, { client: { ip: IDS.clientIp } }), 'endpoint.nacl.inbound', A.eni);
    assert.equal(v4Denied.status, 'fail');
    assert.ok(v4Denied.evidence.some((item) => item.kind === 'network-acl-entry' && item.ruleNumber === 32767));
  });

  it('proposes an --ipv6-cidr-block NACL entry for IPv6 return traffic', () => {
    const docs = setNaclDirection(baseline({ ipv6: true }), IDS.clientNacl, false, [
      naclEntry({ rule: 100, egress: false, protocol: '-1', cidr: '0.0.0.0/0' }),
      ...defaultDenies(false, true),
    ]);
    const check = checkOf(analyzeDocs(docs, { client: { ip: IDS.clientIpv6 } }), 'client.nacl.inbound', C.eni);
    assert.equal(check.status, 'fail');
    const fix = check.remediation?.actions[0];
    assert.ok(fix?.kind === 'create-network-acl-entry');
    assert.equal(fix.cidrBlock, `${C.ipv6}/128`);
    assert.deepEqual(fix.portRange, { from: 1024, to: 65535 });
    assert.ok(fix.ruleNumber < 32767 && fix.ruleNumber !== 100, `rule ${fix.ruleNumber}`);
    assert.match(fix.cli, /--ipv6-cidr-block 2600:1f18:1234:5612::109\/128/);
  });

  it('fails the client path to endpoint ENIs that have no IPv6 address', () => {
    const docs = baseline({ ipv6: true });
    for (const path of ENDPOINT_PATHS) eniOf(docs, path.eni).Ipv6Addresses = [];
    const report = analyzeDocs(docs, { client: { ip: IDS.clientIpv6 } });
    assert.deepEqual(statusesOf(report, 'client.sg.outbound'), ['fail', 'fail', 'fail']);
    assert.match(checkOf(report, 'client.sg.outbound', A.eni).summary, /has no IPv6 address/);
    assert.equal(report.verdict, 'blocked');
  });

  it('does not call an IPv4-only endpoint reachable from an IPv6 client outside the VPC', () => {
    const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { ipv6: ['::/0'] })]);
    for (const path of ENDPOINT_PATHS) {
      setNaclDirection(docs, path.nacl, false, [naclEntry({ rule: 100, egress: false, protocol: '-1', cidr: '::/0' }), ...defaultDenies(false, true)]);
      setNaclDirection(docs, path.nacl, true, [naclEntry({ rule: 100, egress: true, protocol: '-1', cidr: '::/0' }), ...defaultDenies(true, true)]);
    }
    const report = analyzeDocs(docs, { client: { ip: '2001:db8::1' } });
    assert.equal(report.verdict, 'blocked', report.verdictSummary);
    assert.match(checkOf(report, 'endpoint.sg.inbound', A.eni).summary, /has no IPv6 address/);
  });
});

describe('the report shape', () => {
  const cases: Array<[string, () => Report]> = [
    ['a reachable baseline', () => analyzeDocs(baseline())],
    ['failing SGs with remediations', () => analyzeDocs(setEgress(setIngress(baseline(), IDS.endpointSg, []), IDS.clientSg, []))],
    [
      'a warning and a NACL remediation',
      () =>
        analyzeDocs(
          setNaclDirection(baseline(), A.nacl, true, [
            naclEntry({ rule: 100, egress: true, ports: [32768, 65535], cidr: IDS.vpcCidr }),
            ...defaultDenies(true),
          ]),
        ),
    ],
    ['a partial verdict', () => analyzeDocs(setNaclDirection(baseline(), B.nacl, false, defaultDenies(false)))],
    ['a client outside every subnet', () => analyzeDocs(baseline(), { client: { ip: '192.168.50.10' } })],
    ['a client IP on no ENI', () => analyzeDocs(baseline(), { client: { ip: '10.0.1.200' } })],
    ['a same-subnet client', () => analyzeDocs(moveClient(baseline(), A.subnet, '10.0.10.25'))],
    ['missing NACLs and SGs', () => analyzeDocs(without(baseline(), 'DescribeNetworkAcls', 'DescribeSecurityGroups'))],
    [
      'an uncaptured prefix list',
      () =>
        analyzeDocs(
          setIngress(addPrefixList(baseline(), 'pl-0a1b2c3d4e5f6a7b8', 'x', undefined), IDS.endpointSg, [
            tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] }),
          ]),
        ),
    ],
    ['a gateway endpoint', () => analyzeDocs(addGatewayEndpoint(baseline()), { endpointId: IDS.gatewayEndpoint })],
    [
      'a pendingAcceptance customer endpoint',
      () => {
        const docs = baseline();
        Object.assign(endpointJson(docs), { ServiceName: IDS.customerServiceName, State: 'pendingAcceptance' });
        return analyzeDocs(docs, { port: 443 });
      },
    ],
    ['an IPv6 client', () => analyzeDocs(setIngress(baseline({ ipv6: true }), IDS.endpointSg, []), { client: { ip: IDS.clientIpv6 } })],
  ];

  for (const [name, build] of cases) {
    it(`validates against ReportSchema: ${name}`, () => assertValidReport(build()));
  }

  it('lists every check id of the contract it judged, with a scope naming the endpoint', () => {
    const report = analyzeDocs(baseline());
    const ids = new Set<CheckId>(report.checks.map((check) => check.id));
    for (const id of ['endpoint.state', ...CONSUMER_PATH_CHECK_IDS] as const) assert.ok(ids.has(id), id);
    assert.ok(report.checks.every((check) => check.scope.endpointId === IDS.endpoint));
    assert.equal(report.reportVersion, 1);
    assert.equal(report.endpoint.id, IDS.endpoint);
    assert.equal(report.endpoint.vpcId, IDS.vpc);
    assert.equal(report.client.subnetId, IDS.clientSubnet);
  });

  it('rejects a report with a field the schema does not know', () => {
    const report = analyzeDocs(baseline());
    assert.equal(Value.Check(ReportSchema, { ...report, extra: true }), false);
  });
});
