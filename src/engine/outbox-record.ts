/**
 * Recording what became of a claimed message — sent, retried, deferred, released, sent on to the
 * next channel or dead-lettered: each writes the row through the storage port and adds the
 * message's {@link DeliveryOutcome} to the round's result. {@link classifyFailure} decides,
 * without touching anything, what a failed send comes to.
 *
 * @module
 */
import {
  failureKind,
  type NotifyFailure,
  type NotifyRejection,
  type NotifyResult,
  type NotifySuccess,
} from '../adapters/notify/port.js';
import {
  type JsonValue,
  type OutboxEnqueue,
  type OutboxMessage,
  storableText,
} from '../adapters/storage/port.js';
import { type OutboxRouting, payloadRouting, type RoutedMessage } from './channels.js';
import { EngineError } from './errors.js';
import type { DeliverOutboxOptions, DeliverOutboxResult, DeliveryOutcome } from './outbox.js';

/**
 * What recording an outcome needs of its round.
 *
 * @category Engine
 */
export interface Ledger {
  readonly storage: DeliverOutboxOptions['storage'];
  /** Host time of the round (epoch ms). */
  readonly now: number;
  readonly routing: OutboxRouting | undefined;
  readonly maxAttempts: number;
  readonly backoff: (attempt: number) => number;
  /** The round's counts and outcomes, added to as messages are recorded. */
  readonly result: DeliverOutboxResult;
}

/**
 * A failure as the outbox row keeps it (`lastError`): `[<kind> <providerCode>, outcome unknown]
 * <the notifier's text>` — e.g. `[config 93000] wecom-robot: errcode 93000 invalid webhook url …`.
 *
 * @example
 * ```ts
 * import { describeFailure } from 'leadflow/core';
 * describeFailure({ ok: false, retryable: true, error: 'sms: timed out', unknown: true }); // '[retryable, outcome unknown] sms: timed out'
 * ```
 * @category Engine
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
 * import { deferralsOf } from 'leadflow/core';
 * deferralsOf({ lastError: 'waiting for a send slot of board (deferred 2× by pacing)' }); // 2
 * ```
 * @category Engine
 */
export function deferralsOf(message: Pick<OutboxMessage, 'lastError'>): number {
  const match = message.lastError === undefined ? null : DEFERRALS.exec(message.lastError);
  return match ? Number(match[1]) : 0;
}

/** `text` with the deferral marker, so the count survives in `lastError`. */
function withDeferrals(text: string, deferrals: number): string {
  return deferrals > 0 ? `${text} (deferred ${deferrals}× by pacing)` : text;
}

/** Add `message`'s outcome to the round's result (in the order messages are recorded). */
function outcome(
  ledger: Ledger,
  message: OutboxMessage,
  fields: Omit<DeliveryOutcome, 'id' | 'channel' | 'to' | 'attempt'>,
): DeliveryOutcome {
  const entry: DeliveryOutcome = {
    id: message.id,
    channel: message.channel,
    to: [...message.to],
    attempt: message.attempts,
    ...fields,
  };
  ledger.result.outcomes.push(entry);
  return entry;
}

/** The outcome fields of a notifier's failure: its kind, provider code and doubt. */
function failureFields(failure: NotifyFailure | undefined): Partial<DeliveryOutcome> {
  const fields: Partial<DeliveryOutcome> = {};
  if (!failure) return fields;
  fields.kind = failureKind(failure);
  if (failure.providerCode !== undefined) fields.providerCode = failure.providerCode;
  if (failure.unknown) fields.unknown = true;
  return fields;
}

/**
 * Dead-letter `message`. A provider's text is kept as it came, made storable (a NUL in an error
 * must not lose the row); `note` goes into the row only.
 * @category Engine
 */
export async function recordDead(
  ledger: Ledger,
  message: OutboxMessage,
  error: string,
  failure?: NotifyFailure,
  extra: Partial<DeliveryOutcome> = {},
  note = '',
): Promise<DeliveryOutcome> {
  await ledger.storage.markDead(message.id, stored(`${error}${note}`, failure, deferralsOf(message)));
  ledger.routing?.pacer.release(message.id);
  ledger.result.dead += 1;
  return outcome(ledger, message, { status: 'dead', error, ...failureFields(failure), ...extra });
}

/**
 * Put `message` back for another attempt at `retryAt`: a failed attempt.
 *
 * @category Engine
 */
export async function recordRetry(
  ledger: Ledger,
  message: OutboxMessage,
  error: string,
  retryAt: number,
  failure?: NotifyFailure,
): Promise<DeliveryOutcome> {
  await ledger.storage.markFailed(message.id, {
    error: stored(error, failure, deferralsOf(message)),
    retryAt,
  });
  ledger.result.retried += 1;
  return outcome(ledger, message, { status: 'retry', error, retryAt, ...failureFields(failure) });
}

/**
 * Put `message` back until its send slot or digest window at `retryAt`: not a failed attempt.
 *
 * @category Engine
 */
export async function recordDeferred(
  ledger: Ledger,
  message: OutboxMessage,
  why: string,
  retryAt: number,
): Promise<void> {
  const deferrals = deferralsOf(message) + 1;
  await ledger.storage.markFailed(message.id, {
    error: storableText(withDeferrals(why, deferrals)),
    retryAt,
  });
  ledger.result.deferred += 1;
  outcome(ledger, message, { status: 'deferred', error: why, retryAt });
}

/**
 * Give claimed messages back unsent, due again at once (the round stops before their send).
 *
 * @category Engine
 */
export async function releaseUnsent(
  ledger: Ledger,
  messages: readonly OutboxMessage[],
  error: string,
): Promise<void> {
  for (const message of messages) {
    await ledger.storage.markFailed(message.id, {
      error: storableText(withDeferrals(error, deferralsOf(message))),
      retryAt: ledger.now,
    });
    ledger.result.released += 1;
    outcome(ledger, message, { status: 'released', error, retryAt: ledger.now });
  }
}

/**
 * Enqueue a copy of `message` on `channel` for `recipients`; its id. The id is the message's, the
 * channel and what it carries (`~unresolved`: recipients without an address; `~rejected`: refused
 * by the provider; none: the message itself), so a retry enqueues nothing twice and the three
 * never overlap.
 */
async function forward(
  ledger: Ledger,
  message: OutboxMessage,
  channel: string,
  recipients: readonly string[],
  why: string,
  part: '' | '~unresolved' | '~rejected' = '',
): Promise<string> {
  const { storage, now } = ledger;
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
  ledger.result.forwarded += 1;
  return copy.id;
}

/**
 * Decide that a message will not go out on its channel: sent on to the next one, or dead. The
 * copy carries the recipients that have an address here (those without one go in their own copy).
 * @category Engine
 */
export async function giveUp(
  ledger: Ledger,
  message: OutboxMessage,
  error: string,
  failure?: NotifyFailure,
  routed?: RoutedMessage,
): Promise<DeliveryOutcome> {
  const { routing } = ledger;
  const next = routing?.channel(message.channel) ? routing.fallbackFor(message) : undefined;
  if (next === undefined) return recordDead(ledger, message, error, failure);
  const without = new Set(routed?.unresolved.map((u) => u.recipient) ?? []);
  const recipients = message.to.filter((recipient) => !without.has(recipient));
  if (recipients.length === 0) return recordDead(ledger, message, error, failure);
  const copyId = await forward(ledger, message, next, recipients, error);
  return recordDead(
    ledger,
    message,
    error,
    failure,
    { forwardedTo: copyId },
    ` → sent on to ${next} as ${copyId}`,
  );
}

/** Decide where recipients a message does not reach on its channel go: a fallback copy, or the report. */
async function unreached(
  ledger: Ledger,
  message: OutboxMessage,
  entry: DeliveryOutcome,
  missed: readonly NotifyRejection[],
  part: '~unresolved' | '~rejected',
): Promise<void> {
  if (missed.length === 0) return;
  const next = ledger.routing?.fallbackFor(message);
  if (next === undefined) {
    entry.undeliverable = [...(entry.undeliverable ?? []), ...missed];
    return;
  }
  const recipients = [...new Set(missed.map((m) => m.recipient))];
  const why = missed.map((m) => `${m.recipient}: ${m.reason}`).join('; ');
  const copyId = await forward(ledger, message, next, recipients, why, part);
  entry.forwarded = { to: copyId, recipients: [...(entry.forwarded?.recipients ?? []), ...recipients] };
}

/** Mark the messages a delivered copy stands for as sent (a dead original comes back as sent). */
async function ancestorsSent(ledger: Ledger, message: OutboxMessage): Promise<void> {
  for (const original of payloadRouting(message.payload).copyOf) {
    await ledger.storage.markSent(original, ledger.now, { deliveredAs: message.id });
  }
}

/**
 * Record one send's answer for one message (alone or in the digest `digest`): sent, or what its
 * failure comes to.
 * @category Engine
 */
export async function recordAnswer(
  ledger: Ledger,
  message: OutboxMessage,
  routed: RoutedMessage | undefined,
  answer: NotifyResult,
  digest?: string,
): Promise<void> {
  if (answer.ok) await recordSent(ledger, message, routed, answer, digest);
  else await recordFailure(ledger, message, routed, answer);
}

/** Decide which of the provider's refusals are this message's: each address back to the recipients it stands for. */
function missedRecipients(
  rejected: readonly NotifyRejection[] | undefined,
  routed: RoutedMessage | undefined,
): NotifyRejection[] {
  const missed: NotifyRejection[] = [];
  for (const rejection of rejected ?? []) {
    const recipients = routed?.recipientsOf.get(rejection.recipient);
    if (routed && !recipients) continue; // another message's address in the digest
    for (const recipient of recipients ?? [rejection.recipient])
      missed.push({ recipient, reason: rejection.reason });
  }
  return missed;
}

/** A sent message: marked sent, then its recipients not reached sent on or reported. */
async function recordSent(
  ledger: Ledger,
  message: OutboxMessage,
  routed: RoutedMessage | undefined,
  answer: NotifySuccess,
  digest: string | undefined,
): Promise<void> {
  const kept: Record<string, JsonValue> = {};
  if (answer.providerId !== undefined) kept.providerId = storableText(answer.providerId);
  if (digest !== undefined) kept.digest = storableText(digest);
  const missed = missedRecipients(answer.rejected, routed);
  if (missed.length > 0) {
    kept.rejected = missed.map((m) => ({
      recipient: storableText(m.recipient),
      reason: storableText(m.reason),
    }));
  }
  await ledger.storage.markSent(message.id, ledger.now, Object.keys(kept).length > 0 ? kept : undefined);
  ledger.routing?.pacer.release(message.id);
  ledger.result.sent += 1;
  const entry = outcome(ledger, message, { status: 'sent' });
  if (answer.providerId !== undefined) entry.providerId = answer.providerId;
  if (digest !== undefined) entry.digest = digest;
  if (routed) {
    await ancestorsSent(ledger, message);
    await unreached(ledger, message, entry, routed.unresolved, '~unresolved');
    await unreached(ledger, message, entry, missed, '~rejected');
  } else if (missed.length > 0) entry.undeliverable = missed;
}

/**
 * What a failed send comes to: another attempt at `retryAt`, or giving up on the channel, with why.
 *
 * @category Engine
 */
export type FailureVerdict = { readonly retryAt: number } | { readonly giveUp: string };

/**
 * Decide a failed send's fate (pure): a failure that is not retryable gives up at once; a
 * retryable one gives up when the failed attempts reach `maxAttempts`, or `fallbackAfter` when
 * there is a fallback to go to; otherwise it is retried after the backoff, never before the
 * provider's `retryAfterMs`.
 * @category Engine
 */
export function classifyFailure(
  failure: NotifyFailure,
  failures: number,
  policy: {
    readonly now: number;
    readonly maxAttempts: number;
    readonly backoff: (attempt: number) => number;
    readonly fallbackAfter: number | undefined;
    /** Asked only when `fallbackAfter` is reached. */
    readonly hasFallback: () => boolean;
  },
): FailureVerdict {
  const text = failure.error;
  if (!failure.retryable) return { giveUp: text };
  if (failures >= policy.maxAttempts) return { giveUp: `gave up after ${failures} attempts: ${text}` };
  if (policy.fallbackAfter !== undefined && failures >= policy.fallbackAfter && policy.hasFallback()) {
    return { giveUp: `still failing after ${failures} attempts: ${text}` };
  }
  const { backoff } = policy; // called unbound, as the host's function was given
  const wait = Math.max(0, backoff(Math.max(1, failures)), failure.retryAfterMs ?? 0);
  return { retryAt: policy.now + wait };
}

/** A failed send: retried or given up on, and its recipients without an address sent on or reported. */
async function recordFailure(
  ledger: Ledger,
  message: OutboxMessage,
  routed: RoutedMessage | undefined,
  failure: NotifyFailure,
): Promise<void> {
  const failures = message.attempts - deferralsOf(message);
  const verdict = classifyFailure(failure, failures, {
    now: ledger.now,
    maxAttempts: ledger.maxAttempts,
    backoff: ledger.backoff,
    fallbackAfter: routed?.channel.fallbackAfter,
    hasFallback: () => ledger.routing?.fallbackFor(message) !== undefined,
  });
  const entry =
    'giveUp' in verdict
      ? await giveUp(ledger, message, verdict.giveUp, failure, routed)
      : await recordRetry(ledger, message, failure.error, verdict.retryAt, failure);
  // Those without an address here go on at the first attempt (the others' retry does not wait
  // for them) and again when the message is done — the copy's id makes that a no-op unless
  // the first time was lost.
  if (routed && (failures <= 1 || entry.status === 'dead')) {
    await unreached(ledger, message, entry, routed.unresolved, '~unresolved');
  }
}
