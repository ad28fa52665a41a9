import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import { wecomRobotBody, wecomRobotNotifier } from '../../../src/adapters/notify/wecom-robot.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import { startWecomRobotFake, type WecomRobotFake } from './fakes/wecom-robot.js';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';

runNotifierContract(
  'wecomRobotNotifier (loopback WeCom robot)',
  async () => {
    const fake = await startWecomRobotFake({ keys: [KEY] });
    onTestFinished(() => fake.close());
    return {
      notifier: wecomRobotNotifier({ key: KEY, baseUrl: fake.url }),
      deliveries: () => fake.delivered.length,
      stall: () => fake.server.stall(),
    };
  },
  { channel: 'wecom', to: ['rep-1'] },
);

let open: WecomRobotFake[] = [];
afterEach(async () => {
  await Promise.all(open.map((f) => f.close()));
  open = [];
});

async function setup(options: { now?: () => number; limitPerMinute?: number } = {}) {
  const fake = await startWecomRobotFake({ keys: [KEY], ...options });
  open.push(fake);
  return fake;
}

let counter = 0;
const message = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `wecom-robot-${++counter}`,
  channel: 'wecom',
  to: ['13800001111'],
  text: '线索 L-1（苏州工业园区，汽车零部件）30 分钟未打开',
  ...extra,
});

describe('wecomRobotNotifier: what the robot receives', () => {
  it('a rep given by mobile number is @-mentioned through mentioned_mobile_list in a text message', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url });
    const result = await notifier.send(message({ to: ['13800001111', 'zhangsan'], subject: '线索待处理' }));
    expect(result).toEqual({ ok: true });
    expect(fake.delivered[0]?.body).toEqual({
      msgtype: 'text',
      text: {
        content: '线索待处理\n线索 L-1（苏州工业园区，汽车零部件）30 分钟未打开',
        mentioned_list: ['zhangsan'],
        mentioned_mobile_list: ['13800001111'],
      },
    });
  });

  it('a digest with a table goes as markdown_v2; other markdown as markdown with <@userid> mentions', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url });
    const table = '| 线索 | 等待 |\n|---|---|\n| L-1 | 32 分钟 |\n| L-2 | 17 分钟 |';
    await notifier.send(message({ to: ['supervisor-board'], subject: '09:15 待分配', text: table }));
    await notifier.send(
      message({ to: ['zhangsan'], text: '**L-1** 等待 [打开](https://crm.example.com/l/1)' }),
    );
    expect(fake.delivered.map((d) => d.body)).toEqual([
      { msgtype: 'markdown_v2', markdown_v2: { content: `# 09:15 待分配\n${table}` } },
      {
        msgtype: 'markdown',
        markdown: { content: '**L-1** 等待 [打开](https://crm.example.com/l/1)\n<@zhangsan>' },
      },
    ]);
  });

  it('a phone mention wins over markdown in auto mode (only text can mention by phone); @all too', () => {
    expect(wecomRobotBody(message({ to: ['13800001111'], text: '**bold**' }), 'auto').msgtype).toBe('text');
    expect(wecomRobotBody(message({ to: ['@all'], text: '| a | b |\n|---|---|' }), 'auto')).toMatchObject({
      msgtype: 'text',
      text: { mentioned_list: ['@all'] },
    });
    expect(wecomRobotBody(message({ to: ['13800001111'] }), 'markdown')).toMatchObject({
      msgtype: 'markdown',
    });
  });

  it('cuts texts to the byte limits (2048 text, 4096 markdown), ending in …, and the robot accepts them', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url });
    const long = '线索'.repeat(2000); // 12,000 bytes
    expect(await notifier.send(message({ text: long }))).toEqual({ ok: true });
    expect(await notifier.send(message({ to: [], text: `# 汇总\n${long}` }))).toEqual({ ok: true });
    const [text, markdown] = fake.delivered.map((d) => JSON.stringify(d.body));
    expect(Buffer.byteLength(JSON.parse(text!).text.content)).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(JSON.parse(markdown!).markdown.content)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(text!).text.content.endsWith('…')).toBe(true);
  });
});

describe('wecomRobotNotifier: 20 messages per minute per robot', () => {
  it('at the 09:15 burst sends 20, refuses the rest locally with a retry hint, and the robot rejects nothing', async () => {
    let t = Date.parse('2025-02-05T09:15:00+08:00');
    const now = () => t;
    const fake = await setup({ now });
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url, now });
    const burst = Array.from({ length: 25 }, () => message());
    const first = [];
    for (const m of burst) first.push(await notifier.send(m));
    expect(first.filter((r) => r.ok)).toHaveLength(20);
    const refused = first.filter((r) => !r.ok);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r).toMatchObject({ ok: false, retryable: true });
      if (!r.ok) expect(r.retryAfterMs).toBe(61_000);
    }
    expect(fake.server.requests).toHaveLength(20); // refused ones never left the process
    t += 61_000;
    for (const [i, r] of first.entries())
      if (!r.ok) expect(await notifier.send(burst[i]!)).toEqual({ ok: true });
    expect(fake.delivered).toHaveLength(25);
    expect(fake.rejected).toBe(0);
  });

  test.prop(
    [
      fc.array(
        fc.record({
          gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6_000 })),
          key: fc.integer({ min: 0, max: 30 }),
        }),
        {
          minLength: 1,
          maxLength: 45,
        },
      ),
    ],
    { numRuns: 12 },
  )('under any schedule the robot rejects nothing and no key is delivered twice', async (schedule) => {
    let t = 1_738_717_200_000;
    const now = () => t;
    const fake = await startWecomRobotFake({ keys: [KEY], now });
    try {
      const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url, now });
      const delivered = new Set<string>();
      for (const { gapMs, key } of schedule) {
        t += gapMs;
        const result = await notifier.send(message({ idempotencyKey: `k-${key}` }));
        if (result.ok && !result.duplicate) delivered.add(`k-${key}`);
      }
      expect(fake.rejected).toBe(0);
      const contents = fake.delivered.map((d) => d.body);
      expect(contents).toHaveLength(delivered.size);
    } finally {
      await fake.close();
    }
  });

  it('notifiers of one robot can share a limiter', async () => {
    const { createRateLimiter } = await import('../../../src/adapters/notify/rate-limit.js');
    const t = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000 }, () => t);
    const fake = await setup();
    const a = wecomRobotNotifier({ key: KEY, baseUrl: fake.url, limiter });
    const b = wecomRobotNotifier({ key: KEY, baseUrl: fake.url, limiter });
    const results = [await a.send(message()), await b.send(message()), await a.send(message())];
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
  });
});

describe('wecomRobotNotifier: errors', () => {
  it('93000 (invalid webhook url / key) is a permanent configuration error', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url });
    fake.revokeKey(KEY);
    const result = await notifier.send(message());
    expect(result).toMatchObject({ ok: false, retryable: false, kind: 'config', providerCode: '93000' });
    if (!result.ok)
      expect(result.error).toMatch(/^wecom-robot: errcode 93000 invalid webhook url.*robot key/);
  });

  it('45009 is retryable with a one-minute hint; 45033 and -1 retryable; 40008 and 44004 permanent', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url });
    const cases: [number, boolean][] = [
      [45009, true],
      [45033, true],
      [-1, true],
      [40008, false],
      [44004, false],
    ];
    for (const [errcode, retryable] of cases) {
      fake.server.fail({ json: { errcode, errmsg: `simulated ${errcode}` } });
      const result = await notifier.send(message());
      expect(result).toMatchObject({ ok: false, retryable });
      if (!result.ok && errcode === 45009) expect(result.retryAfterMs).toBe(60_000);
    }
    expect(fake.delivered).toHaveLength(0);
  });

  it('HTTP 5xx, malformed JSON, a reset connection and a timeout are retryable; the retry delivers once', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url, timeoutMs: 200 });
    const m = message();
    for (const fault of ['http-502', 'malformed-json', 'reset', 'hang'] as const) {
      fake.server.fail(fault);
      const result = await notifier.send(m);
      expect(result, fault).toMatchObject({ ok: false, retryable: true });
    }
    expect(await notifier.send(m)).toEqual({ ok: true });
    expect(await notifier.send(m)).toEqual({ ok: true, duplicate: true });
    expect(fake.delivered).toHaveLength(1);
  });

  it('a server that is gone is a retryable network error', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url });
    await fake.close();
    const result = await notifier.send(message());
    expect(result).toMatchObject({ ok: false, retryable: true });
    if (!result.ok) expect(result.error).toMatch(/^wecom-robot: network error/);
  });

  it('remembers only the last rememberKeys keys (the robot itself has no deduplication)', async () => {
    const fake = await setup();
    const notifier = wecomRobotNotifier({ key: KEY, baseUrl: fake.url, rememberKeys: 2 });
    const [a, b, c] = [message(), message(), message()];
    for (const m of [a, b, c, a]) await notifier.send(m!);
    expect(fake.delivered).toHaveLength(4); // `a` was forgotten, so it went out again
    expect(await notifier.send(c!)).toMatchObject({ duplicate: true });
  });

  it('refuses a pasted webhook URL as the key, and accepts it as webhookUrl', async () => {
    const url = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`;
    expect(() => wecomRobotNotifier({ key: url })).toThrow(/looks like a URL/);
    expect(() => wecomRobotNotifier({})).toThrow(TypeError);
    const fake = await setup();
    const notifier = wecomRobotNotifier({ webhookUrl: `${fake.url}/cgi-bin/webhook/send?key=${KEY}` });
    expect(await notifier.send(message())).toEqual({ ok: true });
  });
});
