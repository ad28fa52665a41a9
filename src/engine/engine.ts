import { EventEmitter } from 'eventemitter3';
import type { Notifier } from '../adapters/notify/port.js';
import { memoryStorage } from '../adapters/storage/memory.js';
import type { CommitInput, EventInput } from '../adapters/storage/port.js';
import { cloneLeadContext, leadMachine } from '../machines/lead.js';
import { slaSummary } from '../machines/sla.js';
import { createStepper } from '../machines/xstate-step.js';
import { leadMetricsFromKpi, metricsFromKpi } from '../metrics/kpi-projection.js';
import { computeLeadMetrics, LEAD_METRICS_EVENT_TYPES } from '../metrics/lead-metrics.js';
import { computeMetrics, METRICS_EVENT_TYPES } from '../metrics/metrics.js';
import { parseTeam, type Team, type TeamInput } from '../model/team.js';
import { type CompiledRuleSet, compileRuleSet } from '../rules/compile.js';
import type { RuleSetInput } from '../rules/ruleset.js';
import { type Clock, systemClock, type VirtualClock } from '../scheduler/clock.js';
import { createOutboxRouting } from './channels.js';
import { createCustomerOperations } from './customer-ops.js';
import { listDeadLetters, redeliver } from './dead-letters.js';
import { createDelivery, dropAllNotifier } from './delivery.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import { checkHandover, handoverPlan, ownedBy } from './handover-plan.js';
import { createLeadOperations } from './lead-ops.js';
import { createLeadSteps, type LeadStepResult } from './lead-step.js';
import { createRepository } from './repository.js';
import { createRuntime } from './runtime.js';
import { createStagedStorage } from './staged-storage.js';
import { createTimerRunner } from './timers.js';
import type { Engine, EngineOptions, IngestResult } from './types.js';
import { createUnitOfWork } from './unit-of-work.js';
import { createWorkOperations } from './work-ops.js';
import { createWorkSteps } from './work-steps.js';

export type { DispatchableLeadEvent, FollowUpRequest, LeadRecord } from './lead-step.js';
export type * from './types.js';

type Emit = LeadStepResult['effects']['emits'][number];

/**
 * Create a lead engine: the one place that wires the rule set, the lifecycle machine, the SLA
 * clocks, storage and notifications. Each operation loads what it needs, runs one pure step,
 * commits the records with their events, timers and outbox messages atomically (retrying when
 * another engine on the same storage committed first), and only then tells listeners and starts
 * delivery — which runs beside the operations, never inside them.
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
 * @category Engine
 */
export function createEngine(options: EngineOptions): Engine {
  const team = parseTeamOnce(options.team);
  const calendar = options.calendar;
  const given: CompiledRuleSet = isCompiled(options.ruleSet)
    ? options.ruleSet
    : compileRuleSet(options.ruleSet, { team, calendar });
  // Decisions read rep shifts and partial-day leave in the engine's calendar, whatever the
  // compiled rule set was given.
  const compiled: CompiledRuleSet = given.calendar === calendar ? given : { ...given, calendar };
  const clock = options.clock ?? systemClock;
  // Staged: a batch of intake can be written as one commit (ingestMany); otherwise a pass-through.
  const storage = createStagedStorage(options.storage ?? memoryStorage());
  const notifier = requireNotifier(options.notifier, options.channels !== undefined);
  const routing =
    options.channels !== undefined || options.links !== undefined
      ? createOutboxRouting({
          channels: options.channels ?? {},
          team,
          fallbacks: compiled.routing.fallbacks,
          otherChannels: (name) => pickLegacy(notifier, name) !== undefined,
          language: compiled.source.language,
          ...(options.links ? { links: options.links } : {}),
        })
      : undefined;
  const autoDeliver = options.autoDeliver ?? true;
  const emitter = new EventEmitter();
  const repsById = new Map(team.reps.map((rep) => [rep.id, rep]));
  const localDay = localDayOf(calendar.zone);

  const steps = createLeadSteps({
    compiled,
    team,
    calendar,
    stepper: createStepper(leadMachine, { cloneContext: cloneLeadContext }),
    localDay,
    trace: options.trace ?? true,
    decisionHistory: options.decisionHistory ?? 10,
  });
  const work = createWorkSteps({ compiled, team, calendar });
  const repo = createRepository(storage);
  const unit = createUnitOfWork({
    storage,
    clock,
    maxConflictRetries: options.maxConflictRetries ?? 12,
    idBlockSize: positiveInteger(options.idBlockSize ?? 100, 'idBlockSize'),
  });
  const delivery = createDelivery({
    storage,
    clock,
    notifier,
    ...(options.delivery ? { settings: options.delivery } : {}),
    ...(routing ? { routing } : {}),
    emit: (name, payload) => emitter.emit(name, payload),
    onError: (error) => emitter.emit('delivery.failed', { error }),
    onRetry: (at) => runtime.wake(at),
  });
  const runtime = createRuntime({
    clock,
    round: async (settings) => {
      try {
        await timers.runDue(settings);
      } catch (error) {
        emitter.emit('runtime.error', { error });
      }
      if (autoDeliver) delivery.poll();
    },
    nextKnownDue: () => (autoDeliver ? delivery.nextRetryAt() : undefined),
  });

  /** Tell listeners, after the commit. Listeners are guarded in on(), so emitting cannot throw. */
  function tell(emits: readonly Emit[]): void {
    for (const { name, payload } of emits) emitter.emit(name, payload);
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

  /** While a batch is staged, what its commits will tell once it is written (dropped if it is not). */
  let deferred: (() => void)[] | undefined;

  /** After every commit: listeners, then wake the runtime for new timers and deliver new messages. */
  function committed(
    commit: Omit<CommitInput, 'at'>,
    emits: readonly Emit[],
    workEvents: readonly EventInput[] = [],
  ) {
    if (deferred) deferred.push(() => tellCommitted(commit, emits, workEvents));
    else tellCommitted(commit, emits, workEvents);
  }

  function tellCommitted(
    commit: Omit<CommitInput, 'at'>,
    emits: readonly Emit[],
    workEvents: readonly EventInput[] = [],
  ) {
    tellWork(workEvents);
    tell(emits);
    const schedule = commit.timers?.schedule;
    if (schedule && schedule.length > 0 && runtime.running) {
      let soonest = Number.POSITIVE_INFINITY;
      for (const timer of schedule) if (timer.dueAt < soonest) soonest = timer.dueAt;
      runtime.wake(soonest);
    }
    if (autoDeliver && commit.outbox && commit.outbox.length > 0) delivery.enqueued();
  }

  const leads = createLeadOperations({
    storage,
    repo,
    steps,
    committed: (commit, emits) => committed(commit, emits),
    tell: (name, payload) => emitter.emit(name, payload),
  });
  const workOps = createWorkOperations({ repo, work, repsById, committed });
  const customers = createCustomerOperations({
    storage,
    repo,
    compiled,
    team,
    repsById,
    calendar,
    localDay,
    knowledge: options.customerKnowledge,
    committed: (commit) => committed(commit, []),
  });

  // Domain operations run one at a time per engine; delivery runs beside them.
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let stopping: Promise<void> | undefined;
  function serial<T>(operation: () => Promise<T>): Promise<T> {
    if (stopped) return Promise.reject(new EngineError('ENGINE_STOPPED', 'the engine was stopped (stop())'));
    const result = queue.then(operation, operation);
    queue = result.catch(() => undefined);
    return result;
  }

  const timers = createTimerRunner({
    storage,
    clock,
    unit,
    leads,
    work: workOps,
    customers,
    delivery: autoDeliver ? delivery : undefined,
    serial,
    failed: (timer, error) =>
      emitter.emit('timer.failed', {
        entityId: timer.entityId,
        timerKey: timer.timerKey,
        attempts: timer.attempts,
        error,
      }),
  });

  /** A KPI window: everything up to now unless given; `to` is exclusive. */
  function metricsWindow(window: { from?: number | Date; to?: number | Date }) {
    const asOf = clock.now();
    return {
      asOf,
      from: window.from === undefined ? 0 : toMs(window.from),
      to: window.to === undefined ? asOf + 1 : toMs(window.to),
    };
  }

  async function idle(): Promise<void> {
    for (;;) {
      const pending = queue;
      await pending;
      await delivery.idle();
      if (queue === pending) return;
    }
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
    ingest: (raw: unknown, command?: { idempotencyKey?: string }) =>
      serial(() => unit.run('ingest', '', command, (attempt) => leads.ingest(raw, attempt))),
    ingestMany: (items) =>
      serial(async () => {
        const ingestOne = (item: (typeof items)[number]) =>
          unit.run(
            'ingest',
            '',
            item.idempotencyKey === undefined ? undefined : { idempotencyKey: item.idempotencyKey },
            (attempt) => leads.ingest(item.payload, attempt),
          );
        const oneByOne = async () => {
          const results: IngestResult[] = [];
          for (const item of items) results.push(await ingestOne(item));
          return results;
        };
        if (items.length <= 1) return oneByOne();
        storage.stage();
        deferred = [];
        try {
          // Every payload's dedupe keys in one read: the batch then looks them up without a round trip each.
          await storage.prefetch(
            'lead',
            items.flatMap((item) => leads.dedupeQueries(item.payload)),
          );
          const results = await oneByOne();
          await storage.flush();
          const told = deferred;
          deferred = undefined;
          // The cached engine state moved by a whole batch in one stored write: read it again.
          unit.invalidate();
          for (const tell of told) tell();
          return results;
        } catch {
          // Nothing of the batch was written (another engine committed meanwhile, or a step
          // failed): run it again one operation at a time, each committed on its own.
          storage.discard();
          deferred = undefined;
          unit.forget();
          return oneByOne();
        }
      }),
    dispatch: (leadId, event, command) =>
      serial(() =>
        unit.run(`dispatch:${event.type}`, leadId, command, (attempt) =>
          leads.command(leadId, attempt, (record, at, assignment) =>
            steps.apply(record, event, at, assignment),
          ),
        ),
      ),
    open: (leadId, repId, command) => engine.dispatch(leadId, { type: 'OPEN', repId }, command),
    claim: (leadId, repId, command) =>
      serial(() =>
        unit.run('dispatch:CLAIM', leadId, command, (attempt) => leads.claim(leadId, repId, attempt)),
      ),
    leadPool: () => leads.pool(),
    assign: (leadId, repId, by, command) => engine.dispatch(leadId, { type: 'ASSIGN', repId, by }, command),
    recordFollowUp: (leadId, request, command) =>
      serial(() =>
        unit.run('recordFollowUp', leadId, command, (attempt) =>
          leads.command(leadId, attempt, (record, at, assignment) =>
            steps.followUp(record, request, at, assignment),
          ),
        ),
      ),
    findLead: (query) => leads.findByExternalId(query.externalId),
    runDue: async (options) => {
      if (stopped) throw new EngineError('ENGINE_STOPPED', 'the engine was stopped (stop())');
      const limit = options?.limit ?? Number.POSITIVE_INFINITY;
      if (!(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit > 0))) {
        throw new EngineError(
          'ENGINE_INVALID',
          `runDue(options).limit must be a positive integer, got ${String(limit)}`,
        );
      }
      const result = await timers.runDue({}, limit);
      if (autoDeliver) await delivery.deliver();
      return result;
    },
    advanceTo: (instant, advance) =>
      serial(async () => {
        if (!isVirtual(clock))
          throw new EngineError('CLOCK_NOT_VIRTUAL', 'advanceTo needs a virtual clock (createVirtualClock)');
        return timers.replayTo(clock, toMs(instant), advance?.signal);
      }),
    deliver: async (deliverOptions) => {
      const result = await delivery.deliver(deliverOptions?.signal);
      return { sent: result.sent, retried: result.retried, dead: result.dead, deferred: result.deferred };
    },
    deadLetters: (page) => listDeadLetters(storage, page),
    redeliver: async (messageId, redeliverOptions) => {
      if (stopped) throw new EngineError('ENGINE_STOPPED', 'the engine was stopped (stop())');
      const result = await redeliver(storage, messageId, clock.now(), redeliverOptions);
      if (result.status === 'enqueued' && autoDeliver) delivery.enqueued();
      return result;
    },
    start: (runtimeOptions) => {
      if (stopped)
        throw new EngineError('ENGINE_STOPPED', 'start: the engine was stopped (stop()); create a new one');
      const signal = runtimeOptions?.signal;
      if (signal?.aborted) {
        void engine.stop();
        return;
      }
      runtime.start(runtimeOptions);
      signal?.addEventListener('abort', () => void engine.stop(), { once: true });
    },
    stop: async () => {
      if (stopping) return stopping;
      stopped = true;
      stopping = (async () => {
        await runtime.stop();
        await idle();
        await unit.releaseIds();
      })();
      return stopping;
    },
    idle,
    getLead: async (leadId) => (await repo.find('lead', leadId))?.record,
    explain: async (leadId) => {
      const { record } = await repo.get('lead', leadId);
      const [pendingTimers, events] = await Promise.all([
        storage.listTimers({ entityId: leadId }),
        storage.readEvents({ entityId: leadId }),
      ]);
      const receivedAt = record.lead.receivedAt;
      const ingestedAt = events.find((event) => event.type === 'lead.received')?.at ?? null;
      return {
        leadId,
        state: steps.stateOf(record),
        ownerId: record.machine.context.ownerId,
        tags: record.tags,
        intentGrade: record.intentGrade,
        qualified: record.qualified,
        arrival: {
          receivedAt,
          ingestedAt,
          ingestionGapMs: ingestedAt === null ? null : ingestedAt - receivedAt,
        },
        decisions: record.decisions,
        escalations: record.machine.context.escalations,
        sla: slaSummary(record.sla, clock.now(), calendar),
        pendingTimers,
        events,
      };
    },
    quarantined: (page) => storage.listQuarantine(page),
    upsertCustomer: (input, command) =>
      serial(() => unit.run('upsertCustomer', '', command, (attempt) => customers.upsert(input, attempt))),
    getCustomer: async (customerId) => (await repo.find('customer', customerId))?.record,
    customerGroup: customers.group,
    handover: (fromRepId, to, command) =>
      serial(() =>
        unit.run('handover', fromRepId, command, async (attempt) => {
          checkHandover(repsById, fromRepId, to);
          const items = await ownedBy(repo, fromRepId, workOps.groupOf);
          const context = { compiled, team, repsById, steps, work };
          const plan = handoverPlan(
            context,
            items,
            fromRepId,
            to,
            attempt.at,
            localDay(attempt.at),
            attempt.assignment,
          );
          return { ...plan, after: () => committed(plan.commit!, plan.emits, plan.commit!.events ?? []) };
        }),
      ),
    createOpportunity: (request, command) =>
      serial(() =>
        unit.run('createOpportunity', request.opportunityId ?? '', command, (attempt) =>
          workOps.createOpportunity(request, attempt),
        ),
      ),
    opportunity: (opportunityId, command, commandOptions) =>
      serial(() =>
        unit.run(`opportunity:${command.type}`, opportunityId, commandOptions, (attempt) =>
          workOps.opportunity(opportunityId, command, attempt),
        ),
      ),
    getOpportunity: async (id) => (await repo.find('opportunity', id))?.record,
    task: (taskId, command, commandOptions) =>
      serial(() =>
        unit.run(`task:${command.type}`, taskId, commandOptions, (attempt) =>
          workOps.task(taskId, command, attempt),
        ),
      ),
    getTask: async (id) => (await repo.find('task', id))?.record,
    tasksOf: async (opportunityId) => {
      const out = [];
      for (const id of await repo.lookup('task', 'opportunity', opportunityId)) {
        const found = await repo.find('task', id);
        if (found) out.push({ id, record: found.record });
      }
      return out;
    },
    metrics: async (window = {}) => {
      const span = metricsWindow(window);
      const options = { ...span, calendar, targets: compiled.source.targets };
      // The projection when storage keeps one; the log fold (the reference) otherwise.
      if (storage.readKpi)
        return metricsFromKpi(await storage.readKpi({ from: span.from, to: span.to }), options);
      const events = await storage.readEvents({ from: span.from, types: METRICS_EVENT_TYPES });
      return computeMetrics(events, options);
    },
    recordCustomerHistory: (customerId, entries, command) =>
      serial(() =>
        unit.run('recordCustomerHistory', customerId, command, (attempt) =>
          customers.recordHistory(customerId, entries, attempt),
        ),
      ),
    reviewCustomer: (customerId, knowledge, command) =>
      serial(() =>
        unit.run('reviewCustomer', customerId, command, (attempt) =>
          customers.review(customerId, knowledge, attempt),
        ),
      ),
    leadMetrics: async (window = {}) => {
      const span = metricsWindow(window);
      const options = { ...span, calendar, targets: compiled.source.targets };
      if (storage.readKpi)
        return leadMetricsFromKpi(await storage.readKpi({ from: span.from, to: span.to }), options);
      const events = await storage.readEvents({
        kind: 'lead',
        from: span.from,
        types: LEAD_METRICS_EVENT_TYPES,
      });
      return computeLeadMetrics(events, options);
    },
  };
  return engine;
}

function requireNotifier(
  notifier: EngineOptions['notifier'] | undefined,
  hasChannels: boolean,
): Notifier | ((channel: string) => Notifier | undefined) {
  if (notifier === 'dropAll') return dropAllNotifier;
  if (typeof notifier === 'function') return notifier;
  if (notifier && typeof notifier === 'object' && typeof notifier.send === 'function') return notifier;
  if (notifier === undefined && hasChannels) return () => undefined;
  throw new EngineError(
    'ENGINE_INVALID',
    "createEngine: notifier is required — a Notifier, a router (channel) => Notifier, 'dropAll' to drop every message on purpose, or channels",
  );
}

/** The plain notifier's answer for a channel (a router may throw: then none). */
function pickLegacy(
  notifier: Notifier | ((channel: string) => Notifier | undefined),
  channel: string,
): Notifier | undefined {
  if (typeof notifier !== 'function') return notifier;
  try {
    return notifier(channel) ?? undefined;
  } catch {
    return undefined;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new EngineError('ENGINE_INVALID', `createEngine: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Local business day of an instant in `zone`; cached per hour since operations come in time order. */
function localDayOf(zone: string): (at: number) => string {
  const formatter = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  let from = 0;
  let to = -1;
  let day = '';
  return (at) => {
    if (at >= from && at < to) return day;
    day = formatter.format(at);
    from = at - (at % 3_600_000);
    to = from + 3_600_000;
    return day;
  };
}

function isVirtual(clock: Clock): clock is VirtualClock {
  return typeof (clock as VirtualClock).advanceTo === 'function';
}

function toMs(value: number | Date): number {
  return typeof value === 'number' ? value : value.getTime();
}

function isCompiled(ruleSet: RuleSetInput | CompiledRuleSet): ruleSet is CompiledRuleSet {
  return typeof ruleSet === 'object' && ruleSet !== null && 'source' in ruleSet && 'sla' in ruleSet;
}

const parsedTeams = /* @__PURE__ */ (() => new WeakMap<object, Team>())();
function parseTeamOnce(team: TeamInput | Team): Team {
  let parsed = parsedTeams.get(team);
  if (!parsed) {
    parsed = parseTeam(team);
    parsedTeams.set(team, parsed);
  }
  return parsed;
}
