import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { dingtalkSign } from '../../../src/adapters/notify/dingtalk-robot.js';
import {
  feishuRobotBody,
  feishuRobotNotifier,
  feishuSign,
} from '../../../src/adapters/notify/feishu-robot.js';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import { expectedFeishuSign, type FeishuRobotFake, startFeishuRobotFake } from './fakes/feishu-robot.js';

const HOOK = '5e3d587e-d78e-4a07-bd07-265f269f86fd';
const SECRET = 'nIMtb7r3N9pkXyXdtAbx6e';

runNotifierContract(
  'feishuRobotNotifier (loopback Feishu bot, signed)',
  async () => {
    const fake = await startFeishuRobotFake({ bots: [{ hookId: HOOK, secret: SECRET }] });
    onTestFinished(() => fake.close());
    return {
      notifier: feishuRobotNotifier({ hookId: HOOK, secret: SECRET, baseUrl: fake.url }),
      deliveries: () => fake.delivered.length,
      stall: () => fake.server.stall(),
    };
  },
  { channel: 'feishu', to: ['ou_7d8a6e6df7621556ce0d21922b676706'] },
);

let open: FeishuRobotFake[] = [];
afterEach(async () => {
  await Promise.all(open.map((f) => f.close()));
  open = [];
});

async function setup(options: Partial<Parameters<typeof startFeishuRobotFake>[0]> = {}) {
  const fake = await startFeishuRobotFake({ bots: [{ hookId: HOOK, secret: SECRET }], ...options });
  open.push(fake);
  return fake;
}

let counter = 0;
const message = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `feishu-${++counter}`,
  channel: 'feishu',
  to: ['ou_7d8a6e6df7621556ce0d21922b676706'],
  text: '线索 L-1 已分配，24 小时内未跟进',
  ...extra,
});

describe('feishuSign', () => {
  it('matches the documentation sample at its example timestamp (key = timestamp + "\\n" + secret, empty message)', () => {
    // Computed with the doc's Python sample (hmac.new(f"{ts}\\n{secret}", b"", sha256), base64) at the
    // doc's example timestamp 1599360473; the same value appears in an independent Swift implementation's test.
    expect(feishuSign('demo-secret', 1599360473)).toBe('3/MaVZ8JLIy4TUG+7KSFJqvUkTKd+HWY8g+56DZWq8s=');
  });

  test.prop([fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 4_102_444_800 })])(
    'is deterministic, verifies against the provider-side computation, and differs from DingTalk’s',
    (secret, timestamp) => {
      const sign = feishuSign(secret, timestamp);
      expect(feishuSign(secret, timestamp)).toBe(sign);
      expect(sign).toBe(expectedFeishuSign(secret, String(timestamp)));
      expect(sign).not.toBe(dingtalkSign(secret, timestamp));
    },
  );
});

describe('feishuRobotNotifier: what the bot receives', () => {
  it('signs in the body with timestamp in seconds; a plain message is text with <at> mentions of open ids', async () => {
    const t = Date.parse('2025-02-05T09:16:07+08:00');
    const fake = await setup({ now: () => t });
    const notifier = feishuRobotNotifier({ hookId: HOOK, secret: SECRET, baseUrl: fake.url, now: () => t });
    expect(await notifier.send(message({ to: ['ou_abc', '13800001111'] }))).toEqual({ ok: true });
    const timestamp = String(Math.floor(t / 1000));
    expect(fake.delivered[0]?.body).toEqual({
      msg_type: 'text',
      content: { text: '线索 L-1 已分配，24 小时内未跟进 <at user_id="ou_abc"></at>' },
      timestamp,
      sign: expectedFeishuSign(SECRET, timestamp),
    });
  });

  it('a subject or markdown makes an interactive card: the subject as header, the text as a markdown element', () => {
    const text = '| 线索 | 等待 |\n|---|---|\n| L-1 | 32 分钟 |';
    expect(feishuRobotBody(message({ to: ['@all', 'ou_x'], subject: '待分配线索', text }), 'auto')).toEqual({
      msg_type: 'interactive',
      card: {
        header: { title: { tag: 'plain_text', content: '待分配线索' }, template: 'blue' },
        elements: [{ tag: 'markdown', content: `${text}\n<at id=ou_x></at> <at id=all></at>` }],
      },
    });
    expect(feishuRobotBody(message({ to: [], text: 'plain' }), 'card')).toEqual({
      msg_type: 'interactive',
      card: { elements: [{ tag: 'markdown', content: 'plain' }] },
    });
  });

  it('the bot accepts cards, and long texts are cut under its 20 KB body limit', async () => {
    const fake = await setup();
    const notifier = feishuRobotNotifier({ hookId: HOOK, secret: SECRET, baseUrl: fake.url });
    expect(await notifier.send(message({ subject: '汇总', text: '**线索**'.repeat(3000) }))).toEqual({
      ok: true,
    });
    expect(fake.delivered[0]?.msgType).toBe('interactive');
  });
});

describe('feishuRobotNotifier: errors and limits', () => {
  it('a wrong secret or a clock off by more than an hour is 19021, a permanent configuration error', async () => {
    const fake = await setup();
    const wrong = await feishuRobotNotifier({ hookId: HOOK, secret: 'other', baseUrl: fake.url }).send(
      message(),
    );
    expect(wrong).toMatchObject({ ok: false, retryable: false, kind: 'config', providerCode: '19021' });
    if (!wrong.ok) expect(wrong.error).toMatch(/^feishu-robot: code 19021 sign match fail.*check the/);
    const skewed = feishuRobotNotifier({
      hookId: HOOK,
      secret: SECRET,
      baseUrl: fake.url,
      now: () => Date.now() + 7_200_000,
    });
    expect(await skewed.send(message())).toMatchObject({ ok: false, retryable: false });
    expect(fake.delivered).toHaveLength(0);
  });

  it('an unknown hook (19001) and a missing keyword (19024) are permanent', async () => {
    const fake = await setup({ bots: [{ hookId: HOOK, keywords: ['线索'] }] });
    const unknown = await feishuRobotNotifier({ hookId: 'nope', baseUrl: fake.url }).send(message());
    expect(unknown).toMatchObject({ ok: false, retryable: false });
    const notifier = feishuRobotNotifier({ hookId: HOOK, baseUrl: fake.url });
    const noKeyword = await notifier.send(message({ text: 'lead waiting' }));
    expect(noKeyword).toMatchObject({ ok: false, retryable: false });
    if (!noKeyword.ok) expect(noKeyword.error).toMatch(/19024 Key Words Not Found/);
  });

  it('past 5 per second (local limit off) the bot answers 11232: retryable with a hint', async () => {
    const t = Date.parse('2025-02-05T10:00:00+08:00');
    const fake = await setup({ now: () => t });
    const notifier = feishuRobotNotifier({
      hookId: HOOK,
      secret: SECRET,
      baseUrl: fake.url,
      now: () => t,
      rateLimit: false,
    });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await notifier.send(message()));
    const sixth = results[5]!;
    expect(sixth).toMatchObject({ ok: false, retryable: true });
    if (!sixth.ok) expect(sixth.retryAfterMs).toBe(1_000);
    expect(fake.rejected).toBe(1);
  });

  it('with the default limits (100/min, 5/s) the bot rejects nothing', async () => {
    let t = Date.parse('2025-02-05T10:00:00+08:00');
    const now = () => t;
    const fake = await setup({ now });
    const notifier = feishuRobotNotifier({ hookId: HOOK, secret: SECRET, baseUrl: fake.url, now });
    const pending = Array.from({ length: 130 }, () => message());
    while (pending.length > 0) {
      const next = pending[0]!;
      const result = await notifier.send(next);
      if (result.ok) pending.shift();
      else t += result.retryAfterMs ?? 1_000;
    }
    expect(fake.delivered).toHaveLength(130);
    expect(fake.rejected).toBe(0);
  });

  it('9499, HTTP 5xx, malformed JSON and a reset are retryable', async () => {
    const fake = await setup();
    const notifier = feishuRobotNotifier({
      hookId: HOOK,
      secret: SECRET,
      baseUrl: fake.url,
      rateLimit: false,
    });
    for (const fault of [
      { json: { code: 9499, msg: 'too many request', data: {} } },
      'http-500',
      'malformed-json',
      'reset',
    ] as const) {
      fake.server.fail(fault);
      expect(await notifier.send(message()), JSON.stringify(fault)).toMatchObject({
        ok: false,
        retryable: true,
      });
    }
  });

  it('accepts the legacy StatusCode answer; needs a webhook URL or hook id', async () => {
    const fake = await setup();
    fake.server.fail({ json: { StatusCode: 0, StatusMessage: 'success' } });
    const notifier = feishuRobotNotifier({ webhookUrl: `${fake.url}/open-apis/bot/v2/hook/${HOOK}` });
    expect(await notifier.send(message())).toEqual({ ok: true });
    expect(() => feishuRobotNotifier({})).toThrow(TypeError);
  });
});
