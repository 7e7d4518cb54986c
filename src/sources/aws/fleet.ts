import { OrganizationsClient, paginateListAccounts, type Account } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { createFleet, unitKey, unitOfModel, type Fleet } from '../../core/fleet.js';
import type { NetworkModel } from '../../core/model.js';
import { unitLabels, type AwsMetrics, type AwsUnitMetrics, type AwsUnitState } from '../../metrics/aws.js';
import { requestHandler, type AwsClients, type AwsCredentialsInput } from './clients.js';
import { describeFailure } from './errors.js';
import { AWS_SOURCE_DEFAULTS, AwsCredentialsError, awsSource, ROLE_ARN, type AwsSource } from './index.js';
import type { AwsResponsesJson } from './responses.js';
import type { SharedCollections } from '../../shared/collection.js';

/**
 * Many accounts and regions read live (contract §5): the units are the base account (the
 * credentials' own, when included), each role given, and each active account of the AWS
 * Organization (a role of one name assumed in every one), times each region. Every unit is
 * collected on its own — its own SDK clients and credentials, since AWS throttles each
 * account and region apart — with a bound on units collected at once. A unit that fails
 * keeps serving its last data, marked stale, with the error; one never loaded is in the
 * fleet with its error and no data, so that only the checks that need it say `unknown`,
 * naming it. The load fails only when no unit has any data.
 */

export interface AwsFleetSourceOptions {
  /** The regions read in every account; at least one. */
  readonly regions: readonly string[];
  /** Roles assumed from the base credentials, one account each. */
  readonly roleArns?: readonly string[];
  /** The `sts:ExternalId` every assumed role's trust policy asks for. */
  readonly externalId?: string;
  /** The base credentials' own account is a unit too (it always is when no role and no organization is given). */
  readonly includeBaseAccount?: boolean;
  /**
   * Discover the active accounts of the AWS Organization (organizations:ListAccounts with
   * the base credentials, on every load) and assume `arn:<partition>:iam::<id>:role/<name>`
   * in each.
   */
  readonly organizationRoleName?: string;
  /** Units collected at once. */
  readonly unitConcurrency?: number;
  readonly callTimeoutMs?: number;
  readonly collectionDeadlineMs?: number;
  readonly maxAttempts?: number;
  /** Calls in flight at once within one unit. */
  readonly maxConcurrentCalls?: number;
  /** The AWS API call metrics, fed by every unit's clients. */
  readonly metrics?: AwsMetrics;
  readonly unitMetrics?: AwsUnitMetrics;
  /** The clock of data ages and load times (ms since the epoch). */
  readonly now?: () => number;
  /** The base credentials; absent: the SDK's standard chain. */
  readonly credentials?: AwsCredentialsInput;
  /** One endpoint for every AWS service (an emulator); absent: the SDK's own resolution. */
  readonly endpoint?: string;
  /**
   * Only these endpoints (wherever they are), their VPCs and their providers, in every unit:
   * smaller listings than a region scan (see `AwsSourceOptions.endpointIds`). Absent or
   * empty: every endpoint of every unit.
   */
  readonly endpointIds?: readonly string[];
  /** The clients of a unit, instead of new ones (tests); they keep their own credentials and settings. */
  readonly clientsFor?: (unit: AwsUnitTarget) => AwsClients;
  /**
   * Replicas sharing one collection per unit per TTL through Redis: a unit's data is read
   * from there when fresh, else collected under the unit's lease and stored there.
   */
  readonly shared?: SharedCollections;
}

export const AWS_FLEET_DEFAULTS = { unitConcurrency: 8 } as const;

/** Who a unit is read as: the base credentials, or a role. */
export interface AwsUnitTarget {
  /** Undefined only for the base account while its identity is unknown. */
  readonly accountId?: string;
  readonly region: string;
  /** Absent: the base credentials. */
  readonly roleArn?: string;
  /** `explicit`: a role given; `organization`: a role in a discovered account; `base`: the base credentials. */
  readonly origin: 'base' | 'explicit' | 'organization';
}

/** One unit as GET /v1/units shows it. */
export interface AwsUnitStatus {
  /** `account/region`. */
  readonly key: string;
  readonly accountId?: string;
  readonly region: string;
  readonly roleArn?: string;
  readonly state: AwsUnitState;
  /** When the data served was collected (ISO 8601). */
  readonly loadedAt?: string;
  readonly dataAgeSeconds?: number;
  /** Why the last collection failed: the role that could not be assumed, the missing permission, the error. */
  readonly lastError?: string;
  /** Collections that could not be read in the data served, and why. */
  readonly failures?: Record<string, string>;
  /** AWS calls of the last collection (pages each, retries not). */
  readonly callsMade?: number;
  /** The shared generation of the data served (replicas through Redis). */
  readonly dataGeneration?: number;
  readonly endpoints: number;
  readonly services: number;
  readonly loadBalancers: number;
}

/** How the units were found: the base identity and the organization's account list. */
export interface AwsDiscoveryStatus {
  readonly baseAccountId?: string;
  /** Why sts:GetCallerIdentity failed (the base account then has no id). */
  readonly baseError?: string;
  readonly organization?: {
    readonly roleName: string;
    /** The accounts whose role is assumed: the last list read. */
    readonly accountIds: readonly string[];
    /** When the list was last read (ISO 8601). */
    readonly refreshedAt?: string;
    /** Why the last ListAccounts failed; the last list read is kept. */
    readonly lastError?: string;
  };
}

export interface AwsFleetSource {
  readonly description: string;
  /** Every unit collected (each on its own); rejects only when no unit has any data. */
  /** `refresh`: collect anew even when the replicas' shared data is fresh. */
  load(options?: { readonly refresh?: boolean }): Promise<Fleet>;
  units(): AwsUnitStatus[];
  /** What each unit's data served was collected from, by unit key (`account/region`), for the export. */
  lastResponses(): Map<string, AwsResponsesJson>;
  discovery(): AwsDiscoveryStatus;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** An IAM role name, with its path when it has one (`vpce-doctor-read`, `network/vpce-doctor-read`). */
const ROLE_NAME = /^[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;
/** sts:AssumeRole's ExternalId: 2 to 1224 of these characters. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  return value;
}

function accountOfRole(roleArn: string): string {
  return roleArn.split(':')[4]!;
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), or of a region when no ARN is known. */
function partitionOf(arn: string | undefined, region: string): string {
  const fromArn = arn ? /^arn:(aws[a-z-]*):/.exec(arn)?.[1] : undefined;
  if (fromArn) return fromArn;
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

interface ErrorFields {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

/** `AccessDenied: User: … is not authorized to perform: sts:AssumeRole on resource: …` */
function errorText(error: unknown): string {
  const { name, Code, message } = (typeof error === 'object' && error !== null ? error : {}) as ErrorFields;
  const code = [Code, name].find((candidate): candidate is string => typeof candidate === 'string' && candidate !== '' && candidate !== 'Error');
  const text = typeof message === 'string' ? message : String(error);
  return code && !text.startsWith(code) ? `${code}: ${text}` : text;
}

/** Why a unit's collection failed, as its status and the fleet name it. */
function unitFailure(target: AwsUnitTarget, error: unknown): string {
  if (error instanceof AwsCredentialsError && target.roleArn) return `cannot assume ${target.roleArn}: ${errorText(error.cause)}`;
  return error instanceof Error ? error.message : String(error);
}

/** One unit: who it is read as, its source (clients and last responses), and what its collections left. */
interface UnitEntry {
  target: AwsUnitTarget;
  readonly source: AwsSource;
  tried: boolean;
  model?: NetworkModel;
  responses?: AwsResponsesJson;
  loadedAt?: number;
  /** The shared generation of the data served (replicas through Redis); absent when collected alone. */
  dataGeneration?: number;
  lastError?: string;
  callsMade?: number;
}

/** The entry's identity: a role and region, or the base credentials and region (whose account may not be known yet). */
function entryId(roleArn: string | undefined, region: string): string {
  return `${roleArn ?? 'base'}|${region}`;
}

export function awsFleetSource(options: AwsFleetSourceOptions): AwsFleetSource {
  const regions = [...options.regions];
  if (regions.length === 0) throw new RangeError('regions: at least one region is required');
  for (const region of regions) if (!REGION.test(region)) throw new RangeError(`regions: "${region}" is not a region name (us-east-1)`);
  if (new Set(regions).size !== regions.length) throw new RangeError(`regions: ${regions.join(', ')} names a region twice`);
  const roleArns = [...(options.roleArns ?? [])];
  const roleAccounts = new Map<string, string>();
  for (const roleArn of roleArns) {
    if (!ROLE_ARN.test(roleArn)) throw new RangeError(`roleArns: expected arn:aws:iam::<account>:role/<name>, got ${roleArn}`);
    const accountId = accountOfRole(roleArn);
    const other = roleAccounts.get(accountId);
    if (other !== undefined) throw new RangeError(`roleArns: ${other} and ${roleArn} are both in account ${accountId}: one role per account`);
    roleAccounts.set(accountId, roleArn);
  }
  const { organizationRoleName, externalId, metrics, unitMetrics } = options;
  if (organizationRoleName !== undefined && !ROLE_NAME.test(organizationRoleName)) {
    throw new RangeError(`organizationRoleName: "${organizationRoleName}" is not an IAM role name (letters, digits and +=,.@_- , with an optional path)`);
  }
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) throw new RangeError('externalId: 2 to 1224 characters of letters, digits and +=,.@:/_-');
  const unitConcurrency = positiveInteger('unitConcurrency', options.unitConcurrency, AWS_FLEET_DEFAULTS.unitConcurrency);
  const callTimeoutMs = positiveInteger('callTimeoutMs', options.callTimeoutMs, AWS_SOURCE_DEFAULTS.callTimeoutMs);
  const collectionDeadlineMs = positiveInteger('collectionDeadlineMs', options.collectionDeadlineMs, AWS_SOURCE_DEFAULTS.collectionDeadlineMs);
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts, AWS_SOURCE_DEFAULTS.maxAttempts);
  const maxConcurrentCalls = positiveInteger('maxConcurrentCalls', options.maxConcurrentCalls, AWS_SOURCE_DEFAULTS.maxConcurrentCalls);
  const now = options.now ?? Date.now;
  const includeBase = options.includeBaseAccount === true || (roleArns.length === 0 && organizationRoleName === undefined);
  // A provider's services are collected whoever uses them only when a consumer can be in another unit.
  const multiUnit = regions.length > 1 || roleArns.length + (includeBase ? 1 : 0) > 1 || organizationRoleName !== undefined;

  const baseConfig = {
    region: regions[0]!,
    maxAttempts,
    requestHandler: requestHandler(callTimeoutMs),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  const sts = new STSClient(baseConfig);
  const organizations = organizationRoleName !== undefined ? new OrganizationsClient(baseConfig) : undefined;
  const limits = { callTimeoutMs, deadlineMs: collectionDeadlineMs };

  let identity: { accountId: string; arn: string } | undefined;
  let identityError: string | undefined;
  let orgAccounts: string[] = [];
  let orgRefreshedAt: number | undefined;
  let orgError: string | undefined;
  const entries = new Map<string, UnitEntry>();
  let inflight: Promise<Fleet> | undefined;

  function newEntry(target: AwsUnitTarget): UnitEntry {
    const clients = options.clientsFor?.(target);
    const source = awsSource({
      region: target.region,
      ...(target.roleArn ? { roleArn: target.roleArn } : {}),
      ...(target.roleArn && externalId !== undefined ? { externalId } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(target.accountId ? { accountId: target.accountId } : {}),
      ...(clients ? { clients } : {}),
      ...(metrics ? { metrics } : {}),
      ...(options.endpointIds?.length ? { endpointIds: options.endpointIds } : {}),
      offeredServices: multiUnit,
      callTimeoutMs,
      collectionDeadlineMs,
      maxAttempts,
      maxConcurrentCalls,
    });
    if (target.accountId) unitMetrics?.collectionFailuresTotal.inc(unitLabels(target), 0);
    return { target, source, tried: false };
  }

  /** The base credentials' account, asked once (sts:GetCallerIdentity needs no permission). */
  async function resolveIdentity(): Promise<void> {
    if (identity) return;
    try {
      const answer = await sts.send(new GetCallerIdentityCommand({}));
      if (!answer.Account || !answer.Arn) throw new Error('sts:GetCallerIdentity answered without Account or Arn');
      identity = { accountId: answer.Account, arn: answer.Arn };
      identityError = undefined;
    } catch (error) {
      identityError = `the base account cannot be identified: ${describeFailure('sts:GetCallerIdentity', error, limits)}`;
    }
  }

  /** The organization's active accounts; on failure the last list read stays, with the reason. */
  async function refreshOrganization(client: OrganizationsClient): Promise<void> {
    try {
      const active: Account[] = [];
      for await (const page of paginateListAccounts({ client }, {})) {
        for (const account of page.Accounts ?? []) if (account.Id && (account.State ?? account.Status) === 'ACTIVE') active.push(account);
      }
      const baseId = identity?.accountId;
      // The base credentials' own account is read with them, as the base unit, never through a role.
      orgAccounts = [...new Set(active.map((account) => account.Id!).filter((id) => id !== baseId))].sort();
      orgRefreshedAt = now();
      orgError = undefined;
    } catch (error) {
      orgError = `the organization's accounts cannot be listed: ${describeFailure('organizations:ListAccounts', error, limits)}`;
    }
  }

  /** The units of this load: base, roles given, organization roles, each in every region. */
  function plan(): UnitEntry[] {
    const targets: Array<Omit<AwsUnitTarget, 'region'>> = [];
    const covered = new Set<string>();
    if (includeBase) {
      targets.push({ ...(identity ? { accountId: identity.accountId } : {}), origin: 'base' });
      if (identity) covered.add(identity.accountId);
    }
    for (const roleArn of roleArns) {
      const accountId = accountOfRole(roleArn);
      if (covered.has(accountId)) continue;
      covered.add(accountId);
      targets.push({ accountId, roleArn, origin: 'explicit' });
    }
    if (organizationRoleName !== undefined) {
      const partition = partitionOf(identity?.arn, regions[0]!);
      for (const accountId of orgAccounts) {
        if (covered.has(accountId)) continue;
        covered.add(accountId);
        targets.push({ accountId, roleArn: `arn:${partition}:iam::${accountId}:role/${organizationRoleName}`, origin: 'organization' });
      }
    }
    const planned: UnitEntry[] = [];
    const ids = new Set<string>();
    for (const target of targets) {
      for (const region of regions) {
        const id = entryId(target.roleArn, region);
        ids.add(id);
        let entry = entries.get(id);
        if (!entry) entries.set(id, (entry = newEntry({ ...target, region })));
        else if (entry.target.accountId === undefined && target.accountId !== undefined) {
          // The base account, identified since its first collection.
          entry.target = { ...entry.target, accountId: target.accountId };
          unitMetrics?.collectionFailuresTotal.inc(unitLabels(entry.target), 0);
        }
        planned.push(entry);
      }
    }
    // Accounts that left the organization (or were suspended) are no longer units.
    for (const [id, entry] of entries) {
      if (ids.has(id)) continue;
      entries.delete(id);
      if (entry.target.accountId) {
        unitMetrics?.collectionDuration.remove(unitLabels(entry.target));
        unitMetrics?.collectionFailuresTotal.remove(unitLabels(entry.target));
      }
    }
    return planned;
  }

  /** The unit's model: through the replicas' shared collection when there is one, else collected here. */
  async function loadUnit(entry: UnitEntry, refresh: boolean): Promise<{ model: NetworkModel; collectedAt?: number; generation?: number }> {
    const { shared } = options;
    if (!shared) return { model: await entry.source.load() };
    let collectedHere: NetworkModel | undefined;
    // A refresh takes only data collected after it was asked for.
    const outcome = await shared.collect(keyOf(entry), { ...(refresh ? { freshSince: now() } : {}) }, async () => {
      collectedHere = await entry.source.load();
      return {
        responses: entry.source.lastResponses()!,
        failures: [...collectedHere.failures],
        ...(entry.source.lastCollection() ? { callsMade: entry.source.lastCollection()!.callsMade } : {}),
      };
    });
    // Generation 0: collected alone (Redis failed), data no other replica has.
    const generation = outcome.data.generation > 0 ? { generation: outcome.data.generation } : {};
    if (collectedHere) return { model: collectedHere, ...generation };
    // Another replica's collection: as old as it is, not as the moment it was read.
    return { model: entry.source.modelOf(outcome.data.responses, new Map(outcome.data.failures)), collectedAt: outcome.data.collectedAt, ...generation };
  }

  async function collectUnit(entry: UnitEntry, refresh: boolean): Promise<void> {
    try {
      const { model, collectedAt, generation } = await loadUnit(entry, refresh);
      entry.model = model;
      entry.dataGeneration = generation;
      entry.responses = entry.source.lastResponses();
      entry.loadedAt = collectedAt ?? now();
      entry.lastError = undefined;
      // The base account, when its identity could not be had, is known by its data.
      if (entry.target.accountId === undefined) {
        const fromData = unitOfModel(model).accountId;
        if (fromData) entry.target = { ...entry.target, accountId: fromData };
      }
    } catch (error) {
      entry.lastError = unitFailure(entry.target, error);
      if (entry.target.accountId || entry.target.origin === 'base') unitMetrics?.collectionFailuresTotal.inc(unitLabels(entry.target));
    } finally {
      entry.tried = true;
      const summary = entry.source.lastCollection();
      entry.callsMade = summary?.callsMade;
      if (summary) unitMetrics?.collectionDuration.set(unitLabels(entry.target), summary.durationSeconds);
    }
  }

  async function loadFleet(refresh: boolean): Promise<Fleet> {
    if (includeBase || organizations) await resolveIdentity();
    if (organizations) await refreshOrganization(organizations);
    const planned = plan();
    const limit = pLimit(unitConcurrency);
    await Promise.all(planned.map((entry) => limit(() => collectUnit(entry, refresh))));
    const units = planned.map((entry) => ({
      ...(entry.target.accountId ? { accountId: entry.target.accountId } : {}),
      region: entry.target.region,
      ...(entry.model ? { model: entry.model } : {}),
      ...(entry.lastError ? { failure: entry.lastError } : {}),
      ...(entry.model && entry.dataGeneration !== undefined ? { dataGeneration: entry.dataGeneration } : {}),
    }));
    if (!units.some((unit) => unit.model)) {
      const reasons = [
        ...(identityError && includeBase ? [identityError] : []),
        ...(orgError ? [orgError] : []),
        ...planned.map((entry) => `${keyOf(entry)}: ${entry.lastError ?? 'not collected'}`),
      ];
      throw new Error(`no unit could be loaded${planned.length === 0 ? ' (there is none)' : ''}: ${reasons.join('; ')}`);
    }
    return createFleet(units);
  }

  function keyOf(entry: UnitEntry): string {
    return unitKey(entry.target);
  }

  function statusOf(entry: UnitEntry): AwsUnitStatus {
    const { target, model } = entry;
    const state: AwsUnitState = !entry.tried ? 'never' : model ? (entry.lastError ? 'stale' : 'loaded') : 'failed';
    return {
      key: keyOf(entry),
      ...(target.accountId ? { accountId: target.accountId } : {}),
      region: target.region,
      ...(target.roleArn ? { roleArn: target.roleArn } : {}),
      state,
      ...(model && entry.loadedAt !== undefined
        ? { loadedAt: new Date(entry.loadedAt).toISOString(), dataAgeSeconds: Math.max(0, Math.floor((now() - entry.loadedAt) / 1000)) }
        : {}),
      ...(entry.lastError ? { lastError: entry.lastError } : {}),
      ...(model && model.failures.size > 0 ? { failures: Object.fromEntries(model.failures) } : {}),
      ...(entry.callsMade !== undefined ? { callsMade: entry.callsMade } : {}),
      ...(model && entry.dataGeneration !== undefined ? { dataGeneration: entry.dataGeneration } : {}),
      endpoints: model?.endpoints.size ?? 0,
      services: model?.endpointServicesByName.size ?? 0,
      loadBalancers: model?.loadBalancers.size ?? 0,
    };
  }

  function units(): AwsUnitStatus[] {
    return [...entries.values()].map(statusOf).sort((a, b) => a.key.localeCompare(b.key));
  }

  // The units known before any call (the roles given, the base account by its credentials) are listed, not yet tried.
  plan();
  unitMetrics?.observe(units);

  const parts = [
    ...(includeBase ? ['the base account'] : []),
    ...(roleArns.length > 0 ? [`${roleArns.length} role${roleArns.length === 1 ? '' : 's'}`] : []),
    ...(organizationRoleName !== undefined ? [`the organization's accounts as ${organizationRoleName}`] : []),
  ];
  return {
    description: `AWS ${parts.join(', ')} in ${regions.join(', ')}`,
    // Concurrent loads share one round of collections: AWS throttling is per account and region.
    load: (loadOptions = {}) => (inflight ??= loadFleet(loadOptions.refresh ?? false).finally(() => (inflight = undefined))),
    units,
    lastResponses: () => {
      const found = new Map<string, AwsResponsesJson>();
      for (const entry of entries.values()) if (entry.responses) found.set(keyOf(entry), entry.responses);
      return found;
    },
    discovery: () => ({
      ...(identity ? { baseAccountId: identity.accountId } : {}),
      ...(identityError ? { baseError: identityError } : {}),
      ...(organizationRoleName !== undefined
        ? {
            organization: {
              roleName: organizationRoleName,
              accountIds: [...orgAccounts],
              ...(orgRefreshedAt !== undefined ? { refreshedAt: new Date(orgRefreshedAt).toISOString() } : {}),
              ...(orgError ? { lastError: orgError } : {}),
            },
          }
        : {}),
    }),
  };
}
