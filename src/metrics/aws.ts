import { Counter, Histogram, type Registry } from 'prom-client';

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
