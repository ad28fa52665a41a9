import type { Notifier, NotifyFailureKind, NotifyMessage, NotifyRejection } from '../adapters/notify/port.js';
import {
  DEFAULT_CLAIM_LIMIT,
  DEFAULT_LEASE_MS,
  type OutboxMessage,
  type StorageAdapter,
} from '../adapters/storage/port.js';
import type { OutboxRouting } from './channels.js';
import { EngineError } from './errors.js';
import { claimDue, deliverClaimed, deliverDigests, type Round, stopwatch } from './outbox-round.js';
import { preview } from './outbox-send.js';

export { deferralsOf, describeFailure } from './outbox-record.js';

/**
 * Default number of delivery attempts before a message is dead-lettered.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_ATTEMPTS, deliverOutbox } from 'leadflow/core';
 * await deliverOutbox({ storage, notifier, now, maxAttempts: DEFAULT_MAX_ATTEMPTS * 2 });
 * ```
 * @category Engine
 */
export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Default time a notifier has to answer one `send` (10 s) before the attempt counts as a
 * retryable failure and the round moves on. Long enough for a slow SMTP handshake or a WeCom API
 * under load, short enough that a hung provider cannot hold a round (or its leases) for long.
 *
 * @example
 * ```ts
 * import { DEFAULT_SEND_TIMEOUT_MS, deliverOutbox } from 'leadflow/core';
 * await deliverOutbox({ storage, notifier, now, sendTimeoutMs: DEFAULT_SEND_TIMEOUT_MS * 3 });
 * ```
 * @category Engine
 */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/** The largest delay `setTimeout` honours; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The default retry delay: 30 s · 2^(attempt − 1), capped at one hour
 * (30 s, 1 min, 2 min, 4 min, … 32 min, 1 h, 1 h, …).
 *
 * @param attempt - how many attempts have been made so far (≥ 1)
 * @returns milliseconds to wait before the next attempt
 * @example
 * ```ts
 * import { defaultBackoff } from 'leadflow/core';
 * defaultBackoff(1); // 30_000
 * defaultBackoff(3); // 120_000
 * defaultBackoff(20); // 3_600_000
 * ```
 * @category Engine
 */
export function defaultBackoff(attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(30_000 * 2 ** exponent, 3_600_000);
}

/**
 * Turn an outbox message into a {@link NotifyMessage}: the message id becomes the idempotency key
 * (or the payload's `idempotencyKey`, which a re-driven copy carries: the provider sees the same
 * notification again) and the payload must be an object `{ text: string, subject?, template?,
 * data? }`. Throws an `Error` naming the field when the payload does not fit (the message is then
 * dead-lettered).
 *
 * @example
 * ```ts
 * import { toNotifyMessage } from 'leadflow/core';
 * const [message] = await storage.listOutbox({ status: 'pending', limit: 1 });
 * if (message) console.log(toNotifyMessage(message).text);
 * ```
 * @category Engine
 */
export function toNotifyMessage(message: OutboxMessage): NotifyMessage {
  const payload = message.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new Error(`outbox message "${message.id}": payload must be an object with a string "text"`);
  }
  const { text, subject, template, data, idempotencyKey } = payload;
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
    idempotencyKey: typeof idempotencyKey === 'string' && idempotencyKey !== '' ? idempotencyKey : message.id,
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
 * import type { DeliverOutboxOptions } from 'leadflow/core';
 * const shutdown = new AbortController();
 * const options: DeliverOutboxOptions = {
 *   storage, now: clock.now(),
 *   notifier: (m) => (m.channel === 'sms' ? smsNotifier : wecomNotifier),
 *   maxAttempts: 5, backoff: (attempt) => attempt * 60_000,
 *   sendTimeoutMs: 5_000, leaseMs: 120_000, signal: shutdown.signal,
 * };
 * ```
 * @category Engine
 */
export interface DeliverOutboxOptions {
  /**
   * Where the outbox lives (only the outbox methods are used, and `commit` to enqueue a fallback
   * copy when `routing` sends a message on to its next channel).
   */
  storage: Pick<StorageAdapter, 'claimOutbox' | 'markSent' | 'markFailed' | 'markDead'> &
    Partial<Pick<StorageAdapter, 'commit'>>;
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
  /**
   * Channels with addresses, pacing, digests and fallbacks (see `createOutboxRouting`). A message
   * whose channel the routing has is sent through it: its `to` resolved to the channel's
   * addresses (who has none is reported, or sent on to the fallback channel), its send paced
   * (over a limit it is **deferred** to its slot — not a failed attempt), grouped into a digest
   * when the channel digests, and sent on to the next channel of the rule set's fallbacks when it
   * fails for good. Other messages go to `notifier` as without routing.
   */
  routing?: OutboxRouting;
}

/**
 * What happened to one claimed message in a {@link deliverOutbox} round:
 *
 * - `sent`: the notifier acknowledged it (`markSent`), alone or in a digest (`digest` names it);
 * - `retry`: the attempt failed and the message is due again at `retryAt` (`markFailed`);
 * - `dead`: dead-lettered (`markDead`) — when `forwardedTo` is set, after a copy was enqueued on
 *   the next channel, which carries it on;
 * - `deferred`: not sent, to keep a send limit or a digest window, and due again at `retryAt` —
 *   not a failed attempt;
 * - `released`: claimed but not sent — the round was aborted, or its lease would have run out
 *   before the send could finish — and due again at once (`retryAt` is the round's `now`).
 *
 * Failures carry what the notifier said: `kind`, `providerCode`, `unknown`. `undeliverable` lists
 * recipients the message could not reach (no address on the channel, refused by the provider)
 * and no fallback took; `forwarded`, recipients a fallback copy carries on.
 *
 * @example
 * ```ts
 * import type { DeliveryOutcome } from 'leadflow/core';
 * const report = (o: DeliveryOutcome) =>
 *   o.retryAt !== undefined ? `${o.id}: ${o.status}, due ${new Date(o.retryAt).toISOString()} (${o.error})` : `${o.id}: ${o.status}`;
 * ```
 * @category Engine
 */
export interface DeliveryOutcome {
  id: string;
  status: 'sent' | 'retry' | 'dead' | 'deferred' | 'released';
  /** The message's channel and recipients. */
  channel: string;
  to: string[];
  /** The attempt number (the message's `attempts` after the claim). */
  attempt: number;
  error?: string;
  retryAt?: number;
  providerId?: string;
  kind?: NotifyFailureKind;
  providerCode?: string;
  unknown?: boolean;
  /** The digest the message went out in (its idempotency key). */
  digest?: string;
  /** The copy on the next channel that carries a dead-lettered message on. */
  forwardedTo?: string;
  /** Recipients a fallback copy carries on (the rest of the message went out). */
  forwarded?: { to: string; recipients: string[] };
  /** Recipients not reached and not carried on by a fallback, with why. */
  undeliverable?: NotifyRejection[];
}

/**
 * Counts of a {@link deliverOutbox} round, plus each message's outcome (in claim order).
 * `claimed = sent + retried + dead + deferred + released`.
 *
 * @example
 * ```ts
 * import { deliverOutbox, type DeliverOutboxResult } from 'leadflow/core';
 * const result: DeliverOutboxResult = await deliverOutbox({ storage, notifier, now });
 * if (result.dead > 0) console.warn('dead letters', result.outcomes.filter((o) => o.status === 'dead'));
 * if (result.released > 0 || result.retried > 0) scheduleAnotherRound();
 * ```
 * @category Engine
 */
export interface DeliverOutboxResult {
  claimed: number;
  sent: number;
  retried: number;
  dead: number;
  /** Claimed and put back for a later slot (pacing, digest windows); see {@link DeliveryOutcome}. */
  deferred: number;
  /** Claimed, not sent, and due again at once (abort or lease budget); see {@link DeliveryOutcome}. */
  released: number;
  /** Copies enqueued on a fallback channel (due now: worth another round). */
  forwarded: number;
  /** The round's `signal` fired before the round was done; it stopped early. */
  aborted: boolean;
  outcomes: DeliveryOutcome[];
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
 * - success → `markSent` (the notifier's `providerId`, if any, is stored in the result, with the
 *   recipients it reports `rejected`);
 * - a retryable failure → `markFailed` with `retryAt = now + max(backoff(failures),
 *   retryAfterMs)` — never earlier than the provider's hint — or `markDead` once the failed
 *   attempts reach `maxAttempts`. Retryable failures include a thrown or rejected send, a send
 *   that does not answer within `sendTimeoutMs`, an answer that is not a valid `NotifyResult`
 *   (the error text names the notifier and quotes what it returned), no notifier for the
 *   message, and a picker that throws;
 * - a non-retryable failure or a payload `render` refuses → `markDead` at once.
 * - claimed but not sent (the `signal` fired, or the lease would run out before a send could
 *   finish) → `markFailed` with `retryAt = now`: due again at once. The storage port has no way
 *   to give back the attempt the claim counted, so such a message has used one up.
 *
 * The row's `lastError` keeps the failure's kind and provider code: `[config 93000] wecom-robot:
 * errcode 93000 invalid webhook url …` (see {@link describeFailure}).
 *
 * With `routing`, messages on its channels are also addressed, paced, digested and sent on to a
 * fallback channel (see {@link DeliverOutboxOptions.routing}); a round then keeps claiming while
 * digest groups are forming and claims come back full (up to the routing's `digestClaimLimit`),
 * so what fell due together is grouped together.
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
 * import { memoryNotifier, memoryStorage } from 'leadflow';
 * import { deliverOutbox } from 'leadflow/core';
 * const storage = memoryStorage();
 * const notifier = memoryNotifier();
 * await storage.commit({ at: now, outbox: [{ id: 'm1', channel: 'sms', to: ['13800000000'], payload: { text: 'hi' } }] });
 * const shutdown = new AbortController();
 * await deliverOutbox({ storage, notifier, now, sendTimeoutMs: 5_000, signal: shutdown.signal });
 * // { claimed: 1, sent: 1, retried: 0, dead: 0, deferred: 0, released: 0, aborted: false, outcomes: [...] }
 * ```
 * @category Engine
 */
export async function deliverOutbox(options: DeliverOutboxOptions): Promise<DeliverOutboxResult> {
  const round = openRound(options);
  if (round.signal?.aborted) {
    round.result.aborted = true;
    return round.result;
  }
  await claimDue(round);
  await deliverClaimed(round);
  await deliverDigests(round);
  return round.result;
}

/** A round's state from its options (checked first: invalid ones throw before anything is claimed). */
function openRound(options: DeliverOutboxOptions): Round {
  const { leaseMs, sendTimeoutMs } = checkOptions(options);
  const choice = options.notifier;
  return {
    storage: options.storage,
    now: options.now,
    signal: options.signal,
    routing: options.routing,
    limit: options.limit ?? DEFAULT_CLAIM_LIMIT,
    leaseMs,
    sendTimeoutMs,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: options.backoff ?? defaultBackoff,
    render: options.render ?? toNotifyMessage,
    pick: typeof choice === 'function' ? choice : () => choice,
    result: {
      claimed: 0,
      sent: 0,
      retried: 0,
      dead: 0,
      deferred: 0,
      released: 0,
      forwarded: 0,
      aborted: false,
      outcomes: [],
    },
    // Started before the claim: the leases run from (about) then.
    elapsed: stopwatch(),
    queue: [],
    lastClaimFull: false,
    groups: new Map(),
  };
}
