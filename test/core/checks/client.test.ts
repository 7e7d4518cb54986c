import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisError, type AnalysisErrorCode } from '../../../src/core/errors.js';
import type { Check, CheckId, RemediationAction, Report } from '../../../src/core/report.js';
import {
  ENDPOINT_PATHS,
  IDS,
  addPrefixList,
  addSecurityGroup,
  allTrafficPermission,
  analyzeDocs,
  applyAction,
  attachSecurityGroup,
  baseline,
  checkOf,
  defaultDenies,
  naclEntry,
  permission,
  setEgress,
  setIngress,
  setNaclDirection,
  statusesOf,
  tcpPermission,
} from '../../support/fixtures.js';

/** The client side of the contract (§2, §2a, §3): client.sg.outbound and client.nacl.*. */

const [A, B, C] = ENDPOINT_PATHS;
const CLIENT_CHECKS: CheckId[] = ['client.sg.outbound', 'client.nacl.outbound', 'client.nacl.inbound'];

function action(check: Check): RemediationAction {
  const first = check.remediation?.actions[0];
  assert.ok(first, `${check.id} has no remediation action: ${check.summary}`);
  return first;
}

function clientSgWith(egress: Parameters<typeof setEgress>[2], port?: number): string[] {
  const report = analyzeDocs(setEgress(baseline(), IDS.clientSg, egress), port === undefined ? {} : { port });
  return statusesOf(report, 'client.sg.outbound');
}

function throwsCode(run: () => unknown, code: AnalysisErrorCode, mentions?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AnalysisError, `expected an AnalysisError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (mentions) assert.ok(error.message.includes(mentions), `"${error.message}" should name ${mentions}`);
    return true;
  });
}

describe('client.sg.outbound', () => {
  describe('security groups are stateful', () => {
    it('passes with a client SG that has no ingress rule at all: only outbound is judged', () => {
      const report = analyzeDocs(setIngress(baseline(), IDS.clientSg, []));
      assert.deepEqual(statusesOf(report, 'client.sg.outbound'), ['pass', 'pass', 'pass']);
      assert.equal(report.verdict, 'reachable');
    });

    it('is not satisfied by an ingress rule: a client SG with no egress fails', () => {
      const docs = setEgress(baseline(), IDS.clientSg, []);
      setIngress(docs, IDS.clientSg, [allTrafficPermission({ cidrs: ['0.0.0.0/0'] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'client.sg.outbound'), ['fail', 'fail', 'fail']);
    });
  });

  describe('protocol and ports', () => {
    it('allows TCP with "tcp", "6" and "-1"', () => {
      assert.deepEqual(clientSgWith([permission('tcp', 443, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(clientSgWith([permission('6', 443, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(clientSgWith([allTrafficPermission({ cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
    });

    it('never allows TCP with "udp", "17" or "icmp"', () => {
      assert.deepEqual(clientSgWith([permission('udp', 0, 65535, { cidrs: ['0.0.0.0/0'] })]), ['fail', 'fail', 'fail']);
      assert.deepEqual(clientSgWith([permission('17', 443, 443, { cidrs: ['0.0.0.0/0'] })]), ['fail', 'fail', 'fail']);
      assert.deepEqual(clientSgWith([permission('icmp', -1, -1, { cidrs: ['0.0.0.0/0'] })]), ['fail', 'fail', 'fail']);
    });

    it('includes FromPort and ToPort, and not the ports just outside', () => {
      assert.deepEqual(clientSgWith([tcpPermission(443, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(clientSgWith([tcpPermission(1, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(clientSgWith([tcpPermission(443, 65535, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(clientSgWith([tcpPermission(1, 442, { cidrs: [IDS.vpcCidr] })]), ['fail', 'fail', 'fail']);
      assert.deepEqual(clientSgWith([tcpPermission(444, 65535, { cidrs: [IDS.vpcCidr] })]), ['fail', 'fail', 'fail']);
    });
  });

  describe('destination', () => {
    it('matches IpRanges against each endpoint ENI address on its own', () => {
      assert.deepEqual(clientSgWith([tcpPermission(443, 443, { cidrs: [A.cidr] })]), ['pass', 'fail', 'fail']);
      assert.deepEqual(clientSgWith([tcpPermission(443, 443, { cidrs: [`${C.ip}/32`, B.cidr] })]), ['fail', 'pass', 'pass']);
    });

    it('matches PrefixListIds whose entries contain the endpoint ENI address', () => {
      const docs = addPrefixList(baseline(), 'pl-0e1e2e3e4e5e6e7e8', 'endpoint-subnets', [A.cidr, B.cidr]);
      setEgress(docs, IDS.clientSg, [tcpPermission(443, 443, { prefixLists: ['pl-0e1e2e3e4e5e6e7e8'] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'client.sg.outbound'), ['pass', 'pass', 'fail']);
    });

    it('is unknown on an uncaptured prefix list unless a CIDR rule allows (§2a)', () => {
      const unknown = addPrefixList(baseline(), 'pl-0e1e2e3e4e5e6e7e8', 'endpoint-subnets', undefined);
      setEgress(unknown, IDS.clientSg, [tcpPermission(443, 443, { prefixLists: ['pl-0e1e2e3e4e5e6e7e8'] })]);
      assert.deepEqual(statusesOf(analyzeDocs(unknown), 'client.sg.outbound'), ['unknown', 'unknown', 'unknown']);

      const decided = addPrefixList(baseline(), 'pl-0e1e2e3e4e5e6e7e8', 'endpoint-subnets', undefined);
      setEgress(decided, IDS.clientSg, [tcpPermission(443, 443, { prefixLists: ['pl-0e1e2e3e4e5e6e7e8'] }), tcpPermission(443, 443, { cidrs: [B.cidr] })]);
      assert.deepEqual(statusesOf(analyzeDocs(decided), 'client.sg.outbound'), ['unknown', 'pass', 'unknown']);
    });

    it('matches UserIdGroupPairs naming a group the endpoint ENI carries', () => {
      const docs = setEgress(baseline(), IDS.clientSg, [tcpPermission(443, 443, { groups: [IDS.endpointSg] })]);
      const report = analyzeDocs(docs);
      assert.deepEqual(statusesOf(report, 'client.sg.outbound'), ['pass', 'pass', 'pass']);
      const [evidence] = checkOf(report, 'client.sg.outbound', A.eni).evidence;
      assert.ok(evidence?.kind === 'security-group-rule' && evidence.peer === IDS.endpointSg && evidence.direction === 'egress');
    });

    it('fails on UserIdGroupPairs naming a group the endpoint ENI does not carry (its own group, say)', () => {
      const docs = setEgress(baseline(), IDS.clientSg, [tcpPermission(443, 443, { groups: [IDS.clientSg] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'client.sg.outbound'), ['fail', 'fail', 'fail']);
    });
  });

  it('unions several groups on the client ENI', () => {
    const docs = setEgress(baseline(), IDS.clientSg, []);
    addSecurityGroup(docs, {
      id: 'sg-0c9c8c7c6c5c4c3c2',
      name: 'to-endpoints',
      egress: [tcpPermission(443, 443, { cidrs: [IDS.vpcCidr] })],
      attachTo: [IDS.clientEni],
    });
    const report = analyzeDocs(docs);
    assert.deepEqual(statusesOf(report, 'client.sg.outbound'), ['pass', 'pass', 'pass']);
    assert.deepEqual(checkOf(report, 'client.sg.outbound', A.eni).scope.securityGroupIds, [IDS.clientSg, 'sg-0c9c8c7c6c5c4c3c2']);
    assert.deepEqual(report.client.securityGroupIds, [IDS.clientSg, 'sg-0c9c8c7c6c5c4c3c2']);
  });

  it('is unknown for a group on the client ENI absent from DescribeSecurityGroups, unless another allows', () => {
    const docs = setEgress(baseline(), IDS.clientSg, []);
    attachSecurityGroup(docs, IDS.clientEni, 'sg-0c0c0c0c0c0c0c0c9');
    const report = analyzeDocs(docs);
    assert.deepEqual(statusesOf(report, 'client.sg.outbound'), ['unknown', 'unknown', 'unknown']);
    assert.match(checkOf(report, 'client.sg.outbound', A.eni).summary, /sg-0c0c0c0c0c0c0c0c9/);
    assert.equal(report.verdict, 'unknown');

    const allowed = attachSecurityGroup(baseline(), IDS.clientEni, 'sg-0c0c0c0c0c0c0c0c9');
    assert.deepEqual(statusesOf(analyzeDocs(allowed), 'client.sg.outbound'), ['pass', 'pass', 'pass']);
  });

  it('fails with no matching rule, with an authorize-security-group-egress to the endpoint ENI /32', () => {
    const docs = setEgress(baseline(), IDS.clientSg, [tcpPermission(22, 22, { cidrs: ['0.0.0.0/0'] })]);
    const report = analyzeDocs(docs);
    for (const path of ENDPOINT_PATHS) {
      const check = checkOf(report, 'client.sg.outbound', path.eni);
      assert.equal(check.status, 'fail');
      const fix = action(check);
      assert.ok(fix.kind === 'authorize-security-group-egress', fix.kind);
      assert.equal(fix.securityGroupId, IDS.clientSg);
      assert.equal(fix.cidr, `${path.ip}/32`);
      assert.equal(fix.fromPort, 443);
      assert.equal(fix.toPort, 443);
      assert.ok(fix.cli.startsWith(`aws ec2 authorize-security-group-egress --group-id ${IDS.clientSg} `), fix.cli);
    }
    assert.equal(report.verdict, 'blocked');
    let fixed = docs;
    for (const path of ENDPOINT_PATHS) fixed = applyAction(fixed, action(checkOf(report, 'client.sg.outbound', path.eni)));
    assert.equal(analyzeDocs(fixed).verdict, 'reachable');
  });
});

describe('client.nacl.*', () => {
  it('judges the client subnet NACL outbound to the endpoint ENI on the port', () => {
    const docs = setNaclDirection(baseline(), IDS.clientNacl, true, [
      naclEntry({ rule: 100, egress: true, ports: 443, cidr: A.cidr }),
      naclEntry({ rule: 110, egress: true, action: 'deny', ports: 443, cidr: IDS.vpcCidr }),
      naclEntry({ rule: 120, egress: true, protocol: '-1', cidr: '0.0.0.0/0' }),
      ...defaultDenies(true),
    ]);
    const report = analyzeDocs(docs);
    assert.deepEqual(statusesOf(report, 'client.nacl.outbound'), ['pass', 'fail', 'fail']);
    const check = checkOf(report, 'client.nacl.outbound', B.eni);
    assert.equal(check.scope.networkAclId, IDS.clientNacl);
    assert.equal(check.scope.subnetId, IDS.clientSubnet);
    const fix = action(check);
    assert.ok(fix.kind === 'create-network-acl-entry');
    assert.equal(fix.egress, true);
    assert.equal(fix.cidrBlock, `${B.ip}/32`);
    assert.deepEqual(fix.portRange, { from: 443, to: 443 });
    assert.ok(fix.ruleNumber < 110 && fix.ruleNumber !== 100, `rule ${fix.ruleNumber}`);
    assert.equal(report.verdict, 'partial');
  });

  it('judges both directions: inbound denying the return traffic fails only client.nacl.inbound', () => {
    const docs = setNaclDirection(baseline(), IDS.clientNacl, false, [
      naclEntry({ rule: 100, egress: false, ports: 22, cidr: '0.0.0.0/0' }),
      ...defaultDenies(false),
    ]);
    const report = analyzeDocs(docs);
    assert.deepEqual(statusesOf(report, 'client.nacl.inbound'), ['fail', 'fail', 'fail']);
    assert.deepEqual(statusesOf(report, 'client.nacl.outbound'), ['pass', 'pass', 'pass']);
    const fix = action(checkOf(report, 'client.nacl.inbound', A.eni));
    assert.ok(fix.kind === 'create-network-acl-entry');
    assert.equal(fix.egress, false);
    assert.equal(fix.cidrBlock, `${A.ip}/32`);
    assert.deepEqual(fix.portRange, { from: 1024, to: 65535 });
    assert.ok(fix.ruleNumber < 32767 && fix.ruleNumber !== 100);
    assert.ok(fix.cli.includes('--ingress'), fix.cli);
    assert.equal(report.verdict, 'blocked');
  });

  it('warns when the return range is covered only in part, naming the ranges, and passes with a narrower client range', () => {
    const docs = setNaclDirection(baseline(), IDS.clientNacl, false, [
      naclEntry({ rule: 100, egress: false, ports: [32768, 65535], cidr: IDS.vpcCidr }),
      ...defaultDenies(false),
    ]);
    const report = analyzeDocs(docs);
    const check = checkOf(report, 'client.nacl.inbound', A.eni);
    assert.equal(check.status, 'warn');
    assert.match(check.summary, /32768-65535/);
    assert.match(check.summary, /1024-32767/);
    const fix = action(check);
    assert.ok(fix.kind === 'create-network-acl-entry');
    assert.deepEqual(fix.portRange, { from: 1024, to: 32767 });
    assert.equal(report.verdict, 'reachable');
    assert.match(report.verdictSummary, /client\.nacl\.inbound/);
    assert.equal(analyzeDocs(docs, { clientEphemeralPorts: { from: 32768, to: 60999 } }).verdict, 'reachable');
    assert.deepEqual(statusesOf(analyzeDocs(docs, { clientEphemeralPorts: { from: 32768, to: 60999 } }), 'client.nacl.inbound'), ['pass', 'pass', 'pass']);
  });

  it('fails a Windows client range (49152-65535) that the NACL leaves out', () => {
    const docs = setNaclDirection(baseline(), IDS.clientNacl, false, [
      naclEntry({ rule: 100, egress: false, ports: [1024, 49151], cidr: IDS.vpcCidr }),
      ...defaultDenies(false),
    ]);
    assert.deepEqual(statusesOf(analyzeDocs(docs, { clientEphemeralPorts: { from: 49152, to: 65535 } }), 'client.nacl.inbound'), ['fail', 'fail', 'fail']);
  });
});

describe('client outside every subnet', () => {
  const outside = '192.168.50.10';

  function run(): Report {
    const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { cidrs: ['192.168.0.0/16'] })]);
    for (const path of ENDPOINT_PATHS) {
      setNaclDirection(docs, path.nacl, false, [naclEntry({ rule: 100, egress: false, ports: 443, cidr: '192.168.0.0/16' }), ...defaultDenies(false)]);
      setNaclDirection(docs, path.nacl, true, [naclEntry({ rule: 100, egress: true, ports: [1024, 65535], cidr: '192.168.0.0/16' }), ...defaultDenies(true)]);
    }
    return analyzeDocs(docs, { client: { ip: outside } });
  }

  it('makes client.sg.outbound, client.nacl.outbound and client.nacl.inbound not_applicable, with the reason', () => {
    const report = run();
    assert.equal(report.client.location, 'outside');
    for (const id of CLIENT_CHECKS) {
      for (const path of ENDPOINT_PATHS) {
        const check = checkOf(report, id, path.eni);
        assert.equal(check.status, 'not_applicable', `${id}: ${check.summary}`);
        assert.match(check.summary, /outside every VPC subnet/);
      }
    }
    assert.equal(report.verdict, 'reachable', report.verdictSummary);
  });

  it('still judges the endpoint checks', () => {
    const report = run();
    for (const id of ['endpoint.sg.inbound', 'endpoint.nacl.inbound', 'endpoint.nacl.outbound'] as const) {
      assert.deepEqual(statusesOf(report, id), ['pass', 'pass', 'pass'], id);
    }
    // The baseline admits only the VPC: an outside client is stopped by the endpoint's rules.
    const blocked = analyzeDocs(baseline(), { client: { ip: outside } });
    assert.deepEqual(statusesOf(blocked, 'endpoint.sg.inbound'), ['fail', 'fail', 'fail']);
    assert.deepEqual(statusesOf(blocked, 'endpoint.nacl.inbound'), ['fail', 'fail', 'fail']);
    assert.equal(blocked.verdict, 'blocked');
  });
});

describe('client IP inside a subnet but on no ENI', () => {
  const floating = '10.0.1.200';

  it('judges the client NACL checks from its subnet', () => {
    const report = analyzeDocs(baseline(), { client: { ip: floating } });
    assert.equal(report.client.location, 'subnet');
    assert.equal(report.client.subnetId, IDS.clientSubnet);
    for (const id of ['client.nacl.outbound', 'client.nacl.inbound'] as const) {
      for (const path of ENDPOINT_PATHS) {
        const check = checkOf(report, id, path.eni);
        assert.equal(check.status, 'pass', `${id}: ${check.summary}`);
        assert.equal(check.scope.networkAclId, IDS.clientNacl);
      }
    }
    const denying = setNaclDirection(baseline(), IDS.clientNacl, false, defaultDenies(false));
    assert.deepEqual(statusesOf(analyzeDocs(denying, { client: { ip: floating } }), 'client.nacl.inbound'), ['fail', 'fail', 'fail']);
  });

  it('makes client.sg.outbound unknown, saying to give the client ENI', () => {
    const report = analyzeDocs(baseline(), { client: { ip: floating } });
    for (const path of ENDPOINT_PATHS) {
      const check = checkOf(report, 'client.sg.outbound', path.eni);
      assert.equal(check.status, 'unknown');
      assert.match(check.summary, /no network interface/);
      assert.match(check.summary, /give the client's ENI/);
    }
  });

  it('gives the verdict unknown when nothing else fails', () => {
    const report = analyzeDocs(baseline(), { client: { ip: floating } });
    assert.equal(report.verdict, 'unknown');
    assert.ok(report.paths.every((path) => path.status === 'unknown' && path.unknownChecks.includes('client.sg.outbound')));
  });

  it('still fails when something else fails', () => {
    const docs = setIngress(baseline(), IDS.endpointSg, []);
    assert.equal(analyzeDocs(docs, { client: { ip: floating } }).verdict, 'blocked');
  });
});

describe('naming the client', () => {
  function digest(report: Report): unknown {
    return { verdict: report.verdict, client: report.client, checks: report.checks.map((check) => [check.id, check.scope.networkInterfaceId, check.status]) };
  }

  it('by eniId, by instanceId and by IP gives the same analysis of the same interface', () => {
    const byEni = analyzeDocs(baseline(), { client: { eniId: IDS.clientEni } });
    const byInstance = analyzeDocs(baseline(), { client: { instanceId: IDS.clientInstance } });
    const byIp = analyzeDocs(baseline(), { client: { ip: IDS.clientIp } });
    assert.equal(byEni.client.networkInterfaceId, IDS.clientEni);
    assert.equal(byEni.client.ipAddress, IDS.clientIp);
    assert.equal(byEni.client.location, 'network-interface');
    assert.equal(byInstance.client.instanceId, IDS.clientInstance);
    assert.deepEqual(byEni.client.securityGroupIds, [IDS.clientSg]);
    assert.deepEqual(digest(byInstance), digest(byEni));
    assert.deepEqual(digest(byIp), digest(byEni));
  });

  it('follows a broken client SG whichever way the client is named', () => {
    const docs = setEgress(baseline(), IDS.clientSg, []);
    for (const client of [{ eniId: IDS.clientEni }, { instanceId: IDS.clientInstance }, { ip: IDS.clientIp }]) {
      assert.deepEqual(statusesOf(analyzeDocs(docs, { client }), 'client.sg.outbound'), ['fail', 'fail', 'fail'], JSON.stringify(client));
    }
  });

  it('throws client_not_found for an eniId not in the model, naming it', () => {
    throwsCode(() => analyzeDocs(baseline(), { client: { eniId: 'eni-0fffffffffffffff1' } }), 'client_not_found', 'eni-0fffffffffffffff1');
  });

  it('throws client_not_found for an instanceId not in the model, naming it', () => {
    throwsCode(() => analyzeDocs(baseline(), { client: { instanceId: 'i-0fffffffffffffff1' } }), 'client_not_found', 'i-0fffffffffffffff1');
  });

  it('throws client_invalid for an IP that is not an address', () => {
    for (const ip of ['10.0.1.300', '10.0.1', 'not-an-ip', '10.0.1.25/32', '']) {
      throwsCode(() => analyzeDocs(baseline(), { client: { ip } }), 'client_invalid');
    }
  });

  it('throws client_invalid for an ENI named with an IP it does not carry, or no client at all', () => {
    throwsCode(() => analyzeDocs(baseline(), { client: { eniId: IDS.clientEni, ip: '10.0.1.26' } }), 'client_invalid');
    throwsCode(() => analyzeDocs(baseline(), { client: {} }), 'client_invalid');
  });
});
