import { describe, expect, it } from 'vitest';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import { EngineError } from '../../src/engine/errors.js';
import { parseTeam } from '../../src/model/team.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { DAY, HOUR, MIN, rawLead, setup, shanghai } from './helpers.js';

describe('engine: intake', () => {
  it('accepts, tags, assigns and records the decision trail', async () => {
    const { engine, clock } = setup();
    const result = await engine.ingest(
      rawLead(clock.now(), { company: { park: '苏州工业园区', industry: '汽车零部件' } }),
    );
    expect(result).toMatchObject({
      status: 'accepted',
      state: 'assigned',
      decision: { kind: 'assign', repId: 'rep-a' },
    });
    if (result.status !== 'accepted') throw new Error('unreachable');
    const trail = await engine.explain(result.leadId);
    expect(trail.ownerId).toBe('rep-a');
    expect(trail.tags).toContain('channel/website_form');
    const rule = trail.decisions[0]?.explanation.assignment.find(
      (r) => r.ruleId === 'suzhou-park-auto-parts',
    );
    expect(rule?.conditions.map((c) => [c.fact, c.factValue])).toEqual([
      ['park', '苏州工业园区'],
      ['industry', '汽车零部件'],
    ]);
    expect(trail.pendingTimers.map((t) => t.timerKey).sort()).toEqual([
      'sla:first-follow-up-24h:breach',
      'sla:first-follow-up-24h:warn',
      'sla:unopened-30m:breach',
    ]);
  });

  it('quarantines malformed payloads with field paths and keeps working', async () => {
    const { engine, clock } = setup();
    const quarantinedIds: string[] = [];
    engine.on('lead.quarantined', (event) => quarantinedIds.push(event.quarantineId));
    const bad = [
      { ...rawLead(clock.now()), channel: 42 },
      { ...rawLead(clock.now()), company: undefined },
      { ...rawLead(clock.now()), need: 'x'.repeat(10 * 1024 * 1024) },
      JSON.parse(
        '{"receivedAt": 1772416800000, "channel": "api", "company": {"name": "x", "region": "y", "industry": "z"}, "contact": {}, "custom": {"__proto__": {"polluted": true}}}',
      ),
      null,
      'not even an object',
    ];
    const results = [];
    for (const payload of bad) results.push(await engine.ingest(payload));
    expect(results.every((r) => r.status === 'quarantined')).toBe(true);
    const paths = results.map((r) => (r.status === 'quarantined' ? r.record.issues.map((i) => i.path) : []));
    expect(paths[0]).toContain('channel');
    expect(paths[1]).toContain('company');
    expect(paths[2]).toContain('need');
    expect(paths[3]?.some((p) => p.startsWith('custom'))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const stored = await engine.quarantined();
    expect(stored).toHaveLength(6);
    expect(stored.map((r) => r.id)).toEqual(quarantinedIds);
    // The 10 MB payload is kept, bounded, and marked as truncated.
    expect(stored[2]?.raw).toMatchObject({ truncated: true });
    const good = await engine.ingest(rawLead(clock.now()));
    expect(good.status).toBe('accepted');
  });

  it('merges duplicates by phone into the open lead and counts them', async () => {
    const { engine, clock } = setup();
    const first = await engine.ingest(rawLead(clock.now(), { contact: { phone: '13900000001' } }));
    const again = await engine.ingest(
      rawLead(clock.now(), {
        channel: 'hotline_400',
        contact: { phone: '13900000001' },
        behaviours: [{ type: 'download', at: clock.now() - MIN, asset: '白皮书' }],
      }),
    );
    expect(first.status).toBe('accepted');
    if (first.status !== 'accepted') throw new Error('unreachable');
    expect(again).toEqual({
      status: 'merged',
      leadId: first.leadId,
      duplicateOf: first.leadId,
      matchedOn: 'phone',
    });
    const record = await engine.getLead(first.leadId);
    expect(record?.duplicates).toBe(1);
    expect(record?.lead.behaviours).toHaveLength(1);
  });
});

describe('engine: SLA timers and escalation', () => {
  it('escalates an unassigned lead to the supervisor with an SMS after 15 business minutes', async () => {
    const { engine, clock, notifier } = setup({ start: '2026-03-02T17:55:00' });
    // Education goes to D only; D at capacity → supervisor queue.
    for (let i = 0; i < 10; i++) {
      await engine.ingest(
        rawLead(clock.now(), { company: { industry: '教育' }, contact: { phone: `1370000000${i}` } }),
      );
    }
    const queued = await engine.ingest(
      rawLead(clock.now(), { company: { industry: '教育' }, contact: { phone: '13711111111' } }),
    );
    expect(queued).toMatchObject({
      status: 'accepted',
      state: 'awaitingAssignment.queued',
      decision: { kind: 'queue' },
    });
    if (queued.status !== 'accepted') throw new Error('unreachable');
    const breaches: string[] = [];
    engine.on('sla.breached', (event) => {
      if (event.entityId === queued.leadId)
        breaches.push(`${event.policyId}@${new Date(event.at).toISOString()}`);
    });
    // Monday 17:55: 5 business minutes left today, 10 more from Tuesday 09:00.
    await engine.advanceTo(shanghai('2026-03-03T09:09:00'));
    expect(breaches).toEqual([]);
    await engine.advanceTo(shanghai('2026-03-03T09:11:00'));
    expect(breaches).toEqual([`unassigned-15m@${new Date(shanghai('2026-03-03T09:10:00')).toISOString()}`]);
    const sms = notifier.sent.filter((message) => message.channel === 'sms');
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ to: ['sup-wang'] });
    expect(sms[0]?.text).toContain('未分配');
    const trail = await engine.explain(queued.leadId);
    expect(trail.escalations).toEqual([
      { policyId: 'unassigned-15m', to: 'supervisor', at: shanghai('2026-03-03T09:10:00') },
    ]);
  });

  it('sends the 30-minute unopened WeCom reminder with the behaviour snapshot, and not once opened', async () => {
    const { engine, clock, notifier } = setup();
    const a = await engine.ingest(
      rawLead(clock.now(), {
        contact: { phone: '13600000001' },
        behaviours: [
          { type: 'page_view', at: clock.now() - 5 * MIN, url: '/sensors' },
          { type: 'video_watch', at: clock.now() - 4 * MIN, seconds: 95 },
        ],
      }),
    );
    const b = await engine.ingest(rawLead(clock.now(), { contact: { phone: '13600000002' } }));
    if (
      a.status !== 'accepted' ||
      b.status !== 'accepted' ||
      a.decision.kind !== 'assign' ||
      b.decision.kind !== 'assign'
    ) {
      throw new Error('fixture');
    }
    clock.advanceBy(10 * MIN);
    await engine.open(b.leadId, b.decision.repId);
    await engine.advanceTo(clock.now() + HOUR);
    const reminders = notifier.sent.filter((m) => m.template === 'unopened-reminder');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.to).toEqual([a.decision.repId]);
    expect(reminders[0]?.text).toContain('浏览 1 页（/sensors ×1）; 视频 95 秒');
  });

  it('rejects a follow-up without the three required fields, naming them', async () => {
    const { engine, clock } = setup();
    const lead = await engine.ingest(rawLead(clock.now()));
    if (lead.status !== 'accepted') throw new Error('fixture');
    await expect(engine.recordFollowUp(lead.leadId, { status: '已联系' })).rejects.toThrow(
      /missing nextAction, nextContactAt/,
    );
    await expect(engine.recordFollowUp(lead.leadId, { status: '已联系' })).rejects.toBeInstanceOf(
      EngineError,
    );
    const record = await engine.getLead(lead.leadId);
    expect(record?.machine.context.followUps).toEqual([]);
  });

  it('moves the lead with a preset outcome and recycles it when incubation expires', async () => {
    const { engine, clock } = setup();
    const lead = await engine.ingest(rawLead(clock.now()));
    if (lead.status !== 'accepted' || lead.decision.kind !== 'assign') throw new Error('fixture');
    await engine.open(lead.leadId, lead.decision.repId);
    await engine.recordFollowUp(lead.leadId, {
      status: '客户预算冻结',
      nextAction: '季度末再联系',
      outcome: 'on-hold',
    });
    expect((await engine.getLead(lead.leadId))?.machine.value).toBe('nurturing');
    await engine.advanceTo(clock.now() + 61 * DAY);
    expect((await engine.getLead(lead.leadId))?.machine.value).toBe('recycled');
  });

  it('offers urgent tenders to all; a non-offered rep cannot claim; the first claim wins', async () => {
    // rep-f only handles hotline leads, so the offer of a web-form lead skips them.
    const team = parseTeam({
      ...zhikongPreset.team,
      reps: zhikongPreset.team.reps.map((rep) =>
        rep.id === 'rep-f' ? { ...rep, channels: ['hotline_400'] } : rep,
      ),
    });
    const { engine, clock } = setup({ team });
    const tender = await engine.ingest(rawLead(clock.now(), { priority: 'urgent', tags: ['tender'] }));
    expect(tender).toMatchObject({ state: 'awaitingAssignment.offered', decision: { kind: 'offer' } });
    if (tender.status !== 'accepted') throw new Error('fixture');
    await expect(engine.claim(tender.leadId, 'nobody')).rejects.toThrow(/rep "nobody" is not in the team/);
    await expect(engine.claim(tender.leadId, 'rep-f')).rejects.toThrow(
      /CLAIM is not accepted .*offered to: rep-a/,
    );
    await engine.claim(tender.leadId, 'rep-c');
    await expect(engine.claim(tender.leadId, 'rep-b')).rejects.toThrow(/not accepted in state "assigned"/);
    expect((await engine.getLead(tender.leadId))?.machine.context.ownerId).toBe('rep-c');
  });

  it('falls through to the next rule when nobody claims the offer in time', async () => {
    const { engine, clock } = setup();
    const tender = await engine.ingest(rawLead(clock.now(), { priority: 'urgent', tags: ['tender'] }));
    if (tender.status !== 'accepted') throw new Error('fixture');
    await engine.advanceTo(clock.now() + 11 * MIN);
    const record = await engine.getLead(tender.leadId);
    expect(record?.machine.value).toBe('assigned');
    expect(record?.decisions.at(-1)?.decision).toMatchObject({ kind: 'assign', ruleId: 'similar-wins' });
  });
});

describe('engine: manual assignment', () => {
  it('refuses to assign a queued lead to a rep on leave, naming the leave', async () => {
    const team = parseTeam({
      ...zhikongPreset.team,
      reps: zhikongPreset.team.reps.map((rep) =>
        rep.id === 'rep-d'
          ? { ...rep, dailyCapacity: 0 }
          : rep.id === 'rep-e'
            ? { ...rep, leave: [{ from: '2026-03-01', to: '2026-03-03' }] }
            : rep,
      ),
    });
    const { engine, clock } = setup({ team });
    const queued = await engine.ingest(rawLead(clock.now(), { company: { industry: '教育' } }));
    if (queued.status !== 'accepted') throw new Error('fixture');
    expect(queued.state).toBe('awaitingAssignment.queued');
    await expect(engine.assign(queued.leadId, 'rep-e', 'sup-wang')).rejects.toThrow(
      'assign: rep "rep-e" is on leave 2026-03-01..2026-03-03',
    );
    await engine.assign(queued.leadId, 'rep-f', 'sup-wang');
    expect((await engine.getLead(queued.leadId))?.machine.context.ownerId).toBe('rep-f');
  });
});

describe('engine: robustness', () => {
  it('keeps working when a host listener throws, and reports it', async () => {
    const { engine, clock } = setup();
    const errors: string[] = [];
    engine.on('lead.assigned', () => {
      throw new Error('host bug');
    });
    engine.on('listener.error', (event) => errors.push(`${event.event}: ${(event.error as Error).message}`));
    const result = await engine.ingest(rawLead(clock.now()));
    expect(result.status).toBe('accepted');
    expect(errors).toEqual(['lead.assigned: host bug']);
    expect(
      (await engine.ingest(rawLead(clock.now() + 1, { contact: { phone: '13500000009' } }))).status,
    ).toBe('accepted');
  });

  it('retries a failing notifier and delivers each message exactly once', async () => {
    const notifier = memoryNotifier({ failFirst: 2 });
    const { engine, clock } = setup({ notifier });
    await engine.ingest(rawLead(clock.now()));
    await engine.advanceTo(clock.now() + 2 * DAY);
    const sent = notifier.sent.map((m) => m.idempotencyKey);
    expect(new Set(sent).size).toBe(sent.length);
    const outbox = await engine.storage.listOutbox();
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox.every((m) => m.status === 'sent')).toBe(true);
    expect(sent.sort()).toEqual(outbox.map((m) => m.id).sort());
  });

  it('continues on the same storage from a fresh engine (graceful restart: no gap in the ids)', async () => {
    const storage = memoryStorage();
    const first = setup({ storage });
    const lead = await first.engine.ingest(rawLead(first.clock.now()));
    if (lead.status !== 'accepted' || lead.decision.kind !== 'assign') throw new Error('fixture');
    await first.engine.stop();
    const second = setup({ storage, start: '2026-03-02T10:05:00' });
    await second.engine.open(lead.leadId, lead.decision.repId);
    const next = await second.engine.ingest(
      rawLead(second.clock.now(), { contact: { phone: '13400000000' } }),
    );
    expect(next).toMatchObject({ status: 'accepted', leadId: 'lead-0000002' });
  });

  it('after a crash (no stop), a fresh engine starts a new id block: ids stay unique, with a gap', async () => {
    const storage = memoryStorage();
    const first = setup({ storage, idBlockSize: 10 });
    await first.engine.ingest(rawLead(first.clock.now()));
    const second = setup({ storage, start: '2026-03-02T10:05:00', idBlockSize: 10 });
    const next = await second.engine.ingest(
      rawLead(second.clock.now(), { contact: { phone: '13400000000' } }),
    );
    expect(next).toMatchObject({ status: 'accepted', leadId: 'lead-0000011' });
    const again = await first.engine.ingest(
      rawLead(first.clock.now(), { contact: { phone: '13500000000' } }),
    );
    expect(again).toMatchObject({ status: 'accepted', leadId: 'lead-0000002' });
  });
});
