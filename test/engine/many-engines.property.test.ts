import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import type { StorageAdapter } from '../../src/adapters/storage/port.js';
import { createEngine } from '../../src/engine/engine.js';
import { EngineError } from '../../src/engine/errors.js';
import { dedupeKeys } from '../../src/engine/lead-step.js';
import type { Engine, IngestResult } from '../../src/engine/types.js';
import { parseTeam } from '../../src/model/team.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { createVirtualClock, type VirtualClock } from '../../src/scheduler/clock.js';
import { arrivalStreamArbitrary, ruleSetArbitrary, teamArbitrary } from '../../src/testing/arbitraries.js';
import { slaGuaranteeViolation } from '../../src/testing/sla-guarantees.js';
import { calendar, DAY, shanghai } from './helpers.js';

const START = shanghai('2026-03-02T08:30:00');

const scenario = ruleSetArbitrary().chain(({ preset, ruleSet }) =>
  fc.record({
    ruleSet: fc.constant(ruleSet),
    team: teamArbitrary(preset),
    arrivals: arrivalStreamArbitrary({ start: START, maxLeads: 30, maxGapMs: 20 * 60_000, malformed: true }),
    /** The same payload delivered twice at once (a webhook retry racing the original). */
    redeliveries: fc.array(fc.nat(), { maxLength: 6 }),
    engines: fc.integer({ min: 2, max: 5 }),
    /** Which engine takes each payload. */
    picks: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    /** Microtask yields before each storage call: a different interleaving per run. */
    yields: fc.array(fc.nat({ max: 3 }), { minLength: 17, maxLength: 17 }),
    /** Two engines open the same fresh lead at once. */
    racingOpens: fc.boolean(),
  }),
);
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** A storage that yields to the event loop before each call, so concurrent engines interleave. */
function interleaving(storage: StorageAdapter, yields: readonly number[]): StorageAdapter {
  let call = 0;
  const pause = async () => {
    const n = yields[call++ % yields.length]!;
    for (let i = 0; i < n; i++) await Promise.resolve();
  };
  return new Proxy(storage, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await pause();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The stream in batches of payloads that arrive in the same 10-minute window. */
function batches(input: Scenario): { at: number; payloads: unknown[] }[] {
  const arrivals = input.arrivals.flatMap((arrival, index) => {
    const copies = input.redeliveries.filter((r) => r % input.arrivals.length === index).length;
    return [arrival, ...Array.from({ length: Math.min(copies, 1) }, () => arrival)];
  });
  const out: { at: number; payloads: unknown[] }[] = [];
  for (const arrival of arrivals) {
    const last = out.at(-1);
    if (last && arrival.at - last.at < 10 * 60_000) {
      last.payloads.push(arrival.payload);
      last.at = arrival.at;
    } else out.push({ at: arrival.at, payloads: [arrival.payload] });
  }
  return out;
}

/** Run the stream on `count` engines sharing one storage and one clock. */
async function run(input: Scenario, count: number) {
  const team = parseTeam(input.team);
  const ruleSet = compileRuleSet(input.ruleSet, { team });
  const storage = memoryStorage();
  const clock: VirtualClock = createVirtualClock(START);
  const shared = count === 1 ? storage : interleaving(storage, input.yields);
  const engines: Engine[] = Array.from({ length: count }, () =>
    createEngine({ ruleSet, team, calendar, clock, storage: shared, notifier: 'dropAll', idBlockSize: 7 }),
  );
  const results: IngestResult[] = [];
  const unexpected: unknown[] = [];
  let picked = 0;
  const fireDue = () => Promise.all(engines.map((engine) => engine.runDue()));
  for (const batch of batches(input)) {
    if (batch.at > clock.now()) clock.advanceTo(batch.at);
    await fireDue();
    const answers = await Promise.all(
      batch.payloads.map((payload) =>
        engines[input.picks[picked++ % input.picks.length]! % count]!.ingest(payload),
      ),
    );
    results.push(...answers);
    if (input.racingOpens) {
      for (const answer of answers) {
        if (answer.status !== 'accepted' || answer.decision.kind !== 'assign') continue;
        const repId = answer.decision.repId;
        const opens = await Promise.allSettled(engines.slice(0, 2).map((e) => e.open(answer.leadId, repId)));
        for (const open of opens) {
          const refused =
            open.status === 'rejected' &&
            open.reason instanceof EngineError &&
            open.reason.code === 'EVENT_NOT_ACCEPTED';
          if (open.status === 'rejected' && !refused) unexpected.push(open.reason);
        }
      }
    }
  }
  // Settle: jump from due timer to due timer, every engine racing to fire them.
  const horizon = clock.now() + 90 * DAY;
  for (;;) {
    const pending = await storage.listTimers();
    const next = Math.min(...pending.map((timer) => timer.leaseUntil ?? timer.dueAt));
    if (!(next <= horizon)) break;
    if (next > clock.now()) clock.advanceTo(next);
    await fireDue();
  }
  return { engines, storage, ruleSet, team, results, unexpected, clock };
}

function outcomeCounts(results: readonly IngestResult[]) {
  const counts = { accepted: 0, merged: 0, quarantined: 0 };
  for (const result of results) counts[result.status]++;
  return counts;
}

/**
 * What identifies each accepted lead: its dedupe keys (of two payloads for one customer arriving
 * at once, either may become the lead — the other merges), or its content when it has none.
 */
async function leadIdentities(engine: Engine, results: readonly IngestResult[]): Promise<string[]> {
  const out: string[] = [];
  for (const result of results) {
    if (result.status !== 'accepted') continue;
    const lead = (await engine.getLead(result.leadId))!.lead;
    const keys = dedupeKeys(lead);
    out.push(
      JSON.stringify(keys.length > 0 ? keys : [lead.receivedAt, lead.channel, lead.company, lead.contact]),
    );
  }
  return out.sort();
}

describe('many engines on one storage', () => {
  test.prop([scenario], { numRuns: 30 })(
    'make the same leads as one engine: nothing lost or doubled, capacity holds, no timer lost',
    async (input) => {
      const one = await run(input, 1);
      const many = await run(input, input.engines);
      expect(many.unexpected).toEqual([]);
      expect(outcomeCounts(many.results)).toEqual(outcomeCounts(one.results));
      expect(await leadIdentities(many.engines[0]!, many.results)).toEqual(
        await leadIdentities(one.engines[0]!, one.results),
      );
      // Ids are unique across engines (a collision would have been a refused create).
      const ids = many.results.flatMap((r) => (r.status === 'accepted' ? [r.leadId] : []));
      expect(new Set(ids).size).toBe(ids.length);
      // Nothing stuck, capacity held, every missed SLA breached — over the shared log.
      const check = { compiled: many.ruleSet, team: many.team, calendar, arrivals: many.results.length };
      expect(
        await slaGuaranteeViolation({ ...check, engine: many.engines[0]!, results: many.results }),
      ).toBeUndefined();
      // No timer left behind: whatever was due by the end has fired (none claimed and dropped).
      const overdue = (await many.storage.listTimers()).filter((t) => t.dueAt <= many.clock.now());
      expect(overdue).toEqual([]);
      await Promise.all(many.engines.map((engine) => engine.stop()));
    },
  );
});
