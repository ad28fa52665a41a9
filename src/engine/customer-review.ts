/**
 * Pure customer reviews: which cross-sell/risk findings are new (logged and sent once, while they
 * hold), and when the next daily review is due. Purchases, renewals and receivables recorded
 * through the engine review the customer in the same commit; the daily review catches the facts
 * that age on their own (days past due, months since the last purchase). No I/O.
 *
 * @module
 */
import { DateTime } from 'luxon';
import type {
  EventInput,
  JsonValue,
  OutboxEnqueue,
  TimerCommands,
  TimerRecord,
} from '../adapters/storage/port.js';
import type { Customer } from '../model/customer.js';
import type { Rep } from '../model/rep.js';
import type { Team } from '../model/team.js';
import { type CompiledRuleSet, channelsOf } from '../rules/compile.js';
import { type CustomerRuleEffect, groupCrossSellSuggestions } from '../rules/customer-rules.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { resolveRecipients } from './recipients.js';
import { renderTemplate } from './templates.js';
import type { CustomerFinding, CustomerRecord } from './types.js';

/**
 * The durable timer of a customer's daily review.
 *
 * @category Engine
 */
export const CUSTOMER_REVIEW_TIMER = 'engine:customerReview';

/**
 * What the engine needs to render and address a review's findings.
 *
 * @category Engine
 */
export interface ReviewContext {
  readonly compiled: CompiledRuleSet;
  readonly team: Team;
  readonly repsById: ReadonlyMap<string, Rep>;
}

/**
 * What a review logs, sends and keeps.
 *
 * @category Engine
 */
export interface ReviewPlan {
  readonly events: EventInput[];
  readonly outbox: OutboxEnqueue[];
  /** The findings holding after this review, by key (rule id, or the group suggestion's). */
  readonly findings: Readonly<Record<string, CustomerFinding>>;
  /** True when a finding started or stopped holding (the record must be written). */
  readonly changed: boolean;
  /** Keys of the findings that started holding: the ones logged and sent. */
  readonly reported: string[];
}

/**
 * What a cross-sell/risk review logs and sends: one event and one message per finding that was
 * not holding before (message id per rule, customer and local day), plus the group cross-sell
 * suggestions over `groupMembers`. A finding still holding is neither logged nor sent again, so a
 * daily review does not repeat yesterday's alert; one that stopped holding is dropped and is
 * reported again the next time it holds.
 *
 * @example
 * ```ts
 * const plan = reviewPlan(ctx, record, evaluateCustomerRules(compiled, record.customer, now), members, now, '2026-06-01');
 * plan.events.length; // the findings that are new since the last review
 * ```
 * @category Engine
 */
export function reviewPlan(
  ctx: ReviewContext & { readonly calendar: BusinessCalendar },
  record: CustomerRecord,
  effects: readonly CustomerRuleEffect[],
  groupMembersOfCustomer: readonly Customer[] | undefined,
  at: number,
  day: string,
): ReviewPlan {
  const customer = record.customer;
  const before = record.findings ?? {};
  const findings: Record<string, CustomerFinding> = {};
  const events: EventInput[] = [];
  const outbox: OutboxEnqueue[] = [];
  const reported: string[] = [];
  /** Keep a finding that holds; true when it is new (to be logged and sent). */
  const hold = (key: string, finding: CustomerFinding): boolean => {
    const previous = before[key];
    findings[key] = previous ?? finding;
    if (previous === undefined) reported.push(key);
    return previous === undefined;
  };
  for (const effect of effects) {
    if (!hold(effect.ruleId, { since: at, section: effect.section, kind: effect.kind })) continue;
    events.push({
      entityId: customer.id,
      kind: 'customer',
      type: effect.section === 'crossSell' ? 'customer.crossSell' : 'customer.risk',
      at,
      data: {
        ruleId: effect.ruleId,
        kind: effect.kind,
        severity: effect.severity,
        details: effect.details as JsonValue,
      },
    });
    outbox.push(...findingMessages(ctx, customer, effect, at, day));
  }
  const suggestions = groupMembersOfCustomer
    ? groupCrossSellSuggestions(groupMembersOfCustomer, at, 180, ctx.calendar.zone)
    : [];
  for (const suggestion of suggestions) {
    // Keyed by who is quiet: a subsidiary falling quiet is a new suggestion.
    const key = `group-cross-sell:${suggestion.groupId}:${suggestion.quietCustomerIds.join('+')}`;
    if (!hold(key, { since: at, section: 'crossSell', kind: 'group-cross-sell' })) continue;
    events.push({
      entityId: customer.id,
      kind: 'customer',
      type: 'customer.crossSell',
      at,
      data: {
        ruleId: 'group-cross-sell',
        kind: 'group-cross-sell',
        details: suggestion as unknown as JsonValue,
      },
    });
  }
  const changed = reported.length > 0 || Object.keys(before).some((key) => findings[key] === undefined);
  return { events, outbox, findings, changed, reported };
}

/** One finding's messages: its template (or `kind: name`) to its recipients, per routed channel. */
function findingMessages(
  ctx: ReviewContext,
  customer: Customer,
  effect: CustomerRuleEffect,
  at: number,
  day: string,
): OutboxEnqueue[] {
  const template = effect.template ? ctx.compiled.source.templates[effect.template] : undefined;
  const to = resolveRecipients(ctx.team, ctx.repsById, effect.to, {
    ownerId: customer.ownerRepId,
    supervisorId: ctx.compiled.assignment.fallback.supervisorId,
  });
  const payload: JsonValue = {
    text: template
      ? renderTemplate(template.text, { customer, facts: effect.facts, details: effect.details })
      : `${effect.kind}: ${customer.name}`,
    ...(effect.template ? { template: effect.template } : {}),
    data: {
      customerId: customer.id,
      ruleId: effect.ruleId,
      kind: effect.kind,
      details: effect.details as JsonValue,
    },
  };
  return channelsOf(ctx.compiled, effect.template ?? effect.kind, 'wecom').map((channel) => ({
    id:
      channel === 'wecom'
        ? `${customer.id}:${effect.ruleId}:${day}`
        : `${customer.id}:${effect.ruleId}:${day}:${channel}`,
    channel,
    to: to.length > 0 ? to : ['unrouted'],
    createdAt: at,
    nextAttemptAt: at,
    payload,
  }));
}

/**
 * The next daily review after `at`: the next local `HH:mm` in the calendar's zone, moved to the
 * next business time when it falls outside working hours (a Saturday's review runs Monday
 * morning, a holiday's on the first working day after it).
 *
 * @example
 * ```ts
 * nextDailyReview(Date.parse('2026-03-06T10:00:00+08:00'), '09:00', calendar); // Monday 9 March 09:00
 * ```
 * @category Engine
 */
export function nextDailyReview(at: number, time: string, calendar: BusinessCalendar): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const local = DateTime.fromMillis(at, { zone: calendar.zone });
  let next = local.set({ hour, minute, second: 0, millisecond: 0 });
  if (next.toMillis() <= at) next = next.plus({ days: 1 }).set({ hour, minute });
  return calendar.nextBusinessTime(next.toMillis());
}

/**
 * Whether a customer gets a daily review: the rule set asks for one (`customers.dailyReviewAt`),
 * and there is something that ages — a customer rule and history to read, or a group to compare.
 * @category Engine
 */
export function wantsDailyReview(compiled: CompiledRuleSet, customer: Customer): boolean {
  if (compiled.source.customers.dailyReviewAt === null) return false;
  const hasRules = compiled.crossSell.length + compiled.risk.length > 0;
  const hasHistory =
    customer.purchases.length + customer.renewals.length + customer.receivables.length > 0 ||
    customer.technicalContacts.length > 0;
  return (hasRules && hasHistory) || customer.groupId !== undefined;
}

/**
 * (Re)arm a customer's daily review timer after a write at `at`, or `undefined` when it gets
 * none. The generation tells a superseded firing from the current one.
 * @category Engine
 */
export function reviewTimer(
  compiled: CompiledRuleSet,
  calendar: BusinessCalendar,
  record: CustomerRecord,
  at: number,
): { timer: TimerRecord; state: NonNullable<CustomerRecord['reviewTimer']> } | undefined {
  const time = compiled.source.customers.dailyReviewAt;
  if (time === null || !wantsDailyReview(compiled, record.customer)) return undefined;
  const dueAt = nextDailyReview(at, time, calendar);
  const generation = (record.reviewTimer?.generation ?? 0) + 1;
  return {
    timer: {
      entityId: record.customer.id,
      timerKey: CUSTOMER_REVIEW_TIMER,
      generation,
      dueAt,
      payload: { entity: 'customer', kind: 'dailyReview' },
    },
    state: { generation, dueAt },
  };
}

/**
 * A reviewed customer: the record to store and what the review logs, sends and schedules.
 *
 * @category Engine
 */
export interface ReviewedCustomer {
  readonly record: CustomerRecord;
  readonly events: EventInput[];
  readonly outbox: OutboxEnqueue[];
  readonly timers: TimerCommands | undefined;
  /** The record must be written (a finding started or stopped holding, or the timer moved). */
  readonly changed: boolean;
  /** Keys of the findings this review logged and sent. */
  readonly reported: string[];
}

/**
 * Review a customer record: {@link reviewPlan}, and with `rearm` the daily review timer set
 * again from `at` (or cancelled when the customer no longer gets one).
 *
 * @example
 * ```ts
 * const reviewed = reviewCustomerRecord({ compiled, team, repsById, calendar }, record, effects, members, now, day, true);
 * ```
 * @category Engine
 */
export function reviewCustomerRecord(
  ctx: ReviewContext & { readonly calendar: BusinessCalendar },
  record: CustomerRecord,
  effects: readonly CustomerRuleEffect[],
  groupMembersOfCustomer: readonly Customer[] | undefined,
  at: number,
  day: string,
  rearm: boolean,
): ReviewedCustomer {
  const plan = reviewPlan(ctx, record, effects, groupMembersOfCustomer, at, day);
  const { findings: _previous, reviewTimer: previousTimer, ...rest } = record;
  let next: CustomerRecord =
    Object.keys(plan.findings).length > 0 ? { ...rest, findings: plan.findings } : rest;
  let timers: TimerCommands | undefined;
  let timerState = previousTimer;
  if (rearm) {
    const armed = reviewTimer(ctx.compiled, ctx.calendar, record, at);
    if (armed) {
      timers = { schedule: [armed.timer] };
      timerState = armed.state;
    } else if (previousTimer) {
      timers = { cancel: [{ entityId: record.customer.id, timerKey: CUSTOMER_REVIEW_TIMER }] };
      timerState = undefined;
    }
  }
  if (timerState) next = { ...next, reviewTimer: timerState };
  return {
    record: next,
    events: plan.events,
    outbox: plan.outbox,
    timers,
    changed: plan.changed || timers !== undefined,
    reported: plan.reported,
  };
}

/**
 * Whether an upsert changed what the customer rules read of the history.
 *
 * @category Engine
 */
export function historyChanged(before: Customer | undefined, after: Customer): boolean {
  if (before === undefined) return true;
  return (
    JSON.stringify([before.purchases, before.renewals, before.receivables, before.technicalContacts]) !==
      JSON.stringify([after.purchases, after.renewals, after.receivables, after.technicalContacts]) ||
    before.groupId !== after.groupId
  );
}
