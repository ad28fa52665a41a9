/**
 * DingTalk (钉钉) custom group robot notifier.
 *
 * Protocol (open.dingtalk.com/document/robots/custom-robot-access and
 * …/customize-robot-security-settings): `POST https://oapi.dingtalk.com/robot/send?access_token=…`
 * with JSON, answered HTTP 200 with `errcode`/`errmsg`. With the "加签" (signature) security
 * setting, the query also carries `timestamp` (epoch **ms**, within 1 hour of DingTalk's clock)
 * and `sign = urlEncode(Base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)))`.
 * Message types used here: `text` and `markdown` (`title` + `text`); `at.atMobiles` /
 * `at.atUserIds` / `at.isAtAll` mention people, and the `@<mobile>` must also appear in the
 * content for markdown. Limit: 20 messages per minute per robot; exceeding it throttles the
 * robot for 10 minutes (errcode 130101). No server-side deduplication.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { errcodeOf, type JsonReply, notifyFailure, providerMessage, requestJson } from './http.js';
import { isMobileNumber, looksLikeMarkdown, truncateUtf8 } from './message-text.js';
import { createDeliveryLedger } from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyResult, SendLimit } from './port.js';
import { createRateLimiter, type RateWindow, type RobotTransportOptions } from './rate-limit.js';

export type { RobotTransportOptions } from './rate-limit.js';

/**
 * Options of {@link dingtalkRobotNotifier}. Give `accessToken` or `webhookUrl`.
 *
 * @example
 * ```ts
 * import { dingtalkRobotNotifier, type DingtalkRobotNotifierOptions } from 'leadflow/notify/dingtalk-robot';
 * const options: DingtalkRobotNotifierOptions = {
 *   accessToken: process.env.DINGTALK_TOKEN ?? '',
 *   secret: process.env.DINGTALK_SECRET, // 'SEC…', when the robot uses 加签
 * };
 * const notifier = dingtalkRobotNotifier(options);
 * ```
 * @category Notifications
 */
export interface DingtalkRobotNotifierOptions extends RobotTransportOptions {
  /** The robot's `access_token` (from its webhook URL). */
  accessToken?: string;
  /** The whole webhook URL (`…/robot/send?access_token=…`), instead of `accessToken`. */
  webhookUrl?: string;
  /**
   * Where the API lives, used with `accessToken`.
   * @default 'https://oapi.dingtalk.com'
   */
  baseUrl?: string;
  /** The robot's signing secret (`SEC…`), when its security setting is 加签; omit otherwise. */
  secret?: string;
  /**
   * Message type: `auto` sends `markdown` when the message has a subject (the markdown `title`)
   * or the text uses markdown, else `text`.
   * @default 'auto'
   */
  format?: 'auto' | 'text' | 'markdown';
  /**
   * Client-side send limit, or `false` for none. When full, `send` returns a retryable failure
   * with `retryAfterMs` at once and sends nothing — exceeding DingTalk's limit would
   * silence the robot for 10 minutes.
   * @default { limit: 20, windowMs: 61_000 }
   */
  rateLimit?: RateWindow | false;
}

const CONTENT_MAX_BYTES = 18_000;
/** 310000: signature, keyword or IP check failed; 300001/300005: no such token; 40035: missing parameter. */
const CONFIG_CODES = /* @__PURE__ */ (() => new Set([310000, 300001, 300005, 40035]))();

/**
 * DingTalk's robot signature: `Base64(HMAC-SHA256(key = secret, message = timestamp + "\n" +
 * secret))`, not yet URL-encoded (pass it through `URLSearchParams`, which does the documented
 * `urlEncode` step).
 *
 * @param timestampMs - epoch milliseconds, the same value sent as `timestamp`
 * @example
 * ```ts
 * import { dingtalkSign } from 'leadflow/notify/dingtalk-robot';
 * // The documentation's sample secret, at a fixed time:
 * dingtalkSign('this is secret', 1577262236757); // 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM='
 * ```
 * @category Notifications
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/**
 * Create a {@link Notifier} posting to a DingTalk custom robot.
 *
 * Recipients (`message.to`): mobile numbers go to `at.atMobiles`, `@all` sets `at.isAtAll`, other
 * ids to `at.atUserIds` (DingTalk user ids); each mention is also written into the content.
 *
 * Errors: 130101 (too fast; the robot is throttled for 10 minutes) is retryable with a 10-minute
 * hint, -1 (busy) retryable; 310000 (signature, timestamp, keyword or IP), 300001/300005 (no
 * such token) and 40035 are permanent configuration errors; other codes permanent. HTTP 5xx,
 * network errors, timeouts and malformed JSON are retryable.
 *
 * @throws TypeError when neither `accessToken` nor `webhookUrl` is given.
 * @example
 * ```ts
 * import { dingtalkRobotNotifier } from 'leadflow/notify/dingtalk-robot';
 * const notifier = dingtalkRobotNotifier({ accessToken: 'c44fec1d…', secret: 'SECc32bb73…' });
 * await notifier.send({
 *   idempotencyKey: 'lead-1/sla.unassigned/1',
 *   channel: 'dingtalk',
 *   to: ['13800001111'],
 *   subject: '线索 15 分钟未分配',
 *   text: '**L-1** 苏州工业园区 · 汽车零部件，请主管处理',
 * });
 * ```
 * @category Notifications
 */
export function dingtalkRobotNotifier(options: DingtalkRobotNotifierOptions): Notifier {
  const name = options.name ?? 'dingtalk-robot';
  const url = webhookUrlOf(name, options);
  const now = options.now ?? Date.now;
  const windows = options.rateLimit === false ? [] : [options.rateLimit ?? { limit: 20, windowMs: 61_000 }];
  const limiter = options.limiter ?? (windows.length > 0 ? createRateLimiter(windows, now) : undefined);
  const ledger = createDeliveryLedger(name, options.rememberKeys ?? 10_000);

  async function deliver(message: NotifyMessage, signal: AbortSignal | undefined): Promise<NotifyResult> {
    const wait = limiter?.take() ?? 0;
    if (wait > 0) {
      return notifyFailure(name, 'rate limited locally (robot limit reached)', true, { retryAfterMs: wait });
    }
    const target = new URL(url);
    if (options.secret) {
      const timestamp = now();
      target.searchParams.set('timestamp', String(timestamp));
      target.searchParams.set('sign', dingtalkSign(options.secret, timestamp));
    }
    const reply = await requestJson(name, {
      method: 'POST',
      url: target.toString(),
      body: dingtalkRobotBody(message, options.format ?? 'auto'),
      signal,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch,
    });
    return dingtalkResult(name, reply);
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

function webhookUrlOf(name: string, options: DingtalkRobotNotifierOptions): string {
  if (options.webhookUrl) return options.webhookUrl;
  const token = options.accessToken?.trim();
  if (!token) throw new TypeError(`${name}: options.accessToken or options.webhookUrl is required`);
  const base = (options.baseUrl ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '');
  return `${base}/robot/send?access_token=${encodeURIComponent(token)}`;
}

/**
 * The JSON body the robot gets for `message`.
 *
 * @example
 * ```ts
 * import { dingtalkRobotBody } from 'leadflow/notify/dingtalk-robot';
 * dingtalkRobotBody({ idempotencyKey: 'k', channel: 'dingtalk', to: ['13800001111'], text: 'New lead' }, 'text');
 * // { msgtype: 'text', text: { content: 'New lead @13800001111' },
 * //   at: { atMobiles: ['13800001111'], atUserIds: [], isAtAll: false } }
 * ```
 * @category Notifications
 */
export function dingtalkRobotBody(
  message: NotifyMessage,
  format: 'auto' | 'text' | 'markdown',
): Record<string, unknown> {
  const atMobiles = message.to.filter(isMobileNumber);
  const atUserIds = message.to.filter((r) => r !== '@all' && !isMobileNumber(r));
  const isAtAll = message.to.includes('@all');
  const at = { atMobiles, atUserIds, isAtAll };
  const mentions = [...atMobiles, ...atUserIds]
    .filter((id) => !message.text.includes(`@${id}`))
    .map((id) => `@${id}`)
    .join(' ');
  const tail = mentions ? ` ${mentions}` : '';
  const markdown =
    format === 'markdown' ||
    (format === 'auto' && (message.subject !== undefined || looksLikeMarkdown(message.text)));
  const budget = CONTENT_MAX_BYTES - new TextEncoder().encode(tail).length;
  if (markdown) {
    const title = message.subject ?? message.text.split('\n', 1)[0]!.slice(0, 64);
    const heading = message.subject ? `#### ${message.subject}\n\n` : '';
    return {
      msgtype: 'markdown',
      markdown: { title, text: `${truncateUtf8(`${heading}${message.text}`, budget)}${tail}` },
      at,
    };
  }
  const content = message.subject ? `${message.subject}\n${message.text}` : message.text;
  return { msgtype: 'text', text: { content: `${truncateUtf8(content, budget)}${tail}` }, at };
}

function dingtalkResult(name: string, reply: JsonReply): NotifyResult {
  if (!reply.ok) return reply.failure;
  const code = errcodeOf(reply.body);
  if (code === undefined) return notifyFailure(name, 'answer without an errcode', true, { unknown: true });
  if (code === 0) return { ok: true };
  const text = `errcode ${code} ${providerMessage(reply.body, 'errmsg')}`;
  const providerCode = code;
  // 130101 "send too fast, exceed 20 times per minute": the robot is throttled for 10 minutes.
  if (code === 130101) return notifyFailure(name, text, true, { retryAfterMs: 600_000, providerCode });
  if (code === -1) return notifyFailure(name, text, true, { providerCode });
  if (CONFIG_CODES.has(code)) {
    return notifyFailure(name, `${text} — check the token, secret, keywords or IP list`, false, {
      kind: 'config',
      providerCode,
    });
  }
  return notifyFailure(name, text, false, { providerCode });
}
