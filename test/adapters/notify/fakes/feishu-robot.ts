import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  byteLength,
  type ChatFakeServer,
  type FakeRequest,
  slidingWindowCounter,
  startChatFakeServer,
} from './chat-fake-server.js';

/**
 * A fake Feishu custom bot API (`POST /open-apis/bot/v2/hook/<id>`), as documented in
 * open.larkoffice.com/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN: HTTP 200 with `code`/`msg`
 * (success also carries the legacy `StatusCode`/`StatusMessage`); 19001 for an unknown hook;
 * 9499 "Bad Request" for a body that is not JSON, over 20 KB, or of an unknown shape; a bot with a
 * `secret` needs `timestamp` (s, within 1 hour of `now`) and
 * `sign = Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))` in the body, else
 * 19021; `keywords` missing 19024; more than 100 accepted per 60 s or 5 per 1 s answers 11232
 * (counted in `rejected`).
 */
export interface FeishuRobotFakeOptions {
  bots: { hookId: string; secret?: string; keywords?: string[] }[];
  /** @default Date.now */
  now?: () => number;
  /** @default 100 */
  limitPerMinute?: number;
  /** @default 5 */
  limitPerSecond?: number;
}

export interface FeishuDelivery {
  hookId: string;
  msgType: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FeishuRobotFake {
  url: string;
  server: ChatFakeServer;
  delivered: FeishuDelivery[];
  readonly rejected: number;
  close(): Promise<void>;
}

const HOUR_S = 3600;
const SUCCESS = { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' };

/** The signature Feishu expects, computed independently of the notifier under test. */
export function expectedFeishuSign(secret: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .update(Buffer.alloc(0))
    .digest('base64');
}

/** The text a keyword check and a delivery record read from a message body. */
function textOf(body: Record<string, unknown>): string | undefined {
  if (body.msg_type === 'text') {
    const text = (body.content as { text?: unknown } | undefined)?.text;
    return typeof text === 'string' ? text : undefined;
  }
  if (body.msg_type === 'interactive') {
    const card = body.card as { elements?: unknown } | undefined;
    if (!card || !Array.isArray(card.elements) || card.elements.length === 0) return undefined;
    return JSON.stringify(card);
  }
  return undefined;
}

export async function startFeishuRobotFake(options: FeishuRobotFakeOptions): Promise<FeishuRobotFake> {
  const now = options.now ?? Date.now;
  const bots = new Map(options.bots.map((b) => [b.hookId, b]));
  const perMinute = slidingWindowCounter(options.limitPerMinute ?? 100, 60_000, now);
  const perSecond = slidingWindowCounter(options.limitPerSecond ?? 5, 1_000, now);
  const delivered: FeishuDelivery[] = [];
  let rejected = 0;

  function handle(request: FakeRequest) {
    const match = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(request.url.pathname);
    const bot = match ? bots.get(decodeURIComponent(match[1]!)) : undefined;
    if (!bot)
      return { json: { code: 19001, data: {}, msg: 'param invalid: incoming webhook access token invalid' } };
    const body = request.json as Record<string, unknown> | undefined;
    if (
      request.method !== 'POST' ||
      typeof body !== 'object' ||
      body === null ||
      byteLength(request.text) > 20 * 1024
    ) {
      return { json: { code: 9499, msg: 'Bad Request', data: {} } };
    }
    if (bot.secret) {
      const timestamp = typeof body.timestamp === 'string' ? body.timestamp : String(body.timestamp ?? '');
      const sign = typeof body.sign === 'string' ? body.sign : '';
      const fresh = /^\d+$/.test(timestamp) && Math.abs(now() / 1000 - Number(timestamp)) <= HOUR_S;
      const expected = Buffer.from(expectedFeishuSign(bot.secret, timestamp));
      const given = Buffer.from(sign);
      if (!fresh || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return {
          json: {
            code: 19021,
            data: {},
            msg: 'sign match fail or timestamp is not within one hour from current time',
          },
        };
      }
    }
    const text = textOf(body);
    if (text === undefined || text === '') return { json: { code: 9499, msg: 'Bad Request', data: {} } };
    if (bot.keywords && !bot.keywords.some((k) => text.includes(k))) {
      return { json: { code: 19024, msg: 'Key Words Not Found' } };
    }
    if (!perSecond.room(bot.hookId) || !perMinute.room(bot.hookId)) {
      rejected += 1;
      return {
        json: { code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[0]', data: {} },
      };
    }
    perSecond.record(bot.hookId);
    perMinute.record(bot.hookId);
    delivered.push({ hookId: bot.hookId, msgType: String(body.msg_type), body, at: now() });
    return { json: SUCCESS };
  }

  const server = await startChatFakeServer(handle);
  return {
    url: server.url,
    server,
    delivered,
    get rejected() {
      return rejected;
    },
    close: () => server.close(),
  };
}
