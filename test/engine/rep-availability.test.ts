/**
 * Issue #18 through the engine: reps with shifts, partial-day leave and `away` are skipped at
 * the instant a lead is decided; when nobody is left the lead goes to the supervisor queue with
 * every candidate's reason, and the supervisor hears of it through the unassigned-15m SLA.
 */
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import type { RepInput } from '../../src/model/rep.js';
import type { TeamInput } from '../../src/model/team.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { rawLead, setup, shanghai } from './helpers.js';

function teamWith(overrides: Readonly<Record<string, Partial<RepInput>>>): TeamInput {
  return {
    ...zhikongPreset.team,
    reps: zhikongPreset.team.reps.map((rep) => ({ ...rep, ...overrides[rep.id] })),
  };
}

const shanghaiLead = (at: number, phone: string) =>
  rawLead(at, { company: { region: '上海', city: '上海' }, contact: { phone } });

describe('engine: rep availability', () => {
  it('Shanghai round robin skips the away rep, the part-timer after 13:00 and a rep on afternoon leave', async () => {
    const team = teamWith({
      'rep-a': { away: true },
      'rep-b': { shifts: [{ days: ['mon', 'tue', 'wed'], from: '09:00', to: '13:00' }] },
      'rep-c': { leave: [{ from: '2026-03-02', to: '2026-03-02', fromTime: '15:00', reason: '看牙' }] },
    });
    const { engine, clock } = setup({ team });
    const morning = await engine.ingest(shanghaiLead(clock.now(), '13900000001'));
    expect(morning).toMatchObject({
      decision: { kind: 'assign', repId: 'rep-b', ruleId: 'shanghai-round-robin' },
    });

    await engine.advanceTo(shanghai('2026-03-02T13:00:00'));
    const afternoon = await engine.ingest(shanghaiLead(clock.now(), '13900000002'));
    expect(afternoon).toMatchObject({ decision: { kind: 'assign', repId: 'rep-c' } });
    if (afternoon.status !== 'accepted') throw new Error('unreachable');
    const trail = await engine.explain(afternoon.leadId);
    const rule = trail.decisions[0]!.explanation.assignment.find((r) => r.ruleId === 'shanghai-round-robin');
    expect(rule?.candidates?.map((c) => [c.repId, c.reasons])).toEqual([
      ['rep-a', ['away']],
      ['rep-b', ['off shift at 2026-03-02 13:00']],
      ['rep-c', ['load 0/10']],
    ]);

    // 15:00: nobody of the pool is free; the rule says nextRule, so the later rules decide —
    // the explanation names why each Shanghai rep was passed over.
    await engine.advanceTo(shanghai('2026-03-02T15:00:00'));
    const late = await engine.ingest(shanghaiLead(clock.now(), '13900000003'));
    if (late.status !== 'accepted') throw new Error('unreachable');
    const lateRule = (await engine.explain(late.leadId)).decisions[0]!.explanation.assignment.find(
      (r) => r.ruleId === 'shanghai-round-robin',
    );
    expect(lateRule).toMatchObject({ outcome: 'no eligible candidate' });
    expect(lateRule?.candidates?.map((c) => c.reasons[0])).toEqual([
      'away',
      'off shift at 2026-03-02 15:00',
      'on leave 2026-03-02 15:00..2026-03-02 24:00',
    ]);
    expect(late.decision).not.toMatchObject({ repId: expect.stringMatching(/^rep-[abc]$/) });
  });

  it('an empty eligible set queues for the supervisor, who gets the SMS 15 business minutes later', async () => {
    const { engine, clock, notifier } = setup({ team: teamWith({ 'rep-d': { away: true } }) });
    const queued = await engine.ingest(
      rawLead(clock.now(), { company: { industry: '教育' }, contact: { phone: '13711111111' } }),
    );
    expect(queued).toMatchObject({
      state: 'awaitingAssignment.queued',
      decision: { kind: 'queue', supervisorId: 'sup-wang' },
    });
    if (queued.status !== 'accepted') throw new Error('unreachable');
    const trail = await engine.explain(queued.leadId);
    const education = trail.decisions[0]!.explanation.assignment.find(
      (r) => r.ruleId === 'education-exclusive',
    );
    expect(education?.candidates).toEqual([{ repId: 'rep-d', eligible: false, reasons: ['away'] }]);
    expect(trail.events.find((e) => e.type === 'lead.queued')?.data).toMatchObject({
      supervisorId: 'sup-wang',
    });
    // lead.queued itself sends nothing; the unassigned-15m SLA tells the supervisor.
    expect(notifier.sent).toEqual([]);
    await engine.advanceTo(clock.now() + 16 * 60_000);
    expect(notifier.sent.filter((m) => m.channel === 'sms').map((m) => m.to)).toEqual([['sup-wang']]);
  });

  it('the host clears `away` by passing the team again to a new engine on the same storage', async () => {
    const storage = memoryStorage();
    const away = setup({ storage, team: teamWith({ 'rep-d': { away: true } }) });
    const first = await away.engine.ingest(
      rawLead(away.clock.now(), { company: { industry: '教育' }, contact: { phone: '13711111112' } }),
    );
    expect(first).toMatchObject({ decision: { kind: 'queue' } });
    await away.engine.stop();
    const back = setup({ storage, team: teamWith({}) });
    const second = await back.engine.ingest(
      rawLead(back.clock.now(), { company: { industry: '教育' }, contact: { phone: '13711111113' } }),
    );
    expect(second).toMatchObject({ decision: { kind: 'assign', repId: 'rep-d' } });
    // The queued lead stays with the supervisor (nothing re-decides it behind their back).
    if (first.status !== 'accepted') throw new Error('unreachable');
    expect((await back.engine.getLead(first.leadId))?.machine.value).toMatchObject({
      awaitingAssignment: 'queued',
    });
  });

  it('a rule set compiled without a calendar reads shifts in the engine’s calendar', async () => {
    const team = teamWith({ 'rep-d': { shifts: [{ days: ['mon'], from: '09:00', to: '12:00' }] } });
    const { engine, clock } = setup({
      team,
      ruleSet: compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team }),
    });
    const inShift = await engine.ingest(
      rawLead(clock.now(), { company: { industry: '教育' }, contact: { phone: '13711111114' } }),
    );
    expect(inShift).toMatchObject({ decision: { kind: 'assign', repId: 'rep-d' } });
    await engine.advanceTo(shanghai('2026-03-02T12:00:00'));
    const after = await engine.ingest(
      rawLead(clock.now(), { company: { industry: '教育' }, contact: { phone: '13711111115' } }),
    );
    expect(after).toMatchObject({ decision: { kind: 'queue' } });
    if (after.status !== 'accepted') throw new Error('unreachable');
    const rule = (await engine.explain(after.leadId)).decisions[0]!.explanation.assignment.find(
      (r) => r.ruleId === 'education-exclusive',
    );
    // 12:00 is lunch: the lead is worked at 13:00, after the shift.
    expect(rule?.candidates?.[0]?.reasons).toEqual(['off shift at 2026-03-02 13:00']);
  });
});
