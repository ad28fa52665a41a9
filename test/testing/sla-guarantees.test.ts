import { describe, expect, it } from 'vitest';
import { parseTeam } from '../../src/model/team.js';
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { checkSlaGuarantees } from '../../src/testing/sla-guarantees.js';

const calendar = chinaCalendar({ years: [2026] });

describe('checkSlaGuarantees (what a host puts in its own test suite)', () => {
  it('passes for both shipped presets', async () => {
    expect(await checkSlaGuarantees({ ...zhikongPreset, calendar, numRuns: 15 })).toEqual({
      ok: true,
      numRuns: 15,
    });
    expect(await checkSlaGuarantees({ ...hengruiPreset, calendar, numRuns: 15 })).toEqual({
      ok: true,
      numRuns: 15,
    });
  });

  it('returns a shrunk counterexample when queued leads can wait unescalated', async () => {
    // Nobody has capacity, so every valid lead queues for the supervisor. With the preset's
    // policies the 15-minute clock escalates them; with a rule set whose only policy starts on
    // an event that never happens, queued leads wait forever without escalation.
    const team = parseTeam({
      ...zhikongPreset.team,
      reps: zhikongPreset.team.reps.map((rep) => ({ ...rep, dailyCapacity: 0 })),
    });
    expect((await checkSlaGuarantees({ ...zhikongPreset, team, calendar, numRuns: 10 })).ok).toBe(true);
    const neverStarts = {
      ...zhikongPreset.ruleSet,
      sla: {
        policies: [
          {
            id: 'unassigned-15m',
            startOn: ['lead.merged'],
            stopOn: ['lead.assigned'],
            target: '15m',
            clock: 'business' as const,
            onBreach: [{ type: 'escalate' as const, to: 'supervisor' as const }],
          },
        ],
      },
    };
    const broken = await checkSlaGuarantees({ ruleSet: neverStarts, team, calendar, numRuns: 30 });
    expect(broken.ok).toBe(false);
    if (broken.ok) return;
    expect(broken.failure).toMatch(
      /stuck in "awaitingAssignment.queued" with no escalation and no pending timer/,
    );
    expect(broken.counterexample.arrivals).toHaveLength(1); // shrunk to one lead
    expect(typeof broken.seed).toBe('number');
  });
});
