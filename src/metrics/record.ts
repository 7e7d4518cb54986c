import { AnalysisError } from '../core/errors.js';
import type { Report } from '../core/report.js';
import type { ProbeReport } from '../probe/service.js';
import type { Metrics } from './registry.js';

/**
 * What the service records into its metrics, apart from the registry that defines them: the
 * doctor records analyses without loading prom-client, so that the CLI, which has no
 * metrics, does not pay for it at start.
 */

/** The probe series of one report: every interface's outcome, and where static and live disagree. */
export function recordProbeReport(metrics: Metrics, report: ProbeReport): void {
  for (const result of report.results) {
    const labels = { endpoint: report.endpointId, az: result.availabilityZone ?? 'unknown', port: String(result.port) };
    metrics.probeSuccess.set(labels, result.outcome === 'open' ? 1 : 0);
    metrics.probesTotal.inc({ ...labels, outcome: result.outcome });
    metrics.probeLastTimestamp.set(labels, Date.parse(result.probedAt) / 1000);
    if (result.outcome === 'open') metrics.probeConnectDuration.observe(labels, result.latencyMs / 1000);
  }
  for (const finding of report.reconciliation.findings) {
    metrics.staticLiveDisagreement.set(
      { endpoint: report.endpointId, az: finding.availabilityZone ?? 'unknown', port: String(finding.port) },
      finding.agrees ? 0 : 1,
    );
  }
}

/**
 * Removes this process's gauges of an endpoint that another replica probes: the replica that
 * probed exports them, so that a sum over pods counts each probe once. Counters and the
 * histogram stay (they only grow when this process probes; a rate over them is unaffected).
 */
export async function forgetProbeSeries(metrics: Metrics, endpointId: string): Promise<void> {
  for (const gauge of [metrics.probeSuccess, metrics.probeLastTimestamp, metrics.staticLiveDisagreement]) {
    for (const { labels } of (await gauge.get()).values) if (labels['endpoint'] === endpointId) gauge.remove(labels as Record<string, string>);
  }
}

export function recordAnalysis(metrics: Metrics, report: Report, seconds: number): void {
  metrics.analysisDuration.observe(seconds);
  metrics.analysesTotal.inc({ verdict: report.verdict });
  for (const check of report.checks) metrics.checkResultsTotal.inc({ check: check.id, status: check.status });
}

/**
 * A watched endpoint whose probe failed because it is gone from the data leaves the watch:
 * its gauges go with it rather than stay frozen at their last value. True when it was so.
 */
export async function forgetVanishedEndpoint(metrics: Metrics, endpointId: string, error: unknown): Promise<boolean> {
  if (!(error instanceof AnalysisError) || error.code !== 'endpoint_not_found') return false;
  await forgetProbeSeries(metrics, endpointId);
  return true;
}
