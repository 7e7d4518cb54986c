import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze.js';
import { LIKELY_CAUSES, type ProbeObservation } from '../../src/core/live.js';
import { reconcile, type Finding } from '../../src/core/reconcile.js';
import type { Report } from '../../src/core/report.js';
import { ENDPOINT_PATHS, IDS, analyzeDocs, baseline, checkOf, checksOf, setIngress, toModel, without } from '../support/fixtures.js';

/**
 * The static verdict beside what the probes saw: each (static status, live outcome) pair
 * gives a finding that agrees or not, with the likely causes; and `probe.tcp` checks in the
 * report when an analysis is given observations. Pure: no socket, only observations.
 */

const [A, B, C] = ENDPOINT_PATHS;
type Outcome = ProbeObservation['outcome'];

function observation(path: (typeof ENDPOINT_PATHS)[number], outcome: Outcome, extra: Partial<ProbeObservation> = {}): ProbeObservation {
  return {
    networkInterfaceId: path.eni,
    address: path.ip,
    port: 443,
    availabilityZone: path.az,
    availabilityZoneId: path.azId,
    outcome,
    latencyMs: outcome === 'timeout' ? 2000 : 1.7,
    ...(outcome === 'refused'
      ? { errno: 'ECONNREFUSED' }
      : outcome === 'unreachable'
        ? { errno: 'EHOSTUNREACH' }
        : outcome === 'error'
          ? { errno: 'EMFILE' }
          : {}),
    attempts: 1,
    probedAt: '2024-06-01T12:00:00.000Z',
    ...extra,
  };
}

/** Every rule allows: each path passes. */
const passing = (): Report => analyzeDocs(baseline());
/** The endpoint's group allows nothing in: each path fails on endpoint.sg.inbound. */
const failing = (): Report => analyzeDocs(setIngress(baseline(), IDS.endpointSg, []));
/** No NACL captured: nothing fails, but the NACL checks cannot be judged. */
const unknown = (): Report => analyzeDocs(without(baseline(), 'DescribeNetworkAcls'));

function only(findings: Finding[]): Finding {
  assert.equal(findings.length, 1, JSON.stringify(findings));
  return findings[0]!;
}

describe('reconcile', () => {
  it('has reports of the three static statuses to reconcile', () => {
    assert.deepEqual(
      passing().paths.map((path) => path.status),
      ['pass', 'pass', 'pass'],
    );
    assert.deepEqual(
      failing().paths.map((path) => path.status),
      ['fail', 'fail', 'fail'],
    );
    assert.deepEqual(
      unknown().paths.map((path) => path.status),
      ['unknown', 'unknown', 'unknown'],
    );
  });

  it('static pass + open: agrees, with no cause to look for', () => {
    assert.deepEqual(only(reconcile(passing(), [observation(A, 'open')])), {
      networkInterfaceId: A.eni,
      address: A.ip,
      port: 443,
      availabilityZone: A.az,
      staticStatus: 'pass',
      staticFailedChecks: [],
      liveOutcome: 'open',
      agrees: true,
      summary: 'the rules allow it and it connects',
      likelyCauses: [],
    });
  });

  it('static pass + timeout: disagrees; the likely causes name route tables and the provider side', () => {
    const finding = only(reconcile(passing(), [observation(B, 'timeout')]));
    assert.equal(finding.agrees, false);
    assert.equal(finding.staticStatus, 'pass');
    assert.equal(finding.liveOutcome, 'timeout');
    assert.equal(finding.availabilityZone, B.az);
    assert.equal(finding.summary, 'the rules allow it, but the connect ends timeout');
    assert.ok(
      finding.likelyCauses.some((cause) => /route tables/.test(cause)),
      finding.likelyCauses.join(' | '),
    );
    assert.ok(
      finding.likelyCauses.some((cause) => /provider side/.test(cause)),
      finding.likelyCauses.join(' | '),
    );
    assert.ok(
      finding.likelyCauses.some((cause) => /healthy target/.test(cause)),
      finding.likelyCauses.join(' | '),
    );
    assert.deepEqual(finding.likelyCauses, [...LIKELY_CAUSES.timeout]);
  });

  it('static pass + refused: disagrees; the likely cause is a missing listener', () => {
    const finding = only(reconcile(passing(), [observation(C, 'refused')]));
    assert.equal(finding.agrees, false);
    assert.equal(finding.summary, 'the rules allow it, but the connect ends refused');
    assert.equal(finding.likelyCauses.length, 1);
    assert.match(finding.likelyCauses[0]!, /listener/);
  });

  it('static pass + unreachable: disagrees; the likely cause is routing', () => {
    const finding = only(reconcile(passing(), [observation(A, 'unreachable')]));
    assert.equal(finding.agrees, false);
    assert.match(finding.likelyCauses.join(' '), /route/);
  });

  it('static pass + error: disagrees; the cause is local to the prober, not the network', () => {
    const finding = only(reconcile(passing(), [observation(A, 'error')]));
    assert.equal(finding.agrees, false);
    assert.match(finding.likelyCauses.join(' '), /could not open a socket/);
  });

  it('static fail + open: disagrees; the likely causes say to refresh the data', () => {
    const finding = only(reconcile(failing(), [observation(A, 'open')]));
    assert.equal(finding.agrees, false);
    assert.equal(finding.staticStatus, 'fail');
    assert.deepEqual(finding.staticFailedChecks, ['endpoint.sg.inbound']);
    assert.equal(finding.summary, 'the rules say blocked (endpoint.sg.inbound), but the connect succeeds');
    assert.ok(
      finding.likelyCauses.some((cause) => /refresh/.test(cause)),
      finding.likelyCauses.join(' | '),
    );
  });

  it('static fail + timeout: agrees, naming the failed checks', () => {
    const finding = only(reconcile(failing(), [observation(A, 'timeout')]));
    assert.equal(finding.agrees, true);
    assert.equal(finding.summary, 'the rules block it (endpoint.sg.inbound) and the connect fails');
    assert.deepEqual(finding.likelyCauses, []);
  });

  it('static fail + refused: agrees', () => {
    const finding = only(reconcile(failing(), [observation(A, 'refused')]));
    assert.equal(finding.agrees, true);
    assert.equal(finding.summary, 'the rules block it (endpoint.sg.inbound) and the connect is refused');
  });

  it('static unknown + open: agrees; the connect settles what the rules could not', () => {
    const finding = only(reconcile(unknown(), [observation(A, 'open')]));
    assert.equal(finding.staticStatus, 'unknown');
    assert.equal(finding.agrees, true);
    assert.equal(finding.summary, 'the rules could not be fully judged; the connect succeeds');
    assert.deepEqual(finding.likelyCauses, []);
  });

  it('static unknown + timeout: does not agree, and gives the likely causes of a timeout', () => {
    const finding = only(reconcile(unknown(), [observation(A, 'timeout')]));
    assert.equal(finding.staticStatus, 'unknown');
    assert.equal(finding.agrees, false);
    assert.equal(finding.summary, 'the rules could not be fully judged; the connect ends timeout');
    assert.deepEqual(finding.likelyCauses, [...LIKELY_CAUSES.timeout]);
  });

  it('gives one finding per observation, in their order, each on its own path', () => {
    const findings = reconcile(passing(), [observation(C, 'open'), observation(A, 'timeout'), observation(B, 'refused')]);
    assert.deepEqual(
      findings.map((finding) => [finding.networkInterfaceId, finding.liveOutcome, finding.agrees]),
      [
        [C.eni, 'open', true],
        [A.eni, 'timeout', false],
        [B.eni, 'refused', false],
      ],
    );
  });

  it('skips an observation of an interface or a port the report has no path for', () => {
    const report = passing();
    assert.deepEqual(reconcile(report, [observation(A, 'open', { networkInterfaceId: 'eni-0999999999999999a' })]), []);
    assert.deepEqual(reconcile(report, [observation(A, 'open', { port: 8443 })]), []);
    assert.deepEqual(reconcile(report, []), []);
  });

  it('does not change the report it reads', () => {
    const report = failing();
    const copy = structuredClone(report);
    const finding = only(reconcile(report, [observation(A, 'open')]));
    finding.staticFailedChecks.push('probe.tcp');
    assert.deepEqual(report, copy);
  });
});

describe('probe.tcp through analyze(model, request, observations)', () => {
  const request = { endpointId: IDS.endpoint, client: { eniId: IDS.clientEni } };

  it('does not appear without observations', () => {
    const report = analyze(toModel(baseline()), request);
    assert.deepEqual(checksOf(report, 'probe.tcp'), []);
    assert.equal(report.verdict, 'reachable');
  });

  it('appears on every path when observations are passed, even none', () => {
    const report = analyze(toModel(baseline()), request, []);
    const checks = checksOf(report, 'probe.tcp');
    assert.equal(checks.length, 3);
    for (const [index, path] of ENDPOINT_PATHS.entries()) {
      const check = checks[index]!;
      assert.equal(check.status, 'unknown');
      assert.equal(check.summary, `${path.eni} was not probed on 443`);
      assert.equal(check.scope.networkInterfaceId, path.eni);
      assert.equal(check.scope.port, 443);
    }
  });

  it('passes for open, with the connect as evidence', () => {
    const report = analyze(
      toModel(baseline()),
      request,
      ENDPOINT_PATHS.map((path) => observation(path, 'open')),
    );
    const check = checkOf(report, 'probe.tcp', A.eni);
    assert.equal(check.status, 'pass');
    assert.equal(check.summary, `a TCP connect from this service to ${A.ip}:443 succeeded in 1.7 ms`);
    assert.equal(check.remediation, undefined);
    assert.deepEqual(check.evidence, [
      {
        kind: 'resource',
        resourceId: A.eni,
        attribute: 'tcp-connect',
        value: 'open',
        text: `connect to ${A.ip}:443 open in 1.7 ms after 1 attempt at 2024-06-01T12:00:00.000Z`,
      },
    ]);
    assert.equal(report.verdict, 'reachable');
  });

  for (const outcome of ['timeout', 'refused', 'unreachable'] as const) {
    it(`fails for ${outcome}, with manual remediation from the likely causes`, () => {
      const report = analyze(toModel(baseline()), request, [observation(A, outcome, { attempts: 3 }), observation(B, 'open'), observation(C, 'open')]);
      const check = checkOf(report, 'probe.tcp', A.eni);
      assert.equal(check.status, 'fail');
      assert.match(check.summary, new RegExp(`^a TCP connect from this service to ${A.ip.replaceAll('.', '\\.')}:443 ended ${outcome}`));
      assert.ok(check.remediation, 'a remediation');
      assert.ok(check.remediation.actions.length > 0);
      assert.ok(check.remediation.actions.every((action) => action.kind === 'manual'));
      assert.deepEqual(
        check.remediation.actions.map((action) => (action.kind === 'manual' ? action.text : '')),
        [...LIKELY_CAUSES[outcome]],
      );
      assert.match(check.evidence[0]?.text ?? '', /after 3 attempts/);
      // The failed probe counts against its path: the verdict becomes partial.
      const path = report.paths.find((candidate) => candidate.networkInterfaceId === A.eni);
      assert.deepEqual(path?.failedChecks, ['probe.tcp']);
      assert.equal(report.verdict, 'partial');
    });
  }

  it('names the errno of a refused connect', () => {
    const report = analyze(toModel(baseline()), request, [observation(A, 'refused')]);
    const check = checkOf(report, 'probe.tcp', A.eni);
    assert.equal(check.summary, `a TCP connect from this service to ${A.ip}:443 ended refused (ECONNREFUSED)`);
    assert.match(check.remediation?.actions.map((action) => (action.kind === 'manual' ? action.text : '')).join(' ') ?? '', /listener/);
  });

  it('is unknown for error, without remediation: the prober failed, not the network', () => {
    const report = analyze(toModel(baseline()), request, [observation(A, 'error')]);
    const check = checkOf(report, 'probe.tcp', A.eni);
    assert.equal(check.status, 'unknown');
    assert.equal(check.summary, `a TCP connect from this service to ${A.ip}:443 ended error (EMFILE)`);
    assert.equal(check.remediation, undefined);
  });

  it('is unknown for an interface not probed, and for a port not probed', () => {
    const report = analyze(toModel(baseline()), request, [observation(A, 'open'), observation(B, 'open', { port: 8443 })]);
    assert.equal(checkOf(report, 'probe.tcp', A.eni).status, 'pass');
    assert.equal(checkOf(report, 'probe.tcp', B.eni).status, 'unknown');
    assert.equal(checkOf(report, 'probe.tcp', B.eni).summary, `${B.eni} was not probed on 443`);
    assert.equal(checkOf(report, 'probe.tcp', C.eni).status, 'unknown');
  });

  it('sits beside failing static checks without hiding them', () => {
    const report = analyze(
      toModel(setIngress(baseline(), IDS.endpointSg, [])),
      request,
      ENDPOINT_PATHS.map((path) => observation(path, 'open')),
    );
    assert.equal(checkOf(report, 'probe.tcp', A.eni).status, 'pass');
    assert.equal(checkOf(report, 'endpoint.sg.inbound', A.eni).status, 'fail');
    assert.equal(report.verdict, 'blocked');
  });
});
