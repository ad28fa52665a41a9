/**
 * Simulation: one simulated year (2025-03-03 + 365 days) of 12,000 leads/month (~144,000 leads)
 * through the zhikong rules — every SLA timer, escalation, claim, follow-up and conversion —
 * with the real engine (`runSimulation`: virtual clock, the by-reference `replayMemoryStorage`, no
 * traces, simulated reps and supervisors through the public API only).
 *
 *   ours     — `runSimulation` over the year with a team staffed for the volume (the zhikong
 *              team, each rep's daily capacity ×12), so leads go through the whole lifecycle,
 *              ending at the conversion (`behaviour.opportunities: null`): the same work the
 *              baseline does. Also reported: the full simulated year, where converted leads
 *              become customers and opportunities worked through the six stages and departments
 *              answer their tasks (the default behaviour) — the baseline has no counterpart.
 *   baseline — the naive stack on the same arrivals and the same host actions (recorded from
 *              our run): json-rules-engine evaluating the rule set's conditions (one Engine per
 *              phase, reused, as in benchmarks/rules.ts) + decideLeadUsing for the strategies, a
 *              live XState actor per lead (`createActor(leadMachine, { input, clock: new
 *              SimulatedClock() })`) whose delayed events run on its SimulatedClock, and SLA
 *              policies as timeouts on that clock (escalations sent to the actor, notifications
 *              rendered). Every live actor's clock is advanced to each action's time, so the
 *              baseline grows quadratically: it runs on the first month only (a week too, to
 *              show the growth), and its rate is compared with ours on the same slice and,
 *              scaled linearly — which flatters it — with our year.
 *
 * Also: where our time goes (a sampling CPU profile of a 60-day run, self time grouped by source
 * module from the bundle's `// src/…` markers), GC time (PerformanceObserver), peak RSS and the
 * live heap at the end, and the same years with the store packing cold rows (`recentSnapshots`).
 * Each measured year (and the floor) runs in a Node process of its own, so that no run's memory
 * figures, or speed, carry the heap of the runs before it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createActor, SimulatedClock } from 'xstate';
import { replayMemoryStorage } from '../src/adapters/storage/replay-memory.js';
import { renderTemplate } from '../src/engine/templates.js';
import { type LeadContext, leadMachine } from '../src/machines/lead.js';
import { type Lead, parseLead } from '../src/model/lead.js';
import { parseTeam } from '../src/model/team.js';
import { compileRuleSet } from '../src/rules/compile.js';
import {
  type AssignmentDecision,
  type AssignmentState,
  emptyAssignmentState,
  recordAssignment,
} from '../src/rules/decide.js';
import { zhikongPreset } from '../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../src/scheduler/calendar.js';
import { DEFAULT_BEHAVIOUR } from '../src/simulate/behaviour.js';
import { generateLeadStream } from '../src/simulate/generate.js';
import { runSimulation, type SimulationAction } from '../src/simulate/run.js';
import { runFloor } from './_floor.js';
import { collectGarbage, report } from './_harness.js';
import { contactKeys, shanghaiDay } from './_leads.js';
import { createReferenceDecider } from './_reference-decider.js';

const DAY = 86_400_000;
const START = Date.parse('2025-03-03T00:00:00+08:00');
const DAYS = 365;
const LEADS_PER_MONTH = 12_000;
const SEED = 42;
/**
 * Days the baseline (and ours, for the same-slice ratio) runs on: a simulated month, the unit
 * sales-ops replay. The baseline's cost per lead grows with its live actors (about 1.2k leads/s
 * over a week, 0.65k over two, 0.29k over four on this machine), so a shorter slice would
 * flatter it more; the week is run too and printed, to show the growth.
 */
const SLICE_DAYS = 28;
const WEEK_DAYS = 7;
const PROFILE_DAYS = 60;

const calendar = chinaCalendar({ years: [2025, 2026] });
const ruleSet = zhikongPreset.ruleSet;
/** Leads only: the story ends at the conversion, as in the baseline. */
const leadsOnly = { ...DEFAULT_BEHAVIOUR, opportunities: null };
const staffed = parseTeam({
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep) => ({ ...rep, dailyCapacity: rep.dailyCapacity * 12 })),
});

// ---- measurement helpers ----
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
gcObserver.observe({ entryTypes: ['gc'] });
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/**
 * A replay for its KPIs: the log is folded into the projection and not kept (`eventLog: 'none'`).
 * `recentSnapshots`: the store packs all but that many of the latest writes. Also measured: the
 * live heap at the end (after a full GC, the store still held), beside the peak RSS V8 reached.
 */
async function timedYear(
  behaviour: typeof DEFAULT_BEHAVIOUR,
  onAction?: (action: SimulationAction) => void,
  recentSnapshots = Number.POSITIVE_INFINITY,
) {
  collectGarbage();
  const gcBefore = gcMs;
  const started = process.hrtime.bigint();
  peakRss = 0;
  let liveHeap = 0;
  const result = await runSimulation({
    ruleSet,
    team: staffed,
    calendar,
    seed: SEED,
    start: START,
    days: DAYS,
    leadsPerMonth: LEADS_PER_MONTH,
    behaviour,
    storage: replayMemoryStorage({ eventLog: 'none', recentSnapshots }),
    onProgress: (day, totalDays) => {
      sampleRss();
      if (day !== totalDays) return;
      collectGarbage();
      liveHeap = process.memoryUsage().heapUsed;
    },
    ...(onAction ? { onAction } : {}),
  });
  const elapsed = seconds(started);
  // GC entries are delivered asynchronously: let the observer catch up before reading them.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 10));
  // The report only: the run's engine holds its whole storage, which would weigh on what runs next.
  return { report: result.report, seconds: elapsed, gcSeconds: (gcMs - gcBefore) / 1000, peakRss, liveHeap };
}

// ---- each measured year in a process of its own ----
// A process keeps the heap a run grew to: measured one after another in one process, each run's
// peak RSS (and its speed, in a heap already large) would carry the runs before it.
type TimedYear = Awaited<ReturnType<typeof timedYear>>;
/** The same years with the store packing cold rows: what it saves, and what it costs in time. */
const PACKED_RECENT = 20_000;
const part = process.env.LEADFLOW_SIMULATE_PART;
if (part !== undefined) {
  const [kind, behaviourName, recent] = part.split(':');
  const behaviour = behaviourName === 'full' ? DEFAULT_BEHAVIOUR : leadsOnly;
  if (kind === 'year') {
    console.log(JSON.stringify(await timedYear(behaviour, undefined, Number(recent))));
  } else {
    // The floor: the same year's arrivals and host actions through the pure core alone.
    const yearActions: SimulationAction[] = [];
    await timedYear(leadsOnly, (action) => yearActions.push(action));
    collectGarbage();
    const floorStarted = process.hrtime.bigint();
    const floor = runFloor(yearActions, {
      compiled: compileRuleSet(ruleSet, { team: staffed }),
      team: staffed,
      calendar,
      start: START,
      end: START + DAYS * DAY,
    });
    console.log(JSON.stringify({ floorSeconds: seconds(floorStarted), counts: floor.counts }));
  }
  process.exit(0);
}
function inOwnProcess<T>(name: string): T {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!], {
    env: { ...process.env, LEADFLOW_SIMULATE_PART: name },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`simulate: the ${name} run failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as T;
}

// ---- ours: the year ----
const generationStarted = process.hrtime.bigint();
const yearStream = generateLeadStream({
  seed: SEED,
  start: START,
  days: DAYS,
  leadsPerMonth: LEADS_PER_MONTH,
  calendar,
});
const generationSeconds = seconds(generationStarted);
const arrivalsPerYear = yearStream.length;
yearStream.length = 0;

const year = inOwnProcess<TimedYear>('year:leads:Infinity');
const yearRss = year.peakRss;
const fullYear = inOwnProcess<TimedYear>('year:full:Infinity');
const packedYear = inOwnProcess<TimedYear>(`year:leads:${PACKED_RECENT}`);
const packedFullYear = inOwnProcess<TimedYear>(`year:full:${PACKED_RECENT}`);
if (JSON.stringify(packedYear.report) !== JSON.stringify(year.report))
  throw new Error('the packed store changed the lead-only year’s report');
const r = year.report;
const targetsLine = (report: typeof r) =>
  report.targets
    .map(
      (t) =>
        `${t.id} ${t.achieved === null ? '- (nothing decided)' : `${(t.achieved * 100).toFixed(1)}% ${t.passed ? '✔' : '✘'}`}`,
    )
    .join(', ');
console.log(
  `ours, staffed team, leads only: ${arrivalsPerYear} arrivals in ${year.seconds.toFixed(1)} s (GC ${year.gcSeconds.toFixed(1)} s; generating the stream alone: ${generationSeconds.toFixed(2)} s), peak RSS ${(yearRss / 1e6).toFixed(0)} MB`,
);
console.log(
  `  received ${r.counts.received}, quarantined ${r.counts.quarantined}, merged ${r.counts.duplicatesMerged}, assigned ${r.counts.assigned}, follow-ups ${r.actions.followUps}, converted ${r.counts.converted}, escalations ${r.counts.escalations}, breaches ${JSON.stringify(r.counts.breachesByPolicy)}`,
);
console.log(`  targets: ${targetsLine(r)}`);
const fr = fullYear.report;
console.log(
  `ours, full year (opportunities and departments too): ${fullYear.seconds.toFixed(1)} s (GC ${fullYear.gcSeconds.toFixed(1)} s), peak RSS ${(fullYear.peakRss / 1e6).toFixed(0)} MB; opportunities ${fr.opportunities?.created ?? 0}, won ${fr.opportunities?.won ?? 0}, actions ${JSON.stringify(fr.actions)}`,
);
console.log(`  targets: ${targetsLine(fr)}`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
for (const [label, objects, packed] of [
  ['leads only', year, packedYear],
  ['full year', fullYear, packedFullYear],
] as const)
  console.log(
    `${label}: live heap at the end ${mb(objects.liveHeap)} (peak RSS ${mb(objects.peakRss)}, ${objects.seconds.toFixed(1)} s); packing all but the latest ${PACKED_RECENT} writes: ${mb(packed.liveHeap)} (peak RSS ${mb(packed.peakRss)}, ${packed.seconds.toFixed(1)} s)`,
  );

const { floorSeconds, counts: floorCounts } = inOwnProcess<{
  floorSeconds: number;
  counts: ReturnType<typeof runFloor>['counts'];
}>('floor');
const floor = { counts: floorCounts };
console.log(
  `floor (pure core alone: decisions, lead steps, SLA deadlines, templates; no storage, no log): ${floorSeconds.toFixed(1)} s — accepted ${floor.counts.accepted}, merged ${floor.counts.merged}, quarantined ${floor.counts.quarantined}, escalations ${floor.counts.escalations}`,
);
if (floor.counts.accepted !== r.counts.received || floor.counts.quarantined !== r.counts.quarantined) {
  throw new Error('floor and ours disagree on intake (accepted / quarantined)');
}

// ---- ours on the slice, recording the host actions for the baseline ----
const actions: SimulationAction[] = [];
collectGarbage();
const sliceStarted = process.hrtime.bigint();
const slice = await runSimulation({
  ruleSet,
  team: staffed,
  calendar,
  seed: SEED,
  start: START,
  days: SLICE_DAYS,
  leadsPerMonth: LEADS_PER_MONTH,
  behaviour: leadsOnly,
  onAction: (action) => actions.push(action),
});
const oursSliceSeconds = seconds(sliceStarted);
const sliceArrivals = slice.report.counts.arrivals;

// ---- baseline: json-rules-engine + a live XState actor per lead on SimulatedClocks ----
const compiled = compileRuleSet(ruleSet, { team: staffed });
const referenceDecide = createReferenceDecider(compiled, staffed);

interface BaselineLead {
  readonly id: string;
  readonly lead: Lead;
  readonly clock: SimulatedClock;
  readonly actor: ReturnType<typeof createActor<typeof leadMachine>>;
  state: string;
  /** Timeout ids per SLA policy. */
  readonly sla: Map<string, number[]>;
  final: boolean;
}

async function runBaseline(recorded: readonly SimulationAction[], end: number) {
  let assignment: AssignmentState = emptyAssignmentState(shanghaiDay(START));
  const leads = new Map<string, BaselineLead>();
  const dedupe = new Map<string, BaselineLead>();
  const live = new Set<BaselineLead>();
  const pendingRedecide: BaselineLead[] = [];
  const outbox: string[] = [];
  const counts = { accepted: 0, merged: 0, quarantined: 0, assigned: 0, escalations: 0, refused: 0 };
  const policies = compiled.sla.policies.filter((policy) => policy.entity === 'lead');
  const outcomes = new Map(compiled.source.followUp.outcomes.map((o) => [o.id, o]));

  const decide = async (
    lead: Lead,
    now: number,
    skipRules?: ReadonlySet<string>,
  ): Promise<AssignmentDecision> => {
    const result = await referenceDecide(lead, assignment, {
      now,
      day: shanghaiDay(now),
      ...(skipRules ? { skipRules } : {}),
    });
    assignment = result.state;
    return result.decision;
  };

  /** SLA: start or stop each policy's timeouts on the lead's clock for one lifecycle event. */
  const slaEvent = (b: BaselineLead, type: string, now: number) => {
    for (const policy of policies) {
      if (policy.stopOn.includes(type)) {
        for (const id of b.sla.get(policy.id) ?? []) b.clock.clearTimeout(id);
        b.sla.delete(policy.id);
      }
      if (policy.startOn.includes(type) && !b.sla.has(policy.id)) {
        const due =
          policy.clock === 'business' ? calendar.addBusinessTime(now, policy.target) : now + policy.target;
        const ids: number[] = [];
        const fire = (actionsToRun: typeof policy.onBreach, breach: boolean) => () => {
          const at = b.clock.now();
          for (const action of actionsToRun) {
            if (action.type === 'escalate') {
              counts.escalations++;
              if (!b.final) b.actor.send({ type: 'ESCALATE', policyId: policy.id, to: action.to, at });
            } else if (action.type === 'notify') {
              const template = compiled.source.templates[action.template];
              outbox.push(
                renderTemplate(template?.text ?? policy.id, {
                  lead: b.lead,
                  policy: { id: policy.id, target: `${policy.target / 60_000} 分钟` },
                }),
              );
            }
          }
          if (breach) b.sla.delete(policy.id);
        };
        if (policy.warnBefore !== undefined)
          ids.push(
            b.clock.setTimeout(fire(policy.onWarn, false), Math.max(0, due - policy.warnBefore - now)),
          );
        ids.push(b.clock.setTimeout(fire(policy.onBreach, true), Math.max(0, due - now)));
        b.sla.set(policy.id, ids);
      }
    }
  };

  /** Send an event to a lead's actor at `now`; false when the state refused it. */
  const send = (b: BaselineLead, event: Record<string, unknown> & { type: string }, now: number): boolean => {
    b.clock.set(Math.max(now, b.clock.now()));
    const before = b.actor.getSnapshot();
    b.actor.send({ ...event, at: now } as never);
    const after = b.actor.getSnapshot();
    if (after === before) return false;
    const state =
      typeof after.value === 'string'
        ? after.value
        : `awaitingAssignment.${String(Object.values(after.value)[0])}`;
    if (event.type === 'OPEN') slaEvent(b, 'lead.opened', now);
    if (event.type === 'FOLLOW_UP') slaEvent(b, 'lead.followedUp', now);
    if (state !== b.state || event.type === 'REASSIGN') {
      if (state === 'assigned') {
        counts.assigned++;
        slaEvent(b, 'lead.assigned', now);
      }
      if (state === 'awaitingAssignment.queued') slaEvent(b, 'lead.queued', now);
      if (state === 'nurturing') slaEvent(b, 'lead.nurturing', now);
      if (state === 'converted' || state === 'disqualified' || state === 'merged') {
        slaEvent(b, `lead.${state}`, now);
        for (const ids of b.sla.values()) for (const id of ids) b.clock.clearTimeout(id);
        b.sla.clear();
        b.final = true;
        live.delete(b);
      }
    }
    b.state = state;
    return true;
  };

  const advance = async (t: number) => {
    for (const b of live) b.clock.set(Math.max(t, b.clock.now()));
    while (pendingRedecide.length > 0) {
      const b = pendingRedecide.shift()!;
      const skip = new Set((b.actor.getSnapshot().context as LeadContext).skipRules);
      send(b, { type: 'DECIDED', decision: await decide(b.lead, t, skip) }, t);
    }
  };

  for (const action of recorded) {
    await advance(action.at);
    const now = action.at;
    if (action.type === 'ingest') {
      const parsed = parseLead(action.payload);
      if (!parsed.ok) {
        counts.quarantined++;
        continue;
      }
      const lead = parsed.lead;
      const keys = contactKeys(lead);
      const existing = keys.map((key) => dedupe.get(key)).find((b) => b !== undefined && !b.final);
      if (existing) {
        counts.merged++;
        continue;
      }
      counts.accepted++;
      const clock = new SimulatedClock();
      clock.set(now);
      const id = action.leadId ?? `baseline-${counts.accepted}`;
      const actor = createActor(leadMachine, {
        input: { leadId: id, receivedAt: now, priority: lead.priority },
        clock,
      });
      actor.start();
      const b: BaselineLead = { id, lead, clock, actor, state: 'received', sla: new Map(), final: false };
      actor.subscribe((snapshot) => {
        const value = typeof snapshot.value === 'string' ? snapshot.value : '';
        if (value === 'received' && b.state === 'awaitingAssignment.offered') pendingRedecide.push(b);
        if (value === 'recycled' && b.state !== 'recycled') {
          slaEvent(b, 'lead.recycled', clock.now());
          b.state = 'recycled';
        }
      });
      leads.set(id, b);
      live.add(b);
      for (const key of keys) dedupe.set(key, b);
      slaEvent(b, 'lead.received', now);
      send(b, { type: 'DECIDED', decision: await decide(lead, now) }, now);
      continue;
    }
    const b = leads.get(action.leadId);
    if (!b) continue;
    let accepted = false;
    switch (action.type) {
      case 'open':
        accepted = send(b, { type: 'OPEN', repId: action.repId }, now);
        break;
      case 'followUp': {
        const outcome = action.outcome ? outcomes.get(action.outcome) : undefined;
        accepted = send(
          b,
          {
            type: 'FOLLOW_UP',
            status: outcome?.label ?? '已联系',
            nextAction: '按计划回访',
            nextContactAt: now + (outcome?.nextContactIn ?? 3 * DAY),
            ...(outcome ? { outcome: outcome.id, moveTo: outcome.moveTo } : {}),
            ...(outcome?.moveTo === 'nurturing'
              ? { nurtureUntil: now + compiled.qualification.incubationMs }
              : {}),
          },
          now,
        );
        break;
      }
      case 'convert':
        accepted = send(b, { type: 'CONVERT' }, now);
        break;
      case 'disqualify':
        accepted = send(b, { type: 'DISQUALIFY', reason: '客户取消采购计划' }, now);
        break;
      case 'claim':
      case 'assign': {
        const rep = staffed.reps.find((candidate) => candidate.id === action.repId)!;
        const today = assignment.day === shanghaiDay(now) ? (assignment.assignedToday[rep.id] ?? 0) : 0;
        if (today >= rep.dailyCapacity) break;
        accepted =
          action.type === 'claim'
            ? send(b, { type: 'CLAIM', repId: rep.id }, now)
            : send(b, { type: 'ASSIGN', repId: rep.id, by: action.by }, now);
        if (accepted) assignment = recordAssignment(assignment, rep.id, shanghaiDay(now));
        break;
      }
    }
    if (!accepted) counts.refused++;
  }
  await advance(end);
  return { counts, notifications: outbox.length, actors: leads.size };
}

collectGarbage();
const weekEnd = START + WEEK_DAYS * DAY;
const weekActions = actions.filter((action) => action.at < weekEnd);
const weekStarted = process.hrtime.bigint();
await runBaseline(weekActions, weekEnd);
const baselineWeekSeconds = seconds(weekStarted);
const weekArrivals = weekActions.filter((action) => action.type === 'ingest').length;
collectGarbage();
const baselineStarted = process.hrtime.bigint();
const baseline = await runBaseline(actions, START + SLICE_DAYS * DAY);
const baselineSeconds = seconds(baselineStarted);
const sr = slice.report.counts;
console.log(
  `slice: first ${SLICE_DAYS} days, ${sliceArrivals} arrivals, ${actions.length} host actions — ours ${oursSliceSeconds.toFixed(2)} s, baseline ${baselineSeconds.toFixed(2)} s`,
);
console.log(
  `  ours: accepted ${sr.received}, merged ${sr.duplicatesMerged}, quarantined ${sr.quarantined}, escalations ${sr.escalations}; baseline: accepted ${baseline.counts.accepted}, merged ${baseline.counts.merged}, quarantined ${baseline.counts.quarantined}, escalations ${baseline.counts.escalations}, refused ${baseline.counts.refused}`,
);
if (
  baseline.counts.accepted !== sr.received ||
  baseline.counts.quarantined !== sr.quarantined ||
  baseline.counts.merged !== sr.duplicatesMerged
) {
  throw new Error('baseline and ours disagree on intake (accepted / merged / quarantined)');
}

// ---- where our time goes: a sampling profile of a shorter run, self time per source module ----
async function profileBreakdown(): Promise<Record<string, number>> {
  const bundle = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const modules: { line: number; name: string }[] = [];
  bundle.forEach((text, index) => {
    const match = /^\/\/ (src\/[^\s]+|benchmarks\/[^\s]+|node_modules\/[^\s]+)$/.exec(text);
    if (match) modules.push({ line: index, name: match[1]! });
  });
  const group = (name: string): string => {
    if (name.startsWith('src/simulate/'))
      return name.includes('generate') || name.includes('market') || name.includes('random')
        ? 'simulate: stream generator'
        : 'simulate: driver';
    if (name.startsWith('src/adapters/storage') || name.startsWith('src/scheduler/timer-queue'))
      return 'engine: memory storage + timer queue';
    if (name.startsWith('src/machines/sla')) return 'engine: SLA clocks';
    if (name.startsWith('src/machines') || name.startsWith('src/engine/lead-step'))
      return 'engine: lead machine steps';
    if (name.startsWith('src/rules')) return 'engine: rules (tags, qualification, assignment)';
    if (name.startsWith('src/model')) return 'engine: intake validation (model)';
    if (name.startsWith('src/metrics')) return 'engine: leadMetrics';
    if (name.startsWith('src/scheduler')) return 'engine: business calendar';
    if (name.startsWith('src/engine/outbox') || name.startsWith('src/engine/templates'))
      return 'engine: outbox + templates';
    if (name.startsWith('src/engine')) return 'engine: orchestration + commit';
    return name;
  };
  const moduleAt = (line: number): string => {
    let lo = 0;
    let hi = modules.length - 1;
    let found = 'other';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (modules[mid]!.line <= line) {
        found = modules[mid]!.name;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return group(found);
  };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  collectGarbage();
  await session.post('Profiler.start');
  await runSimulation({
    ruleSet,
    team: staffed,
    calendar,
    seed: SEED,
    start: START,
    days: PROFILE_DAYS,
    leadsPerMonth: LEADS_PER_MONTH,
  });
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const self = new Map<number, number>();
  profile.samples?.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0));
  });
  const totals: Record<string, number> = {};
  let all = 0;
  for (const node of profile.nodes) {
    const micros = self.get(node.id) ?? 0;
    if (micros === 0) continue;
    all += micros;
    const frame = node.callFrame;
    let key: string;
    if (frame.functionName === '(garbage collector)') key = 'GC';
    else if (frame.url.startsWith('file:') && frame.url.includes('leadflow-bench'))
      key = moduleAt(frame.lineNumber);
    else if (frame.url.includes('/zod/')) key = 'engine: intake validation (zod)';
    else if (frame.url.includes('/xstate/')) key = 'engine: lead machine steps';
    else if (frame.url.includes('/eventemitter3/')) key = 'engine: orchestration + commit';
    else if (frame.url === '')
      key =
        frame.functionName === '(program)' || frame.functionName === '(idle)'
          ? 'V8 / runtime'
          : 'V8 builtins';
    else key = 'other';
    totals[key] = (totals[key] ?? 0) + micros;
  }
  return Object.fromEntries(
    Object.entries(totals)
      .sort((a, b) => b[1] - a[1])
      .map(([key, micros]) => [key, Math.round((micros / all) * 1000) / 10]),
  );
}
const breakdown = await profileBreakdown();
console.log(
  `where the time goes (% of self time, ${PROFILE_DAYS}-day staffed run with opportunities, sampled):`,
);
for (const [key, share] of Object.entries(breakdown)) console.log(`  ${String(share).padStart(5)}%  ${key}`);
gcObserver.disconnect();

const ours = arrivalsPerYear / year.seconds;
const oursOnSlice = sliceArrivals / oursSliceSeconds;
const baselineRate = sliceArrivals / baselineSeconds;
const baselineWeekRate = weekArrivals / baselineWeekSeconds;
console.log(
  `baseline over the first ${WEEK_DAYS} days: ${weekArrivals} arrivals in ${baselineWeekSeconds.toFixed(2)} s (${baselineWeekRate.toFixed(0)} leads/s); over ${SLICE_DAYS} days: ${baselineRate.toFixed(0)} leads/s`,
);
console.log(
  `baseline measured on the first ${SLICE_DAYS} days only (${sliceArrivals} arrivals) and scaled linearly — it slows down as actors accumulate, so the year would take longer than ${(arrivalsPerYear / baselineRate).toFixed(0)} s`,
);
report({
  name: 'simulate',
  ours,
  baseline: baselineRate,
  unit: 'leads/s',
  seconds: year.seconds,
  leads: arrivalsPerYear,
  gcSeconds: year.gcSeconds,
  peakRssMB: Math.round(yearRss / 1e6),
  processMaxRssMB: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
  fullYearSeconds: fullYear.seconds,
  fullYearPeakRssMB: Math.round(fullYear.peakRss / 1e6),
  liveHeapMB: Math.round(year.liveHeap / 1e6),
  fullYearLiveHeapMB: Math.round(fullYear.liveHeap / 1e6),
  packedRecentSnapshots: PACKED_RECENT,
  packedSeconds: packedYear.seconds,
  packedPeakRssMB: Math.round(packedYear.peakRss / 1e6),
  packedLiveHeapMB: Math.round(packedYear.liveHeap / 1e6),
  packedFullYearSeconds: packedFullYear.seconds,
  packedFullYearPeakRssMB: Math.round(packedFullYear.peakRss / 1e6),
  packedFullYearLiveHeapMB: Math.round(packedFullYear.liveHeap / 1e6),
  baselineSliceDays: SLICE_DAYS,
  baselineWeekRate,
  baselineScaledYearSeconds: arrivalsPerYear / baselineRate,
  oursOnSlice,
  ratioOnSlice: oursOnSlice / baselineRate,
  generationSeconds,
  floorSeconds,
  floorRatio: year.seconds / floorSeconds,
  // Issue #20's goals: lead-only year ≤ 300 MB, full year ≤ 600 MB, ≥ 20× the naive baseline, ≤ 3× the floor.
  goalsMet:
    yearRss / 1e6 <= 300 &&
    fullYear.peakRss / 1e6 <= 600 &&
    ours / baselineRate >= 20 &&
    year.seconds / floorSeconds <= 3,
});
