import { afterEach, describe, expect, it } from 'vitest';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import {
  classifyTencentSmsCode,
  type TencentSmsNotifierOptions,
  tencentSessionContext,
  tencentSmsNotifier,
} from '../../../src/adapters/notify/tencent-sms.js';
import { createVirtualClock } from '../../../src/scheduler/clock.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import { startTencentSmsFake, type TencentSmsFake, type TencentSmsFakeOptions } from './fakes/tencent-sms.js';

const open: TencentSmsFake[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((fake) => fake.close()));
});

async function fake(options: TencentSmsFakeOptions = {}): Promise<TencentSmsFake> {
  const started = await startTencentSmsFake(options);
  open.push(started);
  return started;
}

const credentials = {
  secretId: 'AKID-test',
  secretKey: 'test-key',
  smsSdkAppId: '1400787878',
  signName: '线索助手',
  templateId: '449739',
};

function notifierFor(server: TencentSmsFake, extra: Partial<TencentSmsNotifierOptions> = {}) {
  return tencentSmsNotifier({ ...credentials, endpoint: server.url, ...extra });
}

let counter = 0;
const sms = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `lead-${++counter}/sla.unassigned/1`,
  channel: 'sms',
  to: ['13800138000'],
  text: '线索 15 分钟未分配',
  data: [`lead-${counter}`, '15'],
  ...extra,
});

runNotifierContract(
  'tencent-sms (loopback SMS API 3.0)',
  async () => {
    const server = await fake();
    return {
      notifier: notifierFor(server, {
        templateParams: (m) => [m.idempotencyKey.slice(0, 12), m.text.slice(0, 6)],
      }),
      deliveries: () => server.deliveries(),
      stall: () => server.stall(),
    };
  },
  { channel: 'sms', to: ['13800138000'] },
);

describe('tencentSmsNotifier: the SendSms request', () => {
  it('sends E.164 numbers, the application, signature, template, string parameters and SessionContext = the key', async () => {
    const server = await fake();
    const message = sms({ to: ['13800138000', '+86 139 0013 9000'], data: { lead: 'lead-9', minutes: 15 } });
    const result = await notifierFor(server).send(message);
    expect(result).toMatchObject({ ok: true, providerId: expect.stringMatching(/^2028:\d+,2028:\d+$/) });
    expect(server.sent).toEqual([
      expect.objectContaining({
        phone: '+8613800138000',
        sessionContext: message.idempotencyKey,
        signName: '线索助手',
        templateId: '449739',
        templateParams: ['lead-9', '15'],
      }),
      expect.objectContaining({ phone: '+8613900139000' }),
    ]);
  });

  it('signs with the UTC date: 00:30 in Beijing is still the previous day in the credential scope', async () => {
    const clock = createVirtualClock(Date.parse('2026-03-02T16:30:00Z'));
    const server = await fake({ clock });
    expect(await notifierFor(server, { clock }).send(sms())).toMatchObject({ ok: true });
  });

  it('a key longer than 512 bytes is sent as its SHA-256', () => {
    expect(tencentSessionContext('键'.repeat(200))).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tencentSessionContext('lead-1/sla/1')).toBe('lead-1/sla/1');
  });

  it('refuses numbers that are not mainland mobiles before any request', async () => {
    const server = await fake();
    const result = await notifierFor(server).send(sms({ to: ['13800138000', '+12025550100'] }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.ok === false && result.error).toContain('+12025550100');
    expect(server.requests).toEqual([]);
  });
});

describe('tencentSmsNotifier: per-number results', () => {
  it('LimitExceeded.* for one number: retryable, and the retry goes only to that number', async () => {
    const server = await fake();
    server.rejectNumber(
      '+8613900139000',
      'LimitExceeded.PhoneNumberOneHourLimit',
      '单个手机号1小时内下发短信条数超过设定的上限',
    );
    const notifier = notifierFor(server);
    const message = sms({ to: ['13800138000', '13900139000'] });
    const first = await notifier.send(message);
    expect(first).toMatchObject({ ok: false, retryable: true });
    expect(first.ok === false && first.error).toContain(
      '1 of 2 numbers to retry: +8613900139000 LimitExceeded.PhoneNumberOneHourLimit',
    );
    expect(first.ok === false && first.error).toContain('reached +8613800138000 (not sent again)');
    server.allowNumber('+8613900139000');
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    expect(server.sent.map((s) => s.phone)).toEqual(['+8613800138000', '+8613900139000']);
    expect(await notifier.send(message)).toMatchObject({ ok: true, duplicate: true });
  });

  it('FailedOperation.* and InvalidParameterValue.* for a number are permanent for it: a partial delivery naming each', async () => {
    const server = await fake();
    server.rejectNumber('+8613900139000', 'FailedOperation.PhoneNumberInBlacklist', '手机号在免打扰名单库中');
    server.rejectNumber('+8613700137000', 'InvalidParameterValue.IncorrectPhoneNumber', '手机号格式错误');
    const result = await notifierFor(server).send(sms({ to: ['13800138000', '13900139000', '13700137000'] }));
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.rejected).toEqual([
      { recipient: '13900139000', reason: 'FailedOperation.PhoneNumberInBlacklist 手机号在免打扰名单库中' },
      { recipient: '13700137000', reason: 'InvalidParameterValue.IncorrectPhoneNumber 手机号格式错误' },
    ]);
  });

  it('every number refused for good is a permanent failure naming each', async () => {
    const server = await fake();
    server.rejectNumber('+8613900139000', 'FailedOperation.PhoneNumberInBlacklist', '手机号在免打扰名单库中');
    const result = await notifierFor(server).send(sms({ to: ['13900139000'] }));
    expect(result).toMatchObject({
      ok: false,
      retryable: false,
      kind: 'permanent',
      providerCode: 'FailedOperation.PhoneNumberInBlacklist',
    });
    expect(result.ok === false && result.error).toContain(
      '1 of 1 numbers failed: +8613900139000 FailedOperation',
    );
  });

  it('classifies the documented codes', () => {
    expect(classifyTencentSmsCode('Ok')).toBe('ok');
    expect(classifyTencentSmsCode('LimitExceeded.PhoneNumberDailyLimit')).toBe('retryable');
    expect(classifyTencentSmsCode('RequestLimitExceeded')).toBe('retryable');
    expect(classifyTencentSmsCode('FailedOperation.PhoneNumberInBlacklist')).toBe('permanent');
    expect(classifyTencentSmsCode('InvalidParameterValue.IncorrectPhoneNumber')).toBe('permanent');
    expect(classifyTencentSmsCode('AuthFailure.SignatureFailure')).toBe('config');
    expect(classifyTencentSmsCode('FailedOperation.TemplateIncorrectOrUnapproved')).toBe('config');
    expect(classifyTencentSmsCode('InternalError.Timeout')).toBe('unknown');
  });
});

describe('tencentSmsNotifier: request-level errors and transport trouble', () => {
  it('RequestLimitExceeded is retryable and the retry delivers once', async () => {
    const server = await fake();
    server.queue({ code: 'RequestLimitExceeded', message: '请求的次数超过了频率限制。' });
    const notifier = notifierFor(server);
    const message = sms();
    expect(await notifier.send(message)).toMatchObject({ ok: false, retryable: true });
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    expect(server.deliveries()).toBe(1);
  });

  it('a wrong key, an unknown SecretId, a skewed clock and an unapproved template are configuration errors', async () => {
    const server = await fake();
    const cases: [Partial<TencentSmsNotifierOptions>, string][] = [
      [{ secretKey: 'wrong' }, 'AuthFailure.SignatureFailure'],
      [{ secretId: 'AKID-other' }, 'AuthFailure.SecretIdNotFound'],
      [{ clock: createVirtualClock(Date.now() - 6 * 60_000) }, 'AuthFailure.SignatureExpire'],
      [{ templateId: '1' }, 'FailedOperation.TemplateIncorrectOrUnapproved'],
      [{ smsSdkAppId: '1400000000' }, 'UnauthorizedOperation.SmsSdkAppIdVerifyFail'],
    ];
    for (const [extra, code] of cases) {
      const result = await notifierFor(server, extra).send(sms());
      expect(result).toMatchObject({ ok: false, retryable: false, kind: 'config', providerCode: code });
      expect(result.ok === false && result.error).toContain(code);
    }
    expect(server.deliveries()).toBe(0);
  });

  it('a region Tencent does not serve is refused', async () => {
    const server = await fake();
    const result = await notifierFor(server, { region: 'mars-1' }).send(sms());
    expect(result.ok === false && !result.retryable && result.error).toContain('UnsupportedRegion');
  });

  it('InternalError, a 5xx and an unreadable answer are retryable, saying the outcome is unknown', async () => {
    const server = await fake();
    server.queue(
      { code: 'InternalError.Timeout', message: '超时' },
      { status: 502, body: '<html>502 Bad Gateway</html>' },
      { malformed: true, accept: true },
    );
    const notifier = notifierFor(server);
    const message = sms();
    for (const expected of ['InternalError.Timeout', 'HTTP 502', 'unreadable answer']) {
      const result = await notifier.send(message);
      expect(result).toMatchObject({ ok: false, retryable: true });
      expect(result.ok === false && result.error).toContain(expected);
      expect(result.ok === false && result.error).toContain('outcome unknown');
    }
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    // Tencent cannot be asked before the receipt: the malformed answer's message went out too.
    expect(server.deliveries()).toBe(2);
  });

  it('an answer that hangs: the aborted send settles with a retryable failure', async () => {
    const server = await fake();
    server.queue({ hang: true });
    const controller = new AbortController();
    const sending = notifierFor(server).send(sms(), { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('send timeout'));
    const result = await sending;
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.ok === false && result.error).toContain('send timeout');
  });
});
