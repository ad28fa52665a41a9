import { describe, expect, it, vi } from 'vitest';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import type { Notifier } from '../../src/adapters/notify/port.js';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import { createEngine } from '../../src/engine/engine.js';
import { EngineError } from '../../src/engine/errors.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import type { Clock } from '../../src/scheduler/clock.js';
import { calendar, licence, rawLead, setup, shanghai } from './helpers.js';

/** Real time, but on a fixed working Monday (the calendar covers 2026 only). */
function flowingClock(start = shanghai('2026-03-02T10:00:00')): Clock {
  const origin = Date.now();
  return { now: () => start + (Date.now() - origin) };
}

/** The zhikong rules with the "unassigned" SLA shortened to `target` of wall time. */
function withUnassignedTarget(target: string): RuleSetInput {
  const ruleSet = structuredClone(zhikongPreset.ruleSet) as RuleSetInput & {
    sla: { policies: { id: string; target: string; clock: string }[] };
  };
  const policy = ruleSet.sla.policies.find((p) => p.id === 'unassigned-15m')!;
  policy.target = target;
  policy.clock = 'wall';
  return ruleSet;
}

/** Every rep full from the start: each lead waits in the supervisor queue. */
const fullTeam = {
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep) => ({ ...rep, dailyCapacity: 0 })),
};

describe('createEngine: a notifier is required', () => {
  it('refuses an engine without one, naming the option and the explicit way out', () => {
    expect(() =>
      createEngine({ ...zhikongPreset, calendar, notifier: undefined as unknown as 'dropAll' }),
    ).toThrow(/notifier is required.*'dropAll'/);
  });

  it("'dropAll' marks messages sent on purpose, with a result that says so", async () => {
    const { engine, clock } = setup({ notifier: 'dropAll', team: fullTeam });
    await engine.ingest(rawLead(clock.now()));
    await engine.advanceTo(clock.now() + 60 * 60_000);
    const outbox = await engine.storage.listOutbox();
    expect(outbox.length).toBeGreaterThan(0);
    expect(
      outbox.every(
        (m) => m.status === 'sent' && (m.result as { providerId?: string }).providerId === 'dropped',
      ),
    ).toBe(true);
  });

  it('refuses a delivery lease that does not outlast the send timeout', () => {
    expect(() => setup({ delivery: { sendTimeoutMs: 60_000, leaseMs: 30_000 } })).toThrow(
      /delivery.leaseMs \(30000\) must be greater than delivery.sendTimeoutMs \(60000\)/,
    );
  });
});

describe('the runtime (start / stop)', () => {
  it('fires a timer at its due time, woken by the commit that scheduled it — not by the poll', async () => {
    const notifier = memoryNotifier();
    const engine = createEngine({
      ruleSet: withUnassignedTarget('300ms'),
      team: fullTeam,
      calendar,
      clock: flowingClock(),
      notifier,
    });
    const breached = new Promise((resolve) => engine.on('sla.breached', resolve));
    engine.start({ pollIntervalMs: 10 * 60_000 }); // a poll would come far too late
    await engine.ingest(rawLead(engine.clock.now()));
    await expect(breached).resolves.toMatchObject({ policyId: 'unassigned-15m' });
    await vi.waitFor(() => expect(notifier.sent.some((m) => m.channel === 'sms')).toBe(true), {
      timeout: 5_000,
    });
    await engine.stop();
  });

  it('wakes for the daily customer review an upsert scheduled, though the upsert sent nothing', async () => {
    const engine = createEngine({
      ...zhikongPreset,
      calendar,
      clock: flowingClock(shanghai('2026-03-02T08:59:59') + 500),
      notifier: memoryNotifier(),
    });
    engine.start({ pollIntervalMs: 10 * 60_000 }); // a poll would come far too late
    // One purchase: history for the rules to read, nothing to report, so no message is enqueued.
    await engine.upsertCustomer({
      id: 'c-1',
      name: '台州恒锐',
      region: '浙江',
      industry: '汽车零部件',
      ...licence(1),
      purchases: [{ model: 'PLC-300', date: '2026-02-01', quantity: 1, amount: 50_000 }],
    });
    expect((await engine.getCustomer('c-1'))?.reviewTimer?.dueAt).toBe(shanghai('2026-03-02T09:00:00'));
    // Fired at 09:00 and armed again for Tuesday.
    await vi.waitFor(
      async () =>
        expect((await engine.getCustomer('c-1'))?.reviewTimer?.dueAt).toBe(shanghai('2026-03-03T09:00:00')),
      { timeout: 5_000 },
    );
    await engine.stop();
  });

  it('delivers a retry at its own due time, without waiting for another message', async () => {
    const notifier = memoryNotifier({ failFirst: 2 });
    const engine = createEngine({
      ruleSet: withUnassignedTarget('100ms'),
      team: fullTeam,
      calendar,
      clock: flowingClock(),
      notifier,
      delivery: { backoff: () => 200 },
    });
    engine.start({ pollIntervalMs: 10 * 60_000 });
    await engine.ingest(rawLead(engine.clock.now()));
    await vi.waitFor(() => expect(notifier.sent.some((m) => m.channel === 'sms')).toBe(true), {
      timeout: 5_000,
    });
    expect(notifier.calls.length).toBeGreaterThanOrEqual(3); // two failures, then the delivery
    await engine.stop();
  });

  it('stop drains what is in flight and refuses later calls; start twice is one loop', async () => {
    const { engine, clock } = setup({ team: fullTeam });
    engine.start({ pollIntervalMs: 5 });
    engine.start({ pollIntervalMs: 5 });
    const pending = engine.ingest(rawLead(clock.now()));
    await engine.stop();
    await expect(pending).resolves.toMatchObject({ status: 'accepted' });
    await expect(engine.ingest(rawLead(clock.now()))).rejects.toMatchObject({ code: 'ENGINE_STOPPED' });
    expect(() => engine.start()).toThrow(EngineError);
    await engine.stop(); // idempotent
  });

  it('an aborted signal stops the runtime like stop()', async () => {
    const { engine } = setup({ team: fullTeam });
    const controller = new AbortController();
    engine.start({ signal: controller.signal, pollIntervalMs: 5 });
    controller.abort();
    await vi.waitFor(async () => {
      await expect(engine.ingest({})).rejects.toMatchObject({ code: 'ENGINE_STOPPED' });
    });
  });

  it('refuses a poll interval that is not a positive number', () => {
    const { engine } = setup();
    expect(() => engine.start({ pollIntervalMs: 0 })).toThrow(/pollIntervalMs must be a positive number/);
  });
});

describe('delivery never holds up domain operations', () => {
  it('ingests return while a notifier hangs (it never answers, ignoring its signal)', async () => {
    let calls = 0;
    let timedOut = 0;
    const hanging: Notifier = {
      name: 'hanging',
      send: (_message, context) => {
        calls++;
        context?.signal.addEventListener('abort', () => timedOut++);
        return new Promise(() => {});
      },
    };
    const engine = createEngine({
      ruleSet: withUnassignedTarget('50ms'),
      team: fullTeam,
      calendar,
      clock: flowingClock(),
      notifier: hanging,
      delivery: { sendTimeoutMs: 3_000 },
    });
    engine.start({ pollIntervalMs: 10 });
    await engine.ingest(rawLead(engine.clock.now()));
    await vi.waitFor(() => expect(calls).toBeGreaterThan(0), { timeout: 5_000 }); // the SMS is hanging now
    for (let i = 0; i < 10; i++) {
      const result = await engine.ingest(
        rawLead(engine.clock.now(), { contact: { phone: `1390000000${i}` } }),
      );
      expect(result.status).toBe('accepted');
    }
    // Every ingest returned while that send was still unanswered (its timeout had not fired).
    expect(timedOut).toBeLessThan(calls);
    await engine.stop(); // waits for the send timeout, then drains
    const outbox = await engine.storage.listOutbox();
    expect(outbox.some((m) => m.lastError?.includes('did not answer within 3000 ms'))).toBe(true);
  });

  it('advanceTo stops with ABORTED when its signal fires; what committed stays', async () => {
    const { engine, clock } = setup({ team: fullTeam });
    await engine.ingest(rawLead(clock.now()));
    const controller = new AbortController();
    controller.abort();
    await expect(
      engine.advanceTo(clock.now() + 60 * 60_000, { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await engine.storage.list('lead')).toHaveLength(1);
  });

  it('deliver() waits for a full round and reports it', async () => {
    const notifier = memoryNotifier();
    const { engine, clock } = setup({ team: fullTeam, notifier, autoDeliver: false });
    await engine.ingest(rawLead(clock.now()));
    await engine.advanceTo(clock.now() + 30 * 60_000);
    expect(notifier.sent).toHaveLength(0);
    const result = await engine.deliver();
    expect(result.sent).toBeGreaterThan(0);
    expect(notifier.sent).toHaveLength(result.sent);
  });
});

describe('storage the engine shares', () => {
  it('two engines on one storage: a timer fires once, whichever claims it', async () => {
    const storage = memoryStorage();
    const first = setup({ storage, team: fullTeam });
    const second = setup({ storage, team: fullTeam });
    await first.engine.ingest(rawLead(first.clock.now()));
    first.clock.advanceTo(first.clock.now() + 20 * 60_000);
    second.clock.advanceTo(first.clock.now());
    const [a, b] = await Promise.all([first.engine.runDue(), second.engine.runDue()]);
    expect(a.fired + b.fired).toBe(1);
    const breaches = await storage.readEvents({ types: ['sla.breached'] });
    expect(breaches).toHaveLength(1);
  });
});

describe('runDue with a limit (a worker taking a batch per tenant in turn)', () => {
  it('claims at most `limit`, says whether more may be due, and the rest fire on the next call', async () => {
    const storage = memoryStorage();
    const { engine, clock } = setup({ storage });
    const now = clock.now();
    await storage.commit({
      at: now,
      timers: {
        schedule: Array.from({ length: 5 }, (_, i) => ({
          entityId: `lead-gone-${i}`,
          timerKey: 'sla.x',
          generation: 1,
          dueAt: now - 1,
        })),
      },
    });
    expect(await engine.runDue({ limit: 2 })).toEqual({ fired: 0, stale: 2, failed: 0, more: true });
    expect(await engine.runDue({ limit: 3 })).toEqual({ fired: 0, stale: 3, failed: 0, more: true });
    expect(await engine.runDue()).toEqual({ fired: 0, stale: 0, failed: 0, more: false });
    expect(await storage.listTimers()).toEqual([]);
    await expect(engine.runDue({ limit: 0 })).rejects.toMatchObject({ code: 'ENGINE_INVALID' });
  });
});
