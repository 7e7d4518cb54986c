import type { ServiceDetail } from '../../core/model.js';
import type { JsonReader } from './json-reader.js';

/**
 * The consumer side's DescribeVpcEndpointServices (`ServiceDetails[]`): who owns each
 * service. When the provider's unit is not in the data, the analysis names that account.
 */
export function normalizeServiceDetails(root: JsonReader): ServiceDetail[] {
  return root.requiredList('ServiceDetails').map((item) => {
    const serviceId = item.optionalString('ServiceId');
    const owner = item.optionalString('Owner');
    return { serviceName: item.string('ServiceName'), ...(serviceId ? { serviceId } : {}), ...(owner ? { owner } : {}) };
  });
}
