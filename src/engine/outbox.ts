import {
  failureKind,
  type Notifier,
  type NotifyFailure,
  type NotifyFailureKind,
  type NotifyMessage,
  type NotifyRejection,
  type NotifyResult,
} from '../adapters/notify/port.js';
import {
  DEFAULT_CLAIM_LIMIT,
  DEFAULT_LEASE_MS,
  type JsonValue,
  type OutboxEnqueue,
  type OutboxMessage,
  type StorageAdapter,
  storableText,
} from '../adapters/storage/port.js';
import { type OutboxRouting, payloadRouting, type ResolvedChannel, type RoutedMessage } from './channels.js';
import { EngineError } from './errors.js';
import { type Attempt, attemptSend, errorText, nameOf, preview } from './outbox-send.js';

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
 * (or the payload's `idempotencyKey`, which a re-driven copy carries: the provider sees the same
 * notification again) and the payload must be an object `{ text: string, subject?, template?,
 * data? }`. Throws an `Error` naming the field when the payload does not fit (the message is then
 * dead-lettered).
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
 * import type { DeliveryOutcome } from 'leadflow';
 * const report = (o: DeliveryOutcome) =>
 *   o.retryAt !== undefined ? `${o.id}: ${o.status}, due ${new Date(o.retryAt).toISOString()} (${o.error})` : `${o.id}: ${o.status}`;
 * ```
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

/**
 * A failure as the outbox row keeps it (`lastError`): `[<kind> <providerCode>, outcome unknown]
 * <the notifier's text>` — e.g. `[config 93000] wecom-robot: errcode 93000 invalid webhook url …`.
 *
 * @example
 * ```ts
 * import { describeFailure } from 'leadflow';
 * describeFailure({ ok: false, retryable: true, error: 'sms: timed out', unknown: true }); // '[retryable, outcome unknown] sms: timed out'
 * ```
 */
export function describeFailure(failure: NotifyFailure): string {
  return `${failureTag(failure)} ${failure.error}`;
}

/** `[<kind> <providerCode>, outcome unknown]` of a failure. */
function failureTag(failure: NotifyFailure): string {
  const code = failure.providerCode === undefined ? '' : ` ${failure.providerCode}`;
  const doubt = failure.unknown ? ', outcome unknown' : '';
  return `[${failureKind(failure)}${code}${doubt}]`;
}

/** What the outbox row keeps of a failure: its tag, then the text. */
function stored(error: string, failure: NotifyFailure | undefined, deferrals: number): string {
  return storableText(withDeferrals(failure ? `${failureTag(failure)} ${error}` : error, deferrals));
}

/** The marker of deferrals a message has had (pacing, digest windows): not failed attempts. */
const DEFERRALS = / \(deferred (\d+)× by pacing\)$/;

/**
 * How many times a message was deferred (put back for a send limit or a digest window), from the
 * marker its `lastError` ends with. The storage port counts every claim in `attempts`; the outbox
 * counts `attempts − deferrals` against `maxAttempts`, so waiting for a slot never kills a
 * message.
 *
 * @example
 * ```ts
 * import { deferralsOf } from 'leadflow';
 * deferralsOf({ lastError: 'waiting for a send slot of board (deferred 2× by pacing)' }); // 2
 * ```
 */
export function deferralsOf(message: Pick<OutboxMessage, 'lastError'>): number {
  const match = message.lastError === undefined ? null : DEFERRALS.exec(message.lastError);
  return match ? Number(match[1]) : 0;
}

function withDeferrals(text: string, deferrals: number): string {
  return deferrals > 0 ? `${text} (deferred ${deferrals}× by pacing)` : text;
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

/** A claimed message on its way through a round. */
interface Pending {
  readonly message: OutboxMessage;
  readonly notifier: Notifier | undefined;
  /** Why no notifier could be picked, if so. */
  readonly pickError?: string;
  readonly notification: NotifyMessage;
  /** Set when routing handles the message. */
  readonly routed?: RoutedMessage;
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
 * import { deliverOutbox, memoryNotifier, memoryStorage } from 'leadflow';
 * const storage = memoryStorage();
 * const notifier = memoryNotifier();
 * await storage.commit({ at: now, outbox: [{ id: 'm1', channel: 'sms', to: ['13800000000'], payload: { text: 'hi' } }] });
 * const shutdown = new AbortController();
 * await deliverOutbox({ storage, notifier, now, sendTimeoutMs: 5_000, signal: shutdown.signal });
 * // { claimed: 1, sent: 1, retried: 0, dead: 0, deferred: 0, released: 0, aborted: false, outcomes: [...] }
 * ```
 */
export async function deliverOutbox(options: DeliverOutboxOptions): Promise<DeliverOutboxResult> {
  const { storage, now, signal, routing } = options;
  const { leaseMs, sendTimeoutMs } = checkOptions(options);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoff = options.backoff ?? defaultBackoff;
  const render = options.render ?? toNotifyMessage;
  const choice = options.notifier;
  const pick = typeof choice === 'function' ? choice : () => choice;
  const limit = options.limit ?? DEFAULT_CLAIM_LIMIT;

  const result: DeliverOutboxResult = {
    claimed: 0,
    sent: 0,
    retried: 0,
    dead: 0,
    deferred: 0,
    released: 0,
    forwarded: 0,
    aborted: false,
    outcomes: [],
  };
  if (signal?.aborted) {
    result.aborted = true;
    return result;
  }

  // Started before the claim: the leases run from (about) then.
  const elapsed = stopwatch();
  const queue = await storage.claimOutbox(now, { limit, leaseMs });
  result.claimed = queue.length;
  let lastClaimFull = queue.length === limit;

  const outcome = (
    message: OutboxMessage,
    fields: Omit<DeliveryOutcome, 'id' | 'channel' | 'to' | 'attempt'>,
  ) => {
    const entry: DeliveryOutcome = {
      id: message.id,
      channel: message.channel,
      to: [...message.to],
      attempt: message.attempts,
      ...fields,
    };
    result.outcomes.push(entry);
    return entry;
  };
  const failureFields = (failure: NotifyFailure | undefined) => {
    const fields: Partial<DeliveryOutcome> = {};
    if (!failure) return fields;
    fields.kind = failureKind(failure);
    if (failure.providerCode !== undefined) fields.providerCode = failure.providerCode;
    if (failure.unknown) fields.unknown = true;
    return fields;
  };
  // A provider's text is kept as it came, made storable (a NUL in an error must not lose the row).
  const dead = async (
    message: OutboxMessage,
    error: string,
    failure?: NotifyFailure,
    extra: Partial<DeliveryOutcome> = {},
    note = '',
  ) => {
    await storage.markDead(message.id, stored(`${error}${note}`, failure, deferralsOf(message)));
    routing?.pacer.release(message.id);
    result.dead += 1;
    return outcome(message, { status: 'dead', error, ...failureFields(failure), ...extra });
  };
  const retry = async (message: OutboxMessage, error: string, retryAt: number, failure?: NotifyFailure) => {
    await storage.markFailed(message.id, { error: stored(error, failure, deferralsOf(message)), retryAt });
    result.retried += 1;
    return outcome(message, { status: 'retry', error, retryAt, ...failureFields(failure) });
  };
  const defer = async (message: OutboxMessage, why: string, retryAt: number) => {
    const deferrals = deferralsOf(message) + 1;
    await storage.markFailed(message.id, { error: storableText(withDeferrals(why, deferrals)), retryAt });
    result.deferred += 1;
    outcome(message, { status: 'deferred', error: why, retryAt });
  };
  const release = async (messages: readonly OutboxMessage[], error: string) => {
    for (const message of messages) {
      await storage.markFailed(message.id, {
        error: storableText(withDeferrals(error, deferralsOf(message))),
        retryAt: now,
      });
      result.released += 1;
      outcome(message, { status: 'released', error, retryAt: now });
    }
  };

  /**
   * A copy of `message` on `channel` for `recipients`. Its id is the message's, the channel and
   * what it carries (`~unresolved`: recipients without an address; `~rejected`: refused by the
   * provider; none: the message itself), so a retry enqueues nothing twice and the three never
   * overlap.
   */
  const forward = async (
    message: OutboxMessage,
    channel: string,
    recipients: readonly string[],
    why: string,
    part: '' | '~unresolved' | '~rejected' = '',
  ) => {
    if (!storage.commit)
      throw new EngineError('ENGINE_INVALID', 'deliverOutbox: routing with fallbacks needs storage.commit');
    const payload =
      typeof message.payload === 'object' && message.payload !== null && !Array.isArray(message.payload)
        ? message.payload
        : {};
    const lineage = payloadRouting(message.payload);
    const copy: OutboxEnqueue = {
      id: `${message.id}>${channel}${part}`,
      channel,
      to: [...recipients],
      createdAt: now,
      nextAttemptAt: now,
      payload: {
        ...payload,
        tried: [...lineage.tried, message.channel],
        copyOf: [...lineage.copyOf, message.id],
        forwardedBecause: storableText(why.length > 500 ? `${why.slice(0, 499)}…` : why),
      },
    };
    delete (copy.payload as Record<string, JsonValue>).idempotencyKey;
    await storage.commit({ at: now, outbox: [copy] });
    result.forwarded += 1;
    return copy.id;
  };

  /**
   * A message that will not go out on its channel: on to the next one, or dead. The copy carries
   * the recipients that have an address here (those without one go in their own copy).
   */
  const giveUp = async (
    message: OutboxMessage,
    error: string,
    failure?: NotifyFailure,
    routed?: RoutedMessage,
  ) => {
    const next = routing?.channel(message.channel) ? routing.fallbackFor(message) : undefined;
    if (next === undefined) return dead(message, error, failure);
    const without = new Set(routed?.unresolved.map((u) => u.recipient) ?? []);
    const recipients = message.to.filter((recipient) => !without.has(recipient));
    if (recipients.length === 0) return dead(message, error, failure);
    const copyId = await forward(message, next, recipients, error);
    return dead(message, error, failure, { forwardedTo: copyId }, ` → sent on to ${next} as ${copyId}`);
  };

  /** Recipients a message does not reach on its channel: a fallback copy for them, or reported. */
  const unreached = async (
    message: OutboxMessage,
    entry: DeliveryOutcome,
    missed: readonly NotifyRejection[],
    part: '~unresolved' | '~rejected',
  ) => {
    if (missed.length === 0) return;
    const next = routing?.fallbackFor(message);
    if (next === undefined) {
      entry.undeliverable = [...(entry.undeliverable ?? []), ...missed];
      return;
    }
    const recipients = [...new Set(missed.map((m) => m.recipient))];
    const why = missed.map((m) => `${m.recipient}: ${m.reason}`).join('; ');
    const copyId = await forward(message, next, recipients, why, part);
    entry.forwarded = { to: copyId, recipients: [...(entry.forwarded?.recipients ?? []), ...recipients] };
  };

  /** Mark the messages a delivered copy stands for as sent (a dead original comes back as sent). */
  const ancestorsSent = async (message: OutboxMessage) => {
    for (const original of payloadRouting(message.payload).copyOf) {
      await storage.markSent(original, now, { deliveredAs: message.id });
    }
  };

  /** Record one send's answer for one message (alone or in a digest). */
  const settle = async (pending: Pending, attempt: NotifyResult, digest?: string) => {
    const { message, routed } = pending;
    if (attempt.ok) {
      const stored: Record<string, JsonValue> = {};
      if (attempt.providerId !== undefined) stored.providerId = storableText(attempt.providerId);
      if (digest !== undefined) stored.digest = storableText(digest);
      // Rejected addresses back to the recipients they stand for (a digest: only this message's).
      const missed: NotifyRejection[] = [];
      for (const rejection of attempt.rejected ?? []) {
        const recipients = routed?.recipientsOf.get(rejection.recipient);
        if (routed && !recipients) continue; // another message's address in the digest
        for (const recipient of recipients ?? [rejection.recipient])
          missed.push({ recipient, reason: rejection.reason });
      }
      if (missed.length > 0) {
        stored.rejected = missed.map((m) => ({
          recipient: storableText(m.recipient),
          reason: storableText(m.reason),
        }));
      }
      await storage.markSent(message.id, now, Object.keys(stored).length > 0 ? stored : undefined);
      routing?.pacer.release(message.id);
      result.sent += 1;
      const entry = outcome(message, { status: 'sent' });
      if (attempt.providerId !== undefined) entry.providerId = attempt.providerId;
      if (digest !== undefined) entry.digest = digest;
      if (routed) {
        await ancestorsSent(message);
        await unreached(message, entry, routed.unresolved, '~unresolved');
        await unreached(message, entry, missed, '~rejected');
      } else if (missed.length > 0) entry.undeliverable = missed;
      return;
    }
    const text = attempt.error;
    const failures = message.attempts - deferralsOf(message);
    const fallbackAfter = routed?.channel.fallbackAfter;
    let entry: DeliveryOutcome;
    if (!attempt.retryable) {
      entry = await giveUp(message, text, attempt, routed);
    } else if (failures >= maxAttempts) {
      entry = await giveUp(message, `gave up after ${failures} attempts: ${text}`, attempt, routed);
    } else if (
      fallbackAfter !== undefined &&
      failures >= fallbackAfter &&
      routing?.fallbackFor(message) !== undefined
    ) {
      entry = await giveUp(message, `still failing after ${failures} attempts: ${text}`, attempt, routed);
    } else {
      const wait = Math.max(0, backoff(Math.max(1, failures)), attempt.retryAfterMs ?? 0);
      entry = await retry(message, text, now + wait, attempt);
    }
    // Those without an address here go on at the first attempt (the others' retry does not wait
    // for them) and again when the message is done — the copy's id makes that a no-op unless
    // the first time was lost.
    if (routed && (failures <= 1 || entry.status === 'dead')) {
      await unreached(message, entry, routed.unresolved, '~unresolved');
    }
  };

  /** Render, route and pick the notifier of one claimed message; `undefined` when it is settled already. */
  const prepare = async (message: OutboxMessage): Promise<Pending | undefined> => {
    let notification: NotifyMessage;
    try {
      notification = render(message);
    } catch (error) {
      await dead(message, `cannot render: ${errorText(error)}`);
      return undefined;
    }
    const channel: ResolvedChannel | undefined = routing?.channel(message.channel);
    if (routing && channel) {
      const routed = routing.route(message, routing.decorate(notification), channel);
      if (routed.notification.to.length === 0 && !channel.group) {
        const why =
          routed.unresolved.length > 0
            ? `no recipient has an address on ${channel.name}: ${routed.unresolved.map((u) => u.reason).join('; ')}`
            : `no recipients (the message's to is empty)`;
        const entry = await giveUp(message, why, {
          ok: false,
          retryable: false,
          kind: 'permanent',
          error: why,
        });
        if (entry.forwardedTo === undefined) entry.undeliverable = [...routed.unresolved];
        return undefined;
      }
      return { message, notifier: channel.notifier, notification: routed.notification, routed };
    }
    if (routing) notification = routing.decorate(notification);
    try {
      const notifier = pick(message);
      if (notifier !== undefined && notifier !== null && typeof notifier.send !== 'function') {
        return {
          message,
          notifier: undefined,
          notification,
          pickError: `the notifier for channel "${message.channel}" has no send method: ${preview(notifier)}`,
        };
      }
      return { message, notifier: notifier ?? undefined, notification };
    } catch (error) {
      return {
        message,
        notifier: undefined,
        notification,
        pickError: `the notifier picker threw: ${errorText(error)}`,
      };
    }
  };

  /** Send a prepared message's notification (or a digest): the notifier's answer, or a failure. */
  const send = async (pending: Pending, notification: NotifyMessage): Promise<Attempt> => {
    if (pending.pickError !== undefined) return { ok: false, retryable: true, error: pending.pickError };
    if (!pending.notifier) {
      return {
        ok: false,
        retryable: true,
        kind: 'config',
        error: `no notifier for channel "${pending.message.channel}"`,
      };
    }
    return attemptSend(pending.notifier, notification, sendTimeoutMs, signal);
  };

  /** Digest groups forming in this round, by destination. */
  const groups = new Map<string, { channel: ResolvedChannel; members: Pending[] }>();
  const budgetLeft = () => elapsed() + sendTimeoutMs < leaseMs;
  const heldInGroups = () => [...groups.values()].flatMap((group) => group.members.map((m) => m.message));

  for (let index = 0; ; index++) {
    if (index >= queue.length) {
      // Keep claiming while digest groups form and claims come back full: what fell due together goes together.
      const more =
        groups.size > 0 &&
        lastClaimFull &&
        routing !== undefined &&
        result.claimed < routing.digestClaimLimit &&
        !signal?.aborted &&
        budgetLeft();
      if (!more) break;
      const next = await storage.claimOutbox(now, {
        limit: Math.min(limit, routing.digestClaimLimit - result.claimed),
        leaseMs,
      });
      result.claimed += next.length;
      lastClaimFull = next.length === limit;
      if (next.length === 0) break;
      queue.push(...next);
    }
    const message = queue[index]!;
    if (signal?.aborted) {
      result.aborted = true;
      await release([...queue.slice(index), ...heldInGroups()], 'delivery aborted before sending');
      groups.clear();
      break;
    }
    if (!budgetLeft()) {
      await release(
        [...queue.slice(index), ...heldInGroups()],
        `lease of ${leaseMs} ms would end before a send of up to ${sendTimeoutMs} ms; released unsent`,
      );
      groups.clear();
      break;
    }

    const pending = await prepare(message);
    if (!pending) continue;
    const routed = pending.routed;
    if (routed) {
      if (routed.digestKey !== undefined) {
        const group = groups.get(routed.digestKey);
        if (group) group.members.push(pending);
        else groups.set(routed.digestKey, { channel: routed.channel, members: [pending] });
        continue;
      }
      const slot = routing!.pacer.book(message.id, routed.destinations, now);
      if (slot > now) {
        await defer(message, `waiting for a send slot of ${routed.channel.name}`, slot);
        continue;
      }
    }
    const attempt = await send(pending, pending.notification);
    if ('aborted' in attempt) {
      // Our shutdown, not the notifier's failure: retry at once and never dead-letter for it.
      result.aborted = true;
      await retry(
        message,
        `delivery aborted while ${pending.notifier ? nameOf(pending.notifier) : 'the notifier'} was sending`,
        now,
      );
      await release([...queue.slice(index + 1), ...heldInGroups()], 'delivery aborted before sending');
      groups.clear();
      break;
    }
    await settle(pending, attempt);
  }

  // The digests: one send per destination (and window), for everything that fell due for it.
  for (const [key, group] of groups) {
    const members = group.members;
    const messages = members.map((m) => m.message);
    if (signal?.aborted || result.aborted) {
      result.aborted = true;
      await release(messages, 'delivery aborted before sending');
      continue;
    }
    if (!budgetLeft()) {
      await release(
        messages,
        `lease of ${leaseMs} ms would end before a send of up to ${sendTimeoutMs} ms; released unsent`,
      );
      continue;
    }
    const windowMs = group.channel.digest!.windowMs;
    const window = Math.floor(now / windowMs);
    if (routing!.lastWindow(key) === window) {
      // This destination had its send of the window: the rest waits for the window's end.
      for (const message of messages) {
        await defer(
          message,
          `waiting for the digest of ${group.channel.name} at the end of its window`,
          (window + 1) * windowMs,
        );
      }
      continue;
    }
    const slot = routing!.pacer.book(
      messages.map((m) => m.id),
      mergeDestinations(members.map((m) => m.routed!)),
      now,
    );
    if (slot > now) {
      for (const message of messages)
        await defer(message, `waiting for a send slot of ${group.channel.name}`, slot);
      continue;
    }
    routing!.markWindow(key, window);
    const single = members.length === 1;
    const notification = single
      ? members[0]!.notification
      : routing!.digestOf(
          group.channel,
          key,
          window,
          members.map((m) => ({ message: m.message, routed: m.routed! })),
        );
    const attempt = await send(members[0]!, notification);
    if ('aborted' in attempt) {
      result.aborted = true;
      for (const message of messages)
        await retry(message, `delivery aborted while ${nameOf(group.channel.notifier)} was sending`, now);
      continue;
    }
    for (const member of members)
      await settle(member, attempt, single ? undefined : notification.idempotencyKey);
  }
  return result;
}

/** The destinations of a digest: each key once (one send counts once per destination). */
function mergeDestinations(routed: readonly RoutedMessage[]) {
  const byKey = new Map<string, RoutedMessage['destinations'][number]>();
  for (const r of routed) for (const d of r.destinations) if (!byKey.has(d.key)) byKey.set(d.key, d);
  return [...byKey.values()];
}
