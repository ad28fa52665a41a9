/**
 * The KPIs as a projection: instead of re-reading the event log for every report, storage keeps
 * one small record per lead, opportunity and department task — and one per counted customer or
 * duplicate event — folded from the events each commit writes ({@link foldKpiEvent}). A report
 * reads the records of its window and nothing else ({@link metricsFromKpi},
 * {@link leadMetricsFromKpi}): its cost follows the entities in the window, not the log, and it
 * does not change with what the log keeps.
 *
 * A record's `anchor` is the instant windows select it by — a lead's arrival, an opportunity's or
 * task's creation, a counted event's time — so any `[from, to)` window is exact (no day rounding).
 * The full-log folds (`computeMetrics`, `computeLeadMetrics`) stay the reference; a property test
 * holds the projection equal to them on random streams, folded in random commits with the records
 * persisted (JSON) and reloaded between them.
 *
 * @module
 */
import type { KpiRecord, StoredEvent } from '../adapters/storage/port.js';
import {
  applyLeadEvent,
  breachPolicy,
  finishLeadMetrics,
  type LeadMetrics,
  type LeadMetricsOptions,
  type LeadTimeline,
  receivedTimeline,
} from './lead-metrics.js';
import {
  assembleMetrics,
  type Metrics,
  type MetricsOptions,
  type StalledOpportunities,
  type TaskTally,
} from './metrics.js';

/**
 * Where {@link foldKpiEvent} reads and writes records: a storage adapter's own table or map.
 * `put` receives every record the fold created or changed (changed in place: the object `get`
 * returned).
 *
 * @example
 * ```ts
 * import type { KpiRecord } from 'leadflow';
 * import type { KpiStore } from 'leadflow/core';
 * const records = new Map<string, KpiRecord>();
 * const store: KpiStore = {
 *   get: (kind, id) => records.get(`${kind}\u0000${id}`),
 *   put: (record) => void records.set(`${record.kind}\u0000${record.id}`, record),
 * };
 * ```
 * @category Metrics
 */
export interface KpiStore {
  get(kind: string, id: string): KpiRecord | undefined;
  put(record: KpiRecord): void;
}

/**
 * The events counted one record each, by their time (not followed per entity).
 *
 * @example
 * ```ts
 * import { KPI_TALLY_EVENT_TYPES } from 'leadflow/core';
 * KPI_TALLY_EVENT_TYPES.includes('customer.created'); // true
 * ```
 * @category Metrics
 */
export const KPI_TALLY_EVENT_TYPES: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze([
    'lead.duplicate',
    'customer.created',
    'customer.duplicateEntry',
    'customer.crossSell',
    'customer.risk',
  ]))();

/** A lead's record: its timeline, the completeness of its entry, its breaches and pool moves. */
interface LeadKpi extends LeadTimeline {
  complete: Record<string, boolean>;
  /** `[policyId, count]` pairs (an id may be `__proto__`: no object keyed by it). */
  breaches: [string, number][];
  returned: number;
  claimed: number;
}

/** An opportunity's record: its current stage visit and what its ended visits counted. */
interface OpportunityKpi {
  createdAt: number;
  /** The current stage (null before the first `opportunity.stageEntered`). */
  stage: string | null;
  enteredAt: number;
  ownerId: string | null;
  /** Still open in its stage (false once it left for won or lost). */
  open: boolean;
  /** The first planned next contact of the current visit. */
  plannedAt: number | null;
  /** `[stage, dwellMs]` of every ended visit. */
  dwells: [string, number][];
  rollbacks: [string, number][];
  won: number;
  lost: number;
  advancedMet: number;
  advancedMissed: number;
  /** `[repId, due, done, onTime]` for stage advances, by the owner at the time. */
  repAdvance: [string, number, number, number][];
}

const TALLY_TYPES: ReadonlySet<string> = /* @__PURE__ */ (() => new Set(KPI_TALLY_EVENT_TYPES))();

function bump<K>(pairs: [K, number][], key: K): void {
  const found = pairs.find((pair) => pair[0] === key);
  if (found) found[1]++;
  else pairs.push([key, 1]);
}

/**
 * Fold one stored event into the KPI records (events in `seq` order, each once). Events the
 * KPIs do not read change nothing. Pure apart from `store`.
 *
 * @example
 * ```ts
 * import type { KpiRecord } from 'leadflow';
 * import { foldKpiEvent } from 'leadflow/core';
 * const records = new Map<string, KpiRecord>();
 * const store = { get: (kind: string, id: string) => records.get(`${kind}/${id}`), put: (r: KpiRecord) => void records.set(`${r.kind}/${r.id}`, r) };
 * for (const event of await storage.readEvents()) foldKpiEvent(store, event);
 * ```
 * @category Metrics
 */
export function foldKpiEvent(store: KpiStore, event: StoredEvent): void {
  if (TALLY_TYPES.has(event.type)) {
    store.put({ kind: event.type, id: String(event.seq), anchor: event.at, value: null });
    return;
  }
  const entity = kpiEntityOf(event);
  if (entity === undefined) return;
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (entity.kind === 'lead') foldLead(store, event, data);
  else if (entity.kind === 'opportunity') foldOpportunity(store, event, data);
  else foldTask(store, event, data);
}

/**
 * The entity record an event may change — a lead's (its `lead.*` and `sla.breached` events of
 * kind `lead`), an opportunity's or a task's — or undefined (a counted event makes a record of its
 * own). A store that loads records before folding (PostgreSQL) loads these.
 *
 * @example
 * ```ts
 * import { kpiEntityOf } from 'leadflow/core';
 * kpiEntityOf({ seq: 1, entityId: 'opp-1', kind: 'opportunity', type: 'opportunity.won', at: 0, data: null }); // { kind: 'opportunity', id: 'opp-1' }
 * ```
 * @category Metrics
 */
export function kpiEntityOf(
  event: StoredEvent,
): { kind: 'lead' | 'opportunity' | 'task'; id: string } | undefined {
  const { type } = event;
  const family = type.slice(0, type.indexOf('.'));
  if (family === 'lead' || type === 'sla.breached')
    return event.kind === 'lead' && !TALLY_TYPES.has(type) ? { kind: 'lead', id: event.entityId } : undefined;
  if (family === 'opportunity' || family === 'task') return { kind: family, id: event.entityId };
  return undefined;
}

function foldLead(store: KpiStore, event: StoredEvent, data: Record<string, unknown>): void {
  if (event.type === 'lead.received') {
    const timeline = receivedTimeline(event);
    const value: LeadKpi = {
      ...timeline,
      complete: { ...((data.complete ?? {}) as Record<string, boolean>) },
      breaches: [],
      returned: 0,
      claimed: 0,
    };
    store.put({ kind: 'lead', id: event.entityId, anchor: timeline.receivedAt, value: value as never });
    return;
  }
  const record = store.get('lead', event.entityId);
  if (record === undefined) return;
  const lead = record.value as unknown as LeadKpi;
  const counted = applyLeadEvent(lead, event.type, event.at, data);
  if (counted === 'returned') lead.returned++;
  else if (counted === 'claimed') lead.claimed++;
  else if (counted === 'breach') bump(lead.breaches, breachPolicy(data));
  store.put(record);
}

function foldOpportunity(store: KpiStore, event: StoredEvent, data: Record<string, unknown>): void {
  if (event.type === 'opportunity.created') {
    const value: OpportunityKpi = {
      createdAt: event.at,
      stage: null,
      enteredAt: event.at,
      ownerId: null,
      open: false,
      plannedAt: null,
      dwells: [],
      rollbacks: [],
      won: 0,
      lost: 0,
      advancedMet: 0,
      advancedMissed: 0,
      repAdvance: [],
    };
    store.put({ kind: 'opportunity', id: event.entityId, anchor: event.at, value: value as never });
    return;
  }
  const record = store.get('opportunity', event.entityId);
  if (record === undefined) return;
  const opportunity = record.value as unknown as OpportunityKpi;
  switch (event.type) {
    case 'opportunity.stageEntered':
      // The owner is null until the first visit names one (owner changes wait for a visit too).
      opportunity.ownerId = (data.ownerId as string | null) ?? opportunity.ownerId;
      opportunity.stage = String(data.stage);
      opportunity.enteredAt = event.at;
      opportunity.open = true;
      opportunity.plannedAt = null;
      break;
    case 'opportunity.nextContactPlanned':
      opportunity.plannedAt ??= Number(data.plannedAt);
      break;
    case 'opportunity.stageLeft': {
      opportunity.dwells.push([String(data.stage), Number(data.dwellMs ?? 0)]);
      const planned = opportunity.plannedAt;
      if (planned !== null) {
        // Moved on: advanced, or closed either way (see actionCertainty.advancedOnTime).
        const advanced = data.via === 'advance' || data.via === 'won' || data.via === 'lost';
        const onTime = advanced && event.at <= planned;
        if (onTime) opportunity.advancedMet++;
        else opportunity.advancedMissed++;
        const { ownerId } = opportunity;
        if (ownerId) {
          let rep = opportunity.repAdvance.find((row) => row[0] === ownerId);
          if (rep === undefined) {
            rep = [ownerId, 0, 0, 0];
            opportunity.repAdvance.push(rep);
          }
          rep[1]++;
          if (advanced) rep[2]++;
          if (onTime) rep[3]++;
        }
      }
      opportunity.plannedAt = null;
      if (data.to === 'won' || data.to === 'lost') opportunity.open = false;
      break;
    }
    case 'opportunity.rolledBack':
      bump(opportunity.rollbacks, String(data.from));
      break;
    case 'opportunity.won':
      opportunity.won++;
      break;
    case 'opportunity.lost':
      opportunity.lost++;
      break;
    case 'opportunity.ownerChanged':
      if (opportunity.stage !== null) opportunity.ownerId = (data.to as string) ?? opportunity.ownerId;
      break;
    default:
      return;
  }
  store.put(record);
}

function foldTask(store: KpiStore, event: StoredEvent, data: Record<string, unknown>): void {
  if (event.type === 'task.created') {
    const value: TaskTally = {
      department: String(data.department),
      createdAt: event.at,
      dueAt: (data.dueAt as number | null) ?? null,
      overdue: false,
    };
    store.put({ kind: 'task', id: event.entityId, anchor: event.at, value: value as never });
    return;
  }
  const record = store.get('task', event.entityId);
  if (record === undefined) return;
  const task = record.value as { -readonly [K in keyof TaskTally]: TaskTally[K] };
  switch (event.type) {
    case 'task.acknowledged':
      task.acknowledgedAt ??= event.at;
      break;
    case 'task.completed':
      task.doneAt = event.at;
      task.acknowledgedAt ??= event.at;
      break;
    case 'task.overdue':
      task.overdue = true;
      break;
    default:
      return;
  }
  store.put(record);
}

const inWindow = (record: KpiRecord, options: { from: number; to: number }) =>
  record.anchor >= options.from && record.anchor < options.to;

function leadReport(
  records: Iterable<KpiRecord>,
  options: LeadMetricsOptions,
): { leads: LeadMetrics; timelines: Map<string, LeadKpi> } {
  const timelines = new Map<string, LeadKpi>();
  const breaches = new Map<string, number>();
  const pool = { returned: 0, claimed: 0 };
  for (const record of records) {
    if (record.kind !== 'lead' || !inWindow(record, options)) continue;
    const lead = record.value as unknown as LeadKpi;
    timelines.set(record.id, lead);
    pool.returned += lead.returned;
    pool.claimed += lead.claimed;
    for (const [policyId, count] of lead.breaches)
      breaches.set(policyId, (breaches.get(policyId) ?? 0) + count);
  }
  return { leads: finishLeadMetrics(timelines, breaches, pool, options), timelines };
}

/**
 * The {@link LeadMetrics} report from KPI records (those of other kinds and outside the window
 * are skipped). Equal to `computeLeadMetrics` over the log the records were folded from.
 *
 * @example
 * ```ts
 * import { leadMetricsFromKpi } from 'leadflow/core';
 * const report = leadMetricsFromKpi(await storage.readKpi!({ from, to }), { from, to, asOf, calendar, targets });
 * ```
 * @category Metrics
 */
export function leadMetricsFromKpi(records: Iterable<KpiRecord>, options: LeadMetricsOptions): LeadMetrics {
  return leadReport(records, options).leads;
}

/**
 * The {@link Metrics} report from KPI records (those outside the window are skipped). Equal to
 * `computeMetrics` over the log the records were folded from.
 *
 * @example
 * ```ts
 * import { metricsFromKpi } from 'leadflow/core';
 * const report = metricsFromKpi(await storage.readKpi!({ from, to }), { from, to, asOf, calendar, targets });
 * ```
 * @category Metrics
 */
export function metricsFromKpi(records: Iterable<KpiRecord>, options: MetricsOptions): Metrics {
  const list = Array.isArray(records) ? (records as KpiRecord[]) : [...records];
  const { leads, timelines } = leadReport(list, options);
  const stalledAfter = options.stalledAfterMs ?? 5 * 86_400_000;
  const filled = new Map<string, number>();
  let complete = 0;
  for (const lead of timelines.values()) {
    let all = true;
    for (const [field, has] of Object.entries(lead.complete)) {
      filled.set(field, (filled.get(field) ?? 0) + (has ? 1 : 0));
      if (!has) all = false;
    }
    if (all) complete++;
  }
  const tallies = new Map<string, number>();
  const dwell = new Map<string, number[]>();
  const rollbacks = new Map<string, number>();
  const repAdvance = new Map<string, { due: number; done: number; onTime: number }>();
  const stalledRows: StalledOpportunities['top5'][number][] = [];
  const tasks: TaskTally[] = [];
  const opportunities = { created: 0, won: 0, lost: 0 };
  const advanced = { met: 0, missed: 0, pending: 0 };
  for (const record of list) {
    if (!inWindow(record, options)) continue;
    if (record.kind === 'task') tasks.push(record.value as unknown as TaskTally);
    else if (TALLY_TYPES.has(record.kind)) tallies.set(record.kind, (tallies.get(record.kind) ?? 0) + 1);
    if (record.kind !== 'opportunity') continue;
    const opportunity = record.value as unknown as OpportunityKpi;
    opportunities.created++;
    opportunities.won += opportunity.won;
    opportunities.lost += opportunity.lost;
    advanced.met += opportunity.advancedMet;
    advanced.missed += opportunity.advancedMissed;
    for (const [stage, ms] of opportunity.dwells) {
      const stageDwells = dwell.get(stage);
      if (stageDwells === undefined) dwell.set(stage, [ms]);
      else stageDwells.push(ms);
    }
    for (const [stage, count] of opportunity.rollbacks)
      rollbacks.set(stage, (rollbacks.get(stage) ?? 0) + count);
    for (const [repId, due, done, onTime] of opportunity.repAdvance) {
      const rep = repAdvance.get(repId) ?? { due: 0, done: 0, onTime: 0 };
      rep.due += due;
      rep.done += done;
      rep.onTime += onTime;
      repAdvance.set(repId, rep);
    }
    if (opportunity.stage === null || !opportunity.open) continue;
    // A visit still open with a plan: missed once the planned time has passed, else pending.
    if (opportunity.plannedAt !== null) {
      if (options.asOf > opportunity.plannedAt) advanced.missed++;
      else advanced.pending++;
    }
    const dwellMs = options.asOf - opportunity.enteredAt;
    if (dwellMs > stalledAfter)
      stalledRows.push({
        opportunityId: record.id,
        stage: opportunity.stage,
        dwellMs,
        ownerId: opportunity.ownerId,
      });
  }
  return assembleMetrics(
    {
      leads,
      timelines: timelines.values(),
      completeness: { leads: timelines.size, complete, filled },
      leadDuplicates: tallies.get('lead.duplicate') ?? 0,
      opportunities,
      advanced,
      dwell,
      rollbacks,
      stalledRows,
      repAdvance,
      tasks,
      customers: {
        created: tallies.get('customer.created') ?? 0,
        duplicates: tallies.get('customer.duplicateEntry') ?? 0,
        crossSell: tallies.get('customer.crossSell') ?? 0,
        risk: tallies.get('customer.risk') ?? 0,
      },
    },
    options,
  );
}
