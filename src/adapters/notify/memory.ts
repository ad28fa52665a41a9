import type { Notifier, NotifyContext, NotifyMessage, NotifyResult } from './port.js';

/**
 * A simulated failure of {@link memoryNotifier}.
 *
 * @example
 * ```ts
 * import type { MemoryNotifierFailure } from 'leadflow';
 * const timeout: MemoryNotifierFailure = { error: 'timeout', retryable: true };
 * const crash: MemoryNotifierFailure = { throw: true, error: 'socket hang up' };
 * const lostAck: MemoryNotifierFailure = { afterDelivery: true, error: 'timeout after accept' };
 * const hung: MemoryNotifierFailure = { hang: true }; // answers only by rejecting once aborted
 * ```
 * @category Notifications
 */
export interface MemoryNotifierFailure {
  /** Error text. @default 'simulated failure' */
  error?: string;
  /** Whether the failure is retryable. @default true */
  retryable?: boolean;
  /** Throw an `Error` instead of returning a failed result. @default false */
  throw?: boolean;
  /**
   * Deliver the message (it is recorded in `sent` and its key remembered) and still report the
   * failure — the provider accepted it but the answer got lost. @default false
   */
  afterDelivery?: boolean;
  /**
   * Never answer, like a hung server behind `fetch`: the call stays pending until the send's
   * `signal` fires, then rejects with the signal's reason (and records it in `thrown`). Without a
   * signal it never settles. With `afterDelivery`, the message is delivered first. @default false
   */
  hang?: boolean;
}

/**
 * Facts handed to {@link MemoryNotifierOptions.fail} for each `send` call.
 *
 * @example
 * ```ts
 * import { memoryNotifier, type MemoryNotifierCallInfo } from 'leadflow';
 * const notifier = memoryNotifier({ fail: (_m, info: MemoryNotifierCallInfo) => info.attempt < 3 && { error: 'busy' } });
 * ```
 * @category Notifications
 */
export interface MemoryNotifierCallInfo {
  /** 1-based number of this `send` call on the notifier. */
  call: number;
  /** 1-based number of `send` calls so far with this idempotency key (including this one). */
  attempt: number;
}

/**
 * Options of {@link memoryNotifier}. `fail` takes precedence over `failFirst`.
 *
 * @example
 * ```ts
 * import { memoryNotifier, type MemoryNotifierOptions } from 'leadflow';
 * const options: MemoryNotifierOptions = { failFirst: 2, failWith: { error: 'HTTP 503' } };
 * const notifier = memoryNotifier(options); // the first two sends fail, then it delivers
 * ```
 * @category Notifications
 */
export interface MemoryNotifierOptions {
  /**
   * Name reported by `notifier.name`.
   * @default 'memory'
   */
  name?: string;
  /**
   * The first `failFirst` calls of `send` (that are not duplicates of a delivered key) fail with
   * `failWith`.
   * @default 0
   */
  failFirst?: number;
  /**
   * How the `failFirst` calls fail.
   * @default { error: 'simulated failure', retryable: true }
   */
  failWith?: MemoryNotifierFailure;
  /**
   * Decide per call whether it fails (return a failure) or delivers (return `undefined`/`false`).
   * Not consulted for keys already delivered: those are acknowledged as duplicates.
   */
  fail?: (message: NotifyMessage, info: MemoryNotifierCallInfo) => MemoryNotifierFailure | undefined | false;
}

/**
 * One recorded `send` call of a {@link MemoryNotifier}.
 *
 * @example
 * ```ts
 * import type { MemoryNotifierCall } from 'leadflow';
 * const failedCalls = (calls: readonly MemoryNotifierCall[]) => calls.filter((c) => c.result?.ok === false || c.thrown);
 * ```
 * @category Notifications
 */
export interface MemoryNotifierCall {
  message: NotifyMessage;
  /** The returned result, or `undefined` if the call threw. */
  result?: NotifyResult;
  /** The error message if the call threw (or rejected). */
  thrown?: string;
}

/**
 * A {@link Notifier} that records what it delivers, for tests.
 *
 * @example
 * ```ts
 * import { memoryNotifier } from 'leadflow';
 * const notifier = memoryNotifier();
 * await notifier.send({ idempotencyKey: 'k1', channel: 'sms', to: ['13800000000'], text: 'hi' });
 * notifier.sent.length; // 1
 * ```
 * @category Notifications
 */
export interface MemoryNotifier extends Notifier {
  /** Messages actually delivered, in order; one per idempotency key. Deep copies. */
  readonly sent: readonly NotifyMessage[];
  /** Every `send` call, in order, with its outcome (duplicates and failures included). */
  readonly calls: readonly MemoryNotifierCall[];
  /** How many times `key` was delivered (0 or 1). */
  deliveries(key: string): number;
  /** Forget everything sent, every call and every remembered key (failure counters too). */
  clear(): void;
}

/**
 * Create a {@link MemoryNotifier}: idempotent per key (a second send of a delivered key returns
 * `{ ok: true, providerId, duplicate: true }` and delivers nothing), able to simulate failures —
 * the first N calls (`failFirst`), or any pattern (`fail`), as a failed result, a thrown error,
 * a lost acknowledgement (`afterDelivery`) or a send that never answers (`hang`).
 *
 * It honours the send's `signal` as `fetch` does: a call whose signal has already fired rejects
 * with the signal's reason and delivers nothing; a hanging call rejects when it fires.
 *
 * @example
 * ```ts
 * import { memoryNotifier } from 'leadflow';
 * const notifier = memoryNotifier({ failFirst: 1 });
 * const message = { idempotencyKey: 'k1', channel: 'wecom', to: ['rep-1'], text: 'New lead' };
 * await notifier.send(message); // { ok: false, retryable: true, error: 'simulated failure' }
 * await notifier.send(message); // { ok: true, providerId: 'memory-1' }
 * await notifier.send(message); // { ok: true, providerId: 'memory-1', duplicate: true }
 * notifier.sent.length; // 1
 * ```
 * @category Notifications
 */
export function memoryNotifier(options: MemoryNotifierOptions = {}): MemoryNotifier {
  const sent: NotifyMessage[] = [];
  const calls: MemoryNotifierCall[] = [];
  const delivered = new Map<string, string>();
  const attemptsByKey = new Map<string, number>();
  let callCount = 0;
  let failuresLeft = options.failFirst ?? 0;
  const failWith = options.failWith ?? {};

  function deliver(message: NotifyMessage): string {
    const providerId = `memory-${sent.length + 1}`;
    sent.push(message);
    delivered.set(message.idempotencyKey, providerId);
    return providerId;
  }

  return {
    name: options.name ?? 'memory',
    sent,
    calls,
    deliveries: (key) => (delivered.has(key) ? 1 : 0),
    clear() {
      sent.length = 0;
      calls.length = 0;
      delivered.clear();
      attemptsByKey.clear();
      callCount = 0;
      failuresLeft = options.failFirst ?? 0;
    },
    async send(input, context?: NotifyContext) {
      const message = structuredClone(input);
      const call: MemoryNotifierCall = { message };
      calls.push(call);
      callCount += 1;
      const attempt = (attemptsByKey.get(message.idempotencyKey) ?? 0) + 1;
      attemptsByKey.set(message.idempotencyKey, attempt);

      const signal = context?.signal;
      if (signal?.aborted) {
        call.thrown = reasonText(signal.reason);
        throw abortError(signal.reason);
      }

      const known = delivered.get(message.idempotencyKey);
      if (known !== undefined) {
        call.result = { ok: true, providerId: known, duplicate: true };
        return call.result;
      }

      let failure: MemoryNotifierFailure | undefined;
      if (options.fail) {
        failure = options.fail(message, { call: callCount, attempt }) || undefined;
      } else if (failuresLeft > 0) {
        failuresLeft -= 1;
        failure = failWith;
      }

      if (!failure) {
        call.result = { ok: true, providerId: deliver(message) };
        return call.result;
      }
      if (failure.afterDelivery) deliver(message);
      if (failure.hang) {
        return new Promise<NotifyResult>((_resolve, reject) => {
          signal?.addEventListener(
            'abort',
            () => {
              call.thrown = reasonText(signal.reason);
              reject(abortError(signal.reason));
            },
            { once: true },
          );
        });
      }
      const error = failure.error ?? 'simulated failure';
      if (failure.throw) {
        call.thrown = error;
        throw new Error(error);
      }
      call.result = { ok: false, retryable: failure.retryable ?? true, error };
      return call.result;
    },
  };
}

/** The error an aborted send rejects with: the signal's reason when it is an `Error`. */
function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(reasonText(reason));
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message || reason.name;
  return reason === undefined ? 'aborted' : `aborted: ${String(reason)}`;
}
