/**
 * Outbox delivery of one engine, beside its domain operations: one round at a time, started by
 * a commit that enqueued messages, by the runtime, or by a replay; every send has a timeout, and
 * every retry this engine schedules is remembered by its due time, so it goes out on time
 * instead of waiting for the next message to be enqueued.
 *
 * @module
 */
import type { Notifier } from '../adapters/notify/port.js';
import type { StorageAdapter } from '../adapters/storage/port.js';
import type { Clock } from '../scheduler/clock.js';
import type { OutboxRouting } from './channels.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_SEND_TIMEOUT_MS,
  type DeliveryOutcome,
  defaultBackoff,
  deliverOutbox,
} from './outbox.js';
import type { DeliveryOptions } from './types.js';

/**
 * What {@link EngineDelivery.deliver} reports.
 *
 * @category Engine
 */
export interface DeliveryCounts {
  readonly sent: number;
  readonly retried: number;
  readonly dead: number;
  /** Put back for a send slot or a digest window (not failed). */
  readonly deferred: number;
}

type DeliveryEvents = Pick<
  EngineEvents,
  'delivery.configError' | 'delivery.dead' | 'delivery.forwarded' | 'delivery.undeliverable'
>;

/** The events one outcome is worth telling the host. */
function tellOutcome(
  outcome: DeliveryOutcome,
  at: number,
  emit: <K extends keyof DeliveryEvents>(name: K, payload: DeliveryEvents[K]) => void,
): void {
  const { id: messageId, channel, to } = outcome;
  if (outcome.kind === 'config') {
    emit('delivery.configError', {
      messageId,
      channel,
      error: outcome.error ?? '',
      providerCode: outcome.providerCode,
      at,
    });
  }
  if (outcome.status === 'dead') {
    if (outcome.forwardedTo !== undefined) {
      emit('delivery.forwarded', { messageId, channel, copyId: outcome.forwardedTo, recipients: to, at });
    } else emit('delivery.dead', { messageId, channel, to, error: outcome.error ?? '', at });
  }
  if (outcome.forwarded) {
    emit('delivery.forwarded', {
      messageId,
      channel,
      copyId: outcome.forwarded.to,
      recipients: outcome.forwarded.recipients,
      at,
    });
  }
  for (const { recipient, reason } of outcome.undeliverable ?? []) {
    emit('delivery.undeliverable', { messageId, channel, recipient, reason, at });
  }
}

const DEFAULT_BATCH = 100;
const DEFAULT_DELIVERY_LEASE_MS = 5 * 60_000;

/**
 * A notifier that accepts and drops everything: what `notifier: 'dropAll'` asks for.
 *
 * @category Engine
 */
export const dropAllNotifier: Notifier = /* @__PURE__ */ (() =>
  Object.freeze({
    name: 'dropAll',
    send: async () => ({ ok: true as const, providerId: 'dropped' }),
  }))();

/**
 * The delivery loop of one engine.
 *
 * @example
 * ```ts
 * const delivery = createDelivery({ storage, clock, notifier: memoryNotifier(), onError: console.error });
 * delivery.enqueued(); // after a commit with outbox messages: a round starts in the background
 * await delivery.deliver(); // wait for a full round
 * ```
 * @category Engine
 */
export function createDelivery(options: {
  readonly storage: StorageAdapter;
  readonly clock: Clock;
  readonly notifier: Notifier | ((channel: string) => Notifier | undefined);
  readonly settings?: DeliveryOptions;
  /** Channels with addresses, pacing, digests and fallbacks (`createEngine`'s `channels`). */
  readonly routing?: OutboxRouting;
  /** Tell the host about configuration errors, dead letters, fallbacks, unreachable recipients. */
  readonly emit?: <K extends keyof DeliveryEvents>(name: K, payload: DeliveryEvents[K]) => void;
  /** A round failed on storage (its messages come back after their lease). */
  readonly onError: (error: unknown) => void;
  /** A retry was scheduled for `at` (so the runtime can wake for it). */
  readonly onRetry?: (at: number) => void;
}) {
  const { storage, clock, notifier } = options;
  const settings = options.settings ?? {};
  const batchSize = settings.batchSize ?? DEFAULT_BATCH;
  const sendTimeoutMs = settings.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const leaseMs = settings.leaseMs ?? DEFAULT_DELIVERY_LEASE_MS;
  if (!(leaseMs > sendTimeoutMs)) {
    throw new EngineError(
      'ENGINE_INVALID',
      `createEngine: delivery.leaseMs (${leaseMs}) must be greater than delivery.sendTimeoutMs (${sendTimeoutMs}), or another engine could claim a message that is still being sent`,
    );
  }
  const pick =
    typeof notifier === 'function' ? (message: { channel: string }) => notifier(message.channel) : notifier;
  /** Due times of the retries this engine scheduled and has not yet run a round for, ascending. */
  const retries: number[] = [];
  /** Messages were enqueued since the last round started. */
  let fresh = false;

  let running: Promise<DeliveryCounts> | undefined;

  async function round(signal: AbortSignal | undefined): Promise<DeliveryCounts> {
    let sent = 0;
    let retried = 0;
    let dead = 0;
    let deferred = 0;
    for (;;) {
      fresh = false;
      const now = clock.now();
      while (retries.length > 0 && retries[0]! <= now) retries.shift();
      const result = await deliverOutbox({
        storage,
        notifier: pick,
        now,
        limit: batchSize,
        leaseMs,
        maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        backoff: settings.backoff ?? defaultBackoff,
        sendTimeoutMs,
        ...(signal ? { signal } : {}),
        ...(options.routing ? { routing: options.routing } : {}),
      });
      sent += result.sent;
      retried += result.retried;
      dead += result.dead;
      deferred += result.deferred;
      for (const outcome of result.outcomes) {
        if ((outcome.status === 'retry' || outcome.status === 'deferred') && outcome.retryAt !== undefined) {
          remember(outcome.retryAt);
        }
        if (options.emit) tellOutcome(outcome, now, options.emit);
      }
      if (signal?.aborted || result.aborted) break;
      // A full batch may have left more behind, slow sends may have released some unsent, new
      // messages may have come in meanwhile.
      if (result.claimed < batchSize && result.released === 0 && result.forwarded === 0 && !fresh) break;
    }
    return { sent, retried, dead, deferred };
  }

  function remember(at: number): void {
    let i = retries.length;
    while (i > 0 && retries[i - 1]! > at) i--;
    retries.splice(i, 0, at);
    options.onRetry?.(at);
  }

  /** Run a round now, or after the one in flight (never two at once). */
  function start(signal?: AbortSignal): Promise<DeliveryCounts> {
    const previous = running ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      .then(() => round(signal))
      .finally(() => {
        if (running !== next) return;
        running = undefined;
        // Enqueued after the round's last look: it must not wait for the next commit.
        if (fresh) start().catch(options.onError);
      });
    running = next;
    return next;
  }

  return {
    /** A commit enqueued messages: start a background round unless one is about to run anyway. */
    enqueued(): void {
      if (running) {
        fresh = true;
        return;
      }
      start().catch(options.onError);
    },
    /** Deliver now and wait (after the round in flight). */
    deliver: (signal?: AbortSignal): Promise<DeliveryCounts> => start(signal),
    /** Run a round in the background if anything is due (used by the runtime). */
    poll(): void {
      if (!running) start().catch(options.onError);
    },
    /** Whether a round should run at `now`: messages were enqueued, or a known retry is due. */
    due(now: number): boolean {
      return fresh || (retries.length > 0 && retries[0]! <= now);
    },
    /** The earliest retry this engine knows of. */
    nextRetryAt: (): number | undefined => retries[0],
    /** Resolves when no round is in flight. */
    async idle(): Promise<void> {
      while (running) await running.catch(() => undefined);
    },
  };
}

export type EngineDelivery = ReturnType<typeof createDelivery>;
