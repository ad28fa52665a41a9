/**
 * The lead lifecycle machine: examples of each path, follow-up validation, timers from delayed
 * raises, and model-based reachability of every state with `xstate/graph`.
 */

import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createActor, initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  FOLLOW_UP_REQUIRED_FIELDS,
  initialLeadContext,
  LEAD_STATES,
  LEAD_TIMER_KEYS,
  type LeadContext,
  type LeadEvent,
  leadMachine,
  validateFollowUp,
} from '../../src/machines/lead.js';
import { createStepper, type StepResult, stateValueToString } from '../../src/machines/xstate-step.js';

const T0 = Date.parse('2026-03-02T01:00:00Z');
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const stepper = createStepper(leadMachine, { engine: 'compiled' });
type Result = StepResult<LeadContext, LeadEvent>;

/** Run events in order (each at its own `at`), returning every intermediate result. */
function drive(events: readonly LeadEvent[], input = { leadId: 'lead-1', receivedAt: T0 }): Result[] {
  const results: Result[] = [stepper.initial(input, T0)];
  for (const event of events) {
    const last = results[results.length - 1]!;
    results.push(stepper.step(last.snapshot, event, event.at));
  }
  return results;
}

const last = (results: Result[]) => results[results.length - 1]!;
const stateOf = (r: Result) => stateValueToString(r.snapshot.value);

const assignTo = (repId: string, at = T0): LeadEvent => ({
  type: 'DECIDED',
  decision: { kind: 'assign', repId, ruleId: 'r-region', strategy: 'roundRobin' },
  at,
});
const followUp = (at: number, extra: Partial<Extract<LeadEvent, { type: 'FOLLOW_UP' }>> = {}): LeadEvent => ({
  type: 'FOLLOW_UP',
  status: 'quoted',
  nextAction: 'send revised quote',
  nextContactAt: at + 2 * DAY,
  at,
  ...extra,
});

describe('validateFollowUp', () => {
  it('accepts the three required fields and keeps the optional ones', () => {
    expect(
      validateFollowUp({
        status: 'quoted',
        nextAction: 'call',
        nextContactAt: T0,
        outcome: 'quoted',
        moveTo: 'nurturing',
      }),
    ).toStrictEqual({
      ok: true,
      followUp: {
        status: 'quoted',
        nextAction: 'call',
        nextContactAt: T0,
        outcome: 'quoted',
        moveTo: 'nurturing',
      },
    });
  });

  it('names every missing field', () => {
    expect(validateFollowUp({})).toMatchObject({
      ok: false,
      missing: [...FOLLOW_UP_REQUIRED_FIELDS],
      invalid: [],
    });
    const result = validateFollowUp({ status: 'quoted', nextAction: '   ' });
    expect(result).toMatchObject({ ok: false, missing: ['nextAction', 'nextContactAt'] });
    if (!result.ok) expect(result.message).toBe('follow-up rejected: missing nextAction, nextContactAt');
    expect(validateFollowUp(null)).toMatchObject({
      ok: false,
      missing: ['status', 'nextAction', 'nextContactAt'],
    });
  });

  it('names present-but-invalid fields separately', () => {
    const result = validateFollowUp({
      status: 3,
      nextAction: 'call',
      nextContactAt: '2026-03-03',
      moveTo: 'won',
      nurtureUntil: Number.NaN,
    });
    expect(result).toMatchObject({
      ok: false,
      missing: [],
      invalid: ['status', 'nextContactAt', 'moveTo', 'nurtureUntil'],
    });
    if (!result.ok) expect(result.message).toContain('invalid status, nextContactAt, moveTo, nurtureUntil');
  });

  it('is the guard: the machine does not accept an incomplete FOLLOW_UP', () => {
    const opened = drive([assignTo('rep-a'), { type: 'OPEN', repId: 'rep-a', at: T0 + MINUTE }]);
    const incomplete = {
      type: 'FOLLOW_UP',
      status: 'quoted',
      nextAction: '',
      at: T0 + HOUR,
    } as unknown as LeadEvent;
    const r = stepper.step(last(opened).snapshot, incomplete, T0 + HOUR);
    expect(r.changed).toBe(false);
    expect(stateOf(r)).toBe('opened');
  });
});

describe('lead lifecycle', () => {
  it('starts in received with a plain-JSON context built from the input', () => {
    const r = stepper.initial({ leadId: 'lead-9', receivedAt: T0, priority: 'urgent' }, T0);
    expect(r.snapshot).toStrictEqual({
      value: 'received',
      status: 'active',
      context: { ...initialLeadContext({ leadId: 'lead-9', receivedAt: T0, priority: 'urgent' }) },
    });
    expect(JSON.parse(JSON.stringify(r.snapshot))).toStrictEqual(r.snapshot);
    expect(r.timers).toStrictEqual([]);
  });

  it('tolerates a missing input (XState builds throw-away actors without one)', () => {
    // The typed API asks for an input; go through AnyStateMachine to pass none at all.
    const untyped: AnyStateMachine = leadMachine;
    const [snapshot] = initialTransition(untyped);
    expect(snapshot.status).toBe('active');
    expect(snapshot.context.leadId).toBe('');
    expect(createActor(untyped).getSnapshot().status).toBe('active');
    expect(initialLeadContext()).toStrictEqual(initialLeadContext({}));
  });

  it('assign → opened → contacted → converted', () => {
    const results = drive([
      assignTo('rep-a'),
      { type: 'OPEN', repId: 'rep-a', at: T0 + 10 * MINUTE },
      followUp(T0 + 2 * HOUR),
      { type: 'CONVERT', opportunityId: 'opp-1', at: T0 + 3 * DAY },
    ]);
    expect(results.map(stateOf)).toStrictEqual(['received', 'assigned', 'opened', 'contacted', 'converted']);
    const end = last(results);
    expect(end.snapshot.status).toBe('done');
    expect(end.snapshot.context).toMatchObject({
      ownerId: 'rep-a',
      assignedBy: 'r-region',
      assignedAt: T0,
      openedAt: T0 + 10 * MINUTE,
      firstFollowUpAt: T0 + 2 * HOUR,
      opportunityId: 'opp-1',
      closedAt: T0 + 3 * DAY,
    });
    expect(results[1]!.emitted).toStrictEqual([
      { type: 'lead.ownerChanged', leadId: 'lead-1', from: null, to: 'rep-a', via: 'rule', at: T0 },
    ]);
  });

  it('OPEN only by the owner', () => {
    const assigned = last(drive([assignTo('rep-a')]));
    expect(stepper.step(assigned.snapshot, { type: 'OPEN', repId: 'rep-b', at: T0 }, T0).changed).toBe(false);
    expect(stateOf(stepper.step(assigned.snapshot, { type: 'OPEN', repId: 'rep-a', at: T0 }, T0))).toBe(
      'opened',
    );
  });

  describe('broadcast offer', () => {
    const offer: LeadEvent = {
      type: 'DECIDED',
      decision: {
        kind: 'offer',
        repIds: ['rep-a', 'rep-b'],
        ruleId: 'r-tender',
        claimTimeoutMs: 10 * MINUTE,
      },
      at: T0,
    };

    it('first offered rep to claim wins', () => {
      const results = drive([offer, { type: 'CLAIM', repId: 'rep-b', at: T0 + MINUTE }]);
      expect(results.map(stateOf)).toStrictEqual(['received', 'awaitingAssignment.offered', 'assigned']);
      expect(last(results).snapshot.context).toMatchObject({
        ownerId: 'rep-b',
        assignedBy: 'claim',
        offeredTo: [],
      });
      // Claiming closes the offer: its expiry timer is cancelled.
      expect(last(results).timers).toStrictEqual([{ type: 'cancel', timerKey: LEAD_TIMER_KEYS.offerExpiry }]);
      const again = stepper.step(
        last(results).snapshot,
        { type: 'CLAIM', repId: 'rep-a', at: T0 + 2 * MINUTE },
        T0,
      );
      expect(again.changed).toBe(false);
    });

    it('a CLAIM by a rep who was not offered the lead is not accepted', () => {
      const offered = last(drive([offer]));
      const r = stepper.step(
        offered.snapshot,
        { type: 'CLAIM', repId: 'rep-z', at: T0 + MINUTE },
        T0 + MINUTE,
      );
      expect(r.changed).toBe(false);
      expect(r.snapshot).toStrictEqual(offered.snapshot);
      // …and XState agrees.
      const restored = leadMachine.resolveState(offered.snapshot);
      expect(restored.can({ type: 'CLAIM', repId: 'rep-z', at: T0 })).toBe(false);
      expect(restored.can({ type: 'CLAIM', repId: 'rep-a', at: T0 })).toBe(true);
    });

    it('schedules the claim window and, on expiry, goes back to received with the rule skipped', () => {
      const results = drive([offer]);
      expect(last(results).timers).toStrictEqual([
        {
          type: 'schedule',
          timerKey: 'offerExpiry',
          dueAt: T0 + 10 * MINUTE,
          event: { type: 'OFFER_EXPIRED', at: T0 + 10 * MINUTE },
        },
      ]);
      const expired = stepper.step(
        last(results).snapshot,
        { type: 'OFFER_EXPIRED', at: T0 + 10 * MINUTE },
        T0 + 10 * MINUTE,
      );
      expect(stateOf(expired)).toBe('received');
      expect(expired.snapshot.context).toMatchObject({
        skipRules: ['r-tender'],
        offeredTo: [],
        counters: { offersExpired: 1 },
      });
      // The engine re-decides with the broadcast skipped, e.g. to the supervisor queue.
      const queued = stepper.step(
        expired.snapshot,
        {
          type: 'DECIDED',
          decision: { kind: 'queue', supervisorId: 'sup-1', reason: 'nobody claimed' },
          at: T0 + 11 * MINUTE,
        },
        T0 + 11 * MINUTE,
      );
      expect(stateOf(queued)).toBe('awaitingAssignment.queued');
      expect(queued.snapshot.context.supervisorId).toBe('sup-1');
    });

    it('an offer to nobody is not accepted', () => {
      const empty: LeadEvent = {
        ...offer,
        decision: { kind: 'offer', repIds: [], ruleId: 'r', claimTimeoutMs: 1 },
      } as LeadEvent;
      expect(stepper.step(stepper.initial({ leadId: 'x' }, T0).snapshot, empty, T0).changed).toBe(false);
    });
  });

  describe('supervisor queue and escalation', () => {
    const queue: LeadEvent = {
      type: 'DECIDED',
      decision: { kind: 'queue', supervisorId: 'sup-1', reason: 'everyone at capacity' },
      at: T0,
    };

    it('an unassigned escalation is recorded and marks the lead escalated; the supervisor assigns', () => {
      const results = drive([
        queue,
        { type: 'ESCALATE', policyId: 'unassigned-15m', to: 'supervisor', at: T0 + 15 * MINUTE },
        { type: 'RAISE_PRIORITY', at: T0 + 15 * MINUTE },
        { type: 'ASSIGN', repId: 'rep-c', by: 'sup-1', at: T0 + 20 * MINUTE },
      ]);
      expect(results.map(stateOf)).toStrictEqual([
        'received',
        'awaitingAssignment.queued',
        'awaitingAssignment.queued',
        'awaitingAssignment.queued',
        'assigned',
      ]);
      expect(last(results).snapshot.context).toMatchObject({
        escalated: true,
        escalations: [{ policyId: 'unassigned-15m', to: 'supervisor', at: T0 + 15 * MINUTE }],
        priority: 'urgent',
        ownerId: 'rep-c',
        assignedBy: 'sup-1',
      });
      expect(last(results).emitted[0]).toMatchObject({ to: 'rep-c', via: 'supervisor' });
    });

    it('escalating an assigned lead records it without marking it unassigned-escalated', () => {
      const r = last(
        drive([
          assignTo('rep-a'),
          { type: 'ESCALATE', policyId: 'unopened-30m', to: 'manager', at: T0 + 30 * MINUTE },
        ]),
      );
      expect(stateOf(r)).toBe('assigned');
      expect(r.snapshot.context.escalated).toBe(false);
      expect(r.snapshot.context.escalations).toHaveLength(1);
    });

    it('priority cannot be raised past the top', () => {
      const urgent = last(drive([{ type: 'RAISE_PRIORITY', at: T0 }]));
      expect(urgent.snapshot.context.priority).toBe('urgent');
      expect(stepper.step(urgent.snapshot, { type: 'RAISE_PRIORITY', at: T0 }, T0).changed).toBe(false);
    });
  });

  describe('follow-up outcomes move the lead', () => {
    const opened = [assignTo('rep-a'), { type: 'OPEN', repId: 'rep-a', at: T0 + MINUTE } as LeadEvent];

    it.each([
      ['contacted', 'contacted', 'active'],
      ['nurturing', 'nurturing', 'active'],
      ['converted', 'converted', 'done'],
      ['disqualified', 'disqualified', 'done'],
    ] as const)('moveTo %s → %s', (moveTo, state, status) => {
      const r = last(drive([...opened, followUp(T0 + HOUR, { moveTo, outcome: 'on hold' })]));
      expect(stateOf(r)).toBe(state);
      expect(r.snapshot.status).toBe(status);
      expect(r.snapshot.context.followUps).toStrictEqual([
        {
          at: T0 + HOUR,
          status: 'quoted',
          nextAction: 'send revised quote',
          nextContactAt: T0 + HOUR + 2 * DAY,
          outcome: 'on hold',
          moveTo,
        },
      ]);
    });

    it('a follow-up straight from assigned counts as opening the lead', () => {
      const r = last(drive([assignTo('rep-a'), followUp(T0 + HOUR)]));
      expect(stateOf(r)).toBe('contacted');
      expect(r.snapshot.context.openedAt).toBe(T0 + HOUR);
    });

    it('keeps the first follow-up time and appends later ones', () => {
      const r = last(
        drive([...opened, followUp(T0 + HOUR), followUp(T0 + DAY, { status: 'comparing competitors' })]),
      );
      expect(r.snapshot.context.firstFollowUpAt).toBe(T0 + HOUR);
      expect(r.snapshot.context.followUps.map((f) => f.status)).toStrictEqual([
        'quoted',
        'comparing competitors',
      ]);
    });
  });

  describe('timers (delayed raises → timer commands)', () => {
    it('next contact: scheduled on contact, rescheduled by the next follow-up, marks overdue when due', () => {
      const results = drive([assignTo('rep-a'), followUp(T0 + HOUR), followUp(T0 + DAY)]);
      expect(results[2]!.timers).toStrictEqual([
        {
          type: 'schedule',
          timerKey: 'nextContact',
          dueAt: T0 + HOUR + 2 * DAY,
          event: { type: 'NEXT_CONTACT_DUE', at: T0 + HOUR + 2 * DAY },
        },
      ]);
      // Re-entering contacted cancels and re-schedules: normalized to one schedule command.
      expect(results[3]!.timers).toStrictEqual([
        {
          type: 'schedule',
          timerKey: 'nextContact',
          dueAt: T0 + 3 * DAY,
          event: { type: 'NEXT_CONTACT_DUE', at: T0 + 3 * DAY },
        },
      ]);
      const due = stepper.step(
        last(results).snapshot,
        { type: 'NEXT_CONTACT_DUE', at: T0 + 3 * DAY },
        T0 + 3 * DAY,
      );
      expect(due.changed).toBe(true);
      expect(due.snapshot.context.contactOverdue).toBe(true);
      expect(due.timers).toStrictEqual([]);
    });

    it('next contact in the past is due immediately (delay clamped at 0)', () => {
      const r = last(drive([assignTo('rep-a'), followUp(T0 + HOUR, { nextContactAt: T0 })]));
      expect(r.timers).toStrictEqual([
        {
          type: 'schedule',
          timerKey: 'nextContact',
          dueAt: T0 + HOUR,
          event: { type: 'NEXT_CONTACT_DUE', at: T0 },
        },
      ]);
    });

    it('incubation: scheduled on nurture, cancelled when the lead leaves nurturing', () => {
      const until = T0 + 60 * DAY;
      const nurture: LeadEvent = {
        type: 'DECIDED',
        decision: { kind: 'nurture', untilMs: until, reason: 'C grade' },
        at: T0,
      };
      const nurturing = last(drive([nurture]));
      expect(nurturing.timers).toStrictEqual([
        {
          type: 'schedule',
          timerKey: 'incubation',
          dueAt: until,
          event: { type: 'INCUBATION_EXPIRED', at: until },
        },
      ]);
      const assigned = stepper.step(
        nurturing.snapshot,
        { type: 'ASSIGN', repId: 'rep-a', by: 'sup-1', at: T0 + DAY },
        T0 + DAY,
      );
      expect(stateOf(assigned)).toBe('assigned');
      expect(assigned.timers).toStrictEqual([{ type: 'cancel', timerKey: 'incubation' }]);
    });

    it('incubation expiry recycles the lead to the pool, from where it is decided again', () => {
      const until = T0 + 60 * DAY;
      const results = drive([
        assignTo('rep-a'),
        followUp(T0 + HOUR, { moveTo: 'nurturing', nurtureUntil: until }),
        { type: 'INCUBATION_EXPIRED', at: until },
        assignTo('rep-b', until + MINUTE),
      ]);
      expect(results.map(stateOf)).toStrictEqual([
        'received',
        'assigned',
        'nurturing',
        'recycled',
        'assigned',
      ]);
      expect(results[2]!.timers).toStrictEqual([
        {
          type: 'schedule',
          timerKey: 'incubation',
          dueAt: until,
          event: { type: 'INCUBATION_EXPIRED', at: until },
        },
      ]);
      const recycled = results[3]!;
      expect(recycled.timers).toStrictEqual([{ type: 'cancel', timerKey: 'incubation' }]);
      expect(recycled.snapshot.context).toMatchObject({
        ownerId: null,
        nurturingUntil: null,
        reason: 'incubation expired',
        counters: { recycles: 1 },
      });
      // History survives recycling; the new owner starts fresh.
      expect(last(results).snapshot.context).toMatchObject({
        ownerId: 'rep-b',
        followUps: [{ status: 'quoted' }],
      });
    });

    it('converting from contacted cancels the next-contact timer', () => {
      const r = last(drive([assignTo('rep-a'), followUp(T0 + HOUR), { type: 'CONVERT', at: T0 + DAY }]));
      expect(r.timers).toStrictEqual([{ type: 'cancel', timerKey: 'nextContact' }]);
    });

    it('a timer event before its due time is not accepted (stale timer from an earlier period)', () => {
      const first = T0 + 10 * DAY;
      const nurturing = last(
        drive([
          assignTo('rep-a'),
          followUp(T0 + HOUR, { moveTo: 'nurturing', nurtureUntil: first }),
          // A new follow-up extends the incubation; the first timer is now stale.
          followUp(T0 + DAY, { moveTo: 'nurturing', nurtureUntil: T0 + 40 * DAY }),
        ]),
      );
      const stale = stepper.step(nurturing.snapshot, { type: 'INCUBATION_EXPIRED', at: first }, first);
      expect(stale.changed).toBe(false);
      const due = stepper.step(
        nurturing.snapshot,
        { type: 'INCUBATION_EXPIRED', at: T0 + 40 * DAY },
        T0 + 40 * DAY,
      );
      expect(stateOf(due)).toBe('recycled');
      const contacted = last(drive([assignTo('rep-a'), followUp(T0 + HOUR)]));
      const early = { type: 'NEXT_CONTACT_DUE', at: T0 + DAY } as const;
      expect(stepper.step(contacted.snapshot, early, T0 + DAY).changed).toBe(false);
    });

    it('a timer event in the wrong state is not accepted (stale timer)', () => {
      const assigned = last(drive([assignTo('rep-a')]));
      for (const type of ['INCUBATION_EXPIRED', 'NEXT_CONTACT_DUE', 'OFFER_EXPIRED'] as const) {
        expect(stepper.step(assigned.snapshot, { type, at: T0 }, T0).changed).toBe(false);
      }
    });

    it('the timer commands are exactly the delayed raise/cancel actions XState returns', () => {
      const contacted = last(drive([assignTo('rep-a'), followUp(T0 + HOUR)]));
      const event: LeadEvent = followUp(T0 + DAY, { moveTo: 'nurturing', nurtureUntil: T0 + 30 * DAY });
      const [, actions] = transition(leadMachine, leadMachine.resolveState(contacted.snapshot), event);
      expect(actions.map((a) => [a.type, a.params])).toStrictEqual([
        ['xstate.cancel', { sendId: 'nextContact' }],
        [
          'xstate.raise',
          { event: { type: 'INCUBATION_EXPIRED', at: T0 + 30 * DAY }, id: 'incubation', delay: 29 * DAY },
        ],
      ]);
      expect(stepper.step(contacted.snapshot, event, T0 + DAY).timers).toStrictEqual([
        { type: 'cancel', timerKey: 'nextContact' },
        {
          type: 'schedule',
          timerKey: 'incubation',
          dueAt: T0 + 30 * DAY,
          event: { type: 'INCUBATION_EXPIRED', at: T0 + 30 * DAY },
        },
      ]);
    });
  });

  describe('reassign, recycle, merge, disqualify', () => {
    it('REASSIGN before contact sends the lead back to assigned; after contact only the owner changes', () => {
      const early = last(
        drive([
          assignTo('rep-a'),
          { type: 'OPEN', repId: 'rep-a', at: T0 + 1 },
          { type: 'REASSIGN', repId: 'rep-b', reason: 'leave', at: T0 + 2 },
        ]),
      );
      expect(stateOf(early)).toBe('assigned');
      expect(early.snapshot.context).toMatchObject({
        ownerId: 'rep-b',
        openedAt: null,
        counters: { reassignments: 1 },
      });
      expect(early.emitted[0]).toMatchObject({ from: 'rep-a', to: 'rep-b', via: 'reassign' });

      const late = last(
        drive([
          assignTo('rep-a'),
          followUp(T0 + HOUR),
          { type: 'REASSIGN', repId: 'rep-b', reason: 'leave', at: T0 + DAY },
        ]),
      );
      expect(stateOf(late)).toBe('contacted');
      expect(late.snapshot.context).toMatchObject({
        ownerId: 'rep-b',
        openedAt: T0 + HOUR,
        counters: { reassignments: 1 },
      });
      expect(late.timers).toStrictEqual([]); // the planned next contact stays
    });

    it('REASSIGN to the current owner, or of an unowned lead, is not accepted', () => {
      const assigned = last(drive([assignTo('rep-a')]));
      expect(
        stepper.step(assigned.snapshot, { type: 'REASSIGN', repId: 'rep-a', reason: 'x', at: T0 }, T0)
          .changed,
      ).toBe(false);
      const fresh = stepper.initial({ leadId: 'x' }, T0);
      expect(
        stepper.step(fresh.snapshot, { type: 'REASSIGN', repId: 'rep-a', reason: 'x', at: T0 }, T0).changed,
      ).toBe(false);
    });

    it('RECYCLE returns an owned lead to the pool', () => {
      const r = last(drive([assignTo('rep-a'), { type: 'RECYCLE', reason: 'owner left', at: T0 + DAY }]));
      expect(stateOf(r)).toBe('recycled');
      expect(r.snapshot.status).toBe('active');
      expect(r.snapshot.context).toMatchObject({ ownerId: null, reason: 'owner left' });
    });

    it('MERGE into another lead is final; into itself is refused', () => {
      const self = stepper.step(
        stepper.initial({ leadId: 'lead-1' }, T0).snapshot,
        { type: 'MERGE', intoLeadId: 'lead-1', at: T0 },
        T0,
      );
      expect(self.changed).toBe(false);
      const r = last(drive([{ type: 'MERGE', intoLeadId: 'lead-0', at: T0 + 1 }]));
      expect(stateOf(r)).toBe('merged');
      expect(r.snapshot).toMatchObject({
        status: 'done',
        context: { mergedInto: 'lead-0', closedAt: T0 + 1 },
      });
    });

    it('closed leads accept nothing', () => {
      const closed = last(drive([{ type: 'DISQUALIFY', reason: 'spam', at: T0 }]));
      expect(closed.snapshot).toMatchObject({
        value: 'disqualified',
        status: 'done',
        context: { reason: 'spam' },
      });
      const events: LeadEvent[] = [
        assignTo('rep-a'),
        { type: 'ASSIGN', repId: 'rep-a', by: 'sup', at: T0 },
        { type: 'ESCALATE', policyId: 'p', to: 'supervisor', at: T0 },
        { type: 'QUALIFY', at: T0 },
        { type: 'RECYCLE', reason: 'x', at: T0 },
      ];
      for (const event of events) expect(stepper.step(closed.snapshot, event, T0).changed).toBe(false);
    });

    it('QUALIFY once', () => {
      const q = last(drive([{ type: 'QUALIFY', at: T0 + 5 }]));
      expect(q.snapshot.context).toMatchObject({ qualified: true, qualifiedAt: T0 + 5 });
      expect(stepper.step(q.snapshot, { type: 'QUALIFY', at: T0 + 6 }, T0 + 6).changed).toBe(false);
    });
  });
});

describe('model-based: xstate/graph', () => {
  const at = T0;
  const events: LeadEvent[] = [
    assignTo('rep-a'),
    {
      type: 'DECIDED',
      decision: { kind: 'offer', repIds: ['rep-a'], ruleId: 'r-tender', claimTimeoutMs: MINUTE },
      at,
    },
    { type: 'DECIDED', decision: { kind: 'queue', supervisorId: 'sup-1', reason: 'full' }, at },
    { type: 'DECIDED', decision: { kind: 'nurture', untilMs: at + DAY, reason: 'C' }, at },
    { type: 'ASSIGN', repId: 'rep-a', by: 'sup-1', at },
    { type: 'CLAIM', repId: 'rep-a', at },
    { type: 'OFFER_EXPIRED', at },
    { type: 'OPEN', repId: 'rep-a', at },
    followUp(at),
    followUp(at, { moveTo: 'nurturing' }),
    { type: 'QUALIFY', at },
    { type: 'DISQUALIFY', reason: 'spam', at },
    { type: 'CONVERT', at },
    { type: 'RECYCLE', reason: 'x', at },
    { type: 'REASSIGN', repId: 'rep-b', reason: 'x', at },
    { type: 'MERGE', intoLeadId: 'lead-0', at },
    { type: 'ESCALATE', policyId: 'p', to: 'supervisor', at },
    { type: 'RAISE_PRIORITY', at },
    { type: 'INCUBATION_EXPIRED', at },
    { type: 'NEXT_CONTACT_DUE', at },
  ];
  const paths = getShortestPaths(leadMachine, {
    input: { leadId: 'lead-1', receivedAt: T0 },
    events,
    // States by value only: context (timestamps, histories) would make the graph infinite.
    serializeState: (snapshot) => JSON.stringify(snapshot.value),
  });

  it('every lead state is reachable', () => {
    const reached = new Set(paths.map((p) => stateValueToString(p.state.value)));
    expect([...reached].sort()).toStrictEqual([...LEAD_STATES].sort());
  });

  it.each(paths.map((p) => [stateValueToString(p.state.value), p] as const))(
    'the stepper follows the shortest path to %s',
    (_name, path) => {
      let r = stepper.initial({ leadId: 'lead-1', receivedAt: T0 }, T0);
      // The first step is XState's own `xstate.init`.
      for (const step of path.steps.filter((s) => (s.event as { type: string }).type !== 'xstate.init')) {
        const next = stepper.step(r.snapshot, step.event, T0);
        expect(next.changed).toBe(true);
        expect(next.snapshot.value).toStrictEqual(step.state.value);
        // (contexts may differ: states are deduplicated by value, keeping the first context seen)
        r = next;
      }
      expect(r.snapshot.value).toStrictEqual(path.state.value);
    },
  );

  it('final states are exactly converted, disqualified and merged', () => {
    const finals = paths
      .filter((p) => p.state.status === 'done')
      .map((p) => stateValueToString(p.state.value));
    expect(finals.sort()).toStrictEqual(['converted', 'disqualified', 'merged']);
  });
});
