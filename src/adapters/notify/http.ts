/**
 * HTTP plumbing shared by the chat-robot notifiers (WeCom, DingTalk, Feishu): one JSON request
 * with the send's signal and a timeout, answers classified into what the outbox needs — a JSON
 * object to read the provider's code from, or a failure that says whether a retry can help.
 *
 * Rules (the same for every provider): network errors, timeouts, aborts, HTTP 5xx and 429, and
 * a body that is not a JSON object are retryable; any other non-2xx status is permanent.
 * Providers answer HTTP 200 with their own error code in the body, which each notifier maps.
 *
 * @module
 */
import { fetchNeverSent } from './notifier-kit.js';
import type { NotifyFailure, NotifyFailureKind } from './port.js';

export type { NotifyFailure } from './port.js';

/**
 * What a failure says beyond its text: see {@link NotifyFailure}.
 *
 * @example
 * ```ts
 * import type { FailureDetails } from 'leadflow/notify/http';
 * const details: FailureDetails = { providerCode: '45009', retryAfterMs: 60_000 };
 * ```
 * @category Notifications
 */
export interface FailureDetails {
  retryAfterMs?: number | undefined;
  providerCode?: string | number | undefined;
  /** @default `'retryable'` when retryable, else `'permanent'` */
  kind?: NotifyFailureKind | undefined;
  unknown?: boolean | undefined;
}

/**
 * Build a failure whose `error` reads `<name>: <error>`, with the details as fields (a
 * retry-after hint rounded up to whole milliseconds, the provider's code as a string).
 *
 * @example
 * ```ts
 * import { notifyFailure } from 'leadflow/notify/http';
 * notifyFailure('wecom-robot', 'errcode 45009 api freq out of limit', true, { retryAfterMs: 60_000, providerCode: 45009 });
 * // { ok: false, retryable: true, kind: 'retryable', error: 'wecom-robot: errcode 45009 api freq out of limit',
 * //   retryAfterMs: 60000, providerCode: '45009' }
 * ```
 * @category Notifications
 */
export function notifyFailure(
  name: string,
  error: string,
  retryable: boolean,
  details: FailureDetails = {},
): NotifyFailure {
  const failure: NotifyFailure = {
    ok: false,
    retryable,
    kind: details.kind ?? (retryable ? 'retryable' : 'permanent'),
    error: `${name}: ${error}`,
  };
  if (details.retryAfterMs !== undefined && Number.isFinite(details.retryAfterMs)) {
    failure.retryAfterMs = Math.max(0, Math.ceil(details.retryAfterMs));
  }
  if (details.providerCode !== undefined && details.providerCode !== '') {
    failure.providerCode = String(details.providerCode);
  }
  if (details.unknown) failure.unknown = true;
  return failure;
}

/**
 * One JSON request of {@link requestJson}.
 *
 * @example
 * ```ts
 * import type { JsonRequest } from 'leadflow/notify/http';
 * const request: JsonRequest = { method: 'POST', url: 'https://example.com/hook', body: { text: 'hi' }, timeoutMs: 10_000 };
 * ```
 * @category Notifications
 */
export interface JsonRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Sent as `application/json` (POST only). */
  body?: unknown;
  /** The send's signal (outbox timeout or abort). */
  signal?: AbortSignal;
  /** Own timeout of this request, on top of `signal`. */
  timeoutMs: number;
  /** @default globalThis.fetch (looked up per call) */
  fetch?: typeof fetch;
}

/**
 * What {@link requestJson} came to: the parsed JSON object of a 2xx answer, or a classified
 * failure.
 *
 * @example
 * ```ts
 * import type { JsonReply } from 'leadflow/notify/http';
 * const codeOf = (reply: JsonReply) => (reply.ok ? reply.body.errcode : undefined);
 * ```
 * @category Notifications
 */
export type JsonReply =
  | { ok: true; status: number; body: Record<string, unknown> }
  | { ok: false; failure: NotifyFailure };

/**
 * Send one JSON request and classify the answer (see the module notes). Never throws: a
 * rejected `fetch` (network error, timeout, the signal firing) is a retryable failure. A body
 * that cannot be parsed as a JSON object is retryable too — note that the provider may then have
 * delivered the message.
 *
 * @param name - the notifier's name, prefixed to every error text
 * @example
 * ```ts
 * import { requestJson } from 'leadflow/notify/http';
 * const reply = await requestJson('wecom-robot', {
 *   method: 'POST',
 *   url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY',
 *   body: { msgtype: 'text', text: { content: 'hi' } },
 *   timeoutMs: 10_000,
 * });
 * if (reply.ok) console.log(reply.body.errcode);
 * ```
 * @category Notifications
 */
export async function requestJson(name: string, request: JsonRequest): Promise<JsonReply> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const fetchImpl = request.fetch ?? globalThis.fetch;
  let status = 0;
  let text: string;
  let retryAfterHeader: string | null = null;
  try {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.method === 'POST' ? { 'content-type': 'application/json; charset=utf-8' } : {},
      body: request.method === 'POST' ? JSON.stringify(request.body ?? {}) : undefined,
      signal,
    });
    status = response.status;
    retryAfterHeader = response.headers.get('retry-after');
    text = await response.text();
  } catch (error) {
    // Unless the request provably never left (connection refused, DNS), its outcome is unknown.
    return {
      ok: false,
      failure: notifyFailure(name, transportError(error, request, timeout), true, {
        unknown: !fetchNeverSent(error),
      }),
    };
  }
  if (status === 429 || status >= 500) {
    const seconds = Number(retryAfterHeader);
    const wait = retryAfterHeader && Number.isFinite(seconds) ? seconds * 1000 : undefined;
    return {
      ok: false,
      failure: notifyFailure(name, `HTTP ${status}${snippet(text)}`, true, {
        retryAfterMs: wait,
        providerCode: `HTTP ${status}`,
      }),
    };
  }
  if (status < 200 || status >= 300) {
    return {
      ok: false,
      failure: notifyFailure(name, `HTTP ${status}${snippet(text)}`, false, {
        providerCode: `HTTP ${status}`,
      }),
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      failure: notifyFailure(name, `malformed JSON answer (HTTP ${status})${snippet(text)}`, true, {
        unknown: true,
      }),
    };
  }
  return { ok: true, status, body: body as Record<string, unknown> };
}

/** Why a `fetch` rejected, in a few words: aborted by the caller, timed out, or the network. */
function transportError(error: unknown, request: JsonRequest, timeout: AbortSignal): string {
  if (request.signal?.aborted) return `aborted: ${reasonText(request.signal.reason)}`;
  if (timeout.aborted) return `timed out after ${request.timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return `network error: ${cause?.code ?? cause?.message ?? reasonText(error)}`;
}

/**
 * `promise`, or `onAbort()` as soon as `signal` fires (the promise keeps running): how a caller
 * stops waiting for work it shares with others (a token fetch, a send of the same key) without
 * cancelling it for them.
 *
 * @example
 * ```ts
 * import { settleOnAbort } from 'leadflow/notify/http';
 * const shared = new Promise<string>(() => {}); // never settles
 * const signal = AbortSignal.timeout(1_000);
 * const value = await settleOnAbort(shared, signal, () => 'gave up'); // 'gave up' after 1 s
 * ```
 * @category Notifications
 */
export function settleOnAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => T,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => resolve(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * The failure of a send whose signal fired before it was done: retryable, naming the reason.
 *
 * @example
 * ```ts
 * import { abortedFailure } from 'leadflow/notify/http';
 * abortedFailure('wecom-app', AbortSignal.abort(new Error('outbox send timeout')));
 * // { ok: false, retryable: true, error: 'wecom-app: aborted: outbox send timeout' }
 * ```
 * @category Notifications
 */
export function abortedFailure(name: string, signal: AbortSignal | undefined): NotifyFailure {
  return notifyFailure(name, `aborted: ${reasonText(signal?.reason)}`, true);
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message || reason.name;
  return reason === undefined ? 'no reason' : String(reason);
}

/** The start of a response body for an error text (bodies of error pages can be long). */
function snippet(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  return `: ${trimmed.length > 120 ? `${trimmed.slice(0, 120)}…` : trimmed}`;
}

/**
 * A provider's error message, shortened for an error text (errmsg often carries a hint URL).
 *
 * @example
 * ```ts
 * import { providerMessage } from 'leadflow/notify/http';
 * providerMessage({ errcode: 93000, errmsg: 'invalid webhook url' }, 'errmsg'); // 'invalid webhook url'
 * ```
 * @category Notifications
 */
export function providerMessage(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * The numeric `errcode` (WeCom, DingTalk) or `code` field of a provider's answer, or
 * `undefined` when it has none (some document it as a string, e.g. `"0"`).
 *
 * @example
 * ```ts
 * import { errcodeOf } from 'leadflow/notify/http';
 * errcodeOf({ errcode: 45009, errmsg: 'api freq out of limit' }); // 45009
 * errcodeOf({ code: '0', msg: 'success' }, 'code'); // 0
 * errcodeOf({ msg: 'success' }, 'code'); // undefined
 * ```
 * @category Notifications
 */
export function errcodeOf(body: Record<string, unknown>, field = 'errcode'): number | undefined {
  const value = body[field];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}
