import type { NetworkModel, PrefixList, SecurityGroup, SecurityGroupRule, TargetGroup } from './model.js';
import type { CidrSet } from './net.js';
import type { CompiledRules } from './sg.js';
import type { TouchedResources } from './change.js';
import type { ProviderTarget } from './provider.js';
import type { Check, Evidence, Scope } from './report.js';

/** A check judged for no path in particular, what it adds to a path's scope, and the rules it read. */
export interface SharedCheck {
  readonly check: Check;
  readonly scopeAdded: Partial<Scope>;
  /** The rule sets the judgement read (rule-sets.ts keys): a change to another leaves it standing. */
  readonly reads: readonly string[];
}

/** An overlay's base: its memo, and what the overlay changed of it. */
export interface MemoBase {
  readonly memo: ModelMemo;
  /** What the overlay's changes altered (change.ts). */
  readonly altered: Pick<TouchedResources, 'ruleSets' | 'endpoints' | 'loadBalancers'>;
  /** The base model's groups: a changed group's rules extend those of the group it replaces (sg.ts). */
  readonly securityGroups: ReadonlyMap<string, SecurityGroup>;
}

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
  readonly providerPathChecks = new Map<string, SharedCheck>();

  /**
   * Prefix list -> its entries as a CidrSet (sg.ts). It reads the list object's entries
   * alone, so an overlay of a model, which holds the very same prefix list objects, is given
   * its base's (change.ts).
   */
  readonly prefixListSets: WeakMap<PrefixList, CidrSet>;
  /**
   * A group's rules of one direction (the array) -> compiled for the scan (sg.ts), learnt
   * here. They read the array alone, so an overlay reads its base's (`knownCompiledRules`):
   * a changed group keeps the array of the direction its change left alone.
   */
  private readonly compiledRules = new WeakMap<readonly SecurityGroupRule[], CompiledRules>();

  /**
   * A rule -> its evidence (checks/rules.ts), learnt here: the same few rules allow or nearly
   * miss for request after request. An evidence reads the rule object alone, so an overlay
   * reads its base's (`knownRuleEvidence`); there is at most one per rule of the model.
   */
  private readonly ruleEvidence = new WeakMap<SecurityGroupRule, Evidence>();

  constructor(
    /**
     * For an overlay (changes applied): its base's memo, whose provider checks still hold
     * when the changes touched none of the rules they read. Only rule changes qualify: a
     * change to an endpoint's groups (whose interfaces an IP target may be) or to a load
     * balancer leaves nothing inherited.
     */
    private readonly base?: MemoBase,
  ) {
    this.prefixListSets = base?.memo.prefixListSets ?? new WeakMap();
  }

  /*
   * What an overlay learns of its own rules (a proof's added rule, its group's new array) it
   * keeps in its own maps, which die with it. Written into its base's, thousands of proofs
   * would leave the base's weak maps full of dead keys, each held until a full GC: in the
   * benchmark, a major GC every few hundred analyses (docs/benchmarks.md).
   */

  /** The compiled form of a rules array, learnt here or by the base. */
  knownCompiledRules(rules: readonly SecurityGroupRule[]): CompiledRules | undefined {
    return this.compiledRules.get(rules) ?? this.base?.memo.knownCompiledRules(rules);
  }

  rememberCompiledRules(rules: readonly SecurityGroupRule[], compiled: CompiledRules): void {
    this.compiledRules.set(rules, compiled);
  }

  /** A rule's evidence, learnt here or by the base. */
  knownRuleEvidence(rule: SecurityGroupRule): Evidence | undefined {
    return this.ruleEvidence.get(rule) ?? this.base?.memo.knownRuleEvidence(rule);
  }

  rememberRuleEvidence(rule: SecurityGroupRule, evidence: Evidence): void {
    this.ruleEvidence.set(rule, evidence);
  }

  private targetGroupsByLoadBalancer?: ReadonlyMap<string, readonly TargetGroup[]>;

  /**
   * The model's target groups by the load balancer each serves, indexed on first use. No
   * change alters a target group, so an overlay reads its base's.
   */
  targetGroupsOf(model: NetworkModel, loadBalancerArn: string): readonly TargetGroup[] {
    if (this.base) return this.base.memo.targetGroupsOf(model, loadBalancerArn);
    if (!this.targetGroupsByLoadBalancer) {
      const index = new Map<string, TargetGroup[]>();
      for (const group of model.targetGroups.values()) {
        for (const arn of group.loadBalancerArns) {
          const groups = index.get(arn);
          if (groups) groups.push(group);
          else index.set(arn, [group]);
        }
      }
      this.targetGroupsByLoadBalancer = index;
    }
    return this.targetGroupsByLoadBalancer.get(loadBalancerArn) ?? [];
  }

  /** The group an overlay's group `id` replaces, when this is an overlay's memo. */
  replacedGroup(id: string): SecurityGroup | undefined {
    return this.base?.securityGroups.get(id);
  }

  /** The provider check remembered under `key`, here or, when still valid, in the base's memo. */
  sharedProviderCheck(key: string): SharedCheck | undefined {
    const own = this.providerPathChecks.get(key);
    if (own || !this.base) return own;
    const { altered } = this.base;
    if (altered.endpoints.size > 0 || altered.loadBalancers.size > 0) return undefined;
    const inherited = this.base.memo.sharedProviderCheck(key);
    if (!inherited) return undefined;
    if (inherited.reads.some((ruleSet) => altered.ruleSets.has(ruleSet))) return undefined;
    this.providerPathChecks.set(key, inherited);
    return inherited;
  }
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
