/**
 * E-mail through nodemailer's pooled SMTP transport (nodemailer is an optional peer dependency,
 * loaded on the first send).
 *
 * @module
 */
import type { SMTPPoolOptions } from 'nodemailer';
import { createDeliveryLedger, errorText, type ReachedRecipients, sha256Hex } from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyResult } from './port.js';

/**
 * One message as {@link EmailTransporter.sendMail} receives it (the subset of nodemailer's
 * `SendMailOptions` this notifier fills in).
 *
 * @example
 * ```ts
 * import type { EmailMail } from 'leadflow/notify/email';
 * const mail: EmailMail = { from: 'Leadflow <noreply@example.com>', to: ['rep@example.com'], subject: 'Lead waiting', text: '…', messageId: '<3f…@example.com>' };
 * ```
 * @category Notifications
 */
export interface EmailMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  headers?: Record<string, string>;
  /** Cancels the send (nodemailer ≥ 10.5 closes the connection delivering it). */
  signal?: AbortSignal;
}

/**
 * What a send of an {@link EmailTransporter} resolves to (the fields of nodemailer's SMTP
 * `SentMessageInfo` this notifier reads).
 *
 * @example
 * ```ts
 * import type { EmailSendInfo } from 'leadflow/notify/email';
 * const info: EmailSendInfo = { accepted: ['rep@example.com'], rejected: [], response: '250 OK queued as 1A2B' };
 * ```
 * @category Notifications
 */
export interface EmailSendInfo {
  accepted?: readonly (string | { address: string })[];
  rejected?: readonly (string | { address: string })[];
  /** One error per rejected recipient, with `recipient`, `responseCode` and `response`. */
  rejectedErrors?: readonly unknown[];
  messageId?: string;
  response?: string;
}

/**
 * A transporter the host already has: a nodemailer `Transporter` (from `createTransport`) or
 * anything with the same `sendMail`.
 *
 * @example
 * ```ts
 * import nodemailer from 'nodemailer';
 * import type { EmailTransporter } from 'leadflow/notify/email';
 * const transporter: EmailTransporter = nodemailer.createTransport({ pool: true, host: 'smtp.example.com', port: 465, secure: true });
 * ```
 * @category Notifications
 */
export interface EmailTransporter {
  sendMail(mail: EmailMail): Promise<EmailSendInfo>;
  close?(): void;
}

/**
 * Options of {@link emailNotifier}: give `smtp` (the notifier creates and owns a pooled
 * transport) or `transporter` (the host's; never closed by the notifier).
 *
 * @example
 * ```ts
 * import type { EmailNotifierOptions } from 'leadflow/notify/email';
 * const options: EmailNotifierOptions = {
 *   smtp: { host: 'smtp.exmail.qq.com', port: 465, secure: true, auth: { user: 'leadflow@example.com', pass: process.env.SMTP_PASS ?? '' } },
 *   from: '线索助手 <leadflow@example.com>',
 * };
 * ```
 * @category Notifications
 */
export interface EmailNotifierOptions {
  /**
   * Options of nodemailer's pooled SMTP transport (`pool: true` is implied: `maxConnections`
   * 5, `maxMessages` 100, `rateLimit` shared by the pool's connections), or an `smtp(s)://` URL.
   */
  smtp?: Omit<SMTPPoolOptions, 'pool'> | string;
  /** A transporter the host owns, instead of `smtp`. */
  transporter?: EmailTransporter;
  /** The `From` address, e.g. `线索助手 <leadflow@example.com>`. */
  from: string;
  /**
   * The subject of a message.
   * @default message.subject ?? message.template ?? the first line of message.text (at most 78 characters)
   */
  subject?: (message: NotifyMessage) => string;
  /** An HTML body besides the plain text (`message.text`). @default none */
  html?: (message: NotifyMessage) => string | undefined;
  /** Extra headers for every message. */
  headers?: Readonly<Record<string, string>>;
  /**
   * The domain of the `Message-ID`s ({@link emailMessageId}).
   * @default the domain of `from`
   */
  messageIdDomain?: string;
  /** Name reported by `notifier.name` and prefixed to error texts. @default 'email' */
  name?: string;
  /** How many delivered keys to remember. @default 10000 */
  rememberKeys?: number;
}

/**
 * An e-mail {@link Notifier} that can release its SMTP pool.
 *
 * @example
 * ```ts
 * import { emailNotifier, type EmailNotifier } from 'leadflow/notify/email';
 * const email: EmailNotifier = emailNotifier({ smtp: 'smtp://127.0.0.1:2525', from: 'noreply@example.com' });
 * process.on('SIGTERM', () => void email.close());
 * ```
 * @category Notifications
 */
export interface EmailNotifier extends Notifier {
  /** Close the pooled transport this notifier created (a host's `transporter` is left alone). */
  close(): Promise<void>;
}

/**
 * The `Message-ID` of a notification: `<` + the first 40 hex digits of SHA-256(key) + `@domain>`.
 * The same for every attempt of a key (mail clients and stores such as Gmail collapse copies with
 * one `Message-ID`), different across keys.
 *
 * @example
 * ```ts
 * import { emailMessageId } from 'leadflow/notify/email';
 * emailMessageId('lead-1/sla.unopened/1', 'example.com'); // '<…40 hex digits…@example.com>'
 * ```
 * @category Notifications
 */
export function emailMessageId(idempotencyKey: string, domain: string): string {
  return `<${sha256Hex(idempotencyKey).slice(0, 40)}@${domain}>`;
}

/**
 * How {@link classifySmtpError} sorts a nodemailer error.
 *
 * @example
 * ```ts
 * import type { SmtpOutcome } from 'leadflow/notify/email';
 * const alert = (o: SmtpOutcome) => o === 'config';
 * ```
 * @category Notifications
 */
export type SmtpOutcome = 'retryable' | 'permanent' | 'config';

const CONFIG_CODES = /* @__PURE__ */ (() =>
  new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'EREQUIRETLS']))();

/**
 * Sort a nodemailer error (or one entry of `rejectedErrors`): an SMTP reply 4yz → retryable,
 * 5yz → permanent (RFC 5321 §4.2.1), except 503 "bad sequence of commands", which is about the
 * session and not the message (retryable, as nodemailer treats it); authentication and
 * configuration codes (`EAUTH`, `ENOAUTH`, `EOAUTH2`, `ECONFIG`, `EREQUIRETLS`) → config; a
 * recipient nodemailer refuses itself (`EENVELOPE` without a reply) → permanent; connection
 * trouble (`ECONNECTION`, `ETIMEDOUT`, `ESOCKET`, `EDNS`, `ETLS`, `EPROTOCOL`, `EABORT`) and
 * anything else → retryable.
 *
 * @example
 * ```ts
 * import { classifySmtpError } from 'leadflow/notify/email';
 * classifySmtpError({ code: 'EENVELOPE', responseCode: 451 }); // 'retryable'
 * classifySmtpError({ code: 'EENVELOPE', responseCode: 550 }); // 'permanent'
 * classifySmtpError({ code: 'EAUTH', responseCode: 535 }); // 'config'
 * ```
 * @category Notifications
 */
export function classifySmtpError(error: unknown): SmtpOutcome {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  if (typeof code === 'string' && CONFIG_CODES.has(code)) return 'config';
  if (typeof responseCode === 'number') {
    if (responseCode >= 400 && responseCode < 500) return 'retryable';
    if (responseCode === 503) return 'retryable';
    if (responseCode >= 500 && responseCode < 600) return 'permanent';
  }
  if (code === 'EENVELOPE') return 'permanent';
  return 'retryable';
}

const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

function addressOf(value: string | { address: string }): string {
  return (typeof value === 'string' ? value : value.address).trim().toLowerCase();
}

function domainOf(from: string): string | undefined {
  const match = /@([^\s>]+)>?\s*$/.exec(from);
  return match?.[1];
}

function defaultSubject(message: NotifyMessage): string {
  if (message.subject) return message.subject;
  if (message.template) return message.template;
  const line = message.text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > 78 ? `${line.slice(0, 77)}…` : line;
}

/** The SMTP reply code (`550`) or nodemailer's error code (`EAUTH`) of an error, if any. */
function smtpCode(error: unknown): string | undefined {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  if (typeof responseCode === 'number') return String(responseCode);
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/**
 * Whether a failed send may still have been delivered: an abort or a connection lost once the
 * message was being transmitted (nodemailer does not say how far it got, so any connection
 * error counts; an SMTP reply or an envelope refusal means the server refused it).
 */
function mayHaveDelivered(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  if (typeof responseCode === 'number') return false;
  return code === 'ETIMEDOUT' || code === 'ESOCKET' || code === 'ECONNECTION' || code === 'EABORT';
}

function describe(error: unknown): string {
  const { code, response } = (error ?? {}) as { code?: unknown; response?: unknown };
  const reply = typeof response === 'string' && response.length > 0 ? response : errorText(error);
  return typeof code === 'string' ? `${code} ${reply}` : reply;
}

/**
 * Create an e-mail {@link Notifier}: each message goes to the addresses in `message.to` (an
 * address that is not `local@domain` is a permanent failure before sending) with `Subject` from
 * `subject(message)`, the plain text `message.text` (and `html(message)` when given) and a
 * `Message-ID` derived from the idempotency key ({@link emailMessageId}).
 *
 * **Per recipient.** The SMTP server answers each `RCPT TO` separately: recipients it accepted are
 * remembered for the key and never sent to again; recipients refused with 4yz (and 503) make the
 * send a retryable failure whose retry goes only to them; 5yz refusals are permanent failures
 * naming each address and reply — or, when other addresses were reached, a success listing the
 * refused ones in `rejected`. A failure of the whole
 * message (the reply to `DATA`, a lost connection) is classified by {@link classifySmtpError}.
 *
 * **Idempotency.** Delivered keys are remembered (the last `rememberKeys`) and a repeat is
 * acknowledged with `{ ok: true, duplicate: true }` without sending; concurrent sends of one key
 * share one delivery. A retry after an unknown outcome (a timeout after `DATA`) carries the same
 * `Message-ID`, which lets mail stores and clients collapse the copies.
 *
 * **Cancellation.** The send's `signal` is handed to nodemailer (≥ 10.5 removes a queued message
 * from the pool or closes the connection delivering it, so a stalled server does not keep the
 * socket) and the send settles as soon as it fires even with a transporter that ignores it.
 *
 * @example
 * ```ts
 * import { emailNotifier } from 'leadflow/notify/email';
 * const email = emailNotifier({
 *   smtp: { host: 'smtp.exmail.qq.com', port: 465, secure: true, auth: { user: 'leadflow@example.com', pass: process.env.SMTP_PASS ?? '' } },
 *   from: '线索助手 <leadflow@example.com>',
 * });
 * await email.send({ idempotencyKey: 'lead-1/sla.unopened/1', channel: 'email', to: ['rep-a@example.com'], subject: '线索待跟进', text: '线索 lead-1 30 分钟未打开' });
 * await email.close();
 * ```
 * @category Notifications
 */
export function emailNotifier(options: EmailNotifierOptions): EmailNotifier {
  if ((options.smtp === undefined) === (options.transporter === undefined)) {
    throw new TypeError('emailNotifier: give exactly one of options.smtp and options.transporter');
  }
  if (typeof options.from !== 'string' || options.from.trim() === '') {
    throw new TypeError('emailNotifier: options.from must be an address');
  }
  const domain = options.messageIdDomain ?? domainOf(options.from);
  if (!domain) throw new TypeError('emailNotifier: no domain in options.from; set options.messageIdDomain');
  const name = options.name ?? 'email';
  const subjectOf = options.subject ?? defaultSubject;
  const ledger = createDeliveryLedger(name, options.rememberKeys ?? 10_000);
  const smtp = options.smtp;
  let owned: Promise<EmailTransporter> | undefined;
  let closed = false;

  function transporter(): Promise<EmailTransporter> {
    if (options.transporter) return Promise.resolve(options.transporter);
    if (!owned) {
      owned = import('nodemailer').then(({ createTransport }) =>
        typeof smtp === 'string'
          ? (createTransport(
              smtp.includes('?') ? `${smtp}&pool=true` : `${smtp}?pool=true`,
            ) as unknown as EmailTransporter)
          : (createTransport({ ...(smtp as SMTPPoolOptions), pool: true }) as unknown as EmailTransporter),
      );
    }
    return owned;
  }

  async function attempt(
    message: NotifyMessage,
    reached: ReachedRecipients,
    signal: AbortSignal | undefined,
  ): Promise<NotifyResult> {
    if (closed) return { ok: false, retryable: true, error: `${name}: the notifier was closed` };
    const recipients: string[] = [];
    for (const raw of message.to) {
      const address = String(raw).trim();
      if (!ADDRESS.test(address)) {
        return { ok: false, retryable: false, error: `${name}: "${String(raw)}" is not an e-mail address` };
      }
      if (!recipients.some((r) => r.toLowerCase() === address.toLowerCase())) recipients.push(address);
    }
    if (recipients.length === 0) return { ok: false, retryable: false, error: `${name}: no recipients` };
    let subject: string;
    let html: string | undefined;
    try {
      subject = subjectOf(message);
      html = options.html?.(message);
    } catch (error) {
      return {
        ok: false,
        retryable: false,
        error: `${name}: could not render the message: ${errorText(error)}`,
      };
    }
    const pending = recipients.filter((r) => !reached.has(r.toLowerCase()));
    if (pending.length === 0) return { ok: true, duplicate: true };
    const messageId = emailMessageId(message.idempotencyKey, domain as string);
    const mail: EmailMail = {
      from: options.from,
      to: pending,
      subject,
      text: message.text,
      messageId,
      ...(html === undefined ? {} : { html }),
      ...(options.headers ? { headers: { ...options.headers } } : {}),
      ...(signal ? { signal } : {}),
    };

    const retry: string[] = [];
    const permanent: { address: string; line: string; reason: string }[] = [];
    let info: EmailSendInfo | undefined;
    try {
      info = await (await transporter()).sendMail(mail);
    } catch (error) {
      const perRecipient = (error as { rejectedErrors?: unknown }).rejectedErrors;
      if (
        (error as { code?: unknown }).code === 'EENVELOPE' &&
        Array.isArray(perRecipient) &&
        perRecipient.length > 0
      ) {
        info = { accepted: [], rejected: pending, rejectedErrors: perRecipient };
      } else {
        const outcome = signal?.aborted ? 'retryable' : classifySmtpError(error);
        const why = signal?.aborted ? `aborted (${errorText(signal.reason)})` : describe(error);
        const code = smtpCode(error);
        return {
          ok: false,
          retryable: outcome === 'retryable',
          kind: outcome,
          ...(code === undefined ? {} : { providerCode: code }),
          // Once DATA may have been accepted, a lost connection or an abort leaves it unknown.
          ...(outcome === 'retryable' && mayHaveDelivered(error, signal) ? { unknown: true } : {}),
          error: `${name}: ${why}`,
        };
      }
    }
    const accepted = new Set((info.accepted ?? []).map(addressOf));
    const errors = new Map<string, unknown>();
    for (const entry of info.rejectedErrors ?? []) {
      const recipient = (entry as { recipient?: unknown } | null)?.recipient;
      if (typeof recipient === 'string') errors.set(recipient.trim().toLowerCase(), entry);
    }
    for (const address of pending) {
      const key = address.toLowerCase();
      if (accepted.has(key)) {
        reached.set(key, messageId);
        continue;
      }
      const error = errors.get(key);
      const reason = error ? describe(error) : 'not accepted';
      const line = `${address} ${reason}`;
      if (error && classifySmtpError(error) !== 'retryable') permanent.push({ address, line, reason });
      else retry.push(line);
    }
    const reachedNow = recipients.filter((r) => reached.has(r.toLowerCase()));
    const reachedText = reachedNow.length > 0 ? `; reached ${reachedNow.join(', ')} (not sent again)` : '';
    if (retry.length > 0) {
      const also =
        permanent.length > 0 ? `; refused for good: ${permanent.map((p) => p.line).join('; ')}` : '';
      return {
        ok: false,
        retryable: true,
        kind: 'retryable',
        error: `${name}: ${retry.length} of ${recipients.length} recipients to retry: ${retry.join('; ')}${also}${reachedText}`,
      };
    }
    if (permanent.length > 0) {
      // Partly delivered: a success naming the addresses that were refused for good.
      if (reachedNow.length > 0) {
        return {
          ok: true,
          providerId: messageId,
          rejected: permanent.map((p) => ({ recipient: p.address, reason: p.reason })),
        };
      }
      const code = smtpCode(errors.get(permanent[0]!.address.toLowerCase()));
      return {
        ok: false,
        retryable: false,
        kind: 'permanent',
        ...(code === undefined ? {} : { providerCode: code }),
        error: `${name}: ${permanent.length} of ${recipients.length} recipients refused: ${permanent.map((p) => p.line).join('; ')}`,
      };
    }
    return { ok: true, providerId: messageId };
  }

  return {
    name,
    send(message: NotifyMessage, context?: NotifyContext): Promise<NotifyResult> {
      const signal = context?.signal;
      return ledger.run(message.idempotencyKey, signal, (reached) => attempt(message, reached, signal));
    },
    async close() {
      closed = true;
      if (owned) (await owned).close?.();
    },
  };
}
