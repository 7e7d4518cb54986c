import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Check, CheckId, CheckStatus, Path } from '../../src/core/report.js';
import { decideVerdict, judgePath } from '../../src/core/verdict.js';
import {
  ENDPOINT_PATHS,
  IDS,
  analyzeDocs,
  baseline,
  defaultDenies,
  endpointJson,
  naclEntry,
  setIngress,
  setNaclDirection,
  without,
} from '../support/fixtures.js';

/** The verdict of the contract §3, judged directly and through analyze. */

const [A, B, C] = ENDPOINT_PATHS;

function check(id: CheckId, status: CheckStatus, networkInterfaceId?: string): Check {
  return {
    id,
    status,
    scope: { endpointId: IDS.endpoint, ...(networkInterfaceId ? { networkInterfaceId } : {}) },
    summary: `${id} ${status}`,
    evidence: [],
  };
}

function path(eni: (typeof ENDPOINT_PATHS)[number], checks: Check[], endpointChecks: Check[] = [check('endpoint.state', 'pass')]): Path {
  return judgePath({
    path: { networkInterfaceId: eni.eni, ipAddress: eni.ip, subnetId: eni.subnet, availabilityZone: eni.az, availabilityZoneId: eni.azId, port: 443 },
    checks: [...endpointChecks, ...checks],
  });
}

const passing = (eni: (typeof ENDPOINT_PATHS)[number]) =>
  path(eni, [check('endpoint.sg.inbound', 'pass', eni.eni), check('client.sg.outbound', 'pass', eni.eni)]);

describe('judgePath', () => {
  it('fails a path with any failing check, listing the failed ids once each', () => {
    const judged = path(A, [
      check('endpoint.sg.inbound', 'fail', A.eni),
      check('client.nacl.inbound', 'unknown', A.eni),
      check('endpoint.sg.inbound', 'fail', A.eni),
    ]);
    assert.equal(judged.status, 'fail');
    assert.deepEqual(judged.failedChecks, ['endpoint.sg.inbound']);
    assert.deepEqual(judged.unknownChecks, ['client.nacl.inbound']);
  });

  it('counts a failing endpoint-wide check against the path', () => {
    const judged = path(A, [check('endpoint.sg.inbound', 'pass', A.eni)], [check('endpoint.state', 'fail')]);
    assert.equal(judged.status, 'fail');
    assert.deepEqual(judged.failedChecks, ['endpoint.state']);
  });

  it('is unknown when nothing fails and a check is unknown', () => {
    const judged = path(A, [check('endpoint.sg.inbound', 'unknown', A.eni), check('client.sg.outbound', 'warn', A.eni)]);
    assert.equal(judged.status, 'unknown');
    assert.deepEqual(judged.unknownChecks, ['endpoint.sg.inbound']);
  });

  it('passes with warnings and not_applicable checks, listing the warnings', () => {
    const judged = path(A, [check('endpoint.nacl.outbound', 'warn', A.eni), check('client.nacl.inbound', 'not_applicable', A.eni)]);
    assert.equal(judged.status, 'pass');
    assert.deepEqual(judged.warnedChecks, ['endpoint.nacl.outbound']);
    assert.deepEqual(judged.failedChecks, []);
    assert.deepEqual(judged.unknownChecks, []);
  });

  it('keeps the path fields it was given', () => {
    const judged = passing(B);
    assert.equal(judged.networkInterfaceId, B.eni);
    assert.equal(judged.availabilityZoneId, B.azId);
    assert.equal(judged.port, 443);
  });
});

describe('decideVerdict', () => {
  it('is blocked when every path fails', () => {
    const paths = ENDPOINT_PATHS.map((eni) => path(eni, [check('endpoint.sg.inbound', 'fail', eni.eni)]));
    const { verdict, summary } = decideVerdict(paths, [check('endpoint.state', 'pass')]);
    assert.equal(verdict, 'blocked');
    assert.match(summary, /endpoint\.sg\.inbound/);
  });

  it('is blocked when every path fails, even if some also have unknown checks', () => {
    const paths = [
      path(A, [check('endpoint.sg.inbound', 'fail', A.eni)]),
      path(B, [check('client.sg.outbound', 'fail', B.eni), check('endpoint.sg.inbound', 'unknown', B.eni)]),
    ];
    assert.equal(decideVerdict(paths, []).verdict, 'blocked');
  });

  it('is blocked with no path at all, naming the failing endpoint-wide check', () => {
    const { verdict, summary } = decideVerdict([], [check('endpoint.state', 'fail')]);
    assert.equal(verdict, 'blocked');
    assert.match(summary, /endpoint\.state/);
  });

  it('is partial when some paths fail and others do not, naming the failing ENI and its checks', () => {
    const paths = [passing(A), path(B, [check('endpoint.nacl.inbound', 'fail', B.eni)]), passing(C)];
    const { verdict, summary } = decideVerdict(paths, []);
    assert.equal(verdict, 'partial');
    assert.match(summary, new RegExp(`${B.eni}.*endpoint\\.nacl\\.inbound`));
  });

  it('is partial, not unknown, when one path fails and another is unknown', () => {
    const paths = [path(A, [check('endpoint.sg.inbound', 'unknown', A.eni)]), path(B, [check('endpoint.sg.inbound', 'fail', B.eni)])];
    assert.equal(decideVerdict(paths, []).verdict, 'partial');
  });

  it('is unknown when nothing fails but a check is unknown, naming it', () => {
    const paths = [passing(A), path(B, [check('client.sg.outbound', 'unknown', B.eni)])];
    const { verdict, summary } = decideVerdict(paths, []);
    assert.equal(verdict, 'unknown');
    assert.match(summary, /client\.sg\.outbound/);
  });

  it('is reachable when every path passes, listing the warnings', () => {
    const paths = [passing(A), path(B, [check('endpoint.nacl.outbound', 'warn', B.eni)]), path(C, [check('client.nacl.inbound', 'warn', C.eni)])];
    const { verdict, summary } = decideVerdict(paths, []);
    assert.equal(verdict, 'reachable');
    assert.match(summary, /endpoint\.nacl\.outbound/);
    assert.match(summary, /client\.nacl\.inbound/);
  });

  it('is reachable with no warning when every check passes', () => {
    const { verdict, summary } = decideVerdict(ENDPOINT_PATHS.map(passing), [check('endpoint.state', 'pass')]);
    assert.equal(verdict, 'reachable');
    assert.doesNotMatch(summary, /warn/);
  });
});

describe('the verdict through analyze', () => {
  it('is reachable on the baseline', () => {
    const report = analyzeDocs(baseline());
    assert.equal(report.verdict, 'reachable');
    assert.ok(report.paths.every((judged) => judged.status === 'pass'));
  });

  it('is blocked when every path fails', () => {
    const report = analyzeDocs(setIngress(baseline(), IDS.endpointSg, []));
    assert.equal(report.verdict, 'blocked');
    assert.ok(report.paths.every((judged) => judged.status === 'fail' && judged.failedChecks.includes('endpoint.sg.inbound')));
  });

  it('is partial when some paths fail', () => {
    const report = analyzeDocs(setNaclDirection(baseline(), C.nacl, false, defaultDenies(false)));
    assert.equal(report.verdict, 'partial');
    assert.deepEqual(
      report.paths.map((judged) => [judged.networkInterfaceId, judged.status]),
      [
        [A.eni, 'pass'],
        [B.eni, 'pass'],
        [C.eni, 'fail'],
      ],
    );
  });

  it('is unknown when nothing fails but something is unknown', () => {
    const report = analyzeDocs(without(baseline(), 'DescribeNetworkAcls'));
    assert.equal(report.verdict, 'unknown');
    assert.ok(report.paths.every((judged) => judged.status === 'unknown'));
  });

  it('is reachable with warnings listed', () => {
    const docs = setNaclDirection(baseline(), A.nacl, true, [
      naclEntry({ rule: 100, egress: true, ports: [32768, 65535], cidr: IDS.vpcCidr }),
      ...defaultDenies(true),
    ]);
    const report = analyzeDocs(docs);
    assert.equal(report.verdict, 'reachable');
    assert.match(report.verdictSummary, /endpoint\.nacl\.outbound/);
    assert.deepEqual(report.paths.find((judged) => judged.networkInterfaceId === A.eni)?.warnedChecks, ['endpoint.nacl.outbound']);
  });

  it('is blocked when a failing endpoint.state counts against every path', () => {
    const docs = baseline();
    endpointJson(docs).State = 'rejected';
    const report = analyzeDocs(docs);
    assert.equal(report.verdict, 'blocked');
    assert.ok(report.paths.every((judged) => judged.failedChecks.includes('endpoint.state')));
  });
});
