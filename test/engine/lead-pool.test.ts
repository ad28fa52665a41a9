// Lead pools (公海), issue #18: "Leads not followed up within N business days go back to a pool;
// reps claim from it under a per-rep holding cap (客保数量); reclaim and claim events with reasons;
// an escalation ladder (owner → supervisor → pool)."
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import { EngineError } from '../../src/engine/errors.js';
import { stateValueToString } from '../../src/machines/xstate-step.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { calendar, HOUR, MIN, rawLead, setup, shanghai } from './helpers.js';

const STOP = ['lead.followedUp', 'lead.converted', 'lead.disqualified', 'lead.merged', 'lead.recycled'];

/** The ladder: owner warned after 1 working day, supervisor at 2, the pool at 3 (8 business hours a day). */
const ladder = (pool: RuleSetInput['leadPool'] = { holdingCap: 2 }): RuleSetInput => ({
  ...zhikongPreset.ruleSet,
  leadPool: pool,
  sla: {
    policies: [
      {
        id: 'no-follow-up-2d',
        description: '2 个工作日未跟进 → 主管',
        entity: 'lead',
        startOn: ['lead.assigned'],
        stopOn: STOP,
        target: '16h',
        clock: 'business',
        warnBefore: '8h',
        onWarn: [{ type: 'notify', channel: 'wecom', to: 'owner', template: 'follow-up-warning' }],
        onBreach: [{ type: 'escalate', to: 'supervisor' }],
      },
      {
        id: 'no-follow-up-3d-pool',
        description: '3 个工作日未跟进 → 回收公海',
        entity: 'lead',
        startOn: ['lead.assigned'],
        stopOn: STOP,
        target: '24h',
        clock: 'business',
        onBreach: [{ type: 'returnToPool' }],
      },
    ],
  },
});

/** A Suzhou-park auto-parts lead: the zhikong rules give it to rep-a. */
const parkLead = (at: number, n = 0) =>
  rawLead(at, {
    company: { park: '苏州工业园区', industry: '汽车零部件', name: `园区客户${n}` },
    contact: { phone: `1370000${n.toString().padStart(4, '0')}` },
  });

/** A lead's state as a dot path (`awaitingAssignment.queued`). */
const stateOf = (record: { machine: { value: unknown } } | undefined) =>
  record === undefined ? undefined : stateValueToString(record.machine.value as never);

const followUp = {
  status: 'contacted',
  nextAction: '约技术交流',
  nextContactAt: shanghai('2026-03-20T10:00:00'),
};

async function pooled(context: ReturnType<typeof setup>, n = 0) {
  const result = await context.engine.ingest(parkLead(context.clock.now(), n));
  if (result.status !== 'accepted') throw new Error('not accepted');
  return result.leadId;
}

describe('the ladder: owner → supervisor → pool, in working time', () => {
  it('Monday 10:00 unfollowed: owner warned Tuesday 10:00, supervisor Wednesday 10:00, pool Thursday 10:00', async () => {
    const context = setup({ ruleSet: ladder() });
    const { engine } = context;
    const leadId = await pooled(context);
    expect((await engine.getLead(leadId))?.machine.context.ownerId).toBe('rep-a');
    await engine.advanceTo(shanghai('2026-03-05T09:59:00'));
    expect(stateOf(await engine.getLead(leadId))).toBe('assigned');
    const escalated = await engine.storage.readEvents({
      entityId: leadId,
      types: ['lead.escalated', 'sla.warning'],
    });
    expect(escalated.map((e) => [e.type, e.at])).toEqual([
      ['sla.warning', shanghai('2026-03-03T10:00:00')],
      ['lead.escalated', shanghai('2026-03-04T10:00:00')],
    ]);
    await engine.advanceTo(shanghai('2026-03-05T10:00:00'));
    const record = await engine.getLead(leadId);
    expect(stateOf(record)).toBe('recycled');
    expect(record?.machine.context.ownerId).toBeNull();
    const [recycled] = await engine.storage.readEvents({ entityId: leadId, types: ['lead.recycled'] });
    expect(recycled).toMatchObject({
      at: shanghai('2026-03-05T10:00:00'),
      data: { reason: 'SLA no-follow-up-3d-pool', from: 'rep-a' },
    });
    expect(await engine.leadPool()).toEqual([
      expect.objectContaining({
        leadId,
        since: shanghai('2026-03-05T10:00:00'),
        from: 'rep-a',
        reason: 'SLA no-follow-up-3d-pool',
      }),
    ]);
  });

  it('Friday 17:00: the weekend does not count, the lead goes back Wednesday 17:00', async () => {
    const context = setup({ ruleSet: ladder(), start: '2026-03-06T17:00:00' });
    const leadId = await pooled(context);
    const due = calendar.addBusinessTime(shanghai('2026-03-06T17:00:00'), 24 * HOUR);
    expect(due).toBe(shanghai('2026-03-11T17:00:00'));
    await context.engine.advanceTo(due - MIN);
    expect(stateOf(await context.engine.getLead(leadId))).toBe('assigned');
    await context.engine.advanceTo(due);
    expect(stateOf(await context.engine.getLead(leadId))).toBe('recycled');
  });

  it('a follow-up a minute before the deadline keeps the lead', async () => {
    const context = setup({ ruleSet: ladder() });
    const leadId = await pooled(context);
    await context.engine.advanceTo(shanghai('2026-03-05T09:59:00'));
    await context.engine.recordFollowUp(leadId, followUp);
    await context.engine.advanceTo(shanghai('2026-03-12T10:00:00'));
    expect((await context.engine.getLead(leadId))?.machine.context.ownerId).toBe('rep-a');
    expect(await context.engine.leadPool()).toEqual([]);
  });

  it('returnToPool is refused on an opportunity or task policy, naming the action', () => {
    const rules = ladder();
    const policy = {
      ...rules.sla!.policies![1]!,
      entity: 'opportunity' as const,
      startOn: ['opportunity.stageEntered'],
      stopOn: ['opportunity.won'],
    };
    expect(() => setup({ ruleSet: { ...rules, sla: { policies: [policy] } } })).toThrow(
      /sla\.policies\[0\]\.onBreach\[0\]\.type: "returnToPool" applies to lead policies only/,
    );
  });
});

describe('claiming from the pool', () => {
  async function inPool(context: ReturnType<typeof setup>, n = 0) {
    const leadId = await pooled(context, n);
    await context.engine.dispatch(leadId, { type: 'RECYCLE', reason: '客户要求换人' });
    return leadId;
  }

  it('any rep claims a pooled lead; the claim is logged as by the pool', async () => {
    const context = setup({ ruleSet: ladder() });
    const leadId = await inPool(context);
    expect((await context.engine.leadMetrics()).pool).toEqual({ returned: 1, claimed: 0, waiting: 1 });
    const record = await context.engine.claim(leadId, 'rep-b');
    expect((await context.engine.leadMetrics()).pool).toEqual({ returned: 1, claimed: 1, waiting: 0 });
    expect(record.machine.context).toMatchObject({ ownerId: 'rep-b', assignedBy: 'pool' });
    const events = await context.engine.storage.readEvents({
      entityId: leadId,
      types: ['lead.recycled', 'lead.assigned'],
    });
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['lead.assigned', { repId: 'rep-a', by: 'suzhou-park-auto-parts' }],
      ['lead.recycled', expect.objectContaining({ reason: '客户要求换人', from: 'rep-a' })],
      ['lead.assigned', { repId: 'rep-b', by: 'pool' }],
    ]);
    expect(await context.engine.leadPool()).toEqual([]);
  });

  it('the holding cap (客保数量) refuses a claim beyond it, naming the cap; a closed lead frees a place', async () => {
    const context = setup({ ruleSet: ladder({ holdingCap: 5, holdingCaps: { 'rep-b': 1 } }) });
    const first = await inPool(context, 1);
    const second = await inPool(context, 2);
    await context.engine.claim(first, 'rep-b');
    const refused = await context.engine.claim(second, 'rep-b').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(EngineError);
    expect((refused as EngineError).message).toBe(
      'claim: rep "rep-b" holds 1 open lead, its holding cap (leadPool.holdingCaps.rep-b = 1)',
    );
    expect(stateOf(await context.engine.getLead(second))).toBe('recycled');
    await context.engine.dispatch(first, { type: 'DISQUALIFY', reason: '无效' });
    expect((await context.engine.claim(second, 'rep-b')).machine.context.ownerId).toBe('rep-b');
  });

  it('the former owner waits leadPool.formerOwnerWait before claiming it back', async () => {
    const context = setup({ ruleSet: ladder({ formerOwnerWait: '1d' }) });
    const leadId = await inPool(context);
    await expect(context.engine.claim(leadId, 'rep-a')).rejects.toThrow(
      /claim: rep "rep-a" gave this lead up at .* and may claim it back from 2026-03-03 10:00/,
    );
    context.clock.advanceBy(24 * HOUR);
    expect((await context.engine.claim(leadId, 'rep-a')).machine.context.ownerId).toBe('rep-a');
  });

  it('a lead not in the pool cannot be claimed', async () => {
    const context = setup({ ruleSet: ladder() });
    const leadId = await pooled(context);
    await expect(context.engine.claim(leadId, 'rep-b')).rejects.toThrow(/not accepted in state "assigned"/);
  });

  it('two engines on one store claiming for the same capped rep: one claim wins', async () => {
    const storage = memoryStorage();
    const rules = ladder({ holdingCaps: { 'rep-b': 1 } });
    const a = setup({ ruleSet: rules, storage });
    const b = setup({ ruleSet: rules, storage });
    const first = await inPool(a, 1);
    const second = await inPool(a, 2);
    const outcomes = await Promise.allSettled([
      a.engine.claim(first, 'rep-b'),
      b.engine.claim(second, 'rep-b'),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    // The loser's commit conflicted on the holder key; its retry counted again and met the cap.
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as Error).message).toBe(
      'claim: rep "rep-b" holds 1 open lead, its holding cap (leadPool.holdingCaps.rep-b = 1)',
    );
    const owners = await Promise.all(
      [first, second].map(async (id) => (await a.engine.getLead(id))?.machine.context.ownerId),
    );
    expect(owners.filter((owner) => owner === 'rep-b')).toHaveLength(1);
  });
});

test.prop(
  [
    fc.array(
      fc.record({
        lead: fc.integer({ min: 0, max: 5 }),
        rep: fc.constantFrom('rep-a', 'rep-b', 'rep-c'),
        close: fc.boolean(),
      }),
      {
        minLength: 1,
        maxLength: 25,
      },
    ),
  ],
  { numRuns: 20 },
)('holding caps are never exceeded, whatever the order of claims, releases and closes', async (steps) => {
  const caps = { 'rep-a': 3, 'rep-b': 1, 'rep-c': 2 } as const;
  const context = setup({ ruleSet: ladder({ holdingCaps: caps }) });
  const { engine } = context;
  const ids: string[] = [];
  for (let n = 0; n < 6; n++) {
    const id = await pooled(context, n + 10);
    await engine.dispatch(id, { type: 'RECYCLE', reason: 'test' });
    ids.push(id);
  }
  for (const step of steps) {
    const id = ids[step.lead]!;
    const state = stateOf(await engine.getLead(id));
    if (state === 'recycled') await engine.claim(id, step.rep).catch(() => undefined);
    else if (state === 'assigned' && step.close)
      await engine.dispatch(id, { type: 'RECYCLE', reason: 'release' });
    const held: Record<string, number> = {};
    for (const leadId of ids) {
      const record = await engine.getLead(leadId);
      const owner = record?.machine.context.ownerId;
      if (owner && stateOf(record) === 'assigned' && record?.machine.context.assignedBy === 'pool')
        held[owner] = (held[owner] ?? 0) + 1;
    }
    for (const [rep, count] of Object.entries(held))
      expect(count).toBeLessThanOrEqual(caps[rep as keyof typeof caps]);
  }
});
