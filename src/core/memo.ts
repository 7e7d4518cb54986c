import type { NetworkModel, PrefixList, TargetGroup } from './model.js';
import type { ProviderTarget } from './provider.js';
import type { Check } from './report.js';

/**
 * What analyses learn about one model and keep for the next analysis of the same model:
 * thousands of rules name the same few prefix lists, and every path of every analysis reads
 * the same target groups. Each model has its own (createNetworkModel makes it): an answer
 * depends on the model as a whole (a target's interface, subnet and AZ come from the model's
 * instances, interfaces and subnets), so a resource object that two models share (an
 * overlay's untouched target groups, a what-if's prefix lists) is answered for each model
 * apart. No memo lives at module level in src/core.
 */
export class ModelMemo {
  /** Target group -> its registered targets, located in this model. */
  readonly targets = new WeakMap<TargetGroup, ProviderTarget[]>();
  /**
   * Provider checks that read nothing of the client (the NLB's outbound rules, the targets'
   * groups and NACLs, target health), judged once per `check|load balancer|listener port|AZ id`
   * (`*` with cross-zone on) without a path's scope: every endpoint of a service, and every
   * client, meets the same NLB nodes and targets in one AZ.
   */
  readonly providerPathChecks = new Map<string, Check>();

  constructor(
    /**
     * Prefix list -> address text -> whether the list's entries hold the address. An answer
     * depends on the list object's entries alone, so an overlay of a model, which holds the
     * very same prefix list objects, is given its base's answers (change.ts).
     */
    readonly prefixListAnswers = new WeakMap<PrefixList, Map<string, boolean>>(),
  ) {}
}

/**
 * Gives a model a memo of its own, then freezes it. The memo is not enumerable, so a model
 * made by spreading another (`{ ...model, securityGroups }`) does not inherit it and never
 * answers from what was learnt about the other: it has none until made through here.
 */
export function withOwnMemo<T extends NetworkModel>(model: T, memo: ModelMemo = new ModelMemo()): T {
  Object.defineProperty(model, 'memo', { value: memo, enumerable: false, writable: false, configurable: false });
  return Object.freeze(model);
}

/** The model's memo; a model made without one (spread from another, or by hand) gets a fresh one each time, so it is answered right, only not remembered. */
export function memoOf(model: NetworkModel): ModelMemo {
  return model.memo ?? new ModelMemo();
}
