import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The live AWS source's metrics. Every request that reaches AWS is counted, retries
 * included, because that is what AWS throttles: a throttled attempt that a retry later
 * got through still shows as `throttled`. Labels come from closed sets: two services,
 * the dozen operations the collector calls, four outcomes.
 */

export type AwsService = 'ec2' | 'elbv2';
export type AwsCallOutcome = 'success' | 'throttled' | 'denied' | 'error';
/** `partial` when some calls failed and the model says which; `failed` when nothing could be analysed. */
export type AwsCollectionOutcome = 'complete' | 'partial' | 'failed';

export interface AwsMetrics {
  readonly apiCallsTotal: Counter<'service' | 'operation' | 'outcome'>;
  readonly apiCallDuration: Histogram<'service' | 'operation'>;
  readonly collectionDuration: Histogram<'outcome'>;
}

export function registerAwsMetrics(registry: Registry): AwsMetrics {
  return {
    apiCallsTotal: new Counter({
      name: 'vpce_doctor_aws_api_calls_total',
      help: 'Requests to AWS APIs (each attempt, retries included) by service, operation and outcome (success, throttled, denied, error)',
      labelNames: ['service', 'operation', 'outcome'],
      registers: [registry],
    }),
    apiCallDuration: new Histogram({
      name: 'vpce_doctor_aws_api_call_duration_seconds',
      help: 'Duration of one request to an AWS API (one attempt), by service and operation',
      labelNames: ['service', 'operation'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    collectionDuration: new Histogram({
      name: 'vpce_doctor_aws_collection_duration_seconds',
      help: 'Duration of one collection of the network model from AWS, by outcome (complete, partial, failed)',
      labelNames: ['outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
  };
}

/** The state of one unit (account, region) of a live fleet, as GET /v1/units names it. */
export type AwsUnitState = 'loaded' | 'stale' | 'failed' | 'never';
export const AWS_UNIT_STATES: readonly AwsUnitState[] = ['loaded', 'stale', 'failed', 'never'];

/** What the scrape-time gauges read of each unit. */
export interface AwsUnitGaugeView {
  readonly accountId?: string;
  readonly region?: string;
  readonly state: AwsUnitState;
  /** Absent while the unit has no data. */
  readonly dataAgeSeconds?: number;
}

/**
 * The live fleet's metrics, per unit. The `account` and `region` labels take the values of
 * the configured units only (the regions set, the roles given, the organization's
 * accounts), so their number is bounded by the configuration: no label comes from a request.
 */
export interface AwsUnitMetrics {
  readonly collectionDuration: Gauge<'account' | 'region'>;
  readonly collectionFailuresTotal: Counter<'account' | 'region'>;
  readonly dataAge: Gauge<'account' | 'region'>;
  readonly units: Gauge<'state'>;
  /** Where the scrape-time gauges (data age, units by state) read the units from: the fleet source sets it. */
  observe(read: () => readonly AwsUnitGaugeView[]): void;
}

export function unitLabels(unit: { readonly accountId?: string; readonly region?: string }): { account: string; region: string } {
  return { account: unit.accountId ?? 'unknown', region: unit.region ?? 'unknown' };
}

export function registerAwsUnitMetrics(registry: Registry): AwsUnitMetrics {
  let read: () => readonly AwsUnitGaugeView[] = () => [];
  return {
    collectionDuration: new Gauge({
      name: 'vpce_doctor_unit_collection_duration_seconds',
      help: 'Duration of the last collection of one unit (account, region) from AWS, successful or not',
      labelNames: ['account', 'region'],
      registers: [registry],
    }),
    collectionFailuresTotal: new Counter({
      name: 'vpce_doctor_unit_collection_failures_total',
      help: 'Collections of one unit (account, region) that failed: role not assumable, endpoints not listable, deadline',
      labelNames: ['account', 'region'],
      registers: [registry],
    }),
    dataAge: new Gauge({
      name: 'vpce_doctor_unit_data_age_seconds',
      help: 'Age of the data served for one unit (account, region); absent while the unit has none',
      labelNames: ['account', 'region'],
      registers: [registry],
      collect() {
        this.reset();
        for (const unit of read()) if (unit.dataAgeSeconds !== undefined) this.set(unitLabels(unit), unit.dataAgeSeconds);
      },
    }),
    units: new Gauge({
      name: 'vpce_doctor_units',
      help: 'Units (account, region) of the live fleet by state: loaded, stale (last collection failed, older data served), failed (never loaded), never (not tried yet)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = new Map<AwsUnitState, number>(AWS_UNIT_STATES.map((state) => [state, 0]));
        for (const unit of read()) counts.set(unit.state, (counts.get(unit.state) ?? 0) + 1);
        for (const [state, count] of counts) this.set({ state }, count);
      },
    }),
    observe(reader) {
      read = reader;
    },
  };
}
