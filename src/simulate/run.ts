import type { Notifier } from '../adapters/notify/port.js';
import type { StorageAdapter } from '../adapters/storage/port.js';
import { replayMemoryStorage } from '../adapters/storage/replay-memory.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { EngineError } from '../engine/errors.js';
import type { OpportunityCommand } from '../engine/work-steps.js';
import { CalendarError } from '../errors.js';
import type { TaskContext } from '../machines/task.js';
import { ownValue } from '../model/own.js';
import type { Team, TeamInput } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import type { RuleSetInput } from '../rules/ruleset.js';
import {
  checkRequiredFields,
  type FieldValue,
  type FieldValues,
  type GateField,
  OPPORTUNITY_STAGE_IDS,
  type OpportunityStageId,
  resolveStageGates,
} from '../rules/stages.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { createVirtualClock } from '../scheduler/clock.js';
import { createAgenda } from './agenda.js';
import {
  type BehaviourModel,
  DEFAULT_BEHAVIOUR,
  DEFAULT_DEPARTMENT_BEHAVIOUR,
  DEFAULT_DEPARTMENT_BEHAVIOURS,
  DEFAULT_OPPORTUNITY_BEHAVIOUR,
  type DelayModel,
  type DepartmentBehaviour,
  localDateFormatter,
  withSimulatedLeave,
} from './behaviour.js';
import { generateLeadDays, syntheticUscc } from './generate.js';
import type { MarketProfile } from './market.js';
import { CHINA_GEOGRAPHY } from './market.js';
import { createRandom, type SeededRandom, type WeightedTable, weightedTable } from './random.js';
import {
  buildDepartments,
  buildFunnel,
  buildStageRows,
  buildTargets,
  type SimulationReport,
  type SimulationTimeline,
  type StalledOpportunity,
} from './report.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Longest single engine advance: the lateness bound of reactions to the engine's own timers. */
const MAX_ADVANCE = 5 * MINUTE;

/**
 * The default start of a simulation: Monday 2026-03-02, 00:00 in Asia/Shanghai.
 *
 * @example
 * ```ts
 * import { DEFAULT_SIMULATION_START } from 'leadflow';
 * new Date(DEFAULT_SIMULATION_START).toISOString(); // '2026-03-01T16:00:00.000Z'
 * ```
 * @category Simulation
 */
export const DEFAULT_SIMULATION_START: number = /* @__PURE__ */ (() =>
  Date.parse('2026-03-02T00:00:00+08:00'))();

/**
 * One host action the simulated people took through the engine's public API, as reported to
 * {@link RunSimulationOptions.onAction}: an arrival ingested, a card opened, a follow-up, a
 * conversion or disqualification, a claim of a broadcast offer, a supervisor's manual assignment;
 * the opportunity of a converted lead entered (with its customer), a next contact planned, a
 * stage advanced, rolled back, won or lost, a delivery delay flagged; a department task
 * acknowledged or answered. `accepted` is false when the engine refused it
 * (`EVENT_NOT_ACCEPTED`, or `GATE_NOT_MET` for an advance missing a gate field).
 *
 * @example
 * ```ts
 * import type { SimulationAction } from 'leadflow';
 * const log: SimulationAction[] = [];
 * const onAction = (action: SimulationAction) => log.push(action);
 * ```
 * @category Simulation
 */
export type SimulationAction =
  | {
      readonly type: 'ingest';
      readonly at: number;
      readonly payload: unknown;
      readonly leadId: string | null;
      readonly status: 'accepted' | 'merged' | 'quarantined';
      readonly accepted: true;
    }
  | {
      readonly type: 'open';
      readonly at: number;
      readonly leadId: string;
      readonly repId: string;
      readonly accepted: boolean;
    }
  | {
      readonly type: 'followUp';
      readonly at: number;
      readonly leadId: string;
      readonly repId: string;
      readonly outcome: string | null;
      readonly accepted: boolean;
    }
  | {
      readonly type: 'convert' | 'disqualify';
      readonly at: number;
      readonly leadId: string;
      readonly repId: string;
      readonly accepted: boolean;
    }
  | {
      readonly type: 'claim';
      readonly at: number;
      readonly leadId: string;
      readonly repId: string;
      readonly accepted: boolean;
    }
  | {
      readonly type: 'assign';
      readonly at: number;
      readonly leadId: string;
      readonly repId: string;
      readonly by: string;
      readonly accepted: boolean;
    }
  | {
      readonly type: 'opportunity';
      readonly at: number;
      readonly leadId: string;
      readonly opportunityId: string;
      readonly customerId: string;
      /** The customer master already had the company (same USCC, phone or e-mail). */
      readonly customerReused: boolean;
      readonly repId: string;
      readonly accepted: true;
    }
  | {
      readonly type: 'plan' | 'advance' | 'rollback' | 'win' | 'lose' | 'deliveryDelay';
      readonly at: number;
      readonly leadId: string;
      readonly opportunityId: string;
      /** The stage the opportunity was in when the rep acted. */
      readonly stage: OpportunityStageId;
      readonly repId: string;
      readonly accepted: boolean;
    }
  | {
      readonly type: 'acknowledgeTask' | 'answerTask';
      readonly at: number;
      readonly leadId: string;
      readonly opportunityId: string;
      readonly taskId: string;
      readonly department: string;
      readonly by: string;
      readonly accepted: boolean;
    };

/**
 * What an extension gets: the engine, its own seeded random source, a way to schedule actions in
 * the driver's time order, and counters that end up in the report under `extensions[name]`.
 *
 * @example
 * ```ts
 * import type { SimulationContext } from 'leadflow';
 * const later = (ctx: SimulationContext) => ctx.schedule(ctx.now() + 3_600_000, async () => ctx.count('pinged'));
 * ```
 * @category Simulation
 */
export interface SimulationContext {
  readonly engine: Engine;
  readonly random: SeededRandom;
  readonly calendar: BusinessCalendar;
  /** Current simulated instant. */
  now(): number;
  /** Run `run` at `at` (≥ now): the engine is advanced to `at` first, then `run` is awaited. */
  schedule(at: number, run: () => Promise<void>): void;
  /** Add `by` (default 1) to this extension's counter `key` in the report. */
  count(key: string, by?: number): void;
}

/**
 * An extension of the simulated world — the extension point for what the simulation does not
 * model, e.g. a key-account team reviewing customers every month, or handovers of departing
 * reps: subscribe to engine events in `setup`, schedule actions with `context.schedule`, count
 * what matters.
 *
 * @example
 * ```ts
 * import type { SimulationExtension } from 'leadflow';
 * const escalationWatcher: SimulationExtension = {
 *   name: 'escalation-watcher',
 *   setup(ctx) {
 *     ctx.engine.on('lead.escalated', (event) => ctx.count(event.policyId));
 *   },
 * };
 * ```
 * @category Simulation
 */
export interface SimulationExtension {
  readonly name: string;
  setup(context: SimulationContext): void;
}

/**
 * Options of {@link runSimulation}.
 *
 * @example
 * ```ts
 * import { chinaCalendar, type RunSimulationOptions, zhikongPreset } from 'leadflow';
 * const options: RunSimulationOptions = {
 *   ...zhikongPreset,
 *   calendar: chinaCalendar({ years: [2026] }),
 *   seed: 42,
 *   days: 30,
 *   leadsPerMonth: 12_000,
 * };
 * ```
 * @category Simulation
 */
export interface RunSimulationOptions {
  readonly ruleSet: RuleSetInput | CompiledRuleSet;
  readonly team: TeamInput | Team;
  readonly calendar: BusinessCalendar;
  /** @default 42 */
  readonly seed?: number;
  /**
   * First instant simulated; a local midnight of `calendar.zone` keeps days aligned.
   * @default DEFAULT_SIMULATION_START (2026-03-02 00:00 Asia/Shanghai); with `leads`, the local
   * midnight before the earliest arrival
   */
  readonly start?: number | Date;
  /** @default 30; with `leads`, enough whole days to cover the last arrival */
  readonly days?: number;
  /** Volume of the generated stream. @default 12000 */
  readonly leadsPerMonth?: number;
  /** Market of the generated stream. @default 'hengrui' for a rule set with id `hengrui`, else 'zhikong' */
  readonly preset?: 'zhikong' | 'hengrui' | MarketProfile;
  /**
   * Explicit raw leads instead of a generated stream. Each arrives at its `receivedAt` (epoch ms
   * or ISO string); a payload whose `receivedAt` cannot be read arrives with the previous one (the
   * engine quarantines it); arrivals before `start` arrive at `start`.
   */
  readonly leads?: readonly unknown[];
  /** How the simulated reps and supervisors behave. @default DEFAULT_BEHAVIOUR */
  readonly behaviour?: BehaviourModel;
  /** Give reps seeded leave days (written into the team input). @default true */
  readonly leave?: boolean;
  /** Called after each simulated day (and once at the end with `day === totalDays`). */
  readonly onProgress?: (day: number, totalDays: number) => void;
  /** Called after each host action the simulated people take (for replays and debugging). */
  readonly onAction?: (action: SimulationAction) => void;
  /** Extensions of the simulated world (see {@link SimulationExtension}). */
  readonly extensions?: readonly SimulationExtension[];
  /**
   * Cancel the run: it stops at the next step and rejects with an `EngineError` coded `ABORTED`
   * (the playground's cancel button, a CLI's Ctrl-C).
   */
  readonly signal?: AbortSignal;
  /**
   * Where the replay's engine keeps its state: a fresh, empty storage (a replay starts from
   * nothing). A durable one (`postgresStorage`) replays into the database a host runs on.
   * @default replayMemoryStorage()
   */
  readonly storage?: StorageAdapter;
  /**
   * Record condition traces and candidate verdicts in the decisions, so `result.engine.explain`
   * can say after the run why a lead went to its rep and why the others were skipped. The report
   * is the same either way; tracing costs time and memory.
   * @default false
   */
  readonly trace?: boolean;
}

/**
 * Result of {@link runSimulation}.
 *
 * @example
 * ```ts
 * import type { SimulationResult } from 'leadflow';
 * const summary = ({ report, timeline }: SimulationResult) => `${report.counts.received} leads over ${timeline.days.length} days`;
 * ```
 * @category Simulation
 */
export interface SimulationResult {
  readonly report: SimulationReport;
  readonly timeline: SimulationTimeline;
  /**
   * The engine the run drove, at the end of the run, over `options.storage`: ask it to
   * `explain` a lead, read its event log (`engine.storage.readEvents`) or its `metrics` for a
   * window. Not part of the report (it is not JSON).
   */
  readonly engine: Engine;
}

// Lead states as the driver mirrors them from engine events.
const S_RECEIVED = 0;
const S_OFFERED = 1;
const S_QUEUED = 2;
const S_ASSIGNED = 3;
const S_OPENED = 4;
const S_CONTACTED = 5;
const S_NURTURING = 6;
const S_CLOSED = 7;

// Agenda task kinds.
const T_OPEN = 0;
const T_FOLLOW_UP = 1;
const T_CLAIM = 2;
const T_SWEEP = 3;
const T_WAKE = 4;
const T_CUSTOM = 5;
const T_OPP_CREATE = 6;
const T_OPP_VISIT = 7;
const T_OPP_REPLAN = 8;
const T_OPP_DELAY = 9;
const T_TASK_ACK = 10;
const T_TASK_ANSWER = 11;

// When a rep acts (see actAt).
const ACT_ANY = 0;
const ACT_MOBILE = 1;
const ACT_OFFICE = 2;

// How the current stage visit of an opportunity ends, drawn on entering the stage.
const V_ADVANCE = 0;
const V_LOSE = 1;
const V_ROLLBACK = 2;

/** The driver's mirror of one lead, updated from engine events. */
class SimLead {
  state = S_RECEIVED;
  owner = -1;
  /** Bumped on every owner change: planned actions of a previous owner are dropped. */
  gen = 0;
  assigned = false;
  followedUp = false;
  queuedAt = 0;
  readyAt = 0;
  inQueue = false;
  supervisorId: string | null = null;
  nurtureUntil = 0;
  nextContactAt = 0;
  followUps = 0;
  lastOutcome: string | null = null;
  escalations = 0;
  escalationsByPolicy: Map<string, number> | null = null;
  /** The opportunity its owner entered after the conversion (one per converted lead). */
  opp: SimOpp | null = null;

  constructor(
    readonly id: string,
    readonly region: string,
    readonly industry: string,
  ) {}
}

/** The driver's mirror of one opportunity: its stage and the owner's plan for the current visit. */
class SimOpp {
  /** Index in OPPORTUNITY_STAGE_IDS. */
  stage = 0;
  /** Bumped on every stage entered and on closing: planned actions of an earlier visit are dropped. */
  gen = 0;
  closed = false;
  /** How the current visit ends (V_*), drawn on entering the stage. */
  outcome = V_ADVANCE;
  /** The technical department found the current solution infeasible (the visit ends in a loss). */
  infeasible = false;
  /** The current visit waits for department answers until then (0: none). */
  blockedUntil = 0;
  readonly tasks: SimTask[] = [];

  constructor(
    readonly id: string,
    readonly seq: number,
    readonly lead: SimLead,
    readonly owner: number,
    readonly company: string,
    readonly amount: number,
  ) {}
}

/** A department task an opportunity started, who in the department answers it, and how they fill the result in. */
class SimTask {
  constructor(
    readonly id: string,
    readonly department: string,
    readonly by: string,
    readonly result: readonly FieldMakerEntry[],
  ) {}
}

class Task {
  constructor(
    readonly kind: number,
    readonly lead: SimLead | null,
    readonly rep: number,
    readonly gen: number,
    readonly n: number,
    readonly run: (() => Promise<void>) | null,
  ) {}
}

interface RepInfo {
  readonly id: string;
  readonly index: number;
  readonly capacity: number;
  readonly active: boolean;
  readonly regions: ReadonlySet<string>;
  readonly industries: ReadonlySet<string>;
  /** Local day numbers (days since epoch in the zone) on leave. */
  readonly leave: ReadonlySet<number>;
  readonly diligence: number;
  loadDay: number;
  load: number;
}

/** Why a stage visit ended in a loss, by stage index. */
const LOSS_REASONS: readonly (readonly string[])[] = [
  ['项目预算未获批', '客户暂停采购计划'],
  ['需求不明确，客户转内部自研', '客户选择现有供应商'],
  ['竞品方案更匹配', '技术指标无法满足'],
  ['价格高于竞品', '样件未通过客户验证'],
  ['付款条款未谈拢', '客户法务否决'],
  ['客户取消订单'],
];
const ROLLBACK_REASONS: readonly string[] = ['客户需求变更', '价格重新谈判', '样件需重新制作', '决策人变更'];
const DELAY_REASONS: readonly string[] = ['模具返修', '原材料到货延迟', '产线排产冲突'];
// Shared, frozen field values (memory storage keeps references, so shared values cost nothing).
const PAIN_POINTS: readonly (readonly string[])[] = /* @__PURE__ */ (() =>
  [
    ['人工成本高', '良率不稳定', '换线时间长'],
    ['交期不可控', '能耗偏高', '设备老化'],
    ['质量追溯困难', '产能不足', '数据孤岛'],
  ].map((list) => Object.freeze(list)))();
const DECISION_CHAINS: readonly FieldValue[] = /* @__PURE__ */ (() =>
  [
    [
      { role: '技术决策人', name: '王工' },
      { role: '采购', name: '李经理' },
    ],
    [
      { role: '总经理', name: '陈总' },
      { role: '生产总监', name: '赵总监' },
      { role: '采购', name: '孙经理' },
    ],
  ].map((chain) => Object.freeze(chain.map((member) => Object.freeze(member))) as unknown as FieldValue))();
const COMPETITORS: readonly (readonly string[])[] = /* @__PURE__ */ (() =>
  [['西门子'], ['汇川技术', '台达'], ['本地集成商']].map((list) => Object.freeze(list)))();
const PAYMENT_TERMS: readonly string[] = ['30%预付，60%发货前，10%质保金', '50%预付，50%验收后30天'];
const BOM: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze(['控制柜 x1', '伺服驱动 x4', '视觉检测单元 x1']))();
const DELIVERY_CONSTRAINTS: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze(['伺服电机交期6周', '需客户现场停线2天']))();
const EQUIPMENT: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze(['自动化产线控制系统', '视觉检测单元']))();

/** A budget band as sales writes it. */
function budgetBand(amount: number): string {
  if (amount < 100_000) return '10万以下';
  if (amount < 500_000) return '10-50万';
  if (amount < 2_000_000) return '50-200万';
  return '200万以上';
}

/**
 * What a rep (or a department) fills in for a required field — a realistic value for the
 * default gate and task fields, a generic one of the right kind for any other.
 */
type FieldMaker = (opp: SimOpp, now: number) => FieldValue;
interface FieldMakerEntry {
  readonly field: string;
  readonly make: FieldMaker;
}

function knownField(field: string): FieldMaker | undefined {
  switch (field) {
    case 'contactConfirmed':
    case 'technicalFeasibilityConfirmed':
    case 'sampleAccepted':
    case 'legalReviewDone':
      return () => true;
    case 'budgetRange':
      return (opp) => budgetBand(opp.amount);
    case 'decisionTimeline':
      return (_, now) => now + 60 * DAY;
    case 'painPointsTop3':
      return (opp) => PAIN_POINTS[opp.seq % PAIN_POINTS.length] as FieldValue;
    case 'decisionChainRoles':
      return (opp) => DECISION_CHAINS[opp.seq % DECISION_CHAINS.length]!;
    case 'competitorAlternatives':
      return (opp) => COMPETITORS[opp.seq % COMPETITORS.length] as FieldValue;
    case 'proposedSolutionId':
      return (opp) => `SOL-${opp.seq}`;
    case 'fitScore':
      return (opp) => 60 + ((opp.seq * 7) % 36);
    case 'quotationAmount':
      return (opp) => opp.amount;
    case 'quotationValidUntil':
      return (_, now) => now + 30 * DAY;
    case 'contractDraftId':
      return (opp) => `HT-${opp.seq}`;
    case 'paymentTerms':
      return (opp) => PAYMENT_TERMS[opp.seq % PAYMENT_TERMS.length]!;
    case 'purchaseOrderNo':
      return (opp) => `PO-${opp.seq}`;
    case 'deliveryDate':
      return (_, now) => now + 60 * DAY;
    case 'kickoffMeetingAt':
      return (_, now) => now + 7 * DAY;
    case 'feasible':
      return (opp) => !opp.infeasible;
    case 'assessment':
      return (opp) => (opp.infeasible ? '现有工艺无法满足精度要求' : '方案可行，需定制工装夹具');
    case 'bom':
      return () => BOM as FieldValue;
    case 'deliveryConstraints':
      return () => DELIVERY_CONSTRAINTS as FieldValue;
    case 'equipmentList':
      return () => EQUIPMENT as FieldValue;
    case 'maintenanceStart':
      return (_, now) => now + 90 * DAY;
    default:
      return undefined;
  }
}

/** A value that fills `spec` in, of its kind and within its bounds. */
function genericField(spec: GateField): FieldMaker {
  switch (spec.kind) {
    case 'number': {
      const value =
        spec.min !== undefined && spec.max !== undefined
          ? (spec.min + spec.max) / 2
          : (spec.min ?? (spec.max !== undefined ? Math.min(spec.max, 1) : 1));
      return () => value;
    }
    case 'date':
      return (_, now) => now + 14 * DAY;
    case 'boolean':
      return () => true;
    case 'list': {
      const n = Math.max(1, Math.min(spec.minItems ?? 1, spec.maxItems ?? Number.POSITIVE_INFINITY));
      const items: FieldValue[] = [];
      for (let i = 0; i < n; i++) {
        if (spec.itemFields === undefined) items.push(`${spec.label} ${i + 1}`);
        else {
          // fromEntries defines own properties: an item field may be named `__proto__`.
          const item = Object.fromEntries(spec.itemFields.map((key) => [key, `${key} ${i + 1}`]));
          items.push(Object.freeze(item));
        }
      }
      Object.freeze(items);
      return () => items;
    }
    default:
      return () => spec.label;
  }
}

/** The makers of a list of required fields: the known value where it fills the spec, else a generic one. */
function fieldMakers(specs: readonly GateField[]): FieldMakerEntry[] {
  const probe = new SimOpp('probe', 1, new SimLead('probe', '', ''), 0, '', 300_000);
  return specs.map((spec) => {
    const known = knownField(spec.field);
    // A rule set may reuse a default name with another kind: check the known value once.
    const fits =
      known !== undefined && checkRequiredFields([spec], { [spec.field]: known(probe, 0) }).length === 0;
    return { field: spec.field, make: fits ? known : genericField(spec) };
  });
}

/** The values of `makers` for `opp` at `now`; with `slip`, the last field is forgotten. */
function fillFields(
  makers: readonly FieldMakerEntry[],
  opp: SimOpp,
  now: number,
  slip: boolean,
): FieldValues {
  const n = slip && makers.length > 0 ? makers.length - 1 : makers.length;
  // fromEntries defines own properties: a gate field may be named `__proto__`.
  return Object.fromEntries(makers.slice(0, n).map((maker) => [maker.field, maker.make(opp, now)]));
}

const NEXT_ACTIONS: Readonly<Record<string, string>> = {
  quoted: '跟进报价反馈',
  'needs-technical-confirmation': '约技术部确认方案',
  'comparing-competitors': '准备竞品对比材料',
  'on-hold': '季度后回访',
};

function toMs(value: number | Date): number {
  return typeof value === 'number' ? value : value.getTime();
}

/** A payload's arrival instant, or `undefined` when its `receivedAt` cannot be read. */
function arrivalOf(payload: unknown): number | undefined {
  const raw = (payload as { receivedAt?: unknown } | null)?.receivedAt;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string') {
    const ms = Date.parse(raw);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

function field(payload: unknown, path: readonly string[]): string {
  let value: unknown = payload;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return '';
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' ? value : '';
}

/**
 * Offset of local time from UTC in `zone`, per UTC day (DST changes inside a day are ignored).
 * The playground's insights read local days and hours with it too.
 *
 * @internal
 */
export function zoneOffsets(zone: string): (t: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const cache = new Map<number, number>();
  return (t) => {
    const key = Math.floor(t / DAY);
    let offset = cache.get(key);
    if (offset === undefined) {
      const probe = key * DAY + 12 * HOUR;
      const parts: Record<string, number> = {};
      for (const part of format.formatToParts(probe)) parts[part.type] = Number(part.value);
      const wall = Date.UTC(
        parts.year!,
        parts.month! - 1,
        parts.day!,
        parts.hour!,
        parts.minute!,
        parts.second!,
      );
      offset = wall - probe;
      cache.set(key, offset);
    }
    return offset;
  };
}

/** Explicit leads in arrival order (stable), each with the instant it arrives. */
function orderArrivals(
  leads: readonly unknown[],
  fallbackStart: number | Date | undefined,
): { at: number; payload: unknown }[] {
  let previous: number | undefined;
  const decorated = leads.map((payload, index) => {
    const at = arrivalOf(payload) ?? previous;
    if (at !== undefined) previous = at;
    return { at, payload, index };
  });
  const first = decorated.find((entry) => entry.at !== undefined)?.at;
  for (const entry of decorated) entry.at ??= first ?? toMs(fallbackStart ?? DEFAULT_SIMULATION_START);
  decorated.sort((a, b) => a.at! - b.at! || a.index - b.index);
  return decorated.map(({ at, payload }) => ({ at: at!, payload }));
}

/**
 * The period {@link runSimulation} will simulate for these options: `start` as given (default
 * {@link DEFAULT_SIMULATION_START}, or with explicit `leads` the local midnight before the earliest
 * arrival) and `days` as given (default 30, or with `leads` enough whole days to cover the last
 * arrival). Lets a caller check the calendar covers the period before running.
 *
 * @throws {RangeError} when `start` is not a valid instant or `days` not an integer ≥ 1.
 * @example
 * ```ts
 * import { simulationPeriod } from 'leadflow';
 * const { start, end } = simulationPeriod({ zone: 'Asia/Shanghai', days: 30 });
 * new Date(end).toISOString(); // '2026-03-31T16:00:00.000Z'
 * ```
 * @category Simulation
 */
export function simulationPeriod(options: {
  /** IANA zone of the business calendar (local midnights). */
  readonly zone: string;
  readonly start?: number | Date;
  readonly days?: number;
  readonly leads?: readonly unknown[];
  /** Explicit leads already ordered (internal: avoids sorting twice). */
  readonly arrivals?: readonly { readonly at: number }[];
}): { start: number; days: number; end: number } {
  const arrivals =
    options.arrivals ??
    (options.leads !== undefined ? orderArrivals(options.leads, options.start) : undefined);
  let start: number;
  if (options.start !== undefined) start = toMs(options.start);
  else if (arrivals !== undefined && arrivals.length > 0) {
    const offsetAt = zoneOffsets(options.zone);
    const first = arrivals[0]!.at;
    start = Math.floor((first + offsetAt(first)) / DAY) * DAY - offsetAt(first);
  } else start = DEFAULT_SIMULATION_START;
  const days =
    options.days ??
    (arrivals !== undefined && arrivals.length > 0
      ? Math.max(1, Math.floor((arrivals[arrivals.length - 1]!.at - start) / DAY) + 1)
      : 30);
  if (!Number.isFinite(start)) throw new RangeError('simulation start must be a valid instant');
  if (!Number.isInteger(days) || days < 1) throw new RangeError('simulation days must be an integer ≥ 1');
  return { start, days, end: start + days * DAY };
}

/**
 * Run the real engine over a simulated stream of leads with simulated reps, supervisors and
 * departments, on a virtual clock with the by-reference `replayMemoryStorage` and no decision traces —
 * through the engine's public API only — and report the "action certainty" targets, counts, the
 * lead and opportunity funnels, department response times, escalations, the stalled TOP5 and a
 * per-day timeline; targets, stalled TOP5 and department figures are `engine.metrics()`'s,
 * computed once at the end.
 *
 * When a lead converts, its owner enters the customer (reusing it when the master already has
 * the company) and the opportunity, then works it through the six gated stages — planning the
 * next contact on every stage entered, supplying the gate fields, sometimes rolling back, losing,
 * winning, flagging a delivery delay — while departments acknowledge and answer the tasks the
 * opportunity starts, some of them only after the engine's overdue escalation.
 *
 * The driver keeps one binary-heap agenda of the people's planned actions and merges it with the
 * arrivals; the engine is advanced (`advanceTo`, firing its own timers on the way) to the next
 * arrival or action, at most 5 simulated minutes and never across midnight at a time, so people
 * react to what the engine's timers did meanwhile (an SLA reminder, an expired offer) at most
 * 5 minutes late. The driver mirrors lead states from engine events and opportunity stages from
 * its own accepted commands, so planned actions of a lead or stage visit that has moved on are
 * dropped without an engine call; what the engine still refuses (`EVENT_NOT_ACCEPTED`: a lost
 * claim race, a rep at capacity; `GATE_NOT_MET`: a forgotten gate field) is counted, not thrown.
 * What the people do is the {@link BehaviourModel} (`options.behaviour`).
 *
 * The run ends at `start + days`: nothing after it is ingested or done, and the targets count
 * what is still undecided then as pending.
 *
 * Deterministic: the same options give a byte-identical `JSON.stringify(report)` (nothing reads
 * the wall clock or `Math.random`).
 *
 * @example
 * ```ts
 * import { chinaCalendar, runSimulation, zhikongPreset } from 'leadflow';
 * const { report, timeline } = await runSimulation({
 *   ...zhikongPreset,
 *   calendar: chinaCalendar({ years: [2026] }),
 *   seed: 42,
 *   days: 30,
 *   leadsPerMonth: 12_000,
 * });
 * for (const target of report.targets) console.log(target.label, target.achieved, target.passed ? '✔' : '✘');
 * console.log(timeline.queueDepth.at(-1));
 * ```
 * @category Simulation
 */
export async function runSimulation(options: RunSimulationOptions): Promise<SimulationResult> {
  const seed = options.seed ?? 42;
  const behaviour = options.behaviour ?? DEFAULT_BEHAVIOUR;
  const calendar = options.calendar;
  const offsetAt = zoneOffsets(calendar.zone);
  const localDayNumber = (t: number) => Math.floor((t + offsetAt(t)) / DAY);
  const localHour = (t: number) => Math.floor(((((t + offsetAt(t)) % DAY) + DAY) % DAY) / HOUR);
  const localMidnight = (t: number) => localDayNumber(t) * DAY - offsetAt(t);

  // ---- arrivals ----
  const explicit = options.leads !== undefined ? orderArrivals(options.leads, options.start) : undefined;
  const { start, days } = simulationPeriod({
    zone: options.calendar.zone,
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.days !== undefined ? { days: options.days } : {}),
    ...(explicit !== undefined ? { arrivals: explicit } : {}),
  });
  const end = start + days * DAY;
  const leadsPerMonth = options.leadsPerMonth ?? 12_000;

  // ---- engine ----
  const team =
    options.leave === false
      ? options.team
      : withSimulatedLeave(options.team, { seed, start, days, calendar, leave: behaviour.leave });
  const clock = createVirtualClock(start);
  // Tallies keyed by names and ids are Maps (a policy may be called `toString`); the report
  // turns them into records with fromEntries.
  const notifications = new Map<string, number>();
  const countingNotifier: Notifier = {
    name: 'simulation',
    send: async (message) => {
      bump(notifications, message.channel);
      return { ok: true };
    },
  };
  const engine = createEngine({
    ruleSet: options.ruleSet,
    team,
    calendar,
    clock,
    storage: options.storage ?? replayMemoryStorage(),
    notifier: countingNotifier,
    trace: options.trace ?? false,
  });
  const compiled = engine.ruleSet;
  const market =
    options.preset ?? (compiled.source.id === 'hengrui' ? ('hengrui' as const) : ('zhikong' as const));
  // Arrivals: the explicit list, or the generated stream pulled one day at a time.
  const generated = explicit
    ? undefined
    : generateLeadDays({ seed, start, days, leadsPerMonth, calendar, preset: market });
  let buffer: readonly { readonly at: number; readonly payload: unknown }[] = explicit ?? [];
  let cursor = 0;
  const peekArrival = () => {
    while (cursor >= buffer.length && generated !== undefined) {
      const day = generated.next();
      if (day.done) return undefined;
      buffer = day.value;
      cursor = 0;
    }
    return buffer[cursor];
  };

  const random = createRandom((seed ^ 0x9e3779b9) >>> 0);
  const reps: RepInfo[] = engine.team.reps.map((rep, index) => {
    const leave = new Set<number>();
    for (const range of rep.leave) {
      const from = Date.parse(`${range.from}T12:00:00Z`) / DAY;
      const to = Date.parse(`${range.to}T12:00:00Z`) / DAY;
      for (let day = Math.floor(from); day <= Math.floor(to); day++) leave.add(day);
    }
    return {
      id: rep.id,
      index,
      capacity: rep.dailyCapacity,
      active: rep.active,
      regions: new Set(rep.regions),
      industries: new Set(rep.industries),
      leave,
      diligence: 1 - behaviour.diligenceSpread + 2 * behaviour.diligenceSpread * random.next(),
      loadDay: -1,
      load: 0,
    };
  });
  const repIndex = new Map(reps.map((rep) => [rep.id, rep.index]));
  const claimTimeouts = new Map<string, number>();
  for (const rule of compiled.assignment.rules)
    if (rule.strategy.type === 'broadcast') claimTimeouts.set(rule.id, rule.strategy.claimTimeoutMs);
  const outcomeIds = compiled.source.followUp.outcomes.map((outcome) => outcome.id);
  const outcomeLabels = new Map(compiled.source.followUp.outcomes.map((o) => [o.id, o.label]));
  const outcomeTable: WeightedTable<string> | undefined =
    outcomeIds.length > 0
      ? weightedTable(outcomeIds.map((id) => [id, ownValue(behaviour.outcomes, id) ?? 1] as const))
      : undefined;
  const defaultSupervisor =
    compiled.assignment.fallback.supervisorId ?? engine.team.supervisors[0]?.id ?? 'supervisor';
  const leadPolicies = compiled.source.sla.policies.filter((p) => p.entity === 'lead').map((p) => p.id);
  const policiesStoppingOn = (event: string) =>
    new Set(
      compiled.source.sla.policies
        .filter((p) => p.entity === 'lead' && p.stopOn.includes(event))
        .map((p) => p.id),
    );
  const openReminders = policiesStoppingOn('lead.opened');
  const followUpReminders = policiesStoppingOn('lead.followedUp');
  const perPolicy = () => new Map(leadPolicies.map((id) => [id, 0]));
  // Breaches and warnings of opportunity policies (a stage stalled) are counted too.
  const slaPolicies = compiled.source.sla.policies.map((p) => p.id);
  const perSlaPolicy = () => new Map(slaPolicies.map((id) => [id, 0]));

  // ---- opportunities and departments ----
  const opportunityModel =
    behaviour.opportunities === undefined ? DEFAULT_OPPORTUNITY_BEHAVIOUR : behaviour.opportunities;
  // Their own stream, like an extension's: opportunity draws are not taken from the reps' lead stream.
  const oppRandom = createRandom((seed ^ 0x6f707073) >>> 0);
  const STAGES = OPPORTUNITY_STAGE_IDS;
  const LAST_STAGE = STAGES.length - 1;
  const stageModels = opportunityModel ? STAGES.map((id) => opportunityModel.stages[id]) : [];
  const gates = resolveStageGates(compiled.source.opportunity.gates);
  const gateMakers = STAGES.map((id) => fieldMakers(gates[id]));
  // Which stages (and the win) start department tasks: only then does the driver look for them.
  const taskStage = STAGES.map((id) =>
    compiled.source.opportunity.tasks.some((t) => t.on === 'stageEntered' && t.stage === id),
  );
  const tasksOnWin = compiled.source.opportunity.tasks.some((t) => t.on === 'won');
  const tasksOnCreate = compiled.source.opportunity.tasks.some((t) => t.on === 'created');
  const departmentModels = behaviour.departments ?? DEFAULT_DEPARTMENT_BEHAVIOURS;
  const departmentModel = (department: string): DepartmentBehaviour =>
    Object.hasOwn(departmentModels, department)
      ? departmentModels[department]!
      : Object.hasOwn(DEFAULT_DEPARTMENT_BEHAVIOURS, department)
        ? DEFAULT_DEPARTMENT_BEHAVIOURS[department]!
        : DEFAULT_DEPARTMENT_BEHAVIOUR;
  // Task kinds pin their required result: the makers are built once per kind.
  const resultMakers = new Map<string, readonly FieldMakerEntry[]>();

  // ---- counters ----
  const counts = {
    received: 0,
    quarantined: 0,
    merged: 0,
    valid: 0,
    assigned: 0,
    offered: 0,
    claimed: 0,
    queued: 0,
    nurturing: 0,
    followedUp: 0,
    converted: 0,
    disqualified: 0,
    reassigned: 0,
    escalations: 0,
  };
  const quarantinedByPath = new Map<string, number>();
  const escalationsByPolicy = perPolicy();
  const breachesByPolicy = perSlaPolicy();
  const warningsByPolicy = perSlaPolicy();
  // The rest of the opportunity figures come from engine.metrics() and `actions`.
  const opportunityCounts = { pending: 0, customersCreated: 0, customersReused: 0 };
  const stageEntered = new Array<number>(STAGES.length).fill(0);
  const opps = new Map<string, SimOpp>();
  const actions = {
    opens: 0,
    followUps: 0,
    conversions: 0,
    disqualifications: 0,
    claims: 0,
    supervisorAssigns: 0,
    opportunities: 0,
    plans: 0,
    advances: 0,
    rollbacks: 0,
    wins: 0,
    losses: 0,
    deliveryDelays: 0,
    taskAcknowledgements: 0,
    taskAnswers: 0,
    refused: { open: 0, followUp: 0, claim: 0, assign: 0, close: 0, advance: 0, opportunity: 0, task: 0 },
    skipped: 0,
  };
  const timeline = {
    days: [] as string[],
    received: new Array<number>(days).fill(0),
    assigned: new Array<number>(days).fill(0),
    breaches: new Array<number>(days).fill(0),
    queued: new Array<number>(days).fill(0),
    queueDepth: new Array<number>(days).fill(0),
  };
  const dateOf = localDateFormatter(calendar.zone);
  for (let day = 0; day < days; day++) timeline.days.push(dateOf(start + day * DAY + 12 * HOUR));
  let workingDays = 0;
  for (let day = 0; day < days; day++)
    if (calendar.businessTimeBetween(start + day * DAY, start + (day + 1) * DAY) > 0) workingDays++;
  const dayIndex = (t: number) => Math.min(days - 1, Math.max(0, Math.floor((t - start) / DAY)));
  let queueDepth = 0;
  const extensionCounts = new Map<string, Map<string, number>>();

  const leads = new Map<string, SimLead>();
  // An engine call tells several events about one lead: look it up once (the map holds every lead).
  let lastLeadId: string | undefined;
  let lastLead: SimLead | undefined;
  const simLead = (leadId: string): SimLead | undefined => {
    if (leadId !== lastLeadId) {
      lastLeadId = leadId;
      lastLead = leads.get(leadId);
    }
    return lastLead;
  };
  const queue: SimLead[] = [];
  let queueHead = 0;
  const agendaQueue = createAgenda<Task>();
  // What would happen after the end never runs: not kept (actAt returns Infinity for it).
  const agenda = {
    push: (at: number, task: Task) => {
      if (at < end) agendaQueue.push(at, task);
    },
    pop: () => agendaQueue.pop(),
    peekAt: () => agendaQueue.peekAt(),
  };
  let arrival: { readonly payload: unknown; readonly at: number } | undefined;

  // ---- time helpers for people ----
  const onLeave = (rep: RepInfo, t: number) => rep.leave.size > 0 && rep.leave.has(localDayNumber(t));
  // The driver's own plans may reach past the end (a stalled opportunity waits weeks): nothing
  // happens then, and the calendar need not cover it. Within the run, business time as usual.
  const outsideCalendar = (error: unknown) => error instanceof CalendarError;
  /** The next business instant at or after `t`; `t` itself past the end. */
  const businessFrom = (t: number): number => {
    if (t >= end) return t;
    try {
      return calendar.nextBusinessTime(t);
    } catch (error) {
      if (outsideCalendar(error)) return t;
      throw error;
    }
  };
  /** `ms` of business time after `t`; Infinity (never, within the run) past the end. */
  const businessAfter = (t: number, ms: number): number => {
    if (t >= end) return Number.POSITIVE_INFINITY;
    try {
      return calendar.addBusinessTime(t, ms);
    } catch (error) {
      if (outsideCalendar(error)) return Number.POSITIVE_INFINITY;
      throw error;
    }
  };
  /**
   * When a rep actually does something planned `delay` after `from`: in business hours, or from
   * the mobile app outside them (`ACT_ANY` draws which with `mobileShare`; `ACT_OFFICE` is
   * business hours only), moved to the first working day back when the rep is on leave.
   */
  const actAt = (
    rep: RepInfo | undefined,
    from: number,
    delay: number,
    mode = ACT_ANY,
    rnd: SeededRandom = random,
  ): number => {
    // Past the end nothing happens; and the calendar need not cover months after it (a stalled
    // opportunity's next step can be weeks away).
    if (from + delay >= end) return Number.POSITIVE_INFINITY;
    let t: number;
    if (mode === ACT_MOBILE || (mode === ACT_ANY && rnd.chance(behaviour.mobileShare))) {
      t = from + delay;
      const hour = localHour(t);
      if (hour >= 23 || hour < 8) {
        const morning = localMidnight(t) + (hour >= 23 ? DAY : 0) + 8 * HOUR;
        t = morning + Math.floor(rnd.next() * HOUR);
      }
    } else {
      t = businessFrom(businessFrom(from) + delay);
    }
    if (rep !== undefined) {
      for (let guard = 0; guard < 400 && onLeave(rep, t); guard++)
        t = businessFrom(localMidnight(t) + DAY) + Math.floor(rnd.next() * 2 * HOUR);
    }
    return t;
  };
  /** When a rep does opportunity work: business hours only, whole milliseconds (ids and KPIs stay integral). */
  const officeAt = (rep: RepInfo, from: number, delay: number): number =>
    Math.ceil(actAt(rep, from, delay, ACT_OFFICE, oppRandom));
  /** A delay drawn from a model, or -1 for "never". */
  const drawDelay = (model: DelayModel, diligence: number, rnd: SeededRandom = random): number => {
    const roll = rnd.next();
    if (roll < model.neverShare) return -1;
    if (roll < model.neverShare + model.tailShare)
      return model.tailMinMs + rnd.next() * (model.tailMaxMs - model.tailMinMs);
    return rnd.logNormal(model.medianMs * diligence, model.sigma);
  };
  const loadOf = (rep: RepInfo, t: number) => (rep.loadDay === localDayNumber(t) ? rep.load : 0);

  // ---- engine events → mirror ----
  engine.on('lead.received', (event) => {
    counts.received++;
    timeline.received[dayIndex(event.at)]!++;
    const payload = arrival?.payload;
    const lead = new SimLead(
      event.leadId,
      field(payload, ['company', 'region']),
      field(payload, ['company', 'industry']),
    );
    leads.set(event.leadId, lead);
    lastLeadId = event.leadId;
    lastLead = lead;
  });
  engine.on('lead.quarantined', (event) => {
    counts.quarantined++;
    const path = event.issues[0]?.path || '(root)';
    bump(quarantinedByPath, path);
  });
  engine.on('lead.duplicate', () => {
    counts.merged++;
  });
  engine.on('lead.offered', (event) => {
    const lead = simLead(event.leadId);
    if (!lead) return;
    counts.offered++;
    lead.state = S_OFFERED;
    lead.gen++;
    const expiresAt = event.at + (claimTimeouts.get(event.ruleId) ?? 10 * MINUTE);
    agenda.push(expiresAt + 1, new Task(T_WAKE, null, -1, 0, 0, null));
    if (!random.chance(behaviour.claim.claimShare) || event.repIds.length === 0) return;
    const candidates = event.repIds
      .map((id) => reps[repIndex.get(id) ?? -1])
      .filter((rep): rep is RepInfo => rep !== undefined);
    const free = candidates.filter(
      (rep) => rep.active && !onLeave(rep, event.at) && loadOf(rep, event.at) < rep.capacity,
    );
    const pool = free.length > 0 ? free : candidates;
    if (pool.length === 0) return;
    const first = random.pick(pool);
    const claimAt = actAt(
      undefined,
      event.at,
      random.logNormal(behaviour.claim.medianMs, behaviour.claim.sigma),
    );
    agenda.push(claimAt, new Task(T_CLAIM, lead, first.index, lead.gen, 0, null));
    if (pool.length > 1 && random.chance(behaviour.claim.raceShare)) {
      const second = pool[(pool.indexOf(first) + 1 + random.int(0, pool.length - 2)) % pool.length]!;
      agenda.push(
        claimAt + 5_000 + Math.floor(random.next() * 85_000),
        new Task(T_CLAIM, lead, second.index, lead.gen, 1, null),
      );
    }
  });
  engine.on('lead.queued', (event) => {
    const lead = simLead(event.leadId);
    if (!lead) return;
    counts.queued++;
    timeline.queued[dayIndex(event.at)]!++;
    lead.state = S_QUEUED;
    lead.gen++;
    lead.supervisorId = event.supervisorId ?? defaultSupervisor;
    lead.queuedAt = event.at;
    lead.readyAt =
      event.at +
      behaviour.supervisor.reactionMinMs +
      random.next() * (behaviour.supervisor.reactionMaxMs - behaviour.supervisor.reactionMinMs);
    if (!lead.inQueue) {
      lead.inQueue = true;
      queue.push(lead);
      queueDepth++;
    }
  });
  const leaveQueue = (lead: SimLead) => {
    if (lead.inQueue) {
      lead.inQueue = false;
      queueDepth--;
    }
  };
  engine.on('lead.assigned', (event) => {
    const lead = simLead(event.leadId);
    if (!lead) return;
    leaveQueue(lead);
    const rep = reps[repIndex.get(event.repId) ?? -1];
    if (!lead.assigned) {
      lead.assigned = true;
      counts.assigned++;
      timeline.assigned[dayIndex(event.at)]!++;
    }
    if (event.by === 'claim') counts.claimed++;
    lead.state = S_ASSIGNED;
    lead.owner = rep?.index ?? -1;
    lead.gen++;
    if (rep === undefined) return;
    const day = localDayNumber(event.at);
    if (rep.loadDay !== day) {
      rep.loadDay = day;
      rep.load = 0;
    }
    rep.load++;
    // The new owner plans to open the card, or (rarely) goes straight to a follow-up.
    const openDelay = drawDelay(behaviour.open, rep.diligence);
    if (openDelay >= 0)
      agenda.push(actAt(rep, event.at, openDelay), new Task(T_OPEN, lead, rep.index, lead.gen, 0, null));
    else planFirstFollowUp(lead, rep, event.at);
  });
  engine.on('lead.reassigned', () => {
    counts.reassigned++;
  });
  engine.on('lead.nurturing', (event) => {
    const lead = simLead(event.leadId);
    if (!lead) return;
    if (lead.state !== S_NURTURING) counts.nurturing++;
    lead.state = S_NURTURING;
    lead.nurtureUntil = event.until;
  });
  engine.on('lead.opened', (event) => {
    const lead = simLead(event.leadId);
    if (!lead) return;
    lead.state = S_OPENED;
  });
  engine.on('lead.followedUp', (event) => {
    const lead = simLead(event.leadId);
    if (!lead) return;
    lead.state = S_CONTACTED;
    lead.nextContactAt = event.nextContactAt;
    lead.followUps++;
    if (!lead.followedUp) {
      lead.followedUp = true;
      counts.followedUp++;
    }
  });
  engine.on('lead.closed', (event) => {
    const lead = simLead(event.leadId);
    if (!lead) return;
    leaveQueue(lead);
    lead.state = S_CLOSED;
    if (event.state === 'converted') {
      counts.converted++;
      if (opportunityModel) planOpportunity(lead, event.at);
    }
    if (event.state === 'disqualified') counts.disqualified++;
  });
  engine.on('lead.escalated', (event) => {
    counts.escalations++;
    bump(escalationsByPolicy, event.policyId);
    const lead = simLead(event.leadId);
    if (!lead) return;
    lead.escalations++;
    lead.escalationsByPolicy ??= new Map();
    bump(lead.escalationsByPolicy, event.policyId);
  });
  engine.on('sla.breached', (event) => {
    bump(breachesByPolicy, event.policyId);
    timeline.breaches[dayIndex(event.at)]!++;
    remind(event.entityId, event.policyId, event.at);
  });
  engine.on('sla.warning', (event) => {
    bump(warningsByPolicy, event.policyId);
    remind(event.entityId, event.policyId, event.at);
  });
  /** A rep reacting to an SLA notification: open the card, or get the first follow-up done. */
  function remind(leadId: string, policyId: string, at: number): void {
    const lead = simLead(leadId);
    if (!lead || lead.owner < 0) return;
    const rep = reps[lead.owner]!;
    if (openReminders.has(policyId) && lead.state === S_ASSIGNED) {
      if (!random.chance(behaviour.reminders.openShare)) return;
      const delay = random.logNormal(behaviour.reminders.openMedianMs * rep.diligence, 0.8);
      agenda.push(actAt(rep, at, delay, ACT_MOBILE), new Task(T_OPEN, lead, rep.index, lead.gen, 0, null));
    } else if (followUpReminders.has(policyId) && lead.followUps === 0 && lead.state !== S_CLOSED) {
      if (!random.chance(behaviour.reminders.followUpShare)) return;
      const delay = random.logNormal(behaviour.reminders.followUpMedianMs * rep.diligence, 0.8);
      agenda.push(
        actAt(rep, at, delay, ACT_MOBILE),
        new Task(T_FOLLOW_UP, lead, rep.index, lead.gen, 1, null),
      );
    }
  }

  // ---- planning ----
  function planFirstFollowUp(lead: SimLead, rep: RepInfo, from: number): void {
    const delay = drawDelay(behaviour.firstFollowUp, rep.diligence);
    if (delay < 0) return;
    agenda.push(actAt(rep, from, delay), new Task(T_FOLLOW_UP, lead, rep.index, lead.gen, 1, null));
  }
  function planNextFollowUp(lead: SimLead, rep: RepInfo, now: number, n: number): void {
    const model = behaviour.nextFollowUp;
    if (n > model.maxFollowUps || random.chance(model.dropShare)) return;
    if (lead.state === S_NURTURING && !random.chance(model.nurtureReturnShare)) return;
    const planned = Math.max(lead.nextContactAt, now);
    let at: number;
    if (random.chance(model.onTimeShare)) {
      // On time: some point before the planned contact, from the app if office hours come too late.
      const t = now + (planned - now) * (0.3 + 0.6 * random.next());
      at = actAt(rep, t, 0);
      if (at > planned) at = actAt(rep, t, 0, ACT_MOBILE);
    } else at = actAt(rep, planned + random.logNormal(model.lateMedianMs, model.lateSigma), 0);
    agenda.push(at, new Task(T_FOLLOW_UP, lead, rep.index, lead.gen, n, null));
  }

  // ---- actions ----
  const refusedBy = (error: unknown): boolean =>
    error instanceof EngineError && error.code === 'EVENT_NOT_ACCEPTED';
  const onAction = options.onAction;

  async function runTask(task: Task): Promise<void> {
    const now = clock.now();
    const lead = task.lead;
    switch (task.kind) {
      case T_WAKE:
        return;
      case T_CUSTOM:
        await task.run!();
        return;
      case T_SWEEP:
        await sweep(now);
        agenda.push(
          businessFrom(now + behaviour.supervisor.sweepEveryMs),
          new Task(T_SWEEP, null, -1, 0, 0, null),
        );
        return;
      case T_CLAIM: {
        if (!lead || lead.state === S_CLOSED) {
          actions.skipped++;
          return;
        }
        const rep = reps[task.rep]!;
        let accepted = true;
        try {
          await engine.claim(lead.id, rep.id);
          actions.claims++;
        } catch (error) {
          if (!refusedBy(error)) throw error;
          accepted = false;
          actions.refused.claim++;
        }
        onAction?.({ type: 'claim', at: now, leadId: lead.id, repId: rep.id, accepted });
        return;
      }
      case T_OPEN: {
        if (!lead || lead.gen !== task.gen || lead.state !== S_ASSIGNED) {
          actions.skipped++;
          return;
        }
        const rep = reps[task.rep]!;
        let accepted = true;
        try {
          await engine.open(lead.id, rep.id);
          actions.opens++;
        } catch (error) {
          if (!refusedBy(error)) throw error;
          accepted = false;
          actions.refused.open++;
        }
        onAction?.({ type: 'open', at: now, leadId: lead.id, repId: rep.id, accepted });
        if (accepted && lead.gen === task.gen) planFirstFollowUp(lead, rep, now);
        return;
      }
      case T_FOLLOW_UP: {
        if (
          !lead ||
          lead.gen !== task.gen ||
          lead.followUps !== task.n - 1 ||
          lead.state < S_ASSIGNED ||
          lead.state === S_CLOSED ||
          (lead.state === S_NURTURING && now >= lead.nurtureUntil)
        ) {
          actions.skipped++;
          return;
        }
        await followUp(lead, reps[task.rep]!, task.n, now);
        return;
      }
      case T_OPP_CREATE:
        await enterOpportunity(lead!, reps[task.rep]!, now);
        return;
      case T_OPP_VISIT:
      case T_OPP_REPLAN:
      case T_OPP_DELAY: {
        const opp = lead?.opp;
        // A won deal still gets its delivery delay; anything else planned for a visit that is over is dropped.
        if (!opp || opp.gen !== task.gen || (opp.closed && task.kind !== T_OPP_DELAY)) {
          actions.skipped++;
          return;
        }
        const rep = reps[opp.owner]!;
        if (task.kind === T_OPP_VISIT) await visit(opp, rep, task.n, now);
        else if (task.kind === T_OPP_REPLAN) await replan(opp, rep, now);
        else await flagDeliveryDelay(opp, rep, now);
        return;
      }
      case T_TASK_ACK:
      case T_TASK_ANSWER: {
        const opp = lead!.opp!;
        await answerTask(opp, opp.tasks[task.n]!, task.kind === T_TASK_ACK, now);
        return;
      }
    }
  }

  async function followUp(lead: SimLead, rep: RepInfo, n: number, now: number): Promise<void> {
    const model = behaviour.nextFollowUp;
    if (n > 1) {
      const convert = lead.lastOutcome === 'quoted' ? model.convertAfterQuote : model.convertShare;
      const roll = random.next();
      if (roll < convert + model.disqualifyShare) {
        const type = roll < convert ? ('convert' as const) : ('disqualify' as const);
        let accepted = true;
        try {
          if (type === 'convert') await engine.dispatch(lead.id, { type: 'CONVERT' });
          else await engine.dispatch(lead.id, { type: 'DISQUALIFY', reason: '客户取消采购计划' });
          if (type === 'convert') actions.conversions++;
          else actions.disqualifications++;
        } catch (error) {
          if (!refusedBy(error)) throw error;
          accepted = false;
          actions.refused.close++;
        }
        onAction?.({ type, at: now, leadId: lead.id, repId: rep.id, accepted });
        return;
      }
    }
    const outcome = outcomeTable?.draw(random);
    let accepted = true;
    try {
      await engine.recordFollowUp(
        lead.id,
        outcome !== undefined
          ? {
              status: outcomeLabels.get(outcome) ?? outcome,
              nextAction: ownValue(NEXT_ACTIONS, outcome) ?? '按计划回访',
              outcome,
            }
          : { status: '已联系', nextAction: '按计划回访', nextContactAt: now + 3 * DAY },
      );
      actions.followUps++;
    } catch (error) {
      if (!refusedBy(error)) throw error;
      accepted = false;
      actions.refused.followUp++;
    }
    onAction?.({
      type: 'followUp',
      at: now,
      leadId: lead.id,
      repId: rep.id,
      outcome: outcome ?? null,
      accepted,
    });
    if (!accepted) return;
    lead.lastOutcome = outcome ?? null;
    if (lead.state !== S_CLOSED) planNextFollowUp(lead, rep, now, n + 1);
  }

  // ---- opportunities ----
  let customerSequence = 0;
  let opportunitySequence = 0;
  const oppModel = opportunityModel ?? DEFAULT_OPPORTUNITY_BEHAVIOUR;

  /** A lead was converted: its owner will enter the customer and the opportunity. */
  function planOpportunity(lead: SimLead, at: number): void {
    opportunityCounts.pending++;
    const rep = lead.owner >= 0 ? reps[lead.owner] : undefined;
    if (rep === undefined) return;
    const delay = drawDelay(oppModel.create, rep.diligence, oppRandom);
    if (delay < 0) return;
    agenda.push(officeAt(rep, at, delay), new Task(T_OPP_CREATE, lead, rep.index, 0, 0, null));
  }

  /**
   * A rule set that makes the business licence mandatory (`customers.requireUscc`,
   * `requireRegisteredAddress`): the simulated rep reads it off the licence before entering the
   * customer. Drawn from the lead's id, so the opportunity stream and the report stay as they are.
   */
  function completeLicence(
    customer: Record<string, unknown>,
    leadId: string,
    company: { readonly region: string; readonly city?: string | undefined },
  ): void {
    const rules = compiled.source.customers;
    const city = CHINA_GEOGRAPHY[company.region]?.find((c) => c.city === company.city);
    if (rules.requireUscc && customer.uscc === undefined)
      customer.uscc = syntheticUscc(city?.division ?? '110000', createRandom(hashName(leadId)));
    if (rules.requireRegisteredAddress)
      customer.registeredAddress = `${company.region}${company.city ?? ''}${(hashName(leadId) % 900) + 100}号`;
  }

  /** The customer (reused when the master has it already) and the opportunity, from what the lead told. */
  async function enterOpportunity(lead: SimLead, rep: RepInfo, now: number): Promise<void> {
    const record = lead.opp === null ? await engine.getLead(lead.id) : undefined;
    if (record === undefined) {
      actions.skipped++;
      return;
    }
    const { company, contact, budget, need } = record.lead;
    const customer: Record<string, unknown> = {
      id: `cust-${++customerSequence}`,
      name: company.name,
      region: company.region,
      industry: company.industry,
      ownerRepId: rep.id,
    };
    if (company.uscc !== undefined) customer.uscc = company.uscc;
    if (company.city !== undefined) customer.city = company.city;
    if (company.groupId !== undefined) customer.groupId = company.groupId;
    completeLicence(customer, lead.id, company);
    const person: Record<string, unknown> = {};
    if (contact.name !== undefined) person.name = contact.name;
    if (contact.title !== undefined) person.role = contact.title;
    if (contact.phone !== undefined) person.phone = contact.phone;
    if (contact.email !== undefined) person.email = contact.email;
    if (contact.wecomId !== undefined) person.wecomId = contact.wecomId;
    customer.contacts = Object.keys(person).length > 0 ? [person] : [];
    const upserted = await engine.upsertCustomer(customer);
    const reused = upserted.status === 'duplicate';
    if (reused) opportunityCounts.customersReused++;
    else opportunityCounts.customersCreated++;
    const amount = budget?.amount ?? Math.round(oppRandom.logNormal(300_000, 0.8) / 1_000) * 1_000;
    const fields: FieldValues = { contactConfirmed: true };
    if (budget !== undefined) fields.budgetRange = budgetBand(amount);
    const { opportunityId } = await engine.createOpportunity({
      customerId: upserted.customerId,
      name: `${company.name}｜${need === undefined ? '设备采购' : need.length > 40 ? need.slice(0, 40) : need}`,
      ownerId: rep.id,
      leadId: lead.id,
      fields,
    });
    const opp = new SimOpp(opportunityId, ++opportunitySequence, lead, rep.index, company.name, amount);
    lead.opp = opp;
    opps.set(opportunityId, opp);
    opportunityCounts.pending--;
    actions.opportunities++;
    onAction?.({
      type: 'opportunity',
      at: now,
      leadId: lead.id,
      opportunityId,
      customerId: upserted.customerId,
      customerReused: reused,
      repId: rep.id,
      accepted: true,
    });
    await enterStage(opp, rep, now);
    // Tasks the opportunity starts at once are answered in parallel with its first stages.
    if (tasksOnCreate) await startTasks(opp, now, false);
  }

  /** Send a command to an opportunity: a refusal is counted, anything else is a bug and thrown. */
  async function command(
    opp: SimOpp,
    rep: RepInfo,
    type: 'plan' | 'advance' | 'rollback' | 'win' | 'lose' | 'deliveryDelay',
    event: OpportunityCommand,
    now: number,
  ): Promise<boolean> {
    let accepted = true;
    const stage = STAGES[opp.stage]!;
    try {
      await engine.opportunity(opp.id, event);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      if (error.code === 'GATE_NOT_MET') actions.refused.advance++;
      else if (error.code === 'EVENT_NOT_ACCEPTED') actions.refused.opportunity++;
      else throw error;
      accepted = false;
    }
    onAction?.({ type, at: now, leadId: opp.lead.id, opportunityId: opp.id, stage, repId: rep.id, accepted });
    return accepted;
  }

  async function plan(opp: SimOpp, rep: RepInfo, plannedAt: number, now: number): Promise<void> {
    if (await command(opp, rep, 'plan', { type: 'PLAN_NEXT_CONTACT', plannedAt }, now)) actions.plans++;
  }

  /**
   * A stage entered (created, advanced, rolled back): draw how the visit ends, plan the next
   * contact, schedule the department answers of the tasks it started, and the owner's decision.
   */
  async function enterStage(opp: SimOpp, rep: RepInfo, now: number): Promise<void> {
    const model = stageModels[opp.stage]!;
    stageEntered[opp.stage]!++;
    opp.gen++;
    opp.blockedUntil = 0;
    opp.infeasible = false;
    const roll = oppRandom.next();
    opp.outcome =
      roll < model.loseShare
        ? V_LOSE
        : opp.stage > 0 && roll < model.loseShare + model.rollbackShare
          ? V_ROLLBACK
          : V_ADVANCE;
    const plannedAt = Math.ceil(businessFrom(now + oppRandom.logNormal(model.planMedianMs, model.planSigma)));
    await plan(opp, rep, plannedAt, now);
    if (taskStage[opp.stage]) await startTasks(opp, now, true);
    const lead = opp.lead;
    const decide = oppRandom.next();
    if (decide < oppModel.onTimeShare) {
      // Decided by the planned contact, from office hours.
      const t = now + (plannedAt - now) * (0.5 + 0.5 * oppRandom.next());
      agenda.push(officeAt(rep, t, 0), new Task(T_OPP_VISIT, lead, rep.index, opp.gen, 0, null));
    } else if (decide < oppModel.onTimeShare + oppModel.stallShare) {
      // Stalls: nobody touches it for weeks after the planned contact, no new plan either.
      const quiet = oppModel.stallMinMs + oppRandom.next() * (oppModel.stallMaxMs - oppModel.stallMinMs);
      agenda.push(
        officeAt(rep, plannedAt + quiet, 0),
        new Task(T_OPP_VISIT, lead, rep.index, opp.gen, 0, null),
      );
    } else {
      agenda.push(officeAt(rep, plannedAt, 0), new Task(T_OPP_REPLAN, lead, rep.index, opp.gen, 0, null));
    }
  }

  /** Late: at the planned contact the owner is not ready and plans the next one. */
  async function replan(opp: SimOpp, rep: RepInfo, now: number): Promise<void> {
    const late = oppRandom.logNormal(oppModel.lateMedianMs * rep.diligence, oppModel.lateSigma);
    const plannedAt = Math.ceil(businessFrom(now + late));
    await plan(opp, rep, plannedAt, now);
    agenda.push(officeAt(rep, plannedAt, 0), new Task(T_OPP_VISIT, opp.lead, rep.index, opp.gen, 0, null));
  }

  const close = (opp: SimOpp) => {
    opp.closed = true;
    opp.gen++;
  };

  /** The owner's decision on the current visit: advance (or win), roll back, or lose. `n` 1 = a retry after a gate refusal. */
  async function visit(opp: SimOpp, rep: RepInfo, n: number, now: number): Promise<void> {
    const stage = opp.stage;
    const outcome = opp.outcome;
    // Not before the departments have answered what this visit asked them (an infeasible
    // solution is lost once the technical answer is in).
    if ((outcome === V_ADVANCE || opp.infeasible) && opp.blockedUntil > now) {
      const at = officeAt(rep, opp.blockedUntil, oppRandom.logNormal(2 * HOUR * rep.diligence, 0.8));
      if (at === Number.POSITIVE_INFINITY) return; // after the end
      await plan(opp, rep, at, now);
      agenda.push(at, new Task(T_OPP_VISIT, opp.lead, rep.index, opp.gen, n, null));
      return;
    }
    if (outcome === V_LOSE) {
      const reasons = LOSS_REASONS[stage]!;
      const reason = opp.infeasible ? '技术方案不可行' : reasons[oppRandom.int(0, reasons.length - 1)]!;
      if (await command(opp, rep, 'lose', { type: 'LOSE', reason }, now)) {
        close(opp);
        actions.losses++;
      }
      return;
    }
    if (outcome === V_ROLLBACK) {
      const to = stage - (stage >= 2 && oppRandom.chance(oppModel.rollbackTwoShare) ? 2 : 1);
      const reason = ROLLBACK_REASONS[oppRandom.int(0, ROLLBACK_REASONS.length - 1)]!;
      if (await command(opp, rep, 'rollback', { type: 'ROLLBACK', toStage: STAGES[to]!, reason }, now)) {
        actions.rollbacks++;
        opp.stage = to;
        await enterStage(opp, rep, now);
      }
      return;
    }
    // The gate fields of the stage; a forgotten one is refused by the engine and supplied within the hour.
    const fields = fillFields(
      gateMakers[stage]!,
      opp,
      now,
      n === 0 && oppRandom.chance(oppModel.gateSlipShare),
    );
    const accepted =
      stage === LAST_STAGE
        ? await command(opp, rep, 'win', { type: 'WIN', fields, contractValue: opp.amount }, now)
        : await command(opp, rep, 'advance', { type: 'ADVANCE', fields }, now);
    if (!accepted) {
      if (n === 0)
        agenda.push(
          officeAt(rep, now, oppRandom.logNormal(45 * MINUTE, 0.8)),
          new Task(T_OPP_VISIT, opp.lead, rep.index, opp.gen, 1, null),
        );
      return;
    }
    if (stage < LAST_STAGE) {
      actions.advances++;
      opp.stage++;
      await enterStage(opp, rep, now);
      return;
    }
    close(opp);
    actions.wins++;
    if (tasksOnWin) await startTasks(opp, now, false);
    if (oppRandom.chance(oppModel.deliveryDelayShare)) {
      const after =
        oppModel.deliveryDelayMinMs +
        oppRandom.next() * (oppModel.deliveryDelayMaxMs - oppModel.deliveryDelayMinMs);
      agenda.push(
        officeAt(rep, now + after, 0),
        new Task(T_OPP_DELAY, opp.lead, rep.index, opp.gen, 0, null),
      );
    }
  }

  async function flagDeliveryDelay(opp: SimOpp, rep: RepInfo, now: number): Promise<void> {
    const reason = DELAY_REASONS[oppRandom.int(0, DELAY_REASONS.length - 1)]!;
    if (await command(opp, rep, 'deliveryDelay', { type: 'FLAG_DELIVERY_DELAY', reason }, now)) {
      actions.deliveryDelays++;
    }
  }

  // ---- departments ----
  /**
   * The department tasks an opportunity event just started: when the department acknowledges
   * and answers each (business time; a late one is answered soon after the overdue escalation
   * reaches the department head). With `blocking`, the current visit waits for the answers.
   */
  async function startTasks(opp: SimOpp, now: number, blocking: boolean): Promise<void> {
    for (const { id, record } of await engine.tasksOf(opp.id)) {
      if (opp.tasks.some((task) => task.id === id)) continue;
      const context: TaskContext = record.machine.context;
      const department = context.department;
      const members = Object.hasOwn(engine.team.departments, department)
        ? engine.team.departments[department]
        : undefined;
      const by = members?.memberIds[0] ?? members?.headId ?? context.assigneeId ?? department;
      let result = resultMakers.get(context.kind);
      if (result === undefined) {
        result = fieldMakers(context.requiredResult);
        resultMakers.set(context.kind, result);
      }
      const index = opp.tasks.push(new SimTask(id, department, by, result)) - 1;
      if (context.kind === 'technicalFeasibility' && opp.outcome === V_LOSE)
        opp.infeasible = oppRandom.chance(0.5);
      const model = departmentModel(department);
      const created = context.createdAt ?? now;
      const ackDelay = drawDelay(model.acknowledge, 1, oppRandom);
      const ackAt = ackDelay < 0 ? -1 : Math.ceil(businessAfter(created, ackDelay));
      const answerDelay = drawDelay(model.answer, 1, oppRandom);
      let answerAt =
        answerDelay < 0
          ? Number.POSITIVE_INFINITY
          : Math.ceil(businessAfter(ackAt >= 0 ? ackAt : created, answerDelay));
      if (context.dueAt !== null && answerAt > context.dueAt) {
        const pushed = Math.ceil(
          businessAfter(context.dueAt, oppRandom.logNormal(model.escalatedMedianMs, 0.6)),
        );
        if (pushed < answerAt) answerAt = pushed;
      }
      if (ackAt >= 0 && ackAt < answerAt)
        agenda.push(ackAt, new Task(T_TASK_ACK, opp.lead, -1, 0, index, null));
      if (answerAt === Number.POSITIVE_INFINITY) continue;
      agenda.push(answerAt, new Task(T_TASK_ANSWER, opp.lead, -1, 0, index, null));
      if (blocking && answerAt > opp.blockedUntil) opp.blockedUntil = answerAt;
    }
  }

  async function answerTask(opp: SimOpp, task: SimTask, acknowledge: boolean, now: number): Promise<void> {
    let accepted = true;
    try {
      if (acknowledge) {
        await engine.task(task.id, { type: 'ACKNOWLEDGE', by: task.by });
        actions.taskAcknowledgements++;
      } else {
        const result = fillFields(task.result, opp, now, false);
        await engine.task(task.id, { type: 'COMPLETE', result, by: task.by });
        actions.taskAnswers++;
      }
    } catch (error) {
      if (!refusedBy(error)) throw error;
      accepted = false;
      actions.refused.task++;
    }
    onAction?.({
      type: acknowledge ? 'acknowledgeTask' : 'answerTask',
      at: now,
      leadId: opp.lead.id,
      opportunityId: opp.id,
      taskId: task.id,
      department: task.department,
      by: task.by,
      accepted,
    });
  }

  /** The supervisor assigns ready queued leads to the eligible reps with the most room. */
  async function sweep(now: number): Promise<void> {
    while (queueHead < queue.length && !queue[queueHead]!.inQueue) queueHead++;
    if (queueHead > 4_096 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
    if (queueHead >= queue.length) return;
    const blocked = new Set<number>();
    const latestReady = now - behaviour.supervisor.reactionMinMs;
    for (let i = queueHead; i < queue.length; i++) {
      const lead = queue[i]!;
      if (lead.queuedAt > latestReady) break;
      if (!lead.inQueue || lead.readyAt > now) continue;
      let best: RepInfo | undefined;
      let bestScore = -1;
      let bestRoom = 0;
      for (const rep of reps) {
        if (!rep.active || blocked.has(rep.index) || onLeave(rep, now)) continue;
        const room = rep.capacity - loadOf(rep, now);
        if (room <= 0) continue;
        const score = (rep.regions.has(lead.region) ? 2 : 0) + (rep.industries.has(lead.industry) ? 1 : 0);
        if (score > bestScore || (score === bestScore && room > bestRoom)) {
          best = rep;
          bestScore = score;
          bestRoom = room;
        }
      }
      if (best === undefined) return;
      const by = lead.supervisorId ?? defaultSupervisor;
      let accepted = true;
      try {
        await engine.assign(lead.id, best.id, by);
        actions.supervisorAssigns++;
      } catch (error) {
        if (!refusedBy(error)) throw error;
        accepted = false;
        actions.refused.assign++;
        blocked.add(best.index);
      }
      onAction?.({ type: 'assign', at: now, leadId: lead.id, repId: best.id, by, accepted });
    }
  }

  // ---- extensions ----
  for (const extension of options.extensions ?? []) {
    const counters = new Map<string, number>();
    extensionCounts.set(extension.name, counters);
    extension.setup({
      engine,
      // Its own stream: adding an extension does not change the other draws of the run.
      random: createRandom((seed ^ hashName(extension.name)) >>> 0),
      calendar,
      now: () => clock.now(),
      schedule: (at, run) => agenda.push(Math.max(at, clock.now()), new Task(T_CUSTOM, null, -1, 0, 0, run)),
      count: (key, by = 1) => {
        bump(counters, key, by);
      },
    });
  }

  // ---- the loop ----
  agenda.push(calendar.nextBusinessTime(start), new Task(T_SWEEP, null, -1, 0, 0, null));
  let ingested = 0;
  let day = 0;
  const assignUnqualified = compiled.qualification.assignUnqualified;
  const closeDaysUntil = (t: number) => {
    while (day < days && t >= start + (day + 1) * DAY) {
      timeline.queueDepth[day] = queueDepth;
      day++;
      options.onProgress?.(day, days);
    }
  };
  const signal = options.signal;
  // With a signal, give the event loop a turn at each new day: a cancel message (in a Web Worker,
  // an abort from another task) is handled mid-run, not only when the run has finished.
  let yieldedDay = 0;
  for (;;) {
    if (signal !== undefined && day > yieldedDay) {
      yieldedDay = day;
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    if (signal?.aborted) {
      throw new EngineError('ABORTED', `runSimulation: cancelled on day ${day + 1} of ${days}`, {
        cause: signal.reason,
      });
    }
    const upcoming = peekArrival();
    const arrivalAt = upcoming !== undefined ? Math.max(upcoming.at, start) : Number.POSITIVE_INFINITY;
    const taskAt = agenda.peekAt();
    const at = Math.min(arrivalAt, taskAt);
    // Advance at most MAX_ADVANCE (and never across midnight) at a time: reactions to what the
    // engine's own timers do meanwhile (a reminder, an expired offer) join the agenda in time.
    const now = clock.now();
    const limit = Math.min(now + MAX_ADVANCE, start + (day + 1) * DAY, end);
    if (at > limit || at >= end) {
      if (limit > now) await engine.advanceTo(limit, signal ? { signal } : undefined);
      closeDaysUntil(limit);
      if (limit >= end) break;
      continue;
    }
    if (at > now) await engine.advanceTo(at, signal ? { signal } : undefined);
    closeDaysUntil(at);
    if (arrivalAt <= taskAt) {
      arrival = upcoming!;
      cursor++;
      ingested++;
      const result = await engine.ingest(arrival.payload);
      if (result.status === 'accepted') {
        const valid = assignUnqualified
          ? (await engine.getLead(result.leadId))?.qualified === true
          : result.decision.kind !== 'nurture';
        if (valid) counts.valid++;
      }
      onAction?.({
        type: 'ingest',
        at,
        payload: arrival.payload,
        leadId: result.status === 'quarantined' ? null : result.leadId,
        status: result.status,
        accepted: true,
      });
      arrival = undefined;
    } else {
      await runTask(agenda.pop()!);
    }
  }
  const afterEnd = explicit ? explicit.length - ingested : 0;
  closeDaysUntil(end);
  await engine.idle(); // every delivery round of the run has finished before counting
  // Computed once: targets, the stalled TOP5 and department rows all read the engine's own figures.
  const metrics = await engine.metrics();

  // ---- report ----
  const mostEscalated: SimLead[] = [];
  for (const lead of leads.values()) if (lead.escalations > 0) insertTop(mostEscalated, lead, escalatedFirst);
  const targetRows = buildTargets(metrics, compiled.source.targets);
  const stalled: StalledOpportunity[] = metrics.stalled.top5.map((row) => {
    const opp = opps.get(row.opportunityId);
    return {
      opportunityId: row.opportunityId,
      leadId: opp?.lead.id ?? null,
      company: opp?.company ?? null,
      stage: row.stage,
      ownerId: row.ownerId,
      dwellMs: row.dwellMs,
    };
  });
  const leadStalls = metrics.leads.stalled;
  const stalledLeads: SimulationReport['stalledLeads'] = {
    afterMs: leadStalls.afterMs,
    count: leadStalls.count,
    byState: leadStalls.byState,
    top5: await Promise.all(
      leadStalls.top5.map(async (row) => ({
        leadId: row.leadId,
        company: (await engine.getLead(row.leadId))?.lead.company.name ?? null,
        state: row.state,
        ownerId: row.ownerId,
        dwellMs: row.dwellMs,
      })),
    ),
  };
  let opportunities: SimulationReport['opportunities'] = null;
  if (opportunityModel) {
    const openByStage = Object.fromEntries(STAGES.map((id) => [id, 0])) as Record<OpportunityStageId, number>;
    for (const opp of opps.values()) if (!opp.closed) openByStage[STAGES[opp.stage]!]++;
    const enteredByStage: Partial<Record<OpportunityStageId, number>> = {};
    STAGES.forEach((id, i) => {
      enteredByStage[id] = stageEntered[i]!;
    });
    const funnel = metrics.funnel;
    opportunities = {
      created: funnel.opportunities,
      won: funnel.won,
      lost: funnel.lost,
      open: funnel.opportunities - funnel.won - funnel.lost,
      openByStage,
      pendingAtEnd: opportunityCounts.pending,
      winRate: funnel.winRate,
      leadToOpportunity: funnel.leadToOpportunity,
      customersCreated: opportunityCounts.customersCreated,
      customersReused: opportunityCounts.customersReused,
      rollbacks: OPPORTUNITY_STAGE_IDS.reduce((sum, id) => sum + metrics.stages[id].rollbacks, 0),
      deliveryDelays: actions.deliveryDelays,
      stages: buildStageRows(metrics, enteredByStage),
    };
  }
  const leave = Object.fromEntries(
    engine.team.reps
      .filter((rep) => rep.leave.length > 0)
      .map((rep) => [rep.id, rep.leave.map((range) => `${range.from}..${range.to}`)]),
  );

  const report: SimulationReport = {
    ruleSet: { id: compiled.source.id, version: compiled.source.version, name: compiled.source.name ?? null },
    seed,
    period: {
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      days,
      workingDays,
      zone: calendar.zone,
    },
    team: {
      reps: engine.team.reps.length,
      dailyCapacity: engine.team.reps.reduce((sum, rep) => sum + (rep.active ? rep.dailyCapacity : 0), 0),
    },
    input: {
      source: explicit ? 'explicit' : 'generated',
      market: explicit ? null : typeof market === 'string' ? market : market.name,
      leadsPerMonth: explicit ? null : leadsPerMonth,
    },
    targets: targetRows,
    passed: targetRows.every((row) => row.passed),
    counts: {
      arrivals: ingested,
      afterEnd,
      received: counts.received,
      quarantined: counts.quarantined,
      quarantinedByPath: sortedRecord(quarantinedByPath),
      duplicatesMerged: counts.merged,
      valid: counts.valid,
      assigned: counts.assigned,
      offered: counts.offered,
      claimed: counts.claimed,
      queued: counts.queued,
      queuedAtEnd: queueDepth,
      nurturing: counts.nurturing,
      followedUp: counts.followedUp,
      converted: counts.converted,
      disqualified: counts.disqualified,
      reassigned: counts.reassigned,
      escalations: counts.escalations,
      escalationsByPolicy: Object.fromEntries(escalationsByPolicy),
      breachesByPolicy: Object.fromEntries(breachesByPolicy),
      warningsByPolicy: Object.fromEntries(warningsByPolicy),
    },
    funnel: buildFunnel(counts),
    opportunities,
    departments: buildDepartments(metrics, engine.team.departments),
    escalations: {
      byPolicy: [...escalationsByPolicy]
        .filter(([, count]) => count > 0)
        .map(([policyId, count]) => ({ policyId, count }))
        .sort((a, b) => b.count - a.count || (a.policyId < b.policyId ? -1 : 1)),
      topLeads: mostEscalated.map((lead) => ({
        leadId: lead.id,
        count: lead.escalations,
        policies: sortedRecord(lead.escalationsByPolicy ?? new Map()),
      })),
    },
    stalled,
    stalledLeads,
    actions,
    notifications: sortedRecord(notifications),
    leave,
    metrics,
    ...(options.extensions && options.extensions.length > 0
      ? {
          extensions: Object.fromEntries(
            [...extensionCounts].map(([name, counters]) => [name, Object.fromEntries(counters)]),
          ),
        }
      : {}),
  };
  return { report, timeline, engine };
}

const TOP = 5;

/** FNV-1a hash of a name (seeds an extension's random stream). */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Keep the TOP5 of `list` under `before` (a strict order; ties broken by lead id). */
function insertTop(list: SimLead[], lead: SimLead, before: (a: SimLead, b: SimLead) => boolean): void {
  if (list.length === TOP && !before(lead, list[TOP - 1]!)) return;
  let i = list.length < TOP ? list.length : TOP - 1;
  list[i] = lead;
  while (i > 0 && before(list[i]!, list[i - 1]!)) {
    const swap = list[i - 1]!;
    list[i - 1] = list[i]!;
    list[i] = swap;
    i--;
  }
}

const escalatedFirst = (a: SimLead, b: SimLead) =>
  a.escalations > b.escalations || (a.escalations === b.escalations && a.id < b.id);

/** Add `by` to the tally of `key`. */
function bump(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** A tally as a record in key order (fromEntries defines own properties, whatever the key). */
function sortedRecord(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
