import { describe, expect, it } from 'vitest';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import type { Notifier, NotifyResult } from '../../src/adapters/notify/port.js';
import type { OutboxEnqueue } from '../../src/adapters/storage/port.js';
import type { EngineEvents } from '../../src/engine/events.js';
import { deferralsOf } from '../../src/engine/outbox.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { MIN, rawLead, setup } from './helpers.js';

function message(id: string, extra: Partial<OutboxEnqueue> = {}): OutboxEnqueue {
  return {
    id,
    channel: 'wecom',
    to: ['rep-a'],
    payload: {
      text: `提醒 ${id}`,
      subject: '线索提醒',
      template: 'unopened-reminder',
      data: { leadId: `lead-${id}` },
    },
    ...extra,
  };
}

/** A notifier answering every send with `answer` (and recording what it got). */
function answering(name: string, answer: (to: readonly string[]) => NotifyResult) {
  const got: { key: string; to: string[]; text: string }[] = [];
  const notifier: Notifier = {
    name,
    async send(m) {
      got.push({ key: m.idempotencyKey, to: [...m.to], text: m.text });
      return answer(m.to);
    },
  };
  return { notifier, got };
}

function listen<K extends keyof EngineEvents>(
  engine: { on: (n: K, l: (p: EngineEvents[K]) => void) => unknown },
  name: K,
) {
  const heard: EngineEvents[K][] = [];
  engine.on(name, (payload) => heard.push(payload));
  return heard;
}

describe('channels: addresses from the team’s contacts, at delivery time', () => {
  it('wecom gets the WeCom id, sms the mobile number; the stored message keeps the rep id', async () => {
    const wecom = memoryNotifier({ name: 'wecom' });
    const sms = memoryNotifier({ name: 'sms' });
    const { engine, clock } = setup({ notifier: undefined, channels: { wecom, sms } });
    await engine.storage.commit({
      at: clock.now(),
      outbox: [message('m1'), message('m2', { channel: 'sms', to: ['rep-a', 'sup-wang'] })],
    });
    expect(await engine.deliver()).toMatchObject({ sent: 2, dead: 0 });
    expect(wecom.sent.map((m) => m.to)).toEqual([['ZhangWei']]);
    expect(sms.sent.map((m) => m.to)).toEqual([['13800138001', '13900139000']]);
    const [stored] = await engine.storage.listOutbox({ limit: 1 });
    expect(stored?.to).toEqual(['rep-a']);
  });

  it('a recipient without an address is sent on to the fallback channel; the others get the message', async () => {
    const wecom = memoryNotifier({ name: 'wecom' });
    const sms = memoryNotifier({ name: 'sms' });
    const { engine, clock } = setup({ notifier: undefined, channels: { wecom, sms } });
    const forwarded = listen(engine, 'delivery.forwarded');
    // rep-d has no WeCom id (the preset falls back from wecom to sms).
    await engine.storage.commit({ at: clock.now(), outbox: [message('m1', { to: ['rep-a', 'rep-d'] })] });
    await engine.deliver();
    await engine.deliver();
    expect(wecom.sent.map((m) => m.to)).toEqual([['ZhangWei']]);
    expect(sms.sent.map((m) => [m.idempotencyKey, m.to])).toEqual([['m1>sms~unresolved', ['13800138004']]]);
    expect(forwarded).toEqual([
      expect.objectContaining({
        messageId: 'm1',
        channel: 'wecom',
        copyId: 'm1>sms~unresolved',
        recipients: ['rep-d'],
      }),
    ]);
  });

  it('nobody to address and no fallback: a dead letter saying why, never a silent drop', async () => {
    const email = memoryNotifier({ name: 'email' });
    const { engine, clock } = setup({ notifier: undefined, channels: { email } });
    const dead = listen(engine, 'delivery.dead');
    await engine.storage.commit({
      at: clock.now(),
      outbox: [message('m1', { channel: 'email', to: ['rep-b', 'ghost'] })],
    });
    expect(await engine.deliver()).toMatchObject({ sent: 0, dead: 1 });
    const [letter] = await engine.deadLetters();
    expect(letter?.lastError).toBe(
      `[permanent] no recipient has an address on email: rep-b (销售B 李娜) has no email in the team's contacts; "ghost" is not a person of the team (no rep, supervisor or staff member has this id)`,
    );
    expect(dead).toHaveLength(1);
    expect(email.sent).toEqual([]);
  });

  it('some recipients without an address and no fallback: the rest is sent, each missing one reported', async () => {
    const email = memoryNotifier({ name: 'email' });
    const { engine, clock } = setup({ notifier: undefined, channels: { email } });
    const undeliverable = listen(engine, 'delivery.undeliverable');
    await engine.storage.commit({
      at: clock.now(),
      outbox: [message('m1', { channel: 'email', to: ['rep-a', 'rep-b'] })],
    });
    expect(await engine.deliver()).toMatchObject({ sent: 1 });
    expect(undeliverable).toEqual([
      expect.objectContaining({
        messageId: 'm1',
        recipient: 'rep-b',
        reason: "rep-b (销售B 李娜) has no email in the team's contacts",
      }),
    ]);
  });

  it('a group channel (robot) mentions who it can and reaches the group anyway', async () => {
    const board = memoryNotifier({ name: 'board' });
    const { engine, clock } = setup({
      notifier: undefined,
      channels: { board: { notifier: board, group: true, address: ['mobile'] } },
    });
    await engine.storage.commit({
      at: clock.now(),
      outbox: [message('m1', { channel: 'board', to: ['rep-a', 'ghost'] })],
    });
    expect(await engine.deliver()).toMatchObject({ sent: 1, dead: 0 });
    expect(board.sent[0]?.to).toEqual(['13800138001']);
  });
});

describe('channels: failures, hints and fallbacks', () => {
  it('a configuration error raises delivery.configError, keeps kind and code in lastError, and falls back', async () => {
    const wecom = answering('wecom-app', () => ({
      ok: false,
      retryable: false,
      kind: 'config',
      providerCode: '40001',
      error: 'wecom-app gettoken: errcode 40001 invalid credential',
    }));
    const sms = memoryNotifier({ name: 'sms' });
    const { engine, clock } = setup({ notifier: undefined, channels: { wecom: wecom.notifier, sms } });
    const alerts = listen(engine, 'delivery.configError');
    await engine.storage.commit({ at: clock.now(), outbox: [message('m1')] });
    await engine.deliver();
    await engine.deliver();
    expect(alerts).toEqual([
      {
        messageId: 'm1',
        channel: 'wecom',
        error: 'wecom-app gettoken: errcode 40001 invalid credential',
        providerCode: '40001',
        at: clock.now(),
      },
    ]);
    expect(sms.sent.map((m) => [m.idempotencyKey, m.to])).toEqual([['m1>sms', ['13800138001']]]);
    const rows = await engine.storage.listOutbox();
    expect(rows.map((m) => [m.id, m.status])).toEqual([
      ['m1', 'sent'], // dead until its copy was delivered
      ['m1>sms', 'sent'],
    ]);
    expect(rows[0]?.lastError).toMatch(
      /^\[config 40001\] wecom-app gettoken: errcode 40001 invalid credential → sent on to sms as m1>sms$/,
    );
    expect(rows[0]?.result).toEqual({ deliveredAs: 'm1>sms' });
  });

  it('the retry comes no earlier than the provider’s hint', async () => {
    let calls = 0;
    const wecom = answering('wecom', () =>
      ++calls === 1
        ? {
            ok: false,
            retryable: true,
            retryAfterMs: 10 * MIN,
            providerCode: '45009',
            error: 'api freq out of limit',
          }
        : { ok: true },
    );
    const { engine, clock } = setup({ notifier: undefined, channels: { wecom: wecom.notifier } });
    await engine.storage.commit({ at: clock.now(), outbox: [message('m1')] });
    const start = clock.now();
    await engine.deliver();
    const [row] = await engine.storage.listOutbox();
    expect(row).toMatchObject({ status: 'pending', nextAttemptAt: start + 10 * MIN });
    expect(row?.lastError).toBe('[retryable 45009] api freq out of limit');
    await engine.advanceTo(start + 10 * MIN - 1);
    expect(calls).toBe(1);
    await engine.advanceTo(start + 10 * MIN);
    expect(calls).toBe(2);
  });

  it('a provider that stays down hands over after fallbackAfter attempts (WeCom app down → SMS)', async () => {
    const wecom = answering('wecom', () => ({ ok: false, retryable: true, error: 'HTTP 502' }));
    const sms = memoryNotifier({ name: 'sms' });
    const { engine, clock } = setup({
      notifier: undefined,
      channels: { wecom: { notifier: wecom.notifier, fallbackAfter: 2 }, sms },
    });
    await engine.storage.commit({ at: clock.now(), outbox: [message('m1')] });
    await engine.deliver();
    await engine.advanceTo(clock.now() + 10 * MIN);
    expect(wecom.got).toHaveLength(2);
    expect(sms.sent.map((m) => m.idempotencyKey)).toEqual(['m1>sms']);
  });

  it('partial delivery: recipients the provider refused go to the fallback, the message counts as sent', async () => {
    const wecom = answering('wecom-app', (to) => ({
      ok: true,
      providerId: 'msg-1',
      rejected: to.includes('LiNa') ? [{ recipient: 'LiNa', reason: 'invalid user (invaliduser)' }] : [],
    }));
    const sms = memoryNotifier({ name: 'sms' });
    const { engine, clock } = setup({ notifier: undefined, channels: { wecom: wecom.notifier, sms } });
    await engine.storage.commit({ at: clock.now(), outbox: [message('m1', { to: ['rep-a', 'rep-b'] })] });
    await engine.deliver();
    await engine.deliver();
    const [row] = await engine.storage.listOutbox({ limit: 1 });
    expect(row).toMatchObject({
      status: 'sent',
      result: {
        providerId: 'msg-1',
        rejected: [{ recipient: 'rep-b', reason: 'invalid user (invaliduser)' }],
      },
    });
    expect(sms.sent.map((m) => [m.idempotencyKey, m.to])).toEqual([['m1>sms~rejected', ['13800138002']]]);
  });
});

describe('channels: pacing and digests', () => {
  const robot = (notifier: Notifier, extra = {}) => ({
    notifier,
    group: true,
    address: ['mobile' as const],
    limits: [{ limit: 20, windowMs: 60_000 }],
    ...extra,
  });

  it('25 reminders for a 20/min robot: 20 now, 5 a minute later — deferred, not failed', async () => {
    const board = memoryNotifier({ name: 'board' });
    const { engine, clock } = setup({ notifier: undefined, channels: { board: robot(board) } });
    const start = clock.now();
    const ids = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    await engine.storage.commit({ at: start, outbox: ids.map((id) => message(id, { channel: 'board' })) });
    expect(await engine.deliver()).toMatchObject({ sent: 20, deferred: 5, retried: 0 });
    const waiting = await engine.storage.listOutbox({ status: 'pending' });
    expect(waiting.map((m) => m.nextAttemptAt)).toEqual(Array(5).fill(start + 60_000));
    expect(waiting.map(deferralsOf)).toEqual([1, 1, 1, 1, 1]);
    await engine.advanceTo(start + 60_000);
    expect(board.sent).toHaveLength(25);
    const rows = await engine.storage.listOutbox();
    expect(rows.every((m) => m.status === 'sent')).toBe(true);
  });

  it('a deferral does not use up an attempt: a message deferred then failing still gets all its attempts', async () => {
    let failing = false;
    const board = answering('board', () =>
      failing ? { ok: false, retryable: true, error: 'HTTP 503' } : { ok: true },
    );
    const { engine, clock } = setup({
      notifier: undefined,
      channels: { board: robot(board.notifier, { limits: [{ limit: 1, windowMs: 60_000 }] }) },
      delivery: { maxAttempts: 2, backoff: () => 1_000 },
    });
    await engine.storage.commit({
      at: clock.now(),
      outbox: [message('a', { channel: 'board' }), message('b', { channel: 'board' })],
    });
    await engine.deliver(); // a sent, b deferred to the next minute
    failing = true;
    await engine.advanceTo(clock.now() + 60_000); // b: attempt 2 of the claims, failure 1
    const b = (await engine.storage.listOutbox()).find((m) => m.id === 'b')!;
    expect(b).toMatchObject({ status: 'pending', attempts: 2 });
    expect(b.lastError).toBe('[retryable] HTTP 503 (deferred 1× by pacing)');
  });

  it('digest: 300 reminders due at 09:15 for one robot go out as one markdown table, none lost', async () => {
    const board = memoryNotifier({ name: 'board' });
    const { engine, clock } = setup({
      start: '2026-03-02T09:15:00',
      notifier: undefined,
      channels: { board: robot(board, { digest: { windowMs: 60_000, maxRows: 10 } }) },
      links: ({ kind, id }) => `https://crm.example.com/${kind}/${id}`,
    });
    const ids = Array.from({ length: 300 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    await engine.storage.commit({
      at: clock.now(),
      outbox: ids.map((id) => message(id, { channel: 'board' })),
    });
    expect(await engine.deliver()).toMatchObject({ sent: 300 });
    expect(board.sent).toHaveLength(1);
    const digest = board.sent[0]!;
    expect(digest.template).toBe('digest');
    expect(digest.text.split('\n').slice(0, 5)).toEqual([
      '**待处理提醒 300 条**',
      '',
      '| 提醒 | 内容 | 链接 |',
      '| --- | --- | --- |',
      '| 线索提醒 | 提醒 m000 | [查看](https://crm.example.com/lead/lead-m000) |',
    ]);
    expect(digest.text).toContain('另有 290 条未列出。');
    expect((digest.data as { messageIds: string[] }).messageIds.sort()).toEqual(ids);
    const rows = await engine.storage.listOutbox();
    expect(
      rows.every(
        (m) => m.status === 'sent' && (m.result as { digest?: string }).digest === digest.idempotencyKey,
      ),
    ).toBe(true);

    // One more for the same robot in the same minute waits for the window's end, then goes alone.
    await engine.storage.commit({ at: clock.now(), outbox: [message('late', { channel: 'board' })] });
    expect(await engine.deliver()).toMatchObject({ sent: 0, deferred: 1 });
    await engine.advanceTo(clock.now() + 60_000);
    expect(board.sent.map((m) => m.idempotencyKey)).toEqual([digest.idempotencyKey, 'late']);
    expect(board.sent[1]?.text).toBe('提醒 late\n查看详情：https://crm.example.com/lead/lead-late');
  });
});

describe('dead letters: listed and re-driven', () => {
  it('redeliver sends a copy with the same idempotency key, once; the original leaves the dead letters', async () => {
    let broken = true;
    const wecom = answering('wecom', () =>
      broken
        ? { ok: false, retryable: false, kind: 'config', error: 'errcode 93000 invalid webhook url' }
        : { ok: true },
    );
    const { engine, clock } = setup({ notifier: undefined, channels: { wecom: wecom.notifier } });
    await engine.storage.commit({ at: clock.now(), outbox: [message('m1')] });
    await engine.deliver();
    expect((await engine.deadLetters()).map((m) => m.id)).toEqual(['m1']);

    broken = false; // the host fixed the key
    expect(await engine.redeliver('m1')).toEqual({ status: 'enqueued', copyId: 'm1~1' });
    expect(await engine.redeliver('m1')).toEqual({ status: 'pending', copyId: 'm1~1' });
    await engine.deliver();
    expect(wecom.got.map((g) => g.key)).toEqual(['m1', 'm1']); // the provider sees the same notification
    expect(await engine.deadLetters()).toEqual([]);
    expect(await engine.redeliver('m1')).toEqual({ status: 'delivered', copyId: 'm1~1' });
    expect(await engine.redeliver('nope')).toEqual({ status: 'unknown' });
    expect((await engine.storage.listOutbox()).map((m) => [m.id, m.status])).toEqual([
      ['m1', 'sent'],
      ['m1~1', 'sent'],
    ]);
  });
});

describe('channels through the rule set', () => {
  it('routing.kinds sends the 15-minute escalation to the supervisor board and by SMS', async () => {
    const board = memoryNotifier({ name: 'board' });
    const sms = memoryNotifier({ name: 'sms' });
    const wecom = memoryNotifier({ name: 'wecom' });
    const { engine, clock } = setup({
      ruleSet: {
        ...zhikongPreset.ruleSet,
        sla: {
          policies: [
            {
              id: 'unassigned-15m',
              entity: 'lead',
              startOn: ['lead.received'],
              stopOn: ['lead.assigned'],
              target: '15m',
              clock: 'business',
              onBreach: [
                { type: 'notify', channel: 'sms', to: 'supervisor', template: 'unassigned-escalation' },
              ],
            },
          ],
        },
        routing: { kinds: { 'unassigned-escalation': ['board', 'sms'] }, fallbacks: {} },
      },
      team: {
        ...zhikongPreset.team,
        reps: zhikongPreset.team.reps.map((r) =>
          r.id === 'rep-d' ? { ...r, leave: [{ from: '2026-03-01', to: '2026-03-10' }] } : r,
        ),
      },
      notifier: undefined,
      channels: { board: { notifier: board, group: true, address: ['mobile'] }, sms, wecom },
    });
    // Education, and rep-d (the only rep for it) on leave: the supervisor queue.
    await engine.ingest(rawLead(clock.now(), { company: { industry: '教育', name: '某职业学院' } }));
    await engine.advanceTo(clock.now() + 20 * MIN);
    expect(board.sent.map((m) => [m.template, m.to])).toEqual([['unassigned-escalation', ['13900139000']]]);
    expect(sms.sent.map((m) => [m.template, m.to])).toEqual([['unassigned-escalation', ['13900139000']]]);
    expect(sms.sent[0]?.text).toContain('已超过 15 分钟 未分配');
  });
});
