/**
 * One send of the outbox, bounded in time: the notifier's answer checked field by field (a
 * misbehaving notifier becomes a retryable failure naming it, never a crashed round), and the
 * never-throwing renderings of foreign values that its error texts quote.
 *
 * @module
 */
import type {
  Notifier,
  NotifyFailure,
  NotifyMessage,
  NotifyRejection,
  NotifyResult,
} from '../adapters/notify/port.js';

/** How much of a foreign value (a thrown error, an invalid result) goes into an error text. */
const PREVIEW_CHARS = 120;
const ERROR_CHARS = 300;

/** `text` cut to `max` characters. */
function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A short, never-throwing rendering of any value for an error text.
 *
 * @category Engine
 */
export function preview(value: unknown): string {
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

/**
 * The message of a thrown value, whatever was thrown.
 *
 * @category Engine
 */
export function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return bounded(String(error.message || error.name), ERROR_CHARS);
  } catch {
    // A hostile Error subclass; describe it like any other value.
  }
  return typeof error === 'string' ? bounded(error, ERROR_CHARS) : preview(error);
}

/**
 * The notifier's name for error texts (`notifier` when it has none, or its getter throws).
 *
 * @category Engine
 */
export function nameOf(notifier: Notifier): string {
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
 * it is not one. The optional fields are checked when present: a wrong one makes the whole
 * answer invalid (a notifier bug is worth seeing, not half-trusting).
 */
function readResult(value: unknown): NotifyResult | { invalid: string } {
  if (typeof value !== 'object' || value === null) return { invalid: 'not an object' };
  const fields = value as Record<string, unknown>;
  const ok = fields.ok;
  if (ok === true) {
    const providerId = fields.providerId;
    const duplicate = fields.duplicate;
    const rejected = fields.rejected;
    if (providerId !== undefined && typeof providerId !== 'string') {
      return { invalid: 'providerId is not a string' };
    }
    if (duplicate !== undefined && typeof duplicate !== 'boolean') {
      return { invalid: 'duplicate is not a boolean' };
    }
    const result: NotifyResult = { ok: true };
    if (providerId !== undefined) result.providerId = providerId;
    if (duplicate !== undefined) result.duplicate = duplicate;
    if (rejected !== undefined) {
      if (!Array.isArray(rejected)) return { invalid: 'rejected is not an array' };
      const list: NotifyRejection[] = [];
      for (const entry of rejected as unknown[]) {
        const { recipient, reason } = (entry ?? {}) as Record<string, unknown>;
        if (typeof recipient !== 'string' || typeof reason !== 'string') {
          return { invalid: 'rejected holds an entry without a string recipient and reason' };
        }
        list.push({ recipient, reason });
      }
      if (list.length > 0) result.rejected = list;
    }
    return result;
  }
  if (ok === false) {
    const retryable = fields.retryable;
    const error = fields.error;
    const kind = fields.kind;
    const retryAfterMs = fields.retryAfterMs;
    const providerCode = fields.providerCode;
    const unknown = fields.unknown;
    if (typeof retryable !== 'boolean') return { invalid: 'retryable is not a boolean' };
    if (typeof error !== 'string' || error === '') return { invalid: 'error is not a non-empty string' };
    if (kind !== undefined && kind !== 'retryable' && kind !== 'permanent' && kind !== 'config') {
      return { invalid: "kind is not 'retryable', 'permanent' or 'config'" };
    }
    if (
      retryAfterMs !== undefined &&
      !(typeof retryAfterMs === 'number' && retryAfterMs >= 0 && Number.isFinite(retryAfterMs))
    ) {
      return { invalid: 'retryAfterMs is not a finite number ≥ 0' };
    }
    if (providerCode !== undefined && typeof providerCode !== 'string') {
      return { invalid: 'providerCode is not a string' };
    }
    if (unknown !== undefined && typeof unknown !== 'boolean') return { invalid: 'unknown is not a boolean' };
    const result: NotifyFailure = { ok: false, retryable, error };
    if (kind !== undefined) result.kind = kind;
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    if (providerCode !== undefined) result.providerCode = providerCode;
    if (unknown !== undefined) result.unknown = unknown;
    return result;
  }
  return { invalid: 'ok is neither true nor false' };
}

/**
 * What one send came to. `aborted`: the round's signal fired while it was in flight.
 *
 * @category Engine
 */
export type Attempt = NotifyResult | { aborted: true };

/**
 * Send one notification, bounded by `timeoutMs` and the round's signal. Resolves (never rejects)
 * as soon as the send settles, the timeout fires or the round is aborted; a late answer is
 * ignored (its rejection handled, so it cannot surface as an unhandled one).
 * @category Engine
 */
export function attemptSend(
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
      // It may have been delivered meanwhile: the outcome is unknown.
      finish({ ok: false, retryable: true, unknown: true, error: text });
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
