/**
 * The delivered-key record of notifiers whose provider does not deduplicate (chat robots): a
 * key delivered once is acknowledged as a duplicate afterwards, and concurrent sends of one key
 * share a single request.
 *
 * The record is bounded (the oldest keys are forgotten first) and lives in the process: it stops
 * a retry of this process from reaching people twice, not a retry from another process after a
 * crash — that needs the provider's own deduplication (WeCom application messages have it) or
 * the outbox recording the delivery before the lease runs out.
 *
 * @module
 */
import { abortedFailure, settleOnAbort } from './http.js';
import type { NotifyResult } from './port.js';

/**
 * See {@link createDeliveredKeys}.
 *
 * @example
 * ```ts
 * import { createDeliveredKeys } from 'leadflow/notify/delivered-keys';
 * const keys = createDeliveredKeys('wecom-robot', 10_000);
 * const result = await keys.once('lead-1/sla.unopened/1', async () => ({ ok: true }));
 * keys.has('lead-1/sla.unopened/1'); // true
 * ```
 */
export interface DeliveredKeys {
  /**
   * Run `deliver` for `key` unless the key was delivered (then `{ ok: true, providerId,
   * duplicate: true }`) or is being delivered right now (then wait for that attempt: its result,
   * marked `duplicate: true` if it succeeded — or a retryable failure as soon as `signal` fires).
   * A successful result is remembered. A `deliver` that throws counts as a retryable failure.
   */
  once(key: string, deliver: () => Promise<NotifyResult>, signal?: AbortSignal): Promise<NotifyResult>;
  has(key: string): boolean;
  readonly size: number;
}

/**
 * Create a {@link DeliveredKeys} record holding at most `limit` keys; `name` (the notifier's)
 * prefixes its error texts.
 *
 * @example
 * ```ts
 * import { createDeliveredKeys } from 'leadflow/notify/delivered-keys';
 * const keys = createDeliveredKeys('wecom-robot', 2);
 * for (const key of ['a', 'b', 'c']) await keys.once(key, async () => ({ ok: true }));
 * keys.has('a'); // false: forgotten, the record holds the last 2
 * ```
 */
export function createDeliveredKeys(name: string, limit: number): DeliveredKeys {
  const remember = Math.max(1, Math.floor(limit));
  /** key → providerId; Map iteration order is insertion order, so the first entry is the oldest. */
  const delivered = new Map<string, string | undefined>();
  const inFlight = new Map<string, Promise<NotifyResult>>();

  async function run(key: string, deliver: () => Promise<NotifyResult>): Promise<NotifyResult> {
    let result: NotifyResult;
    try {
      result = await deliver();
    } catch (error) {
      result = {
        ok: false,
        retryable: true,
        error: `${name}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (result.ok) {
      delivered.set(key, result.providerId);
      if (delivered.size > remember) delivered.delete(delivered.keys().next().value as string);
    }
    return result;
  }

  return {
    get size() {
      return delivered.size;
    },
    has: (key) => delivered.has(key),
    async once(key, deliver, signal) {
      if (delivered.has(key)) {
        const providerId = delivered.get(key);
        return providerId === undefined
          ? { ok: true, duplicate: true }
          : { ok: true, providerId, duplicate: true };
      }
      const pending = inFlight.get(key);
      if (pending) {
        const shared = await settleOnAbort(pending, signal, () => abortedFailure(name, signal));
        return shared.ok ? { ...shared, duplicate: true } : shared;
      }
      const attempt = run(key, deliver).finally(() => inFlight.delete(key));
      inFlight.set(key, attempt);
      return attempt;
    },
  };
}
