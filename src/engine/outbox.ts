import type { Notifier, NotifyMessage, NotifyResult } from '../adapters/notify/port.js';
import {
  DEFAULT_CLAIM_LIMIT,
  DEFAULT_LEASE_MS,
  type OutboxMessage,
  type StorageAdapter,
  storableText,
} from '../adapters/storage/port.js';
import { EngineError } from './errors.js';

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
 * Default time a notifier has to answer one `send` (10 s) before the attempt counts as a
 * retryable failure and the round moves on. Long enough for a slow SMTP handshake or a WeCom API
 * under load, short enough that a hung provider cannot hold a round (or its leases) for long.
 *
 * @example
 * ```ts
 * import { DEFAULT_SEND_TIMEOUT_MS, deliverOutbox } from 'leadflow';
 * await deliverOutbox({ storage, notifier, now, sendTimeoutMs: DEFAULT_SEND_TIMEOUT_MS * 3 });
 * ```
 */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/** The largest delay `setTimeout` honours; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** How much of a foreign value (a thrown error, an invalid result) goes into an error text. */
const PREVIEW_CHARS = 120;
const ERROR_CHARS = 300;

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
 * const shutdown = new AbortController();
 * const options: DeliverOutboxOptions = {
 *   storage, now: clock.now(),
 *   notifier: (m) => (m.channel === 'sms' ? smsNotifier : wecomNotifier),
 *   maxAttempts: 5, backoff: (attempt) => attempt * 60_000,
 *   sendTimeoutMs: 5_000, leaseMs: 120_000, signal: shutdown.signal,
 * };
 * ```
 */
export interface DeliverOutboxOptions {
  /** Where the outbox lives (only the outbox methods are used). */
  storage: Pick<StorageAdapter, 'claimOutbox' | 'markSent' | 'markFailed' | 'markDead'>;
  /**
   * The notifier, or a function picking one per message (by channel, usually). No notifier for a
   * message, a picker that throws or returns something without a `send` method counts as a
   * retryable failure (the configuration may be fixed before the message dies).
   */
  notifier: Notifier | ((message: OutboxMessage) => Notifier | undefined);
  /** Host time of this delivery round (epoch ms). */
  now: number;
  /** Claim at most this many messages. @default 100 */
  limit?: number;
  /**
   * How long claimed messages stay hidden from other workers (ms). Must be greater than
   * `sendTimeoutMs`, or another worker could claim a message that is still being sent.
   * @default 300000 (5 min)
   */
  leaseMs?: number;
  /**
   * How long one `send` may take (ms, > 0, at most 2³¹ − 1). A notifier that has not answered by
   * then is told so through its `AbortSignal`, and the attempt counts as a retryable failure
   * ("wecom did not answer within 10000 ms"). Measured in real time, whatever clock `now` is on.
   * @default DEFAULT_SEND_TIMEOUT_MS (10 s)
   */
  sendTimeoutMs?: number;
  /** After this many attempts a failing message is dead-lettered. @default 8 */
  maxAttempts?: number;
  /** Delay (ms) before the next attempt, given the number of attempts made. @default defaultBackoff */
  backoff?: (attempt: number) => number;
  /** Build the notification from the stored message. @default toNotifyMessage */
  render?: (message: OutboxMessage) => NotifyMessage;
  /**
   * Stops the round: nothing more is claimed or sent, the send in flight is aborted (and retried
   * at once), and claimed messages not yet sent are released for an immediate retry. The round
   * then resolves with `aborted: true` — it does not reject.
   */
  signal?: AbortSignal;
}

/**
 * What happened to one claimed message in a {@link deliverOutbox} round:
 *
 * - `sent`: the notifier acknowledged it (`markSent`);
 * - `retry`: the attempt failed and the message is due again at `retryAt` (`markFailed`);
 * - `dead`: dead-lettered (`markDead`);
 * - `released`: claimed but not sent — the round was aborted, or its lease would have run out
 *   before the send could finish — and due again at once (`retryAt` is the round's `now`).
 *
 * @example
 * ```ts
 * import type { DeliveryOutcome } from 'leadflow';
 * const report = (o: DeliveryOutcome) =>
 *   o.retryAt !== undefined ? `${o.id}: ${o.status}, due ${new Date(o.retryAt).toISOString()} (${o.error})` : `${o.id}: ${o.status}`;
 * ```
 */
export interface DeliveryOutcome {
  id: string;
  status: 'sent' | 'retry' | 'dead' | 'released';
  /** The attempt number (the message's `attempts` after the claim). */
  attempt: number;
  error?: string;
  retryAt?: number;
  providerId?: string;
}

/**
 * Counts of a {@link deliverOutbox} round, plus each message's outcome (in claim order).
 * `claimed = sent + retried + dead + released`.
 *
 * @example
 * ```ts
 * import { deliverOutbox, type DeliverOutboxResult } from 'leadflow';
 * const result: DeliverOutboxResult = await deliverOutbox({ storage, notifier, now });
 * if (result.dead > 0) console.warn('dead letters', result.outcomes.filter((o) => o.status === 'dead'));
 * if (result.released > 0 || result.retried > 0) scheduleAnotherRound();
 * ```
 */
export interface DeliverOutboxResult {
  claimed: number;
  sent: number;
  retried: number;
  dead: number;
  /** Claimed, not sent, and due again at once (abort or lease budget); see {@link DeliveryOutcome}. */
  released: number;
  /** The round's `signal` fired before the round was done; it stopped early. */
  aborted: boolean;
  outcomes: DeliveryOutcome[];
}

/** `text` cut to `max` characters. */
function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A short, never-throwing rendering of any value for an error text. */
function preview(value: unknown): string {
  try {
    if (value === undefined) return 'undefined';
    if (typeof value === 'function') return 'a function';
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'bigint') return `${value}n`;
    const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    if (json !== undefined) return bounded(json, PREVIEW_CHARS);
  } catch {
    // Cycles, throwing getters or toJSON, proxies: fall through to the tag.
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return 'an unreadable value';
  }
}

/** The message of a thrown value, whatever was thrown. */
function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return bounded(String(error.message || error.name), ERROR_CHARS);
  } catch {
    // A hostile Error subclass; describe it like any other value.
  }
  return typeof error === 'string' ? bounded(error, ERROR_CHARS) : preview(error);
}

function nameOf(notifier: Notifier): string {
  try {
    const name: unknown = notifier.name;
    if (typeof name === 'string' && name !== '') return bounded(name, 60);
  } catch {
    // A throwing getter: the notifier still gets a name in error texts.
  }
  return 'notifier';
}

/**
 * `value` as a {@link NotifyResult} (each field read once, copied into a fresh object), or why
 * it is not one.
 */
function readResult(value: unknown): NotifyResult | { invalid: string } {
  if (typeof value !== 'object' || value === null) return { invalid: 'not an object' };
  const fields = value as Record<string, unknown>;
  const ok = fields.ok;
  if (ok === true) {
    const providerId = fields.providerId;
    const duplicate = fields.duplicate;
    if (providerId !== undefined && typeof providerId !== 'string') {
      return { invalid: 'providerId is not a string' };
    }
    if (duplicate !== undefined && typeof duplicate !== 'boolean') {
      return { invalid: 'duplicate is not a boolean' };
    }
    const result: NotifyResult = { ok: true };
    if (providerId !== undefined) result.providerId = providerId;
    if (duplicate !== undefined) result.duplicate = duplicate;
    return result;
  }
  if (ok === false) {
    const retryable = fields.retryable;
    const error = fields.error;
    if (typeof retryable !== 'boolean') return { invalid: 'retryable is not a boolean' };
    if (typeof error !== 'string' || error === '') return { invalid: 'error is not a non-empty string' };
    return { ok: false, retryable, error };
  }
  return { invalid: 'ok is neither true nor false' };
}

/** What one send came to. `aborted`: the round's signal fired while it was in flight. */
type Attempt = NotifyResult | { aborted: true };

/**
 * Send one notification, bounded by `timeoutMs` and the round's signal. Resolves (never rejects)
 * as soon as the send settles, the timeout fires or the round is aborted; a late answer is
 * ignored (its rejection handled, so it cannot surface as an unhandled one).
 */
function attemptSend(
  notifier: Notifier,
  notification: NotifyMessage,
  timeoutMs: number,
  round: AbortSignal | undefined,
): Promise<Attempt> {
  const name = nameOf(notifier);
  // A listener added to an already-aborted signal never fires.
  if (round?.aborted) return Promise.resolve({ aborted: true });
  return new Promise<Attempt>((resolve) => {
    const controller = new AbortController();
    let done = false;
    const finish = (attempt: Attempt) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      round?.removeEventListener('abort', onRoundAbort);
      resolve(attempt);
    };
    const onRoundAbort = () => {
      finish({ aborted: true });
      controller.abort(round?.reason);
    };
    const timer = setTimeout(() => {
      const text = `${name} did not answer within ${timeoutMs} ms`;
      finish({ ok: false, retryable: true, error: text });
      controller.abort(Object.assign(new Error(text), { name: 'TimeoutError' }));
    }, timeoutMs);
    round?.addEventListener('abort', onRoundAbort, { once: true });

    let pending: unknown;
    try {
      pending = notifier.send(notification, { signal: controller.signal });
    } catch (error) {
      finish({ ok: false, retryable: true, error: `${name} threw: ${errorText(error)}` });
      return;
    }
    // `new Promise(r => r(x))` adopts any thenable and turns a throwing `then` into a rejection.
    new Promise<unknown>((adopt) => adopt(pending)).then(
      (value) => {
        let read: ReturnType<typeof readResult>;
        try {
          read = readResult(value);
        } catch (error) {
          read = { invalid: `reading it threw ${errorText(error)}` };
        }
        if ('invalid' in read) {
          finish({
            ok: false,
            retryable: true,
            error: `${name} returned ${preview(value)}, not a NotifyResult (${read.invalid})`,
          });
        } else {
          finish(read);
        }
      },
      (error: unknown) => finish({ ok: false, retryable: true, error: `${name} threw: ${errorText(error)}` }),
    );
  });
}

/** Real elapsed milliseconds (for the lease budget only; `now` is host time and stays fixed). */
function stopwatch(): () => number {
  const clock = typeof performance === 'object' && performance !== null ? performance : Date;
  const start = clock.now();
  return () => clock.now() - start;
}

function checkOptions(options: DeliverOutboxOptions): { leaseMs: number; sendTimeoutMs: number } {
  const sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (typeof sendTimeoutMs !== 'number' || !(sendTimeoutMs > 0 && sendTimeoutMs <= MAX_TIMER_MS)) {
    throw new EngineError(
      'ENGINE_INVALID',
      `deliverOutbox: sendTimeoutMs must be a number of milliseconds > 0 and <= ${MAX_TIMER_MS}, got ${preview(sendTimeoutMs)}`,
    );
  }
  if (typeof leaseMs !== 'number' || !(leaseMs > sendTimeoutMs)) {
    throw new EngineError(
      'ENGINE_INVALID',
      `deliverOutbox: leaseMs (${preview(leaseMs)}) must be greater than sendTimeoutMs (${sendTimeoutMs}), ` +
        'or another worker could claim a message that is still being sent',
    );
  }
  return { leaseMs, sendTimeoutMs };
}

/**
 * Deliver due outbox messages once: claim up to `limit` messages whose `nextAttemptAt <= now`,
 * send each through the notifier (one at a time, in claim order, each bounded by
 * `sendTimeoutMs`) and record the outcome:
 *
 * - success → `markSent` (the notifier's `providerId`, if any, is stored as the result);
 * - a retryable failure → `markFailed` with `retryAt = now + backoff(attempts)`, or `markDead`
 *   once `attempts >= maxAttempts`. Retryable failures include a thrown or rejected send, a send
 *   that does not answer within `sendTimeoutMs`, an answer that is not a valid `NotifyResult`
 *   (the error text names the notifier and quotes what it returned), no notifier for the
 *   message, and a picker that throws;
 * - a non-retryable failure or a payload `render` refuses → `markDead` at once;
 * - claimed but not sent (the `signal` fired, or the lease would run out before a send could
 *   finish) → `markFailed` with `retryAt = now`: due again at once. The storage port has no way
 *   to give back the attempt the claim counted, so such a message has used one up.
 *
 * A misbehaving notifier, picker or `render` never makes the round reject. Nothing is ever
 * deleted: dead letters stay in `listOutbox({ status: 'dead' })`.
 *
 * **Leases.** Claimed messages are hidden from other workers for `leaseMs`. The round keeps a
 * real-time budget: it starts a send only if that send can time out before the lease ends, and
 * releases the rest otherwise (a provider that hangs on every message cannot make a round outlive
 * its leases).
 *
 * **Storage errors propagate** (the round rejects): the claimed messages not yet marked stay
 * leased and come back after `leaseMs`. That is also what happens when a worker crashes between
 * a successful send and `markSent`; the retry carries the same idempotency key and the notifier
 * must not deliver it twice (see `Notifier`). Invalid options throw an `EngineError`
 * (`ENGINE_INVALID`) before anything is claimed.
 *
 * Call it periodically (the host owns time); call again soon when `released > 0`.
 *
 * @example
 * ```ts
 * import { deliverOutbox, memoryNotifier, memoryStorage } from 'leadflow';
 * const storage = memoryStorage();
 * const notifier = memoryNotifier();
 * await storage.commit({ at: now, outbox: [{ id: 'm1', channel: 'sms', to: ['13800000000'], payload: { text: 'hi' } }] });
 * const shutdown = new AbortController();
 * await deliverOutbox({ storage, notifier, now, sendTimeoutMs: 5_000, signal: shutdown.signal });
 * // { claimed: 1, sent: 1, retried: 0, dead: 0, released: 0, aborted: false, outcomes: [...] }
 * ```
 */
export async function deliverOutbox(options: DeliverOutboxOptions): Promise<DeliverOutboxResult> {
  const { storage, now, signal } = options;
  const { leaseMs, sendTimeoutMs } = checkOptions(options);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoff = options.backoff ?? defaultBackoff;
  const render = options.render ?? toNotifyMessage;
  const choice = options.notifier;
  const pick = typeof choice === 'function' ? choice : () => choice;

  const result: DeliverOutboxResult = {
    claimed: 0,
    sent: 0,
    retried: 0,
    dead: 0,
    released: 0,
    aborted: false,
    outcomes: [],
  };
  if (signal?.aborted) {
    result.aborted = true;
    return result;
  }

  // Started before the claim: the leases run from (about) then.
  const elapsed = stopwatch();
  const claimed = await storage.claimOutbox(now, { limit: options.limit ?? DEFAULT_CLAIM_LIMIT, leaseMs });
  result.claimed = claimed.length;

  // A provider's text is kept as it came, made storable (a NUL in an error must not lose the row).
  const dead = async (message: OutboxMessage, error: string) => {
    await storage.markDead(message.id, storableText(error));
    result.dead += 1;
    result.outcomes.push({ id: message.id, status: 'dead', attempt: message.attempts, error });
  };
  const retry = async (message: OutboxMessage, error: string, retryAt: number) => {
    await storage.markFailed(message.id, { error: storableText(error), retryAt });
    result.retried += 1;
    result.outcomes.push({ id: message.id, status: 'retry', attempt: message.attempts, error, retryAt });
  };
  const release = async (messages: readonly OutboxMessage[], error: string) => {
    for (const message of messages) {
      await storage.markFailed(message.id, { error: storableText(error), retryAt: now });
      result.released += 1;
      result.outcomes.push({
        id: message.id,
        status: 'released',
        attempt: message.attempts,
        error,
        retryAt: now,
      });
    }
  };

  for (let index = 0; index < claimed.length; index++) {
    const message = claimed[index]!;
    if (signal?.aborted) {
      result.aborted = true;
      await release(claimed.slice(index), 'delivery aborted before sending');
      break;
    }
    if (elapsed() + sendTimeoutMs >= leaseMs) {
      await release(
        claimed.slice(index),
        `lease of ${leaseMs} ms would end before a send of up to ${sendTimeoutMs} ms; released unsent`,
      );
      break;
    }

    let notification: NotifyMessage;
    try {
      notification = render(message);
    } catch (error) {
      await dead(message, `cannot render: ${errorText(error)}`);
      continue;
    }

    let attempt: Attempt;
    let notifier: Notifier | undefined;
    let pickError: string | undefined;
    try {
      notifier = pick(message);
      if (notifier !== undefined && notifier !== null && typeof notifier.send !== 'function') {
        pickError = `the notifier for channel "${message.channel}" has no send method: ${preview(notifier)}`;
      }
    } catch (error) {
      pickError = `the notifier picker threw: ${errorText(error)}`;
    }
    if (pickError !== undefined) {
      attempt = { ok: false, retryable: true, error: pickError };
    } else if (!notifier) {
      attempt = { ok: false, retryable: true, error: `no notifier for channel "${message.channel}"` };
    } else {
      attempt = await attemptSend(notifier, notification, sendTimeoutMs, signal);
    }

    if ('aborted' in attempt) {
      // Our shutdown, not the notifier's failure: retry at once and never dead-letter for it.
      result.aborted = true;
      await retry(message, `delivery aborted while ${nameOf(notifier!)} was sending`, now);
      await release(claimed.slice(index + 1), 'delivery aborted before sending');
      break;
    }
    if (attempt.ok) {
      await storage.markSent(
        message.id,
        now,
        attempt.providerId === undefined ? undefined : { providerId: storableText(attempt.providerId) },
      );
      result.sent += 1;
      const sent: DeliveryOutcome = { id: message.id, status: 'sent', attempt: message.attempts };
      if (attempt.providerId !== undefined) sent.providerId = attempt.providerId;
      result.outcomes.push(sent);
    } else if (!attempt.retryable) {
      await dead(message, attempt.error);
    } else if (message.attempts >= maxAttempts) {
      await dead(message, `gave up after ${message.attempts} attempts: ${attempt.error}`);
    } else {
      await retry(message, attempt.error, now + Math.max(0, backoff(message.attempts)));
    }
  }
  return result;
}
