// Issue #18 "Rep availability": claims and a supervisor's assignment respect availability and
// weighted capacity too, not only assignment rules.
import { describe, expect, it } from 'vitest';
import type { TeamInput } from '../../src/model/team.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { rawLead, setup } from './helpers.js';

const teamWith = (change: (rep: TeamInput['reps'][number]) => TeamInput['reps'][number]): TeamInput => ({
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep) => (rep.id === 'rep-e' ? change({ ...rep }) : rep)),
});

async function queuedLead(context: ReturnType<typeof setup>) {
  const result = await context.engine.ingest(rawLead(context.clock.now()));
  if (result.status !== 'accepted') throw new Error('fixture');
  await context.engine.dispatch(result.leadId, { type: 'RECYCLE', reason: 'test' });
  return result.leadId;
}

describe('by hand, as by rule', () => {
  it('an away rep cannot claim from the pool nor be assigned by the supervisor', async () => {
    const context = setup({ team: teamWith((rep) => ({ ...rep, away: true })) });
    const leadId = await queuedLead(context);
    await expect(context.engine.claim(leadId, 'rep-e')).rejects.toThrow(
      'claim: rep "rep-e" is not available (away)',
    );
    await expect(context.engine.assign(leadId, 'rep-e', 'sup-wang')).rejects.toThrow(
      'assign: rep "rep-e" is not available (away)',
    );
    expect((await context.engine.claim(leadId, 'rep-f')).machine.context.ownerId).toBe('rep-f');
  });

  it('a rep off shift at 10:00 (afternoon shift) is refused, and accepted at 14:00', async () => {
    const context = setup({
      team: teamWith((rep) => ({
        ...rep,
        shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '13:00', to: '18:00' }],
      })),
    });
    const leadId = await queuedLead(context);
    await expect(context.engine.claim(leadId, 'rep-e')).rejects.toThrow(
      /claim: rep "rep-e" is not available \(off shift at 2026-03-02 10:00\)/,
    );
    context.clock.advanceBy(4 * 3_600_000);
    expect((await context.engine.claim(leadId, 'rep-e')).machine.context.ownerId).toBe('rep-e');
  });

  it('an A lead uses its capacity units: a rep with 1 unit left cannot take a lead weighing 2', async () => {
    const ruleSet = {
      ...zhikongPreset.ruleSet,
      assignment: { ...zhikongPreset.ruleSet.assignment, capacityWeights: { A: 2 } },
    };
    const context = setup({ ruleSet, team: teamWith((rep) => ({ ...rep, dailyCapacity: 1 })) });
    const result = await context.engine.ingest(
      rawLead(context.clock.now(), { budget: { amount: 800_000, currency: 'CNY' } }),
    );
    if (result.status !== 'accepted') throw new Error('fixture');
    expect((await context.engine.getLead(result.leadId))?.intentGrade).toBe('A');
    await context.engine.dispatch(result.leadId, { type: 'RECYCLE', reason: 'test' });
    await expect(context.engine.claim(result.leadId, 'rep-e')).rejects.toThrow(
      'claim: rep "rep-e" is at daily capacity 0/1 (this lead weighs 2)',
    );
  });
});
