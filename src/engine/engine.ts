import { EventEmitter } from 'eventemitter3';
import type { Notifier } from '../adapters/notify/port.js';
import { memoryStorage } from '../adapters/storage/memory.js';
import type {
  JsonValue,
  QuarantineRecord,
  StateWrite,
  StorageAdapter,
  StoredEvent,
  StoredTimer,
} from '../adapters/storage/port.js';
import { type LeadContext, leadMachine } from '../machines/lead.js';
import { type SlaSummaryEntry, slaSummary } from '../machines/sla.js';
import { createStepper } from '../machines/xstate-step.js';
import { computeLeadMetrics, type LeadMetrics } from '../metrics/lead-metrics.js';
import { parseLead } from '../model/lead.js';
import { parseTeam, type Team, type TeamInput } from '../model/team.js';
import { type CompiledRuleSet, compileRuleSet } from '../rules/compile.js';
import { type AssignmentDecision, type AssignmentState, emptyAssignmentState } from '../rules/decide.js';
import type { RuleSetInput } from '../rules/ruleset.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { type Clock, systemClock, type VirtualClock } from '../scheduler/clock.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import {
  collapseTimers,
  createLeadSteps,
  type DispatchableLeadEvent,
  dedupeKeys,
  type FollowUpRequest,
  indexSignature,
  type LeadRecord,
  type LeadStepResult,
  TERMINAL_LEAD_STATES,
} from './lead-step.js';
import { deliverOutbox } from './outbox.js';

export type { DispatchableLeadEvent, FollowUpRequest, LeadRecord } from './lead-step.js';

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

const QUARANTINE_RAW_LIMIT = 1_000_000;

const dropAllNotifier: Notifier = {
  name: 'none',
  send: async () => ({ ok: true }),
};

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
 * clocks, storage and notifications. Each operation loads a lead, runs one pure step
 * ({@link createLeadSteps}), commits the record with its events, timers and outbox messages
 * atomically, and only then tells listeners and delivers notifications.
 *
 * @example
 * ```ts
 * import { chinaCalendar, createEngine, createVirtualClock, memoryNotifier, zhikongPreset } from 'leadflow';
 * const clock = createVirtualClock(Date.parse('2026-03-02T01:00:00Z'));
 * const notifier = memoryNotifier();
 * const engine = createEngine({ ...zhikongPreset, calendar: chinaCalendar({ years: [2026] }), clock, notifier });
 * engine.on('sla.breached', (e) => console.log('breach', e.policyId, e.entityId));
 * await engine.ingest({ receivedAt: clock.now(), channel: 'website_form', company: { name: '苏州精工', region: '江苏', industry: '汽车零部件', park: '苏州工业园区' }, contact: { name: '刘', phone: '13800000000' }, need: '产线自动化改造' });
 * await engine.advanceTo(clock.now() + 3_600_000);
 * ```
 */
export function createEngine(options: EngineOptions): Engine {
  const team = parseTeamOnce(options.team);
  const compiled: CompiledRuleSet = isCompiled(options.ruleSet)
    ? options.ruleSet
    : compileRuleSet(options.ruleSet, { team });
  const calendar = options.calendar;
  const clock = options.clock ?? systemClock;
  const storage = options.storage ?? memoryStorage();
  const notifier = options.notifier ?? dropAllNotifier;
  const autoDeliver = options.autoDeliver ?? true;
  const emitter = new EventEmitter();

  const localDayFormatter = new Intl.DateTimeFormat('en-CA', {
    timeZone: calendar.zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  let dayCache = { from: 0, to: -1, day: '' };
  /** Local business day of an instant; cached per hour since operations come in time order. */
  function localDay(at: number): string {
    if (at >= dayCache.from && at < dayCache.to) return dayCache.day;
    const day = localDayFormatter.format(at);
    const hourStart = at - (at % 3_600_000);
    dayCache = { from: hourStart, to: hourStart + 3_600_000, day };
    return day;
  }

  const steps = createLeadSteps({
    compiled,
    team,
    calendar,
    stepper: createStepper(leadMachine),
    localDay,
    trace: options.trace ?? true,
    decisionHistory: options.decisionHistory ?? 10,
  });

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

  function tell(result: LeadStepResult): void {
    for (const { name, payload } of result.effects.emits) {
      try {
        emitter.emit(name, payload);
      } catch {
        // Listeners are guarded in on(); this is belt and braces.
      }
    }
  }

  /** Commit one step: the record, its events, timers and outbox, and engine state — atomically. */
  async function commit(
    leadId: string,
    result: LeadStepResult,
    expectedVersion: number,
    at: number,
    extra: { sequence?: boolean; previousSignature?: string } = {},
  ): Promise<void> {
    const { record, effects } = result;
    const state: StateWrite[] = [];
    if (effects.assignment) {
      state.push({
        key: 'engine.assignment',
        value: effects.assignment as unknown as JsonValue,
        expectedVersion: assignmentVersion,
      });
    }
    if (extra.sequence)
      state.push({ key: 'engine.sequence', value: sequence + 1, expectedVersion: sequenceVersion });
    const open = !TERMINAL_LEAD_STATES.has(steps.stateOf(record));
    const writeLookups = expectedVersion === 0 || indexSignature(record) !== extra.previousSignature;
    const committed = await storage.commit({
      at,
      entities: [
        {
          kind: 'lead',
          id: leadId,
          expectedVersion,
          snapshot: record as unknown as JsonValue,
          // Lookups change rarely (owner, open/closed); storage keeps them when omitted.
          ...(writeLookups
            ? {
                lookups: {
                  dedupe: open ? dedupeKeys(record.lead) : [],
                  owner: record.machine.context.ownerId ?? [],
                },
              }
            : {}),
        },
      ],
      events: effects.events,
      timers: collapseTimers(effects),
      outbox: effects.outbox,
      state,
    });
    if (effects.outbox.length > 0) outboxDirty = true;
    // Only after the commit: move the engine-wide state forward.
    let stateIndex = 0;
    if (effects.assignment) {
      assignment = effects.assignment;
      assignmentVersion = committed.stateVersions[stateIndex++]!;
    }
    if (extra.sequence) {
      sequence += 1;
      sequenceVersion = committed.stateVersions[stateIndex++]!;
    }
  }

  async function loadLead(leadId: string): Promise<{ record: LeadRecord; version: number }> {
    const stored = await storage.load('lead', leadId);
    if (!stored) throw new EngineError('LEAD_NOT_FOUND', `lead "${leadId}" not found`);
    return { record: stored.snapshot as unknown as LeadRecord, version: stored.version };
  }

  /** Load, step, commit, tell, deliver. */
  async function withLead(
    leadId: string,
    step: (record: LeadRecord, at: number) => LeadStepResult,
  ): Promise<LeadRecord> {
    await ensureLoaded();
    const at = clock.now();
    const { record, version } = await loadLead(leadId);
    const result = step(record, at);
    await commit(leadId, result, version, at, { previousSignature: indexSignature(record) });
    tell(result);
    if (autoDeliver) await deliverIfDirty();
    return result.record;
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

  async function quarantine(
    raw: unknown,
    issues: readonly { path: string; message: string }[],
    at: number,
  ): Promise<IngestResult> {
    const record: QuarantineRecord = {
      id: `quarantine-${at.toString(36)}-${sequence + 1}`,
      receivedAt: at,
      raw: quarantineRaw(raw),
      issues: issues.map((issue) => ({ path: issue.path, message: issue.message })),
      reason: `invalid lead: ${issues
        .slice(0, 3)
        .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
        .join('; ')}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`,
    };
    const committed = await storage.commit({
      at,
      quarantine: [record],
      events: [
        {
          entityId: record.id,
          kind: 'quarantine',
          type: 'lead.quarantined',
          at,
          data: { issues: record.issues.length },
        },
      ],
      state: [{ key: 'engine.sequence', value: sequence + 1, expectedVersion: sequenceVersion }],
    });
    sequence += 1;
    sequenceVersion = committed.stateVersions[0]!;
    try {
      emitter.emit('lead.quarantined', {
        quarantineId: record.id,
        at,
        reason: record.reason,
        issues: record.issues,
      });
    } catch {
      // guarded listeners
    }
    return { status: 'quarantined', record };
  }

  async function ingestNow(raw: unknown): Promise<IngestResult> {
    await ensureLoaded();
    const at = clock.now();
    const parsed = parseLead(raw);
    if (!parsed.ok) return quarantine(raw, parsed.issues, at);
    const lead = parsed.lead;

    // Dedupe against open leads (same USCC, phone or e-mail), and redeliveries of the same id.
    let duplicateOf: { leadId: string; matchedOn: string } | undefined;
    for (const key of dedupeKeys(lead)) {
      const [existingId] = await storage.lookup('lead', 'dedupe', key, { limit: 1 });
      if (existingId !== undefined) {
        duplicateOf = { leadId: existingId, matchedOn: key.slice(0, key.indexOf(':')) };
        break;
      }
    }
    if (duplicateOf === undefined && lead.id !== undefined && (await storage.load('lead', lead.id))) {
      duplicateOf = { leadId: lead.id, matchedOn: 'id' };
    }
    if (duplicateOf !== undefined) {
      const { record, version } = await loadLead(duplicateOf.leadId);
      const result = steps.mergeDuplicate(record, lead, duplicateOf.matchedOn, at, assignment);
      await commit(duplicateOf.leadId, result, version, at, { previousSignature: indexSignature(record) });
      tell(result);
      return {
        status: 'merged',
        leadId: duplicateOf.leadId,
        duplicateOf: duplicateOf.leadId,
        matchedOn: duplicateOf.matchedOn,
      };
    }

    const leadId = lead.id ?? `lead-${(sequence + 1).toString().padStart(7, '0')}`;
    const result = steps.receive(lead, leadId, at, assignment);
    await commit(leadId, result, 0, at, { sequence: lead.id === undefined });
    tell(result);
    if (autoDeliver) await deliverIfDirty();
    const decision = result.record.decisions.at(-1)!.decision;
    return {
      status: 'accepted',
      leadId,
      state: steps.stateOf(result.record),
      decision,
      tags: result.record.tags,
    };
  }

  async function fireTimer(timer: StoredTimer, at: number): Promise<'fired' | 'stale'> {
    const stored = await storage.load('lead', timer.entityId);
    if (!stored) {
      // The entity is gone (e.g. another kind's timer): complete it so it never fires again.
      await storage.completeTimer(timer.entityId, timer.timerKey, timer.generation);
      return 'stale';
    }
    const record = stored.snapshot as unknown as LeadRecord;
    const result = steps.fire(record, timer, at, assignment);
    await commit(timer.entityId, result, stored.version, at, { previousSignature: indexSignature(record) });
    tell(result);
    return result.stale ? 'stale' : 'fired';
  }

  async function runDueAt(now: number) {
    let fired = 0;
    let stale = 0;
    for (;;) {
      const timers = await storage.claimDueTimers(now, { limit: 100 });
      if (timers.length === 0) break;
      for (const timer of timers) {
        if ((await fireTimer(timer, now)) === 'fired') fired++;
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
          if (name === 'listener.error') return;
          try {
            emitter.emit('listener.error', { event: name, error });
          } catch {
            // a throwing error listener is ignored
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
      serial(() => withLead(leadId, (record, at) => steps.apply(record, event, at, assignment))),
    open: (leadId, repId) => engine.dispatch(leadId, { type: 'OPEN', repId }),
    claim: (leadId, repId) => engine.dispatch(leadId, { type: 'CLAIM', repId }),
    assign: (leadId, repId, by) => engine.dispatch(leadId, { type: 'ASSIGN', repId, by }),
    recordFollowUp: (leadId, request) =>
      serial(() => withLead(leadId, (record, at) => steps.followUp(record, request, at, assignment))),
    runDue: () => serial(async () => runDueAt(clock.now())),
    advanceTo: (instant) =>
      serial(async () => {
        if (!isVirtual(clock))
          throw new EngineError('CLOCK_NOT_VIRTUAL', 'advanceTo needs a virtual clock (createVirtualClock)');
        await ensureLoaded();
        const target = toMs(instant);
        let fired = 0;
        let stale = 0;
        for (;;) {
          // Fire timers one at a time at their own due instants, so each sees the right "now".
          const [next] = await storage.claimDueTimers(target, { limit: 1 });
          if (next === undefined) break;
          if (next.dueAt > clock.now()) clock.advanceTo(next.dueAt);
          if ((await fireTimer(next, clock.now())) === 'fired') fired++;
          else stale++;
          if (autoDeliver) await deliverIfDirty();
        }
        if (target > clock.now()) clock.advanceTo(target);
        if (autoDeliver) await deliverIfDirty();
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
      const { record } = await loadLead(leadId);
      const [pendingTimers, events] = await Promise.all([
        storage.listTimers({ entityId: leadId }),
        storage.readEvents({ entityId: leadId }),
      ]);
      return {
        leadId,
        state: steps.stateOf(record),
        ownerId: record.machine.context.ownerId,
        tags: record.tags,
        intentGrade: record.intentGrade,
        qualified: record.qualified,
        decisions: record.decisions,
        escalations: record.machine.context.escalations,
        sla: slaSummary(record.sla, clock.now(), calendar),
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
      return computeLeadMetrics(events, { from, to, asOf, calendar, targets: compiled.source.targets });
    },
  };
  return engine;
}

function isCompiled(ruleSet: RuleSetInput | CompiledRuleSet): ruleSet is CompiledRuleSet {
  return typeof ruleSet === 'object' && ruleSet !== null && 'source' in ruleSet && 'sla' in ruleSet;
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
