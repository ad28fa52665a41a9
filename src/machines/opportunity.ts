/**
 * The opportunity as an XState v5 machine — six gated stages, then won or lost — driven by the
 * engine through the pure step adapter (`createStepper` in `./xstate-step.ts`).
 *
 * Same rules as the lead machine:
 * - **The host owns time.** Every event carries `at`; the machine never reads a clock. Its one
 *   timer (the planned next contact) is a delayed `raise` with a stable id, cancelled on exit.
 * - **Plain JSON context**, `null` for absent values.
 * - **Pure guards and actions** (`assign`, `raise`, `cancel`, `emit` only), so the compiled
 *   stepper handles it.
 *
 * Gates: leaving a stage forward (`ADVANCE`, or `WIN` from `deliveryKickoff`) requires that
 * stage's required fields ({@link checkGate}); the table is pinned in the context at creation
 * (input `gates`, defaults {@link DEFAULT_STAGE_GATES}), so a rule-set change never re-gates a
 * live opportunity mid-stage. A rejected event leaves the snapshot unchanged; the engine asks
 * {@link checkAdvance} for the list of what is missing.
 *
 * @module
 */
import { assertEvent, assign, cancel, emit, raise, setup } from 'xstate';
import {
  checkRequiredFields,
  DEFAULT_STAGE_GATES,
  type FieldProblem,
  type FieldValues,
  type GateField,
  isOpportunityStageId,
  OPPORTUNITY_STAGE_IDS,
  type OpportunityStageId,
  resolveStageGates,
  type StageGates,
} from '../rules/stages.js';

// The stage list lives with the gate defaults (rules/stages.ts, no XState import); re-exported
// here because it is the machine's vocabulary. Export it from the package root once.
export { OPPORTUNITY_STAGES, type OpportunityStageId } from '../rules/stages.js';

/**
 * Stable ids of the machine's delayed raises (timer keys; the engine prefixes the opportunity id).
 * - `nextContact`: the planned next contact of the current stage is reached → `NEXT_CONTACT_DUE`.
 *
 * @example
 * ```ts
 * import { OPPORTUNITY_TIMER_KEYS } from 'leadflow';
 * OPPORTUNITY_TIMER_KEYS.nextContact; // 'nextContact'
 * ```
 * @category State machines
 */
export const OPPORTUNITY_TIMER_KEYS = { nextContact: 'nextContact' } as const;

/**
 * Every state value the opportunity machine can rest in: the six stages, `won`, `lost`.
 *
 * @example
 * ```ts
 * import { OPPORTUNITY_STATES } from 'leadflow';
 * OPPORTUNITY_STATES.at(-1); // 'lost'
 * ```
 * @category State machines
 */
export const OPPORTUNITY_STATES = /* @__PURE__ */ (() =>
  [...OPPORTUNITY_STAGE_IDS, 'won', 'lost'] as const)();

/**
 * How a stage was entered.
 *
 * @example
 * ```ts
 * import type { StageEntryVia } from 'leadflow/core';
 * const via: StageEntryVia = 'rollback';
 * ```
 * @category State machines
 */
export type StageEntryVia = 'create' | 'advance' | 'rollback';

/**
 * How a stage was left.
 *
 * @example
 * ```ts
 * import type { StageExitVia } from 'leadflow/core';
 * const via: StageExitVia = 'won';
 * ```
 * @category State machines
 */
export type StageExitVia = 'advance' | 'rollback' | 'won' | 'lost';

/**
 * One visit of a stage. Dwell time is `leftAt − enteredAt` (open visit: `leftAt` is `null`).
 * "Advanced on time" (the ≥ 85% KPI) is `leftVia` ∈ {`advance`, `won`} and
 * `leftAt ≤ firstPlannedNextContactAt` (or `plannedNextContactAt` for the lenient reading).
 *
 * @example
 * ```ts
 * import type { StageHistoryEntry } from 'leadflow/core';
 * const dwell = (e: StageHistoryEntry, now: number) => (e.leftAt ?? now) - (e.enteredAt ?? now);
 * ```
 * @category State machines
 */
export interface StageHistoryEntry {
  stage: OpportunityStageId;
  /** From the entering event's `at` (`createdAt` for the first visit; `null` if none was given). */
  enteredAt: number | null;
  leftAt: number | null;
  via: StageEntryVia;
  leftVia: StageExitVia | null;
  /** The latest planned next contact during this visit. */
  plannedNextContactAt: number | null;
  /** The first planned next contact during this visit (re-planning does not move it). */
  firstPlannedNextContactAt: number | null;
}

/**
 * One rollback, as logged in the context.
 *
 * @example
 * ```ts
 * import type { OpportunityRollback } from 'leadflow/core';
 * const r: OpportunityRollback = { from: 'contractReview', to: 'sampleQuotation', reason: '价格重谈', at: 0 };
 * ```
 * @category State machines
 */
export interface OpportunityRollback {
  from: OpportunityStageId;
  to: OpportunityStageId;
  reason: string;
  at: number;
}

/**
 * A delivery-delay flag (feeds the risk rule "delivery delay flagged → notify sales").
 *
 * @example
 * ```ts
 * import type { DeliveryDelayFlag } from 'leadflow/core';
 * const f: DeliveryDelayFlag = { reason: '模具返修', stage: 'won', at: 0 };
 * ```
 * @category State machines
 */
export interface DeliveryDelayFlag {
  reason: string;
  /** Where the opportunity was when flagged: a stage, or `won` (delivery runs after the win). */
  stage: OpportunityStageId | 'won';
  at: number;
}

/**
 * The opportunity machine's context: plain JSON, `null` for absent values, timestamps (epoch ms)
 * taken from events only.
 *
 * @example
 * ```ts
 * import type { OpportunityContext } from 'leadflow/core';
 * const open = (c: OpportunityContext) => c.outcome === null;
 * ```
 * @category State machines
 */
export interface OpportunityContext {
  opportunityId: string;
  leadId: string | null;
  customerId: string;
  ownerId: string | null;
  name: string;
  createdAt: number | null;
  /** The current stage; once closed, the stage it was closed from. */
  stage: OpportunityStageId;
  /** The gate table pinned at creation. */
  gates: StageGates;
  /** Field values entered so far (gate fields and any others). */
  fields: FieldValues;
  stageHistory: StageHistoryEntry[];
  /** Planned next contact for the current stage (reset when the stage changes). */
  plannedNextContactAt: number | null;
  /** The planned next contact passed while still in the same stage. */
  contactOverdue: boolean;
  /** Rollbacks counted per stage rolled back *from*, and in total. */
  rollbacks: { total: number; byStage: Record<OpportunityStageId, number> };
  rollbackLog: OpportunityRollback[];
  deliveryDelays: DeliveryDelayFlag[];
  deliveryDelayFlagged: boolean;
  reassignments: number;
  outcome: 'won' | 'lost' | null;
  contractValue: number | null;
  lossReason: string | null;
  closedAt: number | null;
}

/**
 * Input of the opportunity machine; every field optional (the context factory tolerates a
 * missing input).
 *
 * @example
 * ```ts
 * import type { OpportunityInput } from 'leadflow/core';
 * const input: OpportunityInput = {
 *   opportunityId: 'opp-1', leadId: 'lead-1', customerId: 'cust-1', ownerId: 'rep-a',
 *   name: '电池壳体样件', createdAt: Date.parse('2026-03-02T02:00:00Z'),
 * };
 * ```
 * @category State machines
 */
export interface OpportunityInput {
  opportunityId?: string;
  leadId?: string | null;
  customerId?: string;
  ownerId?: string | null;
  name?: string;
  createdAt?: number | null;
  /** Per-stage overrides of {@link DEFAULT_STAGE_GATES} (whole lists; see `resolveStageGates`). */
  gates?: Partial<Record<OpportunityStageId, readonly GateField[]>>;
  /** Field values known at creation (e.g. carried over from the lead). */
  fields?: FieldValues;
}

/**
 * Every event the opportunity machine understands; `at` is the event time in epoch ms (the step
 * adapter stamps `now` when missing).
 *
 * @example
 * ```ts
 * import type { OpportunityEvent } from 'leadflow/core';
 * const e: OpportunityEvent = { type: 'ADVANCE', fields: { budgetRange: '50-100万' }, at: 1_700_000_000_000 };
 * ```
 * @category State machines
 */
export type OpportunityEvent =
  | { type: 'ADVANCE'; fields?: FieldValues; at: number }
  | { type: 'UPDATE_FIELDS'; fields: FieldValues; at: number }
  | { type: 'ROLLBACK'; toStage: OpportunityStageId; reason: string; at: number }
  | { type: 'PLAN_NEXT_CONTACT'; plannedAt: number; at: number }
  | { type: 'NEXT_CONTACT_DUE'; at: number }
  | { type: 'WIN'; contractValue?: number; fields?: FieldValues; at: number }
  | { type: 'LOSE'; reason: string; at: number }
  | { type: 'REASSIGN'; repId: string; at: number }
  | { type: 'FLAG_DELIVERY_DELAY'; reason: string; at: number };

interface EmittedBase {
  opportunityId: string;
  customerId: string;
  ownerId: string | null;
}

/**
 * Domain events the machine emits (the step adapter collects them as `emitted`). Order within a
 * step: `stageLeft` → (`rolledBack` | `won` | `lost`) → `stageEntered`.
 *
 * @example
 * ```ts
 * import type { OpportunityEmitted } from 'leadflow';
 * const onEmit = (e: OpportunityEmitted) => {
 *   if (e.type === 'opportunity.deliveryDelayFlagged') console.log('notify', e.ownerId, e.reason);
 * };
 * ```
 * @category State machines
 */
export type OpportunityEmitted =
  | (EmittedBase & {
      type: 'opportunity.stageEntered';
      stage: OpportunityStageId;
      from: OpportunityStageId | null;
      via: StageEntryVia;
      /** `null` only for an opportunity created without `createdAt`. */
      at: number | null;
    })
  | (EmittedBase & {
      type: 'opportunity.stageLeft';
      stage: OpportunityStageId;
      to: OpportunityStageId | 'won' | 'lost';
      via: StageExitVia;
      enteredAt: number | null;
      dwellMs: number | null;
      at: number;
    })
  | (EmittedBase & {
      type: 'opportunity.rolledBack';
      from: OpportunityStageId;
      to: OpportunityStageId;
      reason: string;
      /** Rollbacks from `from` so far, this one included. */
      count: number;
      total: number;
      at: number;
    })
  | (EmittedBase & {
      type: 'opportunity.won';
      leadId: string | null;
      stage: OpportunityStageId;
      contractValue: number | null;
      at: number;
    })
  | (EmittedBase & {
      type: 'opportunity.lost';
      leadId: string | null;
      stage: OpportunityStageId;
      reason: string;
      at: number;
    })
  | (EmittedBase & {
      type: 'opportunity.deliveryDelayFlagged';
      stage: OpportunityStageId | 'won';
      reason: string;
      at: number;
    })
  | (EmittedBase & { type: 'opportunity.ownerChanged'; from: string | null; to: string; at: number });

/**
 * Result of {@link checkGate}: `ok`, or every required field not filled in (in gate order).
 *
 * @example
 * ```ts
 * import type { GateCheck } from 'leadflow/core';
 * const explain = (g: GateCheck) => (g.ok ? 'gate passed' : g.missing.map((m) => m.message).join('; '));
 * ```
 * @category State machines
 */
export type GateCheck = { ok: true } | { ok: false; missing: FieldProblem[] };

const OK: GateCheck = /* @__PURE__ */ (() => Object.freeze({ ok: true }))();

/**
 * Check one stage's gate: are all its required fields filled in `fieldValues`? The machine's
 * `ADVANCE`/`WIN` guards call this with the fields merged; the engine calls it (or
 * {@link checkAdvance}) to say what is missing. Throws a `TypeError` for an unknown stage id.
 *
 * @example
 * ```ts
 * import { checkGate } from 'leadflow/core';
 * const g = checkGate('needsDiagnosis', { painPointsTop3: ['交期', '良率'], competitorAlternatives: ['A厂'] });
 * if (!g.ok) g.missing.map((m) => `${m.field}:${m.reason}`);
 * // ['painPointsTop3:tooFewItems', 'decisionChainRoles:missing']
 * ```
 * @category State machines
 */
export function checkGate(
  stageId: OpportunityStageId,
  fieldValues: unknown,
  gates: StageGates = DEFAULT_STAGE_GATES,
): GateCheck {
  if (!isOpportunityStageId(stageId)) {
    throw new TypeError(`checkGate: unknown stage ${JSON.stringify(stageId)}`);
  }
  const specs = gates[stageId];
  if (!Array.isArray(specs) || specs.length === 0) return OK;
  const missing = checkRequiredFields(specs, fieldValues);
  return missing.length === 0 ? OK : { ok: false, missing };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `fields` of an event: absent, or a plain object. */
const fieldsAcceptable = (fields: unknown): boolean => fields === undefined || isRecord(fields);

/**
 * Merge incoming values over current ones; `undefined` values are skipped (not JSON). Built with
 * `fromEntries`, which defines own properties: a field named `__proto__` (gate field names allow
 * it) is kept as a field instead of replacing the record's prototype.
 */
function mergeFields(current: FieldValues, incoming: unknown): FieldValues {
  if (!isRecord(incoming)) return current;
  return Object.fromEntries([
    ...Object.entries(current),
    ...Object.entries(incoming).filter(([, value]) => value !== undefined),
  ]) as FieldValues;
}

/**
 * Would `ADVANCE { fields }` pass the current stage's gate? The same check the machine's guard
 * makes (fields merged over the opportunity's values), for the engine to name what is missing.
 *
 * @example
 * ```ts
 * import { checkAdvance } from 'leadflow/core';
 * const g = checkAdvance(snapshot.context, { budgetRange: '50-100万' });
 * if (!g.ok) throw new Error(`cannot advance: ${g.missing.map((m) => m.label).join(', ')}`);
 * ```
 * @category State machines
 */
export function checkAdvance(context: OpportunityContext, fields?: FieldValues): GateCheck {
  return checkGate(context.stage, mergeFields(context.fields, fields), context.gates);
}

const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function zeroByStage(): Record<OpportunityStageId, number> {
  return {
    leadConfirmation: 0,
    needsDiagnosis: 0,
    solutionMatching: 0,
    sampleQuotation: 0,
    contractReview: 0,
    deliveryKickoff: 0,
  };
}

/**
 * The initial context for an input; tolerant of a missing or partial input.
 *
 * @example
 * ```ts
 * import { initialOpportunityContext } from 'leadflow';
 * initialOpportunityContext({ opportunityId: 'opp-1' }).stage; // 'leadConfirmation'
 * ```
 * @category State machines
 */
export function initialOpportunityContext(input?: OpportunityInput): OpportunityContext {
  const createdAt = typeof input?.createdAt === 'number' ? input.createdAt : null;
  return {
    opportunityId: input?.opportunityId ?? '',
    leadId: input?.leadId ?? null,
    customerId: input?.customerId ?? '',
    ownerId: input?.ownerId ?? null,
    name: input?.name ?? '',
    createdAt,
    stage: 'leadConfirmation',
    gates: resolveStageGates(input?.gates),
    fields: mergeFields({}, input?.fields),
    stageHistory: [
      {
        stage: 'leadConfirmation',
        enteredAt: createdAt,
        leftAt: null,
        via: 'create',
        leftVia: null,
        plannedNextContactAt: null,
        firstPlannedNextContactAt: null,
      },
    ],
    plannedNextContactAt: null,
    contactOverdue: false,
    rollbacks: { total: 0, byStage: zeroByStage() },
    rollbackLog: [],
    deliveryDelays: [],
    deliveryDelayFlagged: false,
    reassignments: 0,
    outcome: null,
    contractValue: null,
    lossReason: null,
    closedAt: null,
  };
}

/**
 * Total dwell time per stage (ms) over all visits, from the stage history. An open visit counts
 * up to `now` when given, otherwise it is left out; visits without `enteredAt` are left out and
 * negative spans (out-of-order event times) count as 0.
 *
 * @example
 * ```ts
 * import { stageDwellTimes } from 'leadflow/core';
 * const dwell = stageDwellTimes(snapshot.context, Date.now());
 * dwell.needsDiagnosis > 5 * 86_400_000; // stalled > 5 days?
 * ```
 * @category State machines
 */
export function stageDwellTimes(
  context: OpportunityContext,
  now?: number,
): Record<OpportunityStageId, number> {
  const out = zeroByStage();
  for (const entry of context.stageHistory) {
    const end = entry.leftAt ?? now;
    if (entry.enteredAt === null || end === undefined) continue;
    out[entry.stage] += Math.max(0, end - entry.enteredAt);
  }
  return out;
}

/** The history with its last (open) visit closed at `at`. */
function closeLastVisit(history: StageHistoryEntry[], at: number, via: StageExitVia): StageHistoryEntry[] {
  const last = history[history.length - 1];
  if (last === undefined || last.leftAt !== null) return history;
  return [...history.slice(0, -1), { ...last, leftAt: at, leftVia: via }];
}

function visit(stage: OpportunityStageId, at: number, via: StageEntryVia): StageHistoryEntry {
  return {
    stage,
    enteredAt: at,
    leftAt: null,
    via,
    leftVia: null,
    plannedNextContactAt: null,
    firstPlannedNextContactAt: null,
  };
}

const currentEnteredAt = (context: OpportunityContext): number | null =>
  context.stageHistory[context.stageHistory.length - 1]?.enteredAt ?? null;

/** Delay of a delayed raise: from the event's time to an absolute due time, never negative. */
const delayUntil = (due: number | null, at: number): number => Math.max(0, (due ?? at) - at);

/**
 * The opportunity machine's `setup(...)` (implementations only), exported so tests and tools can
 * build variants. Use {@link opportunityMachine} in the engine.
 *
 * @example
 * ```ts
 * import { initialOpportunityContext, opportunitySetup } from 'leadflow';
 * const tiny = opportunitySetup.createMachine({ id: 'tiny', context: ({ input }) => initialOpportunityContext(input) });
 * ```
 * @category State machines
 */
export const opportunitySetup = /* @__PURE__ */ (() =>
  setup({
    types: {} as {
      context: OpportunityContext;
      events: OpportunityEvent;
      input: OpportunityInput | undefined;
      emitted: OpportunityEmitted;
    },
    guards: {
      gatePasses: ({ context, event }, params: { stage: OpportunityStageId }) =>
        event.type === 'ADVANCE' &&
        fieldsAcceptable(event.fields) &&
        checkGate(params.stage, mergeFields(context.fields, event.fields), context.gates).ok,
      rollbackTo: ({ event }, params: { to: OpportunityStageId }) =>
        event.type === 'ROLLBACK' && event.toStage === params.to && nonBlank(event.reason),
      validFields: ({ event }) => event.type === 'UPDATE_FIELDS' && isRecord(event.fields),
      validPlan: ({ event }) =>
        event.type === 'PLAN_NEXT_CONTACT' &&
        typeof event.plannedAt === 'number' &&
        Number.isFinite(event.plannedAt),
      // Accepted only once due: a timer of an earlier plan (re-planned later) is stale.
      nextContactDue: ({ context, event }) =>
        context.plannedNextContactAt !== null && event.at >= context.plannedNextContactAt,
      canWin: ({ context, event }) =>
        event.type === 'WIN' &&
        fieldsAcceptable(event.fields) &&
        (event.contractValue === undefined ||
          (typeof event.contractValue === 'number' &&
            Number.isFinite(event.contractValue) &&
            event.contractValue >= 0)) &&
        checkGate('deliveryKickoff', mergeFields(context.fields, event.fields), context.gates).ok,
      validLoss: ({ event }) => event.type === 'LOSE' && nonBlank(event.reason),
      isNewOwner: ({ context, event }) =>
        event.type === 'REASSIGN' && nonBlank(event.repId) && event.repId !== context.ownerId,
      validDelay: ({ event }) => event.type === 'FLAG_DELIVERY_DELAY' && nonBlank(event.reason),
    },
    actions: {
      emitCreated: emit(({ context }) => ({
        type: 'opportunity.stageEntered' as const,
        opportunityId: context.opportunityId,
        customerId: context.customerId,
        ownerId: context.ownerId,
        stage: context.stage,
        from: null,
        via: 'create' as const,
        at: context.createdAt,
      })),
      emitStageLeft: emit(
        ({ context, event }, params: { to: OpportunityStageId | 'won' | 'lost'; via: StageExitVia }) => {
          const enteredAt = currentEnteredAt(context);
          return {
            type: 'opportunity.stageLeft' as const,
            opportunityId: context.opportunityId,
            customerId: context.customerId,
            ownerId: context.ownerId,
            stage: context.stage,
            to: params.to,
            via: params.via,
            enteredAt,
            dwellMs: enteredAt === null ? null : Math.max(0, event.at - enteredAt),
            at: event.at,
          };
        },
      ),
      emitStageEntered: emit(
        ({ context, event }, params: { from: OpportunityStageId; via: 'advance' | 'rollback' }) => ({
          type: 'opportunity.stageEntered' as const,
          opportunityId: context.opportunityId,
          customerId: context.customerId,
          ownerId: context.ownerId,
          stage: context.stage,
          from: params.from,
          via: params.via,
          at: event.at,
        }),
      ),
      advance: assign(({ context, event }, params: { to: OpportunityStageId }) => {
        assertEvent(event, 'ADVANCE');
        return {
          fields: mergeFields(context.fields, event.fields),
          stage: params.to,
          stageHistory: [
            ...closeLastVisit(context.stageHistory, event.at, 'advance'),
            visit(params.to, event.at, 'advance'),
          ],
          plannedNextContactAt: null,
          contactOverdue: false,
        };
      }),
      // Runs before `rollback`, so `context.stage` is still the stage being left.
      emitRolledBack: emit(({ context, event }, params: { to: OpportunityStageId }) => {
        assertEvent(event, 'ROLLBACK');
        return {
          type: 'opportunity.rolledBack' as const,
          opportunityId: context.opportunityId,
          customerId: context.customerId,
          ownerId: context.ownerId,
          from: context.stage,
          to: params.to,
          reason: event.reason,
          count: context.rollbacks.byStage[context.stage] + 1,
          total: context.rollbacks.total + 1,
          at: event.at,
        };
      }),
      rollback: assign(({ context, event }, params: { to: OpportunityStageId }) => {
        assertEvent(event, 'ROLLBACK');
        const from = context.stage;
        return {
          stage: params.to,
          stageHistory: [
            ...closeLastVisit(context.stageHistory, event.at, 'rollback'),
            visit(params.to, event.at, 'rollback'),
          ],
          plannedNextContactAt: null,
          contactOverdue: false,
          rollbacks: {
            total: context.rollbacks.total + 1,
            byStage: { ...context.rollbacks.byStage, [from]: context.rollbacks.byStage[from] + 1 },
          },
          rollbackLog: [...context.rollbackLog, { from, to: params.to, reason: event.reason, at: event.at }],
        };
      }),
      updateFields: assign(({ context, event }) => {
        assertEvent(event, 'UPDATE_FIELDS');
        return { fields: mergeFields(context.fields, event.fields) };
      }),
      planNextContact: assign(({ context, event }) => {
        assertEvent(event, 'PLAN_NEXT_CONTACT');
        const history = context.stageHistory;
        const last = history[history.length - 1];
        return {
          plannedNextContactAt: event.plannedAt,
          contactOverdue: false,
          stageHistory:
            last === undefined
              ? history
              : [
                  ...history.slice(0, -1),
                  {
                    ...last,
                    plannedNextContactAt: event.plannedAt,
                    firstPlannedNextContactAt: last.firstPlannedNextContactAt ?? event.plannedAt,
                  },
                ],
        };
      }),
      scheduleNextContact: raise(
        ({ context }) => ({ type: 'NEXT_CONTACT_DUE' as const, at: context.plannedNextContactAt ?? 0 }),
        {
          id: OPPORTUNITY_TIMER_KEYS.nextContact,
          delay: ({ context, event }) => delayUntil(context.plannedNextContactAt, event.at),
        },
      ),
      cancelNextContact: cancel(OPPORTUNITY_TIMER_KEYS.nextContact),
      markContactOverdue: assign({ contactOverdue: true }),
      win: assign(({ context, event }) => {
        assertEvent(event, 'WIN');
        return {
          fields: mergeFields(context.fields, event.fields),
          stageHistory: closeLastVisit(context.stageHistory, event.at, 'won'),
          plannedNextContactAt: null,
          contactOverdue: false,
          outcome: 'won' as const,
          contractValue: event.contractValue ?? null,
          closedAt: event.at,
        };
      }),
      emitWon: emit(({ context, event }) => ({
        type: 'opportunity.won' as const,
        opportunityId: context.opportunityId,
        customerId: context.customerId,
        ownerId: context.ownerId,
        leadId: context.leadId,
        stage: context.stage,
        contractValue: context.contractValue,
        at: event.at,
      })),
      lose: assign(({ context, event }) => {
        assertEvent(event, 'LOSE');
        return {
          stageHistory: closeLastVisit(context.stageHistory, event.at, 'lost'),
          plannedNextContactAt: null,
          contactOverdue: false,
          outcome: 'lost' as const,
          lossReason: event.reason,
          closedAt: event.at,
        };
      }),
      emitLost: emit(({ context, event }) => ({
        type: 'opportunity.lost' as const,
        opportunityId: context.opportunityId,
        customerId: context.customerId,
        ownerId: context.ownerId,
        leadId: context.leadId,
        stage: context.stage,
        reason: context.lossReason ?? '',
        at: event.at,
      })),
      emitOwnerChanged: emit(({ context, event }) => {
        assertEvent(event, 'REASSIGN');
        return {
          type: 'opportunity.ownerChanged' as const,
          opportunityId: context.opportunityId,
          customerId: context.customerId,
          ownerId: context.ownerId,
          from: context.ownerId,
          to: event.repId,
          at: event.at,
        };
      }),
      reassign: assign(({ context, event }) => {
        assertEvent(event, 'REASSIGN');
        return { ownerId: event.repId, reassignments: context.reassignments + 1 };
      }),
      flagDeliveryDelay: assign(({ context, event }) => {
        assertEvent(event, 'FLAG_DELIVERY_DELAY');
        const stage = context.outcome === 'won' ? ('won' as const) : context.stage;
        return {
          deliveryDelays: [...context.deliveryDelays, { reason: event.reason, stage, at: event.at }],
          deliveryDelayFlagged: true,
        };
      }),
      emitDeliveryDelay: emit(({ context, event }) => {
        assertEvent(event, 'FLAG_DELIVERY_DELAY');
        return {
          type: 'opportunity.deliveryDelayFlagged' as const,
          opportunityId: context.opportunityId,
          customerId: context.customerId,
          ownerId: context.ownerId,
          stage: context.outcome === 'won' ? ('won' as const) : context.stage,
          reason: event.reason,
          at: event.at,
        };
      }),
    },
  }))();

// Transition groups shared by the stage states (no root-level `on`: `lost` must accept nothing).
const REASSIGN = { guard: 'isNewOwner', actions: ['emitOwnerChanged', 'reassign'] } as const;
const FLAG_DELIVERY_DELAY = {
  guard: 'validDelay',
  actions: ['flagDeliveryDelay', 'emitDeliveryDelay'],
} as const;
const OPEN_COMMON = {
  UPDATE_FIELDS: { guard: 'validFields', actions: 'updateFields' },
  PLAN_NEXT_CONTACT: { guard: 'validPlan', actions: ['planNextContact', 'scheduleNextContact'] },
  NEXT_CONTACT_DUE: { guard: 'nextContactDue', actions: 'markContactOverdue' },
  LOSE: {
    guard: 'validLoss',
    target: '#opportunity.lost',
    actions: [{ type: 'emitStageLeft', params: { to: 'lost', via: 'lost' } }, 'lose', 'emitLost'],
  },
  REASSIGN,
  FLAG_DELIVERY_DELAY,
} as const;

const advanceTo = (from: OpportunityStageId, to: OpportunityStageId) =>
  ({
    guard: { type: 'gatePasses', params: { stage: from } },
    target: `#opportunity.${to}`,
    actions: [
      { type: 'emitStageLeft', params: { to, via: 'advance' } },
      { type: 'advance', params: { to } },
      { type: 'emitStageEntered', params: { from, via: 'advance' } },
    ],
  }) as const;

/** One guarded candidate per earlier stage: the event names the target, the guard picks it. */
const rollbacksFrom = (from: OpportunityStageId) =>
  OPPORTUNITY_STAGE_IDS.slice(0, OPPORTUNITY_STAGE_IDS.indexOf(from)).map(
    (to) =>
      ({
        guard: { type: 'rollbackTo', params: { to } },
        target: `#opportunity.${to}`,
        actions: [
          { type: 'emitStageLeft', params: { to, via: 'rollback' } },
          { type: 'emitRolledBack', params: { to } },
          { type: 'rollback', params: { to } },
          { type: 'emitStageEntered', params: { from, via: 'rollback' } },
        ],
      }) as const,
  );

/**
 * The opportunity machine.
 *
 * | state | accepts |
 * |---|---|
 * | `leadConfirmation` … `contractReview` | ADVANCE (gate of the current stage passes, fields merged) → next stage; ROLLBACK (to an earlier stage, reason required); UPDATE_FIELDS; PLAN_NEXT_CONTACT; NEXT_CONTACT_DUE (once due; marks `contactOverdue`); LOSE (reason required) → `lost`; REASSIGN (a new owner); FLAG_DELIVERY_DELAY |
 * | `deliveryKickoff` | WIN (its gate passes; `contractValue` ≥ 0 if given) → `won`; ROLLBACK; UPDATE_FIELDS; PLAN_NEXT_CONTACT; NEXT_CONTACT_DUE; LOSE; REASSIGN; FLAG_DELIVERY_DELAY — no ADVANCE |
 * | `won` (not final: delivery runs on) | REASSIGN, FLAG_DELIVERY_DELAY |
 * | `lost` | nothing (final) |
 *
 * `WIN` is accepted only from `deliveryKickoff`: the six stages are mandatory, so a won deal has
 * passed every gate. Leaving a stage cancels its `nextContact` timer.
 *
 * @example
 * ```ts
 * import { createStepper, opportunityMachine } from 'leadflow/core';
 * const stepper = createStepper(opportunityMachine);
 * const first = stepper.initial({ opportunityId: 'opp-1', customerId: 'c-1', ownerId: 'rep-a', createdAt: now }, now);
 * const r = stepper.step(first.snapshot, { type: 'ADVANCE', fields: { contactConfirmed: true }, at: now }, now);
 * r.changed; // false — budgetRange and decisionTimeline are still missing
 * ```
 * @category State machines
 */
export const opportunityMachine = /* @__PURE__ */ (() =>
  opportunitySetup.createMachine({
    id: 'opportunity',
    initial: 'leadConfirmation',
    context: ({ input }) => initialOpportunityContext(input),
    entry: 'emitCreated',
    states: {
      leadConfirmation: {
        exit: 'cancelNextContact',
        on: { ADVANCE: advanceTo('leadConfirmation', 'needsDiagnosis'), ...OPEN_COMMON },
      },
      needsDiagnosis: {
        exit: 'cancelNextContact',
        on: {
          ADVANCE: advanceTo('needsDiagnosis', 'solutionMatching'),
          ROLLBACK: rollbacksFrom('needsDiagnosis'),
          ...OPEN_COMMON,
        },
      },
      solutionMatching: {
        exit: 'cancelNextContact',
        on: {
          ADVANCE: advanceTo('solutionMatching', 'sampleQuotation'),
          ROLLBACK: rollbacksFrom('solutionMatching'),
          ...OPEN_COMMON,
        },
      },
      sampleQuotation: {
        exit: 'cancelNextContact',
        on: {
          ADVANCE: advanceTo('sampleQuotation', 'contractReview'),
          ROLLBACK: rollbacksFrom('sampleQuotation'),
          ...OPEN_COMMON,
        },
      },
      contractReview: {
        exit: 'cancelNextContact',
        on: {
          ADVANCE: advanceTo('contractReview', 'deliveryKickoff'),
          ROLLBACK: rollbacksFrom('contractReview'),
          ...OPEN_COMMON,
        },
      },
      deliveryKickoff: {
        exit: 'cancelNextContact',
        on: {
          WIN: {
            guard: 'canWin',
            target: 'won',
            actions: [{ type: 'emitStageLeft', params: { to: 'won', via: 'won' } }, 'win', 'emitWon'],
          },
          ROLLBACK: rollbacksFrom('deliveryKickoff'),
          ...OPEN_COMMON,
        },
      },
      won: {
        on: { REASSIGN, FLAG_DELIVERY_DELAY },
      },
      lost: { type: 'final' },
    },
  }))();

/**
 * The opportunity machine's type.
 *
 * @example
 * ```ts
 * import type { OpportunityMachine } from 'leadflow';
 * function describe(m: OpportunityMachine) { return m.id; }
 * ```
 * @category State machines
 */
export type OpportunityMachine = typeof opportunityMachine;
