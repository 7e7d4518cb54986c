import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Check, RemediationAction } from '../../../src/core/report.js';
import {
  ENDPOINT_PATHS,
  IDS,
  NACL_CHECK_IDS,
  addPrefixList,
  addSecurityGroup,
  allowAllEntries,
  allTrafficPermission,
  analyzeDocs,
  applyAction,
  attachSecurityGroup,
  baseline,
  checkOf,
  defaultDenies,
  endpointJson,
  moveClient,
  naclEntry,
  naclOf,
  permission,
  setEgress,
  setIngress,
  setNaclDirection,
  setNaclEntries,
  statusesOf,
  tcpPermission,
} from '../../support/fixtures.js';

/** The endpoint side of the contract (§2, §2a, §3): endpoint.state, endpoint.sg.inbound, endpoint.nacl.*. */

const [A, B, C] = ENDPOINT_PATHS;

function action(check: Check): RemediationAction {
  const first = check.remediation?.actions[0];
  assert.ok(first, `${check.id} has no remediation action: ${check.summary}`);
  return first;
}

function naclAction(check: Check): Extract<RemediationAction, { kind: 'create-network-acl-entry' }> {
  const found = action(check);
  assert.equal(found.kind, 'create-network-acl-entry');
  return found as Extract<RemediationAction, { kind: 'create-network-acl-entry' }>;
}

/** Endpoint SG inbound on every path, with the endpoint group's ingress replaced. */
function endpointSgWith(ingress: Parameters<typeof setIngress>[2], port?: number): string[] {
  const report = analyzeDocs(setIngress(baseline(), IDS.endpointSg, ingress), port === undefined ? {} : { port });
  return statusesOf(report, 'endpoint.sg.inbound');
}

describe('endpoint.state', () => {
  it('passes for an available interface endpoint', () => {
    const report = analyzeDocs(baseline());
    const check = checkOf(report, 'endpoint.state');
    assert.equal(check.status, 'pass');
    assert.equal(check.scope.endpointId, IDS.endpoint);
    assert.equal(report.verdict, 'reachable');
  });

  it('fails for a gateway endpoint (not Interface), whose missing ENIs make the analysis blocked', () => {
    const docs = baseline();
    const endpoint = endpointJson(docs);
    Object.assign(endpoint, {
      VpcEndpointType: 'Gateway',
      ServiceName: 'com.amazonaws.us-east-1.s3',
      RouteTableIds: ['rtb-0b1b2b3b4b5b6b7b8'],
      SubnetIds: [],
      Groups: [],
      NetworkInterfaceIds: [],
      DnsEntries: [],
    });
    const report = analyzeDocs(docs);
    const check = checkOf(report, 'endpoint.state');
    assert.equal(check.status, 'fail');
    assert.match(check.summary, /Gateway endpoint/);
    assert.deepEqual(report.paths, []);
    assert.equal(report.verdict, 'blocked');
  });

  it('fails in pendingAcceptance with an accept-vpc-endpoint-connections remediation, and blocks every path', () => {
    const docs = baseline();
    Object.assign(endpointJson(docs), { ServiceName: IDS.customerServiceName, State: 'pendingAcceptance' });
    const report = analyzeDocs(docs, { port: 443 });
    const check = checkOf(report, 'endpoint.state');
    assert.equal(check.status, 'fail');
    const fix = action(check);
    assert.equal(fix.kind, 'accept-vpc-endpoint-connections');
    assert.ok(fix.kind === 'accept-vpc-endpoint-connections');
    assert.equal(fix.serviceId, IDS.customerServiceId);
    assert.equal(fix.vpcEndpointId, IDS.endpoint);
    assert.equal(fix.cli, `aws ec2 accept-vpc-endpoint-connections --service-id ${IDS.customerServiceId} --vpc-endpoint-ids ${IDS.endpoint}`);
    assert.equal(report.paths.length, 3);
    for (const path of report.paths) {
      assert.equal(path.status, 'fail');
      assert.ok(path.failedChecks.includes('endpoint.state'), `${path.networkInterfaceId}: ${path.failedChecks.join(', ')}`);
    }
    assert.equal(report.verdict, 'blocked');
  });

  it('fails for any state but available (pending, failed, rejected, deleted), counting against every path', () => {
    for (const state of ['pending', 'failed', 'rejected', 'deleted']) {
      const docs = baseline();
      endpointJson(docs).State = state;
      const report = analyzeDocs(docs);
      assert.equal(checkOf(report, 'endpoint.state').status, 'fail', state);
      assert.equal(report.verdict, 'blocked', state);
      assert.ok(
        report.paths.every((path) => path.failedChecks.includes('endpoint.state')),
        state,
      );
    }
  });
});

describe('endpoint.sg.inbound', () => {
  describe('security groups are stateful', () => {
    it('passes with an endpoint SG that has no egress rule at all: only inbound is judged', () => {
      const report = analyzeDocs(setEgress(baseline(), IDS.endpointSg, []));
      assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
      assert.equal(report.verdict, 'reachable', report.verdictSummary);
    });

    it('is not satisfied by an egress rule: an endpoint SG that allows 443 only outbound fails', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, []);
      setEgress(docs, IDS.endpointSg, [tcpPermission(443, 443, { cidrs: ['0.0.0.0/0'] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'endpoint.sg.inbound'), ['fail', 'fail', 'fail']);
    });
  });

  describe('protocol', () => {
    it('allows TCP with IpProtocol "tcp"', () => {
      assert.deepEqual(endpointSgWith([permission('tcp', 443, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
    });

    it('allows TCP with IpProtocol "6"', () => {
      assert.deepEqual(endpointSgWith([permission('6', 443, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
    });

    it('allows TCP with IpProtocol "-1" (all traffic, no ports)', () => {
      assert.deepEqual(endpointSgWith([allTrafficPermission({ cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
    });

    it('never allows TCP with "udp", "17" or "icmp"', () => {
      for (const rule of [
        permission('udp', 443, 443, { cidrs: ['0.0.0.0/0'] }),
        permission('udp', 0, 65535, { cidrs: ['0.0.0.0/0'] }),
        permission('17', 443, 443, { cidrs: ['0.0.0.0/0'] }),
        permission('icmp', -1, -1, { cidrs: ['0.0.0.0/0'] }),
      ]) {
        assert.deepEqual(endpointSgWith([rule]), ['fail', 'fail', 'fail'], rule.IpProtocol);
      }
    });
  });

  describe('port range', () => {
    it('includes both FromPort and ToPort', () => {
      assert.deepEqual(endpointSgWith([tcpPermission(443, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(endpointSgWith([tcpPermission(443, 450, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(endpointSgWith([tcpPermission(400, 443, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(endpointSgWith([tcpPermission(0, 65535, { cidrs: [IDS.vpcCidr] })]), ['pass', 'pass', 'pass']);
    });

    it('fails for a port just outside the range, on either side', () => {
      assert.deepEqual(endpointSgWith([tcpPermission(444, 450, { cidrs: [IDS.vpcCidr] })]), ['fail', 'fail', 'fail']);
      assert.deepEqual(endpointSgWith([tcpPermission(400, 442, { cidrs: [IDS.vpcCidr] })]), ['fail', 'fail', 'fail']);
    });

    it('judges the requested port', () => {
      assert.deepEqual(endpointSgWith([tcpPermission(8000, 8443, { cidrs: [IDS.vpcCidr] })], 8443), ['pass', 'pass', 'pass']);
      assert.deepEqual(endpointSgWith([tcpPermission(8000, 8443, { cidrs: [IDS.vpcCidr] })], 8444), ['fail', 'fail', 'fail']);
    });
  });

  describe('source', () => {
    it('matches IpRanges by CIDR containment of the client address', () => {
      assert.deepEqual(endpointSgWith([tcpPermission(443, 443, { cidrs: ['10.0.1.0/24'] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(endpointSgWith([tcpPermission(443, 443, { cidrs: [`${IDS.clientIp}/32`] })]), ['pass', 'pass', 'pass']);
      assert.deepEqual(endpointSgWith([tcpPermission(443, 443, { cidrs: ['10.0.2.0/24', '10.0.1.24/32'] })]), ['fail', 'fail', 'fail']);
    });

    it('cites the rule that allowed as evidence', () => {
      const report = analyzeDocs(setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { cidrs: ['10.0.1.0/24'] })]));
      const check = checkOf(report, 'endpoint.sg.inbound', A.eni);
      const [evidence] = check.evidence;
      assert.ok(evidence?.kind === 'security-group-rule');
      assert.equal(evidence.securityGroupId, IDS.endpointSg);
      assert.equal(evidence.direction, 'ingress');
      assert.equal(evidence.peer, '10.0.1.0/24');
      assert.deepEqual(check.scope.securityGroupIds, [IDS.endpointSg]);
    });

    it('matches PrefixListIds when the list entries contain the client', () => {
      const docs = addPrefixList(baseline(), 'pl-0a1b2c3d4e5f6a7b8', 'app-subnets', ['10.0.1.0/24', '10.0.2.0/24']);
      setIngress(docs, IDS.endpointSg, [tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] })]);
      const report = analyzeDocs(docs);
      assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
      const [evidence] = checkOf(report, 'endpoint.sg.inbound', A.eni).evidence;
      assert.ok(evidence?.kind === 'security-group-rule' && evidence.peer === 'pl-0a1b2c3d4e5f6a7b8');
    });

    it('fails on a prefix list whose entries do not contain the client', () => {
      const docs = addPrefixList(baseline(), 'pl-0a1b2c3d4e5f6a7b8', 'corp-vpn', ['172.16.0.0/12']);
      setIngress(docs, IDS.endpointSg, [tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'endpoint.sg.inbound'), ['fail', 'fail', 'fail']);
    });

    it('is unknown on a prefix list whose entries were not captured, when no other rule allows', () => {
      const docs = addPrefixList(baseline(), 'pl-0a1b2c3d4e5f6a7b8', 'app-subnets', undefined);
      setIngress(docs, IDS.endpointSg, [
        tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] }),
        tcpPermission(443, 443, { cidrs: ['172.16.0.0/12'] }),
      ]);
      const report = analyzeDocs(docs);
      assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['unknown', 'unknown', 'unknown']);
      assert.match(checkOf(report, 'endpoint.sg.inbound', A.eni).summary, /pl-0a1b2c3d4e5f6a7b8/);
      assert.equal(report.verdict, 'unknown');
    });

    it('is unknown on a prefix list that was not described at all, when no other rule allows', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'endpoint.sg.inbound'), ['unknown', 'unknown', 'unknown']);
    });

    it("passes when a CIDR rule allows, even if another rule's prefix list was not captured (§2a)", () => {
      const docs = addPrefixList(baseline(), 'pl-0a1b2c3d4e5f6a7b8', 'app-subnets', undefined);
      // The uncaptured prefix list comes first, in the same group and in another group.
      setIngress(docs, IDS.endpointSg, [tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] }), tcpPermission(443, 443, { cidrs: [IDS.vpcCidr] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);

      const split = addPrefixList(baseline(), 'pl-0a1b2c3d4e5f6a7b8', 'app-subnets', undefined);
      setIngress(split, IDS.endpointSg, [tcpPermission(443, 443, { prefixLists: ['pl-0a1b2c3d4e5f6a7b8'] })]);
      addSecurityGroup(split, {
        id: 'sg-0a9a8a7a6a5a4a3a2',
        name: 'vpce-extra',
        ingress: [tcpPermission(443, 443, { cidrs: ['10.0.1.0/24'] })],
        attachTo: ENDPOINT_PATHS.map((path) => path.eni),
      });
      const report = analyzeDocs(split);
      assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
      assert.equal(report.verdict, 'reachable');
    });

    it('matches UserIdGroupPairs when the client ENI carries the referenced group', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { groups: [IDS.clientSg] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
      // The same when the client is named by its IP, which lies on its ENI.
      assert.deepEqual(statusesOf(analyzeDocs(docs, { client: { ip: IDS.clientIp } }), 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
      const [evidence] = checkOf(analyzeDocs(docs), 'endpoint.sg.inbound', A.eni).evidence;
      assert.ok(evidence?.kind === 'security-group-rule' && evidence.peer === IDS.clientSg);
    });

    it('fails on UserIdGroupPairs naming a group the client ENI does not carry', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { groups: ['sg-0999999999999999a'] })]);
      assert.deepEqual(statusesOf(analyzeDocs(docs), 'endpoint.sg.inbound'), ['fail', 'fail', 'fail']);
    });

    it('is unknown on UserIdGroupPairs when the client IP is on no known ENI', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { groups: [IDS.clientSg] })]);
      const report = analyzeDocs(docs, { client: { ip: '10.0.1.200' } });
      assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['unknown', 'unknown', 'unknown']);
    });
  });

  describe('several groups on one ENI', () => {
    it('are a union: a second group that allows makes it pass', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(80, 80, { cidrs: [IDS.vpcCidr] })]);
      addSecurityGroup(docs, {
        id: 'sg-0a9a8a7a6a5a4a3a2',
        name: 'vpce-https',
        ingress: [tcpPermission(443, 443, { cidrs: ['10.0.1.0/24'] })],
        attachTo: ENDPOINT_PATHS.map((path) => path.eni),
      });
      const report = analyzeDocs(docs);
      assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
      const check = checkOf(report, 'endpoint.sg.inbound', B.eni);
      assert.deepEqual(check.scope.securityGroupIds, [IDS.endpointSg, 'sg-0a9a8a7a6a5a4a3a2']);
      const [evidence] = check.evidence;
      assert.ok(evidence?.kind === 'security-group-rule' && evidence.securityGroupId === 'sg-0a9a8a7a6a5a4a3a2');
    });

    it('judge each ENI by its own groups', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, []);
      addSecurityGroup(docs, {
        id: 'sg-0a9a8a7a6a5a4a3a2',
        name: 'vpce-https',
        ingress: [tcpPermission(443, 443, { cidrs: [IDS.vpcCidr] })],
        attachTo: [C.eni],
      });
      const report = analyzeDocs(docs);
      assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['fail', 'fail', 'pass']);
      assert.equal(report.verdict, 'partial');
    });
  });

  describe('no matching rule', () => {
    it('fails with an authorize-security-group-ingress for the client /32', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, [tcpPermission(443, 443, { cidrs: ['172.16.0.0/12'] })]);
      const report = analyzeDocs(docs);
      const check = checkOf(report, 'endpoint.sg.inbound', A.eni);
      assert.equal(check.status, 'fail');
      const fix = action(check);
      assert.ok(fix.kind === 'authorize-security-group-ingress', fix.kind);
      assert.equal(fix.securityGroupId, IDS.endpointSg);
      assert.equal(fix.cidr, `${IDS.clientIp}/32`);
      assert.equal(fix.protocol, 'tcp');
      assert.equal(fix.fromPort, 443);
      assert.equal(fix.toPort, 443);
      assert.ok(fix.cli.startsWith(`aws ec2 authorize-security-group-ingress --group-id ${IDS.endpointSg} `), fix.cli);
      assert.match(fix.cli, /"CidrIp":"10\.0\.1\.25\/32"/);
      assert.equal(report.verdict, 'blocked');
    });

    it('fails with no rule at all, and the fix it proposes makes it pass', () => {
      const docs = setIngress(baseline(), IDS.endpointSg, []);
      const check = checkOf(analyzeDocs(docs), 'endpoint.sg.inbound', A.eni);
      assert.equal(check.status, 'fail');
      const fixed = analyzeDocs(applyAction(docs, action(check)));
      assert.deepEqual(statusesOf(fixed, 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
    });
  });
});

describe('endpoint.nacl.*', () => {
  describe('network ACLs are stateless: both directions are judged', () => {
    it('fails inbound when only the outbound entries allow', () => {
      const docs = setNaclDirection(baseline(), A.nacl, false, defaultDenies(false));
      const report = analyzeDocs(docs);
      assert.equal(checkOf(report, 'endpoint.nacl.inbound', A.eni).status, 'fail');
      assert.equal(checkOf(report, 'endpoint.nacl.outbound', A.eni).status, 'pass');
    });

    it('fails outbound (return traffic) when only the inbound entries allow', () => {
      const docs = setNaclDirection(baseline(), A.nacl, true, defaultDenies(true));
      const report = analyzeDocs(docs);
      assert.equal(checkOf(report, 'endpoint.nacl.inbound', A.eni).status, 'pass');
      const check = checkOf(report, 'endpoint.nacl.outbound', A.eni);
      assert.equal(check.status, 'fail');
      assert.equal(check.scope.networkAclId, A.nacl);
    });

    it('reads Egress:false as inbound: an egress entry for 443 does not admit inbound traffic', () => {
      const docs = baseline();
      naclOf(docs, A.nacl).Entries = [
        naclEntry({ rule: 100, egress: true, ports: 443, cidr: '0.0.0.0/0' }),
        naclEntry({ rule: 110, egress: true, ports: [1024, 65535], cidr: '0.0.0.0/0' }),
        ...defaultDenies(true),
        naclEntry({ rule: 100, egress: false, ports: [1024, 65535], cidr: '0.0.0.0/0' }),
        ...defaultDenies(false),
      ];
      const report = analyzeDocs(docs);
      assert.equal(checkOf(report, 'endpoint.nacl.inbound', A.eni).status, 'fail');
      assert.equal(checkOf(report, 'endpoint.nacl.outbound', A.eni).status, 'pass');
    });
  });

  describe('entries are evaluated in ascending RuleNumber, first match wins', () => {
    it('denies when a deny is numbered before an allow', () => {
      const docs = setNaclDirection(baseline(), A.nacl, false, [
        naclEntry({ rule: 90, egress: false, action: 'deny', ports: 443, cidr: '10.0.1.0/24' }),
        naclEntry({ rule: 100, egress: false, ports: 443, cidr: IDS.vpcCidr }),
        ...defaultDenies(false),
      ]);
      const check = checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni);
      assert.equal(check.status, 'fail');
      const [evidence] = check.evidence;
      assert.ok(evidence?.kind === 'network-acl-entry');
      assert.equal(evidence.ruleNumber, 90);
      assert.equal(evidence.ruleAction, 'deny');
      assert.equal(evidence.networkAclId, A.nacl);
    });

    it('allows when an allow is numbered before a deny', () => {
      const docs = setNaclDirection(baseline(), A.nacl, false, [
        naclEntry({ rule: 90, egress: false, ports: 443, cidr: '10.0.1.0/24' }),
        naclEntry({ rule: 100, egress: false, action: 'deny', ports: 443, cidr: IDS.vpcCidr }),
        ...defaultDenies(false),
      ]);
      const check = checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni);
      assert.equal(check.status, 'pass');
      const [evidence] = check.evidence;
      assert.ok(evidence?.kind === 'network-acl-entry' && evidence.ruleNumber === 90 && evidence.ruleAction === 'allow');
    });

    it('evaluates entries listed out of order in the JSON in ascending order', () => {
      const allowFirst = setNaclDirection(baseline(), A.nacl, false, [
        ...defaultDenies(false),
        naclEntry({ rule: 200, egress: false, action: 'deny', ports: 443, cidr: IDS.vpcCidr }),
        naclEntry({ rule: 50, egress: false, ports: 443, cidr: '10.0.1.0/24' }),
      ]);
      assert.equal(checkOf(analyzeDocs(allowFirst), 'endpoint.nacl.inbound', A.eni).status, 'pass');
      const denyFirst = setNaclDirection(baseline(), A.nacl, false, [
        naclEntry({ rule: 200, egress: false, ports: 443, cidr: IDS.vpcCidr }),
        ...defaultDenies(false),
        naclEntry({ rule: 50, egress: false, action: 'deny', ports: 443, cidr: '10.0.1.0/24' }),
      ]);
      assert.equal(checkOf(analyzeDocs(denyFirst), 'endpoint.nacl.inbound', A.eni).status, 'fail');
    });

    it('skips entries whose CIDR does not contain the client', () => {
      const docs = setNaclDirection(baseline(), A.nacl, false, [
        naclEntry({ rule: 90, egress: false, action: 'deny', ports: 443, cidr: '10.0.2.0/24' }),
        naclEntry({ rule: 100, egress: false, ports: 443, cidr: IDS.vpcCidr }),
        ...defaultDenies(false),
      ]);
      assert.equal(checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni).status, 'pass');
    });

    it('denies by rule 32767 when nothing else matches', () => {
      const docs = setNaclDirection(baseline(), A.nacl, false, [
        naclEntry({ rule: 100, egress: false, ports: 443, cidr: '10.0.2.0/24' }),
        ...defaultDenies(false),
      ]);
      const check = checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni);
      assert.equal(check.status, 'fail');
      const deciding = check.evidence.find((item) => item.kind === 'network-acl-entry' && item.ruleAction === 'deny');
      assert.ok(deciding?.kind === 'network-acl-entry');
      assert.equal(deciding.ruleNumber, 32767);
      assert.match(deciding.text, /rule \*/);
    });
  });

  describe('protocol', () => {
    it('matches TCP with Protocol "6" and "-1"', () => {
      for (const protocol of ['6', '-1'] as const) {
        const docs = setNaclDirection(baseline(), A.nacl, false, [
          naclEntry({ rule: 100, egress: false, protocol, ports: 443, cidr: IDS.vpcCidr }),
          ...defaultDenies(false),
        ]);
        assert.equal(checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni).status, 'pass', protocol);
      }
    });

    it('never matches TCP with Protocol "17" (UDP) or "1" (ICMP)', () => {
      for (const protocol of ['17', '1'] as const) {
        const docs = setNaclDirection(baseline(), A.nacl, false, [
          naclEntry({ rule: 100, egress: false, protocol, ports: [0, 65535], cidr: '0.0.0.0/0' }),
          ...defaultDenies(false),
        ]);
        assert.equal(checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni).status, 'fail', protocol);
      }
    });

    it('lets a UDP deny numbered first pass TCP through to a later allow', () => {
      const docs = setNaclDirection(baseline(), A.nacl, false, [
        naclEntry({ rule: 50, egress: false, action: 'deny', protocol: '17', ports: [0, 65535], cidr: '0.0.0.0/0' }),
        naclEntry({ rule: 100, egress: false, ports: 443, cidr: IDS.vpcCidr }),
        ...defaultDenies(false),
      ]);
      assert.equal(checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni).status, 'pass');
    });
  });

  describe('return traffic to the client ephemeral ports', () => {
    it('judges 1024-65535 by default', () => {
      const report = analyzeDocs(baseline());
      assert.deepEqual(report.clientEphemeralPorts, { from: 1024, to: 65535 });
      assert.match(checkOf(report, 'endpoint.nacl.outbound', A.eni).summary, /1024-65535/);
    });

    it('warns when the NACL allows only 32768-65535, naming the ranges that pass and the ones denied', () => {
      const docs = setNaclDirection(baseline(), A.nacl, true, [
        naclEntry({ rule: 100, egress: true, ports: [32768, 65535], cidr: IDS.vpcCidr }),
        ...defaultDenies(true),
      ]);
      const report = analyzeDocs(docs);
      const check = checkOf(report, 'endpoint.nacl.outbound', A.eni);
      assert.equal(check.status, 'warn');
      assert.match(check.summary, /32768-65535/);
      assert.match(check.summary, /1024-32767/);
      const fix = naclAction(check);
      assert.deepEqual(fix.portRange, { from: 1024, to: 32767 });
      assert.equal(fix.egress, true);
      assert.equal(fix.cidrBlock, `${IDS.clientIp}/32`);
      assert.ok(fix.ruleNumber < 32767);
      assert.ok(fix.ruleNumber !== 100);
      assert.equal(report.verdict, 'reachable');
      assert.ok(report.paths.find((path) => path.networkInterfaceId === A.eni)?.warnedChecks.includes('endpoint.nacl.outbound'));
    });

    it('passes the same NACL with clientEphemeralPorts 32768-60999 (Linux)', () => {
      const docs = setNaclDirection(baseline(), A.nacl, true, [
        naclEntry({ rule: 100, egress: true, ports: [32768, 65535], cidr: IDS.vpcCidr }),
        ...defaultDenies(true),
      ]);
      const report = analyzeDocs(docs, { clientEphemeralPorts: { from: 32768, to: 60999 } });
      assert.equal(checkOf(report, 'endpoint.nacl.outbound', A.eni).status, 'pass');
      assert.deepEqual(report.clientEphemeralPorts, { from: 32768, to: 60999 });
      assert.equal(report.verdict, 'reachable');
    });

    it('fails with no coverage of the range at all, and proposes exactly that range', () => {
      const docs = setNaclDirection(baseline(), A.nacl, true, [naclEntry({ rule: 100, egress: true, ports: 443, cidr: IDS.vpcCidr }), ...defaultDenies(true)]);
      const check = checkOf(analyzeDocs(docs), 'endpoint.nacl.outbound', A.eni);
      assert.equal(check.status, 'fail');
      assert.deepEqual(naclAction(check).portRange, { from: 1024, to: 65535 });
      assert.deepEqual(statusesOf(analyzeDocs(applyAction(docs, naclAction(check))), 'endpoint.nacl.outbound'), ['pass', 'pass', 'pass']);
    });

    it('fails a Linux range that the NACL does not cover at all, even though part of the default range passes', () => {
      const docs = setNaclDirection(baseline(), A.nacl, true, [
        naclEntry({ rule: 100, egress: true, ports: [1024, 32767], cidr: IDS.vpcCidr }),
        ...defaultDenies(true),
      ]);
      assert.equal(checkOf(analyzeDocs(docs), 'endpoint.nacl.outbound', A.eni).status, 'warn');
      assert.equal(checkOf(analyzeDocs(docs, { clientEphemeralPorts: { from: 32768, to: 60999 } }), 'endpoint.nacl.outbound', A.eni).status, 'fail');
    });
  });

  describe('remediation', () => {
    it('creates an entry with a free number before an explicit low deny, for exactly the denied port', () => {
      const docs = baseline();
      const ingress = [
        naclEntry({ rule: 10, egress: false, ports: 22, cidr: '10.0.0.0/8' }),
        naclEntry({ rule: 20, egress: false, ports: 80, cidr: '0.0.0.0/0' }),
        naclEntry({ rule: 50, egress: false, action: 'deny', ports: 443, cidr: '10.0.1.0/24' }),
        naclEntry({ rule: 100, egress: false, ports: 443, cidr: IDS.vpcCidr }),
        naclEntry({ rule: 110, egress: false, ports: [1024, 65535], cidr: '0.0.0.0/0' }),
        ...defaultDenies(false),
      ];
      setNaclDirection(docs, A.nacl, false, ingress);
      const check = checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni);
      assert.equal(check.status, 'fail');
      const fix = naclAction(check);
      const taken = new Set(ingress.map((entry) => entry.RuleNumber));
      assert.ok(fix.ruleNumber < 50, `rule ${fix.ruleNumber} must come before the deny at 50`);
      assert.ok(fix.ruleNumber >= 1);
      assert.ok(!taken.has(fix.ruleNumber), `rule ${fix.ruleNumber} is taken`);
      assert.equal(fix.networkAclId, A.nacl);
      assert.equal(fix.egress, false);
      assert.equal(fix.protocol, '6');
      assert.equal(fix.ruleAction, 'allow');
      assert.deepEqual(fix.portRange, { from: 443, to: 443 });
      assert.equal(fix.cidrBlock, `${IDS.clientIp}/32`);
      assert.equal(
        fix.cli,
        `aws ec2 create-network-acl-entry --network-acl-id ${A.nacl} --ingress --rule-number ${fix.ruleNumber} --protocol tcp --port-range From=443,To=443 --cidr-block ${IDS.clientIp}/32 --rule-action allow`,
      );
      assert.equal(checkOf(analyzeDocs(applyAction(docs, fix)), 'endpoint.nacl.inbound', A.eni).status, 'pass');
    });

    it('finds a free number when the numbers just below the deny are taken', () => {
      const docs = baseline();
      const ingress = [
        naclEntry({ rule: 10, egress: false, ports: 22, cidr: '10.0.0.0/8' }),
        ...[46, 47, 48, 49].map((rule) => naclEntry({ rule, egress: false, protocol: '17', ports: 53, cidr: IDS.vpcCidr })),
        naclEntry({ rule: 50, egress: false, action: 'deny', ports: [0, 1023], cidr: '0.0.0.0/0' }),
        naclEntry({ rule: 100, egress: false, protocol: '-1', cidr: '0.0.0.0/0' }),
        ...defaultDenies(false),
      ];
      setNaclDirection(docs, A.nacl, false, ingress);
      const check = checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni);
      assert.equal(check.status, 'fail');
      const fix = naclAction(check);
      const taken = new Set(ingress.map((entry) => entry.RuleNumber));
      assert.ok(fix.ruleNumber < 50 && !taken.has(fix.ruleNumber), `rule ${fix.ruleNumber}`);
      assert.equal(checkOf(analyzeDocs(applyAction(docs, fix)), 'endpoint.nacl.inbound', A.eni).status, 'pass');
    });

    it('ignores the numbers taken in the other direction', () => {
      const docs = baseline();
      naclOf(docs, A.nacl).Entries = [
        naclEntry({ rule: 30, egress: true, ports: [1024, 65535], cidr: '0.0.0.0/0' }),
        ...defaultDenies(true),
        naclEntry({ rule: 20, egress: false, ports: 80, cidr: '0.0.0.0/0' }),
        naclEntry({ rule: 50, egress: false, action: 'deny', ports: 443, cidr: '0.0.0.0/0' }),
        ...defaultDenies(false),
      ];
      const fix = naclAction(checkOf(analyzeDocs(docs), 'endpoint.nacl.inbound', A.eni));
      assert.ok(fix.ruleNumber < 50 && fix.ruleNumber !== 20);
      assert.equal(checkOf(analyzeDocs(applyAction(docs, fix)), 'endpoint.nacl.inbound', A.eni).status, 'pass');
    });

    it('covers exactly the denied part of a return range, numbered before the entry that denies it', () => {
      const docs = baseline();
      const egress = [
        naclEntry({ rule: 100, egress: true, ports: [32768, 65535], cidr: IDS.vpcCidr }),
        naclEntry({ rule: 200, egress: true, action: 'deny', ports: [1024, 32767], cidr: '0.0.0.0/0' }),
        ...defaultDenies(true),
      ];
      setNaclDirection(docs, A.nacl, true, egress);
      const check = checkOf(analyzeDocs(docs), 'endpoint.nacl.outbound', A.eni);
      assert.equal(check.status, 'warn');
      const fix = naclAction(check);
      assert.deepEqual(fix.portRange, { from: 1024, to: 32767 });
      assert.ok(fix.ruleNumber < 200 && fix.ruleNumber !== 100, `rule ${fix.ruleNumber}`);
      assert.equal(checkOf(analyzeDocs(applyAction(docs, fix)), 'endpoint.nacl.outbound', A.eni).status, 'pass');
    });
  });

  describe('same subnet', () => {
    it('makes all four NACL checks of that ENI not_applicable, even with a NACL that denies everything', () => {
      const docs = moveClient(baseline(), A.subnet, '10.0.10.25');
      naclOf(docs, A.nacl).Entries = [...defaultDenies(true), ...defaultDenies(false)];
      const report = analyzeDocs(docs);
      for (const id of NACL_CHECK_IDS) {
        const check = checkOf(report, id, A.eni);
        assert.equal(check.status, 'not_applicable', `${id}: ${check.summary}`);
        assert.match(check.summary, /subnet/);
      }
      assert.equal(report.paths.find((path) => path.networkInterfaceId === A.eni)?.status, 'pass');
    });

    it('still judges the other ENIs', () => {
      // The client now sits behind A's NACL, which the client's traffic crosses towards B and C.
      const docs = setNaclEntries(moveClient(baseline(), A.subnet, '10.0.10.25'), A.nacl, allowAllEntries());
      const report = analyzeDocs(docs);
      for (const id of NACL_CHECK_IDS) {
        for (const path of [B, C]) assert.equal(checkOf(report, id, path.eni).status, 'pass', `${id} on ${path.eni}`);
      }
      // Denying everything there fails B and C, not A.
      const denying = moveClient(baseline(), A.subnet, '10.0.10.25');
      naclOf(denying, A.nacl).Entries = [...defaultDenies(true), ...defaultDenies(false)];
      const blocked = analyzeDocs(denying);
      assert.equal(checkOf(blocked, 'client.nacl.outbound', B.eni).status, 'fail');
      assert.equal(checkOf(blocked, 'client.nacl.inbound', C.eni).status, 'fail');
      assert.equal(blocked.verdict, 'partial');
    });
  });

  describe('every endpoint ENI is judged on its own', () => {
    it('gives a partial verdict when one endpoint subnet NACL denies', () => {
      const docs = setNaclDirection(baseline(), B.nacl, false, defaultDenies(false));
      const report = analyzeDocs(docs);
      assert.deepEqual(statusesOf(report, 'endpoint.nacl.inbound'), ['pass', 'fail', 'pass']);
      assert.deepEqual(
        report.paths.map((path) => path.status),
        ['pass', 'fail', 'pass'],
      );
      assert.deepEqual(checkOf(report, 'endpoint.nacl.inbound', B.eni).scope.networkAclId, B.nacl);
      assert.equal(report.verdict, 'partial');
      assert.match(report.verdictSummary, new RegExp(B.eni));
    });

    it('judges the return traffic per subnet too', () => {
      const docs = setNaclDirection(baseline(), C.nacl, true, defaultDenies(true));
      const report = analyzeDocs(docs);
      assert.deepEqual(statusesOf(report, 'endpoint.nacl.outbound'), ['pass', 'pass', 'fail']);
      assert.equal(report.verdict, 'partial');
    });

    it('scopes each check to its ENI, subnet, AZ and AZ id', () => {
      const report = analyzeDocs(baseline());
      for (const path of ENDPOINT_PATHS) {
        const check = checkOf(report, 'endpoint.nacl.inbound', path.eni);
        assert.equal(check.scope.subnetId, path.subnet);
        assert.equal(check.scope.availabilityZone, path.az);
        assert.equal(check.scope.availabilityZoneId, path.azId);
        assert.equal(check.scope.ipAddress, path.ip);
        assert.equal(check.scope.networkAclId, path.nacl);
        assert.equal(check.scope.port, 443);
      }
    });
  });
});

describe('endpoint checks with data missing', () => {
  it('is unknown for an SG on the ENI that is absent from DescribeSecurityGroups, unless another group allows', () => {
    const docs = setIngress(baseline(), IDS.endpointSg, []);
    for (const path of ENDPOINT_PATHS) attachSecurityGroup(docs, path.eni, 'sg-0123456789abcdef9');
    const report = analyzeDocs(docs);
    assert.deepEqual(statusesOf(report, 'endpoint.sg.inbound'), ['unknown', 'unknown', 'unknown']);
    assert.match(checkOf(report, 'endpoint.sg.inbound', A.eni).summary, /sg-0123456789abcdef9/);

    const allowed = baseline();
    for (const path of ENDPOINT_PATHS) attachSecurityGroup(allowed, path.eni, 'sg-0123456789abcdef9');
    assert.deepEqual(statusesOf(analyzeDocs(allowed), 'endpoint.sg.inbound'), ['pass', 'pass', 'pass']);
  });
});
