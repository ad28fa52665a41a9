/**
 * Plumbing shared by every network notifier (chat robots, SMS, e-mail, webhook): one delivery
 * per idempotency key (remembered keys, concurrent sends of one key joined, recipients already
 * reached not sent again), cancellation, and reading errors of `fetch`. Internal: not
 * re-exported from the package root.
 *
 * The record of delivered keys lives in the process: it stops a retry of this process from
 * reaching people twice, not a retry from another process after a crash — that needs the
 * provider's own deduplication (WeCom application messages, Aliyun's `OutId` lookup, a webhook
 * receiver deduplicating on `webhook-id`) or the outbox recording the delivery before its lease
 * runs out.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { NotifyResult } from './port.js';

/**
 * Recipients of one idempotency key already reached by an earlier attempt (recipient → the
 * provider's id for it, if any). An attempt sends only to the others, so a retry after a partial
 * failure reaches nobody twice.
 *
 * @example
 * ```ts
 * import type { ReachedRecipients } from './notifier-kit.js';
 * const pending = (to: string[], reached: ReachedRecipients) => to.filter((r) => !reached.has(r));
 * ```
 * @category Notifications
 */
export type ReachedRecipients = Map<string, string | undefined>;

/**
 * One delivery per key, for a notifier whose transport has no deduplication of its own: see
 * {@link createDeliveryLedger}.
 *
 * @example
 * ```ts
 * import { createDeliveryLedger } from './notifier-kit.js';
 * const ledger = createDeliveryLedger('sms', 10_000);
 * const result = await ledger.run('k1', AbortSignal.timeout(10_000), async (_reached) => ({ ok: true }));
 * ```
 * @category Notifications
 */
export interface DeliveryLedger {
  /**
   * Run `attempt` for `key` unless the key was delivered (then `{ ok: true, duplicate: true }`
   * with the first provider id). An attempt for the key already in flight is waited for: when
   * it succeeds, the answer is a duplicate of it; when it fails, this call makes its own attempt
   * (one at a time per key). A signal that has already fired settles at once with a
   * retryable failure and sends nothing; one that fires while waiting settles the call at once
   * (the attempt itself is told through the same signal and finishes its bookkeeping).
   */
  run(
    key: string,
    signal: AbortSignal | undefined,
    attempt: (reached: ReachedRecipients) => Promise<NotifyResult>,
  ): Promise<NotifyResult>;
  /** Whether `key` was delivered (and is still remembered). */
  delivered(key: string): boolean;
}

/** Insert into a Map used as a bounded LRU-by-insertion memory. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > limit) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/**
 * Create a {@link DeliveryLedger} remembering the last `rememberKeys` delivered keys (and the
 * recipients reached so far of as many unfinished ones). In memory: a process that restarts
 * forgets them (see the port's note on at-least-once attempts).
 *
 * @param name - prefix of error texts, e.g. `aliyun-sms`
 * @param rememberKeys - how many keys to remember (oldest forgotten first), at least 1
 * @example
 * ```ts
 * import { createDeliveryLedger } from './notifier-kit.js';
 * const ledger = createDeliveryLedger('webhook', 10_000);
 * ```
 * @category Notifications
 */
export function createDeliveryLedger(name: string, rememberKeys: number): DeliveryLedger {
  const limit = Math.max(1, Math.floor(rememberKeys));
  const delivered = new Map<string, string | undefined>();
  const progress = new Map<string, ReachedRecipients>();
  const inflight = new Map<string, Promise<NotifyResult>>();

  return {
    delivered: (key) => delivered.has(key),
    async run(key, signal, attempt) {
      if (signal?.aborted) return abortedResult(name, signal, false);
      // Join an attempt in flight: its success is ours (a duplicate); after its failure, try again.
      for (let running = inflight.get(key); running; running = inflight.get(key)) {
        const outcome = await raceSignal(running, signal, name);
        if (outcome.ok) return duplicateOf(outcome.providerId);
        if (signal?.aborted) return outcome;
      }
      if (delivered.has(key)) return duplicateOf(delivered.get(key));
      let reached = progress.get(key);
      if (!reached) {
        reached = new Map();
        remember(progress, key, reached, limit);
      }
      const started = attempt(reached)
        .catch(
          (error: unknown): NotifyResult => ({
            ok: false,
            retryable: true,
            kind: 'retryable',
            error: `${name}: ${errorText(error)}`,
          }),
        )
        .then((outcome) => {
          if (outcome.ok) {
            remember(delivered, key, outcome.providerId, limit);
            progress.delete(key);
          }
          return outcome;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, started);
      return raceSignal(started, signal, name);
    },
  };
}

function duplicateOf(providerId: string | undefined): NotifyResult {
  return providerId === undefined ? { ok: true, duplicate: true } : { ok: true, providerId, duplicate: true };
}

/**
 * The result of a send cut short by its signal: retryable. `mayHaveSent` says whether the
 * request could already have reached the provider (then the text says the outcome is unknown).
 *
 * @example
 * ```ts
 * import { abortedResult } from './notifier-kit.js';
 * abortedResult('webhook', AbortSignal.abort(new Error('timed out')), true);
 * // { ok: false, retryable: true, kind: 'retryable', error: 'webhook: aborted (timed out); outcome unknown', unknown: true }
 * ```
 * @category Notifications
 */
export function abortedResult(name: string, signal: AbortSignal, mayHaveSent: boolean): NotifyResult {
  const reason = signal.reason instanceof Error ? signal.reason.message || signal.reason.name : signal.reason;
  const why = reason === undefined || reason === '' ? 'aborted' : `aborted (${String(reason)})`;
  return {
    ok: false,
    retryable: true,
    kind: 'retryable',
    error: `${name}: ${why}${mayHaveSent ? '; outcome unknown' : ' before sending'}`,
    ...(mayHaveSent ? { unknown: true } : {}),
  };
}

/**
 * Settle with `promise`, or as soon as `signal` fires with {@link abortedResult} — for
 * transports that may not honour the signal themselves. A late rejection of `promise` is
 * swallowed.
 *
 * @example
 * ```ts
 * import { raceSignal } from './notifier-kit.js';
 * const never = new Promise<never>(() => {});
 * const result = await raceSignal(never, AbortSignal.timeout(5_000), 'email'); // settles after 5 s
 * ```
 * @category Notifications
 */
export function raceSignal(
  promise: Promise<NotifyResult>,
  signal: AbortSignal | undefined,
  name: string,
): Promise<NotifyResult> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.resolve(abortedResult(name, signal, true));
  }
  return new Promise<NotifyResult>((resolve, reject) => {
    const onAbort = () => resolve(abortedResult(name, signal, true));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A readable one-line text for any thrown value, including the `cause` chain `fetch` uses
 * (`fetch failed: connect ECONNREFUSED 127.0.0.1:9`).
 *
 * @example
 * ```ts
 * import { errorText } from './notifier-kit.js';
 * errorText(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })); // 'fetch failed: connect ECONNREFUSED'
 * ```
 * @category Notifications
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const own = error.message || error.name;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${own}: ${errorText(cause)}` : own;
}

/** Codes of errors that happen before a request leaves this machine (nothing was sent). */
const NOT_SENT_CODES = /* @__PURE__ */ (() =>
  new Set([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EADDRNOTAVAIL',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_INVALID_ARG',
    'ERR_INVALID_URL',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'CERT_HAS_EXPIRED',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  ]))();

/**
 * Whether a rejection of `fetch` proves the request never reached the server (connection
 * refused, DNS failure, connect timeout, TLS certificate refused). Anything else — a reset, a
 * socket closed mid-answer, an abort — leaves the outcome unknown.
 *
 * @example
 * ```ts
 * import { fetchNeverSent } from './notifier-kit.js';
 * fetchNeverSent(new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) })); // true
 * ```
 * @category Notifications
 */
export function fetchNeverSent(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Seconds to wait from an HTTP `Retry-After` value (delay-seconds or an HTTP date), or
 * `undefined` when absent or unreadable.
 *
 * @param value - the header value
 * @param nowMs - the current time, for the date form
 * @example
 * ```ts
 * import { retryAfterSeconds } from './notifier-kit.js';
 * retryAfterSeconds('120', Date.now()); // 120
 * ```
 * @category Notifications
 */
export function retryAfterSeconds(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * Lowercase hex SHA-256 of a UTF-8 string.
 *
 * @example
 * ```ts
 * import { sha256Hex } from './notifier-kit.js';
 * sha256Hex('lead-1/sla.unopened/1').length; // 64
 * ```
 * @category Notifications
 */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The idempotency key itself when it fits `maxBytes` of UTF-8 (and `allowed`, when given),
 * otherwise `sha256:` + its hex digest (71 characters) — for provider fields with a length limit
 * (Aliyun `OutId`, Tencent `SessionContext`).
 *
 * @example
 * ```ts
 * import { keyOrDigest } from './notifier-kit.js';
 * keyOrDigest('lead-1/sla/1', 255); // 'lead-1/sla/1'
 * keyOrDigest('x'.repeat(300), 255); // 'sha256:…'
 * ```
 * @category Notifications
 */
export function keyOrDigest(key: string, maxBytes: number, allowed?: RegExp): string {
  if (Buffer.byteLength(key, 'utf8') <= maxBytes && (!allowed || allowed.test(key))) return key;
  return `sha256:${sha256Hex(key)}`;
}

/**
 * Text of a response body, cut to `max` characters, for error messages.
 *
 * @example
 * ```ts
 * import { snippet } from './notifier-kit.js';
 * snippet('a'.repeat(500), 10); // 'aaaaaaaaaa…'
 * ```
 * @category Notifications
 */
export function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * A mainland China mobile number in the forms `13800000000`, `+8613800000000`,
 * `008613800000000` or `86 138 0000 0000` (spaces and dashes ignored), as its 11 digits; or
 * `undefined` when it is not one (the first digit must be 1, the second 3–9).
 *
 * @example
 * ```ts
 * import { mainlandMobile } from './notifier-kit.js';
 * mainlandMobile('+86 138-0000-0000'); // '13800000000'
 * mainlandMobile('12800000000'); // undefined
 * ```
 * @category Notifications
 */
export function mainlandMobile(raw: string): string | undefined {
  const compact = raw.replace(/[\s-]/g, '');
  const match = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/.exec(compact);
  return match?.[1];
}
