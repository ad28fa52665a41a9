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
 * Outcome of {@link Notifier.send}. On failure, `retryable` tells the outbox whether trying again
 * later can help (a timeout, a 5xx, rate limiting) or not (an unknown recipient, a rejected
 * template). `duplicate: true` means the key had already been delivered and nothing was sent now.
 *
 * @example
 * ```ts
 * import type { NotifyResult } from 'leadflow';
 * const ok: NotifyResult = { ok: true, providerId: 'msg-93f1' };
 * const later: NotifyResult = { ok: false, retryable: true, error: 'wecom: 45009 api freq out of limit' };
 * const never: NotifyResult = { ok: false, retryable: false, error: 'sms: invalid phone number' };
 * ```
 */
export type NotifyResult =
  | { ok: true; providerId?: string; duplicate?: boolean }
  | { ok: false; retryable: boolean; error: string };

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
 * await notifier.send(message, context);
 * ```
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
 *     const res = await fetch(url, {
 *       method: 'POST',
 *       headers: { 'content-type': 'application/json', 'idempotency-key': message.idempotencyKey },
 *       body: JSON.stringify(message),
 *       signal: context?.signal,
 *     });
 *     return res.ok ? { ok: true } : { ok: false, retryable: res.status >= 500 || res.status === 429, error: `HTTP ${res.status}` };
 *   },
 * };
 * ```
 */
export interface Notifier {
  /** Short name for diagnostics, e.g. `wecom`, `console`, `memory`. */
  readonly name: string;
  /**
   * Deliver `message` once per `idempotencyKey`. Must not mutate `message`. `context` is
   * optional so that callers other than the outbox (and notifiers written before it existed)
   * keep working.
   */
  send(message: NotifyMessage, context?: NotifyContext): Promise<NotifyResult>;
}
