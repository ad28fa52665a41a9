/**
 * Signed webhooks to the Standard Webhooks specification
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
 * on Node's global `fetch` and `node:crypto`.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { type Clock, systemClock } from '../../scheduler/clock.js';
import type { JsonValue } from '../storage/port.js';
import {
  createDeliveryLedger,
  errorText,
  fetchNeverSent,
  keyOrDigest,
  retryAfterSeconds,
  snippet,
} from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyResult } from './port.js';

/**
 * Options of {@link webhookNotifier}.
 *
 * @example
 * ```ts
 * import type { WebhookNotifierOptions } from 'leadflow/notify/webhook';
 * const options: WebhookNotifierOptions = {
 *   url: 'https://crm.example.com/hooks/leadflow',
 *   secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
 *   type: (m) => `leadflow.${m.template ?? 'notification'}`,
 * };
 * ```
 * @category Notifications
 */
export interface WebhookNotifierOptions {
  /** Endpoint to POST to (`http:` or `https:`). */
  url: string;
  /**
   * Signing secret: `whsec_` + base64 of the key bytes, as Standard Webhooks libraries generate
   * and expect (a bare base64 string is accepted too). During a key rotation pass both, newest
   * first: each signs, and `webhook-signature` carries one `v1,` entry per secret.
   */
  secret: string | readonly string[];
  /**
   * The event type (`type` of the payload), full-stop delimited.
   * @default message.template ?? 'leadflow.notification'
   */
  type?: (message: NotifyMessage) => string;
  /**
   * The payload's `data`.
   * @default `{ channel, to, subject, text, template, data }` of the message (fields that are set)
   */
  data?: (message: NotifyMessage) => JsonValue;
  /** Extra request headers (e.g. an `authorization` the endpoint wants as well). */
  headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Source of `webhook-timestamp` and of the payload's `timestamp`. @default systemClock */
  clock?: Clock;
  /** Name reported by `notifier.name` and prefixed to error texts. @default 'webhook' */
  name?: string;
  /** How many delivered keys to remember. @default 10000 */
  rememberKeys?: number;
}

/**
 * The JSON body {@link webhookNotifier} posts: the specification's recommended envelope.
 *
 * @example
 * ```ts
 * import type { WebhookPayload } from 'leadflow/notify/webhook';
 * const payload: WebhookPayload = {
 *   type: 'lead-unopened',
 *   timestamp: '2026-03-02T01:45:00.000Z',
 *   data: { to: ['rep-1'], text: 'Lead lead-1 has not been opened for 30 minutes' },
 * };
 * ```
 * @category Notifications
 */
export interface WebhookPayload {
  type: string;
  /** ISO 8601 time the event was sent. */
  timestamp: string;
  data: JsonValue;
}

/**
 * The `webhook-signature` value for a message: one `v1,<base64 HMAC-SHA256>` entry per secret,
 * space-separated, over `${id}.${timestamp}.${body}` with each secret's base64-decoded key (after
 * stripping `whsec_`). Exported for receivers and tests.
 *
 * @param secrets - `whsec_…` secrets (or bare base64)
 * @param id - the `webhook-id`
 * @param timestamp - the `webhook-timestamp`, Unix seconds
 * @param body - the exact request body
 * @example
 * ```ts
 * import { standardWebhookSignature } from 'leadflow/notify/webhook';
 * standardWebhookSignature(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_1', 1614265330, '{"test": 2432232314}');
 * // 'v1,…'
 * ```
 * @category Notifications
 */
export function standardWebhookSignature(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  const content = `${id}.${timestamp}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content, 'utf8').digest('base64')}`)
    .join(' ');
}

function secretKey(secret: string): Buffer {
  const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new TypeError('webhookNotifier: secret must be "whsec_" followed by base64');
  }
  const key = Buffer.from(base64, 'base64');
  if (key.length < 16) throw new TypeError('webhookNotifier: secret must decode to at least 16 bytes');
  return key;
}

/**
 * The `webhook-id` sent for an idempotency key: the key itself when it is printable ASCII
 * without spaces and at most 256 characters (so the receiver can dedupe on it), otherwise
 * `sha256:` + its hex digest. The same for every retry of the key, as the specification wants.
 *
 * @example
 * ```ts
 * import { webhookId } from 'leadflow/notify/webhook';
 * webhookId('lead-1/sla.unopened/1'); // 'lead-1/sla.unopened/1'
 * webhookId('线索-1'); // 'sha256:…'
 * ```
 * @category Notifications
 */
export function webhookId(idempotencyKey: string): string {
  return keyOrDigest(idempotencyKey, 256, /^[\x21-\x7e]+$/);
}

function defaultData(message: NotifyMessage): JsonValue {
  const data: Record<string, JsonValue> = { channel: message.channel, to: [...message.to] };
  if (message.subject !== undefined) data.subject = message.subject;
  data.text = message.text;
  if (message.template !== undefined) data.template = message.template;
  if (message.data !== undefined) data.data = message.data;
  return data;
}

/**
 * Create a {@link Notifier} that POSTs each message as a signed Standard Webhooks event:
 * headers `webhook-id` ({@link webhookId} of the idempotency key — the receiver's deduplication
 * key, the same on every retry), `webhook-timestamp` (Unix seconds, from `clock`) and
 * `webhook-signature` ({@link standardWebhookSignature}); body
 * `{ "type", "timestamp", "data" }` ({@link WebhookPayload}); `content-type: application/json`.
 *
 * Outcomes: 2xx → delivered (`providerId` = the `webhook-id`); redirects are not followed (the
 * specification says so) and are permanent failures; 410 Gone is permanent (disable the
 * endpoint); 408, 429 and 5xx are retryable, with the `Retry-After` delay (seconds or an HTTP
 * date) as the result's `retryAfterMs`, and `HTTP <status>` as its `providerCode`; any other 4xx
 * is permanent; a network
 * error or a timeout is retryable (receivers dedupe on `webhook-id`, so a retry after an unknown
 * outcome is safe by design). Delivered keys are also remembered here (the last `rememberKeys`),
 * so a repeat is acknowledged as a duplicate without a request.
 *
 * @example
 * ```ts
 * import { webhookNotifier } from 'leadflow/notify/webhook';
 * const hook = webhookNotifier({ url: 'https://crm.example.com/hooks/leadflow', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
 * await hook.send({ idempotencyKey: 'lead-1/sla.unopened/1', channel: 'webhook', to: ['crm'], text: 'Lead lead-1 waiting' });
 * ```
 * @category Notifications
 */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  const url = new URL(options.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`webhookNotifier: url must be http(s), got ${url.protocol}`);
  }
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret];
  if (secrets.length === 0) throw new TypeError('webhookNotifier: at least one secret is needed');
  for (const secret of secrets) secretKey(secret);
  const name = options.name ?? 'webhook';
  const doFetch = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const typeOf = options.type ?? ((message: NotifyMessage) => message.template ?? 'leadflow.notification');
  const dataOf = options.data ?? defaultData;
  const ledger = createDeliveryLedger(name, options.rememberKeys ?? 10_000);

  async function attempt(message: NotifyMessage, signal: AbortSignal | undefined): Promise<NotifyResult> {
    const now = clock.now();
    let body: string;
    try {
      const payload: WebhookPayload = {
        type: typeOf(message),
        timestamp: new Date(now).toISOString(),
        data: dataOf(message),
      };
      body = JSON.stringify(payload);
    } catch (error) {
      return {
        ok: false,
        retryable: false,
        error: `${name}: could not build the payload: ${errorText(error)}`,
      };
    }
    const id = webhookId(message.idempotencyKey);
    const timestamp = Math.floor(now / 1000);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': standardWebhookSignature(secrets, id, timestamp, body),
        },
        body,
        redirect: 'manual',
        ...(signal ? { signal } : {}),
      });
      text = await response.text().catch(() => '');
    } catch (error) {
      const why = signal?.aborted ? `aborted: ${errorText(signal.reason)}` : errorText(error);
      // Unless it provably never left, the receiver may have it (it dedupes on webhook-id).
      const unknown = signal?.aborted || !fetchNeverSent(error);
      return {
        ok: false,
        retryable: true,
        kind: 'retryable',
        ...(unknown ? { unknown } : {}),
        error: `${name}: ${why}`,
      };
    }
    const status = response.status;
    if (status >= 200 && status < 300) return { ok: true, providerId: id };
    const providerCode = `HTTP ${status}`;
    const label = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const detail = snippet(text);
    const tail = detail ? `: ${detail}` : '';
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location');
      return {
        ok: false,
        retryable: false,
        kind: 'config',
        providerCode,
        error: `${name}: ${label}, redirect not followed${location ? ` (to ${location})` : ''}; point the url at the final endpoint`,
      };
    }
    if (status === 410) {
      return {
        ok: false,
        retryable: false,
        kind: 'config',
        providerCode,
        error: `${name}: ${label}, the endpoint is gone: disable it${tail}`,
      };
    }
    if (status === 408 || status === 429 || status >= 500) {
      const after = retryAfterSeconds(response.headers.get('retry-after'), clock.now());
      return {
        ok: false,
        retryable: true,
        kind: 'retryable',
        providerCode,
        ...(after === undefined ? {} : { retryAfterMs: after * 1000 }),
        error: `${name}: ${label}${tail}`,
      };
    }
    // 401/403 (signature or credentials refused), 404 (no such endpoint): the host's setup.
    const config = status === 401 || status === 403 || status === 404;
    return {
      ok: false,
      retryable: false,
      kind: config ? 'config' : 'permanent',
      providerCode,
      error: `${name}: ${label}${tail}`,
    };
  }

  return {
    name,
    send(message: NotifyMessage, context?: NotifyContext): Promise<NotifyResult> {
      const signal = context?.signal;
      return ledger.run(message.idempotencyKey, signal, () => attempt(message, signal));
    },
  };
}
