/**
 * WeCom (企业微信) group robot notifier: one webhook key, one group chat.
 *
 * Protocol (developer.work.weixin.qq.com/document/path/91770, "消息推送配置说明"):
 * `POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` with JSON; the answer is
 * always HTTP 200 with `errcode`/`errmsg` (branch on `errcode` only). Message types used here:
 * `text` (≤ 2048 bytes, `mentioned_list` of user ids, `mentioned_mobile_list` of phones — the only
 * way to @ someone by phone), `markdown` (≤ 4096 bytes, `<@userid>` mentions) and `markdown_v2`
 * (≤ 4096 bytes, adds tables and lists; no mentions, no font colours; plain text on clients older
 * than 4.1.36). Limit: 20 messages per minute per robot. No server-side deduplication.
 *
 * @module
 */
import { errcodeOf, type JsonReply, notifyFailure, providerMessage, requestJson } from './http.js';
import { hasMarkdownTable, isMobileNumber, looksLikeMarkdown, truncateUtf8 } from './message-text.js';
import { createDeliveryLedger } from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyResult, SendLimit } from './port.js';
import { createRateLimiter, type RateWindow, type RobotTransportOptions } from './rate-limit.js';

/**
 * Message type of a WeCom robot message; `auto` picks one per message (see
 * {@link WecomRobotNotifierOptions.format}).
 *
 * @example
 * ```ts
 * import type { WecomRobotFormat } from 'leadflow/notify/wecom-robot';
 * const digest: WecomRobotFormat = 'markdown_v2';
 * ```
 * @category Notifications
 */
export type WecomRobotFormat = 'auto' | 'text' | 'markdown' | 'markdown_v2';

export type { RobotTransportOptions } from './rate-limit.js';

/**
 * Options of {@link wecomRobotNotifier}. Give `key` or `webhookUrl`.
 *
 * @example
 * ```ts
 * import { wecomRobotNotifier, type WecomRobotNotifierOptions } from 'leadflow/notify/wecom-robot';
 * const options: WecomRobotNotifierOptions = { key: process.env.WECOM_ROBOT_KEY ?? '', format: 'auto' };
 * const notifier = wecomRobotNotifier(options);
 * ```
 * @category Notifications
 */
export interface WecomRobotNotifierOptions extends RobotTransportOptions {
  /**
   * The robot's key: the `key=` value of its webhook URL, not the URL itself (pasting the URL
   * here is the usual cause of errcode 93000, so it is refused at creation).
   */
  key?: string;
  /** The whole webhook URL as shown in the robot's settings, instead of `key`. */
  webhookUrl?: string;
  /**
   * Where the API lives, used with `key`.
   * @default 'https://qyapi.weixin.qq.com'
   */
  baseUrl?: string;
  /**
   * Message type. `auto`: `text` when someone must be mentioned by mobile number or `@all`
   * (only `text` can); else `markdown_v2` when the text has a markdown table; else `markdown` when
   * the text uses markdown; else `text`. A forced `markdown` drops phone mentions and
   * `markdown_v2` drops all mentions (the protocol has no place for them).
   * @default 'auto'
   */
  format?: WecomRobotFormat;
  /**
   * Client-side send limit of this robot, or `false` for none. When it is full, `send` returns at
   * once a retryable failure with `retryAfterMs` rather than waiting — waiting would hold the
   * outbox's lease and race its send timeout — and nothing is sent, so the robot never answers
   * 45009. The extra second absorbs network jitter. The notifier also publishes it as its
   * `sendLimits`, which an engine paces the channel by (so this guard rarely trips).
   * @default { limit: 20, windowMs: 61_000 }
   */
  rateLimit?: RateWindow | false;
}

/** Text limits of the robot API (bytes). */
const TEXT_MAX_BYTES = 2048;
const MARKDOWN_MAX_BYTES = 4096;

/**
 * Create a {@link Notifier} posting to a WeCom group robot.
 *
 * Recipients (`message.to`): mobile numbers are @-mentioned through `mentioned_mobile_list`,
 * `@all` mentions everyone, anything else is taken as a WeCom user id (`mentioned_list`, or
 * `<@id>` in markdown). Everyone in the group sees the message either way. `subject`, when set,
 * is the first line. Longer texts are cut to the byte limits, ending in `…`.
 *
 * Errors: `errcode` 45009 (frequency limit), 45033 (concurrency) and -1 (busy) are retryable,
 * 45009 with a 60 s hint; 93000 (invalid webhook URL or key) is a permanent configuration error;
 * other codes (40008 message type, 44004 empty content, …) are permanent. HTTP 5xx, network
 * errors, timeouts and malformed JSON are retryable.
 *
 * @throws TypeError when neither `key` nor `webhookUrl` is given, or `key` is a URL.
 * @example
 * ```ts
 * import { wecomRobotNotifier } from 'leadflow/notify/wecom-robot';
 * const notifier = wecomRobotNotifier({ key: '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa' });
 * await notifier.send({
 *   idempotencyKey: 'lead-1/sla.unopened/1',
 *   channel: 'wecom',
 *   to: ['13800001111'], // the responsible rep, @-mentioned by phone
 *   text: '线索 L-1（苏州工业园区，汽车零部件）30 分钟未打开',
 * });
 * ```
 * @category Notifications
 */
export function wecomRobotNotifier(options: WecomRobotNotifierOptions): Notifier {
  const name = options.name ?? 'wecom-robot';
  const url = webhookUrlOf(name, options);
  const now = options.now ?? Date.now;
  const windows = options.rateLimit === false ? [] : [options.rateLimit ?? { limit: 20, windowMs: 61_000 }];
  const limiter = options.limiter ?? (windows.length > 0 ? createRateLimiter(windows, now) : undefined);
  const ledger = createDeliveryLedger(name, options.rememberKeys ?? 10_000);
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function deliver(message: NotifyMessage, signal: AbortSignal | undefined): Promise<NotifyResult> {
    const wait = limiter?.take() ?? 0;
    if (wait > 0) {
      return notifyFailure(name, 'rate limited locally (robot limit reached)', true, { retryAfterMs: wait });
    }
    const reply = await requestJson(name, {
      method: 'POST',
      url,
      body: wecomRobotBody(message, options.format ?? 'auto'),
      signal,
      timeoutMs,
      fetch: options.fetch,
    });
    return wecomRobotResult(name, reply);
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

function webhookUrlOf(name: string, options: WecomRobotNotifierOptions): string {
  if (options.webhookUrl) return options.webhookUrl;
  const key = options.key?.trim();
  if (!key)
    throw new TypeError(`${name}: options.key (the robot's webhook key) or options.webhookUrl is required`);
  if (/[/:?=]/.test(key)) {
    throw new TypeError(
      `${name}: options.key looks like a URL; pass only the key (the value after key=) or use options.webhookUrl`,
    );
  }
  const base = (options.baseUrl ?? 'https://qyapi.weixin.qq.com').replace(/\/+$/, '');
  return `${base}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`;
}

/**
 * The JSON body the robot gets for `message` (see {@link WecomRobotNotifierOptions.format} for
 * the choice of message type).
 *
 * @example
 * ```ts
 * import { wecomRobotBody } from 'leadflow/notify/wecom-robot';
 * wecomRobotBody({ idempotencyKey: 'k', channel: 'wecom', to: ['13800001111'], text: 'New lead' }, 'auto');
 * // { msgtype: 'text', text: { content: 'New lead', mentioned_list: [], mentioned_mobile_list: ['13800001111'] } }
 * ```
 * @category Notifications
 */
export function wecomRobotBody(message: NotifyMessage, format: WecomRobotFormat): Record<string, unknown> {
  const mobiles = message.to.filter(isMobileNumber);
  const all = message.to.includes('@all');
  const userIds = message.to.filter((r) => r !== '@all' && !isMobileNumber(r));
  const type =
    format !== 'auto'
      ? format
      : mobiles.length > 0 || all
        ? 'text'
        : hasMarkdownTable(message.text)
          ? 'markdown_v2'
          : looksLikeMarkdown(message.text)
            ? 'markdown'
            : 'text';
  if (type === 'text') {
    const content = message.subject ? `${message.subject}\n${message.text}` : message.text;
    return {
      msgtype: 'text',
      text: {
        content: truncateUtf8(content, TEXT_MAX_BYTES),
        mentioned_list: all ? [...userIds, '@all'] : userIds,
        mentioned_mobile_list: mobiles,
      },
    };
  }
  if (type === 'markdown') {
    const title = message.subject ? `**${message.subject}**\n` : '';
    const mentions = userIds.map((id) => `<@${id}>`).join(' ');
    const tail = mentions ? `\n${mentions}` : '';
    const body = truncateUtf8(
      `${title}${message.text}`,
      MARKDOWN_MAX_BYTES - new TextEncoder().encode(tail).length,
    );
    return { msgtype: 'markdown', markdown: { content: `${body}${tail}` } };
  }
  const title = message.subject ? `# ${message.subject}\n` : '';
  return {
    msgtype: 'markdown_v2',
    markdown_v2: { content: truncateUtf8(`${title}${message.text}`, MARKDOWN_MAX_BYTES) },
  };
}

/** Retryable errcodes: 45009 frequency limit, 45033 concurrency limit, -1 system busy. */
const RETRYABLE = /* @__PURE__ */ (() => new Set([45009, 45033, -1]))();

function wecomRobotResult(name: string, reply: JsonReply): NotifyResult {
  if (!reply.ok) return reply.failure;
  const code = errcodeOf(reply.body);
  if (code === undefined) return notifyFailure(name, 'answer without an errcode', true, { unknown: true });
  if (code === 0) return { ok: true };
  const text = `errcode ${reply.body.errcode} ${providerMessage(reply.body, 'errmsg')}`;
  const providerCode = code;
  // 45009: "api freq out of limit" — back off at least a minute (WecomTeam/wecom-openclaw-plugin#48).
  if (code === 45009) return notifyFailure(name, text, true, { retryAfterMs: 60_000, providerCode });
  if (RETRYABLE.has(code)) return notifyFailure(name, text, true, { providerCode });
  // 93000 "invalid webhook url": a wrong or deleted key (zema1/watchvuln#146, qd-today/qd#586).
  if (code === 93000) {
    return notifyFailure(name, `${text} — check the robot key`, false, { kind: 'config', providerCode });
  }
  return notifyFailure(name, text, false, { providerCode });
}
