/**
 * Seed 003: 紧急标案→全员弹窗，先抢先得. An urgent tender is offered to every rep of the pool at
 * once: each offered rep gets the offer through the outbox, naming the lead and the claim
 * deadline; the first claim before the deadline takes the lead and nothing more is sent; when
 * nobody claims in time the supervisor hears of it and the lead goes on to the next rule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutboxMessage } from '../../src/adapters/storage/port.js';
import type { Engine } from '../../src/engine/engine.js';
import type { EngineEvents } from '../../src/engine/events.js';
import { tryCompileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { MIN, rawLead, setup, shanghai } from './helpers.js';

const EVERYONE = ['rep-a', 'rep-b', 'rep-c', 'rep-d', 'rep-e', 'rep-f'];
const OFFERED_AT = shanghai('2026-03-02T10:00:00');
const DEADLINE = OFFERED_AT + 10 * MIN;

type Broadcast = Extract<
  NonNullable<NonNullable<RuleSetInput['assignment']>['rules']>[number]['strategy'],
  { type: 'broadcast' }
>;

/** zhikong with its urgent-tender broadcast changed (`first`: the rules to put before the rest). */
function zhikongWith(
  strategy: Partial<Broadcast> = {},
  extra: Partial<RuleSetInput> = {},
  first: NonNullable<NonNullable<RuleSetInput['assignment']>['rules']> = [],
): RuleSetInput {
  const ruleSet = structuredClone(zhikongPreset.ruleSet) as RuleSetInput;
  const rules = ruleSet.assignment?.rules ?? [];
  const tender = rules[0]!;
  if (tender.strategy.type !== 'broadcast')
    throw new Error('fixture: the first zhikong rule is the broadcast');
  const { pool, ...rest } = tender.strategy;
  // Inline reps replace the pool (a strategy names one or the other).
  tender.strategy = { ...rest, ...(strategy.repIds ? {} : { pool }), ...strategy };
  ruleSet.assignment = { ...ruleSet.assignment, rules: [...first, ...rules] };
  return { ...ruleSet, ...extra };
}

async function tender(engine: Engine, at: number): Promise<string> {
  const result = await engine.ingest(rawLead(at, { priority: 'urgent', tags: ['tender'] }));
  if (result.status !== 'accepted' || result.decision.kind !== 'offer')
    throw new Error('fixture: not offered');
  return result.leadId;
}

/** The outbox messages of the lead's offers (the SLA reminders of the preset left out). */
async function offerMessages(engine: Engine, leadId: string): Promise<OutboxMessage[]> {
  const rows = await engine.storage.listOutbox();
  return rows.filter((row) => row.id.startsWith(`${leadId}:offer:`)).sort((a, b) => (a.id < b.id ? -1 : 1));
}

const textOf = (row: OutboxMessage | undefined) => (row?.payload as { text?: string } | undefined)?.text;
const toReps = (rows: readonly OutboxMessage[]) => rows.filter((row) => !row.id.includes(':expired:'));
const escalations = (rows: readonly OutboxMessage[]) => rows.filter((row) => row.id.includes(':expired:'));

function listen<K extends keyof EngineEvents>(engine: Engine, name: K): EngineEvents[K][] {
  const heard: EngineEvents[K][] = [];
  engine.on(name, (payload) => {
    heard.push(payload);
  });
  return heard;
}

describe('紧急标案→全员弹窗: every offered rep hears of the offer', () => {
  it('one WeCom message per offered rep, naming the lead and the claim deadline in local time', async () => {
    const { engine } = setup();
    const offered = listen(engine, 'lead.offered');
    const leadId = await tender(engine, OFFERED_AT);
    const rows = await offerMessages(engine, leadId);
    expect(offered).toMatchObject([{ leadId, repIds: EVERYONE, ruleId: 'urgent-tender' }]);
    expect(rows.map((row) => [row.id, row.channel, row.to])).toEqual(
      EVERYONE.map((repId) => [`${leadId}:offer:1:${repId}:wecom`, 'wecom', [repId]]),
    );
    for (const row of rows) {
      expect(row.payload).toMatchObject({
        subject: '抢单：紧急线索',
        template: 'broadcast-offer',
        data: { leadId, ruleId: 'urgent-tender', repId: row.to[0], offerExpiresAt: DEADLINE },
      });
      const text = textOf(row);
      expect(text).toContain('苏州精工');
      expect(text).toContain('2026-03-02 10:10 前认领');
    }
  });

  it('in English with `language: "en"`; a rule set’s own template reads the rep and the offer', async () => {
    const english = setup({ ruleSet: zhikongWith({}, { language: 'en' }) });
    const [row] = await offerMessages(english.engine, await tender(english.engine, OFFERED_AT));
    expect(textOf(row)).toBe(
      'Lead "苏州精工" (website_form) is offered to 6 reps, first to claim wins: claim it before 2026-03-02 10:10.',
    );

    const own = setup({
      ruleSet: zhikongWith(
        { claimTimeout: '90s', notify: { template: 'tender-popup' } },
        {
          templates: {
            'tender-popup': { text: '{{rep.name}}：{{lead.company.name}} 截止 {{offer.deadline}}' },
          },
        },
      ),
    });
    const rows = await offerMessages(own.engine, await tender(own.engine, OFFERED_AT));
    expect(textOf(rows[0])).toBe('销售A 张伟：苏州精工 截止 2026-03-02 10:01:30');
    expect(rows[0]?.channel).toBe('wecom');
  });

  it('routing.kinds sends the offer on each channel it names, one id per rep and channel', async () => {
    const { engine } = setup({
      ruleSet: zhikongWith({}, { routing: { kinds: { 'broadcast-offer': ['wecom', 'board'] } } }),
    });
    const leadId = await tender(engine, OFFERED_AT);
    const rows = await offerMessages(engine, leadId);
    expect(rows).toHaveLength(2 * EVERYONE.length);
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    expect(rows.filter((row) => row.channel === 'board').map((row) => row.to[0])).toEqual(EVERYONE);
  });

  it('an unknown template is a compile error naming the rule path', () => {
    const result = tryCompileRuleSet(
      zhikongWith({ notify: { template: 'no-such' }, onExpiry: { template: 'nor-this' } }),
      { team: zhikongPreset.team },
    );
    expect(result.ok ? [] : result.problems).toEqual([
      { path: 'assignment.rules[0].strategy.notify.template', message: 'unknown template "no-such"' },
      { path: 'assignment.rules[0].strategy.onExpiry.template', message: 'unknown template "nor-this"' },
    ]);
  });
});

describe('先抢先得: a claim in time ends it; an unclaimed offer is escalated and falls through', () => {
  it('a claim before the deadline takes the lead and nothing further is sent', async () => {
    const { engine, clock } = setup();
    const expired = listen(engine, 'lead.offerExpired');
    const leadId = await tender(engine, OFFERED_AT);
    await engine.advanceTo(OFFERED_AT + 3 * MIN);
    await engine.claim(leadId, 'rep-c');
    await engine.advanceTo(clock.now() + 30 * MIN);
    const rows = await offerMessages(engine, leadId);
    expect(toReps(rows)).toHaveLength(EVERYONE.length);
    expect(escalations(rows)).toEqual([]);
    expect(expired).toEqual([]);
    expect(await engine.storage.readEvents({ entityId: leadId, types: ['lead.offerExpired'] })).toEqual([]);
    expect((await engine.getLead(leadId))?.machine.context).toMatchObject({
      ownerId: 'rep-c',
      assignedBy: 'claim',
    });
  });

  it('unclaimed at 10:10: logged, the supervisor is told, then the next rule assigns; runDue again adds nothing', async () => {
    const { engine, clock, notifier } = setup();
    const expired = listen(engine, 'lead.offerExpired');
    const leadId = await tender(engine, OFFERED_AT);
    await engine.advanceTo(DEADLINE - 1);
    expect(escalations(await offerMessages(engine, leadId))).toEqual([]);
    clock.advanceTo(DEADLINE);
    await engine.runDue();

    const rows = await offerMessages(engine, leadId);
    expect(escalations(rows).map((row) => [row.id, row.channel, row.to])).toEqual([
      [`${leadId}:offer:1:expired:wecom`, 'wecom', ['sup-wang']],
    ]);
    expect(escalations(rows)[0]?.payload).toMatchObject({
      subject: '抢单无人认领',
      template: 'broadcast-offer-expired',
      data: { leadId, ruleId: 'urgent-tender', repIds: EVERYONE, offerExpiresAt: DEADLINE },
    });
    expect(textOf(escalations(rows)[0])).toContain('10 分钟内（截止 2026-03-02 10:10）无人认领');
    expect(expired).toEqual([
      {
        leadId,
        repIds: EVERYONE,
        ruleId: 'urgent-tender',
        at: DEADLINE,
        expiresAt: DEADLINE,
        escalatedTo: ['sup-wang'],
      },
    ]);
    const events = await engine.storage.readEvents({ entityId: leadId });
    const types = events.map((event) => event.type);
    // Logged before the fall-through's assignment.
    expect(types.indexOf('lead.offerExpired')).toBeLessThan(types.indexOf('lead.assigned'));
    expect(events.find((event) => event.type === 'lead.offerExpired')?.data).toEqual({
      repIds: EVERYONE,
      ruleId: 'urgent-tender',
      expiresAt: DEADLINE,
      escalatedTo: ['sup-wang'],
    });
    const record = await engine.getLead(leadId);
    expect(record?.machine.value).toBe('assigned');
    expect(record?.decisions.at(-1)?.decision).toMatchObject({ kind: 'assign', ruleId: 'similar-wins' });

    await engine.runDue();
    await engine.advanceTo(clock.now() + 2 * MIN);
    await engine.runDue();
    expect(await offerMessages(engine, leadId)).toHaveLength(EVERYONE.length + 1);
    expect(expired).toHaveLength(1);
    await engine.deliver();
    const keys = notifier.sent.map((m) => m.idempotencyKey).filter((key) => key.includes(':offer:'));
    expect(keys).toHaveLength(EVERYONE.length + 1);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('onExpiry.escalateTo "none": logged and told to the host, no message, still falls through', async () => {
    const { engine } = setup({ ruleSet: zhikongWith({ onExpiry: { escalateTo: 'none' } }) });
    const expired = listen(engine, 'lead.offerExpired');
    const leadId = await tender(engine, OFFERED_AT);
    await engine.advanceTo(DEADLINE);
    expect(escalations(await offerMessages(engine, leadId))).toEqual([]);
    expect(expired).toMatchObject([{ leadId, escalatedTo: [] }]);
    expect((await engine.getLead(leadId))?.machine.value).toBe('assigned');
  });

  it('a second broadcast of the same lead is offer 2: its ids do not collide with the first', async () => {
    const { engine } = setup({
      ruleSet: zhikongWith({}, {}, [
        {
          id: 'urgent-tender-inner-circle',
          when: { all: [{ fact: 'tags', operator: 'contains', value: 'urgent-tender' }] },
          strategy: { type: 'broadcast', repIds: ['rep-a', 'rep-b'], claimTimeout: '5m' },
        },
      ]),
    });
    const leadId = await tender(engine, OFFERED_AT);
    await engine.advanceTo(OFFERED_AT + 5 * MIN); // the inner circle's 5 minutes pass: everyone is offered
    await engine.advanceTo(OFFERED_AT + 15 * MIN); // and their 10
    const ids = (await offerMessages(engine, leadId)).map((row) => row.id);
    expect(ids).toEqual(
      [
        ...['rep-a', 'rep-b'].map((repId) => `${leadId}:offer:1:${repId}:wecom`),
        `${leadId}:offer:1:expired:wecom`,
        ...EVERYONE.map((repId) => `${leadId}:offer:2:${repId}:wecom`),
        `${leadId}:offer:2:expired:wecom`,
      ].sort(),
    );
    expect((await engine.getLead(leadId))?.machine.value).toBe('assigned');
  });
});

describe('the deadline instant belongs to the expiry (offerDue: at ≥ offerExpiresAt)', () => {
  it('a claim 1 ms before the deadline wins, even when the scheduler runs late', async () => {
    const { engine, clock } = setup();
    const leadId = await tender(engine, OFFERED_AT);
    clock.advanceTo(DEADLINE - 1);
    await engine.claim(leadId, 'rep-b');
    await engine.advanceTo(DEADLINE + MIN);
    expect((await engine.getLead(leadId))?.machine.context.ownerId).toBe('rep-b');
    expect(escalations(await offerMessages(engine, leadId))).toEqual([]);
  });

  it('a claim exactly at the deadline is late though the timer has not fired yet; the expiry then escalates', async () => {
    const { engine, clock } = setup();
    const leadId = await tender(engine, OFFERED_AT);
    clock.advanceTo(DEADLINE);
    await expect(engine.claim(leadId, 'rep-b')).rejects.toThrow(
      /CLAIM is not accepted in state "awaitingAssignment.offered" \(offered to: .*; the claim window closed at 2026-03-02T02:10:00.000Z\)/,
    );
    expect((await engine.getLead(leadId))?.machine.value).toEqual({ awaitingAssignment: 'offered' });
    await engine.runDue();
    expect(escalations(await offerMessages(engine, leadId))).toHaveLength(1);
    expect((await engine.getLead(leadId))?.machine.context.assignedBy).toBe('similar-wins');
  });

  it('a claim 1 ms after the deadline is refused whether or not the expiry has run', async () => {
    for (const runFirst of [false, true]) {
      const { engine, clock } = setup();
      const leadId = await tender(engine, OFFERED_AT);
      if (runFirst) await engine.advanceTo(DEADLINE + 1);
      else clock.advanceTo(DEADLINE + 1);
      await expect(engine.claim(leadId, 'rep-b')).rejects.toMatchObject({ code: 'EVENT_NOT_ACCEPTED' });
      await engine.advanceTo(DEADLINE + MIN);
      expect(escalations(await offerMessages(engine, leadId))).toHaveLength(1);
      expect((await engine.getLead(leadId))?.machine.context.assignedBy).not.toBe('claim');
    }
  });
});

describe('property: messages = offered reps; escalation iff nobody claimed before the deadline', () => {
  it('holds for any set of offered reps, claimant and claim time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(EVERYONE, { minLength: 1 }),
        fc.option(
          fc.record({
            who: fc.nat(),
            // Any time up to 12 minutes, and often within 2 ms of the 10-minute deadline.
            offset: fc.oneof(
              fc.integer({ min: 0, max: 12 * MIN }),
              fc.integer({ min: -2, max: 2 }).map((ms) => 10 * MIN + ms),
            ),
            runDueFirst: fc.boolean(),
          }),
          { nil: undefined },
        ),
        async (reps, claim) => {
          const { engine, clock } = setup({ ruleSet: zhikongWith({ repIds: reps }) });
          const leadId = await tender(engine, OFFERED_AT);
          let claimed = false;
          if (claim !== undefined) {
            const { offset } = claim;
            const repId = reps[claim.who % reps.length]!;
            if (claim.runDueFirst) await engine.advanceTo(OFFERED_AT + offset);
            else clock.advanceTo(OFFERED_AT + offset);
            const inTime = offset < 10 * MIN;
            try {
              await engine.claim(leadId, repId);
              claimed = true;
            } catch {
              claimed = false;
            }
            expect(claimed).toBe(inTime);
          }
          await engine.advanceTo(OFFERED_AT + 20 * MIN);
          await engine.runDue();
          const rows = await offerMessages(engine, leadId);
          expect(
            toReps(rows)
              .map((row) => row.to[0])
              .sort(),
          ).toEqual([...reps].sort());
          expect(escalations(rows)).toHaveLength(claimed ? 0 : 1);
          const logged = await engine.storage.readEvents({ entityId: leadId, types: ['lead.offerExpired'] });
          expect(logged).toHaveLength(claimed ? 0 : 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('an expired offer is an SLA event', () => {
  it('a policy can start on lead.offerExpired: after an unclaimed offer, the fall-through assignment is timed', async () => {
    const policy = {
      id: 'assign-after-unclaimed',
      description: '抢单超时后 5 分钟内完成分配',
      entity: 'lead' as const,
      startOn: ['lead.offerExpired'],
      stopOn: ['lead.assigned', 'lead.queued'],
      target: '5m',
      clock: 'business' as const,
      onBreach: [{ type: 'escalate' as const, to: 'supervisor' as const }],
    };
    const ruleSet = zhikongWith(
      {},
      { sla: { policies: [...(zhikongPreset.ruleSet.sla?.policies ?? []), policy] } },
    );
    const { engine } = setup({ ruleSet, start: '2026-03-02T10:00:00' });
    const leadId = await tender(engine, OFFERED_AT);
    await engine.advanceTo(DEADLINE + MIN);
    const outcomes = await engine.storage.readEvents({
      entityId: leadId,
      types: ['sla.met', 'sla.breached'],
    });
    expect(outcomes.filter((e) => (e.data as { policyId: string }).policyId === policy.id)).toEqual([
      expect.objectContaining({ type: 'sla.met', at: DEADLINE }),
    ]);
  });
});
