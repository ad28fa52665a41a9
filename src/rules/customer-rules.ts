import type { Customer } from '../model/customer.js';
import { ownValue } from '../model/own.js';
import type { CompiledRuleSet } from './compile.js';
import type { ConditionTraceEntry } from './conditions.js';
import { type CustomerFactSource, customerFacts, DEFAULT_HISTORY_ZONE, historyInstant } from './facts.js';

/**
 * What a cross-sell or risk rule produced for one customer: a recommendation, an alert or a
 * task, for a recipient role, with the facts that made it fire. Effects are data: the engine
 * turns them into outbox messages.
 *
 * @example
 * ```ts
 * import type { CustomerRuleEffect } from 'leadflow/core';
 * const e: CustomerRuleEffect = { ruleId: 'extended-warranty', section: 'crossSell', type: 'recommendation', kind: 'extended-warranty', severity: 'info', to: 'owner', customerId: 'c-1', facts: {}, conditions: [], details: {} };
 * ```
 * @category Rule sets
 */
export interface CustomerRuleEffect {
  readonly ruleId: string;
  readonly section: 'crossSell' | 'risk';
  readonly type: 'recommendation' | 'alert' | 'task';
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'high';
  readonly to: 'owner' | 'manager' | 'supervisor' | 'departmentHead' | 'serviceTeam';
  readonly template?: string;
  readonly customerId: string;
  /** The customer facts the rules saw. */
  readonly facts: Readonly<Record<string, unknown>>;
  /** Each condition with the fact value seen. */
  readonly conditions: readonly ConditionTraceEntry[];
  /**
   * What the rule's `effect.carry` names: customer facts by name, `failureInterval` (of the
   * customer's `lastModel`) and `serviceHistory` when the host knows them.
   */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Extra knowledge the rules' effects can carry (`effect.carry`): product failure intervals (for
 * the extended warranty offer: "该型号近三年平均故障间隔为1,240小时") and each customer's service
 * history (for the renewal intervention).
 *
 * @example
 * ```ts
 * import type { CustomerKnowledge } from 'leadflow/core';
 * const knowledge: CustomerKnowledge = { failureIntervalHours: { 'PLC-300': 1240 } };
 * ```
 * @category Rule sets
 */
export interface CustomerKnowledge {
  /** Mean time between failures per product model, in hours (MTBF as service teams quote it). */
  readonly failureIntervalHours?: Readonly<Record<string, number>>;
  /** Mean days between failures per product model (when known in days). */
  readonly failureIntervalDays?: Readonly<Record<string, number>>;
  /** Service history over the last 12 months per customer id. */
  readonly serviceHistory?: Readonly<
    Record<
      string,
      {
        readonly tickets: number;
        readonly meanResolutionHours: number;
        readonly onsiteVisits: number;
        readonly partsReplaced: number;
      }
    >
  >;
}

/**
 * Run the rule set's cross-sell and risk rules over one customer at instant `now`. Pure.
 * Every matching rule yields one effect (rules do not stop each other).
 *
 * @example
 * ```ts
 * import { compileRuleSet, zhikongPreset } from 'leadflow';
 * import { evaluateCustomerRules } from 'leadflow/core';
 * const compiled = compileRuleSet(zhikongPreset.ruleSet);
 * const effects = evaluateCustomerRules(compiled, customer, Date.parse('2026-06-01T00:00:00Z'));
 * effects.map((e) => e.kind); // ['extended-warranty', 'high-risk']
 * ```
 * @category Rule sets
 */
export function evaluateCustomerRules(
  compiled: CompiledRuleSet,
  customer: CustomerFactSource & Pick<Customer, 'id'>,
  now: number,
  knowledge: CustomerKnowledge = {},
  zone: string = DEFAULT_HISTORY_ZONE,
): CustomerRuleEffect[] {
  const facts = customerFacts(customer, now, zone) as Record<string, unknown>;
  const effects: CustomerRuleEffect[] = [];
  for (const section of ['crossSell', 'risk'] as const) {
    for (const rule of compiled[section]) {
      const explained = rule.compiled.explain(facts, { now });
      if (!explained.result) continue;
      effects.push({
        ruleId: rule.id,
        section,
        type: rule.effect.type,
        kind: rule.effect.kind,
        severity: rule.effect.severity,
        to: rule.effect.to,
        ...(rule.effect.template !== undefined ? { template: rule.effect.template } : {}),
        customerId: customer.id,
        facts,
        conditions: explained.trace,
        details: carried(rule.effect.carry, facts, customer.id, knowledge),
      });
    }
  }
  return effects;
}

/** The details an effect carries: exactly what its rule names, nothing by kind. */
function carried(
  names: readonly string[],
  facts: Record<string, unknown>,
  customerId: string,
  knowledge: CustomerKnowledge,
): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const name of names) {
    if (name === 'failureInterval') {
      const model = facts.lastModel as string | undefined;
      if (model === undefined) continue;
      const hours = ownValue(knowledge.failureIntervalHours, model);
      const days = ownValue(knowledge.failureIntervalDays, model);
      if (hours !== undefined) details.failureIntervalHours = hours;
      if (days !== undefined) details.failureIntervalDays = days;
    } else if (name === 'serviceHistory') {
      const history = ownValue(knowledge.serviceHistory, customerId);
      if (history !== undefined) details.serviceHistory = history;
    } else if (Object.hasOwn(facts, name)) details[name] = facts[name];
  }
  return details;
}

/**
 * One group-level cross-sell suggestion: subsidiaries of a group with no recent activity while
 * a sibling is active.
 *
 * @example
 * ```ts
 * const s: GroupCrossSellSuggestion = { groupId: 'g-1', activeCustomerIds: ['c-1'], quietCustomerIds: ['c-2'] };
 * ```
 * @category Rule sets
 */
export interface GroupCrossSellSuggestion {
  readonly groupId: string;
  readonly activeCustomerIds: readonly string[];
  readonly quietCustomerIds: readonly string[];
}

/**
 * Group customers with activity (a purchase or a technical contact) in the last `windowDays` in
 * one subsidiary and none in another → a cross-sell suggestion per group, naming both sides.
 *
 * @example
 * ```ts
 * import { groupCrossSellSuggestions } from 'leadflow/core';
 * groupCrossSellSuggestions(customers, Date.parse('2026-06-01T00:00:00Z'));
 * ```
 * @category Rule sets
 */
export function groupCrossSellSuggestions(
  customers: readonly (Pick<Customer, 'id' | 'groupId'> &
    Pick<CustomerFactSource, 'purchases' | 'technicalContacts'>)[],
  now: number,
  windowDays = 180,
  zone: string = DEFAULT_HISTORY_ZONE,
): GroupCrossSellSuggestion[] {
  const since = now - windowDays * 86_400_000;
  const groups = new Map<string, { active: string[]; quiet: string[] }>();
  for (const customer of customers) {
    if (customer.groupId === undefined) continue;
    const recent =
      (customer.purchases ?? []).some(
        (p) => historyInstant(p.date, zone) >= since && historyInstant(p.date, zone) <= now,
      ) ||
      (customer.technicalContacts ?? []).some(
        (c) => historyInstant(c.at, zone) >= since && historyInstant(c.at, zone) <= now,
      );
    const group = groups.get(customer.groupId) ?? { active: [], quiet: [] };
    (recent ? group.active : group.quiet).push(customer.id);
    groups.set(customer.groupId, group);
  }
  return [...groups]
    .filter(([, group]) => group.active.length > 0 && group.quiet.length > 0)
    .map(([groupId, group]) => ({
      groupId,
      activeCustomerIds: group.active.sort(),
      quietCustomerIds: group.quiet.sort(),
    }))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}
