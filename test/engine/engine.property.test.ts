import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import { createEngine } from '../../src/engine/engine.js';
import { stateValueToString } from '../../src/machines/xstate-step.js';
import { parseTeam } from '../../src/model/team.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { createVirtualClock } from '../../src/scheduler/clock.js';
import {
  arrivalStreamArbitrary,
  followUpBehaviourArbitrary,
  ruleSetArbitrary,
  teamArbitrary,
} from '../../src/testing/arbitraries.js';
import { driveStream } from '../../src/testing/drive.js';
import { slaGuaranteeViolation } from '../../src/testing/sla-guarantees.js';
import { calendar, DAY, shanghai } from './helpers.js';

const START = shanghai('2026-03-02T08:30:00');
const scenario = ruleSetArbitrary().chain(({ preset, ruleSet }) =>
  fc.record({
    ruleSet: fc.constant(ruleSet),
    team: teamArbitrary(preset),
    arrivals: arrivalStreamArbitrary({
      start: START,
      maxLeads: 30,
      maxGapMs: 2 * 3_600_000,
      malformed: true,
    }),
    behaviours: fc.array(followUpBehaviourArbitrary(), { minLength: 1, maxLength: 8 }),
  }),
);

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function run(input: Scenario, restartBefore?: number) {
  const team = parseTeam(input.team);
  const ruleSet = compileRuleSet(input.ruleSet, { team });
  const storage = memoryStorage();
  const make = (start: number) =>
    createEngine({ ruleSet, team, calendar, clock: createVirtualClock(start), storage, notifier: 'dropAll' });
  const behaviourFor = (_leadId: string, index: number) => input.behaviours[index % input.behaviours.length]!;
  const driven = await driveStream(make(START), input.arrivals, behaviourFor, {
    settleMs: 90 * DAY,
    ...(restartBefore === undefined ? {} : { restart: { beforeArrival: restartBefore, engine: make } }),
  });
  return { storage, ruleSet, team, ...driven };
}

const stats = { runs: 0, leads: 0 };

describe('engine invariants over random streams, teams and rule sets', () => {
  test.prop([scenario], { numRuns: 25 })(
    'no lead is lost or stuck; capacity holds; every missed SLA has a breach',
    async (input) => {
      const { engine, storage, ruleSet, team, results } = await run(input);
      stats.runs++;
      stats.leads += results.length;

      // Nothing lost, nothing stuck, capacity held, every missed lead SLA breached: the same
      // guarantees checkSlaGuarantees gives hosts, here over random rule sets and teams too.
      expect(
        await slaGuaranteeViolation({
          engine,
          compiled: ruleSet,
          team,
          calendar,
          arrivals: input.arrivals.length,
          results,
        }),
      ).toBeUndefined();

      const events = await storage.readEvents({ kind: 'lead' });
      const byLead = new Map<string, StoredEvent[]>();
      for (const event of events) byLead.set(event.entityId, [...(byLead.get(event.entityId) ?? []), event]);
      // A nurturing lead always has its incubation timer (it comes back).
      const timers = await storage.listTimers();
      for (const result of results) {
        if (result.status !== 'accepted') continue;
        const record = await engine.getLead(result.leadId);
        if (stateValueToString(record!.machine.value) === 'nurturing')
          expect(
            timers.some((t) => t.entityId === result.leadId && t.timerKey === 'machine:incubation'),
          ).toBe(true);
      }

      // Every missed "unassigned" SLA has a breach event, and no met one does.
      const policy = ruleSet.sla.byId.get('unassigned-15m')!;
      const asOf = engine.clock.now();
      for (const [leadId, leadEvents] of byLead) {
        const received = leadEvents.find((e) => e.type === 'lead.received');
        if (!received) continue;
        const stop = leadEvents.find((e) => policy.stopOn.includes(e.type));
        const waited = calendar.businessTimeBetween(received.at, stop?.at ?? asOf);
        const breached = leadEvents.some(
          (e) => e.type === 'sla.breached' && (e.data as { policyId: string }).policyId === policy.id,
        );
        expect({ leadId, breached }).toEqual({ leadId, breached: waited >= policy.target });
      }
    },
  );

  test.prop([scenario, fc.nat()], { numRuns: 15 })(
    'a fresh engine on the same storage continues exactly like an uninterrupted one',
    async (input, cut) => {
      const restartBefore = cut % (input.arrivals.length + 1);
      const whole = await run(input);
      const restarted = await run(input, restartBefore);
      const shape = (events: StoredEvent[]) =>
        events.map(({ entityId, type, at, data }) => ({ entityId, type, at, data }));
      expect(shape(await restarted.storage.readEvents())).toEqual(shape(await whole.storage.readEvents()));
      expect(await restarted.engine.leadMetrics()).toEqual(await whole.engine.leadMetrics());
      expect(await restarted.storage.listOutbox()).toEqual(await whole.storage.listOutbox());
    },
  );
});
