import {
  byteLength,
  type ChatFakeServer,
  type FakeRequest,
  slidingWindowCounter,
  startChatFakeServer,
} from './chat-fake-server.js';

/**
 * A fake WeCom group robot API (`POST /cgi-bin/webhook/send?key=KEY`), as documented in
 * developer.work.weixin.qq.com/document/path/91770: always HTTP 200 with `errcode`/`errmsg`;
 * an unknown key is 93000; `text` ≤ 2048 bytes, `markdown` / `markdown_v2` ≤ 4096 bytes (else
 * 45002), empty content 44004, unknown `msgtype` 40008; more than `limitPerMinute` accepted
 * messages for one key within any 60 s (on `now`) is 45009, counted in `rejected`.
 */
export interface WecomRobotFakeOptions {
  /** Valid robot keys. */
  keys: string[];
  /** @default Date.now */
  now?: () => number;
  /** @default 20 */
  limitPerMinute?: number;
}

export interface WecomRobotDelivery {
  key: string;
  msgtype: string;
  body: Record<string, unknown>;
  at: number;
}

export interface WecomRobotFake {
  /** Base URL for the notifier's `baseUrl`. */
  url: string;
  server: ChatFakeServer;
  /** Messages the robot accepted (posted to its group), in order. */
  delivered: WecomRobotDelivery[];
  /** Requests refused with 45009 (frequency limit). */
  readonly rejected: number;
  /** Make `key` invalid from now on (the robot was removed from the group): 93000. */
  revokeKey(key: string): void;
  close(): Promise<void>;
}

const LIMITS: Record<string, number> = { text: 2048, markdown: 4096, markdown_v2: 4096 };

export async function startWecomRobotFake(options: WecomRobotFakeOptions): Promise<WecomRobotFake> {
  const now = options.now ?? Date.now;
  const keys = new Set(options.keys);
  const delivered: WecomRobotDelivery[] = [];
  const counter = slidingWindowCounter(options.limitPerMinute ?? 20, 60_000, now);
  let rejected = 0;

  function handle(request: FakeRequest) {
    if (request.url.pathname !== '/cgi-bin/webhook/send') return { status: 404, text: 'not found' };
    const key = request.url.searchParams.get('key') ?? '';
    if (!keys.has(key)) {
      return {
        json: {
          errcode: 93000,
          errmsg:
            'invalid webhook url, hint: [1700000000_fake], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000',
        },
      };
    }
    const body = request.json as Record<string, unknown> | undefined;
    if (request.method !== 'POST' || typeof body !== 'object' || body === null) {
      return { json: { errcode: 40058, errmsg: 'invalid json body' } };
    }
    const msgtype = String(body.msgtype);
    const limit = LIMITS[msgtype];
    if (limit === undefined) return { json: { errcode: 40008, errmsg: `invalid message type ${msgtype}` } };
    const content = (body[msgtype] as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content === '')
      return { json: { errcode: 44004, errmsg: 'empty content' } };
    if (byteLength(content) > limit) return { json: { errcode: 45002, errmsg: 'content size out of limit' } };
    if (!counter.admit(key)) {
      rejected += 1;
      return { json: { errcode: 45009, errmsg: 'api freq out of limit, hint: [1700000000_fake]' } };
    }
    delivered.push({ key, msgtype, body, at: now() });
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
    revokeKey: (key) => keys.delete(key),
    close: () => server.close(),
  };
}
