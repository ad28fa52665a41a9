import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  StorageError,
  type StorageErrorCode,
  type VersionConflictError,
} from '../src/adapters/storage/port.js';
import { EngineError, type EngineErrorCode } from '../src/engine/errors.js';
import { GateNotMetError } from '../src/engine/gate-error.js';
import {
  CalendarError,
  ClockError,
  LeadflowError,
  type LeadflowErrorCode,
  RecurrenceError,
  TimerError,
} from '../src/errors.js';
import { SlaError } from '../src/machines/sla.js';
import { UnsupportedMachineError } from '../src/machines/xstate-step.js';
import { ModelError } from '../src/model/issues.js';
import { TeamError } from '../src/model/team.js';
import { RuleSetError } from '../src/rules/compile.js';
import { ConditionError } from '../src/rules/conditions.js';
import { RulePathError } from '../src/rules/paths.js';

// Every error class the library throws on purpose, with the code(s) it may carry.
const thrown = [
  [new CalendarError('x'), 'CALENDAR_INVALID'],
  [new ClockError('x'), 'CLOCK_INVALID'],
  [new RecurrenceError('x'), 'RECURRENCE_INVALID'],
  [new TimerError('x'), 'TIMER_INVALID'],
  [new ModelError('x'), 'MODEL_INVALID'],
  [new TeamError([]), 'TEAM_INVALID'],
  [new UnsupportedMachineError('x'), 'MACHINE_UNSUPPORTED'],
  [new SlaError('x'), 'SLA_INVALID'],
  [new ConditionError([]), 'CONDITION_INVALID'],
  [new RuleSetError([]), 'RULE_SET_INVALID'],
  [new RulePathError('$.a', 'x'), 'RULE_PATH_INVALID'],
  [new StorageError('x'), 'STORAGE_INVALID'],
  [new StorageError('x', { code: 'STORAGE_CLOSED' }), 'STORAGE_CLOSED'],
  [new EngineError('LEAD_NOT_FOUND', 'x'), 'LEAD_NOT_FOUND'],
  [
    new GateNotMetError({
      opportunityId: 'o',
      stage: 'needsDiagnosis',
      command: 'ADVANCE',
      to: 'solutionMatching',
      missing: [],
    }),
    'GATE_NOT_MET',
  ],
] as const satisfies readonly (readonly [LeadflowError, LeadflowErrorCode])[];

describe('error codes as literal unions', () => {
  it('each subclass declares its code as a literal', () => {
    expectTypeOf<CalendarError['code']>().toEqualTypeOf<'CALENDAR_INVALID'>();
    expectTypeOf<ClockError['code']>().toEqualTypeOf<'CLOCK_INVALID'>();
    expectTypeOf<RecurrenceError['code']>().toEqualTypeOf<'RECURRENCE_INVALID'>();
    expectTypeOf<TimerError['code']>().toEqualTypeOf<'TIMER_INVALID'>();
    expectTypeOf<ModelError['code']>().toEqualTypeOf<'MODEL_INVALID'>();
    expectTypeOf<TeamError['code']>().toEqualTypeOf<'TEAM_INVALID'>();
    expectTypeOf<UnsupportedMachineError['code']>().toEqualTypeOf<'MACHINE_UNSUPPORTED'>();
    expectTypeOf<SlaError['code']>().toEqualTypeOf<'SLA_INVALID'>();
    expectTypeOf<ConditionError['code']>().toEqualTypeOf<'CONDITION_INVALID'>();
    expectTypeOf<RuleSetError['code']>().toEqualTypeOf<'RULE_SET_INVALID'>();
    expectTypeOf<RulePathError['code']>().toEqualTypeOf<'RULE_PATH_INVALID'>();
    expectTypeOf<StorageError['code']>().toEqualTypeOf<StorageErrorCode>();
    expectTypeOf<VersionConflictError['code']>().toExtend<StorageErrorCode>();
    expectTypeOf<EngineError['code']>().toEqualTypeOf<EngineErrorCode>();
    expectTypeOf<GateNotMetError['code']>().toEqualTypeOf<'GATE_NOT_MET'>();
  });

  it('LeadflowErrorCode is exactly the union of the subclasses’ codes', () => {
    type Union =
      | CalendarError['code']
      | ClockError['code']
      | RecurrenceError['code']
      | TimerError['code']
      | ModelError['code']
      | TeamError['code']
      | UnsupportedMachineError['code']
      | SlaError['code']
      | ConditionError['code']
      | RuleSetError['code']
      | RulePathError['code']
      | StorageError['code']
      | EngineError['code'];
    expectTypeOf<LeadflowErrorCode>().toEqualTypeOf<Union>();
    expectTypeOf<LeadflowError['code']>().toEqualTypeOf<LeadflowErrorCode>();
    // Not widened to string anywhere on the way.
    expectTypeOf<string>().not.toExtend<LeadflowErrorCode>();
  });

  it('narrows on instanceof, and a switch over the code is exhaustive', () => {
    const describeCode = (error: unknown): string => {
      if (!(error instanceof LeadflowError)) return 'unexpected';
      const code = error.code;
      switch (code) {
        case 'CALENDAR_INVALID':
        case 'CLOCK_INVALID':
        case 'RECURRENCE_INVALID':
        case 'TIMER_INVALID':
        case 'MODEL_INVALID':
        case 'TEAM_INVALID':
        case 'MACHINE_UNSUPPORTED':
        case 'SLA_INVALID':
        case 'CONDITION_INVALID':
        case 'RULE_SET_INVALID':
        case 'RULE_PATH_INVALID':
          return 'configuration';
        case 'STORAGE_INVALID':
        case 'STORAGE_VERSION_CONFLICT':
        case 'STORAGE_UNIQUE_CONFLICT':
        case 'STORAGE_FENCED':
        case 'STORAGE_CLOSED':
        case 'STORAGE_UNAVAILABLE':
          return 'storage';
        default:
          // Every other code is an EngineError's.
          expectTypeOf(code).toEqualTypeOf<EngineErrorCode>();
          return 'engine';
      }
    };
    expect(describeCode(new CalendarError('x'))).toBe('configuration');
    expect(describeCode(new StorageError('x', { code: 'STORAGE_UNAVAILABLE' }))).toBe('storage');
    expect(describeCode(new EngineError('ENGINE_STOPPED', 'x'))).toBe('engine');
    expect(describeCode(new Error('x'))).toBe('unexpected');
    const calendar: unknown = new CalendarError('x');
    if (calendar instanceof CalendarError) expectTypeOf(calendar.code).toEqualTypeOf<'CALENDAR_INVALID'>();
  });

  it.each(thrown)('%s carries the code its type declares', (error, code) => {
    expect(error).toBeInstanceOf(LeadflowError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
  });
});
