/**
 * Seed 001: 线索5分钟内分配, 超15分钟未分配自动升级; 不满足有效线索标准的进入培育池. Every clock counts
 * from when the lead arrived (its own `receivedAt`), not from when a slow source (a nightly
 * import, a lagging form relay) handed it to leadflow — and the gap is reported, not hidden.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { calendar, DAY, HOUR, MIN, rawLead, setup, shanghai } from './helpers.js';

/** zhikong plus a lead SLA that starts on arrival and runs until the first follow-up. */
function withFirstTouchPolicy(): RuleSetInput {
  const ruleSet = structuredClone(zhikongPreset.ruleSet) as RuleSetInput;
  ruleSet.sla = {
    ...ruleSet.sla,
    policies: [
      ...(ruleSet.sla?.policies ?? []),
      {
        id: 'first-touch-2h',
        description: '到达后 2 个工作小时内首次跟进',
        entity: 'lead',
        startOn: ['lead.received'],
        stopOn: ['lead.followedUp'],
        target: '2h',
        clock: 'business',
        onBreach: [{ type: 'escalate', to: 'supervisor' }],
      },
    ],
  };
  return ruleSet;
}

describe('lead clocks count from the lead’s arrival', () => {
  it('arrived Monday 10:00, ingested 11:30: the 2-business-hour SLA is due 12:00, not 14:30 after lunch', async () => {
    const { engine } = setup({ start: '2026-03-02T11:30:00', ruleSet: withFirstTouchPolicy() });
    const result = await engine.ingest(rawLead(shanghai('2026-03-02T10:00:00')));
    if (result.status !== 'accepted') throw new Error('fixture: not accepted');
    const explanation = await engine.explain(result.leadId);
    const clock = explanation.sla.find((entry) => entry.policyId === 'first-touch-2h');
    expect(clock?.startedAt).toBe(shanghai('2026-03-02T10:00:00'));
    expect(clock?.dueAt).toBe(shanghai('2026-03-02T12:00:00'));
    expect(explanation.arrival).toEqual({
      receivedAt: shanghai('2026-03-02T10:00:00'),
      ingestedAt: shanghai('2026-03-02T11:30:00'),
      ingestionGapMs: 90 * MIN,
    });
  });

  it('the gap is in the received event, the host event and the lead KPIs; a lead that came after its 5-minute target counts as missed', async () => {
    const { engine, clock } = setup({ start: '2026-03-02T10:07:00' });
    const seen: { receivedAt: number; ingestionGapMs: number }[] = [];
    engine.on('lead.received', (event) => seen.push(event));
    const late = await engine.ingest(rawLead(shanghai('2026-03-02T10:00:00')));
    const onTime = await engine.ingest(rawLead(clock.now() - 30_000, { contact: { phone: '13900000001' } }));
    if (late.status !== 'accepted' || onTime.status !== 'accepted') throw new Error('fixture: not accepted');
    expect(late.decision.kind).toBe('assign');
    expect(seen).toMatchObject([
      { receivedAt: shanghai('2026-03-02T10:00:00'), ingestionGapMs: 7 * MIN },
      { ingestionGapMs: 30_000 },
    ]);
    const [received] = await engine.storage.readEvents({ entityId: late.leadId, types: ['lead.received'] });
    expect(received?.data).toMatchObject({ ingestionGapMs: 7 * MIN });

    const kpis = await engine.leadMetrics();
    expect(kpis.ingestionGap).toMatchObject({ count: 2, mean: (7 * MIN + 30_000) / 2 });
    expect(kpis.ingestedAfterAssignTarget).toBe(1);
    // Assigned the moment it reached us, yet 7 business minutes after it arrived: missed.
    expect(kpis.assignedWithinTarget).toMatchObject({ met: 1, missed: 1 });
    expect(kpis.assignmentTime.mean).toBe((7 * MIN + 30_000) / 2);
  });

  it('Friday 17:58 arrival ingested Monday 09:01 is 3 business minutes late: still within the 5-minute target', async () => {
    const { engine } = setup({ start: '2026-03-09T09:01:00' });
    const result = await engine.ingest(rawLead(shanghai('2026-03-06T17:58:00')));
    if (result.status !== 'accepted') throw new Error('fixture: not accepted');
    const kpis = await engine.leadMetrics({ from: shanghai('2026-03-06T00:00:00') });
    expect(kpis.ingestedAfterAssignTarget).toBe(0);
    expect(kpis.assignedWithinTarget).toMatchObject({ met: 1, missed: 0 });
    expect(kpis.assignmentTime.p50).toBe(3 * MIN);
    expect(kpis.ingestionGap.p50).toBe(2 * DAY + 15 * HOUR + 3 * MIN);
    // The window is the arrival's: a window that starts Monday does not hold it.
    expect((await engine.leadMetrics({ from: shanghai('2026-03-09T00:00:00') })).received).toBe(0);
  });

  it('a source clock running ahead never postpones a clock: it starts at ingestion, the negative gap is reported', async () => {
    const { engine, clock } = setup({ start: '2026-03-02T10:00:00', ruleSet: withFirstTouchPolicy() });
    const result = await engine.ingest(rawLead(clock.now() + 40_000));
    if (result.status !== 'accepted') throw new Error('fixture: not accepted');
    const explanation = await engine.explain(result.leadId);
    expect(explanation.arrival.ingestionGapMs).toBe(-40_000);
    expect(explanation.sla.find((entry) => entry.policyId === 'first-touch-2h')?.startedAt).toBe(clock.now());
    expect((await engine.leadMetrics()).ingestionGap).toMatchObject({ count: 1, mean: 0 });
  });

  it('a late lead whose SLA is already overdue breaches at the next timer run, not a full window later', async () => {
    const { engine, clock } = setup({ start: '2026-03-02T15:00:00', ruleSet: withFirstTouchPolicy() });
    const result = await engine.ingest(rawLead(shanghai('2026-03-02T09:30:00')));
    if (result.status !== 'accepted') throw new Error('fixture: not accepted');
    await engine.runDue();
    const breaches = await engine.storage.readEvents({ entityId: result.leadId, types: ['sla.breached'] });
    expect(breaches.map((event) => (event.data as { policyId: string }).policyId)).toContain(
      'first-touch-2h',
    );
    expect(breaches[0]?.at).toBe(clock.now());
  });

  it('incubation counts from arrival: an invalid lead that arrived 3 days before ingestion is nurtured 60 days from arrival', async () => {
    const { engine } = setup({ start: '2026-03-05T10:00:00' });
    // No contact point and no need: fails the valid-lead contract.
    const arrived = shanghai('2026-03-02T10:00:00');
    const result = await engine.ingest(
      rawLead(arrived, { contact: { phone: undefined, name: undefined }, channel: 'trade_show' }),
    );
    if (result.status !== 'accepted') throw new Error(`fixture: ${result.status}`);
    expect(result.decision).toMatchObject({ kind: 'nurture', untilMs: arrived + 60 * DAY });
  });

  it('for any gap, the SLA deadline is the same as if the lead had been ingested the moment it arrived', async () => {
    const monday = shanghai('2026-03-02T00:00:00');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 * DAY }),
        fc.integer({ min: 0, max: 3 * DAY }),
        async (arrivalOffset, gap) => {
          const arrived = monday + Math.floor(arrivalOffset / MIN) * MIN;
          const deadline = async (ingestAt: number) => {
            const { engine, clock } = setup({
              start: '2026-03-01T00:00:00',
              ruleSet: withFirstTouchPolicy(),
            });
            clock.advanceTo(ingestAt);
            const result = await engine.ingest(rawLead(arrived));
            if (result.status !== 'accepted') throw new Error('fixture: not accepted');
            const entry = (await engine.explain(result.leadId)).sla.find(
              (e) => e.policyId === 'first-touch-2h',
            );
            return entry?.dueAt;
          };
          const due = await deadline(arrived + gap);
          expect(due).toBe(await deadline(arrived));
          expect(due).toBe(calendar.addBusinessTime(arrived, 2 * HOUR));
        },
      ),
      { numRuns: 25 },
    );
  });
});
