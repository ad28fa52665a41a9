import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifySmtpError,
  type EmailMail,
  type EmailNotifier,
  type EmailNotifierOptions,
  emailMessageId,
  emailNotifier,
} from '../../../src/adapters/notify/email.js';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import { type SmtpFake, type SmtpFakeOptions, startSmtpFake } from './fakes/smtp.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

async function smtp(options: SmtpFakeOptions = {}): Promise<SmtpFake> {
  const server = await startSmtpFake(options);
  cleanup.push(() => server.close());
  return server;
}

function notifierFor(server: SmtpFake, extra: Partial<EmailNotifierOptions> = {}): EmailNotifier {
  const notifier = emailNotifier({
    smtp: { host: server.host, port: server.port, secure: false, ignoreTLS: true },
    from: '线索助手 <leadflow@example.com>',
    ...extra,
  });
  cleanup.unshift(() => notifier.close());
  return notifier;
}

let counter = 0;
const mail = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `lead-${++counter}/sla.unopened/1`,
  channel: 'email',
  to: ['rep-a@example.com'],
  subject: 'Lead waiting',
  text: `Lead lead-${counter} has not been opened for 30 minutes`,
  ...extra,
});

runNotifierContract(
  'email (nodemailer pool → in-process smtp-server)',
  async () => {
    const server = await smtp();
    return {
      notifier: notifierFor(server),
      deliveries: () => server.deliveries(),
      stall: () => server.stall(),
    };
  },
  { channel: 'email', to: ['rep-1@example.com'] },
);

describe('emailMessageId', () => {
  test.prop([fc.string({ unit: 'grapheme' }), fc.domain()])('is stable per key', (key, domain) => {
    expect(emailMessageId(key, domain)).toBe(emailMessageId(key, domain));
    expect(emailMessageId(key, domain)).toMatch(
      new RegExp(`^<[0-9a-f]{40}@${domain.replace(/\./g, '\\.')}>$`),
    );
  });

  test.prop([fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' })])(
    'differs across keys',
    (a, b) => {
      fc.pre(a !== b);
      expect(emailMessageId(a, 'example.com')).not.toBe(emailMessageId(b, 'example.com'));
    },
  );
});

describe('emailNotifier: the message', () => {
  it('goes to the recipients with From, Subject, the text and a Message-ID from the key', async () => {
    const server = await smtp();
    const message = mail({
      to: ['rep-a@example.com', 'Rep-B@Example.com'],
      subject: '线索待跟进：苏州工业园区',
    });
    const result = await notifierFor(server).send(message);
    const messageId = emailMessageId(message.idempotencyKey, 'example.com');
    expect(result).toEqual({ ok: true, providerId: messageId });
    expect(server.messages).toHaveLength(1);
    const [received] = server.messages;
    expect(received?.from).toBe('leadflow@example.com');
    // nodemailer lower-cases the domain; the local part is kept as given.
    expect(received?.to).toEqual(['rep-a@example.com', 'Rep-B@example.com']);
    expect(received?.messageId).toBe(messageId);
    expect(received?.subject).toBe('线索待跟进：苏州工业园区');
    expect(received?.headers.get('from')).toBe('线索助手 <leadflow@example.com>');
    expect(received?.raw).toContain(message.text);
  });

  it('subject falls back to the template, then to the first line of the text', async () => {
    const server = await smtp();
    const notifier = notifierFor(server);
    await notifier.send(mail({ subject: undefined, template: 'lead-unopened' }));
    await notifier.send(mail({ subject: undefined, text: 'First line\nsecond line' }));
    expect(server.messages.map((m) => m.subject)).toEqual(['lead-unopened', 'First line']);
  });

  it('html, extra headers and messageIdDomain', async () => {
    const server = await smtp();
    const notifier = notifierFor(server, {
      html: (m) => `<p>${m.text}</p>`,
      headers: { 'X-Leadflow-Tenant': 't-1' },
      messageIdDomain: 'crm.example.org',
    });
    const message = mail();
    await notifier.send(message);
    const [received] = server.messages;
    expect(received?.headers.get('x-leadflow-tenant')).toBe('t-1');
    expect(received?.messageId).toBe(emailMessageId(message.idempotencyKey, 'crm.example.org'));
    expect(received?.raw).toContain('text/html');
  });

  it('refuses what is not an address before connecting', async () => {
    const server = await smtp();
    const result = await notifierFor(server).send(mail({ to: ['rep-a@example.com', 'rep-1'] }));
    expect(result).toEqual({ ok: false, retryable: false, error: 'email: "rep-1" is not an e-mail address' });
    expect(server.rcpts).toEqual([]);
  });

  it('needs exactly one of smtp and transporter, and a from with a domain', () => {
    expect(() => emailNotifier({ from: 'a@example.com' })).toThrow(TypeError);
    expect(() => emailNotifier({ from: 'nobody', smtp: { host: '127.0.0.1' } })).toThrow(/messageIdDomain/);
  });
});

describe('emailNotifier: SMTP replies', () => {
  it('451 for one recipient: retryable, and the retry goes only to that recipient with the same Message-ID', async () => {
    const server = await smtp();
    server.rejectRecipient('rep-b@example.com', 451, '4.2.1 mailbox busy, try later');
    const notifier = notifierFor(server);
    const message = mail({ to: ['rep-a@example.com', 'rep-b@example.com'] });
    const first = await notifier.send(message);
    expect(first).toMatchObject({ ok: false, retryable: true });
    expect(first.ok === false && first.error).toContain(
      '1 of 2 recipients to retry: rep-b@example.com EENVELOPE 451',
    );
    expect(first.ok === false && first.error).toContain('reached rep-a@example.com (not sent again)');
    server.allowRecipient('rep-b@example.com');
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    expect(server.messages.map((m) => m.to)).toEqual([['rep-a@example.com'], ['rep-b@example.com']]);
    expect(new Set(server.messages.map((m) => m.messageId)).size).toBe(1);
    expect(await notifier.send(message)).toMatchObject({ ok: true, duplicate: true });
  });

  it('550 for one recipient is permanent for that recipient: a partial delivery naming the reply', async () => {
    const server = await smtp();
    server.rejectRecipient('gone@example.com', 550, '5.1.1 user unknown');
    const result = await notifierFor(server).send(mail({ to: ['rep-a@example.com', 'gone@example.com'] }));
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.rejected).toEqual([
      { recipient: 'gone@example.com', reason: expect.stringMatching(/^EENVELOPE 550 5\.1\.1 user unknown/) },
    ]);
    expect(server.deliveries()).toBe(1);
  });

  it('every recipient refused: 451 is retryable, 550 permanent', async () => {
    const server = await smtp();
    server.rejectRecipient('busy@example.com', 451);
    server.rejectRecipient('gone@example.com', 550);
    const notifier = notifierFor(server);
    expect(await notifier.send(mail({ to: ['busy@example.com'] }))).toMatchObject({
      ok: false,
      retryable: true,
    });
    expect(await notifier.send(mail({ to: ['gone@example.com'] }))).toMatchObject({
      ok: false,
      retryable: false,
    });
    const mixed = await notifier.send(mail({ to: ['busy@example.com', 'gone@example.com'] }));
    expect(mixed.ok === false && mixed.retryable && mixed.error).toContain(
      'refused for good: gone@example.com',
    );
    expect(server.deliveries()).toBe(0);
  });

  it('a refused DATA: 451 retryable, 554 permanent', async () => {
    const server = await smtp();
    server.failData({ code: 451, message: '4.3.0 temporary failure' }, { code: 554, message: '5.7.1 spam' });
    const notifier = notifierFor(server);
    const message = mail();
    const soft = await notifier.send(message);
    expect(soft.ok === false && soft.retryable && soft.error).toContain('451 4.3.0 temporary failure');
    const hard = await notifier.send(mail());
    expect(hard.ok === false && !hard.retryable && hard.error).toContain('554 5.7.1 spam');
    expect(await notifier.send(message)).toMatchObject({ ok: true });
    expect(server.deliveries()).toBe(1);
  });

  it('a wrong password is a configuration error', async () => {
    const server = await smtp({ auth: { user: 'leadflow', pass: 'right' } });
    const notifier = notifierFor(server, {
      smtp: {
        host: server.host,
        port: server.port,
        secure: false,
        ignoreTLS: true,
        auth: { user: 'leadflow', pass: 'wrong' },
      },
    });
    const result = await notifier.send(mail());
    expect(result).toMatchObject({ ok: false, retryable: false, kind: 'config' });
    expect(result.ok === false && result.error).toContain('EAUTH');
    const good = notifierFor(server, {
      smtp: {
        host: server.host,
        port: server.port,
        secure: false,
        ignoreTLS: true,
        auth: { user: 'leadflow', pass: 'right' },
      },
    });
    expect(await good.send(mail())).toMatchObject({ ok: true });
  });

  it('a refused connection is retryable', async () => {
    const server = await smtp();
    await server.close();
    const result = await notifierFor(server).send(mail());
    expect(result.ok === false && result.retryable && result.error).toMatch(/ECONNECTION|ECONNREFUSED/);
  });

  it('classifies codes as RFC 5321 and nodemailer do', () => {
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 452 })).toBe('retryable');
    expect(classifySmtpError({ code: 'EMESSAGE', responseCode: 552 })).toBe('permanent');
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 503 })).toBe('retryable');
    expect(classifySmtpError({ code: 'EENVELOPE' })).toBe('permanent');
    expect(classifySmtpError({ code: 'ETIMEDOUT' })).toBe('retryable');
    expect(classifySmtpError({ code: 'ECONNECTION' })).toBe('retryable');
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535 })).toBe('config');
    expect(classifySmtpError(new Error('boom'))).toBe('retryable');
  });
});

describe('emailNotifier: cancellation', () => {
  it('a stalled server: the send settles when its signal fires', async () => {
    const server = await smtp();
    const notifier = notifierFor(server);
    server.stall();
    const controller = new AbortController();
    const message = mail();
    const sending = notifier.send(message, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('send timeout'));
    const result = await sending;
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.ok === false && result.error).toContain('send timeout');
    expect(server.deliveries()).toBe(0);
    // nodemailer closes the connection that was delivering the aborted message.
    for (let i = 0; i < 200 && server.openConnections() > 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(server.openConnections()).toBe(0);
  });

  it('a host transporter that ignores the signal is raced; it is never closed by the notifier', async () => {
    const mails: EmailMail[] = [];
    let closed = false;
    const notifier = emailNotifier({
      from: 'leadflow@example.com',
      transporter: {
        sendMail: (m) => {
          mails.push(m);
          return new Promise(() => {});
        },
        close: () => {
          closed = true;
        },
      },
    });
    const controller = new AbortController();
    const sending = notifier.send(mail(), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('send timeout'));
    expect(await sending).toMatchObject({ ok: false, retryable: true });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.signal).toBe(controller.signal);
    await notifier.close();
    expect(closed).toBe(false);
  });
});
