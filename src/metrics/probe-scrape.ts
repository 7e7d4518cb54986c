import { Gauge, Registry } from 'prom-client';
import { PROBE_OUTCOMES } from '../core/live.js';
import { VERDICTS } from '../core/report.js';
import type { ProbeReport } from '../probe/report.js';

/**
 * What one Prometheus scrape of GET /probe returns, blackbox_exporter's way: a registry made
 * for that scrape alone, so a target that Prometheus stops scraping leaves nothing behind in
 * the service. `probe_success` and `probe_duration_seconds` carry blackbox_exporter's names
 * (dashboards and alerts written for it work); the rest is per endpoint interface, whose
 * labels come from the endpoint's own interfaces and zones.
 */

const FAILURE_REASONS = PROBE_OUTCOMES.filter((outcome) => outcome !== 'open');

export function probeScrapeRegistry(report: ProbeReport, durationSeconds: number): Registry {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const open = report.results.filter((result) => result.outcome === 'open').length;
  gauge('probe_success', 'Whether the probe succeeded: 1 when every probed interface of the endpoint accepted the TCP connection').set(
    report.results.length > 0 && open === report.results.length ? 1 : 0,
  );
  gauge('probe_duration_seconds', 'How long the probe took, in seconds').set(durationSeconds);
  const success = gauge('vpce_doctor_probe_tcp_success', '1 when the TCP connect to the endpoint interface succeeded, else 0', ['eni', 'az']);
  const latency = gauge('vpce_doctor_probe_tcp_duration_seconds', 'How long the TCP connect to the endpoint interface took, to success or failure', [
    'eni',
    'az',
  ]);
  const failure = gauge(
    'vpce_doctor_probe_tcp_failure',
    'Why the TCP connect to the endpoint interface failed: 1 for the reason (refused, timeout, unreachable, error), 0 for the others; all 0 when it succeeded',
    ['eni', 'az', 'reason'],
  );
  for (const result of report.results) {
    const labels = { eni: result.networkInterfaceId, az: result.availabilityZone ?? 'unknown' };
    success.set(labels, result.outcome === 'open' ? 1 : 0);
    latency.set(labels, result.latencyMs / 1000);
    for (const reason of FAILURE_REASONS) failure.set({ ...labels, reason }, result.outcome === reason ? 1 : 0);
  }
  const { staticVerdict, findings } = report.reconciliation;
  if (staticVerdict !== undefined) {
    const verdict = gauge(
      'vpce_doctor_probe_static_verdict',
      "The static analysis' verdict for this service's own address on the same endpoint and port: 1 for the verdict, 0 for the others",
      ['verdict'],
    );
    for (const candidate of VERDICTS) verdict.set({ verdict: candidate }, staticVerdict === candidate ? 1 : 0);
  }
  if (findings.length > 0) {
    gauge('vpce_doctor_probe_static_live_disagreement', '1 when the static verdict and what the probe saw disagree on some interface, else 0').set(
      findings.some((finding) => !finding.agrees) ? 1 : 0,
    );
  }
  return registry;
}
