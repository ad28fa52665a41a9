import { createHash, randomBytes } from 'node:crypto';
import {
  byteLength,
  type ChatFakeServer,
  type FakeRequest,
  startChatFakeServer,
} from './chat-fake-server.js';

/**
 * A fake WeCom application-message API:
 * - `GET /cgi-bin/gettoken?corpid=&corpsecret=`: 40013 invalid corpid, 40001 invalid secret, else
 *   a token valid `tokenTtlSeconds` on `now`; inside its validity the same token comes back (as
 *   WeCom documents, path/91039).
 * - `POST /cgi-bin/message/send?access_token=`: 41001 no token, 40014 unknown or revoked token,
 *   42001 expired token, 40056 wrong agent id, 40008 unknown msgtype, 44004 empty content,
 *   45002 content over 2048 bytes; recipients not in `users` come back in `invaliduser`
 *   (lower-cased) — all of them invalid is 81013; with `enable_duplicate_check: 1`, a message with
 *   the same recipients, type and content as one delivered within `duplicate_check_interval`
 *   (default 1800 s, at most 14400) is dropped: errcode 0 and nothing delivered.
 */
export interface WecomAppFakeOptions {
  corpId: string;
  corpSecret: string;
  agentId: number;
  /** Member user ids of the corporation. */
  users: string[];
  /** @default Date.now */
  now?: () => number;
  /** @default 7200 */
  tokenTtlSeconds?: number;
}

export interface WecomAppDelivery {
  /** Recipients that got it (valid ones). */
  to: string[];
  msgtype: string;
  content: string;
  body: Record<string, unknown>;
  msgid: string;
  at: number;
}

export interface WecomAppFake {
  url: string;
  server: ChatFakeServer;
  delivered: WecomAppDelivery[];
  /** Sends dropped by the duplicate check. */
  readonly duplicatesDropped: number;
  /** How many times `gettoken` issued a token. */
  readonly tokensIssued: number;
  /** Revoke every token issued so far (WeCom revoking early): using one answers 40014. */
  revokeTokens(): void;
  close(): Promise<void>;
}

export async function startWecomAppFake(options: WecomAppFakeOptions): Promise<WecomAppFake> {
  const now = options.now ?? Date.now;
  const ttlMs = (options.tokenTtlSeconds ?? 7200) * 1000;
  const users = new Map(options.users.map((u) => [u.toLowerCase(), u]));
  const tokens = new Map<string, number>(); // token → expiresAt
  const revoked = new Set<string>();
  const recent = new Map<string, number>(); // duplicate-check fingerprint → delivered at
  const delivered: WecomAppDelivery[] = [];
  let current: string | undefined;
  let tokensIssued = 0;
  let duplicatesDropped = 0;

  function gettoken(request: FakeRequest) {
    if (request.url.searchParams.get('corpid') !== options.corpId) {
      return { json: { errcode: 40013, errmsg: 'invalid corpid' } };
    }
    if (request.url.searchParams.get('corpsecret') !== options.corpSecret) {
      return { json: { errcode: 40001, errmsg: 'invalid credential' } };
    }
    const t = now();
    if (!current || revoked.has(current) || (tokens.get(current) ?? 0) <= t) {
      current = randomBytes(24).toString('base64url');
      tokens.set(current, t + ttlMs);
      tokensIssued += 1;
    }
    return {
      json: {
        errcode: 0,
        errmsg: 'ok',
        access_token: current,
        expires_in: Math.round(((tokens.get(current) ?? t) - t) / 1000),
      },
    };
  }

  function messageSend(request: FakeRequest) {
    const token = request.url.searchParams.get('access_token');
    if (!token) return { json: { errcode: 41001, errmsg: 'access_token missing' } };
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined || revoked.has(token))
      return { json: { errcode: 40014, errmsg: 'invalid access_token' } };
    if (expiresAt <= now()) return { json: { errcode: 42001, errmsg: 'access_token expired' } };
    const body = request.json as Record<string, unknown> | undefined;
    if (request.method !== 'POST' || typeof body !== 'object' || body === null) {
      return { json: { errcode: 40058, errmsg: 'invalid json body' } };
    }
    if (body.agentid !== options.agentId) return { json: { errcode: 40056, errmsg: 'invalid agentid' } };
    const msgtype = String(body.msgtype);
    if (msgtype !== 'text' && msgtype !== 'markdown')
      return { json: { errcode: 40008, errmsg: 'invalid message type' } };
    const content = (body[msgtype] as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content === '')
      return { json: { errcode: 44004, errmsg: 'empty content' } };
    if (byteLength(content) > 2048) return { json: { errcode: 45002, errmsg: 'content size out of limit' } };
    const touser = typeof body.touser === 'string' ? body.touser.split('|').filter(Boolean) : [];
    const valid = touser.filter((u) => users.has(u.toLowerCase()));
    const invalid = touser.filter((u) => !users.has(u.toLowerCase())).map((u) => u.toLowerCase());
    const invaliduser = invalid.join('|');
    if (valid.length === 0) {
      return { json: { errcode: 81013, errmsg: 'user & party & tag all invalid', invaliduser } };
    }
    const msgid = randomBytes(12).toString('hex');
    const answer = {
      errcode: 0,
      errmsg: 'ok',
      invaliduser,
      invalidparty: '',
      invalidtag: '',
      unlicenseduser: '',
      msgid,
    };
    if (body.enable_duplicate_check === 1) {
      const interval = Math.min(Number(body.duplicate_check_interval ?? 1800), 14_400) * 1000;
      const fingerprint = createHash('sha256')
        .update(JSON.stringify([body.agentid, [...valid].sort(), msgtype, content]))
        .digest('hex');
      const previous = recent.get(fingerprint);
      if (previous !== undefined && now() - previous < interval) {
        duplicatesDropped += 1;
        return { json: answer };
      }
      recent.set(fingerprint, now());
    }
    delivered.push({
      to: valid.map((u) => users.get(u.toLowerCase())!),
      msgtype,
      content,
      body,
      msgid,
      at: now(),
    });
    return { json: answer };
  }

  const server = await startChatFakeServer((request) => {
    if (request.url.pathname === '/cgi-bin/gettoken') return gettoken(request);
    if (request.url.pathname === '/cgi-bin/message/send') return messageSend(request);
    return { status: 404, text: 'not found' };
  });
  return {
    url: server.url,
    server,
    delivered,
    get duplicatesDropped() {
      return duplicatesDropped;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    revokeTokens() {
      for (const token of tokens.keys()) revoked.add(token);
    },
    close: () => server.close(),
  };
}
