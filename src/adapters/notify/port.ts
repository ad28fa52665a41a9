/**
 * The notifier port: how the engine's outbox reaches people (WeCom, SMS, email, a webhook, the
 * console). A notifier sends one message and reports whether it worked; retries, backoff and
 * dead letters are the outbox's job (`deliverOutbox`), not the notifier's.
 *
 * @module
 */
import type { JsonValue } from '../storage/port.js';

/**
 * Channel of a notification. The named ones are the channels leadflow ships notifiers for; hosts
 * may route their own.
 *
 * @example
 * ```ts
 * import type { NotifyChannel } from 'leadflow';
 * const escalation: NotifyChannel[] = ['wecom', 'sms'];
 * ```
 * @category Notifications
 */
export type NotifyChannel = 'wecom' | 'sms' | 'email' | 'webhook' | 'console' | (string & {});

/**
 * One notification to deliver.
 *
 * `idempotencyKey` identifies the notification (the outbox message id): delivering the same key
 * twice must not reach the recipients twice — see {@link Notifier}.
 *
 * @example
 * ```ts
 * import type { NotifyMessage } from 'leadflow';
 * const message: NotifyMessage = {
 *   idempotencyKey: 'lead-1/sla.unopened/1',
 *   channel: 'wecom',
 *   to: ['rep-1'],
 *   template: 'lead-unopened',
 *   text: 'Lead lead-1 (Suzhou, auto parts) is waiting for you — opened 0 times in 30 minutes',
 *   data: { leadId: 'lead-1', pageViews: 7 },
 * };
 * ```
 * @category Notifications
 */
export interface NotifyMessage {
  /** Unique per notification; a retry of the same notification carries the same key. */
  idempotencyKey: string;
  channel: NotifyChannel;
  /** Recipient ids or addresses (rep ids, phone numbers, emails, user ids of the channel). */
  to: string[];
  /** Template name, for channels that render server-side templates. */
  template?: string;
  subject?: string;
  /** Plain-text body; every channel can fall back to it. */
  text: string;
  /** Structured data for templates and webhooks. */
  data?: JsonValue;
}

/**
 * How a failed send failed: `retryable` (trying again later can help: a timeout, a 5xx, rate
 * limiting), `permanent` (it never will for this message: an unknown recipient, a rejected
 * template) or `config` (permanent, and the host's setup is wrong: a bad key or secret, an IP not
 * allowed, an exhausted balance — worth an alert, every other message of the channel fails too).
 *
 * @example
 * ```ts
 * import type { NotifyFailureKind } from 'leadflow';
 * const page = (kind: NotifyFailureKind | undefined) => kind === 'config';
 * ```
 * @category Notifications
 */
export type NotifyFailureKind = 'retryable' | 'permanent' | 'config';

/**
 * A recipient a send did not reach, with why (a partial delivery: WeCom's `invaliduser`, an SMS
 * number refused, an SMTP `RCPT` answered 5yz). The others were reached.
 *
 * @example
 * ```ts
 * import type { NotifyRejection } from 'leadflow';
 * const r: NotifyRejection = { recipient: 'zhangsan', reason: 'invalid or unlicensed user (invaliduser)' };
 * ```
 * @category Notifications
 */
export interface NotifyRejection {
  recipient: string;
  reason: string;
}

/**
 * A successful {@link NotifyResult}: at least one recipient was reached (or the key had already
 * been delivered: `duplicate: true`, nothing was sent now). `rejected` lists the recipients that
 * were not reached — for good; the outbox reports them (or routes them to a fallback channel)
 * instead of retrying the message.
 *
 * @example
 * ```ts
 * import type { NotifySuccess } from 'leadflow';
 * const partly: NotifySuccess = { ok: true, providerId: 'msg-1', rejected: [{ recipient: 'lisi', reason: 'invaliduser' }] };
 * ```
 * @category Notifications
 */
export interface NotifySuccess {
  ok: true;
  providerId?: string;
  duplicate?: boolean;
  rejected?: NotifyRejection[];
}

/**
 * A failed {@link NotifyResult}. `retryable` decides what the outbox does; the optional fields
 * say more, for the outbox and for people reading its dead letters:
 *
 * - `kind`: see {@link NotifyFailureKind} (absent: `retryable` → `'retryable'`, else
 *   `'permanent'`); `config` failures raise the engine's `delivery.configError` event;
 * - `retryAfterMs`: the provider's (or a local limiter's) hint — the retry comes no earlier;
 * - `providerCode`: the provider's own code (`45009`, `isv.BUSINESS_LIMIT_CONTROL`, `EAUTH`,
 *   `HTTP 503`), kept in the outbox row's `lastError`;
 * - `unknown`: the outcome is unknown — the request may have been delivered (a timeout after it
 *   left, a lost answer); a retry may reach people twice unless the provider deduplicates.
 *
 * @example
 * ```ts
 * import type { NotifyFailure } from 'leadflow';
 * const busy: NotifyFailure = { ok: false, retryable: true, kind: 'retryable', providerCode: '45009', retryAfterMs: 60_000, error: 'wecom-robot: errcode 45009 api freq out of limit' };
 * ```
 * @category Notifications
 */
export interface NotifyFailure {
  ok: false;
  retryable: boolean;
  error: string;
  kind?: NotifyFailureKind;
  retryAfterMs?: number;
  providerCode?: string;
  unknown?: boolean;
}

/**
 * Outcome of {@link Notifier.send}. On failure, `retryable` tells the outbox whether trying again
 * later can help (a timeout, a 5xx, rate limiting) or not (an unknown recipient, a rejected
 * template). `duplicate: true` means the key had already been delivered and nothing was sent now.
 * Every field beyond `ok`, `retryable` and `error` is optional, so a notifier written against the
 * first version of the port still conforms; see {@link NotifySuccess} and {@link NotifyFailure}.
 *
 * @example
 * ```ts
 * import type { NotifyResult } from 'leadflow';
 * const ok: NotifyResult = { ok: true, providerId: 'msg-93f1' };
 * const later: NotifyResult = { ok: false, retryable: true, error: 'wecom: 45009 api freq out of limit', retryAfterMs: 60_000 };
 * const never: NotifyResult = { ok: false, retryable: false, error: 'sms: invalid phone number' };
 * const alert: NotifyResult = { ok: false, retryable: false, kind: 'config', providerCode: '93000', error: 'wecom-robot: invalid webhook url' };
 * ```
 * @category Notifications
 */
export type NotifyResult = NotifySuccess | NotifyFailure;

/**
 * The kind of a failure: its `kind`, or what `retryable` implies when it has none.
 *
 * @example
 * ```ts
 * import { failureKind } from 'leadflow';
 * failureKind({ retryable: false }); // 'permanent'
 * ```
 * @category Notifications
 */
export function failureKind(failure: Pick<NotifyFailure, 'retryable' | 'kind'>): NotifyFailureKind {
  return failure.kind ?? (failure.retryable ? 'retryable' : 'permanent');
}

/**
 * A send limit: at most `limit` sends in any interval of `windowMs` milliseconds.
 *
 * @example
 * ```ts
 * import type { SendLimit } from 'leadflow';
 * const wecomRobot: SendLimit = { limit: 20, windowMs: 60_000 };
 * ```
 * @category Notifications
 */
export interface SendLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * The second argument of {@link Notifier.send}.
 *
 * `signal` fires when the caller stops waiting: the outbox's per-send timeout
 * (`DeliverOutboxOptions.sendTimeoutMs`) ran out, or the delivery round was aborted. Pass it to
 * `fetch` (or your SDK's equivalent) so the request is cancelled instead of left running. Once it
 * has fired, the caller ignores whatever the send resolves to.
 *
 * @example
 * ```ts
 * import type { NotifyContext } from 'leadflow';
 * const context: NotifyContext = { signal: AbortSignal.timeout(5_000) };
 * await notifier.send(message, context); // message: the NotifyMessage the engine hands over
 * ```
 * @category Notifications
 */
export interface NotifyContext {
  signal: AbortSignal;
}

/**
 * Delivers notifications of one or more channels.
 *
 * **Idempotency.** The outbox guarantees at-least-once *attempts*: a worker that crashes after a
 * successful send but before recording it will send again after its lease expires. A notifier
 * therefore must not deliver the same `idempotencyKey` twice. The memory and console notifiers
 * remember the keys they delivered. Real channels pass the key to the provider where it supports
 * deduplication (an `Idempotency-Key` header for webhooks, a client message id for SMS gateways,
 * `Message-ID` for email) and otherwise keep their own record of delivered keys; document which
 * one a notifier does.
 *
 * **Cancellation.** `send` gets a {@link NotifyContext} whose `signal` fires on the outbox's
 * per-send timeout or when delivery is aborted; pass it to `fetch`. A send that ignores it is
 * still abandoned by the outbox (and counted as a retryable failure), but keeps its socket open.
 * An already-aborted signal should make `send` settle at once without delivering.
 *
 * A notifier should report failures as a result; a thrown error, a rejection and anything that
 * is not a valid {@link NotifyResult} are treated by the outbox as retryable failures.
 *
 * @example
 * ```ts
 * import type { Notifier } from 'leadflow';
 * const webhook: Notifier = {
 *   name: 'webhook',
 *   async send(message, context) {
 *     const res = await fetch('https://crm.example.com/hooks/leadflow', {
 *       method: 'POST',
 *       headers: { 'content-type': 'application/json', 'idempotency-key': message.idempotencyKey },
 *       body: JSON.stringify(message),
 *       signal: context?.signal,
 *     });
 *     return res.ok ? { ok: true } : { ok: false, retryable: res.status >= 500 || res.status === 429, error: `HTTP ${res.status}` };
 *   },
 * };
 * ```
 * @category Notifications
 */
export interface Notifier {
  /** Short name for diagnostics, e.g. `wecom`, `console`, `memory`. */
  readonly name: string;
  /**
   * What the provider accepts per destination (a WeCom robot: 20 per minute), if the notifier
   * knows: an engine paces the channel by it, so messages wait their turn in the outbox instead
   * of being refused. Each entry holds at once: at most `limit` sends in any `windowMs`.
   */
  readonly sendLimits?: readonly SendLimit[];
  /**
   * Deliver `message` once per `idempotencyKey`. Must not mutate `message`. `context` is
   * optional so that callers other than the outbox (and notifiers written before it existed)
   * keep working.
   */
  send(message: NotifyMessage, context?: NotifyContext): Promise<NotifyResult>;
}
