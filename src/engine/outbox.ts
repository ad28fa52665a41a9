import type { Notifier, NotifyMessage, NotifyResult } from '../adapters/notify/port.js';
import {
  DEFAULT_CLAIM_LIMIT,
  DEFAULT_LEASE_MS,
  type OutboxMessage,
  type StorageAdapter,
} from '../adapters/storage/port.js';

/**
 * Default number of delivery attempts before a message is dead-lettered.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_ATTEMPTS, deliverOutbox } from 'leadflow';
 * await deliverOutbox({ storage, notifier, now, maxAttempts: DEFAULT_MAX_ATTEMPTS * 2 });
 * ```
 */
export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * The default retry delay: 30 s · 2^(attempt − 1), capped at one hour
 * (30 s, 1 min, 2 min, 4 min, … 32 min, 1 h, 1 h, …).
 *
 * @param attempt - how many attempts have been made so far (≥ 1)
 * @returns milliseconds to wait before the next attempt
 * @example
 * ```ts
 * import { defaultBackoff } from 'leadflow';
 * defaultBackoff(1); // 30_000
 * defaultBackoff(3); // 120_000
 * defaultBackoff(20); // 3_600_000
 * ```
 */
export function defaultBackoff(attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(30_000 * 2 ** exponent, 3_600_000);
}

/**
 * Turn an outbox message into a {@link NotifyMessage}: the message id becomes the idempotency key
 * and the payload must be an object `{ text: string, subject?, template?, data? }`. Throws an
 * `Error` naming the field when the payload does not fit (the message is then dead-lettered).
 *
 * @example
 * ```ts
 * import { toNotifyMessage } from 'leadflow';
 * const [message] = await storage.listOutbox({ status: 'pending', limit: 1 });
 * if (message) console.log(toNotifyMessage(message).text);
 * ```
 */
export function toNotifyMessage(message: OutboxMessage): NotifyMessage {
  const payload = message.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new Error(`outbox message "${message.id}": payload must be an object with a string "text"`);
  }
  const { text, subject, template, data } = payload;
  if (typeof text !== 'string') {
    throw new Error(`outbox message "${message.id}": payload.text must be a string`);
  }
  if (subject !== undefined && typeof subject !== 'string') {
    throw new Error(`outbox message "${message.id}": payload.subject must be a string`);
  }
  if (template !== undefined && typeof template !== 'string') {
    throw new Error(`outbox message "${message.id}": payload.template must be a string`);
  }
  const out: NotifyMessage = {
    idempotencyKey: message.id,
    channel: message.channel,
    to: [...message.to],
    text,
  };
  if (subject !== undefined) out.subject = subject;
  if (template !== undefined) out.template = template;
  if (data !== undefined) out.data = data;
  return out;
}

/**
 * Options of {@link deliverOutbox}.
 *
 * @example
 * ```ts
 * import type { DeliverOutboxOptions } from 'leadflow';
 * const options: DeliverOutboxOptions = {
 *   storage, now: clock.now(),
 *   notifier: (m) => (m.channel === 'sms' ? smsNotifier : wecomNotifier),
 *   maxAttempts: 5, backoff: (attempt) => attempt * 60_000,
 * };
 * ```
 */
export interface DeliverOutboxOptions {
  /** Where the outbox lives (only the outbox methods are used). */
  storage: Pick<StorageAdapter, 'claimOutbox' | 'markSent' | 'markFailed' | 'markDead'>;
  /**
   * The notifier, or a function picking one per message (by channel, usually). No notifier for a
   * message counts as a retryable failure (the configuration may be fixed before it dies).
   */
  notifier: Notifier | ((message: OutboxMessage) => Notifier | undefined);
  /** Host time of this delivery round (epoch ms). */
  now: number;
  /** Claim at most this many messages. @default 100 */
  limit?: number;
  /** How long claimed messages stay hidden from other workers (ms). @default 300000 (5 min) */
  leaseMs?: number;
  /** After this many attempts a failing message is dead-lettered. @default 8 */
  maxAttempts?: number;
  /** Delay (ms) before the next attempt, given the number of attempts made. @default defaultBackoff */
  backoff?: (attempt: number) => number;
  /** Build the notification from the stored message. @default toNotifyMessage */
  render?: (message: OutboxMessage) => NotifyMessage;
}

/**
 * What happened to one claimed message in a {@link deliverOutbox} round.
 *
 * @example
 * ```ts
 * import type { DeliveryOutcome } from 'leadflow';
 * const report = (o: DeliveryOutcome) =>
 *   o.status === 'retry' ? `${o.id}: retry at ${new Date(o.retryAt!).toISOString()} (${o.error})` : `${o.id}: ${o.status}`;
 * ```
 */
export interface DeliveryOutcome {
  id: string;
  status: 'sent' | 'retry' | 'dead';
  /** The attempt number (the message's `attempts` after the claim). */
  attempt: number;
  error?: string;
  retryAt?: number;
  providerId?: string;
}

/**
 * Counts of a {@link deliverOutbox} round, plus each message's outcome.
 *
 * @example
 * ```ts
 * import { deliverOutbox, type DeliverOutboxResult } from 'leadflow';
 * const result: DeliverOutboxResult = await deliverOutbox({ storage, notifier, now });
 * if (result.dead > 0) console.warn('dead letters', result.outcomes.filter((o) => o.status === 'dead'));
 * ```
 */
export interface DeliverOutboxResult {
  claimed: number;
  sent: number;
  retried: number;
  dead: number;
  outcomes: DeliveryOutcome[];
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Deliver due outbox messages once: claim up to `limit` messages whose `nextAttemptAt <= now`,
 * send each through the notifier (one at a time, in claim order) and record the outcome:
 *
 * - success → `markSent` (the notifier's `providerId`, if any, is stored as the result);
 * - a retryable failure (or a thrown error, or no notifier) → `markFailed` with
 *   `retryAt = now + backoff(attempts)`, or `markDead` once `attempts >= maxAttempts`;
 * - a non-retryable failure or a payload `render` refuses → `markDead` at once.
 *
 * Nothing is ever deleted: dead letters stay in `listOutbox({ status: 'dead' })`.
 *
 * Call it periodically (the host owns time). Storage errors propagate: the claimed messages then
 * stay leased and come back after `leaseMs`. That is also what happens when a worker crashes
 * between a successful send and `markSent`; the retry carries the same idempotency key and the
 * notifier must not deliver it twice (see `Notifier`).
 *
 * @example
 * ```ts
 * import { deliverOutbox, memoryNotifier, memoryStorage } from 'leadflow';
 * const storage = memoryStorage();
 * const notifier = memoryNotifier();
 * await storage.commit({ at: now, outbox: [{ id: 'm1', channel: 'sms', to: ['13800000000'], payload: { text: 'hi' } }] });
 * await deliverOutbox({ storage, notifier, now }); // { claimed: 1, sent: 1, retried: 0, dead: 0, outcomes: [...] }
 * ```
 */
export async function deliverOutbox(options: DeliverOutboxOptions): Promise<DeliverOutboxResult> {
  const { storage, now } = options;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoff = options.backoff ?? defaultBackoff;
  const render = options.render ?? toNotifyMessage;
  const pick = typeof options.notifier === 'function' ? options.notifier : () => options.notifier as Notifier;

  const claimed = await storage.claimOutbox(now, {
    limit: options.limit ?? DEFAULT_CLAIM_LIMIT,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
  });
  const result: DeliverOutboxResult = { claimed: claimed.length, sent: 0, retried: 0, dead: 0, outcomes: [] };

  const dead = async (message: OutboxMessage, error: string) => {
    await storage.markDead(message.id, error);
    result.dead += 1;
    result.outcomes.push({ id: message.id, status: 'dead', attempt: message.attempts, error });
  };

  for (const message of claimed) {
    let notification: NotifyMessage;
    try {
      notification = render(message);
    } catch (error) {
      await dead(message, `cannot render: ${errorText(error)}`);
      continue;
    }

    let outcome: NotifyResult;
    const notifier = pick(message);
    if (!notifier) {
      outcome = { ok: false, retryable: true, error: `no notifier for channel "${message.channel}"` };
    } else {
      try {
        outcome = await notifier.send(notification);
      } catch (error) {
        outcome = { ok: false, retryable: true, error: `${notifier.name} threw: ${errorText(error)}` };
      }
    }

    if (outcome.ok) {
      await storage.markSent(
        message.id,
        now,
        outcome.providerId === undefined ? undefined : { providerId: outcome.providerId },
      );
      result.sent += 1;
      const sent: DeliveryOutcome = { id: message.id, status: 'sent', attempt: message.attempts };
      if (outcome.providerId !== undefined) sent.providerId = outcome.providerId;
      result.outcomes.push(sent);
    } else if (!outcome.retryable) {
      await dead(message, outcome.error);
    } else if (message.attempts >= maxAttempts) {
      await dead(message, `gave up after ${message.attempts} attempts: ${outcome.error}`);
    } else {
      const retryAt = now + Math.max(0, backoff(message.attempts));
      await storage.markFailed(message.id, { error: outcome.error, retryAt });
      result.retried += 1;
      result.outcomes.push({
        id: message.id,
        status: 'retry',
        attempt: message.attempts,
        error: outcome.error,
        retryAt,
      });
    }
  }
  return result;
}
