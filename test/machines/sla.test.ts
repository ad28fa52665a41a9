import { describe, expect, it } from 'vitest';
import {
  isSlaRecord,
  type SlaContext,
  SlaError,
  type SlaEventInput,
  type SlaRecord,
  type SlaState,
  type SlaStepResult,
  slaInitialState,
  slaOnEvent,
  slaOnTimer,
  slaPendingTimers,
  slaStopAll,
  slaSummary,
  slaTimerKey,
} from '../../src/machines/sla.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { SlaEvent } from '../../src/rules/ruleset.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const calendar = chinaCalendar({ years: [2025, 2026] });
const preset = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const leadContext: SlaContext = { policies: preset.sla, calendar, entityId: 'lead-1' };
const oppContext: SlaContext = { policies: preset.sla, calendar, entityId: 'opp-1' };

/** Shanghai local time → epoch ms. */
const sh = (local: string) => Date.parse(`${local}+08:00`);

const ev = (type: SlaEvent, at: number): SlaEventInput => ({ type, at });

function records(result: SlaStepResult): SlaRecord[] {
  return result.effects.filter(isSlaRecord);
}

function fire(
  state: SlaState,
  policyId: string,
  phase: 'warn' | 'breach',
  at: number,
  context = leadContext,
) {
  const clock = state.clocks[policyId];
  if (!clock) throw new Error(`no clock ${policyId}`);
  return slaOnTimer(
    state,
    {
      timerKey: slaTimerKey(policyId, phase),
      generation: clock.generation,
      payload: { policyId, phase },
      at,
    },
    context,
  );
}

/** A rule set with a pausable business-clock policy. */
const pausable = compileRuleSet({
  id: 'sla-pause',
  version: '1',
  assignment: { rules: [] },
  templates: { warn: { text: 'hurry' } },
  sla: {
    policies: [
      {
        id: 'touch-4bh',
        startOn: ['lead.assigned'],
        stopOn: ['lead.followedUp'],
        pauseOn: ['lead.nurturing'],
        resumeOn: ['lead.recycled'],
        target: '4h',
        clock: 'business',
        warnBefore: '1h',
        onWarn: [{ type: 'notify', channel: 'wecom', to: 'owner', template: 'warn' }],
        onBreach: [{ type: 'reassign' }, { type: 'raisePriority' }],
      },
    ],
  },
});
const pausableContext: SlaContext = { policies: pausable.sla, calendar, entityId: 'lead-9' };

describe('slaOnEvent with the preset policies', () => {
  it('a lead received Friday 17:55 in Shanghai is due for assignment Monday 09:10 (business clock)', () => {
    const result = slaOnEvent(slaInitialState(), ev('lead.received', sh('2025-03-14T17:55:00')), leadContext);
    expect(result.timers).toEqual([
      {
        type: 'schedule',
        timerKey: 'sla:unassigned-15m:breach',
        generation: 1,
        dueAt: sh('2025-03-17T09:10:00'),
        payload: { policyId: 'unassigned-15m', phase: 'breach' },
      },
    ]);
    expect(result.effects).toEqual([
      {
        type: 'sla.started',
        entityId: 'lead-1',
        policyId: 'unassigned-15m',
        at: sh('2025-03-14T17:55:00'),
        cycle: 1,
        clock: 'business',
        target: 15 * MINUTE,
        startedAt: sh('2025-03-14T17:55:00'),
        dueAt: sh('2025-03-17T09:10:00'),
        elapsedMs: 0,
        remainingMs: 15 * MINUTE,
        event: 'lead.received',
        warnAt: null,
        restarted: false,
      },
    ]);
    expect(result.state.clocks['unassigned-15m']?.status).toBe('running');
  });

  it('assignment at Friday 17:58 meets it and starts the unopened and first-follow-up clocks', () => {
    const received = slaOnEvent(
      slaInitialState(),
      ev('lead.received', sh('2025-03-14T17:55:00')),
      leadContext,
    );
    const assigned = slaOnEvent(received.state, ev('lead.assigned', sh('2025-03-14T17:58:00')), leadContext);
    const [met, ...started] = records(assigned);
    expect(met).toMatchObject({
      type: 'sla.met',
      policyId: 'unassigned-15m',
      event: 'lead.assigned',
      elapsedMs: 3 * MINUTE,
      remainingMs: 12 * MINUTE,
    });
    expect(started.map((r) => [r.type, r.policyId, r.dueAt])).toEqual([
      ['sla.started', 'unopened-30m', sh('2025-03-17T09:28:00')],
      ['sla.started', 'first-follow-up-24h', sh('2025-03-15T17:58:00')],
    ]);
    expect(assigned.timers).toEqual([
      { type: 'cancel', timerKey: 'sla:unassigned-15m:breach' },
      expect.objectContaining({ timerKey: 'sla:unopened-30m:breach', dueAt: sh('2025-03-17T09:28:00') }),
      expect.objectContaining({ timerKey: 'sla:first-follow-up-24h:warn', dueAt: sh('2025-03-15T13:58:00') }),
      expect.objectContaining({
        timerKey: 'sla:first-follow-up-24h:breach',
        dueAt: sh('2025-03-15T17:58:00'),
      }),
    ]);
    expect(assigned.state.clocks['unassigned-15m']).toMatchObject({ status: 'met', generation: 2 });
    // A stale firing of the met clock's timer does nothing.
    const late = slaOnTimer(
      assigned.state,
      {
        timerKey: 'sla:unassigned-15m:breach',
        generation: 1,
        payload: { policyId: 'unassigned-15m', phase: 'breach' },
        at: sh('2025-03-17T09:10:00'),
      },
      leadContext,
    );
    expect(late).toEqual({
      state: assigned.state,
      timers: [],
      effects: [],
      stale: true,
      staleReason: 'generation',
    });
  });

  it('an unassigned lead breaches at Monday 09:10, escalates once, and reports the time to assignment', () => {
    const received = slaOnEvent(
      slaInitialState(),
      ev('lead.received', sh('2025-03-14T17:55:00')),
      leadContext,
    );
    const breached = fire(received.state, 'unassigned-15m', 'breach', sh('2025-03-17T09:10:00'));
    expect(breached.stale).toBe(false);
    expect(breached.timers).toEqual([]);
    expect(breached.effects).toEqual([
      expect.objectContaining({
        type: 'sla.breached',
        policyId: 'unassigned-15m',
        dueAt: sh('2025-03-17T09:10:00'),
        elapsedMs: 15 * MINUTE,
        remainingMs: 0,
        detectedBy: 'timer',
      }),
      {
        type: 'escalate',
        to: 'supervisor',
        entityId: 'lead-1',
        policyId: 'unassigned-15m',
        phase: 'breach',
        at: sh('2025-03-17T09:10:00'),
      },
      {
        type: 'notify',
        channel: 'sms',
        to: 'supervisor',
        template: 'unassigned-escalation',
        includeBehaviourSnapshot: false,
        entityId: 'lead-1',
        policyId: 'unassigned-15m',
        phase: 'breach',
        at: sh('2025-03-17T09:10:00'),
      },
    ]);
    // The same timer delivered again (at-least-once store) is a no-op.
    const again = fire(breached.state, 'unassigned-15m', 'breach', sh('2025-03-17T09:11:00'));
    expect(again).toMatchObject({ stale: true, staleReason: 'alreadyHandled', timers: [], effects: [] });
    expect(again.state).toBe(breached.state);
    expect(slaSummary(breached.state, sh('2025-03-17T09:40:00'), calendar)[0]).toMatchObject({
      status: 'breached',
      elapsedMs: 45 * MINUTE,
      remainingMs: -30 * MINUTE,
    });

    const assigned = slaOnEvent(breached.state, ev('lead.assigned', sh('2025-03-17T10:00:00')), leadContext);
    const stopped = records(assigned).find((r) => r.policyId === 'unassigned-15m');
    expect(stopped).toMatchObject({
      type: 'sla.stopped',
      elapsedMs: 65 * MINUTE,
      overByMs: 50 * MINUTE,
      breachedAt: sh('2025-03-17T09:10:00'),
    });
    expect(records(assigned).filter((r) => r.type === 'sla.breached')).toEqual([]);
    // Nothing to cancel: the breach timer already fired.
    expect(assigned.timers.map((t) => t.timerKey)).not.toContain('sla:unassigned-15m:breach');
    expect(assigned.state.clocks['unassigned-15m']?.status).toBe('breachedThenStopped');
  });

  it('first follow-up: 24h wall clock, warned at 20h, breached at 24h', () => {
    const assignedAt = sh('2025-03-14T17:58:00');
    const assigned = slaOnEvent(slaInitialState(), ev('lead.assigned', assignedAt), leadContext);
    const warned = fire(assigned.state, 'first-follow-up-24h', 'warn', assignedAt + 20 * HOUR);
    expect(warned.timers).toEqual([]);
    expect(warned.effects).toEqual([
      expect.objectContaining({
        type: 'sla.warning',
        policyId: 'first-follow-up-24h',
        elapsedMs: 20 * HOUR,
        remainingMs: 4 * HOUR,
        warnAt: assignedAt + 20 * HOUR,
        detectedBy: 'timer',
      }),
      expect.objectContaining({ type: 'notify', to: 'owner', template: 'follow-up-warning', phase: 'warn' }),
    ]);
    expect(fire(warned.state, 'first-follow-up-24h', 'warn', assignedAt + 21 * HOUR).stale).toBe(true);
    const breached = fire(warned.state, 'first-follow-up-24h', 'breach', assignedAt + 24 * HOUR);
    expect(breached.effects.map((e) => e.type)).toEqual(['sla.breached', 'escalate', 'notify']);
    const followedUp = slaOnEvent(breached.state, ev('lead.followedUp', assignedAt + 30 * HOUR), leadContext);
    expect(records(followedUp).find((r) => r.policyId === 'first-follow-up-24h')).toMatchObject({
      type: 'sla.stopped',
      elapsedMs: 30 * HOUR,
      overByMs: 6 * HOUR,
    });
  });

  it('a follow-up before the warning cancels both timers', () => {
    const assignedAt = sh('2025-03-18T10:00:00');
    const assigned = slaOnEvent(slaInitialState(), ev('lead.assigned', assignedAt), leadContext);
    const followedUp = slaOnEvent(assigned.state, ev('lead.followedUp', assignedAt + 2 * HOUR), leadContext);
    expect(followedUp.timers).toEqual([
      { type: 'cancel', timerKey: 'sla:unopened-30m:breach' },
      { type: 'cancel', timerKey: 'sla:first-follow-up-24h:warn' },
      { type: 'cancel', timerKey: 'sla:first-follow-up-24h:breach' },
    ]);
    expect(records(followedUp).map((r) => [r.type, r.policyId])).toEqual([
      // unopened-30m (business) was due at 10:30, but no timer fired: the stop reports the breach.
      ['sla.breached', 'unopened-30m'],
      ['sla.stopped', 'unopened-30m'],
      ['sla.met', 'first-follow-up-24h'],
    ]);
    // A breach found by the stop is recorded without actions: the lead already moved on.
    expect(followedUp.effects.filter((e) => !isSlaRecord(e))).toEqual([]);
    expect(followedUp.effects[0]).toMatchObject({ detectedBy: 'stop', dueAt: sh('2025-03-18T10:30:00') });
    expect(slaPendingTimers(followedUp.state)).toEqual([]);
  });

  it('a stop at the due instant is a breach, one millisecond before is met, fired timer or not', () => {
    const received = slaOnEvent(
      slaInitialState(),
      ev('lead.received', sh('2025-03-14T17:55:00')),
      leadContext,
    );
    const due = sh('2025-03-17T09:10:00');
    const outcome = (state: SlaState, at: number) =>
      records(slaOnEvent(state, ev('lead.assigned', at), leadContext))
        .filter((r) => r.policyId === 'unassigned-15m')
        .map((r) => r.type);
    expect(outcome(received.state, due - 1)).toEqual(['sla.met']);
    expect(outcome(received.state, due)).toEqual(['sla.breached', 'sla.stopped']);
    const fired = fire(received.state, 'unassigned-15m', 'breach', due);
    expect(outcome(fired.state, due)).toEqual(['sla.stopped']);
  });

  it('restarts the stalled clock when a stage is entered again, and opens a new cycle after a stop', () => {
    const t0 = sh('2025-06-02T10:00:00');
    const entered = slaOnEvent(slaInitialState(), ev('opportunity.stageEntered', t0), oppContext);
    expect(entered.timers).toEqual([
      expect.objectContaining({
        timerKey: 'sla:stage-stalled-5d:breach',
        generation: 1,
        dueAt: t0 + 5 * DAY,
      }),
    ]);
    const t1 = t0 + 2 * DAY;
    const reentered = slaOnEvent(entered.state, ev('opportunity.stageEntered', t1), oppContext);
    expect(records(reentered)).toEqual([
      expect.objectContaining({
        type: 'sla.cancelled',
        reason: 'restarted',
        cycle: 1,
        elapsedMs: 2 * DAY,
        breached: false,
        overdue: false,
      }),
      expect.objectContaining({ type: 'sla.started', cycle: 2, restarted: true, dueAt: t1 + 5 * DAY }),
    ]);
    // One upsert replaces the old row (same key, new generation).
    expect(reentered.timers).toEqual([
      expect.objectContaining({ type: 'schedule', timerKey: 'sla:stage-stalled-5d:breach', generation: 2 }),
    ]);
    expect(fire(entered.state, 'stage-stalled-5d', 'breach', t0 + 5 * DAY, oppContext).stale).toBe(false);
    const old = slaOnTimer(
      reentered.state,
      {
        timerKey: 'sla:stage-stalled-5d:breach',
        generation: 1,
        payload: { policyId: 'stage-stalled-5d', phase: 'breach' },
        at: t0 + 5 * DAY,
      },
      oppContext,
    );
    expect(old).toMatchObject({ stale: true, staleReason: 'generation' });

    const left = slaOnEvent(reentered.state, ev('opportunity.stageLeft', t1 + DAY), oppContext);
    expect(records(left)).toEqual([expect.objectContaining({ type: 'sla.met', elapsedMs: DAY })]);
    const next = slaOnEvent(left.state, ev('opportunity.stageEntered', t1 + DAY), oppContext);
    expect(records(next)).toEqual([
      expect.objectContaining({ type: 'sla.started', cycle: 3, restarted: false }),
    ]);
    expect(next.state.clocks['stage-stalled-5d']?.generation).toBe(4);
  });
});

describe('pause and resume', () => {
  const assignedAt = sh('2025-03-17T10:00:00'); // Monday

  it('banks elapsed business time and reschedules the rest from the resume instant', () => {
    const assigned = slaOnEvent(slaInitialState(), ev('lead.assigned', assignedAt), pausableContext);
    expect(assigned.timers).toEqual([
      expect.objectContaining({
        timerKey: 'sla:touch-4bh:warn',
        dueAt: sh('2025-03-17T14:00:00'),
        generation: 1,
      }),
      expect.objectContaining({
        timerKey: 'sla:touch-4bh:breach',
        dueAt: sh('2025-03-17T15:00:00'),
        generation: 1,
      }),
    ]);

    const paused = slaOnEvent(
      assigned.state,
      ev('lead.nurturing', sh('2025-03-17T11:30:00')),
      pausableContext,
    );
    expect(paused.timers).toEqual([
      { type: 'cancel', timerKey: 'sla:touch-4bh:warn' },
      { type: 'cancel', timerKey: 'sla:touch-4bh:breach' },
    ]);
    expect(records(paused)).toEqual([
      expect.objectContaining({
        type: 'sla.paused',
        elapsedMs: 1.5 * HOUR,
        remainingMs: 2.5 * HOUR,
        dueAt: null,
        breached: false,
      }),
    ]);
    expect(slaSummary(paused.state, sh('2025-03-17T17:00:00'), calendar)).toEqual([
      expect.objectContaining({
        status: 'paused',
        elapsedMs: 1.5 * HOUR,
        remainingMs: 2.5 * HOUR,
        dueAt: null,
      }),
    ]);
    // A pause of a paused clock is ignored.
    const twice = slaOnEvent(paused.state, ev('lead.nurturing', sh('2025-03-17T12:30:00')), pausableContext);
    expect(twice).toEqual({ state: paused.state, timers: [], effects: [] });

    const resumed = slaOnEvent(paused.state, ev('lead.recycled', sh('2025-03-18T16:00:00')), pausableContext);
    // 2.5 business hours from Tuesday 16:00: 2h on Tuesday, 30 min on Wednesday.
    expect(resumed.timers).toEqual([
      expect.objectContaining({
        timerKey: 'sla:touch-4bh:warn',
        dueAt: sh('2025-03-18T17:30:00'),
        generation: 3,
      }),
      expect.objectContaining({
        timerKey: 'sla:touch-4bh:breach',
        dueAt: sh('2025-03-19T09:30:00'),
        generation: 3,
      }),
    ]);
    expect(records(resumed)).toEqual([
      expect.objectContaining({
        type: 'sla.resumed',
        dueAt: sh('2025-03-19T09:30:00'),
        warnAt: sh('2025-03-18T17:30:00'),
        pausedMs: sh('2025-03-18T16:00:00') - sh('2025-03-17T11:30:00'),
        elapsedMs: 1.5 * HOUR,
      }),
    ]);
    // The first plan's breach timer, delivered late, is stale.
    const stale = slaOnTimer(
      resumed.state,
      {
        timerKey: 'sla:touch-4bh:breach',
        generation: 1,
        payload: { policyId: 'touch-4bh', phase: 'breach' },
        at: sh('2025-03-17T15:00:00'),
      },
      pausableContext,
    );
    expect(stale).toMatchObject({ stale: true, staleReason: 'generation', effects: [], timers: [] });

    const warned = fire(resumed.state, 'touch-4bh', 'warn', sh('2025-03-18T17:30:00'), pausableContext);
    expect(warned.effects).toEqual([
      expect.objectContaining({ type: 'sla.warning', elapsedMs: 3 * HOUR, remainingMs: HOUR }),
      expect.objectContaining({ type: 'notify', template: 'warn', entityId: 'lead-9', phase: 'warn' }),
    ]);
    const done = slaOnEvent(warned.state, ev('lead.followedUp', sh('2025-03-19T09:15:00')), pausableContext);
    expect(records(done)).toEqual([
      expect.objectContaining({ type: 'sla.met', elapsedMs: 3.75 * HOUR, remainingMs: 0.25 * HOUR }),
    ]);
    expect(done.timers).toEqual([{ type: 'cancel', timerKey: 'sla:touch-4bh:breach' }]);
  });

  it('a pause past due reports the missed warning and breach with their actions', () => {
    const assigned = slaOnEvent(slaInitialState(), ev('lead.assigned', assignedAt), pausableContext);
    const paused = slaOnEvent(
      assigned.state,
      ev('lead.nurturing', sh('2025-03-17T16:00:00')),
      pausableContext,
    );
    expect(paused.effects.map((e) => e.type)).toEqual([
      'sla.warning',
      'notify',
      'sla.breached',
      'reassign',
      'raisePriority',
      'sla.paused',
    ]);
    expect(paused.effects[2]).toMatchObject({ detectedBy: 'pause', dueAt: sh('2025-03-17T15:00:00') });
    // A breached clock keeps counting after a resume but schedules nothing.
    const resumed = slaOnEvent(paused.state, ev('lead.recycled', sh('2025-03-18T09:00:00')), pausableContext);
    expect(resumed.timers).toEqual([]);
    expect(records(resumed)[0]).toMatchObject({
      type: 'sla.resumed',
      breached: true,
      dueAt: null,
      warnAt: null,
    });
    const done = slaOnEvent(resumed.state, ev('lead.followedUp', sh('2025-03-18T10:00:00')), pausableContext);
    expect(records(done)).toEqual([
      expect.objectContaining({ type: 'sla.stopped', elapsedMs: 6 * HOUR, overByMs: 2 * HOUR }),
    ]);
  });

  it('a stop while paused ends the cycle with the banked time', () => {
    const assigned = slaOnEvent(slaInitialState(), ev('lead.assigned', assignedAt), pausableContext);
    const paused = slaOnEvent(
      assigned.state,
      ev('lead.nurturing', sh('2025-03-17T11:00:00')),
      pausableContext,
    );
    const done = slaOnEvent(paused.state, ev('lead.followedUp', sh('2025-03-20T11:00:00')), pausableContext);
    expect(done.timers).toEqual([]);
    expect(records(done)).toEqual([
      expect.objectContaining({ type: 'sla.met', elapsedMs: HOUR, dueAt: null }),
    ]);
  });
});

describe('slaStopAll', () => {
  it('cancels every live clock without a breach', () => {
    const assignedAt = sh('2025-03-18T10:00:00');
    const assigned = slaOnEvent(slaInitialState(), ev('lead.assigned', assignedAt), leadContext);
    const closed = slaStopAll(assigned.state, assignedAt + 2 * HOUR, leadContext);
    expect(closed.timers).toEqual([
      { type: 'cancel', timerKey: 'sla:first-follow-up-24h:warn' },
      { type: 'cancel', timerKey: 'sla:first-follow-up-24h:breach' },
      { type: 'cancel', timerKey: 'sla:unopened-30m:breach' },
    ]);
    expect(closed.effects).toEqual([
      expect.objectContaining({
        type: 'sla.cancelled',
        policyId: 'first-follow-up-24h',
        reason: 'stopAll',
        overdue: false,
        elapsedMs: 2 * HOUR,
      }),
      expect.objectContaining({
        type: 'sla.cancelled',
        policyId: 'unopened-30m',
        overdue: true,
        breached: false,
      }),
    ]);
    expect(slaSummary(closed.state, assignedAt + 3 * HOUR, calendar).map((e) => e.status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
    expect(slaPendingTimers(closed.state)).toEqual([]);
    // Nothing live: a second call changes nothing.
    expect(slaStopAll(closed.state, assignedAt + 3 * HOUR, leadContext)).toEqual({
      state: closed.state,
      timers: [],
      effects: [],
    });
  });
});

describe('state and input handling', () => {
  it('is plain JSON and continues identically after a round trip', () => {
    const received = slaOnEvent(
      slaInitialState(),
      ev('lead.received', sh('2025-03-14T17:55:00')),
      leadContext,
    );
    const restored = JSON.parse(JSON.stringify(received.state)) as SlaState;
    expect(restored).toEqual(received.state);
    const a = slaOnEvent(received.state, ev('lead.assigned', sh('2025-03-17T09:05:00')), leadContext);
    const b = slaOnEvent(restored, ev('lead.assigned', sh('2025-03-17T09:05:00')), leadContext);
    expect(b).toEqual(a);
  });

  it('does not mutate its input and returns the same state when no policy listens', () => {
    const received = slaOnEvent(
      slaInitialState(),
      ev('lead.received', sh('2025-03-14T17:55:00')),
      leadContext,
    );
    const frozen = JSON.stringify(received.state);
    slaOnEvent(received.state, ev('lead.assigned', sh('2025-03-14T17:58:00')), leadContext);
    expect(JSON.stringify(received.state)).toBe(frozen);
    const unrelated = slaOnEvent(
      received.state,
      ev('lead.qualified', sh('2025-03-14T17:59:00')),
      leadContext,
    );
    expect(unrelated.state).toBe(received.state);
    expect(unrelated.timers).toEqual([]);
    // A stop for a clock that never started is ignored.
    expect(
      slaOnEvent(slaInitialState(), ev('lead.opened', sh('2025-03-14T17:59:00')), leadContext).effects,
    ).toEqual([]);
  });

  it('recognises timers it does not know, including prototype names', () => {
    const state = slaInitialState();
    const fired = (policyId: string, timerKey = slaTimerKey(policyId, 'breach')) =>
      slaOnTimer(
        state,
        { timerKey, generation: 1, payload: { policyId, phase: 'breach' }, at: 0 },
        leadContext,
      );
    expect(fired('constructor')).toMatchObject({ stale: true, staleReason: 'unknownClock' });
    expect(fired('toString')).toMatchObject({ stale: true, staleReason: 'unknownClock' });
    const received = slaOnEvent(state, ev('lead.received', sh('2025-03-14T17:55:00')), leadContext);
    const wrongKey = slaOnTimer(
      received.state,
      {
        timerKey: 'sla:unassigned-15m:warn',
        generation: 1,
        payload: { policyId: 'unassigned-15m', phase: 'breach' },
        at: sh('2025-03-17T09:10:00'),
      },
      leadContext,
    );
    expect(wrongKey).toMatchObject({ stale: true, staleReason: 'keyMismatch' });
  });

  it('throws an SlaError on non-finite or out-of-order instants and on early timers', () => {
    const received = slaOnEvent(
      slaInitialState(),
      ev('lead.received', sh('2025-03-14T17:55:00')),
      leadContext,
    );
    expect(() => slaOnEvent(received.state, ev('lead.assigned', Number.NaN), leadContext)).toThrow(SlaError);
    expect(() =>
      slaOnEvent(received.state, ev('lead.assigned', sh('2025-03-14T17:00:00')), leadContext),
    ).toThrow(/precedes the last transition of SLA clock "unassigned-15m"/);
    expect(() => fire(received.state, 'unassigned-15m', 'breach', sh('2025-03-17T09:09:59'))).toThrow(
      /before its due instant/,
    );
    expect(() => slaSummary(received.state, Number.POSITIVE_INFINITY, calendar)).toThrow(SlaError);
    expect(() => slaStopAll(received.state, Number.NaN, leadContext)).toThrow(
      expect.objectContaining({ code: 'SLA_INVALID' }),
    );
  });

  it('summarises every clock sorted by policy id', () => {
    const assignedAt = sh('2025-03-14T17:58:00');
    const assigned = slaOnEvent(slaInitialState(), ev('lead.assigned', assignedAt), leadContext);
    const opened = slaOnEvent(assigned.state, ev('lead.opened', sh('2025-03-17T09:05:00')), leadContext);
    expect(slaSummary(opened.state, sh('2025-03-17T10:00:00'), calendar)).toEqual([
      {
        policyId: 'first-follow-up-24h',
        status: 'breached',
        clock: 'wall',
        target: DAY,
        cycle: 1,
        startedAt: assignedAt,
        dueAt: assignedAt + DAY,
        warnAt: assignedAt + 20 * HOUR,
        elapsedMs: sh('2025-03-17T10:00:00') - assignedAt,
        remainingMs: DAY - (sh('2025-03-17T10:00:00') - assignedAt),
        warned: false,
        breached: true,
        breachedAt: assignedAt + DAY,
        stoppedAt: null,
      },
      {
        policyId: 'unopened-30m',
        status: 'met',
        clock: 'business',
        target: 30 * MINUTE,
        cycle: 1,
        startedAt: assignedAt,
        dueAt: sh('2025-03-17T09:28:00'),
        warnAt: null,
        elapsedMs: 7 * MINUTE,
        remainingMs: 23 * MINUTE,
        warned: false,
        breached: false,
        breachedAt: null,
        stoppedAt: sh('2025-03-17T09:05:00'),
      },
    ]);
  });
});
