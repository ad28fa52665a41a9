/**
 * Feishu / Lark (飞书) custom bot notifier.
 *
 * Protocol (open.larkoffice.com/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN, 自定义机器人使用指南):
 * `POST https://open.feishu.cn/open-apis/bot/v2/hook/<id>` with JSON ≤ 20 KB; answer HTTP 200
 * with `code`/`msg` (0 = success; the legacy `StatusCode` 0 too). With signature verification,
 * the **body** carries `timestamp` (epoch **seconds**, within 1 hour) and
 * `sign = Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))` — the key and
 * message are the other way round from DingTalk. Message types used here: `text` (`content.text`,
 * mentions as `<at user_id="ou_…"></at>`) and `interactive` (a card with a `markdown` element).
 * Limit: 100 per minute and 5 per second per bot; avoid :00 and :30 ("10:00、17:30") or get
 * 11232. Codes: 19021 signature or timestamp, 19022 IP not allowed, 19024 keyword missing,
 * 19001 invalid webhook, 9499 documented as "Bad Request" (body not JSON or over 20 KB) but
 * also answered as "too many request" — kubesphere/notification-manager#126 retries it; this
 * notifier never sends an oversized or non-JSON body, so it retries it too. No server-side
 * deduplication.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { errcodeOf, type JsonReply, notifyFailure, providerMessage, requestJson } from './http.js';
import { looksLikeMarkdown, truncateUtf8 } from './message-text.js';
import { createDeliveryLedger } from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyResult, SendLimit } from './port.js';
import { createRateLimiter, type RateWindow, type RobotTransportOptions } from './rate-limit.js';

export type { RobotTransportOptions } from './rate-limit.js';

/**
 * Options of {@link feishuRobotNotifier}. Give `webhookUrl` or `hookId`.
 *
 * @example
 * ```ts
 * import { feishuRobotNotifier, type FeishuRobotNotifierOptions } from 'leadflow/notify/feishu-robot';
 * const options: FeishuRobotNotifierOptions = {
 *   webhookUrl: 'https://open.feishu.cn/open-apis/bot/v2/hook/xxxxxxxx',
 *   secret: process.env.FEISHU_BOT_SECRET,
 * };
 * const notifier = feishuRobotNotifier(options);
 * ```
 * @category Notifications
 */
export interface FeishuRobotNotifierOptions extends RobotTransportOptions {
  /** The whole webhook URL (`…/open-apis/bot/v2/hook/<id>`). */
  webhookUrl?: string;
  /** The `<id>` at the end of the webhook URL, instead of `webhookUrl`. */
  hookId?: string;
  /**
   * Where the API lives, used with `hookId` (`https://open.larksuite.com` for Lark).
   * @default 'https://open.feishu.cn'
   */
  baseUrl?: string;
  /** The bot's signing secret, when signature verification is on; omit otherwise. */
  secret?: string;
  /**
   * Message type: `auto` sends a card (`interactive`, the text as a markdown element, the
   * subject as its header) when the message has a subject or the text uses markdown, else `text`.
   * @default 'auto'
   */
  format?: 'auto' | 'text' | 'card';
  /**
   * Client-side send limit, or `false` for none; several windows apply at once. When full,
   * `send` returns a retryable failure with `retryAfterMs` at once and sends nothing.
   * @default [{ limit: 100, windowMs: 61_000 }, { limit: 5, windowMs: 1_100 }]
   */
  rateLimit?: RateWindow | RateWindow[] | false;
}

/** The body must stay under 20 KB; leave room for the JSON around the text. */
const TEXT_MAX_BYTES = 18_000;
/** 19001 invalid webhook, 19021 signature/timestamp, 19022 IP not allowed, 19024 keyword missing. */
const CONFIG_CODES = /* @__PURE__ */ (() => new Set([19001, 19021, 19022, 19024]))();
/** 11232 / 11233 frequency limits; 9499 documented as Bad Request but answered for rate limits too. */
const RETRYABLE_CODES = /* @__PURE__ */ (() => new Set([11232, 11233, 9499]))();

/**
 * Feishu's custom bot signature: `Base64(HMAC-SHA256(key = timestamp + "\n" + secret,
 * message = ""))`.
 *
 * @param timestampSeconds - epoch seconds, the same value sent as `timestamp`
 * @example
 * ```ts
 * import { feishuSign } from 'leadflow/notify/feishu-robot';
 * feishuSign('demo-secret', 1599360473); // '3/MaVZ8JLIy4TUG+7KSFJqvUkTKd+HWY8g+56DZWq8s='
 * ```
 * @category Notifications
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/**
 * Create a {@link Notifier} posting to a Feishu (or Lark) custom bot.
 *
 * Recipients (`message.to`): Feishu open ids (`ou_…`) are @-mentioned, `@all` mentions everyone;
 * other recipients (mobile numbers, rep ids) cannot be mentioned by a custom bot and are ignored —
 * everyone in the group sees the message.
 *
 * Errors: 11232/11233/9499 are retryable (1 s hint); 19001/19021/19022/19024 are permanent
 * configuration errors (for 19021 also check the server clock); other codes permanent. HTTP 5xx,
 * network errors, timeouts and malformed JSON are retryable.
 *
 * @throws TypeError when neither `webhookUrl` nor `hookId` is given.
 * @example
 * ```ts
 * import { feishuRobotNotifier } from 'leadflow/notify/feishu-robot';
 * const notifier = feishuRobotNotifier({ hookId: 'xxxxxxxx', secret: 'nIMtb7r3N9pkXyXd' });
 * await notifier.send({
 *   idempotencyKey: 'digest/2025-02-05T09:15',
 *   channel: 'feishu',
 *   to: ['@all'],
 *   subject: '待分配线索',
 *   text: '| 线索 | 等待 |\n|---|---|\n| L-1 | 32 分钟 |',
 * });
 * ```
 * @category Notifications
 */
export function feishuRobotNotifier(options: FeishuRobotNotifierOptions): Notifier {
  const name = options.name ?? 'feishu-robot';
  const url = webhookUrlOf(name, options);
  const now = options.now ?? Date.now;
  const windows: readonly RateWindow[] =
    options.rateLimit === false
      ? []
      : Array.isArray(options.rateLimit)
        ? options.rateLimit
        : options.rateLimit
          ? [options.rateLimit]
          : [
              { limit: 100, windowMs: 61_000 },
              { limit: 5, windowMs: 1_100 },
            ];
  const limiter = options.limiter ?? (windows.length > 0 ? createRateLimiter(windows, now) : undefined);
  const ledger = createDeliveryLedger(name, options.rememberKeys ?? 10_000);

  async function deliver(message: NotifyMessage, signal: AbortSignal | undefined): Promise<NotifyResult> {
    const wait = limiter?.take() ?? 0;
    if (wait > 0) {
      return notifyFailure(name, 'rate limited locally (bot limit reached)', true, { retryAfterMs: wait });
    }
    const body = feishuRobotBody(message, options.format ?? 'auto');
    if (options.secret) {
      const timestamp = Math.floor(now() / 1000);
      Object.assign(body, { timestamp: String(timestamp), sign: feishuSign(options.secret, timestamp) });
    }
    const reply = await requestJson(name, {
      method: 'POST',
      url,
      body,
      signal,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch,
    });
    return feishuResult(name, reply);
  }

  return {
    name,
    sendLimits: windows.map((w): SendLimit => ({ limit: w.limit, windowMs: w.windowMs })),
    send(message, context?: NotifyContext) {
      const signal = context?.signal;
      return ledger.run(message.idempotencyKey, signal, () => deliver(message, signal));
    },
  };
}

function webhookUrlOf(name: string, options: FeishuRobotNotifierOptions): string {
  if (options.webhookUrl) return options.webhookUrl;
  const id = options.hookId?.trim();
  if (!id) throw new TypeError(`${name}: options.webhookUrl or options.hookId is required`);
  const base = (options.baseUrl ?? 'https://open.feishu.cn').replace(/\/+$/, '');
  return `${base}/open-apis/bot/v2/hook/${encodeURIComponent(id)}`;
}

/**
 * The JSON body the bot gets for `message` (without `timestamp`/`sign`).
 *
 * @example
 * ```ts
 * import { feishuRobotBody } from 'leadflow/notify/feishu-robot';
 * feishuRobotBody({ idempotencyKey: 'k', channel: 'feishu', to: ['ou_7d8a6e'], text: 'New lead' }, 'auto');
 * // { msg_type: 'text', content: { text: 'New lead <at user_id="ou_7d8a6e"></at>' } }
 * ```
 * @category Notifications
 */
export function feishuRobotBody(
  message: NotifyMessage,
  format: 'auto' | 'text' | 'card',
): Record<string, unknown> {
  const ids = message.to.filter((r) => r.startsWith('ou_'));
  if (message.to.includes('@all')) ids.push('all');
  const card =
    format === 'card' ||
    (format === 'auto' && (message.subject !== undefined || looksLikeMarkdown(message.text)));
  if (card) {
    const mentions = ids.map((id) => `<at id=${id}></at>`).join(' ');
    const content = truncateUtf8(message.text, TEXT_MAX_BYTES) + (mentions ? `\n${mentions}` : '');
    return {
      msg_type: 'interactive',
      card: {
        ...(message.subject
          ? { header: { title: { tag: 'plain_text', content: message.subject }, template: 'blue' } }
          : {}),
        elements: [{ tag: 'markdown', content }],
      },
    };
  }
  const mentions = ids.map((id) => `<at user_id="${id}"></at>`).join(' ');
  const text = message.subject ? `${message.subject}\n${message.text}` : message.text;
  return {
    msg_type: 'text',
    content: { text: truncateUtf8(text, TEXT_MAX_BYTES) + (mentions ? ` ${mentions}` : '') },
  };
}

function feishuResult(name: string, reply: JsonReply): NotifyResult {
  if (!reply.ok) return reply.failure;
  const code = errcodeOf(reply.body, 'code') ?? errcodeOf(reply.body, 'StatusCode');
  if (code === undefined) return notifyFailure(name, 'answer without a code', true, { unknown: true });
  if (code === 0) return { ok: true };
  const text = `code ${code} ${providerMessage(reply.body, 'msg') || providerMessage(reply.body, 'StatusMessage')}`;
  const providerCode = code;
  if (RETRYABLE_CODES.has(code))
    return notifyFailure(name, text, true, { retryAfterMs: 1_000, providerCode });
  if (CONFIG_CODES.has(code)) {
    return notifyFailure(
      name,
      `${text} — check the webhook, secret (and clock), keywords or IP list`,
      false,
      {
        kind: 'config',
        providerCode,
      },
    );
  }
  return notifyFailure(name, text, false, { providerCode });
}
