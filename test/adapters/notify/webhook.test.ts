import { randomBytes } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import {
  standardWebhookSignature,
  type WebhookNotifierOptions,
  webhookId,
  webhookNotifier,
} from '../../../src/adapters/notify/webhook.js';
import { createVirtualClock } from '../../../src/scheduler/clock.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import { startLoopbackServer } from './fakes/loopback-server.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from './fakes/webhook-receiver.js';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const open: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((receiver) => receiver.close()));
});

async function receiver(options: Partial<WebhookReceiverOptions> = {}): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver({ secret: options.secret ?? newSecret(), ...options });
  open.push(started);
  return started;
}

let counter = 0;
const event = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `lead-${++counter}/sla.unopened/1`,
  channel: 'webhook',
  to: ['crm'],
  template: 'lead-unopened',
  subject: 'Lead waiting',
  text: `Lead lead-${counter} has not been opened for 30 minutes`,
  data: { leadId: `lead-${counter}`, pageViews: 7 },
  ...extra,
});

runNotifierContract(
  'webhook (Standard Webhooks, verified by the standardwebhooks package)',
  async () => {
    const secret = newSecret();
    const hook = await receiver({ secret });
    return {
      notifier: webhookNotifier({ url: hook.url, secret }),
      deliveries: () => hook.requests.filter((r) => r.status === 200).length,
      stall: () => hook.stall(),
    };
  },
  { channel: 'webhook', to: ['crm'] },
);

describe('standardWebhookSignature', () => {
  it('reproduces the Standard Webhooks test vector', () => {
    // "sign function works" in the reference library's tests:
    // https://github.com/standard-webhooks/standard-webhooks/blob/main/libraries/javascript/src/webhook.test.ts
    expect(
      standardWebhookSignature(
        ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  const secret = fc
    .uint8Array({ minLength: 16, maxLength: 64 })
    .map((b) => `whsec_${Buffer.from(b).toString('base64')}`);
  const id = fc.stringMatching(/^[\x21-\x7e]{1,64}$/);

  test.prop([secret, id, fc.jsonValue(), fc.string({ unit: 'grapheme', maxLength: 100 })])(
    'Webhook.verify accepts the signature for any body, and refuses it once the body changes',
    (key, msgId, value, extra) => {
      const body = JSON.stringify({
        type: 't',
        timestamp: '2026-01-01T00:00:00.000Z',
        data: value ?? null,
        extra,
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = {
        'webhook-id': msgId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': standardWebhookSignature([key], msgId, timestamp, body),
      };
      expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
      expect(() => new Webhook(key).verify(`${body} `, headers)).toThrow();
    },
  );

  it('signs with every secret during a rotation, so either one verifies', () => {
    const [a, b] = [newSecret(), newSecret()];
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"type":"t"}';
    const signature = standardWebhookSignature([a, b], 'msg_1', timestamp, body);
    expect(signature.split(' ')).toHaveLength(2);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    for (const key of [a, b]) expect(new Webhook(key).verify(body, headers)).toEqual({ type: 't' });
  });

  it('refuses secrets that are not whsec_ + base64 of 16 bytes or more', () => {
    expect(() => webhookNotifier({ url: 'http://127.0.0.1:9/h', secret: 'whsec_not base64!' })).toThrow(
      TypeError,
    );
    expect(() => webhookNotifier({ url: 'http://127.0.0.1:9/h', secret: 'whsec_c2hvcnQ=' })).toThrow(
      TypeError,
    );
    expect(() => webhookNotifier({ url: 'http://127.0.0.1:9/h', secret: [] })).toThrow(TypeError);
    expect(() => webhookNotifier({ url: 'ftp://example.com/h', secret: newSecret() })).toThrow(TypeError);
  });
});

describe('webhookNotifier: what the receiver gets', () => {
  it('headers webhook-id (= the key), webhook-timestamp (seconds) and a body {type, timestamp, data}', async () => {
    const secret = newSecret();
    const clock = createVirtualClock(Date.parse('2026-03-02T01:45:00Z'));
    const hook = await receiver({ secret, clock });
    const message = event();
    const result = await webhookNotifier({ url: hook.url, secret, clock }).send(message);
    expect(result).toEqual({ ok: true, providerId: message.idempotencyKey });
    expect(hook.events).toHaveLength(1);
    const [received] = hook.events;
    expect(received?.id).toBe(message.idempotencyKey);
    expect(received?.timestamp).toBe(Date.parse('2026-03-02T01:45:00Z') / 1000);
    expect(received?.payload).toEqual({
      type: 'lead-unopened',
      timestamp: '2026-03-02T01:45:00.000Z',
      data: {
        channel: 'webhook',
        to: ['crm'],
        subject: 'Lead waiting',
        text: message.text,
        template: 'lead-unopened',
        data: message.data,
      },
    });
  });

  it('type and data mappers and extra headers', async () => {
    const secret = newSecret();
    const hook = await receiver({ secret });
    const notifier = webhookNotifier({
      url: hook.url,
      secret,
      type: (m) => `leadflow.${m.template}`,
      data: (m) => ({ lead: (m.data as { leadId: string }).leadId }),
      headers: { 'x-tenant': 't-1' },
    });
    const message = event();
    await notifier.send(message);
    expect(hook.events[0]?.payload).toMatchObject({
      type: 'leadflow.lead-unopened',
      data: { lead: (message.data as { leadId: string }).leadId },
    });
    expect(hook.events[0]?.headers['x-tenant']).toBe('t-1');
  });

  it('a key that is not printable ASCII is sent as a stable sha256 webhook-id', async () => {
    expect(webhookId('线索-1/提醒')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(webhookId('线索-1/提醒')).toBe(webhookId('线索-1/提醒'));
    expect(webhookId('has space')).toMatch(/^sha256:/);
    const secret = newSecret();
    const hook = await receiver({ secret });
    expect(
      await webhookNotifier({ url: hook.url, secret }).send(event({ idempotencyKey: '线索-1/提醒' })),
    ).toMatchObject({
      ok: true,
    });
    expect(hook.events[0]?.id).toBe(webhookId('线索-1/提醒'));
  });

  it('a retry keeps the webhook-id and signs a fresh timestamp; the receiver processes the event once', async () => {
    const secret = newSecret();
    const clock = createVirtualClock(Date.parse('2026-03-02T01:45:00Z'));
    const hook = await receiver({ secret, clock });
    hook.respond({ status: 500, process: true, body: 'db timeout after commit' });
    const notifier = webhookNotifier({ url: hook.url, secret, clock });
    const message = event();
    const lost = await notifier.send(message);
    expect(lost).toMatchObject({ ok: false, retryable: true });
    expect(lost.ok === false && lost.error).toBe(
      'webhook: HTTP 500 Internal Server Error: db timeout after commit',
    );
    clock.advanceBy(5_000);
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    expect(hook.requests.map((r) => [r.id, r.status])).toEqual([
      [message.idempotencyKey, 500],
      [message.idempotencyKey, 204],
    ]);
    expect(hook.deliveries()).toBe(1);
  });

  it('a receiver refuses a timestamp outside its 5-minute window: permanent (HTTP 400)', async () => {
    const secret = newSecret();
    const hook = await receiver({ secret });
    const skewed = createVirtualClock(Date.now() - 10 * 60_000);
    const result = await webhookNotifier({ url: hook.url, secret, clock: skewed }).send(event());
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.ok === false && result.error).toContain('HTTP 400');
    expect(hook.requests[0]?.error).toMatch(/timestamp/i);
  });

  it('a wrong secret is refused by Webhook.verify', async () => {
    const hook = await receiver();
    const result = await webhookNotifier({ url: hook.url, secret: newSecret() }).send(event());
    expect(result.ok === false && !result.retryable && result.error).toContain('No matching signature found');
  });
});

describe('webhookNotifier: statuses', () => {
  async function answer(
    status: number,
    headers: Record<string, string> = {},
    extra: Partial<WebhookNotifierOptions> = {},
  ) {
    const secret = newSecret();
    const hook = await receiver({ secret });
    hook.respond({ status, headers, body: `answer ${status}` });
    const result = await webhookNotifier({ url: hook.url, secret, ...extra }).send(event());
    return { result, hook };
  }

  it('429 and 503 are retryable and carry the Retry-After delay', async () => {
    const seconds = await answer(429, { 'retry-after': '30' });
    expect(seconds.result).toEqual({
      ok: false,
      retryable: true,
      kind: 'retryable',
      providerCode: 'HTTP 429',
      retryAfterMs: 30_000,
      error: 'webhook: HTTP 429 Too Many Requests: answer 429',
    });
    const clock = createVirtualClock(Date.now());
    const date = await answer(
      503,
      { 'retry-after': new Date(clock.now() + 120_000).toUTCString() },
      { clock },
    );
    expect(date.result).toMatchObject({ ok: false, retryable: true });
    expect(date.result.ok === false && String(date.result.retryAfterMs)).toMatch(/^1[12]\d000$/);
  });

  it('408 and other 5xx are retryable; 410 and other 4xx are permanent', async () => {
    for (const [status, retryable] of [
      [408, true],
      [500, true],
      [502, true],
      [400, false],
      [401, false],
      [404, false],
      [422, false],
    ] as const) {
      const { result } = await answer(status);
      expect(result, `HTTP ${status}`).toMatchObject({ ok: false, retryable });
    }
    const gone = await answer(410);
    expect(gone.result.ok === false && !gone.result.retryable && gone.result.error).toContain('disable it');
  });

  it('a redirect is not followed and is permanent', async () => {
    const { result, hook } = await answer(302, { location: 'http://127.0.0.1:1/elsewhere' });
    expect(result.ok === false && !result.retryable && result.error).toContain('redirect not followed');
    expect(hook.requests).toHaveLength(1);
  });

  it('a refused connection is retryable', async () => {
    const closed = await startLoopbackServer(() => {});
    await closed.close();
    const result = await webhookNotifier({ url: `${closed.url}/h`, secret: newSecret() }).send(event());
    expect(result.ok === false && result.retryable && result.error).toMatch(/ECONNREFUSED/);
  });
});
