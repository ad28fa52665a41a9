import { EventEmitter } from 'eventemitter3';
import type { Notifier } from '../adapters/notify/port.js';
import { memoryStorage } from '../adapters/storage/memory.js';
import type {
  EventInput,
  JsonValue,
  OutboxEnqueue,
  QuarantineRecord,
  StateWrite,
  StorageAdapter,
  StoredEvent,
  StoredTimer,
  TimerRecord,
  TimerRef,
} from '../adapters/storage/port.js';
import {
  type FollowUpInput,
  type LeadContext,
  type LeadEvent,
  leadMachine,
  validateFollowUp,
} from '../machines/lead.js';
import {
  isSlaRecord,
  type SlaActionEffect,
  type SlaEffect,
  type SlaState,
  type SlaSummaryEntry,
  type SlaTimerCommand,
  type SlaTimerPayload,
  slaInitialState,
  slaOnEvent,
  slaOnTimer,
  slaStopAll,
  slaSummary,
} from '../machines/sla.js';
import {
  createStepper,
  type PersistedSnapshot,
  stateValueToString,
  type TimerCommand,
} from '../machines/xstate-step.js';
import { computeLeadMetrics, type LeadMetrics } from '../metrics/lead-metrics.js';
import { type Lead, parseLead } from '../model/lead.js';
import { MODEL_LIMITS } from '../model/limits.js';
import { parseTeam, type Team, type TeamInput } from '../model/team.js';
import { type CompiledRuleSet, compileRuleSet } from '../rules/compile.js';
import {
  type AssignmentDecision,
  type AssignmentState,
  decideLead,
  emptyAssignmentState,
  type LeadDecision,
  recordAssignment,
} from '../rules/decide.js';
import type { RuleSetInput, SlaEvent } from '../rules/ruleset.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { type Clock, systemClock, type VirtualClock } from '../scheduler/clock.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import { deliverOutbox } from './outbox.js';
import { renderTemplate } from './templates.js';

/**
 * Options of {@link createEngine}.
 *
 * @example
 * ```ts
 * import { chinaCalendar, createEngine, createVirtualClock, zhikongPreset } from 'leadflow';
 * const engine = createEngine({
 *   ruleSet: zhikongPreset.ruleSet,
 *   team: zhikongPreset.team,
 *   calendar: chinaCalendar({ years: [2026] }),
 *   clock: createVirtualClock(Date.parse('2026-03-02T01:00:00Z')),
 * });
 * ```
 */
export interface EngineOptions {
  /** A rule set as JSON (compiled here, every problem reported) or already compiled. */
  readonly ruleSet: RuleSetInput | CompiledRuleSet;
  /** The team as JSON (validated here) or already parsed. */
  readonly team: TeamInput | Team;
  /** Business calendar for `clock: 'business'` SLA policies and the local business day. */
  readonly calendar: BusinessCalendar;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default memoryStorage() */
  readonly storage?: StorageAdapter;
  /**
   * Where outbox messages go: one notifier, or a router by channel (`sms`, `wecom`, `email`,
   * …) returning `undefined` for channels you do not deliver (they are retried, then dead-lettered).
   * @default a notifier that accepts and drops everything (messages stay listable in storage)
   */
  readonly notifier?: Notifier | ((channel: string) => Notifier | undefined);
  /** Deliver due outbox messages after every operation. @default true */
  readonly autoDeliver?: boolean;
  /** Record condition traces and candidate verdicts in decisions (for `explain`). @default true */
  readonly trace?: boolean;
  /** Decision records kept per lead for `explain` (older ones are dropped). @default 10 */
  readonly decisionHistory?: number;
}

/**
 * The stored state of one lead: the parsed lead, the lifecycle machine snapshot, the SLA
 * clocks and the decision trail. Plain JSON.
 *
 * @example
 * ```ts
 * const record = await engine.getLead('lead-1');
 * record?.machine.value; // 'assigned'
 * ```
 */
export interface LeadRecord {
  readonly lead: Lead;
  readonly machine: PersistedSnapshot<LeadContext>;
  readonly sla: SlaState;
  readonly tags: readonly string[];
  readonly intentGrade: 'A' | 'B' | 'C';
  readonly qualified: boolean;
  readonly decisions: readonly {
    readonly at: number;
    readonly decision: AssignmentDecision;
    readonly explanation: LeadDecision['explanation'];
  }[];
  /** How many duplicate submissions were merged into this lead. */
  readonly duplicates: number;
  /** Generation per machine timer key (SLA timers carry their own). */
  readonly timerGenerations: Readonly<Record<string, number>>;
}

/**
 * What {@link Engine.ingest} returns: the accepted lead with its decision, a merge into an open
 * lead, or the quarantine record of a payload that failed validation. Never throws on bad input.
 *
 * @example
 * ```ts
 * const result = await engine.ingest(payload);
 * if (result.status === 'quarantined') console.log(result.record.issues);
 * ```
 */
export type IngestResult =
  | {
      readonly status: 'accepted';
      readonly leadId: string;
      readonly state: string;
      readonly decision: AssignmentDecision;
      readonly tags: readonly string[];
    }
  | {
      readonly status: 'merged';
      readonly leadId: string;
      readonly duplicateOf: string;
      readonly matchedOn: string;
    }
  | { readonly status: 'quarantined'; readonly record: QuarantineRecord };

/**
 * The decision trail of a lead, for humans: rules, conditions, candidates, timers, escalations.
 *
 * @example
 * ```ts
 * const trail = await engine.explain('lead-1');
 * trail.decisions[0]?.explanation.assignment; // which rule matched and why each rep was skipped
 * ```
 */
export interface LeadExplanation {
  readonly leadId: string;
  readonly state: string;
  readonly ownerId: string | null;
  readonly tags: readonly string[];
  readonly intentGrade: 'A' | 'B' | 'C';
  readonly qualified: boolean;
  readonly decisions: LeadRecord['decisions'];
  readonly escalations: LeadContext['escalations'];
  readonly sla: readonly SlaSummaryEntry[];
  readonly pendingTimers: readonly StoredTimer[];
  readonly events: readonly StoredEvent[];
}

/**
 * A running lead engine. All methods are serialized: one operation at a time per engine.
 *
 * @example
 * ```ts
 * const result = await engine.ingest(rawLead);
 * if (result.status === 'accepted' && result.decision.kind === 'assign') {
 *   await engine.open(result.leadId, result.decision.repId);
 *   await engine.recordFollowUp(result.leadId, { status: 'quoted', nextAction: '发送报价单 V2', nextContactAt });
 * }
 * await engine.advanceTo(Date.parse('2026-04-01T00:00:00Z')); // virtual clock: fire every timer on the way
 * ```
 */
export interface Engine {
  /** Subscribe to engine events; a throwing listener is reported on `listener.error`, nothing else. */
  on<K extends keyof EngineEvents>(name: K, listener: (payload: EngineEvents[K]) => void): () => void;
  /** Accept a raw lead payload: validate, dedupe, tag, qualify, assign, start SLA clocks. */
  ingest(raw: unknown): Promise<IngestResult>;
  /** Send any lifecycle event to a lead (`at` is stamped from the clock). */
  dispatch(leadId: string, event: DispatchableLeadEvent): Promise<LeadRecord>;
  /** The owner opened the lead card. */
  open(leadId: string, repId: string): Promise<LeadRecord>;
  /** A follow-up with exactly the three required fields (status, next action, next contact time). */
  recordFollowUp(leadId: string, followUp: FollowUpRequest): Promise<LeadRecord>;
  /** A rep claims a broadcast offer; first to claim wins. */
  claim(leadId: string, repId: string): Promise<LeadRecord>;
  /** A supervisor assigns a queued (or recycled) lead by hand. */
  assign(leadId: string, repId: string, by: string): Promise<LeadRecord>;
  /** Fire every timer due at the clock's current time and deliver due outbox messages. */
  runDue(): Promise<{ readonly fired: number; readonly stale: number }>;
  /** Virtual clocks only: move time forward to `instant`, firing each timer at its own due time. */
  advanceTo(instant: number | Date): Promise<{ readonly fired: number; readonly stale: number }>;
  /** Deliver due outbox messages now (runs automatically unless `autoDeliver: false`). */
  deliver(): Promise<{ readonly sent: number; readonly retried: number; readonly dead: number }>;
  getLead(leadId: string): Promise<LeadRecord | undefined>;
  explain(leadId: string): Promise<LeadExplanation>;
  /** The quarantine: every payload refused at intake, with its issues. */
  quarantined(options?: { afterId?: string; limit?: number }): Promise<QuarantineRecord[]>;
  /** Lead KPIs over leads received in `[from, to)` (defaults: everything up to now). */
  leadMetrics(window?: { from?: number | Date; to?: number | Date }): Promise<LeadMetrics>;
  readonly ruleSet: CompiledRuleSet;
  readonly team: Team;
  readonly storage: StorageAdapter;
  readonly clock: Clock;
}

/** A lifecycle event without its timestamp (the engine stamps `at`). */
export type DispatchableLeadEvent = LeadEvent extends infer E
  ? E extends { at: number }
    ? Omit<E, 'at'>
    : never
  : never;

/**
 * A follow-up as recorded by a rep. `outcome` may name one of the rule set's preset outcomes
 * (quoted / needs technical confirmation / comparing competitors / on hold), which moves the lead
 * and fills in `nextContactAt` when omitted.
 *
 * @example
 * ```ts
 * const followUp: FollowUpRequest = { status: '已报价', nextAction: '跟进报价反馈', outcome: 'quoted' };
 * ```
 */
export interface FollowUpRequest {
  readonly status?: string;
  readonly nextAction?: string;
  readonly nextContactAt?: number | Date;
  readonly outcome?: string;
  readonly repId?: string;
}

const DAY_MS = 86_400_000;
const TERMINAL_STATES = new Set(['converted', 'disqualified', 'merged']);
const QUARANTINE_RAW_LIMIT = 1_000_000;

const dropAllNotifier: Notifier = {
  name: 'none',
  send: async () => ({ ok: true }),
};

interface Pending {
  events: EventInput[];
  /** Timer commands in the order they were issued; collapsed per key before the commit. */
  timerOps: ({ op: 'schedule'; timer: TimerRecord } | { op: 'cancel'; ref: TimerRef })[];
  completed: { entityId: string; timerKey: string; generation: number }[];
  outbox: OutboxEnqueue[];
  emits: { name: keyof EngineEvents; payload: EngineEvents[keyof EngineEvents] }[];
  assignment: AssignmentState | undefined;
}

function newPending(): Pending {
  return { events: [], timerOps: [], completed: [], outbox: [], emits: [], assignment: undefined };
}

/**
 * One step can schedule and cancel the same timer (a lead received and assigned in the same
 * instant starts and stops a clock). Storage applies cancels before schedules, so collapse the
 * ordered commands to the last one per key first.
 */
function collapseTimers(pending: Pending): {
  schedule: TimerRecord[];
  cancel: TimerRef[];
  complete: Pending['completed'];
} {
  const last = new Map<string, Pending['timerOps'][number]>();
  for (const op of pending.timerOps) {
    const ref = op.op === 'schedule' ? op.timer : op.ref;
    const key = `${ref.entityId}\u0000${ref.timerKey}`;
    last.delete(key);
    last.set(key, op);
  }
  const schedule: TimerRecord[] = [];
  const cancel: TimerRef[] = [];
  for (const op of last.values()) {
    if (op.op === 'schedule') schedule.push(op.timer);
    else cancel.push(op.ref);
  }
  return { schedule, cancel, complete: pending.completed };
}

function isVirtual(clock: Clock): clock is VirtualClock {
  return typeof (clock as VirtualClock).advanceTo === 'function';
}

function toMs(value: number | Date): number {
  return typeof value === 'number' ? value : value.getTime();
}

/** Keep whatever can be kept of a refused payload, bounded in size, as JSON. */
function quarantineRaw(raw: unknown): JsonValue {
  let text: string | undefined;
  try {
    text = JSON.stringify(raw);
  } catch (error) {
    return { unserializable: String((error as Error).message) };
  }
  if (text === undefined) return { unserializable: `a ${typeof raw}` };
  if (text.length > QUARANTINE_RAW_LIMIT) {
    return { truncated: true, originalChars: text.length, head: text.slice(0, QUARANTINE_RAW_LIMIT) };
  }
  return JSON.parse(text) as JsonValue;
}

/**
 * Create a lead engine: the one place that wires the rule set, the lifecycle machine, the SLA
 * clocks, storage and notifications. Pure decisions happen in the core; the engine persists
 * each step (snapshot + events + timers + outbox) in one atomic commit, then tells listeners.
 *
 * @example
 * ```ts
 * import { chinaCalendar, createEngine, createVirtualClock, memoryNotifier, zhikongPreset } from 'leadflow';
 * const clock = createVirtualClock(Date.parse('2026-03-02T01:00:00Z'));
 * const notifier = memoryNotifier();
 * const engine = createEngine({ ...zhikongPreset, calendar: chinaCalendar({ years: [2026] }), clock, notifier });
 * engine.on('sla.breached', (e) => console.log('breach', e.policyId, e.entityId));
 * const result = await engine.ingest({ receivedAt: clock.now(), channel: 'website_form', company: { name: '苏州精工', region: '江苏', industry: '汽车零部件', park: '苏州工业园区' }, contact: { name: '刘', phone: '13800000000' }, need: '产线自动化改造' });
 * await engine.advanceTo(clock.now() + 3_600_000);
 * ```
 */
export function createEngine(options: EngineOptions): Engine {
  const compiled: CompiledRuleSet = isCompiled(options.ruleSet)
    ? options.ruleSet
    : compileRuleSet(options.ruleSet, { team: parseTeamOnce(options.team) });
  const team = parseTeamOnce(options.team);
  const calendar = options.calendar;
  const clock = options.clock ?? systemClock;
  const storage = options.storage ?? memoryStorage();
  const notifier = options.notifier ?? dropAllNotifier;
  const autoDeliver = options.autoDeliver ?? true;
  const trace = options.trace ?? true;
  const decisionHistory = options.decisionHistory ?? 10;
  const stepper = createStepper(leadMachine);
  const emitter = new EventEmitter();
  const repsById = new Map(team.reps.map((rep) => [rep.id, rep]));
  const slaContextBase = { policies: compiled.sla, calendar };
  const outcomes = new Map(compiled.source.followUp.outcomes.map((outcome) => [outcome.id, outcome]));

  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = queue.then(operation, operation);
    queue = result.catch(() => undefined);
    return result;
  }

  // Engine-wide state, loaded lazily from storage so a new engine continues where one stopped.
  let loaded = false;
  let assignment: AssignmentState = emptyAssignmentState('');
  let assignmentVersion = 0;
  let sequence = 0;
  let sequenceVersion = 0;
  async function ensureLoaded(): Promise<void> {
    if (loaded) return;
    const [storedAssignment, storedSequence] = await Promise.all([
      storage.loadState('engine.assignment'),
      storage.loadState('engine.sequence'),
    ]);
    if (storedAssignment) {
      assignment = storedAssignment.value as unknown as AssignmentState;
      assignmentVersion = storedAssignment.version;
    }
    if (storedSequence) {
      sequence = storedSequence.value as number;
      sequenceVersion = storedSequence.version;
    }
    loaded = true;
  }

  const localDayFormatter = new Intl.DateTimeFormat('en-CA', {
    timeZone: calendar.zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  let dayCache = { from: 0, to: -1, day: '' };
  /** Local business day of an instant; cached per hour since leads arrive in time order. */
  function localDay(at: number): string {
    if (at >= dayCache.from && at < dayCache.to) return dayCache.day;
    const day = localDayFormatter.format(at);
    const hourStart = at - (at % 3_600_000);
    dayCache = { from: hourStart, to: hourStart + 3_600_000, day };
    return day;
  }

  function emit(pending: Pending, name: keyof EngineEvents, payload: EngineEvents[keyof EngineEvents]): void {
    pending.emits.push({ name, payload });
  }

  function flushEmits(pending: Pending): void {
    for (const { name, payload } of pending.emits) {
      try {
        emitter.emit(name, payload);
      } catch {
        // Guarded listeners never throw; this is belt and braces.
      }
    }
  }

  function record(
    pending: Pending,
    leadId: string,
    type: string,
    at: number,
    data: Record<string, unknown> = {},
  ): void {
    pending.events.push({ entityId: leadId, kind: 'lead', type, at, data: data as JsonValue });
  }

  // --- lifecycle steps ---------------------------------------------------------------------

  function machineTimers(
    leadId: string,
    rec: MutableRecord,
    commands: readonly TimerCommand[],
    pending: Pending,
  ): void {
    for (const command of commands) {
      const timerKey = `machine:${command.timerKey}`;
      if (command.type === 'cancel') {
        pending.timerOps.push({ op: 'cancel', ref: { entityId: leadId, timerKey } });
        continue;
      }
      const generation = (rec.timerGenerations[timerKey] ?? 0) + 1;
      rec.timerGenerations = { ...rec.timerGenerations, [timerKey]: generation };
      pending.timerOps.push({
        op: 'schedule',
        timer: {
          entityId: leadId,
          timerKey,
          generation,
          dueAt: command.dueAt,
          payload: { source: 'machine', event: command.event as unknown as JsonValue },
        },
      });
    }
  }

  function slaTimers(leadId: string, commands: readonly SlaTimerCommand[], pending: Pending): void {
    for (const command of commands) {
      if (command.type === 'cancel')
        pending.timerOps.push({ op: 'cancel', ref: { entityId: leadId, timerKey: command.timerKey } });
      else {
        pending.timerOps.push({
          op: 'schedule',
          timer: {
            entityId: leadId,
            timerKey: command.timerKey,
            generation: command.generation,
            dueAt: command.dueAt,
            payload: { source: 'sla', policyId: command.payload.policyId, phase: command.payload.phase },
          },
        });
      }
    }
  }

  function stateOf(rec: MutableRecord): string {
    return stateValueToString(rec.machine.value);
  }

  /** Step the machine; throws EVENT_NOT_ACCEPTED when the current state refuses the event. */
  function stepMachine(
    leadId: string,
    rec: MutableRecord,
    event: DispatchableLeadEvent,
    at: number,
    pending: Pending,
  ): void {
    const before = stateOf(rec);
    const result = stepper.step(rec.machine, event as never, at);
    if (!result.changed) {
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `lead "${leadId}": event ${event.type} is not accepted in state "${before}"${describeGuard(event, rec)}`,
      );
    }
    rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
    machineTimers(leadId, rec, result.timers as readonly TimerCommand[], pending);
    const after = stateOf(rec);
    for (const slaEvent of slaEventsFor(event, before, after, rec))
      applySlaEvent(leadId, rec, slaEvent, at, pending);
    if (TERMINAL_STATES.has(after) && !TERMINAL_STATES.has(before)) {
      const stopped = slaStopAll(rec.sla, at, { ...slaContextBase, entityId: leadId });
      rec.sla = stopped.state;
      slaTimers(leadId, stopped.timers, pending);
      recordSlaEffects(leadId, rec, stopped.effects, at, pending);
      emit(pending, 'lead.closed', {
        leadId,
        state: after,
        at,
        reason: rec.machine.context.reason ?? undefined,
      });
      record(pending, leadId, 'lead.closed', at, { state: after });
    }
  }

  /** The SLA events (and domain events) a machine transition means. */
  function slaEventsFor(
    event: DispatchableLeadEvent,
    before: string,
    after: string,
    rec: MutableRecord,
  ): SlaEvent[] {
    const context = rec.machine.context;
    const events: SlaEvent[] = [];
    switch (event.type) {
      case 'DECIDED':
      case 'OFFER_EXPIRED':
      case 'INCUBATION_EXPIRED':
      case 'ASSIGN':
      case 'CLAIM':
      case 'REASSIGN':
        break;
      case 'OPEN':
        events.push('lead.opened');
        break;
      case 'FOLLOW_UP':
        events.push('lead.followedUp');
        break;
      default:
        break;
    }
    if (after !== before || event.type === 'REASSIGN') {
      if (after === 'assigned' && (before !== 'assigned' || event.type === 'REASSIGN'))
        events.push('lead.assigned');
      if (after === 'awaitingAssignment.offered') events.push('lead.offered');
      if (after === 'awaitingAssignment.queued') events.push('lead.queued');
      if (after === 'nurturing' && before !== 'nurturing') events.push('lead.nurturing');
      if (after === 'converted') events.push('lead.converted');
      if (after === 'disqualified') events.push('lead.disqualified');
      if (after === 'recycled') events.push('lead.recycled');
      if (after === 'merged') events.push('lead.merged');
    }
    void context;
    return events;
  }

  function applySlaEvent(
    leadId: string,
    rec: MutableRecord,
    type: SlaEvent,
    at: number,
    pending: Pending,
  ): void {
    const context = rec.machine.context;
    switch (type) {
      case 'lead.assigned':
        record(pending, leadId, 'lead.assigned', at, { repId: context.ownerId, by: context.assignedBy });
        emit(pending, 'lead.assigned', {
          leadId,
          repId: context.ownerId ?? '',
          at,
          by: context.assignedBy ?? 'rule',
        });
        break;
      case 'lead.offered':
        record(pending, leadId, 'lead.offered', at, {
          repIds: context.offeredTo,
          ruleId: context.offerRuleId,
        });
        emit(pending, 'lead.offered', {
          leadId,
          repIds: context.offeredTo,
          at,
          ruleId: context.offerRuleId ?? '',
        });
        break;
      case 'lead.queued':
        record(pending, leadId, 'lead.queued', at, {
          supervisorId: context.supervisorId,
          reason: context.reason,
        });
        emit(pending, 'lead.queued', {
          leadId,
          supervisorId: context.supervisorId ?? undefined,
          at,
          reason: context.reason ?? '',
        });
        break;
      case 'lead.nurturing':
        record(pending, leadId, 'lead.nurturing', at, {
          until: context.nurturingUntil,
          reason: context.reason,
        });
        emit(pending, 'lead.nurturing', {
          leadId,
          until: context.nurturingUntil ?? at,
          at,
          reason: context.reason ?? '',
        });
        break;
      case 'lead.opened':
        record(pending, leadId, 'lead.opened', at, { repId: context.ownerId });
        emit(pending, 'lead.opened', { leadId, repId: context.ownerId ?? '', at });
        break;
      case 'lead.followedUp': {
        const last = context.followUps.at(-1);
        record(pending, leadId, 'lead.followedUp', at, {
          repId: context.ownerId,
          status: last?.status,
          outcome: last?.outcome,
          nextContactAt: last?.nextContactAt,
          first: context.followUps.length === 1,
        });
        emit(pending, 'lead.followedUp', {
          leadId,
          repId: context.ownerId ?? undefined,
          at,
          status: last?.status ?? '',
          nextContactAt: last?.nextContactAt ?? at,
        });
        break;
      }
      default:
        record(pending, leadId, type, at, { reason: context.reason });
    }
    if (compiled.sla.policies.length === 0) return;
    const step = slaOnEvent(rec.sla, { type, at }, { ...slaContextBase, entityId: leadId });
    rec.sla = step.state;
    slaTimers(leadId, step.timers, pending);
    recordSlaEffects(leadId, rec, step.effects, at, pending);
  }

  function recordSlaEffects(
    leadId: string,
    rec: MutableRecord,
    effects: readonly SlaEffect[],
    at: number,
    pending: Pending,
  ): void {
    for (const effect of effects) {
      if (isSlaRecord(effect)) {
        // Starts and cancels are bookkeeping; the log keeps the outcomes.
        if (effect.type === 'sla.started' || effect.type === 'sla.cancelled') continue;
        record(pending, leadId, effect.type, effect.at, {
          policyId: effect.policyId,
          dueAt: effect.dueAt,
          elapsedMs: effect.elapsedMs,
          cycle: effect.cycle,
        });
        if (effect.type === 'sla.warning')
          emit(pending, 'sla.warning', {
            entityId: leadId,
            policyId: effect.policyId,
            at: effect.at,
            dueAt: effect.dueAt ?? at,
          });
        if (effect.type === 'sla.breached')
          emit(pending, 'sla.breached', {
            entityId: leadId,
            policyId: effect.policyId,
            at: effect.at,
            dueAt: effect.dueAt,
          });
        if (effect.type === 'sla.met')
          emit(pending, 'sla.met', {
            entityId: leadId,
            policyId: effect.policyId,
            at: effect.at,
            elapsedMs: effect.elapsedMs,
          });
        continue;
      }
      applySlaAction(leadId, rec, effect, at, pending);
    }
  }

  function recipients(rec: MutableRecord, to: string): string[] {
    const context = rec.machine.context;
    const supervisor =
      context.supervisorId ?? compiled.assignment.fallback.supervisorId ?? team.supervisors[0]?.id;
    switch (to) {
      case 'owner':
        return context.ownerId ? [context.ownerId] : supervisor ? [supervisor] : [];
      case 'manager': {
        const manager = context.ownerId ? repsById.get(context.ownerId)?.manager : undefined;
        return manager ? [manager] : supervisor ? [supervisor] : [];
      }
      case 'supervisor':
        return supervisor ? [supervisor] : [];
      case 'serviceTeam': {
        const afterSales = team.departments.afterSales;
        return afterSales
          ? [afterSales.headId, ...afterSales.memberIds.filter((id) => id !== afterSales.headId)]
          : supervisor
            ? [supervisor]
            : [];
      }
      case 'departmentHead':
        return supervisor ? [supervisor] : [];
      default:
        return [];
    }
  }

  function behaviourSnapshot(lead: Lead): string {
    let pages = 0;
    let videoSeconds = 0;
    const downloads: string[] = [];
    for (const behaviour of lead.behaviours) {
      if (behaviour.type === 'page_view') pages++;
      if (behaviour.type === 'video_watch') videoSeconds += behaviour.seconds;
      if (behaviour.type === 'download') downloads.push(behaviour.asset);
    }
    return `浏览 ${pages} 页; 视频 ${Math.round(videoSeconds)} 秒; 下载 ${downloads.length ? downloads.join('、') : '无'}`;
  }

  function applySlaAction(
    leadId: string,
    rec: MutableRecord,
    action: SlaActionEffect,
    at: number,
    pending: Pending,
  ): void {
    const policy = compiled.sla.byId.get(action.policyId);
    const cycle = rec.sla.clocks[action.policyId]?.cycle ?? 0;
    switch (action.type) {
      case 'escalate': {
        const to = recipients(rec, action.to);
        const state = stateOf(rec);
        if (!TERMINAL_STATES.has(state)) {
          const result = stepper.step(
            rec.machine,
            { type: 'ESCALATE', policyId: action.policyId, to: action.to } as never,
            at,
          );
          if (result.changed) rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
        }
        record(pending, leadId, 'lead.escalated', at, {
          policyId: action.policyId,
          to: action.to,
          recipientIds: to,
        });
        emit(pending, 'lead.escalated', {
          leadId,
          to: action.to,
          recipientIds: to,
          policyId: action.policyId,
          at,
        });
        break;
      }
      case 'notify': {
        const template = compiled.source.templates[action.template];
        const to = recipients(rec, action.to);
        const owner = rec.machine.context.ownerId ? repsById.get(rec.machine.context.ownerId) : undefined;
        const data = {
          lead: rec.lead,
          owner: owner ? { id: owner.id, name: owner.name } : {},
          policy: {
            id: action.policyId,
            target: policy ? formatMinutes(policy.target) : '',
            warnBefore: policy?.warnBefore ? formatMinutes(policy.warnBefore) : '',
          },
          snapshot: action.includeBehaviourSnapshot ? behaviourSnapshot(rec.lead) : '',
        };
        pending.outbox.push({
          id: `${leadId}:${action.policyId}:${cycle}:${action.phase}:${action.channel}:${action.to}`,
          channel: action.channel,
          to: to.length > 0 ? to : ['unrouted'],
          createdAt: at,
          nextAttemptAt: at,
          payload: {
            ...(template?.subject !== undefined ? { subject: template.subject } : {}),
            text: template ? renderTemplate(template.text, data) : `${action.policyId} ${action.phase}`,
            template: action.template,
            data: {
              leadId,
              policyId: action.policyId,
              phase: action.phase,
              ...(action.includeBehaviourSnapshot ? { behaviourSnapshot: data.snapshot } : {}),
            },
          } as unknown as JsonValue,
        });
        break;
      }
      case 'raisePriority': {
        const result = stepper.step(rec.machine, { type: 'RAISE_PRIORITY' } as never, at);
        if (result.changed) rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
        break;
      }
      case 'reassign': {
        const from = rec.machine.context.ownerId ?? undefined;
        const decision = decide(rec, at, { excludeReps: from ? new Set([from]) : undefined });
        if (decision.decision.kind === 'assign' && from !== undefined) {
          const result = stepper.step(
            rec.machine,
            { type: 'REASSIGN', repId: decision.decision.repId, reason: `SLA ${action.policyId}` } as never,
            at,
          );
          if (result.changed) {
            rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
            machineTimers(leadId, rec, result.timers as readonly TimerCommand[], pending);
            pending.assignment = decision.state;
            emit(pending, 'lead.reassigned', {
              leadId,
              from,
              to: decision.decision.repId,
              at,
              reason: `SLA ${action.policyId}`,
            });
            applySlaEvent(leadId, rec, 'lead.assigned', at, pending);
          }
        }
        break;
      }
    }
  }

  function decide(
    rec: MutableRecord,
    at: number,
    extra: { skipRules?: ReadonlySet<string>; excludeReps?: ReadonlySet<string> | undefined } = {},
  ) {
    const day = localDay(at);
    const current = pendingAssignment ?? assignment;
    const result = decideLead(compiled, rec.lead, team, current, {
      now: at,
      day,
      trace,
      ...(extra.skipRules ? { skipRules: extra.skipRules } : {}),
      ...(extra.excludeReps ? { excludeReps: extra.excludeReps } : {}),
    });
    rec.decisions = [
      ...rec.decisions,
      { at, decision: result.decision, explanation: result.explanation },
    ].slice(-decisionHistory);
    return result;
  }
  let pendingAssignment: AssignmentState | undefined;

  /** Apply a DECIDED for a fresh decision, including re-decisions after an expired offer. */
  function applyDecision(
    leadId: string,
    rec: MutableRecord,
    at: number,
    pending: Pending,
    skipRules?: ReadonlySet<string>,
  ): void {
    const result = decide(rec, at, skipRules ? { skipRules } : {});
    rec.tags = result.tags;
    rec.intentGrade = result.intentGrade;
    rec.qualified = result.qualified;
    if (result.state !== (pendingAssignment ?? assignment)) {
      pendingAssignment = result.state;
      pending.assignment = result.state;
    }
    emit(pending, 'decision', { leadId, decision: result.decision, at });
    stepMachine(
      leadId,
      rec,
      { type: 'DECIDED', decision: result.decision } as DispatchableLeadEvent,
      at,
      pending,
    );
  }

  /** Daily capacity holds for claims and manual assignments too, not only for rules. */
  function requireCapacity(repId: string, at: number, operation: string): void {
    const rep = repsById.get(repId);
    if (rep === undefined)
      throw new EngineError('ENGINE_INVALID', `${operation}: rep "${repId}" is not in the team`);
    const current = pendingAssignment ?? assignment;
    const today = current.day === localDay(at) ? (current.assignedToday[repId] ?? 0) : 0;
    if (!rep.active) throw new EngineError('EVENT_NOT_ACCEPTED', `${operation}: rep "${repId}" is inactive`);
    if (today >= rep.dailyCapacity) {
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `${operation}: rep "${repId}" is at daily capacity ${today}/${rep.dailyCapacity}`,
      );
    }
  }

  // --- commit --------------------------------------------------------------------------------

  async function commitLead(
    leadId: string,
    rec: MutableRecord,
    expectedVersion: number,
    pending: Pending,
    at: number,
    extra: { quarantine?: QuarantineRecord[]; sequence?: boolean; previousSignature?: string } = {},
  ): Promise<void> {
    const previousSignature = extra.previousSignature;
    const state: StateWrite[] = [];
    if (pending.assignment)
      state.push({
        key: 'engine.assignment',
        value: pending.assignment as unknown as JsonValue,
        expectedVersion: assignmentVersion,
      });
    if (extra.sequence)
      state.push({ key: 'engine.sequence', value: sequence + 1, expectedVersion: sequenceVersion });
    const open = !TERMINAL_STATES.has(stateOf(rec));
    const company = rec.lead.company;
    const dedupe = open
      ? [
          ...(company.uscc ? [`uscc:${company.uscc}`] : []),
          ...(rec.lead.contact.phone ? [`phone:${rec.lead.contact.phone}`] : []),
          ...(rec.lead.contact.email ? [`email:${rec.lead.contact.email.toLowerCase()}`] : []),
        ]
      : [];
    const result = await storage.commit({
      at,
      entities: [
        {
          kind: 'lead',
          id: leadId,
          expectedVersion,
          snapshot: rec as unknown as JsonValue,
          // Lookups change rarely (owner, open/closed); storage keeps them when omitted.
          ...(expectedVersion === 0 || indexSignature(rec) !== previousSignature
            ? { lookups: { dedupe, owner: rec.machine.context.ownerId ?? [] } }
            : {}),
        },
      ],
      events: pending.events,
      timers: collapseTimers(pending),
      outbox: pending.outbox,
      quarantine: extra.quarantine ?? [],
      state,
    });
    if (pending.outbox.length > 0) outboxDirty = true;
    // Only after the commit: move the engine-wide state forward.
    let stateIndex = 0;
    if (pending.assignment) {
      assignment = pending.assignment;
      assignmentVersion = result.stateVersions[stateIndex++]!;
    }
    if (extra.sequence) {
      sequence += 1;
      sequenceVersion = result.stateVersions[stateIndex++]!;
    }
  }

  async function loadLead(leadId: string): Promise<{ rec: MutableRecord; version: number }> {
    const stored = await storage.load('lead', leadId);
    if (!stored) throw new EngineError('LEAD_NOT_FOUND', `lead "${leadId}" not found`);
    // A shallow copy: steps replace the record's fields, never mutate the stored objects.
    return { rec: { ...(stored.snapshot as unknown as MutableRecord) }, version: stored.version };
  }

  /** Run one lead operation: load, mutate through steps, commit atomically, then emit. */
  async function withLead(
    leadId: string,
    at: number,
    operation: (rec: MutableRecord, pending: Pending) => void,
  ): Promise<LeadRecord> {
    await ensureLoaded();
    const { rec, version } = await loadLead(leadId);
    const previousSignature = indexSignature(rec);
    const pending = newPending();
    pendingAssignment = undefined;
    try {
      operation(rec, pending);
      await commitLead(leadId, rec, version, pending, at, { previousSignature });
    } finally {
      pendingAssignment = undefined;
    }
    flushEmits(pending);
    if (autoDeliver) await deliverIfDirty();
    return rec;
  }

  /** Set when a commit enqueued messages or a delivery left retries; cleared by a delivery. */
  let outboxDirty = true;
  async function deliverIfDirty() {
    if (outboxDirty) await deliverDue();
  }

  async function deliverDue() {
    outboxDirty = false;
    const result = await deliverOutbox({
      storage,
      notifier: typeof notifier === 'function' ? (message) => notifier(message.channel) : notifier,
      now: clock.now(),
    });
    if (result.retried > 0) outboxDirty = true;
    return result;
  }

  // --- intake --------------------------------------------------------------------------------

  async function ingestNow(raw: unknown): Promise<IngestResult> {
    await ensureLoaded();
    const at = clock.now();
    const parsed = parseLead(raw);
    if (!parsed.ok) {
      const quarantineRecord: QuarantineRecord = {
        id: `quarantine-${at.toString(36)}-${sequence + 1}`,
        receivedAt: at,
        raw: quarantineRaw(raw),
        issues: parsed.issues.map((issue) => ({ path: issue.path, message: issue.message })),
        reason: `invalid lead: ${parsed.issues
          .slice(0, 3)
          .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
          .join('; ')}${parsed.issues.length > 3 ? ` (+${parsed.issues.length - 3} more)` : ''}`,
      };
      const result = await storage.commit({
        at,
        quarantine: [quarantineRecord],
        events: [
          {
            entityId: quarantineRecord.id,
            kind: 'quarantine',
            type: 'lead.quarantined',
            at,
            data: { issues: quarantineRecord.issues.length },
          },
        ],
        state: [{ key: 'engine.sequence', value: sequence + 1, expectedVersion: sequenceVersion }],
      });
      sequence += 1;
      sequenceVersion = result.stateVersions[0]!;
      try {
        emitter.emit('lead.quarantined', {
          quarantineId: quarantineRecord.id,
          at,
          reason: quarantineRecord.reason,
          issues: quarantineRecord.issues,
        });
      } catch {
        // guarded listeners
      }
      return { status: 'quarantined', record: quarantineRecord };
    }
    const lead = parsed.lead;

    // Dedupe against open leads: same USCC, phone or e-mail → merge, count the duplicate.
    const keys = [
      ...(lead.company.uscc ? [`uscc:${lead.company.uscc}`] : []),
      ...(lead.contact.phone ? [`phone:${lead.contact.phone}`] : []),
      ...(lead.contact.email ? [`email:${lead.contact.email.toLowerCase()}`] : []),
    ];
    for (const key of keys) {
      const [existingId] = await storage.lookup('lead', 'dedupe', key, { limit: 1 });
      if (existingId !== undefined && existingId !== lead.id) {
        await mergeDuplicate(existingId, lead, key, at);
        return {
          status: 'merged',
          leadId: existingId,
          duplicateOf: existingId,
          matchedOn: key.split(':')[0]!,
        };
      }
    }
    const leadId = lead.id ?? `lead-${(sequence + 1).toString().padStart(7, '0')}`;
    if (lead.id !== undefined && (await storage.load('lead', lead.id))) {
      // The same lead delivered twice (at-least-once webhooks): idempotent.
      await mergeDuplicate(lead.id, lead, `id:${lead.id}`, at);
      return { status: 'merged', leadId: lead.id, duplicateOf: lead.id, matchedOn: 'id' };
    }
    const initial = stepper.initial(
      { leadId, receivedAt: lead.receivedAt, priority: lead.priority } as never,
      at,
    );
    const rec: MutableRecord = {
      lead: { ...lead, id: leadId },
      machine: initial.snapshot as PersistedSnapshot<LeadContext>,
      sla: slaInitialState(),
      tags: [],
      intentGrade: 'C',
      qualified: false,
      decisions: [],
      duplicates: 0,
      timerGenerations: {},
    };
    const pending = newPending();
    pendingAssignment = undefined;
    try {
      machineTimers(leadId, rec, initial.timers as readonly TimerCommand[], pending);
      record(pending, leadId, 'lead.received', at, {
        channel: lead.channel,
        receivedAt: lead.receivedAt,
        qualified: null,
      });
      if (compiled.sla.policies.length > 0) {
        const step = slaOnEvent(
          rec.sla,
          { type: 'lead.received', at },
          { ...slaContextBase, entityId: leadId },
        );
        rec.sla = step.state;
        slaTimers(leadId, step.timers, pending);
        recordSlaEffects(leadId, rec, step.effects, at, pending);
      }
      applyDecision(leadId, rec, at, pending);
      // The received event carries the qualification so metrics know the assignable population.
      (pending.events[0]!.data as Record<string, unknown>).qualified = rec.qualified;
      (pending.events[0]!.data as Record<string, unknown>).tags = [...rec.tags];
      emit(pending, 'lead.received', { leadId, at, channel: lead.channel, tags: rec.tags });
      pending.emits.unshift(pending.emits.pop()!);
      await commitLead(leadId, rec, 0, pending, at, { sequence: lead.id === undefined });
    } finally {
      pendingAssignment = undefined;
    }
    flushEmits(pending);
    if (autoDeliver) await deliverIfDirty();
    const decision = rec.decisions.at(-1)!.decision;
    return { status: 'accepted', leadId, state: stateOf(rec), decision, tags: rec.tags };
  }

  async function mergeDuplicate(existingId: string, duplicate: Lead, key: string, at: number): Promise<void> {
    const { rec, version } = await loadLead(existingId);
    const previousSignature = indexSignature(rec);
    const pending = newPending();
    rec.duplicates += 1;
    // Keep the newest behaviours (bounded), so the owner sees the renewed interest.
    const behaviours = [...rec.lead.behaviours, ...duplicate.behaviours].slice(-MODEL_LIMITS.behaviours);
    rec.lead = { ...rec.lead, behaviours };
    record(pending, existingId, 'lead.duplicate', at, {
      matchedOn: key.split(':')[0],
      channel: duplicate.channel,
      count: rec.duplicates,
    });
    emit(pending, 'lead.duplicate', {
      leadId: existingId,
      duplicateOf: existingId,
      at,
      matchedOn: key.split(':')[0]!,
      count: rec.duplicates,
    });
    await commitLead(existingId, rec, version, pending, at, { previousSignature });
    flushEmits(pending);
  }

  // --- timers --------------------------------------------------------------------------------

  async function fireTimer(timer: StoredTimer, at: number): Promise<'fired' | 'stale'> {
    const stored = await storage.load('lead', timer.entityId);
    if (!stored) {
      await storage.completeTimer(timer.entityId, timer.timerKey, timer.generation);
      return 'stale';
    }
    const rec = { ...(stored.snapshot as unknown as MutableRecord) };
    const previousSignature = indexSignature(rec);
    const pending = newPending();
    pending.completed.push({
      entityId: timer.entityId,
      timerKey: timer.timerKey,
      generation: timer.generation,
    });
    const payload = (timer.payload ?? {}) as Record<string, unknown>;
    let stale = false;
    pendingAssignment = undefined;
    try {
      if (payload.source === 'sla') {
        const result = slaOnTimer(
          rec.sla,
          {
            timerKey: timer.timerKey,
            generation: timer.generation,
            payload: payload as unknown as SlaTimerPayload,
            at,
          },
          { ...slaContextBase, entityId: timer.entityId },
        );
        stale = result.stale;
        rec.sla = result.state;
        slaTimers(timer.entityId, result.timers, pending);
        recordSlaEffects(timer.entityId, rec, result.effects, at, pending);
      } else if (payload.source === 'machine') {
        if (rec.timerGenerations[timer.timerKey] !== timer.generation) stale = true;
        else {
          const event = payload.event as unknown as DispatchableLeadEvent;
          const result = stepper.step(rec.machine, event as never, at);
          if (!result.changed) stale = true;
          else {
            const before = stateOf(rec);
            rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
            machineTimers(timer.entityId, rec, result.timers as readonly TimerCommand[], pending);
            const after = stateOf(rec);
            for (const slaEvent of slaEventsFor(event, before, after, rec))
              applySlaEvent(timer.entityId, rec, slaEvent, at, pending);
            // An unclaimed broadcast falls through to the next assignment rule.
            if (event.type === 'OFFER_EXPIRED' && after === 'received') {
              applyDecision(timer.entityId, rec, at, pending, new Set(rec.machine.context.skipRules));
            }
          }
        }
      } else {
        stale = true;
      }
      await commitLead(timer.entityId, rec, stored.version, pending, at, { previousSignature });
    } finally {
      pendingAssignment = undefined;
    }
    flushEmits(pending);
    return stale ? 'stale' : 'fired';
  }

  async function runDueAt(now: number) {
    let fired = 0;
    let stale = 0;
    for (;;) {
      const timers = await storage.claimDueTimers(now, { limit: 100 });
      if (timers.length === 0) break;
      for (const timer of timers) {
        const outcome = await fireTimer(timer, now);
        if (outcome === 'fired') fired++;
        else stale++;
      }
    }
    if (autoDeliver) await deliverDue();
    return { fired, stale };
  }

  const engine: Engine = {
    ruleSet: compiled,
    team,
    storage,
    clock,
    on(name, listener) {
      const guarded = (payload: EngineEvents[typeof name]) => {
        try {
          listener(payload);
        } catch (error) {
          if (name !== 'listener.error') {
            try {
              emitter.emit('listener.error', { event: name, error });
            } catch {
              // a throwing error listener is ignored
            }
          }
        }
      };
      emitter.on(name, guarded);
      return () => {
        emitter.off(name, guarded);
      };
    },
    ingest: (raw) => serial(() => ingestNow(raw)),
    dispatch: (leadId, event) =>
      serial(() =>
        withLead(leadId, clock.now(), (rec, pending) =>
          stepMachine(leadId, rec, event, clock.now(), pending),
        ),
      ),
    open: (leadId, repId) => engine.dispatch(leadId, { type: 'OPEN', repId }),
    claim: (leadId, repId) =>
      serial(() =>
        withLead(leadId, clock.now(), (rec, pending) => {
          const at = clock.now();
          requireCapacity(repId, at, 'claim');
          stepMachine(leadId, rec, { type: 'CLAIM', repId }, at, pending);
          pendingAssignment = recordAssignment(pendingAssignment ?? assignment, repId, localDay(at));
          pending.assignment = pendingAssignment;
        }),
      ),
    assign: (leadId, repId, by) =>
      serial(() =>
        withLead(leadId, clock.now(), (rec, pending) => {
          const at = clock.now();
          requireCapacity(repId, at, 'assign');
          stepMachine(leadId, rec, { type: 'ASSIGN', repId, by }, at, pending);
          pendingAssignment = recordAssignment(pendingAssignment ?? assignment, repId, localDay(at));
          pending.assignment = pendingAssignment;
        }),
      ),
    recordFollowUp: (leadId, request) =>
      serial(() =>
        withLead(leadId, clock.now(), (rec, pending) => {
          const at = clock.now();
          const outcome = request.outcome !== undefined ? outcomes.get(request.outcome) : undefined;
          if (
            request.outcome !== undefined &&
            outcome === undefined &&
            compiled.source.followUp.outcomes.length > 0
          ) {
            throw new EngineError(
              'FOLLOW_UP_INVALID',
              `lead "${leadId}": follow-up outcome "${request.outcome}" is not one of ${compiled.source.followUp.outcomes.map((o) => o.id).join(', ')}`,
            );
          }
          const nextContactAt =
            request.nextContactAt !== undefined
              ? toMs(request.nextContactAt)
              : outcome
                ? at + outcome.nextContactIn
                : undefined;
          const validation = validateFollowUp({
            status: request.status,
            nextAction: request.nextAction,
            nextContactAt,
            ...(request.outcome !== undefined ? { outcome: request.outcome } : {}),
            ...(outcome ? { moveTo: outcome.moveTo } : {}),
            ...(outcome?.moveTo === 'nurturing'
              ? { nurtureUntil: at + compiled.qualification.incubationMs }
              : {}),
          });
          if (!validation.ok) {
            throw new EngineError(
              'FOLLOW_UP_INVALID',
              `lead "${leadId}": ${validation.message} (a follow-up needs status, nextAction and nextContactAt)`,
            );
          }
          stepMachine(
            leadId,
            rec,
            { type: 'FOLLOW_UP', ...validation.followUp } as DispatchableLeadEvent,
            at,
            pending,
          );
        }),
      ),
    runDue: () => serial(async () => runDueAt(clock.now())),
    advanceTo: (instant) =>
      serial(async () => {
        if (!isVirtual(clock))
          throw new EngineError('CLOCK_NOT_VIRTUAL', 'advanceTo needs a virtual clock (createVirtualClock)');
        const target = toMs(instant);
        let fired = 0;
        let stale = 0;
        for (;;) {
          // Fire timers one at a time at their own due instants, so each sees the right "now".
          const [next] = await storage.claimDueTimers(target, { limit: 1 });
          if (next === undefined) break;
          if (next.dueAt > clock.now()) clock.advanceTo(next.dueAt);
          const outcome = await fireTimer(next, clock.now());
          if (outcome === 'fired') fired++;
          else stale++;
          if (autoDeliver) await deliverIfDirty();
        }
        if (target > clock.now()) clock.advanceTo(target);
        if (autoDeliver) await deliverDue();
        return { fired, stale };
      }),
    deliver: () =>
      serial(async () => {
        const result = await deliverDue();
        return { sent: result.sent, retried: result.retried, dead: result.dead };
      }),
    getLead: async (leadId) => {
      const stored = await storage.load('lead', leadId);
      return stored ? (stored.snapshot as unknown as LeadRecord) : undefined;
    },
    explain: async (leadId) => {
      const { rec } = await loadLead(leadId);
      const [pendingTimers, events] = await Promise.all([
        storage.listTimers({ entityId: leadId }),
        storage.readEvents({ entityId: leadId }),
      ]);
      return {
        leadId,
        state: stateOf(rec),
        ownerId: rec.machine.context.ownerId,
        tags: rec.tags,
        intentGrade: rec.intentGrade,
        qualified: rec.qualified,
        decisions: rec.decisions,
        escalations: rec.machine.context.escalations,
        sla: slaSummary(rec.sla, clock.now(), calendar),
        pendingTimers,
        events,
      };
    },
    quarantined: (page) => storage.listQuarantine(page),
    leadMetrics: async (window = {}) => {
      const asOf = clock.now();
      const from = window.from === undefined ? 0 : toMs(window.from);
      const to = window.to === undefined ? asOf + 1 : toMs(window.to);
      const events = await storage.readEvents({ kind: 'lead', from });
      return computeLeadMetrics(events, {
        from,
        to,
        asOf,
        calendar,
        targets: compiled.source.targets,
      });
    },
  };
  return engine;
}

type MutableRecord = { -readonly [K in keyof LeadRecord]: LeadRecord[K] };

/** What the storage lookups of a lead depend on: its owner, whether it is open, its contacts. */
function indexSignature(rec: LeadRecord): string {
  const open = !TERMINAL_STATES.has(stateValueToString(rec.machine.value));
  return `${rec.machine.context.ownerId ?? ''}|${open}|${rec.lead.company.uscc ?? ''}|${rec.lead.contact.phone ?? ''}|${rec.lead.contact.email ?? ''}`;
}

function isCompiled(ruleSet: RuleSetInput | CompiledRuleSet): ruleSet is CompiledRuleSet {
  return (
    typeof ruleSet === 'object' &&
    ruleSet !== null &&
    'assignment' in ruleSet &&
    'sla' in ruleSet &&
    'source' in ruleSet
  );
}

const parsedTeams = new WeakMap<object, Team>();
function parseTeamOnce(team: TeamInput | Team): Team {
  let parsed = parsedTeams.get(team);
  if (!parsed) {
    parsed = parseTeam(team);
    parsedTeams.set(team, parsed);
  }
  return parsed;
}

function formatMinutes(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} 天`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} 小时`;
  return `${Math.round(ms / 60_000)} 分钟`;
}

function describeGuard(event: DispatchableLeadEvent, rec: MutableRecord): string {
  const context = rec.machine.context;
  if (event.type === 'CLAIM') return ` (offered to: ${context.offeredTo.join(', ') || 'nobody'})`;
  if (event.type === 'OPEN') return ` (owner: ${context.ownerId ?? 'none'})`;
  return '';
}

export type { FollowUpInput };
