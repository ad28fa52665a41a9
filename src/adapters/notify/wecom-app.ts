/**
 * WeCom (企业微信) application message notifier: a self-built app (corp id, app secret, agent id)
 * sends to members by user id.
 *
 * Protocol:
 * - `GET /cgi-bin/gettoken?corpid=&corpsecret=` → `access_token`, `expires_in` (7200 s). It must
 *   be cached (calling it often is throttled); inside its validity it returns the same token, so
 *   caches in several processes do not invalidate each other; WeCom may still revoke a token
 *   early (developer.work.weixin.qq.com/document/path/91039).
 * - `POST /cgi-bin/message/send?access_token=` with `touser` ("a|b", ≤ 1000), `agentid`,
 *   `msgtype` text/markdown (≤ 2048 bytes each) and `enable_duplicate_check` /
 *   `duplicate_check_interval` (default 1800 s, at most 4 h): the server drops a message whose
 *   content it already sent to the same members inside the interval
 *   (work.weixin.qq.com/api/doc/90000/90135/90236, quoted in Wechat-Group/WxJava#1915). Errcode 0 can still mean partly
 *   undelivered: `invaliduser` / `unlicenseduser` list members who got nothing (lower-cased);
 *   81013 means every recipient was invalid.
 * - Global codes (全局错误码, mirrored at static.kancloud.cn/dabashan/qiwei/2376083): 40014 invalid access_token, 41001 access_token missing,
 *   42001 access_token expired; 40001 is an invalid *secret* here (unlike WeChat Official
 *   Accounts, where it means an invalid token); 60020 not allowed from this IP (apps created after
 *   2022-06-20 must list trusted IPs).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  abortedFailure,
  errcodeOf,
  type JsonReply,
  type NotifyFailure,
  notifyFailure,
  providerMessage,
  requestJson,
  settleOnAbort,
} from './http.js';
import { looksLikeMarkdown, truncateUtf8 } from './message-text.js';
import { createDeliveryLedger } from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyRejection, NotifyResult } from './port.js';

/**
 * Options of {@link wecomAppNotifier}.
 *
 * @example
 * ```ts
 * import { wecomAppNotifier, type WecomAppNotifierOptions } from 'leadflow/notify/wecom-app';
 * const options: WecomAppNotifierOptions = {
 *   corpId: 'ww2e0000000000000a',
 *   corpSecret: process.env.WECOM_APP_SECRET ?? '',
 *   agentId: 1000002,
 * };
 * const notifier = wecomAppNotifier(options);
 * ```
 * @category Notifications
 */
export interface WecomAppNotifierOptions {
  /** The corporation's id (企业ID, `ww…`). */
  corpId: string;
  /** The application's secret (the `corpsecret` of `gettoken`). */
  corpSecret: string;
  /** The application's agent id. */
  agentId: number;
  /**
   * Where the API lives.
   * @default 'https://qyapi.weixin.qq.com'
   */
  baseUrl?: string;
  /**
   * Message type: `auto` sends `markdown` when the text uses markdown, else `text`.
   * @default 'auto'
   */
  format?: 'auto' | 'text' | 'markdown';
  /**
   * Ask WeCom to drop a message it already sent to the same members with the same content within
   * `duplicateCheckIntervalSeconds` (`enable_duplicate_check: 1`). With `keyMarker`, the content
   * identifies the idempotency key, so this is deduplication by key that survives a crash or a
   * second process — the in-process record alone does not.
   * @default true
   */
  duplicateCheck?: boolean;
  /**
   * The `duplicate_check_interval` (s): 1 to 14400 (4 h, the documented maximum).
   * @default 1800
   */
  duplicateCheckIntervalSeconds?: number;
  /**
   * Append an invisible marker of the idempotency key (16 zero-width characters, 48 bytes, from
   * a SHA-256 of the key) to the content. Without it, WeCom's duplicate check would also drop a
   * *different* notification that happens to have the same text and recipients inside the
   * interval (two "lead waiting" reminders); with it, only a repeat of the same key is dropped.
   * Turn it off only with `duplicateCheck: false`, or if collapsing identical texts is wanted.
   * @default true
   */
  keyMarker?: boolean;
  /**
   * Refresh the access token this many seconds before WeCom says it expires.
   * @default 300
   */
  tokenMarginSeconds?: number;
  /**
   * Clock of the token expiry (epoch ms).
   * @default Date.now
   */
  now?: () => number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Timeout of one request (ms), on top of the send's signal; also bounds a token fetch that
   * several sends wait for.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * How many delivered idempotency keys to remember in this process (oldest forgotten first).
   * @default 10000
   */
  rememberKeys?: number;
  /**
   * Name reported by `notifier.name` and prefixed to error texts.
   * @default 'wecom-app'
   */
  name?: string;
}

/**
 * Outcome of a WeCom application send: a {@link NotifyResult} whose `rejected`, on success,
 * lists the recipients reported invalid or unlicensed (`invaliduser` / `unlicenseduser`) that got
 * nothing — a permanent failure for those recipients only.
 *
 * @example
 * ```ts
 * import type { WecomAppNotifyResult } from 'leadflow/notify/wecom-app';
 * const partly: WecomAppNotifyResult = {
 *   ok: true,
 *   providerId: 'msg-1',
 *   rejected: [{ recipient: 'left-the-company', reason: 'invalid user (invaliduser)' }],
 * };
 * ```
 * @category Notifications
 */
export type WecomAppNotifyResult = NotifyResult;

/**
 * A WeCom application {@link Notifier}; its results may carry `rejected` recipients.
 *
 * @example
 * ```ts
 * import type { WecomAppNotifier } from 'leadflow/notify/wecom-app';
 * const report = async (notifier: WecomAppNotifier) => {
 *   const result = await notifier.send({ idempotencyKey: 'k', channel: 'wecom', to: ['zhangsan'], text: 'New lead' });
 *   if (result.ok && result.rejected) console.warn('not reached:', result.rejected.map((r) => r.recipient));
 * };
 * ```
 * @category Notifications
 */
export interface WecomAppNotifier extends Notifier {
  send(message: NotifyMessage, context?: NotifyContext): Promise<WecomAppNotifyResult>;
}

const CONTENT_MAX_BYTES = 2048;
const MAX_RECIPIENTS = 1000;
/** Token codes after which the token is fetched again and the send retried once. */
const TOKEN_CODES = /* @__PURE__ */ (() => new Set([40014, 41001, 42001]))();
/** Configuration errors: 40013 invalid corp id, 40001 invalid secret, 40056 invalid agent id,
 * 48002 API forbidden for this app, 60020 IP not in the app's trusted IPs. */
const CONFIG_CODES = /* @__PURE__ */ (() => new Set([40013, 40001, 40056, 48002, 60020]))();
/** Retryable: 45009 frequency limit, 45033 concurrency limit, -1 system busy. */
const RETRYABLE_CODES = /* @__PURE__ */ (() => new Set([45009, 45033, -1]))();

type TokenOutcome = { ok: true; token: string } | { ok: false; failure: NotifyFailure };

/**
 * Create a {@link WecomAppNotifier}. `message.to` holds WeCom user ids (or `@all`).
 *
 * The access token is fetched on first use, shared by concurrent sends, cached until
 * `expires_in − tokenMarginSeconds`, and fetched again once when a send answers 40014, 41001 or
 * 42001 (then the send is retried once). Idempotency: an in-process record of delivered keys,
 * plus WeCom's duplicate check across processes (see `duplicateCheck`, `keyMarker`).
 *
 * Results: `ok: true` (with `providerId` = `msgid`) when at least one recipient got it, listing
 * the others in `rejected`; `ok: false`, permanent, when every recipient was invalid (81013, or
 * all listed in `invaliduser`). 45009/45033/-1, HTTP 5xx, network errors, timeouts and
 * malformed JSON are retryable; 40013/40001/40056/48002/60020 are permanent configuration errors.
 *
 * @throws RangeError when `duplicateCheckIntervalSeconds` is not an integer from 1 to 14400.
 * @example
 * ```ts
 * import { wecomAppNotifier } from 'leadflow/notify/wecom-app';
 * const notifier = wecomAppNotifier({ corpId: 'ww2e0000000000000a', corpSecret: 'secret', agentId: 1000002 });
 * const result = await notifier.send({
 *   idempotencyKey: 'lead-1/sla.unopened/1',
 *   channel: 'wecom',
 *   to: ['zhangsan', 'lisi'],
 *   text: '线索 L-1 已分配给你，30 分钟内未打开',
 * });
 * ```
 * @category Notifications
 */
export function wecomAppNotifier(options: WecomAppNotifierOptions): WecomAppNotifier {
  const name = options.name ?? 'wecom-app';
  const base = (options.baseUrl ?? 'https://qyapi.weixin.qq.com').replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const marginMs = (options.tokenMarginSeconds ?? 300) * 1000;
  const interval = options.duplicateCheckIntervalSeconds ?? 1800;
  if (!Number.isInteger(interval) || interval < 1 || interval > 14_400) {
    throw new RangeError(
      `${name}: duplicateCheckIntervalSeconds must be an integer from 1 to 14400 (got ${interval})`,
    );
  }
  const ledger = createDeliveryLedger(name, options.rememberKeys ?? 10_000);
  let cached: { token: string; expiresAt: number } | undefined;
  let fetching: Promise<TokenOutcome> | undefined;

  async function fetchToken(): Promise<TokenOutcome> {
    const url = `${base}/cgi-bin/gettoken?corpid=${encodeURIComponent(options.corpId)}&corpsecret=${encodeURIComponent(options.corpSecret)}`;
    const reply = await requestJson(`${name} gettoken`, {
      method: 'GET',
      url,
      timeoutMs,
      fetch: options.fetch,
    });
    if (!reply.ok) return reply;
    const code = errcodeOf(reply.body);
    const token = reply.body.access_token;
    if (code === 0 && typeof token === 'string' && token) {
      const ttlMs = Number(reply.body.expires_in) * 1000;
      const lifetime = Number.isFinite(ttlMs) && ttlMs > 0 ? ttlMs : 7_200_000;
      cached = { token, expiresAt: now() + (lifetime > marginMs ? lifetime - marginMs : lifetime / 2) };
      return { ok: true, token };
    }
    return { ok: false, failure: codeFailure(`${name} gettoken`, reply.body, code) };
  }

  function token(signal: AbortSignal | undefined): Promise<TokenOutcome> {
    if (cached && now() < cached.expiresAt) return Promise.resolve({ ok: true, token: cached.token });
    fetching ??= fetchToken().finally(() => {
      fetching = undefined;
    });
    // The shared fetch has no caller's signal (one caller giving up must not fail the others); each
    // caller stops waiting when its own signal fires.
    return settleOnAbort(fetching, signal, () => ({ ok: false, failure: abortedFailure(name, signal) }));
  }

  function post(accessToken: string, message: NotifyMessage, signal: AbortSignal | undefined) {
    return requestJson(name, {
      method: 'POST',
      url: `${base}/cgi-bin/message/send?access_token=${encodeURIComponent(accessToken)}`,
      body: wecomAppBody(message, options),
      signal,
      timeoutMs,
      fetch: options.fetch,
    });
  }

  async function deliver(
    message: NotifyMessage,
    signal: AbortSignal | undefined,
  ): Promise<WecomAppNotifyResult> {
    if (message.to.length === 0) return notifyFailure(name, 'no recipients (message.to is empty)', false);
    if (message.to.length > MAX_RECIPIENTS) {
      return notifyFailure(
        name,
        `${message.to.length} recipients, more than the ${MAX_RECIPIENTS} allowed`,
        false,
      );
    }
    let current = await token(signal);
    if (!current.ok) return current.failure;
    let reply = await post(current.token, message, signal);
    if (reply.ok && TOKEN_CODES.has(errcodeOf(reply.body) ?? 0)) {
      if (cached?.token === current.token) cached = undefined;
      current = await token(signal);
      if (!current.ok) return current.failure;
      reply = await post(current.token, message, signal);
    }
    return sendResult(name, reply, message.to);
  }

  return {
    name,
    send(message, context?: NotifyContext) {
      const signal = context?.signal;
      return ledger.run(message.idempotencyKey, signal, () => deliver(message, signal));
    },
  };
}

/**
 * The JSON body of `message/send` for `message` (without the access token, which goes in the
 * query).
 *
 * @example
 * ```ts
 * import { wecomAppBody } from 'leadflow/notify/wecom-app';
 * const body = wecomAppBody(
 *   { idempotencyKey: 'k', channel: 'wecom', to: ['zhangsan', 'lisi'], text: 'New lead' },
 *   { agentId: 1000002, keyMarker: false },
 * );
 * // { touser: 'zhangsan|lisi', msgtype: 'text', agentid: 1000002, text: { content: 'New lead' },
 * //   enable_duplicate_check: 1, duplicate_check_interval: 1800 }
 * ```
 * @category Notifications
 */
export function wecomAppBody(
  message: NotifyMessage,
  options: Pick<
    WecomAppNotifierOptions,
    'agentId' | 'format' | 'duplicateCheck' | 'duplicateCheckIntervalSeconds' | 'keyMarker'
  >,
): Record<string, unknown> {
  const format = options.format ?? 'auto';
  const markdown = format === 'markdown' || (format === 'auto' && looksLikeMarkdown(message.text));
  const title = message.subject ? (markdown ? `**${message.subject}**\n` : `${message.subject}\n`) : '';
  const marker = options.keyMarker === false ? '' : keyMarker(message.idempotencyKey);
  const content = `${truncateUtf8(`${title}${message.text}`, CONTENT_MAX_BYTES - 3 * marker.length)}${marker}`;
  const msgtype = markdown ? 'markdown' : 'text';
  const duplicateCheck = options.duplicateCheck !== false;
  return {
    touser: message.to.join('|'),
    msgtype,
    agentid: options.agentId,
    [msgtype]: { content },
    enable_duplicate_check: duplicateCheck ? 1 : 0,
    ...(duplicateCheck ? { duplicate_check_interval: options.duplicateCheckIntervalSeconds ?? 1800 } : {}),
  };
}

const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060'] as const;

/** 16 zero-width characters spelling the first 32 bits of SHA-256(key) in base 4. */
function keyMarker(key: string): string {
  const digest = createHash('sha256').update(key).digest();
  let marker = '';
  for (let i = 0; i < 4; i++) {
    const byte = digest[i]!;
    for (let shift = 6; shift >= 0; shift -= 2) marker += ZERO_WIDTH[(byte >> shift) & 3];
  }
  return marker;
}

function sendResult(name: string, reply: JsonReply, to: readonly string[]): WecomAppNotifyResult {
  if (!reply.ok) return reply.failure;
  const code = errcodeOf(reply.body);
  const invalid = listOf(reply.body.invaliduser).map((id) => id.toLowerCase());
  const unlicensed = listOf(reply.body.unlicenseduser).map((id) => id.toLowerCase());
  if (code === 0) {
    // `invaliduser` comes back lower-cased: match case-insensitively, report the ids as given.
    const rejected: NotifyRejection[] = [];
    for (const id of to) {
      if (id === '@all') continue;
      const lower = id.toLowerCase();
      if (invalid.includes(lower)) rejected.push({ recipient: id, reason: 'invalid user (invaliduser)' });
      else if (unlicensed.includes(lower))
        rejected.push({ recipient: id, reason: 'no WeCom licence (unlicenseduser)' });
    }
    if (rejected.length > 0 && rejected.length === to.length) {
      return notifyFailure(
        name,
        `no recipient reached: invalid or unlicensed ${rejected.map((r) => r.recipient).join(', ')}`,
        false,
      );
    }
    const msgid = reply.body.msgid;
    const providerId = typeof msgid === 'string' && msgid ? msgid : undefined;
    return {
      ok: true,
      ...(providerId ? { providerId } : {}),
      ...(rejected.length > 0 ? { rejected } : {}),
    };
  }
  if (code === 81013) {
    const unreached = [...invalid, ...unlicensed];
    const who = unreached.length > 0 ? ` (invalid: ${unreached.join(', ')})` : '';
    return notifyFailure(name, `errcode 81013 ${providerMessage(reply.body, 'errmsg')}${who}`, false, {
      providerCode: code,
    });
  }
  return codeFailure(name, reply.body, code);
}

function codeFailure(name: string, body: Record<string, unknown>, code: number | undefined): NotifyFailure {
  if (code === undefined) return notifyFailure(name, 'answer without an errcode', true, { unknown: true });
  const text = `errcode ${code} ${providerMessage(body, 'errmsg')}`;
  const providerCode = code;
  if (code === 45009) return notifyFailure(name, text, true, { retryAfterMs: 60_000, providerCode });
  if (RETRYABLE_CODES.has(code)) return notifyFailure(name, text, true, { providerCode });
  if (CONFIG_CODES.has(code))
    return notifyFailure(name, `${text} — check corpId/corpSecret/agentId and the app's trusted IPs`, false, {
      kind: 'config',
      providerCode,
    });
  if (TOKEN_CODES.has(code)) {
    return notifyFailure(name, `${text} (still after fetching a new token)`, true, { providerCode });
  }
  return notifyFailure(name, text, false, { providerCode });
}

function listOf(value: unknown): string[] {
  return typeof value === 'string' ? value.split('|').filter((id) => id !== '') : [];
}
