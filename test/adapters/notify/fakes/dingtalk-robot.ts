import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type ChatFakeServer,
  type FakeRequest,
  slidingWindowCounter,
  startChatFakeServer,
} from './chat-fake-server.js';

/**
 * A fake DingTalk custom robot API (`POST /robot/send?access_token=…[&timestamp=…&sign=…]`),
 * as documented in open.dingtalk.com/document/robots/custom-robot-access and
 * …/customize-robot-security-settings: HTTP 200 with `errcode`/`errmsg`; 40035 without
 * `access_token`, 300005 for an unknown one; a robot with a `secret` needs `timestamp` (ms,
 * within 1 hour of `now`) and `sign = Base64(HMAC-SHA256(secret, timestamp + "\n" + secret))`,
 * else 310000; a robot with `keywords` needs one of them in the content, else 310000; more than
 * 20 accepted messages within 60 s answers 130101 and throttles the robot for 10 minutes
 * (counted in `rejected`).
 */
export interface DingtalkRobotFakeOptions {
  robots: { accessToken: string; secret?: string; keywords?: string[] }[];
  /** @default Date.now */
  now?: () => number;
  /** @default 20 */
  limitPerMinute?: number;
}

export interface DingtalkDelivery {
  accessToken: string;
  msgtype: string;
  body: Record<string, unknown>;
  at: number;
}

export interface DingtalkRobotFake {
  url: string;
  server: ChatFakeServer;
  delivered: DingtalkDelivery[];
  /** Requests refused with 130101. */
  readonly rejected: number;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const THROTTLE_MS = 600_000;

/** The signature DingTalk expects, computed independently of the notifier under test. */
export function expectedDingtalkSign(secret: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .digest('base64');
}

export async function startDingtalkRobotFake(options: DingtalkRobotFakeOptions): Promise<DingtalkRobotFake> {
  const now = options.now ?? Date.now;
  const robots = new Map(options.robots.map((r) => [r.accessToken, r]));
  const counter = slidingWindowCounter(options.limitPerMinute ?? 20, 60_000, now);
  const throttledUntil = new Map<string, number>();
  const delivered: DingtalkDelivery[] = [];
  let rejected = 0;

  function handle(request: FakeRequest) {
    if (request.url.pathname !== '/robot/send')
      return { json: { errcode: 404, errmsg: '请求的URI地址不存在' } };
    if (request.method !== 'POST') return { json: { errcode: 43002, errmsg: '需要POST请求' } };
    const token = request.url.searchParams.get('access_token');
    if (!token) return { json: { errcode: 40035, errmsg: '缺少参数 access_token' } };
    const robot = robots.get(token);
    if (!robot) return { json: { errcode: 300005, errmsg: 'token is not exist' } };
    if (robot.secret) {
      const timestamp = request.url.searchParams.get('timestamp') ?? '';
      const sign = request.url.searchParams.get('sign') ?? ''; // URLSearchParams already decoded it
      if (!/^\d+$/.test(timestamp) || Math.abs(now() - Number(timestamp)) > HOUR_MS) {
        return { json: { errcode: 310000, errmsg: 'invalid timestamp' } };
      }
      const expected = Buffer.from(expectedDingtalkSign(robot.secret, timestamp));
      const given = Buffer.from(sign);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return {
          json: {
            errcode: 310000,
            errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]',
          },
        };
      }
    }
    const body = request.json as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null)
      return { json: { errcode: 40035, errmsg: '缺少参数 json' } };
    const msgtype = String(body.msgtype);
    const content =
      msgtype === 'text'
        ? (body.text as { content?: unknown } | undefined)?.content
        : msgtype === 'markdown'
          ? (body.markdown as { text?: unknown } | undefined)?.text
          : undefined;
    if (msgtype === 'markdown' && typeof (body.markdown as { title?: unknown }).title !== 'string') {
      return { json: { errcode: 40035, errmsg: '缺少参数 markdown.title' } };
    }
    if (typeof content !== 'string' || content === '')
      return { json: { errcode: 40035, errmsg: `缺少参数 ${msgtype}` } };
    if (robot.keywords && !robot.keywords.some((k) => content.includes(k))) {
      return { json: { errcode: 310000, errmsg: 'keywords not in content' } };
    }
    const until = throttledUntil.get(token) ?? 0;
    if (now() < until || !counter.admit(token)) {
      if (now() >= until) throttledUntil.set(token, now() + THROTTLE_MS);
      rejected += 1;
      return { json: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
    }
    delivered.push({ accessToken: token, msgtype, body, at: now() });
    return { json: { errcode: 0, errmsg: 'ok' } };
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
