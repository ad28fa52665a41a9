import { afterEach, describe, expect, it } from 'vitest';
import {
  type AliyunSmsNotifierOptions,
  aliyunOutId,
  aliyunSmsNotifier,
  classifyAliyunSmsCode,
} from '../../../src/adapters/notify/aliyun-sms.js';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import { createVirtualClock } from '../../../src/scheduler/clock.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import { type AliyunSmsFake, type AliyunSmsFakeOptions, startAliyunSmsFake } from './fakes/aliyun-sms.js';
import { startLoopbackServer } from './fakes/loopback-server.js';

const open: AliyunSmsFake[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((fake) => fake.close()));
});

async function fake(options: AliyunSmsFakeOptions = {}): Promise<AliyunSmsFake> {
  const started = await startAliyunSmsFake(options);
  open.push(started);
  return started;
}

const credentials = {
  accessKeyId: 'LTAI-test',
  accessKeySecret: 'test-secret',
  signName: '线索助手',
  templateCode: 'SMS_465890123',
};

function notifierFor(server: AliyunSmsFake, extra: Partial<AliyunSmsNotifierOptions> = {}) {
  return aliyunSmsNotifier({ ...credentials, endpoint: server.url, ...extra });
}

let counter = 0;
const sms = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `lead-${++counter}/sla.unassigned/1`,
  channel: 'sms',
  to: ['13800138000'],
  text: '线索 15 分钟未分配',
  data: { lead: `lead-${counter}`, minutes: 15 },
  ...extra,
});

runNotifierContract(
  'aliyun-sms (loopback Dysmsapi)',
  async () => {
    const server = await fake();
    return {
      notifier: notifierFor(server),
      deliveries: () => server.deliveries(),
      stall: () => server.stall(),
    };
  },
  { channel: 'sms', to: ['13800138000'] },
);

describe('aliyunSmsNotifier: the SendSms request', () => {
  it('sends PhoneNumbers, SignName, TemplateCode, TemplateParam (a JSON string) and OutId = the key, signed', async () => {
    const server = await fake({ templates: { SMS_465890123: ['lead', 'minutes'] } });
    const message = sms({ to: ['+86 138-0013-8000', '8613900139000'] });
    const result = await notifierFor(server).send(message);
    expect(result).toMatchObject({ ok: true, providerId: expect.stringMatching(/\^0$/) });
    expect(server.sent.map((s) => s.phone)).toEqual(['13800138000', '13900139000']);
    expect(server.sent[0]).toMatchObject({
      outId: message.idempotencyKey,
      signName: '线索助手',
      templateCode: 'SMS_465890123',
      templateParam: { lead: message.data && (message.data as { lead: string }).lead, minutes: '15' },
    });
    expect(server.requests).toEqual([{ action: 'SendSms', code: 'OK' }]);
  });

  it('uses templateParams when given, and no TemplateParam when it returns undefined', async () => {
    const server = await fake({ templates: { SMS_465890123: ['who'] } });
    const notifier = notifierFor(server, { templateParams: () => ({ who: '张三' }) });
    expect(await notifier.send(sms())).toMatchObject({ ok: true });
    expect(server.sent[0]?.templateParam).toEqual({ who: '张三' });
    const bare = notifierFor(server, { templateParams: () => undefined });
    const missing = await bare.send(sms());
    expect(missing).toMatchObject({ ok: false, retryable: false });
    expect(missing.ok === false && missing.error).toContain('isv.TEMPLATE_MISSING_PARAMETERS');
  });

  it('a key too long for OutId is sent as its SHA-256, the same for every attempt', () => {
    const long = `lead-1/${'x'.repeat(300)}`;
    expect(aliyunOutId(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(aliyunOutId(long)).toBe(aliyunOutId(long));
    expect(aliyunOutId('lead-1/sla/1')).toBe('lead-1/sla/1');
  });

  it('refuses numbers that are not mainland mobiles before any request', async () => {
    const server = await fake();
    const notifier = notifierFor(server);
    for (const bad of ['12800138000', '1380013800', '+85291234567', 'rep-1']) {
      const result = await notifier.send(sms({ to: [bad] }));
      expect(result).toMatchObject({ ok: false, retryable: false });
      expect(result.ok === false && result.error).toContain(bad);
    }
    expect(server.requests).toEqual([]);
  });
});

describe('aliyunSmsNotifier: codes', () => {
  it('classifies the documented codes', () => {
    expect(classifyAliyunSmsCode('OK', 200)).toBe('ok');
    expect(classifyAliyunSmsCode('isv.BUSINESS_LIMIT_CONTROL', 200)).toBe('retryable');
    expect(classifyAliyunSmsCode('Throttling.User', 400)).toBe('retryable');
    expect(classifyAliyunSmsCode('isv.MOBILE_NUMBER_ILLEGAL', 200)).toBe('permanent');
    expect(classifyAliyunSmsCode('isv.SMS_TEMPLATE_ILLEGAL', 200)).toBe('permanent');
    expect(classifyAliyunSmsCode('isv.SMS_SIGNATURE_ILLEGAL', 200)).toBe('permanent');
    expect(classifyAliyunSmsCode('InvalidAccessKeyId.NotFound', 404)).toBe('config');
    expect(classifyAliyunSmsCode('SignatureDoesNotMatch', 400)).toBe('config');
    expect(classifyAliyunSmsCode('isp.SYSTEM_ERROR', 200)).toBe('unknown');
    expect(classifyAliyunSmsCode('ServiceUnavailable', 503)).toBe('unknown');
    expect(classifyAliyunSmsCode('InternalError', 500)).toBe('unknown');
  });

  it('flow control (isv.BUSINESS_LIMIT_CONTROL) and Throttling are retryable; the retry delivers once', async () => {
    const server = await fake();
    server.queue(
      { code: 'isv.BUSINESS_LIMIT_CONTROL', message: '触发分钟级流控Permits:1' },
      { code: 'Throttling.User', message: 'Request was denied due to user flow control.', status: 400 },
    );
    const notifier = notifierFor(server);
    const message = sms();
    const first = await notifier.send(message);
    expect(first).toMatchObject({ ok: false, retryable: true });
    expect(first.ok === false && first.error).toContain('isv.BUSINESS_LIMIT_CONTROL 触发分钟级流控Permits:1');
    expect(await notifier.send(message)).toMatchObject({ ok: false, retryable: true });
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    expect(server.deliveries()).toBe(1);
    // Nothing was uncertain, so no QuerySendDetails.
    expect(server.requests.map((r) => r.action)).toEqual(['SendSms', 'SendSms', 'SendSms']);
  });

  it('an illegal number, template or signature is permanent', async () => {
    const server = await fake();
    server.rejectNumber('13800138001', 'isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    const illegal = await notifierFor(server).send(sms({ to: ['13800138001'] }));
    expect(illegal).toMatchObject({ ok: false, retryable: false });
    const template = await notifierFor(server, { templateCode: 'SMS_0' }).send(sms());
    expect(template.ok === false && !template.retryable && template.error).toContain(
      'isv.SMS_TEMPLATE_ILLEGAL',
    );
    const signature = await notifierFor(server, { signName: '未审核' }).send(sms());
    expect(signature.ok === false && !signature.retryable && signature.error).toContain(
      'isv.SMS_SIGNATURE_ILLEGAL',
    );
    expect(server.deliveries()).toBe(0);
  });

  it('a wrong secret, an unknown AccessKey and a skewed clock are configuration errors', async () => {
    const server = await fake();
    const wrongSecret = await notifierFor(server, { accessKeySecret: 'nope' }).send(sms());
    expect(wrongSecret).toMatchObject({
      ok: false,
      retryable: false,
      kind: 'config',
      providerCode: 'SignatureDoesNotMatch',
    });
    expect(wrongSecret.ok === false && wrongSecret.error).toMatch(
      /^aliyun-sms: SignatureDoesNotMatch .*HTTP 400/,
    );
    const unknownKey = await notifierFor(server, { accessKeyId: 'LTAI-other' }).send(sms());
    expect(unknownKey).toMatchObject({ kind: 'config', providerCode: 'InvalidAccessKeyId.NotFound' });
    expect(unknownKey.ok === false && unknownKey.error).toContain('InvalidAccessKeyId.NotFound');
    const skewed = createVirtualClock(Date.now() - 20 * 60_000);
    const late = await notifierFor(server, { clock: skewed }).send(sms());
    expect(late.ok === false && !late.retryable && late.error).toContain('InvalidTimeStamp.Expired');
    expect(server.deliveries()).toBe(0);
  });

  it('a reused nonce is refused by the server and is retryable', async () => {
    const server = await fake();
    const notifier = notifierFor(server, { nonce: () => 'always-the-same' });
    expect(await notifier.send(sms())).toMatchObject({ ok: true });
    const replay = await notifier.send(sms());
    expect(replay).toMatchObject({ ok: false, retryable: true });
    expect(replay.ok === false && replay.error).toContain('SignatureNonceUsed');
  });

  it('a refused connection proves nothing was sent: retryable, and the retry does not query first', async () => {
    const closed = await startLoopbackServer(() => {});
    const url = closed.url;
    await closed.close();
    const result = await aliyunSmsNotifier({ ...credentials, endpoint: url }).send(sms());
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.ok === false && result.error).toMatch(/not sent .*ECONNREFUSED/);
  });
});

describe('aliyunSmsNotifier: unknown outcomes (SendSms is not idempotent)', () => {
  it('a lost reply is retryable; the retry finds the OutId in QuerySendDetails and sends nothing', async () => {
    const clock = createVirtualClock(Date.parse('2026-03-02T01:15:00Z'));
    const server = await fake({ clock });
    server.queue({ drop: true, accept: true });
    const notifier = notifierFor(server, { clock });
    const message = sms();
    const first = await notifier.send(message);
    expect(first).toMatchObject({ ok: false, retryable: true });
    expect(first.ok === false && first.error).toContain('outcome unknown');
    expect(first.ok === false && first.error).toContain(`OutId "${message.idempotencyKey}"`);
    expect(server.deliveries()).toBe(1);

    expect(await notifier.send(message)).toEqual({ ok: true, duplicate: true });
    expect(await notifier.send(message)).toEqual({ ok: true, duplicate: true });
    expect(server.deliveries()).toBe(1);
    expect(server.requests.map((r) => r.action)).toEqual(['SendSms', 'QuerySendDetails']);
  });

  it('a 5xx or an unreadable answer is unknown; when the query finds nothing, the retry sends', async () => {
    const server = await fake();
    server.queue({ status: 503, body: '<html>Service Unavailable</html>' }, { malformed: true });
    const notifier = notifierFor(server);
    const message = sms();
    const first = await notifier.send(message);
    expect(first.ok === false && first.retryable && first.error).toContain('HTTP 503');
    const second = await notifier.send(message);
    expect(second.ok === false && second.retryable && second.error).toContain('unreadable answer');
    expect(await notifier.send(message)).toMatchObject({ ok: true, providerId: expect.any(String) });
    expect(server.deliveries()).toBe(1);
    expect(server.requests.map((r) => r.action)).toEqual([
      'SendSms',
      'QuerySendDetails',
      'SendSms',
      'QuerySendDetails',
      'SendSms',
    ]);
  });

  it('an accepted message whose answer hangs: the aborted send settles, the retry does not send again', async () => {
    const server = await fake();
    server.queue({ hang: true, accept: true });
    const notifier = notifierFor(server);
    const message = sms();
    const controller = new AbortController();
    const sending = notifier.send(message, { signal: controller.signal });
    while (server.deliveries() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('send timeout'));
    expect(await sending).toMatchObject({ ok: false, retryable: true });
    expect(await notifier.send(message)).toEqual({ ok: true, duplicate: true });
    expect(server.deliveries()).toBe(1);
  });

  it("unknownOutcome 'fail' reports a permanent failure; a re-drive still checks before sending", async () => {
    const server = await fake();
    server.queue({ malformed: true, accept: true });
    const notifier = notifierFor(server, { unknownOutcome: 'fail' });
    const message = sms();
    const first = await notifier.send(message);
    expect(first).toMatchObject({ ok: false, retryable: false });
    expect(first.ok === false && first.error).toContain('look for OutId');
    expect(await notifier.send(message)).toEqual({ ok: true, duplicate: true });
    expect(server.deliveries()).toBe(1);
  });

  it('when the check itself fails, nothing is sent and the attempt is retryable', async () => {
    const server = await fake();
    server.queue({ drop: true });
    server.queueQuery({ code: 'Throttling.User', status: 400 });
    const notifier = notifierFor(server);
    const message = sms();
    expect(await notifier.send(message)).toMatchObject({ ok: false, retryable: true });
    const blocked = await notifier.send(message);
    expect(blocked.ok === false && blocked.retryable && blocked.error).toMatch(
      /could not check .*nothing sent/,
    );
    expect(server.requests.filter((r) => r.action === 'SendSms')).toHaveLength(1);
    // The drop happened before sending, so the next check finds nothing and the message goes out once.
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    expect(server.deliveries()).toBe(1);
  });

  it('searches past the first page of records; gives up (retryable, nothing sent) beyond maxVerifyPages', async () => {
    const clock = createVirtualClock(Date.parse('2026-03-02T01:15:00Z'));
    const server = await fake({ clock });
    server.queue({ drop: true, accept: true });
    const notifier = notifierFor(server, { clock });
    const message = sms();
    await notifier.send(message);
    const shallow = notifierFor(server, { clock, maxVerifyPages: 1 });
    server.queue({ drop: true, accept: true });
    const other = sms();
    await shallow.send(other);
    // 120 newer records for the same number and day push both messages to the third page.
    for (let i = 0; i < 120; i += 1) {
      server.seed({
        phone: '13800138000',
        outId: `other-${i}`,
        signName: '线索助手',
        templateCode: 'SMS_465890123',
        templateParam: undefined,
        sendDate: '20260302',
        sendTime: '2026-03-02 09:20:00',
      });
    }
    const inconclusive = await shallow.send(other);
    expect(inconclusive.ok === false && inconclusive.retryable && inconclusive.error).toContain(
      'more than 50 records',
    );

    expect(await notifier.send(message)).toEqual({ ok: true, duplicate: true });
    expect(server.sent.filter((s) => s.outId === message.idempotencyKey)).toHaveLength(1);
  });
});
