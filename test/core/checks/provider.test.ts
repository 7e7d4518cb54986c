import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../../src/core/analyze.js';
import { AnalysisError } from '../../../src/core/errors.js';
import { PROVIDER_CHECK_IDS, type Check, type CheckId, type Report } from '../../../src/core/report.js';
import { modelFromAws } from '../../support/model.js';
import { IDS, cidrs, groups, providerDocuments, tcp, type ProviderKnobs } from '../../support/provider-fixture.js';

/** Every provider-side fact of the analysis contract §2 and §2a, one or more tests each. */

/** `port` null asks for none, as a request that leaves the port to the analysis. */
function run(knobs: ProviderKnobs = {}, port: number | null = 443): Report {
  return analyze(modelFromAws(providerDocuments(knobs)), { endpointId: IDS.endpoint, client: { ip: IDS.clientIp }, ...(port !== null ? { port } : {}) });
}

function checks(report: Report, id: CheckId): Check[] {
  return report.checks.filter((check) => check.id === id);
}

function statuses(report: Report, id: CheckId): string[] {
  return checks(report, id).map((check) => check.status);
}

const PROVIDER_CHECKS: readonly CheckId[] = PROVIDER_CHECK_IDS;

describe('provider side', () => {
  it('passes every provider check on a healthy service', () => {
    const report = run();
    for (const id of PROVIDER_CHECKS) {
      const notFailing = statuses(report, id).every((status) => status === 'pass' || status === 'not_applicable');
      assert.ok(
        notFailing,
        `${id}: ${checks(report, id)
          .map((c) => c.summary)
          .join(' | ')}`,
      );
    }
    assert.equal(report.verdict, 'reachable', report.verdictSummary);
    assert.equal(report.provider.visibility, 'visible');
    assert.deepEqual(report.provider.loadBalancerNodeIps, [...IDS.nodeIps]);
  });

  describe('service.listener', () => {
    it('fails when the NLB does not listen on the port, naming the listeners it has and the create-listener command', () => {
      const report = run({ listeners: ['443'] }, 8443);
      const [check] = checks(report, 'service.listener');
      assert.equal(check?.status, 'fail');
      assert.match(check!.summary, /no TCP, TLS or TCP_UDP listener on 8443; its listeners: TCP 443/);
      const action = check!.remediation!.actions[0]!;
      assert.equal(action.kind, 'create-listener');
      assert.match(
        'cli' in action ? action.cli : '',
        /^aws elbv2 create-listener --load-balancer-arn arn:aws:elasticloadbalancing:.* --protocol TCP --port 8443/,
      );
      assert.equal(report.verdict, 'blocked');
      assert.deepEqual(statuses(report, 'target.health'), ['not_applicable', 'not_applicable'], 'nothing is forwarded without a listener');
    });

    it('accepts TLS and TCP_UDP listeners, and never a UDP one', () => {
      assert.deepEqual(statuses(run({ listeners: ['443/TLS'] }), 'service.listener'), ['pass', 'pass']);
      assert.deepEqual(statuses(run({ listeners: ['443/TCP_UDP'] }), 'service.listener'), ['pass', 'pass']);
      assert.deepEqual(statuses(run({ listeners: ['443/UDP'] }), 'service.listener'), ['fail', 'fail']);
    });

    it('infers the ports from the TCP listeners when none is given, and analyses each', () => {
      const report = run({ listeners: ['443', '8443', '53/UDP'] }, null);
      assert.deepEqual(report.ports, [443, 8443]);
      assert.equal(report.portSource, 'service-listeners');
      assert.equal(report.paths.length, 4, 'two interfaces x two ports');
    });

    it('requires the port when the provider side is not visible', () => {
      assert.throws(
        () => run({ withProvider: false }, null),
        (error: unknown) => error instanceof AnalysisError && error.code === 'port_required',
      );
    });
  });

  describe('nlb.sg.inbound', () => {
    it('fails when enforcement is on and the NLB SG does not admit the client, with the ingress to add', () => {
      const report = run({ enforcement: 'on', nlbSgIngress: [tcp(443, 443, cidrs('10.99.0.0/16'))] });
      const [check] = checks(report, 'nlb.sg.inbound');
      assert.equal(check?.status, 'fail');
      const action = check!.remediation!.actions[0]!;
      assert.ok(action.kind === 'authorize-security-group-ingress' && action.securityGroupId === IDS.lbSg && action.cidr === `${IDS.clientIp}/32`);
      assert.equal(report.verdict, 'blocked');
    });

    it('fails when enforcement is on and no rule admits the client', () => {
      assert.deepEqual(statuses(run({ enforcement: 'on', nlbSgIngress: [tcp(443, 443, cidrs('10.99.0.0/16'))] }), 'nlb.sg.inbound'), ['fail', 'fail']);
    });

    it('reads a missing enforcement field as not captured: pass if the groups admit the client anyway, else unknown naming the field (contract §2)', () => {
      const denied = run({ nlbSgIngress: [tcp(443, 443, cidrs('10.99.0.0/16'))] });
      assert.deepEqual(statuses(denied, 'nlb.sg.inbound'), ['unknown', 'unknown']);
      const [check] = checks(denied, 'nlb.sg.inbound');
      assert.match(check!.summary, /EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic/);
      assert.equal(check!.remediation, undefined);
      assert.notEqual(denied.verdict, 'blocked');
      const admitted = run({ nlbSgIngress: [tcp(443, 443, cidrs('10.0.0.0/16'))] });
      assert.deepEqual(statuses(admitted, 'nlb.sg.inbound'), ['pass', 'pass']);
    });

    it('is not applicable when enforcement is off, or when the NLB has no security groups', () => {
      const off = run({ enforcement: 'off', nlbSgIngress: [] });
      assert.deepEqual(statuses(off, 'nlb.sg.inbound'), ['not_applicable', 'not_applicable']);
      assert.match(checks(off, 'nlb.sg.inbound')[0]!.summary, /does not enforce/);
      const noGroups = run({ nlbSecurityGroups: false });
      assert.deepEqual(statuses(noGroups, 'nlb.sg.inbound'), ['not_applicable', 'not_applicable']);
      assert.deepEqual(statuses(noGroups, 'nlb.sg.outbound'), ['not_applicable', 'not_applicable']);
    });

    it('never matches a consumer security group reference: PrivateLink traffic carries none', () => {
      assert.deepEqual(statuses(run({ enforcement: 'on', nlbSgIngress: [tcp(443, 443, groups(IDS.clientSg))] }), 'nlb.sg.inbound'), ['fail', 'fail']);
    });
  });

  describe('nlb.sg.outbound', () => {
    it('requires the NLB SG egress to reach the targets on the target port and on the health-check port', () => {
      assert.deepEqual(statuses(run({ nlbSgEgress: [tcp(443, 443, cidrs('10.20.0.0/16'))] }), 'nlb.sg.outbound'), ['fail', 'fail']);
      const healthPort = run({ healthCheckPort: '8080', nlbSgEgress: [tcp(8443, 8443, cidrs('10.20.0.0/16'))] });
      const [check] = checks(healthPort, 'nlb.sg.outbound');
      assert.equal(check?.status, 'fail');
      assert.match(check!.summary, /8080 \(health check\)/);
    });
  });

  describe('target.sg.inbound', () => {
    it('names the classic mistake: the target SG admits the client CIDR, but traffic arrives from the NLB', () => {
      const report = run({ nlbSecurityGroups: false, targetSgIngress: [tcp(8443, 8443, cidrs('10.0.0.0/16'))] });
      const [check] = checks(report, 'target.sg.inbound');
      assert.equal(check?.status, 'fail');
      assert.match(check!.summary, /allows the client 10\.0\.1\.25, but PrivateLink traffic reaches targets from the NLB's private IPs/);
      const action = check!.remediation!.actions[0]!;
      assert.ok(action.kind === 'authorize-security-group-ingress' && action.cidr === `${IDS.nodeIps[0]}/32`, JSON.stringify(action));
      assert.equal(report.verdict, 'blocked');
    });

    it("passes on a reference to the NLB's security group, and suggests one as the fix", () => {
      assert.deepEqual(statuses(run(), 'target.sg.inbound'), ['pass', 'pass']);
      const [check] = checks(run({ targetSgIngress: [] }), 'target.sg.inbound');
      const action = check!.remediation!.actions[0]!;
      assert.ok(action.kind === 'authorize-security-group-ingress' && action.referencedSecurityGroupId === IDS.lbSg, JSON.stringify(action));
    });

    it('judges the health-check port too', () => {
      const report = run({ healthCheckPort: '8080', nlbSgEgress: [tcp(0, 65535, cidrs('10.20.0.0/16'))] });
      const [check] = checks(report, 'target.sg.inbound');
      assert.equal(check?.status, 'fail');
      assert.match(check!.summary, /8080 \(health check\)/);
    });

    it('uses only the same-AZ node with cross-zone off, every node with it on', () => {
      const sameAzOnly = [tcp(8443, 8443, cidrs(`${IDS.nodeIps[0]}/32`, `${IDS.nodeIps[1]}/32`))];
      assert.deepEqual(statuses(run({ nlbSecurityGroups: false, targetSgIngress: sameAzOnly }), 'target.sg.inbound'), ['pass', 'pass']);
      const onlyFirstNode = [tcp(8443, 8443, cidrs(`${IDS.nodeIps[0]}/32`))];
      assert.deepEqual(statuses(run({ nlbSecurityGroups: false, targetSgIngress: onlyFirstNode }), 'target.sg.inbound'), ['pass', 'fail']);
      assert.deepEqual(statuses(run({ nlbSecurityGroups: false, targetSgIngress: onlyFirstNode, crossZone: 'true' }), 'target.sg.inbound'), ['fail', 'fail']);
    });
  });

  describe('target NACLs', () => {
    const entries = (egressRules: unknown[], ingressRules?: unknown[]) => [
      ...(ingressRules ?? [{ CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'allow', RuleNumber: 100 }]),
      { CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'deny', RuleNumber: 32767 },
      ...egressRules,
      { CidrBlock: '0.0.0.0/0', Egress: true, Protocol: '-1', RuleAction: 'deny', RuleNumber: 32767 },
    ];

    it('warns when the return range to the NLB (1024-65535) is covered only in part', () => {
      const report = run({
        targetNaclEntries: entries([
          { CidrBlock: '10.20.0.0/16', Egress: true, Protocol: '6', PortRange: { From: 32768, To: 65535 }, RuleAction: 'allow', RuleNumber: 100 },
        ]),
      });
      const [check] = checks(report, 'target.nacl.outbound');
      assert.equal(check?.status, 'warn');
      assert.match(check!.summary, /only on ports 32768-65535; 1024-32767 denied/);
      assert.equal(report.verdict, 'reachable');
    });

    it('fails with no return rule, and numbers the fix before the deny', () => {
      const [check] = checks(run({ targetNaclEntries: entries([]) }), 'target.nacl.outbound');
      assert.equal(check?.status, 'fail');
      const action = check!.remediation!.actions[0]!;
      assert.ok(action.kind === 'create-network-acl-entry' && action.egress && action.networkAclId === IDS.targetNacl);
    });

    it('judges inbound on the target port and the health-check port from the NLB nodes', () => {
      const onlyTraffic = entries(
        [{ CidrBlock: '0.0.0.0/0', Egress: true, Protocol: '-1', RuleAction: 'allow', RuleNumber: 100 }],
        [{ CidrBlock: '10.20.0.0/16', Egress: false, Protocol: '6', PortRange: { From: 8443, To: 8443 }, RuleAction: 'allow', RuleNumber: 100 }],
      );
      assert.deepEqual(statuses(run({ targetNaclEntries: onlyTraffic }), 'target.nacl.inbound'), ['pass', 'pass']);
      const [check] = checks(
        run({
          targetNaclEntries: onlyTraffic,
          healthCheckPort: '8080',
          nlbSgEgress: [tcp(0, 65535, cidrs('10.20.0.0/16'))],
          targetSgIngress: [tcp(0, 65535, cidrs('10.20.0.0/16'))],
        }),
        'target.nacl.inbound',
      );
      assert.equal(check?.status, 'fail');
      assert.match(check!.summary, /8080 \(health check\)/);
    });
  });

  describe('target.health', () => {
    it('fails the path of an AZ without a healthy target when cross-zone is off: partial', () => {
      const report = run({ health: ['healthy', 'unhealthy'] });
      assert.deepEqual(statuses(report, 'target.health'), ['pass', 'fail']);
      assert.match(checks(report, 'target.health')[1]!.summary, /no healthy target in use1-az2.*Target\.FailedHealthChecks.*1 healthy in other AZs/);
      assert.equal(report.verdict, 'partial');
      const kinds = checks(report, 'target.health')[1]!.remediation!.actions.map((action) => action.kind);
      assert.ok(kinds.includes('modify-load-balancer-attributes'));
    });

    it('passes every path with one healthy target when cross-zone is on', () => {
      assert.deepEqual(statuses(run({ health: ['healthy', 'unhealthy'], crossZone: 'true' }), 'target.health'), ['pass', 'pass']);
    });

    it('fails every path when no target is healthy', () => {
      const report = run({ health: ['unhealthy', 'draining'], crossZone: 'true' });
      assert.deepEqual(statuses(report, 'target.health'), ['fail', 'fail']);
      assert.equal(report.verdict, 'blocked');
    });

    it('is unknown when the cross-zone attribute was not captured and only another AZ is healthy', () => {
      assert.deepEqual(statuses(run({ health: ['healthy', 'unhealthy'], crossZone: 'omit' }), 'target.health'), ['pass', 'unknown']);
    });
  });

  it('matches consumer and provider AZs by AZ id, never by name', () => {
    const report = run({ health: ['healthy', 'unhealthy'], swapProviderAzNames: true });
    assert.deepEqual(statuses(report, 'target.health'), ['pass', 'fail'], 'use1-az1 still serves the first interface');
  });

  it('makes every provider check not applicable for an AWS service', () => {
    const documents = providerDocuments();
    const endpoint = documents.DescribeVpcEndpoints!.VpcEndpoints[0] as Record<string, unknown>;
    endpoint.ServiceName = 'com.amazonaws.us-east-1.kms';
    const report = analyze(modelFromAws(documents), { endpointId: IDS.endpoint, client: { ip: IDS.clientIp } });
    for (const id of PROVIDER_CHECKS) {
      assert.deepEqual(statuses(report, id), ['not_applicable'], `${id} is judged once, for the whole endpoint`);
      assert.equal(checks(report, id)[0]!.scope.networkInterfaceId, undefined);
    }
    assert.equal(report.provider.visibility, 'aws');
  });

  it('makes every provider check unknown when the NLB is not visible, and still shows the consumer side in full', () => {
    const report = run({ withProvider: false, targetSgIngress: [] });
    for (const id of PROVIDER_CHECKS) {
      assert.equal(checks(report, id).length, 1, `${id} is judged once, for the whole endpoint`);
      for (const check of checks(report, id)) {
        assert.equal(check.status, 'unknown', id);
        assert.match(check.summary, /provider side not visible: analyse with the provider account's snapshot/);
      }
    }
    assert.deepEqual(statuses(report, 'endpoint.sg.inbound'), ['pass', 'pass']);
    assert.equal(report.verdict, 'unknown');
  });
});
