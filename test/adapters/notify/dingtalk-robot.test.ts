import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  dingtalkRobotBody,
  dingtalkRobotNotifier,
  dingtalkSign,
} from '../../../src/adapters/notify/dingtalk-robot.js';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import {
  type DingtalkRobotFake,
  expectedDingtalkSign,
  startDingtalkRobotFake,
} from './fakes/dingtalk-robot.js';

const TOKEN = 'c44fec1ddaa8a833156efb77b7865d62ae13775418030d94d05da08bfca73';
const SECRET = 'SECc32bb7345c0f73da2b9786f0f7dd5083bd768a29b82e6d460149d730eee51730';

runNotifierContract(
  'dingtalkRobotNotifier (loopback DingTalk robot, signed)',
  async () => {
    const fake = await startDingtalkRobotFake({ robots: [{ accessToken: TOKEN, secret: SECRET }] });
    onTestFinished(() => fake.close());
    return {
      notifier: dingtalkRobotNotifier({ accessToken: TOKEN, secret: SECRET, baseUrl: fake.url }),
      deliveries: () => fake.delivered.length,
      stall: () => fake.server.stall(),
    };
  },
  { channel: 'dingtalk', to: ['13800001111'] },
);

let open: DingtalkRobotFake[] = [];
afterEach(async () => {
  await Promise.all(open.map((f) => f.close()));
  open = [];
});

async function setup(options: Partial<Parameters<typeof startDingtalkRobotFake>[0]> = {}) {
  const fake = await startDingtalkRobotFake({ robots: [{ accessToken: TOKEN, secret: SECRET }], ...options });
  open.push(fake);
  return fake;
}

let counter = 0;
const message = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `dingtalk-${++counter}`,
  channel: 'dingtalk',
  to: ['13800001111'],
  text: '线索 L-1 已 15 分钟未分配，请处理',
  ...extra,
});

describe('dingtalkSign', () => {
  it('matches the documentation sample (its Java/Python code with secret "this is secret", at a fixed time)', () => {
    // Computed with the doc's Python sample (hmac.new(secret, f"{ts}\\n{secret}", sha256), base64, quote_plus)
    // at timestamp 1577262236757; the same value appears in an independent Swift implementation's test.
    expect(dingtalkSign('this is secret', 1577262236757)).toBe(
      'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=',
    );
    expect(encodeURIComponent(dingtalkSign('this is secret', 1577262236757))).toBe(
      'hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D',
    );
  });

  test.prop([fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 4_102_444_800_000 })])(
    'is deterministic and verifies against the provider-side computation',
    (secret, timestamp) => {
      const sign = dingtalkSign(secret, timestamp);
      expect(dingtalkSign(secret, timestamp)).toBe(sign);
      expect(sign).toBe(expectedDingtalkSign(secret, String(timestamp)));
      expect(Buffer.from(sign, 'base64')).toHaveLength(32);
    },
  );

  test.prop([fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.nat()])(
    'another secret gives another signature',
    (a, b, timestamp) => {
      fc.pre(a !== b);
      expect(dingtalkSign(a, timestamp)).not.toBe(dingtalkSign(b, timestamp));
    },
  );
});

describe('dingtalkRobotNotifier: what the robot receives', () => {
  it('signs with timestamp (ms) and sign in the query; mentions mobiles in at.atMobiles and in the text', async () => {
    const t = Date.parse('2025-02-05T09:15:00+08:00');
    const fake = await setup({ now: () => t });
    const notifier = dingtalkRobotNotifier({
      accessToken: TOKEN,
      secret: SECRET,
      baseUrl: fake.url,
      now: () => t,
    });
    expect(await notifier.send(message({ to: ['13800001111', 'manager4220'] }))).toEqual({ ok: true });
    const request = fake.server.requests[0]!;
    expect(request.url.searchParams.get('timestamp')).toBe(String(t));
    expect(request.url.searchParams.get('sign')).toBe(expectedDingtalkSign(SECRET, String(t)));
    expect(fake.delivered[0]?.body).toEqual({
      msgtype: 'text',
      text: { content: '线索 L-1 已 15 分钟未分配，请处理 @13800001111 @manager4220' },
      at: { atMobiles: ['13800001111'], atUserIds: ['manager4220'], isAtAll: false },
    });
  });

  it('a message with a subject or markdown goes as markdown with a title; @all sets isAtAll', () => {
    expect(
      dingtalkRobotBody(message({ to: ['@all'], subject: '线索未分配', text: '**L-1** 苏州' }), 'auto'),
    ).toEqual({
      msgtype: 'markdown',
      markdown: { title: '线索未分配', text: '#### 线索未分配\n\n**L-1** 苏州' },
      at: { atMobiles: [], atUserIds: [], isAtAll: true },
    });
    expect(dingtalkRobotBody(message({ to: [], text: '**L-1**\nrest' }), 'auto')).toMatchObject({
      markdown: { title: '**L-1**' },
    });
  });

  it('an unsigned robot gets no timestamp or sign', async () => {
    const fake = await setup({ robots: [{ accessToken: TOKEN, keywords: ['线索'] }] });
    const notifier = dingtalkRobotNotifier({ accessToken: TOKEN, baseUrl: fake.url });
    expect(await notifier.send(message())).toEqual({ ok: true });
    expect(fake.server.requests[0]?.url.searchParams.has('sign')).toBe(false);
    const missing = await notifier.send(message({ text: 'no keyword here' }));
    expect(missing).toMatchObject({ ok: false, retryable: false });
    if (!missing.ok) expect(missing.error).toMatch(/310000 keywords not in content/);
  });
});

describe('dingtalkRobotNotifier: errors', () => {
  it('a wrong secret or a clock off by more than an hour is 310000, a permanent configuration error', async () => {
    const fake = await setup();
    const wrong = await dingtalkRobotNotifier({
      accessToken: TOKEN,
      secret: 'SECwrong',
      baseUrl: fake.url,
    }).send(message());
    expect(wrong).toMatchObject({ ok: false, retryable: false, kind: 'config', providerCode: '310000' });
    if (!wrong.ok) expect(wrong.error).toMatch(/^dingtalk-robot: errcode 310000 sign not match.*check the/);
    const skewed = dingtalkRobotNotifier({
      accessToken: TOKEN,
      secret: SECRET,
      baseUrl: fake.url,
      now: () => Date.now() - 2 * 3_600_000,
    });
    expect(await skewed.send(message())).toMatchObject({ ok: false, retryable: false });
    expect(fake.delivered).toHaveLength(0);
  });

  it('an unknown token is 300005, permanent', async () => {
    const fake = await setup();
    const result = await dingtalkRobotNotifier({
      accessToken: 'nope',
      secret: SECRET,
      baseUrl: fake.url,
    }).send(message());
    expect(result).toMatchObject({ ok: false, retryable: false });
    if (!result.ok) expect(result.error).toMatch(/300005 token is not exist/);
  });

  it('past the robot limit (with the local limit off) DingTalk throttles: 130101, retryable with a 10-minute hint', async () => {
    let t = Date.parse('2025-02-05T09:15:00+08:00');
    const now = () => t;
    const fake = await setup({ now });
    const notifier = dingtalkRobotNotifier({
      accessToken: TOKEN,
      secret: SECRET,
      baseUrl: fake.url,
      now,
      rateLimit: false,
    });
    const results = [];
    for (let i = 0; i < 21; i++) results.push(await notifier.send(message()));
    const last = results[20]!;
    expect(last).toMatchObject({ ok: false, retryable: true });
    if (!last.ok) expect(last.retryAfterMs).toBe(600_000);
    t += 61_000; // a minute later the robot is still throttled
    expect(await notifier.send(message())).toMatchObject({ ok: false, retryable: true });
    expect(fake.rejected).toBe(2);
  });

  it('with the default local limit the robot never throttles', async () => {
    let t = Date.parse('2025-02-05T09:15:00+08:00');
    const now = () => t;
    const fake = await setup({ now });
    const notifier = dingtalkRobotNotifier({ accessToken: TOKEN, secret: SECRET, baseUrl: fake.url, now });
    const burst = Array.from({ length: 30 }, () => message());
    for (let round = 0; round < 3; round++) {
      for (const m of burst) await notifier.send(m);
      t += 61_000;
    }
    expect(fake.delivered).toHaveLength(30);
    expect(fake.rejected).toBe(0);
  });

  it('-1, HTTP 5xx, malformed JSON and a reset are retryable; an unknown errcode is permanent', async () => {
    const fake = await setup();
    const notifier = dingtalkRobotNotifier({ accessToken: TOKEN, secret: SECRET, baseUrl: fake.url });
    for (const fault of [
      { json: { errcode: -1, errmsg: '系统繁忙' } },
      'http-503',
      'malformed-json',
      'reset',
    ] as const) {
      fake.server.fail(fault);
      expect(await notifier.send(message()), JSON.stringify(fault)).toMatchObject({
        ok: false,
        retryable: true,
      });
    }
    fake.server.fail({ json: { errcode: 400013, errmsg: 'message type not supported' } });
    expect(await notifier.send(message())).toMatchObject({ ok: false, retryable: false });
  });

  it('needs an access token or a webhook URL', () => {
    expect(() => dingtalkRobotNotifier({})).toThrow(TypeError);
  });
});
