import { EventEmitter } from 'eventemitter3';
import type { Notifier } from '../adapters/notify/port.js';
import { memoryStorage } from '../adapters/storage/memory.js';
import type {
  EntityWrite,
  EventInput,
  JsonValue,
  QuarantineRecord,
  StateWrite,
  StorageAdapter,
  StoredEvent,
  StoredTimer,
} from '../adapters/storage/port.js';
import { cloneLeadContext, type LeadContext, leadMachine } from '../machines/lead.js';
import { type SlaSummaryEntry, slaSummary } from '../machines/sla.js';
import { createStepper } from '../machines/xstate-step.js';
import { computeLeadMetrics, LEAD_METRICS_EVENT_TYPES, type LeadMetrics } from '../metrics/lead-metrics.js';
import { computeMetrics, METRICS_EVENT_TYPES, type Metrics } from '../metrics/metrics.js';
import { type Customer, parseCustomer } from '../model/customer.js';
import { parseLead } from '../model/lead.js';
import { parseTeam, type Team, type TeamInput } from '../model/team.js';
import { validateUscc } from '../model/uscc.js';
import { type CompiledRuleSet, compileRuleSet } from '../rules/compile.js';
import {
  type CustomerKnowledge,
  type CustomerRuleEffect,
  evaluateCustomerRules,
  groupCrossSellSuggestions,
} from '../rules/customer-rules.js';
import {
  type AssignmentDecision,
  type AssignmentState,
  decideLead,
  emptyAssignmentState,
  recordAssignment,
} from '../rules/decide.js';
import type { RuleSetInput } from '../rules/ruleset.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { type Clock, systemClock, type VirtualClock } from '../scheduler/clock.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import { type HandoverResult, type HandoverRow, handoverCsv } from './handover.js';
import {
  collapseTimers,
  createLeadSteps,
  type DispatchableLeadEvent,
  dedupeKeys,
  type FollowUpRequest,
  type LeadRecord,
  type LeadStepResult,
  sameLookups,
  TERMINAL_LEAD_STATES,
} from './lead-step.js';
import { deliverOutbox } from './outbox.js';
import { resolveRecipients } from './recipients.js';
import { renderTemplate } from './templates.js';
import {
  createWorkSteps,
  type OpportunityCommand,
  type OpportunityRecord,
  type TaskCommand,
  type TaskRecord,
} from './work-steps.js';

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
 * A customer as stored: the validated master record plus bookkeeping.
 *
 * @example
 * ```ts
 * const stored = await engine.getCustomer('c-1');
 * stored?.duplicateEntries; // how many times someone tried to enter it again
 * ```
 */
export interface CustomerRecord {
  readonly customer: Customer;
  /** Attempts to enter the same customer again (same USCC, phone or e-mail). */
  readonly duplicateEntries: number;
  /** Accepted-with-warning notes, e.g. a pilot-era USCC that fails GB 32100. */
  readonly warnings: readonly string[];
}

/**
 * What {@link Engine.upsertCustomer} did.
 *
 * @example
 * ```ts
 * const r = await engine.upsertCustomer(input);
 * if (r.status === 'duplicate') console.log(`already known as ${r.customerId} (same ${r.matchedOn})`);
 * ```
 */
export type CustomerUpsertResult =
  | {
      readonly status: 'created' | 'updated';
      readonly customerId: string;
      readonly warnings: readonly string[];
    }
  | {
      readonly status: 'duplicate';
      readonly customerId: string;
      readonly matchedOn: 'uscc' | 'phone' | 'email';
      readonly duplicateEntries: number;
    };

/**
 * What {@link Engine.createOpportunity} needs.
 *
 * @example
 * ```ts
 * const request: OpportunityRequest = { customerId: 'c-1', name: '产线自动化改造', ownerId: 'rep-a', leadId: 'lead-0000001' };
 * ```
 */
export interface OpportunityRequest {
  readonly customerId: string;
  readonly name: string;
  /** Defaults to the customer's owner. */
  readonly ownerId?: string;
  readonly leadId?: string;
  /** Field values known at creation (count towards the first gates). */
  readonly fields?: Record<string, JsonValue>;
  /** Defaults to a generated id. */
  readonly opportunityId?: string;
}

/**
 * A created opportunity and the warnings of the seed ("this group already has 2 active
 * opportunities, owner: 张伟").
 *
 * @example
 * ```ts
 * const { opportunityId, warnings } = await engine.createOpportunity(request);
 * warnings[0]?.message; // '该客户所属集团当前已有2个活跃商机，负责人：张伟(rep-a)'
 * ```
 */
export interface OpportunityCreated {
  readonly opportunityId: string;
  readonly warnings: readonly {
    readonly kind: 'groupActiveOpportunities';
    readonly message: string;
    readonly opportunities: readonly {
      readonly id: string;
      readonly name: string;
      readonly ownerId: string | null;
      readonly ownerName: string | null;
    }[];
  }[];
}

/**
 * A customer group as a tree (parent → subsidiaries), built from `groupId` and `parentId`.
 *
 * @example
 * ```ts
 * const group = await engine.customerGroup('g-1');
 * group.roots[0]?.children.map((c) => c.customer.name);
 * ```
 */
export interface CustomerGroup {
  readonly groupId: string;
  readonly roots: readonly CustomerGroupNode[];
  readonly size: number;
}

/**
 * One node of a {@link CustomerGroup}.
 *
 * @example
 * ```ts
 * const names = (node: CustomerGroupNode): string[] => [node.customer.name, ...node.children.flatMap(names)];
 * ```
 */
export interface CustomerGroupNode {
  readonly customer: Customer;
  readonly children: readonly CustomerGroupNode[];
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
  /**
   * Create or update a customer in the master, keyed by id and deduplicated on USCC, phone and
   * e-mail (a second customer with the same key is refused as a duplicate and counted). A USCC
   * failing GB 32100 is an error naming the rule, or a warning if the rule set allows pilot-era
   * codes (`customers.allowPilotUscc`).
   */
  upsertCustomer(input: unknown): Promise<CustomerUpsertResult>;
  getCustomer(customerId: string): Promise<CustomerRecord | undefined>;
  /** The group a customer belongs to (or a group id), as a parent → subsidiaries tree. */
  customerGroup(customerIdOrGroupId: string): Promise<CustomerGroup>;
  /**
   * Hand everything a departing rep owns — open leads and customers — to another rep, or
   * re-run assignment for each lead (`{ policy: 'reassign' }`), in one atomic commit. Returns the
   * ownership/permission matrix (rows and CSV). Nothing moves if any item cannot be placed.
   */
  handover(fromRepId: string, to: string | { readonly policy: 'reassign' }): Promise<HandoverResult>;
  /**
   * Open an opportunity for a customer in the first stage (lead confirmation). When the
   * customer's group already has active opportunities, the result warns with their owners.
   */
  createOpportunity(input: OpportunityRequest): Promise<OpportunityCreated>;
  /**
   * Send a command to an opportunity: `ADVANCE { fields }` (refused with the list of missing gate
   * fields, nothing changed), `UPDATE_FIELDS`, `ROLLBACK { toStage, reason }`,
   * `PLAN_NEXT_CONTACT { plannedAt }`, `WIN`, `LOSE { reason }`, `REASSIGN`, `FLAG_DELIVERY_DELAY`.
   */
  opportunity(opportunityId: string, command: OpportunityCommand): Promise<OpportunityRecord>;
  getOpportunity(opportunityId: string): Promise<OpportunityRecord | undefined>;
  /** Send a command to a department task: `ACKNOWLEDGE`, `COMPLETE { result }`, `CANCEL`, `REASSIGN`. */
  task(taskId: string, command: TaskCommand): Promise<TaskRecord>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /** Department tasks of an opportunity. */
  tasksOf(opportunityId: string): Promise<{ id: string; record: TaskRecord }[]>;
  explain(leadId: string): Promise<LeadExplanation>;
  /** The quarantine: every payload refused at intake, with its issues. */
  quarantined(options?: { afterId?: string; limit?: number }): Promise<QuarantineRecord[]>;
  /**
   * Every KPI with its target and pass/fail, over entities created in `[from, to)`: action
   * certainty (assigned in 5 business minutes, followed up in 24 h, advanced by the planned next
   * contact), funnel, stage dwell and rollbacks, stalled TOP5, data completeness, department task
   * response times, per-rep completion and timeliness, duplicate-entry rates, cross-sell count.
   */
  metrics(window?: { from?: number | Date; to?: number | Date }): Promise<Metrics>;
  /**
   * Run the rule set's cross-sell and risk rules over a customer now (and the group cross-sell
   * check over its group); each finding is logged and sent to its recipient through the outbox.
   */
  reviewCustomer(customerId: string, knowledge?: CustomerKnowledge): Promise<CustomerRuleEffect[]>;
  /** Lead KPIs over leads received in `[from, to)` (defaults: everything up to now). */
  leadMetrics(window?: { from?: number | Date; to?: number | Date }): Promise<LeadMetrics>;
  readonly ruleSet: CompiledRuleSet;
  readonly team: Team;
  readonly storage: StorageAdapter;
  readonly clock: Clock;
}

const QUARANTINE_RAW_LIMIT = 1_000_000;
const CLAIM_ONE = Object.freeze({ limit: 1 });

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
  const repsById = new Map(team.reps.map((rep) => [rep.id, rep]));

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
    stepper: createStepper(leadMachine, { cloneContext: cloneLeadContext }),
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

  /** Tell listeners, after the commit. Listeners are guarded in on(), so emitting cannot throw. */
  function tell(emits: LeadStepResult['effects']['emits']): void {
    for (const { name, payload } of emits) emitter.emit(name, payload);
  }

  /** Commit one step: the record, its events, timers and outbox, and engine state — atomically. */
  async function commit(
    leadId: string,
    result: LeadStepResult,
    expectedVersion: number,
    at: number,
    /** The record before the step (undefined for a new lead). */
    previous: LeadRecord | undefined,
    newSequence = false,
  ): Promise<void> {
    const { record, effects } = result;
    // Most steps change no engine-wide state: no array for them.
    let state: StateWrite[] | undefined;
    if (effects.assignment) {
      state = [
        {
          key: 'engine.assignment',
          value: effects.assignment as unknown as JsonValue,
          expectedVersion: assignmentVersion,
        },
      ];
    }
    if (newSequence) {
      const write = { key: 'engine.sequence', value: sequence + 1, expectedVersion: sequenceVersion };
      if (state === undefined) state = [write];
      else state.push(write);
    }
    const entity: EntityWrite = {
      kind: 'lead',
      id: leadId,
      expectedVersion,
      snapshot: record as unknown as JsonValue,
    };
    // Lookups change rarely (owner, open/closed); storage keeps them when omitted.
    if (previous === undefined || !sameLookups(previous, record)) {
      const open = !TERMINAL_LEAD_STATES.has(steps.stateOf(record));
      entity.lookups = {
        dedupe: open ? dedupeKeys(record.lead) : [],
        owner: record.machine.context.ownerId ?? [],
      };
    }
    const committed = await storage.commit({
      at,
      entities: [entity],
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
    if (newSequence) {
      sequence += 1;
      sequenceVersion = committed.stateVersions[stateIndex++]!;
    }
  }

  /** A KPI window: everything up to now unless given; `to` is exclusive. */
  function metricsWindow(window: { from?: number | Date; to?: number | Date }) {
    const asOf = clock.now();
    return {
      asOf,
      from: window.from === undefined ? 0 : toMs(window.from),
      to: window.to === undefined ? asOf + 1 : toMs(window.to),
    };
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
    if (!loaded) await ensureLoaded();
    const at = clock.now();
    const { record, version } = await loadLead(leadId);
    const result = step(record, at);
    await commit(leadId, result, version, at, record);
    tell(result.effects.emits);
    if (autoDeliver && outboxDirty) await deliverDue();
    return result.record;
  }

  /** Set when a commit enqueued messages or a delivery left retries; cleared by a delivery. */
  let outboxDirty = true;
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
      id: `quarantine-${Math.floor(at).toString(36)}-${sequence + 1}`,
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
    tell([
      {
        name: 'lead.quarantined',
        payload: { quarantineId: record.id, at, reason: record.reason, issues: record.issues },
      },
    ]);
    return { status: 'quarantined', record };
  }

  async function ingestNow(raw: unknown): Promise<IngestResult> {
    if (!loaded) await ensureLoaded();
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
      await commit(duplicateOf.leadId, result, version, at, record);
      tell(result.effects.emits);
      return {
        status: 'merged',
        leadId: duplicateOf.leadId,
        duplicateOf: duplicateOf.leadId,
        matchedOn: duplicateOf.matchedOn,
      };
    }

    const leadId = lead.id ?? `lead-${(sequence + 1).toString().padStart(7, '0')}`;
    const result = steps.receive(lead, leadId, at, assignment);
    await commit(leadId, result, 0, at, undefined, lead.id === undefined);
    tell(result.effects.emits);
    if (autoDeliver && outboxDirty) await deliverDue();
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
    const entity = (timer.payload as { entity?: unknown } | undefined)?.entity;
    if (entity === 'opportunity' || entity === 'task') {
      const stored = await storage.load(entity, timer.entityId);
      if (!stored) {
        await storage.completeTimer(timer.entityId, timer.timerKey, timer.generation);
        return 'stale';
      }
      if (entity === 'opportunity') await loadWork('opportunity', timer.entityId);
      const result = work.fire(
        entity,
        stored.snapshot as unknown as OpportunityRecord | TaskRecord,
        timer,
        at,
      );
      await commitWork(
        { kind: entity, id: timer.entityId, version: stored.version, record: result.record },
        result.effects,
        at,
      );
      return result.stale ? 'stale' : 'fired';
    }
    const stored = await storage.load('lead', timer.entityId);
    if (!stored) {
      // The entity is gone (e.g. another kind's timer): complete it so it never fires again.
      await storage.completeTimer(timer.entityId, timer.timerKey, timer.generation);
      return 'stale';
    }
    const record = stored.snapshot as unknown as LeadRecord;
    const result = steps.fire(record, timer, at, assignment);
    await commit(timer.entityId, result, stored.version, at, record);
    tell(result.effects.emits);
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

  // --- customers -------------------------------------------------------------------------

  function customerKeys(customer: Customer): { key: 'uscc' | 'phone' | 'email'; value: string }[] {
    const keys: { key: 'uscc' | 'phone' | 'email'; value: string }[] = [];
    if (customer.uscc) keys.push({ key: 'uscc', value: customer.uscc });
    for (const contact of customer.contacts) {
      if (contact.phone) keys.push({ key: 'phone', value: contact.phone });
      if (contact.email) keys.push({ key: 'email', value: contact.email.toLowerCase() });
    }
    return keys;
  }

  function parseCustomerInput(input: unknown): { customer: Customer; warnings: string[] } {
    const parsed = parseCustomer(input);
    if (parsed.ok) {
      const structure = parsed.customer.uscc ? validateUscc(parsed.customer.uscc) : { valid: true as const };
      if (structure.valid) return { customer: parsed.customer, warnings: [] };
      if (!compiled.source.customers.allowPilotUscc) {
        throw new EngineError(
          'CUSTOMER_INVALID',
          `customer "${parsed.customer.id}": uscc: invalid USCC: ${structure.reason}`,
        );
      }
      return {
        customer: parsed.customer,
        warnings: [`uscc: ${structure.reason} (accepted: pilot-era codes allowed)`],
      };
    }
    const usccIssue = parsed.issues.find((issue) => issue.path === 'uscc');
    const raw = input as Record<string, unknown>;
    if (usccIssue && compiled.source.customers.allowPilotUscc && typeof raw?.uscc === 'string') {
      const { uscc, ...rest } = raw;
      const retry = parseCustomer(rest);
      if (retry.ok) {
        return {
          customer: { ...retry.customer, uscc: uscc.trim().toUpperCase() },
          warnings: [`uscc: ${usccIssue.message} (accepted: pilot-era codes allowed)`],
        };
      }
    }
    throw new EngineError(
      'CUSTOMER_INVALID',
      `invalid customer: ${parsed.issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`,
    );
  }

  async function upsertCustomerNow(input: unknown): Promise<CustomerUpsertResult> {
    const at = clock.now();
    const { customer, warnings } = parseCustomerInput(input);
    for (const { key, value } of customerKeys(customer)) {
      const [existingId] = await storage.lookup('customer', key, value, { limit: 1 });
      if (existingId === undefined || existingId === customer.id) continue;
      const stored = await storage.load('customer', existingId);
      const record = stored!.snapshot as unknown as CustomerRecord;
      const updated: CustomerRecord = { ...record, duplicateEntries: record.duplicateEntries + 1 };
      await storage.commit({
        at,
        entities: [
          {
            kind: 'customer',
            id: existingId,
            expectedVersion: stored!.version,
            snapshot: updated as unknown as JsonValue,
          },
        ],
        events: [
          {
            entityId: existingId,
            kind: 'customer',
            type: 'customer.duplicateEntry',
            at,
            data: { matchedOn: key, attemptedId: customer.id },
          },
        ],
      });
      return {
        status: 'duplicate',
        customerId: existingId,
        matchedOn: key,
        duplicateEntries: updated.duplicateEntries,
      };
    }
    const stored = await storage.load('customer', customer.id);
    const previous = stored?.snapshot as unknown as CustomerRecord | undefined;
    const record: CustomerRecord = { customer, duplicateEntries: previous?.duplicateEntries ?? 0, warnings };
    const lookups: Record<string, string[]> = {
      uscc: [],
      phone: [],
      email: [],
      owner: [],
      group: [],
      parent: [],
    };
    for (const { key, value } of customerKeys(customer)) lookups[key]!.push(value);
    if (customer.ownerRepId) lookups.owner!.push(customer.ownerRepId);
    if (customer.groupId) lookups.group!.push(customer.groupId);
    if (customer.parentId) lookups.parent!.push(customer.parentId);
    await storage.commit({
      at,
      entities: [
        {
          kind: 'customer',
          id: customer.id,
          expectedVersion: stored?.version ?? 0,
          snapshot: record as unknown as JsonValue,
          lookups,
        },
      ],
      events: [
        {
          entityId: customer.id,
          kind: 'customer',
          type: stored ? 'customer.updated' : 'customer.created',
          at,
          data: { warnings },
        },
      ],
    });
    return { status: stored ? 'updated' : 'created', customerId: customer.id, warnings };
  }

  async function customerGroupNow(customerIdOrGroupId: string): Promise<CustomerGroup> {
    const asCustomer = await storage.load('customer', customerIdOrGroupId);
    const groupId = asCustomer
      ? ((asCustomer.snapshot as unknown as CustomerRecord).customer.groupId ?? customerIdOrGroupId)
      : customerIdOrGroupId;
    const ids = new Set(await storage.lookup('customer', 'group', groupId));
    if (asCustomer) ids.add(customerIdOrGroupId);
    const customers: Customer[] = [];
    for (const id of [...ids].sort()) {
      const stored = await storage.load('customer', id);
      if (stored) customers.push((stored.snapshot as unknown as CustomerRecord).customer);
    }
    const byParent = new Map<string, Customer[]>();
    const inGroup = new Set(customers.map((customer) => customer.id));
    const roots: Customer[] = [];
    for (const customer of customers) {
      if (customer.parentId && inGroup.has(customer.parentId)) {
        byParent.set(customer.parentId, [...(byParent.get(customer.parentId) ?? []), customer]);
      } else roots.push(customer);
    }
    const seen = new Set<string>();
    const node = (customer: Customer): CustomerGroupNode => {
      seen.add(customer.id);
      // A parent cycle in the data must not loop forever: a revisited customer has no children.
      const children = (byParent.get(customer.id) ?? []).filter((child) => !seen.has(child.id)).map(node);
      return { customer, children };
    };
    return { groupId, roots: roots.map(node), size: customers.length };
  }

  // --- opportunities and department tasks -------------------------------------------------

  const work = createWorkSteps({ compiled, team, calendar });
  let opportunitySequence = 0;

  /** The entity a work step wrote, with the version it was loaded at (0 when new). */
  type WorkWrite = {
    kind: 'opportunity' | 'task';
    id: string;
    version: number;
    record: OpportunityRecord | TaskRecord;
  };

  function workEntities(
    main: WorkWrite,
    effects: ReturnType<typeof work.createOpportunity>['effects'],
  ): EntityWrite[] {
    const entity = (
      kind: 'opportunity' | 'task',
      id: string,
      record: OpportunityRecord | TaskRecord,
      version: number,
    ): EntityWrite => {
      const context = record.machine.context as {
        ownerId?: string | null;
        assigneeId?: string | null;
        customerId?: string | null;
        outcome?: string | null;
        opportunityId?: string | null;
      };
      const open =
        kind === 'opportunity'
          ? context.outcome == null
          : record.machine.value !== 'done' && record.machine.value !== 'cancelled';
      return {
        kind,
        id,
        expectedVersion: version,
        snapshot: record as unknown as JsonValue,
        lookups: {
          owner: (kind === 'opportunity' ? context.ownerId : context.assigneeId) ?? [],
          customer: context.customerId ?? [],
          open: open ? 'yes' : [],
          ...(kind === 'task' ? { opportunity: context.opportunityId ?? [] } : {}),
          ...(kind === 'opportunity' && open && groupOf.has(id) ? { openGroup: groupOf.get(id)! } : {}),
        },
      };
    };
    return [
      entity(main.kind, main.id, main.record, main.version),
      ...effects.tasks.map((task) => entity('task', task.id, task.record, 0)),
    ];
  }
  /** Group ids of opportunities committed in this process (filled on create and on load). */
  const groupOf = new Map<string, string>();

  async function commitWork(
    main: WorkWrite,
    effects: ReturnType<typeof work.createOpportunity>['effects'],
    at: number,
  ): Promise<void> {
    const collapsed = collapseTimers(effects);
    // Timers carry their entity kind so a firing knows what to load: the main entity's, or 'task'
    // for the tasks this step created.
    const schedule = collapsed.schedule.map((timer) => ({
      ...timer,
      payload: {
        ...(timer.payload as Record<string, JsonValue>),
        entity:
          timer.entityId !== main.id && effects.tasks.some((task) => task.id === timer.entityId)
            ? 'task'
            : main.kind,
      },
    }));
    await storage.commit({
      at,
      entities: workEntities(main, effects),
      events: effects.events,
      timers: { ...collapsed, schedule },
      outbox: effects.outbox,
    });
    if (effects.outbox.length > 0) outboxDirty = true;
    tellWork(effects.events);
    tell(effects.emits);
    if (autoDeliver && outboxDirty) await deliverDue();
  }

  /** Opportunity and task log events, to listeners (payloads only built when someone listens). */
  function tellWork(events: readonly EventInput[]): void {
    const opportunities = emitter.listenerCount('opportunity.event') > 0;
    const tasks = emitter.listenerCount('task.event') > 0;
    if (!opportunities && !tasks) return;
    for (const event of events) {
      const data = event.data ?? null;
      if (event.kind === 'opportunity' && opportunities)
        emitter.emit('opportunity.event', {
          opportunityId: event.entityId,
          type: event.type,
          at: event.at,
          data,
        });
      else if (event.kind === 'task' && tasks)
        emitter.emit('task.event', { taskId: event.entityId, type: event.type, at: event.at, data });
    }
  }

  async function createOpportunityNow(request: OpportunityRequest): Promise<OpportunityCreated> {
    const at = clock.now();
    const customer = await storage.load('customer', request.customerId);
    if (!customer)
      throw new EngineError(
        'NOT_FOUND',
        `createOpportunity: customer "${request.customerId}" not found (upsertCustomer first)`,
      );
    const customerRecord = customer.snapshot as unknown as CustomerRecord;
    const ownerId = request.ownerId ?? customerRecord.customer.ownerRepId ?? null;
    if (ownerId !== null && !repsById.has(ownerId)) {
      throw new EngineError('ENGINE_INVALID', `createOpportunity: owner "${ownerId}" is not in the team`);
    }
    // Whole milliseconds: a virtual clock may stand between two, and ids must stay plain ids.
    const opportunityId =
      request.opportunityId ?? `opp-${Math.floor(at).toString(36)}-${++opportunitySequence}`;
    if (await storage.load('opportunity', opportunityId))
      throw new EngineError('ENGINE_INVALID', `createOpportunity: "${opportunityId}" exists`);
    const warnings: OpportunityCreated['warnings'][number][] = [];
    const groupId = customerRecord.customer.groupId;
    if (groupId !== undefined) {
      const active = [];
      for (const id of await storage.lookup('opportunity', 'openGroup', groupId)) {
        const stored = await storage.load('opportunity', id);
        if (!stored) continue;
        const context = (stored.snapshot as unknown as OpportunityRecord).machine.context;
        const owner = context.ownerId ? repsById.get(context.ownerId) : undefined;
        active.push({ id, name: context.name, ownerId: context.ownerId, ownerName: owner?.name ?? null });
      }
      if (active.length > 0) {
        const owners = [
          ...new Set(active.map((o) => (o.ownerName ? `${o.ownerName}(${o.ownerId})` : (o.ownerId ?? '无')))),
        ].join('、');
        warnings.push({
          kind: 'groupActiveOpportunities',
          message: `该客户所属集团当前已有${active.length}个活跃商机，负责人：${owners}`,
          opportunities: active,
        });
      }
      groupOf.set(opportunityId, groupId);
    }
    const created = work.createOpportunity(
      {
        opportunityId,
        customerId: request.customerId,
        name: request.name,
        ownerId,
        ...(request.leadId ? { leadId: request.leadId } : {}),
        ...(request.fields ? { fields: request.fields } : {}),
      },
      at,
    );
    await commitWork(
      { kind: 'opportunity', id: opportunityId, version: 0, record: created.record },
      created.effects,
      at,
    );
    return { opportunityId, warnings };
  }

  async function loadWork<K extends 'opportunity' | 'task'>(kind: K, id: string) {
    const stored = await storage.load(kind, id);
    if (!stored) throw new EngineError('NOT_FOUND', `${kind} "${id}" not found`);
    if (kind === 'opportunity') {
      const record = stored.snapshot as unknown as OpportunityRecord;
      const customer = await storage.load('customer', record.machine.context.customerId);
      const groupId = (customer?.snapshot as unknown as CustomerRecord | undefined)?.customer.groupId;
      if (groupId) groupOf.set(id, groupId);
    }
    return {
      record: stored.snapshot as unknown as K extends 'opportunity' ? OpportunityRecord : TaskRecord,
      version: stored.version,
    };
  }

  // --- handover ------------------------------------------------------------------------------

  async function handoverNow(
    fromRepId: string,
    to: string | { readonly policy: 'reassign' },
  ): Promise<HandoverResult> {
    await ensureLoaded();
    const at = clock.now();
    const day = localDay(at);
    if (!repsById.has(fromRepId)) {
      throw new EngineError('ENGINE_INVALID', `handover: rep "${fromRepId}" is not in the team`);
    }
    if (typeof to === 'string') {
      const target = repsById.get(to);
      if (!target) throw new EngineError('ENGINE_INVALID', `handover: target rep "${to}" is not in the team`);
      if (!target.active) throw new EngineError('ENGINE_INVALID', `handover: target rep "${to}" is inactive`);
      if (to === fromRepId)
        throw new EngineError('ENGINE_INVALID', 'handover: a rep cannot hand over to themselves');
    }
    const managerOf = (repId: string): string | undefined =>
      resolveRecipients(team, repsById, 'manager', {
        ownerId: repId,
        supervisorId: compiled.assignment.fallback.supervisorId,
      })[0];
    const access = (repId: string) => {
      const manager = managerOf(repId);
      return manager ? `${repId}:owner;${manager}:read` : `${repId}:owner`;
    };
    const rows: HandoverRow[] = [];
    const entities: EntityWrite[] = [];
    const events: EventInput[] = [];
    const unplaced: string[] = [];
    const results: LeadStepResult[] = [];
    let current = assignment;

    for (const leadId of await storage.lookup('lead', 'owner', fromRepId)) {
      const stored = await storage.load('lead', leadId);
      if (!stored) continue;
      const record = stored.snapshot as unknown as LeadRecord;
      const state = steps.stateOf(record);
      if (TERMINAL_LEAD_STATES.has(state)) continue;
      let target: string | undefined = typeof to === 'string' ? to : undefined;
      if (target === undefined) {
        // Re-run assignment without the departing rep; ownership moves without using capacity.
        const decided = decideLead(compiled, record.lead, team, current, {
          now: at,
          day,
          trace: false,
          excludeReps: new Set([fromRepId]),
        });
        if (decided.decision.kind === 'assign') {
          target = decided.decision.repId;
          current = recordAssignment(current, target, day);
        } else {
          unplaced.push(`lead ${leadId} (${decided.decision.kind}: no eligible rep)`);
          continue;
        }
      }
      const result = steps.apply(
        record,
        { type: 'REASSIGN', repId: target, reason: `handover from ${fromRepId}` },
        at,
        current,
      );
      results.push(result);
      entities.push({
        kind: 'lead',
        id: leadId,
        expectedVersion: stored.version,
        snapshot: result.record as unknown as JsonValue,
        lookups: { dedupe: dedupeKeys(result.record.lead), owner: target },
      });
      events.push(...result.effects.events, {
        entityId: leadId,
        kind: 'lead',
        type: 'lead.handedOver',
        at,
        data: { from: fromRepId, to: target },
      });
      rows.push({
        kind: 'lead',
        id: leadId,
        name: record.lead.company.name,
        state: steps.stateOf(result.record),
        from: fromRepId,
        to: target,
        access: access(target),
      });
    }

    for (const customerId of await storage.lookup('customer', 'owner', fromRepId)) {
      const stored = await storage.load('customer', customerId);
      if (!stored) continue;
      const record = stored.snapshot as unknown as CustomerRecord;
      // Customers follow their most recent lead's new owner when re-assigning, else the target.
      const target = typeof to === 'string' ? to : (rows.find((row) => row.kind === 'lead')?.to ?? undefined);
      if (target === undefined) {
        unplaced.push(`customer ${customerId} (no lead moved to follow)`);
        continue;
      }
      const updated: CustomerRecord = { ...record, customer: { ...record.customer, ownerRepId: target } };
      entities.push({
        kind: 'customer',
        id: customerId,
        expectedVersion: stored.version,
        snapshot: updated as unknown as JsonValue,
        lookups: { owner: target },
      });
      events.push({
        entityId: customerId,
        kind: 'customer',
        type: 'customer.handedOver',
        at,
        data: { from: fromRepId, to: target },
      });
      rows.push({
        kind: 'customer',
        id: customerId,
        name: record.customer.name,
        state: 'active',
        from: fromRepId,
        to: target,
        access: access(target),
      });
    }

    // Opportunities and open tasks follow: to the target rep, or to the lead's new owner.
    const fallbackTarget = typeof to === 'string' ? to : rows.find((row) => row.kind === 'lead')?.to;
    const workTimers: ReturnType<typeof collapseTimers>[] = [];
    const workOutbox: (typeof results)[number]['effects']['outbox'] = [];
    for (const kind of ['opportunity', 'task'] as const) {
      for (const id of await storage.lookup(kind, 'owner', fromRepId)) {
        const { record, version } = await loadWork(kind, id);
        const context = record.machine.context as {
          outcome?: string | null;
          name?: string;
          label?: string;
          leadId?: string | null;
        };
        if (kind === 'task' && (record.machine.value === 'done' || record.machine.value === 'cancelled'))
          continue;
        if (kind === 'opportunity' && context.outcome === 'lost') continue;
        const leadTarget = context.leadId
          ? rows.find((row) => row.kind === 'lead' && row.id === context.leadId)?.to
          : undefined;
        const target = leadTarget ?? fallbackTarget;
        if (target === undefined) {
          unplaced.push(`${kind} ${id} (no lead moved to follow)`);
          continue;
        }
        const step =
          kind === 'opportunity'
            ? work.stepOpportunity(record as OpportunityRecord, { type: 'REASSIGN', repId: target }, at)
            : work.stepTask(record as TaskRecord, { type: 'REASSIGN', to: target }, at);
        entities.push(...workEntities({ kind, id, version, record: step.record }, step.effects));
        events.push(...step.effects.events);
        workTimers.push(collapseTimers(step.effects));
        workOutbox.push(...step.effects.outbox);
        const state =
          kind === 'opportunity'
            ? String(context.outcome ?? (record as OpportunityRecord).machine.context.stage)
            : String(step.record.machine.value);
        rows.push({
          kind,
          id,
          name: context.name ?? context.label ?? id,
          state,
          from: fromRepId,
          to: target,
          access: access(target),
        });
      }
    }

    if (unplaced.length > 0) {
      throw new EngineError(
        'HANDOVER_UNPLACED',
        `handover from "${fromRepId}" moved nothing: ${unplaced.length} item(s) have nowhere to go: ${unplaced.slice(0, 5).join('; ')}${unplaced.length > 5 ? ' …' : ''}`,
      );
    }
    const timers = [...results.map((result) => collapseTimers(result.effects)), ...workTimers];
    await storage.commit({
      at,
      entities,
      events,
      timers: {
        schedule: timers.flatMap((t) => t.schedule),
        cancel: timers.flatMap((t) => t.cancel),
        complete: timers.flatMap((t) => t.complete),
      },
      outbox: [...results.flatMap((result) => result.effects.outbox), ...workOutbox],
      ...(typeof to === 'string'
        ? {}
        : {
            state: [
              {
                key: 'engine.assignment',
                value: current as unknown as JsonValue,
                expectedVersion: assignmentVersion,
              },
            ],
          }),
    });
    if (typeof to !== 'string') {
      assignment = current;
      assignmentVersion += 1;
    }
    tellWork(events);
    for (const result of results) tell(result.effects.emits);
    const counts = { lead: 0, customer: 0, opportunity: 0, task: 0 };
    for (const row of rows) counts[row.kind]++;
    return { fromRepId, at, rows, counts, csv: handoverCsv(rows) };
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
        if (!loaded) await ensureLoaded();
        const target = toMs(instant);
        let fired = 0;
        let stale = 0;
        for (;;) {
          // Fire timers one at a time at their own due instants, so each sees the right "now".
          const next = (await storage.claimDueTimers(target, CLAIM_ONE))[0];
          if (next === undefined) break;
          if (next.dueAt > clock.now()) clock.advanceTo(next.dueAt);
          if ((await fireTimer(next, clock.now())) === 'fired') fired++;
          else stale++;
          if (autoDeliver && outboxDirty) await deliverDue();
        }
        if (target > clock.now()) clock.advanceTo(target);
        if (autoDeliver && outboxDirty) await deliverDue();
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
    upsertCustomer: (input) => serial(() => upsertCustomerNow(input)),
    getCustomer: async (customerId) => {
      const stored = await storage.load('customer', customerId);
      return stored ? (stored.snapshot as unknown as CustomerRecord) : undefined;
    },
    customerGroup: (id) => customerGroupNow(id),
    handover: (fromRepId, to) => serial(() => handoverNow(fromRepId, to)),
    createOpportunity: (request) => serial(() => createOpportunityNow(request)),
    opportunity: (opportunityId, command) =>
      serial(async () => {
        const at = clock.now();
        const { record, version } = await loadWork('opportunity', opportunityId);
        const result = work.stepOpportunity(record, command, at);
        await commitWork(
          { kind: 'opportunity', id: opportunityId, version, record: result.record },
          result.effects,
          at,
        );
        return result.record;
      }),
    getOpportunity: async (id) =>
      (await storage.load('opportunity', id))?.snapshot as unknown as OpportunityRecord | undefined,
    task: (taskId, command) =>
      serial(async () => {
        const at = clock.now();
        const { record, version } = await loadWork('task', taskId);
        const result = work.stepTask(record, command, at);
        await commitWork({ kind: 'task', id: taskId, version, record: result.record }, result.effects, at);
        return result.record;
      }),
    getTask: async (id) => (await storage.load('task', id))?.snapshot as unknown as TaskRecord | undefined,
    tasksOf: async (opportunityId) => {
      const out: { id: string; record: TaskRecord }[] = [];
      for (const id of await storage.lookup('task', 'opportunity', opportunityId)) {
        const stored = await storage.load('task', id);
        if (stored) out.push({ id, record: stored.snapshot as unknown as TaskRecord });
      }
      return out;
    },
    metrics: async (window = {}) => {
      const span = metricsWindow(window);
      const events = await storage.readEvents({ from: span.from, types: METRICS_EVENT_TYPES });
      return computeMetrics(events, { ...span, calendar, targets: compiled.source.targets });
    },
    reviewCustomer: (customerId, knowledge) =>
      serial(async () => {
        const at = clock.now();
        const stored = await storage.load('customer', customerId);
        if (!stored) throw new EngineError('NOT_FOUND', `customer "${customerId}" not found`);
        const record = stored.snapshot as unknown as CustomerRecord;
        const effects = evaluateCustomerRules(compiled, record.customer, at, knowledge);
        const events: EventInput[] = [];
        const outbox: {
          id: string;
          channel: string;
          to: string[];
          createdAt: number;
          nextAttemptAt: number;
          payload: JsonValue;
        }[] = [];
        const owner = record.customer.ownerRepId;
        const day = localDay(at);
        for (const effect of effects) {
          events.push({
            entityId: customerId,
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
          const template = effect.template ? compiled.source.templates[effect.template] : undefined;
          outbox.push({
            // One message per rule, customer and day: re-running a review the same day never re-sends.
            id: `${customerId}:${effect.ruleId}:${day}`,
            channel: 'wecom',
            to: resolveRecipients(team, repsById, effect.to, {
              ownerId: owner,
              supervisorId: compiled.assignment.fallback.supervisorId,
            }),
            createdAt: at,
            nextAttemptAt: at,
            payload: {
              text: template
                ? renderCustomerTemplate(template.text, record.customer, effect)
                : `${effect.kind}: ${record.customer.name}`,
              ...(effect.template ? { template: effect.template } : {}),
              data: {
                customerId,
                ruleId: effect.ruleId,
                kind: effect.kind,
                details: effect.details as JsonValue,
              },
            },
          });
        }
        if (record.customer.groupId !== undefined) {
          const group = await customerGroupNow(record.customer.groupId);
          const members = group.roots.flatMap(function flatten(node): Customer[] {
            return [node.customer, ...node.children.flatMap(flatten)];
          });
          for (const suggestion of groupCrossSellSuggestions(members, at)) {
            events.push({
              entityId: customerId,
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
        }
        if (events.length > 0) {
          await storage.commit({ at, events, outbox });
          outboxDirty = true;
          if (autoDeliver) await deliverDue();
        }
        return effects;
      }),
    leadMetrics: async (window = {}) => {
      const span = metricsWindow(window);
      const events = await storage.readEvents({
        kind: 'lead',
        from: span.from,
        types: LEAD_METRICS_EVENT_TYPES,
      });
      return computeLeadMetrics(events, { ...span, calendar, targets: compiled.source.targets });
    },
  };
  return engine;
}

function renderCustomerTemplate(text: string, customer: Customer, effect: CustomerRuleEffect): string {
  return renderTemplate(text, { customer, facts: effect.facts, details: effect.details });
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
