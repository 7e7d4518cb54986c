import { AnalysisError } from './errors.js';
import type { EndpointService, NetworkModel, VpcEndpoint } from './model.js';

/**
 * Many accounts and regions (contract §5). The unit of data is one (account, region), each
 * with its own model: a unit's load, failure or refresh touches no other. The fleet indexes
 * what crosses units — endpoint ids and endpoint services by name — so that a consumer
 * endpoint in one account is joined to its provider's NLB in another.
 */

export interface UnitRef {
  /** 12 digits; absent when the data does not say (a single snapshot without OwnerId fields). */
  readonly accountId?: string;
  readonly region?: string;
}

/** One (account, region): its model when it was ever loaded, and why it is missing or old. */
export interface FleetUnit extends UnitRef {
  /** `account/region`, with `unknown` for a part the data does not name. */
  readonly key: string;
  readonly model?: NetworkModel;
  /** Why the unit has no (fresh) data: the error or missing permission of its last collection. */
  readonly failure?: string;
  /**
   * The unit's data generation when replicas share their collections: equal numbers are the
   * same collected data on every replica. Absent: data of this process alone.
   */
  readonly dataGeneration?: number;
}

export interface Fleet {
  readonly units: readonly FleetUnit[];
  /** The units holding an endpoint id (more than one is an ambiguity to name, never to pick from). */
  unitsWithEndpoint(endpointId: string): readonly FleetUnit[];
  /** The units whose endpoint service configurations offer a service name. */
  unitsWithService(serviceName: string): readonly FleetUnit[];
}

export function unitKey(unit: UnitRef): string {
  return `${unit.accountId ?? 'unknown'}/${unit.region ?? 'unknown'}`;
}

export function describeUnit(unit: UnitRef): string {
  return `account ${unit.accountId ?? '(unknown)'} in ${unit.region ?? '(unknown region)'}`;
}

export function createFleet(units: readonly Omit<FleetUnit, 'key'>[]): Fleet {
  const withKeys = units.map((unit) => ({ ...unit, key: unitKey(unit) }));
  const endpointUnits = new Map<string, FleetUnit[]>();
  const serviceUnits = new Map<string, FleetUnit[]>();
  for (const unit of withKeys) {
    if (!unit.model) continue;
    for (const id of unit.model.endpoints.keys()) endpointUnits.set(id, [...(endpointUnits.get(id) ?? []), unit]);
    for (const name of unit.model.endpointServicesByName.keys()) serviceUnits.set(name, [...(serviceUnits.get(name) ?? []), unit]);
  }
  return {
    units: withKeys,
    unitsWithEndpoint: (endpointId) => endpointUnits.get(endpointId) ?? [],
    unitsWithService: (serviceName) => serviceUnits.get(serviceName) ?? [],
  };
}

/**
 * A fleet of one unit: how a single model (one snapshot, one account) is analysed. It
 * answers from the model's own indexes, so wrapping a model costs nothing per analysis.
 */
export function singleUnitFleet(model: NetworkModel): Fleet {
  const ref = unitOfModel(model);
  const unit: FleetUnit = { ...ref, key: unitKey(ref), model };
  return {
    units: [unit],
    unitsWithEndpoint: (endpointId) => (model.endpoints.has(endpointId) ? [unit] : []),
    unitsWithService: (serviceName) => (model.endpointServicesByName.has(serviceName) ? [unit] : []),
  };
}

export function isFleet(data: NetworkModel | Fleet): data is Fleet {
  return 'units' in data;
}

export function asFleet(data: NetworkModel | Fleet): Fleet {
  return isFleet(data) ? data : singleUnitFleet(data);
}

/** The units a request may mean: all of them, or those matching its account and region. */
function matchesHint(unit: FleetUnit, hint: UnitRef): boolean {
  return (hint.accountId === undefined || unit.accountId === hint.accountId) && (hint.region === undefined || unit.region === hint.region);
}

export function unitsMatching(fleet: Fleet, hint: UnitRef): FleetUnit[] {
  return fleet.units.filter((unit) => matchesHint(unit, hint));
}

export interface LocatedEndpoint {
  readonly unit: FleetUnit;
  readonly model: NetworkModel;
  readonly endpoint: VpcEndpoint;
}

/**
 * Finds an endpoint by id in the fleet. Ids are unique in practice; one found in two units
 * with no account or region to tell them apart is an error listing both, never a pick.
 */
export function locateEndpoint(fleet: Fleet, endpointId: string, hint: UnitRef = {}): LocatedEndpoint {
  // Asked of the units holding the id, not of the whole fleet: a fleet has hundreds of units.
  const candidates = fleet.unitsWithEndpoint(endpointId).filter((unit) => matchesHint(unit, hint));
  if (candidates.length > 1) {
    throw new AnalysisError(
      'ambiguous_id',
      `endpoint ${endpointId} is in ${candidates.length} units: ${candidates.map((unit) => unit.key).join(', ')}; name one with accountId and region`,
      'endpointId',
    );
  }
  const unit = candidates[0];
  if (unit?.model) return { unit, model: unit.model, endpoint: unit.model.endpoints.get(endpointId)! };
  const scope = hint.accountId !== undefined || hint.region !== undefined ? ` of ${describeUnit(hint)}` : '';
  const notLoaded = unitsMatching(fleet, hint).filter((item) => !item.model);
  const why =
    notLoaded.length > 0
      ? `; ${notLoaded.length} unit(s) have no data: ${notLoaded.map((item) => `${item.key} (${item.failure ?? 'never loaded'})`).join(', ')}`
      : '';
  throw new AnalysisError('endpoint_not_found', `endpoint ${endpointId} is not in the captured data${scope}${why}`, 'endpointId');
}

export interface LocatedService {
  readonly unit: FleetUnit;
  readonly model: NetworkModel;
  readonly service: EndpointService;
}

/** The region of a `com.amazonaws.vpce.<region>.vpce-svc-…` name, which is where the service runs. */
export function regionOfServiceName(serviceName: string): string | undefined {
  return /^com\.amazonaws\.vpce\.([a-z0-9-]+)\.vpce-svc-/.exec(serviceName)?.[1];
}

/**
 * The join (contract §5): the endpoint service configuration whose ServiceName is the
 * endpoint's, in any unit of the endpoint's ServiceRegion when set (cross-region
 * PrivateLink), else of the endpoint's own region. The consumer's own unit comes first.
 */
export function locateEndpointService(fleet: Fleet, consumer: FleetUnit, endpoint: VpcEndpoint): LocatedService | undefined {
  const region = endpoint.serviceRegion ?? consumer.region;
  const units = fleet.unitsWithService(endpoint.serviceName);
  const inRegion = units.filter((unit) => region === undefined || unit.region === undefined || unit.region === region);
  const ordered = [...inRegion.filter((unit) => unit === consumer), ...inRegion.filter((unit) => unit !== consumer)];
  const unit = ordered[0];
  if (!unit?.model) return undefined;
  return { unit, model: unit.model, service: unit.model.endpointServicesByName.get(endpoint.serviceName)! };
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The account and region a single unit's data belongs to, read from the data itself: the
 * resources' owner ids and ARNs, and the region of its AZ names, service names or ARNs.
 * Either may stay unknown; it is never guessed.
 */
export function unitOfModel(model: NetworkModel): UnitRef {
  let accountId: string | undefined;
  let region: string | undefined;
  for (const endpoint of model.endpoints.values()) {
    if (!accountId && endpoint.ownerId && ACCOUNT_ID.test(endpoint.ownerId)) accountId = endpoint.ownerId;
    if (!region) region = /^com\.amazonaws\.(?:vpce\.)?([a-z]{2}(?:-[a-z]+)+-\d)\./.exec(endpoint.serviceName)?.[1];
    if (accountId && region) break;
  }
  for (const arn of accountId && region ? [] : [...model.loadBalancers.keys(), ...model.targetGroups.keys()]) {
    const match = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):(\d{12}):/.exec(arn);
    if (!match) continue;
    region ??= match[1];
    accountId ??= match[2];
  }
  if (!region) {
    for (const subnet of model.subnets.values()) {
      const match = /^([a-z]{2}(?:-[a-z]+)+-\d)[a-z]$/.exec(subnet.availabilityZone);
      if (match) {
        region = match[1];
        break;
      }
    }
  }
  return { ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) };
}
