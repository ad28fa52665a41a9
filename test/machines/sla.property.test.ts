import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  isSlaRecord,
  type SlaContext,
  type SlaEffect,
  type SlaRecord,
  type SlaState,
  type SlaTimerPayload,
  slaInitialState,
  slaOnEvent,
  slaOnTimer,
  slaPendingTimers,
  slaTimerKey,
} from '../../src/machines/sla.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import type { SlaEvent, SlaPolicyInput } from '../../src/rules/ruleset.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const calendar = chinaCalendar({ years: [2025, 2026] });

const EVENTS = [
  'lead.received',
  'lead.assigned',
  'lead.opened',
  'lead.followedUp',
  'lead.nurturing',
  'lead.recycled',
  'lead.converted',
] as const satisfies readonly SlaEvent[];

// ---------------------------------------------------------------------------------------------
// Arbitraries

const policyArb = fc
  .record({
    startOn: fc.subarray([...EVENTS], { minLength: 1, maxLength: 2 }),
    stopOn: fc.subarray([...EVENTS], { minLength: 1, maxLength: 2 }),
    pauseOn: fc.oneof(
      { arbitrary: fc.constant<SlaEvent[]>([]), weight: 1 },
      { arbitrary: fc.subarray([...EVENTS], { minLength: 1, maxLength: 1 }), weight: 3 },
    ),
    resumeOn: fc.subarray([...EVENTS], { minLength: 1, maxLength: 1 }),
    targetMinutes: fc.oneof(
      fc.integer({ min: 1, max: 120 }),
      fc.integer({ min: 1, max: 72 }).map((h) => h * 60),
    ),
    clock: fc.constantFrom('business' as const, 'wall' as const),
    warnPercent: fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }),
  })
  .map(({ targetMinutes, warnPercent, ...rest }) => {
    const warnMinutes = warnPercent === undefined ? 0 : Math.floor((targetMinutes * warnPercent) / 100);
    return {
      ...rest,
      target: `${targetMinutes}m`,
      ...(warnMinutes > 0 ? { warnBefore: `${warnMinutes}m` } : {}),
    };
  });

const policiesArb = fc.array(policyArb, { minLength: 1, maxLength: 3 }).map((list) =>
  list.map(
    (policy, index): SlaPolicyInput => ({
      id: `p${index}`,
      entity: 'lead',
      ...policy,
      onWarn: [{ type: 'raisePriority' }],
      onBreach: [{ type: 'escalate', to: 'supervisor' }],
    }),
  ),
);

/** Gaps between events: same instant, minutes, hours or days; sometimes aligned to whole minutes. */
const gapArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 30 * MINUTE }),
  fc.integer({ min: 0, max: 10 * HOUR }),
  fc.integer({ min: 0, max: 4 * DAY }),
  fc.integer({ min: 0, max: 3 * DAY }).map((ms) => Math.floor(ms / MINUTE) * MINUTE),
);

const startArb = fc
  .integer({ min: Date.parse('2025-01-01T00:00:00+08:00'), max: Date.parse('2026-06-30T00:00:00+08:00') })
  .chain((t) => fc.constantFrom(t, Math.floor(t / MINUTE) * MINUTE, Math.floor(t / HOUR) * HOUR));

/**
 * A scenario: 1–3 policies, a start instant and up to 60 events drawn from the events the policies
 * name (so starts, stops, pauses and resumes actually meet), at non-decreasing instants.
 */
const scenarioArb = policiesArb.chain((policies) => {
  const named = [
    ...new Set(
      policies.flatMap((p) => [...p.startOn, ...p.stopOn, ...(p.pauseOn ?? []), ...(p.resumeOn ?? [])]),
    ),
  ] as SlaEvent[];
  const steps = fc.array(fc.record({ gap: gapArb, type: fc.constantFrom(...named) }), {
    minLength: 1,
    maxLength: 60,
    size: 'medium',
  });
  return fc.tuple(fc.constant(policies), startArb, steps);
});

// ---------------------------------------------------------------------------------------------
// An engine-like driver: a timer store, due timers fired in order before each event

interface Row {
  readonly generation: number;
  readonly dueAt: number;
  readonly payload: SlaTimerPayload;
  readonly seq: number;
}

interface Run {
  readonly effects: SlaEffect[];
  readonly state: SlaState;
}

type Check = (state: SlaState, store: ReadonlyMap<string, Row>, t: number) => void;

function simulate(
  context: SlaContext,
  start: number,
  steps: readonly { gap: number; type: SlaEvent }[],
  onEventResult: (type: SlaEvent, at: number, effects: SlaEffect[], log: readonly SlaEffect[]) => void,
  check: Check,
): Run {
  let state = slaInitialState();
  const store = new Map<string, Row>();
  const log: SlaEffect[] = [];
  let seq = 0;
  const apply = (timers: ReturnType<typeof slaOnEvent>['timers']) => {
    for (const command of timers) {
      if (command.type === 'schedule') {
        store.set(command.timerKey, { ...command, seq: seq++ });
      } else {
        store.delete(command.timerKey);
      }
    }
  };
  const fireDue = (upTo: number) => {
    for (;;) {
      let next: [string, Row] | undefined;
      for (const entry of store) {
        const row = entry[1];
        if (row.dueAt > upTo) continue;
        if (!next || row.dueAt < next[1].dueAt || (row.dueAt === next[1].dueAt && row.seq < next[1].seq)) {
          next = entry;
        }
      }
      if (!next) return;
      const [timerKey, row] = next;
      store.delete(timerKey);
      const fired = { timerKey, generation: row.generation, payload: row.payload, at: row.dueAt };
      const result = slaOnTimer(state, fired, context);
      // The driver applies every cancel, so nothing stale is ever left in the store.
      expect(result.stale).toBe(false);
      expect(result.effects.length).toBeGreaterThan(0);
      log.push(...result.effects);
      apply(result.timers);
      state = JSON.parse(JSON.stringify(result.state)) as SlaState;
      // At-least-once delivery: the same row again is a stale no-op.
      const again = slaOnTimer(state, fired, context);
      expect(again.stale).toBe(true);
      expect(again.effects).toEqual([]);
      expect(again.timers).toEqual([]);
      check(state, store, row.dueAt);
    }
  };
  let t = start;
  for (const step of steps) {
    t += step.gap;
    fireDue(t);
    const result = slaOnEvent(state, { type: step.type, at: t }, context);
    log.push(...result.effects);
    onEventResult(step.type, t, result.effects, log);
    apply(result.timers);
    // Persist as the engine would: JSON in the snapshot.
    state = JSON.parse(JSON.stringify(result.state)) as SlaState;
    check(state, store, t);
  }
  fireDue(Number.POSITIVE_INFINITY);
  return { effects: log, state };
}

// ---------------------------------------------------------------------------------------------
// The reference model: each policy's cycles from the event history alone

interface ModelCycle {
  readonly cycle: number;
  readonly start: number;
  /** Paused spans `[pausedAt, resumedAt | null]`. */
  readonly pauses: [number, number | null][];
  status: 'running' | 'paused' | 'ended';
}

function timeBetween(kind: 'business' | 'wall', a: number, b: number): number {
  return kind === 'wall' ? b - a : calendar.businessTimeBetween(a, b);
}

/** Clock time elapsed at `x`: from the start, minus every paused span (open spans end at `x`). */
function modelElapsed(kind: 'business' | 'wall', cycle: ModelCycle, x: number): number {
  let elapsed = timeBetween(kind, cycle.start, x);
  for (const [paused, resumed] of cycle.pauses) elapsed -= timeBetween(kind, paused, resumed ?? x);
  return elapsed;
}

function recordsOf(log: readonly SlaEffect[], policyId: string, cycle: number): SlaRecord[] {
  return log.filter((e): e is SlaRecord => isSlaRecord(e) && e.policyId === policyId && e.cycle === cycle);
}

describe('slaOnEvent / slaOnTimer against a reference model', () => {
  test.prop([scenarioArb], { numRuns: 200 })(
    'timers match the budget, every missed SLA has a breach, met clocks never breach, elapsed excludes pauses',
    ([policyInputs, start, steps]) => {
      const compiled = compileRuleSet({
        id: 'prop',
        version: '1',
        assignment: { rules: [] },
        sla: { policies: policyInputs },
      });
      const policies = compiled.sla.policies;
      const context: SlaContext = { policies: compiled.sla, calendar, entityId: 'lead-p' };
      const model = new Map<string, ModelCycle>();
      let cycles = new Map<string, number>();

      const onEvent = (type: SlaEvent, at: number, effects: SlaEffect[], log: readonly SlaEffect[]) => {
        const stepRecords = effects.filter(isSlaRecord);
        const nextCycles = new Map(cycles);
        for (const policy of policies) {
          const own = stepRecords.filter((r) => r.policyId === policy.id);
          const expected: string[] = [];
          let cycle = model.get(policy.id);
          // stop
          if (policy.stopOn.includes(type) && cycle && cycle.status !== 'ended') {
            const elapsed = modelElapsed(policy.clock, cycle, at);
            const missed = elapsed >= policy.target;
            const stop = own.find((r) => r.type === 'sla.met' || r.type === 'sla.stopped');
            // (4) elapsed at stop = clock time from start to stop minus paused spans.
            expect(stop?.elapsedMs).toBe(elapsed);
            expect(stop?.cycle).toBe(cycle.cycle);
            const breaches = recordsOf(log, policy.id, cycle.cycle).filter((r) => r.type === 'sla.breached');
            if (missed) {
              // (2) a missed SLA was reported by its timer, before the stop.
              expect(stop?.type).toBe('sla.stopped');
              expect(breaches).toHaveLength(1);
              expect(breaches[0]).toMatchObject({ detectedBy: 'timer', elapsedMs: policy.target });
              expect(log.indexOf(breaches[0]!)).toBeLessThan(log.indexOf(stop!));
            } else {
              // (3) no breach for a clock stopped before its due time.
              expect(stop?.type).toBe('sla.met');
              expect(breaches).toEqual([]);
            }
            expected.push(stop!.type);
            cycle.status = 'ended';
          }
          // pause
          if (policy.pauseOn.includes(type) && cycle?.status === 'running') {
            cycle.pauses.push([at, null]);
            cycle.status = 'paused';
            expected.push('sla.paused');
          }
          // resume
          if (policy.resumeOn.includes(type) && cycle?.status === 'paused') {
            const last = cycle.pauses[cycle.pauses.length - 1]!;
            last[1] = at;
            cycle.status = 'running';
            expected.push('sla.resumed');
          }
          // start (restart when live)
          if (policy.startOn.includes(type)) {
            if (cycle && cycle.status !== 'ended') {
              const cancelled = own.find((r) => r.type === 'sla.cancelled');
              expect(cancelled).toMatchObject({ reason: 'restarted', cycle: cycle.cycle });
              expect(cancelled?.elapsedMs).toBe(modelElapsed(policy.clock, cycle, at));
              expected.push('sla.cancelled');
            }
            const number = (nextCycles.get(policy.id) ?? 0) + 1;
            nextCycles.set(policy.id, number);
            cycle = { cycle: number, start: at, pauses: [], status: 'running' };
            model.set(policy.id, cycle);
            expected.push('sla.started');
          }
          // With timers fired on time, an event never finds an unreported breach or warning.
          expect(own.map((r) => r.type)).toEqual(expected);
        }
        cycles = nextCycles;
      };

      const check: Check = (state, store) => {
        // The store holds exactly what the state says is pending.
        const pending = slaPendingTimers(state);
        expect(
          [...store]
            .map(([key, row]) => [key, row.generation, row.dueAt])
            .sort(([a], [b]) => String(a).localeCompare(String(b))),
        ).toEqual(
          pending
            .map((p) => [p.timerKey, p.generation, p.dueAt])
            .sort(([a], [b]) => String(a).localeCompare(String(b))),
        );
        for (const policy of policies) {
          const cycle = model.get(policy.id);
          const clock = state.clocks[policy.id];
          const breach = store.get(slaTimerKey(policy.id, 'breach'));
          const warn = store.get(slaTimerKey(policy.id, 'warn'));
          if (cycle?.status !== 'running' || !clock) {
            expect(breach).toBeUndefined();
            expect(warn).toBeUndefined();
            continue;
          }
          expect(clock.status).toBe('running');
          expect(clock.cycle).toBe(cycle.cycle);
          if (clock.breachedAt !== null) {
            expect(breach).toBeUndefined();
            expect(warn).toBeUndefined();
            continue;
          }
          // (1) exactly one pending breach timer, current generation, due when the budget is spent.
          expect(breach?.generation).toBe(clock.generation);
          const dueAt = breach!.dueAt;
          expect(modelElapsed(policy.clock, cycle, dueAt)).toBe(policy.target);
          const segmentStart = cycle.pauses.at(-1)?.[1] ?? cycle.start;
          const banked = modelElapsed(policy.clock, cycle, segmentStart);
          const earliest =
            policy.clock === 'wall'
              ? segmentStart + policy.target - banked
              : calendar.addBusinessTime(segmentStart, policy.target - banked);
          expect(dueAt).toBe(earliest);
          if (policy.warnBefore !== undefined && !clock.warned) {
            expect(warn?.generation).toBe(clock.generation);
            expect(modelElapsed(policy.clock, cycle, warn!.dueAt)).toBe(policy.target - policy.warnBefore);
          } else {
            expect(warn).toBeUndefined();
          }
        }
      };

      const run = simulate(context, start, steps, onEvent, check);

      // A breach and a warning at most once per cycle, each at its exact budget point.
      const seen = new Set<string>();
      for (const record of run.effects.filter(isSlaRecord)) {
        if (record.type !== 'sla.breached' && record.type !== 'sla.warning') continue;
        const key = `${record.type}/${record.policyId}/${record.cycle}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        const policy = compiled.sla.byId.get(record.policyId)!;
        expect(record.elapsedMs).toBe(
          record.type === 'sla.breached' ? policy.target : policy.target - (policy.warnBefore ?? 0),
        );
      }
      // Every breach carries its policy's actions; every warning its onWarn actions.
      const actions = run.effects.filter((e) => !isSlaRecord(e));
      const breaches = run.effects.filter((e) => e.type === 'sla.breached');
      const warnings = run.effects.filter((e) => e.type === 'sla.warning');
      expect(actions.filter((a) => a.type === 'escalate')).toHaveLength(breaches.length);
      expect(actions.filter((a) => a.type === 'raisePriority')).toHaveLength(warnings.length);
    },
  );

  test.prop([scenarioArb], { numRuns: 40 })(
    'is deterministic: the same inputs give the same effects and state',
    ([policyInputs, start, steps]) => {
      const compiled = compileRuleSet({
        id: 'det',
        version: '1',
        assignment: { rules: [] },
        sla: { policies: policyInputs },
      });
      const context: SlaContext = { policies: compiled.sla, calendar, entityId: 'lead-d' };
      const noop = () => {};
      const first = simulate(context, start, steps, noop, noop);
      const second = simulate(context, start, steps, noop, noop);
      expect(second).toEqual(first);
    },
  );
});
