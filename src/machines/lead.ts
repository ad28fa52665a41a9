/**
 * The lead lifecycle as an XState v5 machine — one machine per lead, driven by the engine
 * through the pure step adapter (`createStepper` in `./xstate-step.ts`).
 *
 * Rules the machine keeps (see DESIGN.md "Principles"):
 * - **The host owns time.** Every event carries `at` (the engine stamps `now`); the machine never
 *   reads a clock. Its only timers are delayed `raise(...)` actions with a stable `id`
 *   ({@link LEAD_TIMER_KEYS}), cancelled on exit; the step adapter turns them into durable timer
 *   commands. No `after`, no invoked actors.
 * - **Plain JSON context.** Absent values are `null`, never `undefined`, so a persisted snapshot
 *   survives `JSON.stringify`/`JSON.parse` unchanged.
 * - **Pure guards and actions.** Guards read only `context`/`event`/params; actions are only
 *   `assign`, `raise`, `cancel` and `emit` — which is what lets the step adapter compile the
 *   machine into a table (and what its differential test checks).
 *
 * `recycled` is deliberately *not* final: it is the pool. The same lead record (history,
 * counters, follow-ups intact) re-enters assignment with `DECIDED` or `ASSIGN`, so the engine
 * never re-ingests a recycled lead (which dedup would refuse anyway).
 *
 * @module
 */
import { assertEvent, assign, cancel, emit, raise, setup } from 'xstate';
import { LEAD_PRIORITIES, type LeadPriority } from '../model/lead.js';
import type { AssignmentDecision } from '../rules/decide.js';

/**
 * Where a follow-up outcome may move a lead (mirrors the rule set's `followUp.outcomes[].moveTo`).
 *
 * @example
 * ```ts
 * import { FOLLOW_UP_MOVES } from 'leadflow';
 * FOLLOW_UP_MOVES.includes('nurturing'); // true
 * ```
 * @category State machines
 */
export const FOLLOW_UP_MOVES = ['contacted', 'nurturing', 'converted', 'disqualified'] as const;

/**
 * One of {@link FOLLOW_UP_MOVES}.
 *
 * @example
 * ```ts
 * import type { FollowUpMove } from 'leadflow';
 * const move: FollowUpMove = 'contacted';
 * ```
 * @category State machines
 */
export type FollowUpMove = (typeof FOLLOW_UP_MOVES)[number];

/**
 * The three fields every follow-up record must carry (status, next action, next contact time).
 *
 * @example
 * ```ts
 * import { FOLLOW_UP_REQUIRED_FIELDS } from 'leadflow';
 * FOLLOW_UP_REQUIRED_FIELDS; // ['status', 'nextAction', 'nextContactAt']
 * ```
 * @category State machines
 */
export const FOLLOW_UP_REQUIRED_FIELDS = ['status', 'nextAction', 'nextContactAt'] as const;

/**
 * Stable ids of the machine's delayed raises; the step adapter uses them as timer keys
 * (the engine prefixes the lead id).
 * - `offerExpiry`: broadcast offer unclaimed → `OFFER_EXPIRED` (in `awaitingAssignment.offered`);
 * - `nextContact`: planned next contact reached → `NEXT_CONTACT_DUE` (in `contacted`);
 * - `incubation`: nurturing window over → `INCUBATION_EXPIRED` (in `nurturing`).
 *
 * @example
 * ```ts
 * import { LEAD_TIMER_KEYS } from 'leadflow/core';
 * LEAD_TIMER_KEYS.incubation; // 'incubation'
 * ```
 * @category State machines
 */
export const LEAD_TIMER_KEYS = {
  offerExpiry: 'offerExpiry',
  nextContact: 'nextContact',
  incubation: 'incubation',
} as const;

/**
 * One escalation recorded on a lead.
 *
 * @example
 * ```ts
 * import type { LeadEscalation } from 'leadflow/core';
 * const e: LeadEscalation = { policyId: 'unassigned-15m', to: 'supervisor', at: 1_700_000_000_000 };
 * ```
 * @category State machines
 */
export interface LeadEscalation {
  policyId: string;
  to: string;
  at: number;
}

/**
 * One follow-up as recorded in the lead's context.
 *
 * @example
 * ```ts
 * import type { LeadFollowUpRecord } from 'leadflow/core';
 * const f: LeadFollowUpRecord = {
 *   at: 0, status: 'quoted', nextAction: 'send revised quote', nextContactAt: 86_400_000,
 *   outcome: 'quoted', moveTo: 'contacted',
 * };
 * ```
 * @category State machines
 */
export interface LeadFollowUpRecord {
  at: number;
  status: string;
  nextAction: string;
  nextContactAt: number;
  outcome: string | null;
  moveTo: FollowUpMove;
}

/**
 * The lead machine's context: plain JSON, `null` for absent values, timestamps in epoch ms
 * taken from events.
 *
 * @example
 * ```ts
 * import type { LeadContext } from 'leadflow/core';
 * const owner = (c: LeadContext) => c.ownerId ?? 'unassigned';
 * ```
 * @category State machines
 */
export interface LeadContext {
  leadId: string;
  ownerId: string | null;
  /** Who made the current owner the owner: a rule id, `claim`, or the supervisor's id. */
  assignedBy: string | null;
  /** Reps of the open broadcast offer (empty when none). */
  offeredTo: string[];
  offerRuleId: string | null;
  offerExpiresAt: number | null;
  supervisorId: string | null;
  priority: LeadPriority;
  /** An escalation happened while the lead had no owner. */
  escalated: boolean;
  escalations: LeadEscalation[];
  followUps: LeadFollowUpRecord[];
  receivedAt: number | null;
  assignedAt: number | null;
  openedAt: number | null;
  firstFollowUpAt: number | null;
  nextContactAt: number | null;
  /** The planned next contact passed without a new follow-up. */
  contactOverdue: boolean;
  nurturingUntil: number | null;
  qualified: boolean;
  qualifiedAt: number | null;
  /** Assignment rules the engine must skip on the next decision (e.g. an expired broadcast). */
  skipRules: string[];
  mergedInto: string | null;
  opportunityId: string | null;
  /** Reason of the last queue / nurture / reassign / recycle / disqualify. */
  reason: string | null;
  /** In the pool (`recycled`): the rep it was taken from, and since when (else `null`). */
  pooledFrom: string | null;
  pooledAt: number | null;
  closedAt: number | null;
  counters: { reassignments: number; offersExpired: number; recycles: number };
}

/**
 * Input of the lead machine. Every field is optional: the context factory tolerates a missing
 * input (XState builds throw-away actors without one).
 *
 * @example
 * ```ts
 * import { initialLeadContext } from 'leadflow/core';
 * initialLeadContext({ leadId: 'lead-1', receivedAt: Date.parse('2026-03-02T02:00:00Z') }).ownerId; // null
 * ```
 * @category State machines
 */
export interface LeadInput {
  leadId?: string;
  receivedAt?: number;
  priority?: LeadPriority;
}

/**
 * A follow-up as the rep submits it (before validation).
 *
 * @example
 * ```ts
 * import type { FollowUpInput } from 'leadflow';
 * const input: FollowUpInput = { status: 'quoted', nextAction: 'call back', nextContactAt: 1_700_000_000_000 };
 * ```
 * @category State machines
 */
export interface FollowUpInput {
  status: string;
  nextAction: string;
  nextContactAt: number;
  outcome?: string;
  /** Resolved by the engine from the rule set's outcome; defaults to `contacted`. */
  moveTo?: FollowUpMove;
  /** End of incubation when `moveTo` is `nurturing`; defaults to `nextContactAt`. */
  nurtureUntil?: number;
}

/**
 * Every event the lead machine understands. `at` is the event time in epoch ms (the engine
 * stamps `now`; the step adapter stamps it when missing).
 *
 * @example
 * ```ts
 * import type { LeadEvent } from 'leadflow/core';
 * const e: LeadEvent = { type: 'OPEN', repId: 'rep-a', at: 1_700_000_000_000 };
 * ```
 * @category State machines
 */
export type LeadEvent =
  | { type: 'DECIDED'; decision: AssignmentDecision; at: number }
  | { type: 'ASSIGN'; repId: string; by: string; at: number }
  | { type: 'CLAIM'; repId: string; at: number }
  | { type: 'OFFER_EXPIRED'; at: number }
  | { type: 'OPEN'; repId: string; at: number }
  | ({ type: 'FOLLOW_UP'; at: number } & FollowUpInput)
  | { type: 'QUALIFY'; at: number }
  | { type: 'DISQUALIFY'; reason: string; at: number }
  | { type: 'CONVERT'; opportunityId?: string; at: number }
  | { type: 'RECYCLE'; reason: string; at: number }
  | { type: 'REASSIGN'; repId: string; reason: string; at: number }
  | { type: 'MERGE'; intoLeadId: string; at: number }
  | { type: 'ESCALATE'; policyId: string; to: string; at: number }
  | { type: 'RAISE_PRIORITY'; to?: LeadPriority; at: number }
  | { type: 'INCUBATION_EXPIRED'; at: number }
  | { type: 'NEXT_CONTACT_DUE'; at: number };

/**
 * Domain events the machine emits (collected by the step adapter as `emitted`).
 *
 * @example
 * ```ts
 * import type { LeadEmitted } from 'leadflow/core';
 * const onEmit = (e: LeadEmitted) => console.log(e.leadId, e.from, '→', e.to);
 * ```
 * @category State machines
 */
export type LeadEmitted = {
  type: 'lead.ownerChanged';
  leadId: string;
  from: string | null;
  to: string;
  via: 'rule' | 'claim' | 'supervisor' | 'reassign';
  at: number;
};

/**
 * Result of {@link validateFollowUp}.
 *
 * @example
 * ```ts
 * import type { FollowUpValidation } from 'leadflow';
 * const explain = (v: FollowUpValidation) => (v.ok ? 'ok' : v.message);
 * ```
 * @category State machines
 */
export type FollowUpValidation =
  | { ok: true; followUp: FollowUpInput }
  | { ok: false; missing: string[]; invalid: string[]; message: string };

/**
 * Check a follow-up before sending `FOLLOW_UP`: the three required fields must be present
 * (`status` and `nextAction` non-blank strings, `nextContactAt` a finite epoch-ms number);
 * `outcome`, `moveTo` and `nurtureUntil` are checked when given. On failure the result names
 * every missing or invalid field, so the engine can reject with a clear error. The machine runs
 * the same check as a guard, so an invalid `FOLLOW_UP` is simply not accepted.
 *
 * @example
 * ```ts
 * import { validateFollowUp } from 'leadflow';
 * const v = validateFollowUp({ status: 'quoted', nextAction: '' });
 * if (!v.ok) v.missing; // ['nextAction', 'nextContactAt']
 * ```
 * @category State machines
 */
export function validateFollowUp(input: unknown): FollowUpValidation {
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const missing: string[] = [];
  const invalid: string[] = [];
  if (checkFollowUp(record, missing, invalid)) {
    const followUp: FollowUpInput = {
      status: record.status as string,
      nextAction: record.nextAction as string,
      nextContactAt: record.nextContactAt as number,
    };
    if (record.outcome !== undefined) followUp.outcome = record.outcome as string;
    if (record.moveTo !== undefined) followUp.moveTo = record.moveTo as FollowUpMove;
    if (record.nurtureUntil !== undefined) followUp.nurtureUntil = record.nurtureUntil as number;
    return { ok: true, followUp };
  }
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
  if (invalid.length > 0) parts.push(`invalid ${invalid.join(', ')}`);
  return { ok: false, missing, invalid, message: `follow-up rejected: ${parts.join('; ')}` };
}

/** Whether a follow-up is complete; given lists, fills them with the missing and invalid fields. */
function checkFollowUp(record: Record<string, unknown>, missing?: string[], invalid?: string[]): boolean {
  let faults = 0;
  for (let i = 0; i < FOLLOW_UP_TEXT_FIELDS.length; i++) {
    const field = FOLLOW_UP_TEXT_FIELDS[i]!;
    const value = record[field];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      faults++;
      missing?.push(field);
    } else if (typeof value !== 'string') {
      faults++;
      invalid?.push(field);
    }
  }
  const next = record.nextContactAt;
  if (next === undefined || next === null || next === '') {
    faults++;
    missing?.push('nextContactAt');
  } else if (typeof next !== 'number' || !Number.isFinite(next)) {
    faults++;
    invalid?.push('nextContactAt');
  }
  if (record.outcome !== undefined && typeof record.outcome !== 'string') {
    faults++;
    invalid?.push('outcome');
  }
  if (record.moveTo !== undefined && !(FOLLOW_UP_MOVES as readonly unknown[]).includes(record.moveTo)) {
    faults++;
    invalid?.push('moveTo');
  }
  const until = record.nurtureUntil;
  if (until !== undefined && (typeof until !== 'number' || !Number.isFinite(until))) {
    faults++;
    invalid?.push('nurtureUntil');
  }
  return faults === 0;
}

const FOLLOW_UP_TEXT_FIELDS = ['status', 'nextAction'] as const;

/** {@link validateFollowUp}'s verdict alone, without allocating its report: for guards. */
const isValidFollowUp = (event: object): boolean => checkFollowUp(event as Record<string, unknown>);

/**
 * A copy of a lead context, written as one object literal with every key: V8 then keeps all
 * its properties inside the object (a spread copy's layout depends on how warm V8's copy cache
 * was), so every later copy is several times cheaper and each snapshot smaller. The engine
 * passes it to {@link createStepper} as `cloneContext`; TypeScript fails this function when a
 * key is added to {@link LeadContext} and not here.
 *
 * @example
 * ```ts
 * import { cloneLeadContext, createStepper, initialLeadContext, leadMachine } from 'leadflow/core';
 * const stepper = createStepper(leadMachine, { cloneContext: cloneLeadContext });
 * cloneLeadContext(initialLeadContext({ leadId: 'lead-1' })).leadId; // 'lead-1'
 * ```
 * @category State machines
 */
export function cloneLeadContext(context: LeadContext): LeadContext {
  return {
    leadId: context.leadId,
    ownerId: context.ownerId,
    assignedBy: context.assignedBy,
    offeredTo: context.offeredTo,
    offerRuleId: context.offerRuleId,
    offerExpiresAt: context.offerExpiresAt,
    supervisorId: context.supervisorId,
    priority: context.priority,
    escalated: context.escalated,
    escalations: context.escalations,
    followUps: context.followUps,
    receivedAt: context.receivedAt,
    assignedAt: context.assignedAt,
    openedAt: context.openedAt,
    firstFollowUpAt: context.firstFollowUpAt,
    nextContactAt: context.nextContactAt,
    contactOverdue: context.contactOverdue,
    nurturingUntil: context.nurturingUntil,
    qualified: context.qualified,
    qualifiedAt: context.qualifiedAt,
    skipRules: context.skipRules,
    mergedInto: context.mergedInto,
    opportunityId: context.opportunityId,
    reason: context.reason,
    pooledFrom: context.pooledFrom,
    pooledAt: context.pooledAt,
    closedAt: context.closedAt,
    counters: context.counters,
  };
}

/**
 * The initial context for an input; tolerant of a missing or partial input.
 *
 * @example
 * ```ts
 * import { initialLeadContext } from 'leadflow/core';
 * initialLeadContext({ leadId: 'lead-1' }).ownerId; // null
 * ```
 * @category State machines
 */
export function initialLeadContext(input?: LeadInput): LeadContext {
  return {
    leadId: input?.leadId ?? '',
    ownerId: null,
    assignedBy: null,
    offeredTo: [],
    offerRuleId: null,
    offerExpiresAt: null,
    supervisorId: null,
    priority: input?.priority ?? 'normal',
    escalated: false,
    escalations: [],
    followUps: [],
    receivedAt: input?.receivedAt ?? null,
    assignedAt: null,
    openedAt: null,
    firstFollowUpAt: null,
    nextContactAt: null,
    contactOverdue: false,
    nurturingUntil: null,
    qualified: false,
    qualifiedAt: null,
    skipRules: [],
    mergedInto: null,
    opportunityId: null,
    reason: null,
    pooledFrom: null,
    pooledAt: null,
    closedAt: null,
    counters: { reassignments: 0, offersExpired: 0, recycles: 0 },
  };
}

const priorityRank = (p: LeadPriority): number => LEAD_PRIORITIES.indexOf(p);

function raisedPriority(current: LeadPriority, to: LeadPriority | undefined): LeadPriority | undefined {
  const target = to ?? LEAD_PRIORITIES[priorityRank(current) + 1];
  return target !== undefined && priorityRank(target) > priorityRank(current) ? target : undefined;
}

/** The owner a transition is about to install, for the `lead.ownerChanged` domain event. */
function incomingOwner(event: LeadEvent): { to: string; via: LeadEmitted['via'] } {
  switch (event.type) {
    case 'DECIDED':
      return { to: event.decision.kind === 'assign' ? event.decision.repId : '', via: 'rule' };
    case 'CLAIM':
      return { to: event.repId, via: 'claim' };
    case 'ASSIGN':
      return { to: event.repId, via: 'supervisor' };
    case 'REASSIGN':
      return { to: event.repId, via: 'reassign' };
    default:
      return { to: '', via: 'rule' };
  }
}

// Partials below spell out every field instead of spreading a shared constant: in V8,
// `{ ...CONSTANT, extra }` rebuilds hidden classes on every call (~2 µs), which alone would
// blow the engine's 5 µs step budget.

/** Delay of a delayed raise: from the event's time to an absolute due time, never negative. */
const delayUntil = (due: number | null, at: number): number => Math.max(0, (due ?? at) - at);

const followUpTo = (to: FollowUpMove) => ({ type: 'followUpMovesTo' as const, params: { to } });

/**
 * Build the lead machine's `setup(...)` — implementations only, exported so tests and tools can
 * build variants. Use {@link leadMachine} in the engine.
 *
 * @example
 * ```ts
 * import { leadSetup } from 'leadflow';
 * import { initialLeadContext } from 'leadflow/core';
 * const tiny = leadSetup.createMachine({ id: 'tiny', context: ({ input }) => initialLeadContext(input) });
 * ```
 * @category State machines
 */
export const leadSetup = /* @__PURE__ */ (() =>
  setup({
    types: {} as {
      context: LeadContext;
      events: LeadEvent;
      input: LeadInput | undefined;
      emitted: LeadEmitted;
    },
    guards: {
      decidedAssign: ({ event }) => event.type === 'DECIDED' && event.decision.kind === 'assign',
      decidedOffer: ({ event }) =>
        event.type === 'DECIDED' && event.decision.kind === 'offer' && event.decision.repIds.length > 0,
      decidedQueue: ({ event }) => event.type === 'DECIDED' && event.decision.kind === 'queue',
      decidedNurture: ({ event }) => event.type === 'DECIDED' && event.decision.kind === 'nurture',
      hasRepId: ({ event }) => 'repId' in event && typeof event.repId === 'string' && event.repId !== '',
      // The claim window is [offer, offerExpiresAt): at the deadline the expiry is due (offerDue),
      // so a claim then is late even before the timer fires — who wins never depends on polling.
      isOfferedRep: ({ context, event }) =>
        event.type === 'CLAIM' &&
        context.offeredTo.includes(event.repId) &&
        (context.offerExpiresAt === null || event.at < context.offerExpiresAt),
      isOwner: ({ context, event }) =>
        'repId' in event && context.ownerId !== null && event.repId === context.ownerId,
      unowned: ({ context, event }) =>
        context.ownerId === null && 'repId' in event && typeof event.repId === 'string' && event.repId !== '',
      isNewOwner: ({ context, event }) =>
        event.type === 'REASSIGN' &&
        context.ownerId !== null &&
        event.repId !== '' &&
        event.repId !== context.ownerId,
      hasOwner: ({ context }) => context.ownerId !== null,
      validFollowUp: ({ event }) => isValidFollowUp(event),
      followUpMovesTo: ({ event }, params: { to: FollowUpMove }) =>
        event.type === 'FOLLOW_UP' && isValidFollowUp(event) && (event.moveTo ?? 'contacted') === params.to,
      notQualified: ({ context }) => !context.qualified,
      // Timer events are accepted only once their due time is reached: a stale timer from an
      // earlier period (e.g. incubation before a new follow-up extended it) is refused even if
      // the engine's generation check missed it.
      offerDue: ({ context, event }) => context.offerExpiresAt !== null && event.at >= context.offerExpiresAt,
      nextContactDue: ({ context, event }) =>
        context.nextContactAt !== null && event.at >= context.nextContactAt,
      incubationDue: ({ context, event }) =>
        context.nurturingUntil !== null && event.at >= context.nurturingUntil,
      canRaisePriority: ({ context, event }) =>
        event.type === 'RAISE_PRIORITY' && raisedPriority(context.priority, event.to) !== undefined,
      validMerge: ({ context, event }) =>
        event.type === 'MERGE' && event.intoLeadId !== '' && event.intoLeadId !== context.leadId,
    },
    actions: {
      emitOwnerChanged: emit(({ context, event }) => {
        const incoming = incomingOwner(event);
        return {
          type: 'lead.ownerChanged' as const,
          leadId: context.leadId,
          from: context.ownerId,
          to: incoming.to,
          via: incoming.via,
          at: event.at,
        };
      }),
      applyAssign: assign(({ event }) => {
        assertEvent(event, 'DECIDED');
        const d = event.decision;
        if (d.kind !== 'assign') return {};
        return {
          offeredTo: [],
          offerRuleId: null,
          offerExpiresAt: null,
          ownerId: d.repId,
          assignedBy: d.ruleId,
          assignedAt: event.at,
          openedAt: null,
        };
      }),
      applyOffer: assign(({ event }) => {
        assertEvent(event, 'DECIDED');
        const d = event.decision;
        if (d.kind !== 'offer') return {};
        return {
          offeredTo: [...d.repIds],
          offerRuleId: d.ruleId,
          offerExpiresAt: event.at + Math.max(0, d.claimTimeoutMs),
        };
      }),
      applyQueue: assign(({ context, event }) => {
        assertEvent(event, 'DECIDED');
        const d = event.decision;
        if (d.kind !== 'queue') return {};
        return {
          offeredTo: [],
          offerRuleId: null,
          offerExpiresAt: null,
          supervisorId: d.supervisorId ?? context.supervisorId,
          reason: d.reason,
        };
      }),
      applyNurture: assign(({ event }) => {
        assertEvent(event, 'DECIDED');
        const d = event.decision;
        if (d.kind !== 'nurture') return {};
        return {
          offeredTo: [],
          offerRuleId: null,
          offerExpiresAt: null,
          nurturingUntil: d.untilMs,
          reason: d.reason,
        };
      }),
      applyClaim: assign(({ event }) => {
        assertEvent(event, 'CLAIM');
        return {
          offeredTo: [],
          offerRuleId: null,
          offerExpiresAt: null,
          ownerId: event.repId,
          assignedBy: 'claim',
          assignedAt: event.at,
          openedAt: null,
        };
      }),
      /** A rep takes a lead from the pool (公海); the holding cap is the engine's to check. */
      applyPoolClaim: assign(({ event }) => {
        assertEvent(event, 'CLAIM');
        return {
          ownerId: event.repId,
          assignedBy: 'pool',
          assignedAt: event.at,
          openedAt: null,
          pooledFrom: null,
          pooledAt: null,
        };
      }),
      applyManualAssign: assign(({ event }) => {
        assertEvent(event, 'ASSIGN');
        return {
          offeredTo: [],
          offerRuleId: null,
          offerExpiresAt: null,
          ownerId: event.repId,
          assignedBy: event.by,
          assignedAt: event.at,
          openedAt: null,
        };
      }),
      /** Reassign an unopened / opened lead: the new owner has to open it again. */
      applyReassign: assign(({ context, event }) => {
        assertEvent(event, 'REASSIGN');
        return {
          ownerId: event.repId,
          assignedBy: 'reassign',
          assignedAt: event.at,
          openedAt: null,
          reason: event.reason,
          counters: { ...context.counters, reassignments: context.counters.reassignments + 1 },
        };
      }),
      /** Hand over a lead already in follow-up: the history and its timers stay. */
      applyHandover: assign(({ context, event }) => {
        assertEvent(event, 'REASSIGN');
        return {
          ownerId: event.repId,
          assignedBy: 'reassign',
          reason: event.reason,
          counters: { ...context.counters, reassignments: context.counters.reassignments + 1 },
        };
      }),
      expireOffer: assign(({ context }) => ({
        offeredTo: [],
        offerRuleId: null,
        offerExpiresAt: null,
        skipRules:
          context.offerRuleId === null || context.skipRules.includes(context.offerRuleId)
            ? context.skipRules
            : [...context.skipRules, context.offerRuleId],
        counters: { ...context.counters, offersExpired: context.counters.offersExpired + 1 },
      })),
      markOpened: assign(({ event }) => ({ openedAt: event.at })),
      recordFollowUp: assign(({ context, event }) => {
        assertEvent(event, 'FOLLOW_UP');
        const record: LeadFollowUpRecord = {
          at: event.at,
          status: event.status,
          nextAction: event.nextAction,
          nextContactAt: event.nextContactAt,
          outcome: event.outcome ?? null,
          moveTo: event.moveTo ?? 'contacted',
        };
        return {
          followUps: [...context.followUps, record],
          firstFollowUpAt: context.firstFollowUpAt ?? event.at,
          // Following up without an explicit OPEN still means the owner opened the lead.
          openedAt: context.openedAt ?? event.at,
          nextContactAt: event.nextContactAt,
          contactOverdue: false,
        };
      }),
      nurtureFromFollowUp: assign(({ event }) => {
        assertEvent(event, 'FOLLOW_UP');
        return { nurturingUntil: event.nurtureUntil ?? event.nextContactAt };
      }),
      markContactOverdue: assign({ contactOverdue: true }),
      qualify: assign(({ event }) => ({ qualified: true, qualifiedAt: event.at })),
      recordEscalation: assign(({ context, event }) => {
        assertEvent(event, 'ESCALATE');
        return {
          escalations: [...context.escalations, { policyId: event.policyId, to: event.to, at: event.at }],
        };
      }),
      markEscalated: assign({ escalated: true }),
      raisePriority: assign(({ context, event }) => {
        assertEvent(event, 'RAISE_PRIORITY');
        return { priority: raisedPriority(context.priority, event.to) ?? context.priority };
      }),
      convert: assign(({ event }) => ({
        opportunityId: event.type === 'CONVERT' ? (event.opportunityId ?? null) : null,
        closedAt: event.at,
      })),
      disqualify: assign(({ event }) => ({
        reason:
          event.type === 'DISQUALIFY'
            ? event.reason
            : event.type === 'FOLLOW_UP'
              ? (event.outcome ?? event.status)
              : null,
        closedAt: event.at,
      })),
      merge: assign(({ event }) => {
        assertEvent(event, 'MERGE');
        return { mergedInto: event.intoLeadId, closedAt: event.at };
      }),
      recycle: assign(({ context, event }) => ({
        pooledFrom: context.ownerId,
        pooledAt: event.at,
        offeredTo: [],
        offerRuleId: null,
        offerExpiresAt: null,
        ownerId: null,
        assignedBy: null,
        openedAt: null,
        nurturingUntil: null,
        contactOverdue: false,
        skipRules: [],
        escalated: false,
        reason: event.type === 'RECYCLE' ? event.reason : 'incubation expired',
        counters: { ...context.counters, recycles: context.counters.recycles + 1 },
      })),
      scheduleOfferExpiry: raise(
        ({ context }) => ({ type: 'OFFER_EXPIRED' as const, at: context.offerExpiresAt ?? 0 }),
        {
          id: LEAD_TIMER_KEYS.offerExpiry,
          delay: ({ context, event }) => delayUntil(context.offerExpiresAt, event.at),
        },
      ),
      cancelOfferExpiry: cancel(LEAD_TIMER_KEYS.offerExpiry),
      scheduleNextContact: raise(
        ({ context }) => ({ type: 'NEXT_CONTACT_DUE' as const, at: context.nextContactAt ?? 0 }),
        {
          id: LEAD_TIMER_KEYS.nextContact,
          delay: ({ context, event }) => delayUntil(context.nextContactAt, event.at),
        },
      ),
      cancelNextContact: cancel(LEAD_TIMER_KEYS.nextContact),
      scheduleIncubation: raise(
        ({ context }) => ({ type: 'INCUBATION_EXPIRED' as const, at: context.nurturingUntil ?? 0 }),
        {
          id: LEAD_TIMER_KEYS.incubation,
          delay: ({ context, event }) => delayUntil(context.nurturingUntil, event.at),
        },
      ),
      cancelIncubation: cancel(LEAD_TIMER_KEYS.incubation),
    },
  }))();

// Transition groups shared by several states (no root-level `on`: a root handler would also
// match in final states, and a closed lead must not accept anything).
const DECIDED = [
  { guard: 'decidedAssign', target: '#lead.assigned', actions: ['emitOwnerChanged', 'applyAssign'] },
  { guard: 'decidedOffer', target: '#lead.awaitingAssignment.offered', actions: 'applyOffer' },
  { guard: 'decidedQueue', target: '#lead.awaitingAssignment.queued', actions: 'applyQueue' },
  { guard: 'decidedNurture', target: '#lead.nurturing', actions: 'applyNurture' },
] as const;
const ASSIGN_UNOWNED = {
  guard: 'hasRepId',
  target: '#lead.assigned',
  actions: ['emitOwnerChanged', 'applyManualAssign'],
} as const;
const ESCALATE_UNASSIGNED = { actions: ['recordEscalation', 'markEscalated'] } as const;
const ESCALATE_OWNED = { actions: 'recordEscalation' } as const;
const RAISE_PRIORITY = { guard: 'canRaisePriority', actions: 'raisePriority' } as const;
const QUALIFY = { guard: 'notQualified', actions: 'qualify' } as const;
const DISQUALIFY = { target: '#lead.disqualified', actions: 'disqualify' } as const;
const MERGE = { guard: 'validMerge', target: '#lead.merged', actions: 'merge' } as const;
const CONVERT = { guard: 'hasOwner', target: '#lead.converted', actions: 'convert' } as const;
const RECYCLE = { target: '#lead.recycled', actions: 'recycle' } as const;
const FOLLOW_UP = /* @__PURE__ */ (() =>
  [
    { guard: followUpTo('converted'), target: '#lead.converted', actions: ['recordFollowUp', 'convert'] },
    {
      guard: followUpTo('disqualified'),
      target: '#lead.disqualified',
      actions: ['recordFollowUp', 'disqualify'],
    },
    // reenter: a new follow-up restarts the incubation / next-contact timers.
    {
      guard: followUpTo('nurturing'),
      target: '#lead.nurturing',
      reenter: true,
      actions: ['recordFollowUp', 'nurtureFromFollowUp'],
    },
    { guard: followUpTo('contacted'), target: '#lead.contacted', reenter: true, actions: 'recordFollowUp' },
  ] as const)();
const UNASSIGNED_COMMON = {
  ESCALATE: ESCALATE_UNASSIGNED,
  RAISE_PRIORITY,
  QUALIFY,
  DISQUALIFY,
  MERGE,
} as const;
const OWNED_COMMON = {
  FOLLOW_UP,
  CONVERT,
  RECYCLE,
  ESCALATE: ESCALATE_OWNED,
  RAISE_PRIORITY,
  QUALIFY,
  DISQUALIFY,
  MERGE,
} as const;

/**
 * The lead lifecycle machine.
 *
 * | state | accepts |
 * |---|---|
 * | `received` | DECIDED, ASSIGN, ESCALATE (marks `escalated`), RAISE_PRIORITY, QUALIFY, DISQUALIFY, MERGE |
 * | `awaitingAssignment.offered` | CLAIM (offered reps, before `offerExpiresAt`), OFFER_EXPIRED (once due) → `received` (+ `skipRules`), and the `awaitingAssignment` set |
 * | `awaitingAssignment.queued` | DECIDED, and the `awaitingAssignment` set: ASSIGN, RECYCLE, ESCALATE, RAISE_PRIORITY, QUALIFY, DISQUALIFY, MERGE |
 * | `assigned` | OPEN (owner), REASSIGN (→ `assigned`), FOLLOW_UP, CONVERT, RECYCLE, ESCALATE, RAISE_PRIORITY, QUALIFY, DISQUALIFY, MERGE |
 * | `opened` | REASSIGN (→ `assigned`), FOLLOW_UP, CONVERT, RECYCLE, … |
 * | `contacted` | NEXT_CONTACT_DUE (once due; marks `contactOverdue`), REASSIGN (owner only changes), FOLLOW_UP, CONVERT, RECYCLE, … |
 * | `nurturing` | INCUBATION_EXPIRED (once due) → `recycled`, ASSIGN (if unowned), REASSIGN (if owned), FOLLOW_UP, CONVERT (if owned), RECYCLE, … |
 * | `recycled` (the pool, 公海; not final) | CLAIM (any rep: assigned by `pool`), DECIDED, ASSIGN, ESCALATE, RAISE_PRIORITY, QUALIFY, DISQUALIFY, MERGE |
 * | `converted`, `disqualified`, `merged` | nothing (final) |
 *
 * `FOLLOW_UP` goes to its `moveTo` (default `contacted`) and is accepted only when
 * {@link validateFollowUp} passes. Timer events are accepted only when their `at` has reached
 * the due time kept in context (a stale timer is "not accepted").
 *
 * @example
 * ```ts
 * import { createStepper, leadMachine } from 'leadflow/core';
 * const stepper = createStepper(leadMachine);
 * const first = stepper.initial({ leadId: 'lead-1', receivedAt: now }, now);
 * const next = stepper.step(first.snapshot, { type: 'ASSIGN', repId: 'rep-a', by: 'sup-1', at: now }, now);
 * next.snapshot.value; // 'assigned'
 * ```
 * @category State machines
 */
export const leadMachine = /* @__PURE__ */ (() =>
  leadSetup.createMachine({
    id: 'lead',
    initial: 'received',
    context: ({ input }) => initialLeadContext(input),
    states: {
      received: {
        on: { DECIDED, ASSIGN: ASSIGN_UNOWNED, ...UNASSIGNED_COMMON },
      },
      awaitingAssignment: {
        initial: 'queued',
        on: { ASSIGN: ASSIGN_UNOWNED, ...UNASSIGNED_COMMON },
        states: {
          offered: {
            entry: 'scheduleOfferExpiry',
            exit: 'cancelOfferExpiry',
            on: {
              CLAIM: {
                guard: 'isOfferedRep',
                target: '#lead.assigned',
                actions: ['emitOwnerChanged', 'applyClaim'],
              },
              OFFER_EXPIRED: { guard: 'offerDue', target: '#lead.received', actions: 'expireOffer' },
            },
          },
          queued: {
            on: { DECIDED, RECYCLE },
          },
        },
      },
      assigned: {
        on: {
          OPEN: { guard: 'isOwner', target: 'opened', actions: 'markOpened' },
          REASSIGN: {
            guard: 'isNewOwner',
            target: 'assigned',
            reenter: true,
            actions: ['emitOwnerChanged', 'applyReassign'],
          },
          ...OWNED_COMMON,
        },
      },
      opened: {
        on: {
          REASSIGN: {
            guard: 'isNewOwner',
            target: 'assigned',
            actions: ['emitOwnerChanged', 'applyReassign'],
          },
          ...OWNED_COMMON,
        },
      },
      contacted: {
        entry: 'scheduleNextContact',
        exit: 'cancelNextContact',
        on: {
          NEXT_CONTACT_DUE: { guard: 'nextContactDue', actions: 'markContactOverdue' },
          REASSIGN: { guard: 'isNewOwner', actions: ['emitOwnerChanged', 'applyHandover'] },
          ...OWNED_COMMON,
        },
      },
      nurturing: {
        entry: 'scheduleIncubation',
        exit: 'cancelIncubation',
        on: {
          INCUBATION_EXPIRED: { guard: 'incubationDue', target: 'recycled', actions: 'recycle' },
          ASSIGN: {
            guard: 'unowned',
            target: 'assigned',
            actions: ['emitOwnerChanged', 'applyManualAssign'],
          },
          REASSIGN: { guard: 'isNewOwner', actions: ['emitOwnerChanged', 'applyHandover'] },
          ...OWNED_COMMON,
        },
      },
      recycled: {
        on: {
          DECIDED,
          ASSIGN: ASSIGN_UNOWNED,
          CLAIM: {
            guard: 'hasRepId',
            target: '#lead.assigned',
            actions: ['emitOwnerChanged', 'applyPoolClaim'],
          },
          ...UNASSIGNED_COMMON,
        },
      },
      converted: { type: 'final' },
      disqualified: { type: 'final' },
      merged: { type: 'final' },
    },
  }))();

/**
 * The lead machine's type.
 *
 * @example
 * ```ts
 * import type { LeadMachine } from 'leadflow';
 * function describe(m: LeadMachine) { return m.id; }
 * ```
 * @category State machines
 */
export type LeadMachine = typeof leadMachine;

/**
 * Every state value the lead machine can rest in, as dot paths.
 *
 * @example
 * ```ts
 * import { LEAD_STATES } from 'leadflow';
 * LEAD_STATES.includes('awaitingAssignment.offered'); // true
 * ```
 * @category State machines
 */
export const LEAD_STATES = [
  'received',
  'awaitingAssignment.offered',
  'awaitingAssignment.queued',
  'assigned',
  'opened',
  'contacted',
  'nurturing',
  'recycled',
  'converted',
  'disqualified',
  'merged',
] as const;
