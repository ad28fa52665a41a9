/**
 * Field names are user-supplied (gate fields accept `__proto__`, `toString`, …): merged and
 * copied field records keep them as own entries, so gates see them like any other field.
 */
import { describe, expect, it } from 'vitest';
import {
  checkAdvance,
  initialOpportunityContext,
  type OpportunityContext,
  type OpportunityEvent,
  type OpportunityInput,
  opportunityMachine,
} from '../../src/machines/opportunity.js';
import { type TaskContext, type TaskEvent, type TaskInput, taskMachine } from '../../src/machines/task.js';
import { createStepper, stateValueToString } from '../../src/machines/xstate-step.js';
import { type GateField, gateFieldSchema } from '../../src/rules/stages.js';

const T0 = Date.parse('2026-03-02T01:00:00Z');
const GATE: GateField[] = [
  { field: '__proto__', label: '原型', kind: 'text' },
  { field: 'toString', label: '字符串', kind: 'text' },
];
/** As a host's JSON body arrives: `__proto__` is an own key. */
const BOTH = JSON.parse('{"__proto__": "已填", "toString": "已填"}');

describe('gate fields named like Object.prototype members', () => {
  it('the gate field schema accepts `__proto__` and `toString` as field names', () => {
    for (const field of GATE) expect(gateFieldSchema.safeParse(field).success).toBe(true);
  });

  it('opportunity fields keep an own `__proto__` entry through input, checkAdvance and ADVANCE', () => {
    const input: OpportunityInput = {
      opportunityId: 'opp-1',
      customerId: 'cust-1',
      createdAt: T0,
      gates: { leadConfirmation: GATE },
      fields: JSON.parse('{"__proto__": "已填"}'),
    };
    const context = initialOpportunityContext(input);
    expect(Object.hasOwn(context.fields, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(context.fields)).toBe(Object.prototype);
    expect(checkAdvance(context).ok).toBe(false);
    expect(checkAdvance(context, { toString: '已填' }).ok).toBe(true);

    const stepper = createStepper(opportunityMachine, { engine: 'compiled' });
    const open = stepper.initial({ ...input, fields: {} }, T0);
    const blocked = stepper.step(open.snapshot, { type: 'ADVANCE', fields: { toString: 'x' }, at: T0 }, T0);
    expect(blocked.changed).toBe(false);
    const advanced = stepper.step(
      open.snapshot,
      { type: 'ADVANCE', fields: BOTH, at: T0 } as OpportunityEvent,
      T0,
    );
    const next: OpportunityContext = advanced.snapshot.context;
    expect(next.stage).toBe('needsDiagnosis');
    expect(JSON.stringify(next.fields)).toBe('{"__proto__":"已填","toString":"已填"}');
  });

  it('a task result keeps an own `__proto__` entry and satisfies its required result', () => {
    const input: TaskInput = {
      taskId: 'task-1',
      kind: 'technicalFeasibility',
      createdAt: T0,
      requiredResult: GATE,
    };
    const stepper = createStepper(taskMachine, { engine: 'compiled' });
    const open = stepper.initial(input, T0);
    const done = stepper.step(open.snapshot, { type: 'COMPLETE', result: BOTH, at: T0 } as TaskEvent, T0);
    expect(stateValueToString(done.snapshot.value)).toBe('done');
    const context: TaskContext = done.snapshot.context;
    expect(JSON.stringify(context.result)).toBe('{"__proto__":"已填","toString":"已填"}');
  });
});
