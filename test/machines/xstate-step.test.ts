/**
 * The compiled step adapter must give exactly what XState's public pure `transition()` gives
 * (via the reference stepper): differential property tests over random event sequences on the
 * lead machine and on a "feature zoo" machine exercising every construct the compiler accepts.
 * Also: JSON round trips, the fallback for unsupported machines, and a loud check of the XState
 * internals the compiler reads.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { assign, cancel, createMachine, emit, raise, setup, transition } from 'xstate';
import {
  cloneLeadContext,
  initialLeadContext,
  LEAD_STATES,
  type LeadEvent,
  leadMachine,
} from '../../src/machines/lead.js';
import {
  createReferenceStepper,
  createStepper,
  type PersistedSnapshot,
  type StepResult,
  stateValueToString,
  UnsupportedMachineError,
} from '../../src/machines/xstate-step.js';
import type { AssignmentDecision } from '../../src/rules/decide.js';
import { createTimerDriver, type EventTemplate, FIRE } from './drivers.js';

const T0 = Date.parse('2026-03-02T01:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const RUNS = 1_000;

// ---------------------------------------------------------------------------------------------
// Random lead events. Each step says how far the clock moves and builds its event from `now`.

const REPS = ['rep-a', 'rep-b', 'rep-c'] as const;
const rep = fc.constantFrom<string>(...REPS, '');
const future = fc.integer({ min: -MINUTE, max: 90 * DAY });

const decisionArb: fc.Arbitrary<(now: number) => AssignmentDecision> = fc.oneof(
  fc
    .record({ repId: fc.constantFrom(...REPS), ruleId: fc.constantFrom('r-region', 'r-rr') })
    .map((d) => () => ({ kind: 'assign', ...d, strategy: 'roundRobin' }) as AssignmentDecision),
  fc
    .record({
      repIds: fc.subarray([...REPS]),
      ruleId: fc.constantFrom('r-tender', 'r-broadcast'),
      claimTimeoutMs: fc.integer({ min: 0, max: 2 * 3_600_000 }),
    })
    .map((d) => () => ({ kind: 'offer', ...d }) as AssignmentDecision),
  fc.record({ supervisorId: fc.option(fc.constant('sup-1'), { nil: undefined }) }).map(
    (d) => () =>
      ({
        kind: 'queue',
        supervisorId: d.supervisorId,
        reason: 'everyone at capacity',
      }) as AssignmentDecision,
  ),
  future.map(
    (offset) => (now: number) =>
      ({ kind: 'nurture', untilMs: now + offset, reason: 'C grade' }) as AssignmentDecision,
  ),
);

const followUpArb = fc
  .record(
    {
      status: fc.constantFrom('quoted', 'comparing competitors', '', '  '),
      nextAction: fc.constantFrom('send quote', 'technical call', ''),
      nextContactOffset: fc.option(future, { nil: undefined }),
      badNextContact: fc.boolean(),
      outcome: fc.constantFrom('quoted', 'needs technical confirmation', 'on hold'),
      moveTo: fc.constantFrom('contacted', 'nurturing', 'converted', 'disqualified', 'bogus'),
      nurtureOffset: future,
    },
    { requiredKeys: ['status', 'nextContactOffset', 'badNextContact'] },
  )
  .map((f) => (now: number) => {
    const event: Record<string, unknown> = { type: 'FOLLOW_UP', status: f.status };
    if (f.nextAction !== undefined) event.nextAction = f.nextAction;
    if (f.nextContactOffset !== undefined) {
      event.nextContactAt = f.badNextContact ? String(now + f.nextContactOffset) : now + f.nextContactOffset;
    }
    if (f.outcome !== undefined) event.outcome = f.outcome;
    if (f.moveTo !== undefined) event.moveTo = f.moveTo;
    if (f.nurtureOffset !== undefined) event.nurtureUntil = now + f.nurtureOffset;
    return event;
  });

const leadEventMaker: fc.Arbitrary<(now: number) => object> = fc.oneof(
  { weight: 4, arbitrary: decisionArb.map((d) => (now: number) => ({ type: 'DECIDED', decision: d(now) })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ repId: rep, by: fc.constantFrom('sup-1', 'sup-2') })
      .map((e) => () => ({ type: 'ASSIGN', ...e })),
  },
  { weight: 3, arbitrary: rep.map((repId) => () => ({ type: 'CLAIM', repId })) },
  { weight: 2, arbitrary: fc.constant(() => ({ type: 'OFFER_EXPIRED' })) },
  { weight: 3, arbitrary: rep.map((repId) => () => ({ type: 'OPEN', repId })) },
  { weight: 5, arbitrary: followUpArb },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'QUALIFY' })) },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'DISQUALIFY', reason: 'no budget' })) },
  {
    weight: 1,
    arbitrary: fc
      .option(fc.constant('opp-1'), { nil: undefined })
      .map((o) => () => ({ type: 'CONVERT', opportunityId: o })),
  },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'RECYCLE', reason: 'owner left' })) },
  { weight: 2, arbitrary: rep.map((repId) => () => ({ type: 'REASSIGN', repId, reason: 'workload' })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('lead-2', 'lead-1', '').map((id) => () => ({ type: 'MERGE', intoLeadId: id })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        policyId: fc.constantFrom('unassigned-15m', 'unopened-30m'),
        to: fc.constantFrom('supervisor', 'manager'),
      })
      .map((e) => () => ({ type: 'ESCALATE', ...e })),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(fc.constantFrom('normal', 'urgent'), { nil: undefined })
      .map((to) => () => ({ type: 'RAISE_PRIORITY', to })),
  },
  { weight: 2, arbitrary: fc.constant(() => ({ type: 'INCUBATION_EXPIRED' })) },
  { weight: 2, arbitrary: fc.constant(() => ({ type: 'NEXT_CONTACT_DUE' })) },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'NOT_AN_EVENT' })) },
  { weight: 4, arbitrary: fc.constant(() => ({ type: FIRE })) },
);

const templateArb: fc.Arbitrary<EventTemplate> = fc.record({
  dt: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 10 * MINUTE }),
    fc.integer({ min: 0, max: 30 * DAY }),
  ),
  atMode: fc.constantFrom('now', 'now', 'omit', 'earlier'),
  make: leadEventMaker,
});

const sequenceArb = fc.array(templateArb, { minLength: 1, maxLength: 40 });

const fast = createStepper(leadMachine);
/** As the engine runs it: contexts copied by cloneLeadContext instead of a spread. */
const fastLiteralCopy = createStepper(leadMachine, { cloneContext: cloneLeadContext });
const reference = createReferenceStepper(leadMachine);

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('createStepper(leadMachine)', () => {
  it('compiles the lead machine (fails loudly if XState internals it reads change)', () => {
    expect(fast.mode).toBe('compiled');
    expect(fast.fallbackReason).toBeUndefined();
    expect(() => createStepper(leadMachine, { engine: 'compiled' })).not.toThrow();
  });

  it('relies only on XState shapes that still exist', () => {
    // The compiler reads these; if an XState upgrade renames them this test names the culprit.
    const r = { ...(raise({ type: 'X' }, { id: 'x', delay: 5 }) as unknown as Record<string, unknown>) };
    expect(r).toMatchObject({ type: 'xstate.raise', event: { type: 'X' }, id: 'x', delay: 5 });
    expect(typeof r.resolve).toBe('function');
    const own = (f: unknown) => ({ ...(f as Record<string, unknown>) });
    expect(own(assign({ n: 1 }))).toMatchObject({ type: 'xstate.assign', assignment: { n: 1 } });
    expect(own(cancel('x'))).toMatchObject({ type: 'xstate.cancel', sendId: 'x' });
    expect(own(emit({ type: 'E' }))).toMatchObject({
      type: 'xstate.emit',
      event: { type: 'E' },
    });
    const root = leadMachine.root;
    expect(root.transitions).toBeInstanceOf(Map);
    expect(typeof root.order).toBe('number');
    const offered = leadMachine.getStateNodeById('lead.awaitingAssignment.offered');
    expect(offered.transitions.get('CLAIM')?.[0]).toMatchObject({ source: offered, reenter: false });
    expect(offered.parent?.initial.target[0]?.key).toBe('queued');
  });

  it('matches the reference on a scripted lifecycle, including timers and emitted events', () => {
    let a = fast.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
    let b = reference.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
    expect(a).toStrictEqual(b);
    const script: LeadEvent[] = [
      {
        type: 'DECIDED',
        decision: { kind: 'offer', repIds: ['rep-a', 'rep-b'], ruleId: 'r-tender', claimTimeoutMs: 600_000 },
        at: T0,
      },
      { type: 'CLAIM', repId: 'rep-c', at: T0 + 1 },
      { type: 'CLAIM', repId: 'rep-b', at: T0 + 2 },
      { type: 'OPEN', repId: 'rep-b', at: T0 + 3 },
      { type: 'FOLLOW_UP', status: 'quoted', nextAction: 'call', nextContactAt: T0 + DAY, at: T0 + 4 },
      {
        type: 'FOLLOW_UP',
        status: 'on hold',
        nextAction: 'wait',
        nextContactAt: T0 + 9 * DAY,
        moveTo: 'nurturing',
        at: T0 + 5,
      },
      { type: 'INCUBATION_EXPIRED', at: T0 + 9 * DAY },
    ];
    let now = T0;
    for (const event of script) {
      now = event.at;
      a = fast.step(a.snapshot, event, now);
      b = reference.step(b.snapshot, event, now);
      expect(a).toStrictEqual(b);
    }
    expect(a.snapshot.value).toBe('recycled');
  });

  it('random sequences reach every lead state (so the differential test covers them all)', () => {
    const seen = new Set<string>();
    for (const seq of fc.sample(sequenceArb, { numRuns: 300, seed: 7 })) {
      const driver = createTimerDriver<LeadEvent>(T0, 'NEXT_CONTACT_DUE');
      let r = fast.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
      for (const template of seq) {
        const event = driver.next(template);
        r = fast.step(r.snapshot, event, driver.now);
        driver.track(r);
        seen.add(`${stateValueToString(r.snapshot.value)}`);
        if (r.changed) seen.add(`accepted ${event.type}`);
      }
    }
    expect([...LEAD_STATES].filter((s) => !seen.has(s))).toStrictEqual([]);
    const accepted = [
      'INCUBATION_EXPIRED',
      'NEXT_CONTACT_DUE',
      'OFFER_EXPIRED',
      'CLAIM',
      'FOLLOW_UP',
      'REASSIGN',
    ];
    expect(accepted.filter((type) => !seen.has(`accepted ${type}`))).toStrictEqual([]);
  });

  test.prop([sequenceArb], { numRuns: RUNS })(
    'is identical to xstate transition() on random event sequences, with either context copy',
    (seq) => {
      const driver = createTimerDriver<LeadEvent>(T0, 'NEXT_CONTACT_DUE');
      let a = fast.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
      let b = reference.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
      let c = fastLiteralCopy.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
      expect(a).toStrictEqual(b);
      expect(c).toStrictEqual(b);
      for (const template of seq) {
        const event = driver.next(template);
        a = fast.step(a.snapshot, event, driver.now);
        b = reference.step(b.snapshot, event, driver.now);
        c = fastLiteralCopy.step(c.snapshot, event, driver.now);
        expect(a).toStrictEqual(b);
        expect(c).toStrictEqual(b);
        driver.track(a);
      }
    },
  );

  test.prop([sequenceArb, fc.integer({ min: 0, max: 39 })], { numRuns: 300 })(
    'agrees with a hand-driven xstate transition() (restore, step, read actions)',
    (seq, cut) => {
      // Independent of the reference stepper: drive XState directly and compare value/context.
      const driver = createTimerDriver<LeadEvent>(T0, 'NEXT_CONTACT_DUE');
      let a = fast.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
      for (const [i, template] of seq.entries()) {
        if (i > cut) break;
        const event = driver.next(template);
        const now = driver.now;
        const stamped = { ...event, at: event.at ?? now } as LeadEvent;
        const restored = leadMachine.resolveState({ value: a.snapshot.value, context: a.snapshot.context });
        const [next, actions] = transition(leadMachine, restored, stamped);
        a = fast.step(a.snapshot, event, now);
        driver.track(a);
        expect(a.snapshot.value).toStrictEqual(next.value);
        expect(a.snapshot.context).toStrictEqual(next.context);
        expect(a.snapshot.status).toBe(next.status);
        const delayed = actions.filter(
          (x) => x.type === 'xstate.raise' && typeof (x.params as { delay?: unknown }).delay === 'number',
        );
        for (const raised of delayed) {
          const params = raised.params as { id: string; delay: number };
          // Re-entry may be normalized away only when a later command for the same key follows.
          const last = a.timers.find((t) => t.timerKey === params.id);
          expect(last).toBeDefined();
        }
      }
    },
  );

  test.prop([sequenceArb], { numRuns: 500 })('survives a JSON round trip at every step', (seq) => {
    const driver = createTimerDriver<LeadEvent>(T0, 'NEXT_CONTACT_DUE');
    let direct = fast.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
    let viaJson = json(direct);
    for (const template of seq) {
      const event = driver.next(template);
      const now = driver.now;
      // Plain JSON: nothing is lost or changed by serializing the snapshot.
      expect(json(direct.snapshot)).toStrictEqual(direct.snapshot);
      direct = fast.step(direct.snapshot, event, now);
      viaJson = json(fast.step(json(viaJson.snapshot), json(event), now));
      expect(viaJson).toStrictEqual(json(direct));
      // The reference restoring the JSON snapshot agrees too.
      const ref = reference.step(json(viaJson.snapshot), event, now);
      expect(json(ref.snapshot)).toStrictEqual(json(fast.step(viaJson.snapshot, event, now).snapshot));
      driver.track(direct);
    }
  });

  it('never mutates the snapshot or event it is given', () => {
    const first = fast.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
    const frozen = json(first.snapshot);
    deepFreeze(frozen);
    const event = deepFreeze({
      type: 'DECIDED',
      decision: { kind: 'offer', repIds: ['rep-a'], ruleId: 'r', claimTimeoutMs: 1_000 },
      at: T0,
    } as const);
    expect(() => fast.step(frozen, event, T0)).not.toThrow();
  });

  it('stamps `at` with now when the event has none', () => {
    const first = fast.initial({ leadId: 'lead-1' }, T0);
    const r = fast.step(first.snapshot, { type: 'ASSIGN', repId: 'rep-a', by: 'sup-1' }, T0 + 42);
    expect(r.snapshot.context.assignedAt).toBe(T0 + 42);
    expect(r.emitted).toStrictEqual([
      {
        type: 'lead.ownerChanged',
        leadId: 'lead-1',
        from: null,
        to: 'rep-a',
        via: 'supervisor',
        at: T0 + 42,
      },
    ]);
  });

  it('reports an event the current state does not accept as unchanged', () => {
    const first = fast.initial({ leadId: 'lead-1' }, T0);
    const r = fast.step(first.snapshot, { type: 'OPEN', repId: 'rep-a', at: T0 }, T0);
    expect(r.changed).toBe(false);
    expect(r.snapshot).toStrictEqual(first.snapshot);
    expect(r.timers).toStrictEqual([]);
    expect(`OPEN not accepted in ${stateValueToString(r.snapshot.value)}`).toBe(
      'OPEN not accepted in received',
    );
  });

  it('restores unusual spellings of a state value like XState does, and rejects unknown states', () => {
    const context = initialLeadContext({ leadId: 'lead-1' });
    const snapshot: PersistedSnapshot<typeof context> = {
      value: 'awaitingAssignment',
      context,
      status: 'active',
    };
    const event = { type: 'ASSIGN', repId: 'rep-a', by: 'sup-1', at: T0 } as const;
    expect(fast.step(snapshot, event, T0)).toStrictEqual(reference.step(snapshot, event, T0));
    const idle = fast.step(snapshot, { type: 'QUALIFY', at: T0 }, T0);
    expect(idle.snapshot.value).toStrictEqual({ awaitingAssignment: 'queued' });
    const nested = { ...snapshot, value: { awaitingAssignment: {} } };
    expect(fast.step(nested, { type: 'CLAIM', repId: 'x', at: T0 }, T0)).toStrictEqual(
      reference.step(nested, { type: 'CLAIM', repId: 'x', at: T0 }, T0),
    );
    expect(() => fast.step({ ...snapshot, value: 'limbo' }, event, T0)).toThrow(/limbo/);
    expect(() => reference.step({ ...snapshot, value: 'limbo' }, event, T0)).toThrow(/limbo/);
  });

  it('treats a restored final state as done and accepts nothing there', () => {
    const context = initialLeadContext({ leadId: 'lead-1' });
    const snapshot: PersistedSnapshot<typeof context> = { value: 'converted', context, status: 'active' };
    const r = fast.step(snapshot, { type: 'DISQUALIFY', reason: 'x', at: T0 }, T0);
    expect(r).toStrictEqual(reference.step(snapshot, { type: 'DISQUALIFY', reason: 'x', at: T0 }, T0));
    expect(r.snapshot.status).toBe('done');
    expect(r.changed).toBe(false);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// A machine using every construct the compiler accepts, in the corners where XState's
// exit/entry-set rules are easy to get wrong.

type ZooEvent =
  | { type: 'GO' }
  | { type: 'BACK' }
  | { type: 'PING' }
  | { type: 'RESET' }
  | { type: 'SELF' }
  | { type: 'TICK' }
  | { type: 'INNER' }
  | { type: 'CHAIN' }
  | { type: 'END' }
  | { type: 'ROOT_REENTER' }
  | { type: 'NOOP' }
  | { type: 'DOUBLE' };
const ZOO_EVENTS: ZooEvent['type'][] = [
  'GO',
  'BACK',
  'PING',
  'RESET',
  'SELF',
  'TICK',
  'INNER',
  'CHAIN',
  'END',
  'ROOT_REENTER',
  'NOOP',
  'DOUBLE',
];

const zooSetup = setup({
  types: {} as {
    context: { n: number; log: string[] };
    events: ZooEvent;
    input: { start?: number } | undefined;
    emitted: { type: 'noted'; n: number };
  },
  delays: { slow: ({ context }) => 1_000 + context.n, fixed: 500 },
  guards: {
    even: ({ context }) => context.n % 2 === 0,
    atLeast: ({ context }, params: { min: number }) => context.n >= params.min,
  },
  actions: {
    inc: assign({ n: ({ context }) => context.n + 1 }),
    note: assign(({ context }, params: { tag: string }) => ({ log: [...context.log, params.tag] })),
    shout: emit(({ context }) => ({ type: 'noted' as const, n: context.n })),
    later: raise({ type: 'TICK' }, { id: 'tick', delay: 'slow' }),
    soon: raise({ type: 'TICK' }, { delay: 'fixed' }),
    stopLater: cancel('tick'),
    inner: raise({ type: 'INNER' }),
  },
});

const zoo = zooSetup.createMachine({
  id: 'zoo',
  context: ({ input }) => ({ n: input?.start ?? 0, log: [] }),
  entry: { type: 'note', params: { tag: 'root-in' } },
  exit: { type: 'note', params: { tag: 'root-out' } },
  initial: 'a',
  on: {
    END: '.done',
    ROOT_REENTER: { target: '.a', reenter: true, actions: { type: 'note', params: { tag: 'root-reenter' } } },
  },
  states: {
    a: {
      entry: [{ type: 'note', params: { tag: 'a-in' } }, 'later'],
      exit: [{ type: 'note', params: { tag: 'a-out' } }, 'stopLater'],
      on: {
        GO: 'b',
        PING: { actions: ['inc', 'shout'] },
        TICK: { target: 'a', reenter: true, actions: 'inc' },
        CHAIN: { actions: 'inner' },
        INNER: { guard: 'even', target: 'b.b2' },
        NOOP: {},
        // Two raised events: their order matters (PING then GO ≠ GO then PING).
        DOUBLE: { actions: [raise({ type: 'PING' }), raise({ type: 'GO' })] },
      },
    },
    b: {
      initial: 'b1',
      entry: { type: 'note', params: { tag: 'b-in' } },
      exit: { type: 'note', params: { tag: 'b-out' } },
      on: {
        BACK: 'a',
        RESET: { target: 'b', reenter: true },
        SELF: { target: 'b', actions: 'inc' },
        PING: [{ guard: { type: 'atLeast', params: { min: 3 } }, target: '#zoo.done' }, { actions: 'inc' }],
      },
      states: {
        b1: {
          entry: raise(({ context }) => ({ type: 'TICK' as const, n: context.n }), {
            id: 'b1tick',
            delay: ({ context }) => context.n * 10,
          }),
          exit: cancel('b1tick'),
          on: {
            GO: 'b2',
            PING: { guard: 'even', actions: ['inc', raise({ type: 'CHAIN' })] },
            TICK: { actions: 'inc' },
          },
        },
        b2: {
          entry: ['soon', 'shout'],
          on: {
            GO: '#zoo.a',
            CHAIN: { actions: ['shout', 'inner'] },
            INNER: { actions: { type: 'note', params: ({ context }) => ({ tag: `inner-${context.n}` }) } },
            TICK: { guard: ({ context }) => context.n < 5, actions: 'inc', target: 'b1' },
          },
        },
      },
    },
    done: {
      type: 'final',
      entry: { type: 'note', params: { tag: 'done-in' } },
      exit: { type: 'note', params: { tag: 'done-out' } },
    },
  },
});

describe('createStepper(zoo machine)', () => {
  const zooFast = createStepper(zoo);
  const zooReference = createReferenceStepper(zoo);

  it('compiles', () => {
    expect(zooFast.mode).toBe('compiled');
  });

  test.prop([fc.array(fc.constantFrom(...ZOO_EVENTS), { maxLength: 30 }), fc.integer({ min: 0, max: 4 })], {
    numRuns: RUNS,
  })('is identical to xstate transition() on random event sequences', (types, start) => {
    let now = T0;
    let a: StepResult<unknown> = zooFast.initial({ start }, now);
    let b: StepResult<unknown> = zooReference.initial({ start }, now);
    expect(a).toStrictEqual(b);
    for (const type of types) {
      now += 1_000;
      a = zooFast.step(a.snapshot as never, { type }, now);
      b = zooReference.step(b.snapshot as never, { type }, now);
      expect(a).toStrictEqual(b);
    }
  });
});

describe('fallback', () => {
  const parallel = createMachine({
    id: 'p',
    type: 'parallel',
    states: { x: { initial: 'x1', states: { x1: { on: { T: 'x2' } }, x2: {} } }, y: {} },
  });

  it('falls back to XState for machines outside the compiled subset, with the reason', () => {
    const stepper = createStepper(parallel);
    expect(stepper.mode).toBe('xstate');
    expect(stepper.fallbackReason).toMatch(/root must be a compound/);
    const first = stepper.initial(undefined, T0);
    expect(stepper.step(first.snapshot, { type: 'T' }, T0).snapshot.value).toStrictEqual({ x: 'x2', y: {} });
  });

  it('throws UnsupportedMachineError when compiling is required', () => {
    expect(() => createStepper(parallel, { engine: 'compiled' })).toThrow(UnsupportedMachineError);
    const withAfter = createMachine({ initial: 'a', states: { a: { after: { 1000: 'b' } }, b: {} } });
    expect(() => createStepper(withAfter, { engine: 'compiled' })).toThrow(/after/);
    const custom = createMachine({ initial: 'a', states: { a: { entry: () => {} } } });
    expect(() => createStepper(custom, { engine: 'compiled' })).toThrow(/not assign\/raise\/cancel\/emit/);
  });

  it('can be forced to XState', () => {
    expect(createStepper(leadMachine, { engine: 'xstate' }).mode).toBe('xstate');
  });
});
