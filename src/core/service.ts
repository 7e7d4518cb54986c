/**
 * Who runs the service behind an endpoint. AWS services are named
 * `com.amazonaws.<region>.<service>` (a few `aws.<…>`); customer endpoint services, the
 * ones with a visible NLB, are `com.amazonaws.vpce.<region>.vpce-svc-<id>`.
 */
export type ServiceOwner = 'aws' | 'customer';

export const AWS_SERVICE_DEFAULT_PORT = 443;

export function endpointServiceOwner(serviceName: string): ServiceOwner {
  if (serviceName.startsWith('com.amazonaws.vpce.')) return 'customer';
  return serviceName.startsWith('com.amazonaws.') || serviceName.startsWith('aws.') ? 'aws' : 'customer';
}

/** `vpce-svc-…` from a customer service name, for the provider's CLI commands. */
export function serviceIdOf(serviceName: string): string | undefined {
  return /(vpce-svc-[0-9a-f]+)$/.exec(serviceName)?.[1];
}
