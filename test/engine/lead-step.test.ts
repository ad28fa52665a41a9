import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { collapseTimers, createLeadSteps } from '../../src/engine/lead-step.js';
import type { TimerOp } from '../../src/engine/timer-ops.js';
import { leadMachine } from '../../src/machines/lead.js';
import { createStepper } from '../../src/machines/xstate-step.js';
import { parseLead } from '../../src/model/lead.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { emptyAssignmentState } from '../../src/rules/decide.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { calendar, MIN, rawLead, shanghai } from './helpers.js';

const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const steps = createLeadSteps({
  compiled,
  team: zhikongPreset.team,
  calendar,
  stepper: createStepper(leadMachine),
  localDay: () => '2026-03-02',
});
const now = shanghai('2026-03-02T10:00:00');
const parsed = parseLead(rawLead(now, { company: { park: '苏州工业园区', industry: '汽车零部件' } }));
if (!parsed.ok) throw new Error('fixture');

describe('pure lead steps', () => {
  it('return the next record and effects as data, deterministically', () => {
    const a = steps.receive(parsed.lead, 'lead-1', now, emptyAssignmentState('2026-03-02'));
    const b = steps.receive(parsed.lead, 'lead-1', now, emptyAssignmentState('2026-03-02'));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.effects.events.map((e) => e.type)).toEqual(['lead.received', 'lead.assigned', 'sla.met']);
    expect(a.effects.assignment?.assignedToday).toEqual({ 'rep-a': 1 });
    // Received and assigned in the same instant: the unassigned clock's timer is scheduled and
    // cancelled in one step; collapsing leaves only the cancel.
    const timers = collapseTimers(a.effects);
    expect(timers.schedule.map((t) => t.timerKey).sort()).toEqual([
      'sla:first-follow-up-24h:breach',
      'sla:first-follow-up-24h:warn',
      'sla:unopened-30m:breach',
    ]);
    expect(timers.cancel.map((t) => t.timerKey)).toEqual(['sla:unassigned-15m:breach']);
  });

  it('never mutate the record they are given', () => {
    const received = steps.receive(parsed.lead, 'lead-1', now, emptyAssignmentState('2026-03-02'));
    const frozen = JSON.stringify(received.record);
    const opened = steps.apply(
      received.record,
      { type: 'OPEN', repId: 'rep-a' },
      now + 5 * MIN,
      emptyAssignmentState('2026-03-02'),
    );
    expect(JSON.stringify(received.record)).toBe(frozen);
    expect(opened.record.machine.value).toBe('opened');
    expect(opened.effects.events.map((e) => e.type)).toEqual(['lead.opened', 'sla.met']);
  });

  it('refuse an event the state does not accept, naming lead, event and state', () => {
    const received = steps.receive(parsed.lead, 'lead-1', now, emptyAssignmentState('2026-03-02'));
    expect(() =>
      steps.apply(received.record, { type: 'OPEN', repId: 'rep-b' }, now, emptyAssignmentState('2026-03-02')),
    ).toThrow('lead "lead-1": event OPEN is not accepted in state "assigned" (owner: rep-a)');
  });
});

describe('collapseTimers', () => {
  const opArb = fc.record({
    schedule: fc.boolean(),
    entityId: fc.constantFrom('lead-1', 'lead-2'),
    timerKey: fc.constantFrom('a', 'b', 'c'),
    dueAt: fc.nat(100),
  });
  test.prop([fc.array(opArb, { maxLength: 12 })])(
    'keeps the last command per timer, in the order of those last commands',
    (raw) => {
      const timerOps: TimerOp[] = raw.map(({ schedule, entityId, timerKey, dueAt }) =>
        schedule
          ? { op: 'schedule', timer: { entityId, timerKey, generation: 1, dueAt } }
          : { op: 'cancel', ref: { entityId, timerKey } },
      );
      // The obvious model: a keyed map where a later command moves its key to the end.
      const last = new Map<string, TimerOp>();
      for (const op of timerOps) {
        const ref = op.op === 'schedule' ? op.timer : op.ref;
        const key = `${ref.entityId}/${ref.timerKey}`;
        last.delete(key);
        last.set(key, op);
      }
      const expected = [...last.values()];
      const collapsed = collapseTimers({ timerOps, completed: [] });
      expect(collapsed.schedule).toEqual(expected.flatMap((op) => (op.op === 'schedule' ? [op.timer] : [])));
      expect(collapsed.cancel).toEqual(expected.flatMap((op) => (op.op === 'cancel' ? [op.ref] : [])));
    },
  );
});
