/**
 * The steps of one `deliverOutbox` round, in the order a message meets them: claimed, prepared
 * (rendered, routed, its notifier picked), held for its destination's digest or paced, sent, and
 * its answer recorded; then the digests that formed, one send per destination and window. The
 * round stops early — releasing what it has not sent — when its signal fires or a send could
 * outlast the leases.
 *
 * @module
 */
import type { Notifier, NotifyMessage } from '../adapters/notify/port.js';
import type { OutboxMessage } from '../adapters/storage/port.js';
import type { OutboxRouting, ResolvedChannel, RoutedMessage } from './channels.js';
import {
  giveUp,
  type Ledger,
  recordAnswer,
  recordDead,
  recordDeferred,
  recordRetry,
  releaseUnsent,
} from './outbox-record.js';
import { type Attempt, attemptSend, errorText, nameOf, preview } from './outbox-send.js';

/**
 * A round in progress: its options resolved, what it claimed, and the digest groups forming.
 *
 * @category Engine
 */
export interface Round extends Ledger {
  readonly signal: AbortSignal | undefined;
  /** Claim at most this many messages at a time. */
  readonly limit: number;
  readonly leaseMs: number;
  readonly sendTimeoutMs: number;
  readonly render: (message: OutboxMessage) => NotifyMessage;
  readonly pick: (message: OutboxMessage) => Notifier | undefined;
  /** Real time since (about) the first claim: the leases run from then. */
  readonly elapsed: () => number;
  /** The claimed messages, in claim order. */
  queue: OutboxMessage[];
  /** Whether the last claim came back full (more may be due). */
  lastClaimFull: boolean;
  /** Digest groups forming in this round, by destination. */
  readonly groups: Map<string, DigestGroup>;
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

/** The messages that fell due for one destination, to go out as one digest. */
interface DigestGroup {
  readonly channel: ResolvedChannel;
  readonly members: Pending[];
}

const ABORTED_UNSENT = 'delivery aborted before sending';

/**
 * Real elapsed milliseconds (for the lease budget only; `now` is host time and stays fixed).
 *
 * @category Engine
 */
export function stopwatch(): () => number {
  const clock = typeof performance === 'object' && performance !== null ? performance : Date;
  const start = clock.now();
  return () => clock.now() - start;
}

/** Whether a send started now could time out before the leases end. */
function budgetLeft(round: Round): boolean {
  return round.elapsed() + round.sendTimeoutMs < round.leaseMs;
}

/**
 * Decide whether the round must stop before its next send: why (it was aborted — marked so — or
 * a send could outlast the leases), or `undefined` to go on.
 */
function stopReason(round: Round): string | undefined {
  if (round.signal?.aborted || round.result.aborted) {
    round.result.aborted = true;
    return ABORTED_UNSENT;
  }
  if (!budgetLeft(round)) {
    return `lease of ${round.leaseMs} ms would end before a send of up to ${round.sendTimeoutMs} ms; released unsent`;
  }
  return undefined;
}

/**
 * Claim the first messages due (up to `limit`).
 *
 * @category Engine
 */
export async function claimDue(round: Round): Promise<void> {
  round.queue = await round.storage.claimOutbox(round.now, { limit: round.limit, leaseMs: round.leaseMs });
  round.result.claimed = round.queue.length;
  round.lastClaimFull = round.queue.length === round.limit;
}

/**
 * Decide whether to claim more, and do: only while digest groups form and claims come back full
 * (what fell due together goes together). `false` when there is nothing more to deliver.
 */
async function claimMore(round: Round): Promise<boolean> {
  const { routing, result } = round;
  const more =
    round.groups.size > 0 &&
    round.lastClaimFull &&
    routing !== undefined &&
    result.claimed < routing.digestClaimLimit &&
    !round.signal?.aborted &&
    budgetLeft(round);
  if (!more) return false;
  const next = await round.storage.claimOutbox(round.now, {
    limit: Math.min(round.limit, routing.digestClaimLimit - result.claimed),
    leaseMs: round.leaseMs,
  });
  result.claimed += next.length;
  round.lastClaimFull = next.length === round.limit;
  if (next.length === 0) return false;
  round.queue.push(...next);
  return true;
}

/**
 * Deliver the claimed messages in claim order (claiming more while digests form) until none is
 * left, the round is aborted or its lease budget runs out — then release the rest unsent.
 * @category Engine
 */
export async function deliverClaimed(round: Round): Promise<void> {
  for (let index = 0; ; index++) {
    if (index >= round.queue.length && !(await claimMore(round))) return;
    const message = round.queue[index]!;
    const stop = stopReason(round);
    if (stop !== undefined) return releaseRest(round, index, stop);
    if ((await deliverOne(round, message)) === 'aborted')
      return releaseRest(round, index + 1, ABORTED_UNSENT);
  }
}

/** Release the queue from `index` on and every message held for a digest: the round stops. */
async function releaseRest(round: Round, index: number, why: string): Promise<void> {
  const held = [...round.groups.values()].flatMap((group) => group.members.map((m) => m.message));
  await releaseUnsent(round, [...round.queue.slice(index), ...held], why);
  round.groups.clear();
}

/**
 * One message: prepared, then held for its digest, or paced, sent and its answer recorded.
 * `'aborted'` when the round's signal fired during its send.
 */
async function deliverOne(round: Round, message: OutboxMessage): Promise<'aborted' | undefined> {
  const pending = await prepare(round, message);
  if (!pending) return undefined;
  const routed = pending.routed;
  if (routed) {
    if (holdForDigest(round, pending, routed)) return undefined;
    if (!(await paced(round, message.id, [message], routed.destinations, routed.channel))) return undefined;
  }
  const attempt = await sendPrepared(round, pending, pending.notification);
  if ('aborted' in attempt) {
    // Our shutdown, not the notifier's failure: retry at once and never dead-letter for it.
    round.result.aborted = true;
    const who = pending.notifier ? nameOf(pending.notifier) : 'the notifier';
    await recordRetry(round, message, `delivery aborted while ${who} was sending`, round.now);
    return 'aborted';
  }
  await recordAnswer(round, message, routed, attempt);
  return undefined;
}

/**
 * Render, route and pick the notifier of one claimed message; `undefined` when it is recorded
 * already (its payload cannot be rendered, or it reaches nobody).
 */
async function prepare(round: Round, message: OutboxMessage): Promise<Pending | undefined> {
  const { render } = round; // called unbound, as the host's function was given
  let notification: NotifyMessage;
  try {
    notification = render(message);
  } catch (error) {
    await recordDead(round, message, `cannot render: ${errorText(error)}`);
    return undefined;
  }
  const { routing } = round;
  const channel = routing?.channel(message.channel);
  if (routing && channel) return route(round, routing, channel, message, notification);
  return pickNotifier(round, message, routing ? routing.decorate(notification) : notification);
}

/**
 * Address a message on its routed channel; one that reaches nobody there (and is not for a group
 * robot) is given up on.
 */
async function route(
  round: Round,
  routing: OutboxRouting,
  channel: ResolvedChannel,
  message: OutboxMessage,
  notification: NotifyMessage,
): Promise<Pending | undefined> {
  const routed = routing.route(message, routing.decorate(notification), channel);
  if (routed.notification.to.length === 0 && !channel.group) {
    const why =
      routed.unresolved.length > 0
        ? `no recipient has an address on ${channel.name}: ${routed.unresolved.map((u) => u.reason).join('; ')}`
        : `no recipients (the message's to is empty)`;
    const entry = await giveUp(round, message, why, {
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

/** Pick the notifier of an unrouted message; a picker that throws or a notifier without `send` is kept as why. */
function pickNotifier(round: Round, message: OutboxMessage, notification: NotifyMessage): Pending {
  const { pick } = round; // called unbound, as the host's picker was given
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
}

/** Whether the message waits for its destination's digest (joining or starting its group). */
function holdForDigest(round: Round, pending: Pending, routed: RoutedMessage): boolean {
  if (routed.digestKey === undefined) return false;
  const group = round.groups.get(routed.digestKey);
  if (group) group.members.push(pending);
  else round.groups.set(routed.digestKey, { channel: routed.channel, members: [pending] });
  return true;
}

/** Book a send's slot: `true` when it may go now, else its messages are deferred to the slot. */
async function paced(
  round: Round,
  ids: string | readonly string[],
  messages: readonly OutboxMessage[],
  destinations: RoutedMessage['destinations'],
  channel: ResolvedChannel,
): Promise<boolean> {
  const slot = round.routing!.pacer.book(ids, destinations, round.now);
  if (slot <= round.now) return true;
  for (const message of messages) {
    await recordDeferred(round, message, `waiting for a send slot of ${channel.name}`, slot);
  }
  return false;
}

/** Send a prepared message's notification (or a digest): the notifier's answer, or a failure. */
async function sendPrepared(round: Round, pending: Pending, notification: NotifyMessage): Promise<Attempt> {
  if (pending.pickError !== undefined) return { ok: false, retryable: true, error: pending.pickError };
  if (!pending.notifier) {
    return {
      ok: false,
      retryable: true,
      kind: 'config',
      error: `no notifier for channel "${pending.message.channel}"`,
    };
  }
  return attemptSend(pending.notifier, notification, round.sendTimeoutMs, round.signal);
}

/**
 * The digests: one send per destination (and window), for everything that fell due for it.
 *
 * @category Engine
 */
export async function deliverDigests(round: Round): Promise<void> {
  for (const [key, group] of round.groups) await deliverDigest(round, key, group);
}

/**
 * One destination's digest: released if the round must stop, deferred when the destination had
 * its send of the window or its slot is later, else sent and each member's answer recorded.
 */
async function deliverDigest(round: Round, key: string, group: DigestGroup): Promise<void> {
  const routing = round.routing!;
  const { channel, members } = group;
  const messages = members.map((m) => m.message);
  const stop = stopReason(round);
  if (stop !== undefined) return releaseUnsent(round, messages, stop);
  const windowMs = channel.digest!.windowMs;
  const window = Math.floor(round.now / windowMs);
  if (routing.lastWindow(key) === window) {
    // This destination had its send of the window: the rest waits for the window's end.
    for (const message of messages) {
      const why = `waiting for the digest of ${channel.name} at the end of its window`;
      await recordDeferred(round, message, why, (window + 1) * windowMs);
    }
    return;
  }
  const ids = messages.map((m) => m.id);
  if (!(await paced(round, ids, messages, mergeDestinations(members.map((m) => m.routed!)), channel))) return;
  routing.markWindow(key, window);
  const single = members.length === 1;
  const notification = single
    ? members[0]!.notification
    : routing.digestOf(
        channel,
        key,
        window,
        members.map((m) => ({ message: m.message, routed: m.routed! })),
      );
  const attempt = await sendPrepared(round, members[0]!, notification);
  if ('aborted' in attempt) {
    round.result.aborted = true;
    for (const message of messages) {
      await recordRetry(
        round,
        message,
        `delivery aborted while ${nameOf(channel.notifier)} was sending`,
        round.now,
      );
    }
    return;
  }
  const digest = single ? undefined : notification.idempotencyKey;
  for (const member of members) await recordAnswer(round, member.message, member.routed, attempt, digest);
}

/** The destinations of a digest: each key once (one send counts once per destination). */
function mergeDestinations(routed: readonly RoutedMessage[]): RoutedMessage['destinations'] {
  const byKey = new Map<string, RoutedMessage['destinations'][number]>();
  for (const r of routed) for (const d of r.destinations) if (!byKey.has(d.key)) byKey.set(d.key, d);
  return [...byKey.values()];
}
