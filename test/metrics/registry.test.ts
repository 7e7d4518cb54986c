import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registerAwsMetrics, registerAwsUnitMetrics } from '../../src/metrics/aws.js';
import { AnalysisError } from '../../src/core/errors.js';
import { createMetrics, forgetProbeSeries, forgetVanishedEndpoint, recordAnalysis, recordProbeReport } from '../../src/metrics/registry.js';
import { probeScrapeRegistry } from '../../src/metrics/probe-scrape.js';
import type { Report } from '../../src/core/report.js';
import type { ProbeReport } from '../../src/probe/report.js';
import { promtoolCheck } from '../support/promtool.js';

/** Every metric the service registers, each with a series, as a busy replica's /metrics shows them. */
async function fullExposition(): Promise<{ text: string; metrics: ReturnType<typeof createMetrics> }> {
  const metrics = createMetrics({
    modelLoadedAt: () => Date.now() - 5000,
    endpointExposure: () => [{ endpointId: 'vpce-0123456789abcdef0', port: 443, exposed: true }],
    redisUp: () => true,
    version: '1.2.3',
  });
  const aws = registerAwsMetrics(metrics.registry);
  aws.apiCallsTotal.inc({ service: 'ec2', operation: 'DescribeVpcEndpoints', outcome: 'success' });
  aws.apiCallDuration.observe({ service: 'ec2', operation: 'DescribeVpcEndpoints' }, 0.2);
  aws.collectionDuration.observe({ outcome: 'complete' }, 1.5);
  const units = registerAwsUnitMetrics(metrics.registry);
  units.observe(() => [{ accountId: '111122223333', region: 'us-east-1', state: 'loaded', dataAgeSeconds: 12 }]);
  units.collectionDuration.set({ account: '111122223333', region: 'us-east-1' }, 1.5);
  units.collectionFailuresTotal.inc({ account: '111122223333', region: 'us-east-1' });
  metrics.httpRequestDuration.observe({ method: 'GET', route: '/v1/endpoints/:id/analysis', status_class: '2xx' }, 0.003);
  metrics.cacheRequestsTotal.inc({ cache: 'analysis', result: 'hit' });
  metrics.cacheSingleFlightJoinsTotal.inc({ cache: 'analysis' });
  metrics.modelLoadsTotal.inc({ outcome: 'success' });
  metrics.unhandledRejectionsTotal.inc(0);
  recordAnalysis(metrics, { verdict: 'blocked', checks: [{ id: 'endpoint.sg.inbound', status: 'fail' }] } as unknown as Report, 3.2);
  recordProbeReport(metrics, PROBE_REPORT);
  return { text: await metrics.registry.metrics(), metrics };
}

const PROBE_REPORT: ProbeReport = {
  endpointId: 'vpce-0123456789abcdef0',
  ports: [443],
  overall: 'partly-open',
  results: [
    {
      networkInterfaceId: 'eni-0123456789abcdef0',
      address: '127.0.0.2',
      port: 443,
      availabilityZone: 'us-east-1a',
      outcome: 'open',
      latencyMs: 1.5,
      attempts: 1,
      probedAt: '2026-12-05T10:00:00.000Z',
    },
    {
      networkInterfaceId: 'eni-0123456789abcdef1',
      address: '127.0.0.3',
      port: 443,
      availabilityZone: 'us-east-1b',
      outcome: 'refused',
      latencyMs: 0.5,
      errno: 'ECONNREFUSED',
      attempts: 1,
      probedAt: '2026-12-05T10:00:00.000Z',
    },
  ],
  reconciliation: { clientIp: '10.0.1.25', staticVerdict: 'reachable', findings: [] },
};

const TYPES = /^# TYPE (\S+) (\w+)$/gm;

describe('the /metrics exposition', () => {
  it('passes promtool check metrics with every metric present', async (context) => {
    const { text } = await fullExposition();
    const check = promtoolCheck(text);
    if (check === 'missing') return context.skip('promtool is not installed (CI installs it)');
    assert.equal(check.status, 0, check.output);
    assert.equal(check.output.trim(), '', 'no lint finding');
  });

  it('names no gauge _total, and every counter _total', async () => {
    const { text } = await fullExposition();
    for (const [, name, type] of text.matchAll(TYPES)) {
      if (type === 'counter') assert.match(name!, /_total$/, `${name} is a counter`);
      else assert.doesNotMatch(name!, /_total$/, `${name} is a ${type}`);
    }
  });

  it("keeps Node's and the process's default metrics under their standard names, no prefix", async () => {
    const { text } = await fullExposition();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.doesNotMatch(text, /^# TYPE vpce_doctor_(process|nodejs)_/m);
  });

  it('says the build: vpce_doctor_build_info{version,node} 1', async () => {
    const { text } = await fullExposition();
    assert.match(text, new RegExp(`^vpce_doctor_build_info\\{version="1\\.2\\.3",node="${process.versions.node.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
  });

  it('times analyses in buckets up to 10 s', async () => {
    const { text } = await fullExposition();
    assert.match(text, /^vpce_doctor_analysis_duration_seconds_bucket\{le="10"\} 1$/m);
    assert.match(text, /^vpce_doctor_analysis_duration_seconds_bucket\{le="2.5"\} 0$/m);
  });

  it("drops an endpoint's probe gauges when it leaves this replica's watch", async () => {
    const { metrics } = await fullExposition();
    await forgetProbeSeries(metrics, PROBE_REPORT.endpointId);
    const text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /^vpce_doctor_(probe_success|probe_last_timestamp_seconds|static_live_disagreement)\{/m);
  });
});

describe('an endpoint that leaves the watch', () => {
  it('loses its gauges when it is gone from the data, and only then', async () => {
    const { metrics } = await fullExposition();
    assert.equal(await forgetVanishedEndpoint(metrics, PROBE_REPORT.endpointId, new Error('socket hang up')), false);
    assert.match(await metrics.registry.metrics(), /^vpce_doctor_probe_success\{endpoint="vpce-0123456789abcdef0"/m, 'a failed probe keeps its series');
    const gone = new AnalysisError('endpoint_not_found', 'endpoint vpce-0123456789abcdef0 is not in the captured data', 'endpointId');
    assert.equal(await forgetVanishedEndpoint(metrics, PROBE_REPORT.endpointId, gone), true);
    assert.doesNotMatch(await metrics.registry.metrics(), /^vpce_doctor_probe_success\{/m);
  });
});

describe('a probe scrape exposition', () => {
  it('passes promtool check metrics and carries blackbox_exporter names', (context) => {
    return probeScrapeRegistry(PROBE_REPORT, 0.25)
      .metrics()
      .then((text) => {
        assert.match(text, /^probe_success 0$/m);
        assert.match(text, /^probe_duration_seconds 0.25$/m);
        assert.match(text, /^vpce_doctor_probe_tcp_failure\{eni="eni-0123456789abcdef1",az="us-east-1b",reason="refused"\} 1$/m);
        assert.match(text, /^vpce_doctor_probe_static_verdict\{verdict="reachable"\} 1$/m);
        const check = promtoolCheck(text);
        if (check === 'missing') return context.skip('promtool is not installed (CI installs it)');
        assert.equal(check.status, 0, check.output);
        assert.equal(check.output.trim(), '');
      });
  });
});
