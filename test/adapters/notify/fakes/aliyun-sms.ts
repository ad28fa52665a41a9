/**
 * A fake Aliyun Dysmsapi (2017-05-25) on loopback: `SendSms` and `QuerySendDetails` in RPC style
 * (parameters in the query, POST, empty body), verifying what Aliyun verifies — the
 * ACS3-HMAC-SHA256 signature (recomputed here from the raw request, independently of
 * src/adapters/notify/sign-acs3.ts, after help.aliyun.com/document_detail/2593177), the
 * payload hash, the AccessKey, the 15-minute `x-acs-date` window and nonce reuse — and answering
 * with Aliyun's documented shapes and codes (help.aliyun.com/document_detail/55284, 419277,
 * 101347). Behaviours queued with `queue()` simulate throttling, 5xx, malformed answers, hangs
 * and lost replies (a message accepted whose answer never arrives).
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, systemClock } from '../../../../src/scheduler/clock.js';
import { json, startLoopbackServer } from './loopback-server.js';

export interface AliyunSentSms {
  phone: string;
  outId: string | undefined;
  signName: string;
  templateCode: string;
  templateParam: Record<string, unknown> | undefined;
  bizId: string;
  /** `yyyyMMdd` in China time. */
  sendDate: string;
  /** `yyyy-MM-dd HH:mm:ss` in China time. */
  sendTime: string;
}

/** What the next `SendSms` call does instead of the normal processing. */
export type AliyunBehaviour =
  /** Answer with this error code (nothing sent). */
  | { code: string; message?: string; status?: number }
  /** Answer with this raw status and body (nothing sent). */
  | { status: number; body: string }
  /** Never answer; with `accept`, the message is sent first (the reply is lost). */
  | { hang: true; accept?: boolean }
  /** Destroy the connection; with `accept`, after sending the message. */
  | { drop: true; accept?: boolean }
  /** Answer 200 with a body that is not JSON; with `accept`, after sending the message. */
  | { malformed: true; accept?: boolean };

export interface AliyunSmsFakeOptions {
  /** AccessKey ID → secret. @default { 'LTAI-test': 'test-secret' } */
  accessKeys?: Record<string, string>;
  /** @default ['线索助手'] */
  signNames?: string[];
  /** Template code → required variable names. @default { SMS_465890123: [] } */
  templates?: Record<string, string[]>;
  clock?: Clock;
  /**
   * Flow control, on `clock`: per number (answered `isv.BUSINESS_LIMIT_CONTROL` "触发分钟级流控")
   * and for the account's `SendSms` calls (answered `Throttling.User`); each refusal counted in
   * `rejected`.
   */
  limits?: {
    perNumber?: { limit: number; windowMs: number };
    total?: { limit: number; windowMs: number };
  };
}

export interface AliyunSmsFake {
  url: string;
  /** Messages sent, one per number. */
  readonly sent: AliyunSentSms[];
  /** Every request that reached the fake, with its action and the answer's Code. */
  readonly requests: { action: string; code: string }[];
  /** Accepted `SendSms` calls. */
  deliveries(): number;
  /** Calls refused by the flow control of `limits`. */
  readonly rejected: number;
  /** Behaviours for the next `SendSms` calls, in order. */
  queue(...behaviours: AliyunBehaviour[]): void;
  /** Behaviours for the next `QuerySendDetails` calls, in order. */
  queueQuery(...behaviours: AliyunBehaviour[]): void;
  /** From now on, every request hangs. */
  stall(): void;
  /** `SendSms` to this number fails with `code` (Aliyun answers one code for the whole call). */
  rejectNumber(phone: string, code: string, message?: string): void;
  /** Add a record as if sent earlier (for `QuerySendDetails`). */
  seed(record: Omit<AliyunSentSms, 'bizId'> & { bizId?: string }): void;
  close(): Promise<void>;
}

/** RFC 3986 encoding written independently of the adapter's: byte by byte. */
function rfc3986(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(component: string): string {
  return decodeURIComponent(component.replace(/\+/g, '%20'));
}

function hex(algorithm: 'sha256', data: string | Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

/** `name=value&…` of a raw (percent-encoded) query string, decoded. */
export function parseQuery(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of rawQuery.split('&').filter(Boolean)) {
    const eq = part.indexOf('=');
    params.set(decode(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : decode(part.slice(eq + 1)));
  }
  return params;
}

/**
 * The ACS3-HMAC-SHA256 signature a request should carry, recomputed from what arrived on the
 * wire as the server does (help.aliyun.com/document_detail/2593177): the query decoded, sorted
 * and re-encoded, the signed headers as listed in `Authorization`, the raw body hashed.
 */
export function acs3ExpectedSignature(input: {
  method: string;
  pathname: string;
  rawQuery: string;
  header: (lowercaseName: string) => string;
  signedHeaders: string;
  body: Buffer | string;
  secret: string;
}): string {
  const params = parseQuery(input.rawQuery);
  const canonicalQuery = [...params.keys()]
    .sort()
    .map((name) => `${rfc3986(name)}=${rfc3986(params.get(name) ?? '')}`)
    .join('&');
  const canonicalHeaders = input.signedHeaders
    .split(';')
    .map((name) => `${name}:${input.header(name).trim()}\n`)
    .join('');
  const canonicalRequest = `${input.method}\n${input.pathname}\n${canonicalQuery}\n${canonicalHeaders}\n${input.signedHeaders}\n${hex('sha256', input.body)}`;
  return createHmac('sha256', input.secret)
    .update(`ACS3-HMAC-SHA256\n${hex('sha256', canonicalRequest)}`)
    .digest('hex');
}

function chinaTime(ms: number): { date: string; time: string } {
  const iso = new Date(ms + 8 * 3_600_000).toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: `${iso.slice(0, 10)} ${iso.slice(11, 19)}` };
}

export async function startAliyunSmsFake(options: AliyunSmsFakeOptions = {}): Promise<AliyunSmsFake> {
  const accessKeys = options.accessKeys ?? { 'LTAI-test': 'test-secret' };
  const signNames = new Set(options.signNames ?? ['线索助手']);
  const templates = options.templates ?? { SMS_465890123: [] };
  const clock = options.clock ?? systemClock;
  const sent: AliyunSentSms[] = [];
  const requests: { action: string; code: string }[] = [];
  const nonces = new Set<string>();
  const sendQueue: AliyunBehaviour[] = [];
  const queryQueue: AliyunBehaviour[] = [];
  const rejected = new Map<string, { code: string; message: string }>();
  let accepted = 0;
  let refused = 0;
  let stalled = false;
  /** Send times within the flow-control windows, per number and for the account. */
  const windows = new Map<string, number[]>();
  const admit = (key: string, limit: { limit: number; windowMs: number } | undefined): boolean => {
    if (!limit) return true;
    const now = clock.now();
    const times = (windows.get(key) ?? []).filter((at) => at + limit.windowMs > now);
    windows.set(key, times);
    return times.length < limit.limit;
  };
  const count = (key: string, limit: { limit: number; windowMs: number } | undefined): void => {
    if (limit) windows.get(key)?.push(clock.now());
  };
  let bizCounter = 0;
  let hostHeader = '';

  function error(res: ServerResponse, action: string, status: number, code: string, message: string): void {
    requests.push({ action, code });
    json(res, status, {
      RequestId: randomUUID().toUpperCase(),
      HostId: hostHeader,
      Code: code,
      Message: message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${code}`,
    });
  }

  /** The checks Aliyun's gateway makes; returns the parsed query or answers the error. */
  function authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): Map<string, string> | undefined {
    const url = new URL(req.url ?? '/', 'http://fake');
    const action = String(req.headers['x-acs-action'] ?? '');
    const authorization = String(req.headers.authorization ?? '');
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
    if (!match) {
      error(
        res,
        action,
        400,
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards.',
      );
      return undefined;
    }
    const [, accessKeyId = '', signedHeaderList = '', signature = ''] = match;
    const secret = accessKeys[accessKeyId];
    if (secret === undefined) {
      error(res, action, 404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
      return undefined;
    }
    const payloadHash = hex('sha256', body);
    if (req.headers['x-acs-content-sha256'] !== payloadHash) {
      error(res, action, 400, 'SignatureDoesNotMatch', 'x-acs-content-sha256 does not match the body.');
      return undefined;
    }
    const signedNames = signedHeaderList.split(';');
    for (const required of [
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ]) {
      if (!signedNames.includes(required)) {
        error(res, action, 400, 'IncompleteSignature', `${required} must be signed.`);
        return undefined;
      }
    }
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const expected = acs3ExpectedSignature({
      method: req.method ?? '',
      pathname: url.pathname,
      rawQuery,
      header: (name) => String(req.headers[name] ?? ''),
      signedHeaders: signedHeaderList,
      body,
      secret,
    });
    if (expected !== signature) {
      error(
        res,
        action,
        400,
        'SignatureDoesNotMatch',
        'Specified signature is not matched with our calculation.',
      );
      return undefined;
    }
    const params = parseQuery(rawQuery);
    const date = String(req.headers['x-acs-date'] ?? '');
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(date) ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(at)) {
      error(res, action, 400, 'InvalidTimeStamp.Format', 'Specified time stamp is not valid.');
      return undefined;
    }
    if (Math.abs(clock.now() - at) > 15 * 60_000) {
      error(res, action, 400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
      return undefined;
    }
    const nonce = String(req.headers['x-acs-signature-nonce'] ?? '');
    if (nonce === '' || nonces.has(nonce)) {
      error(res, action, 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
      return undefined;
    }
    nonces.add(nonce);
    if (req.headers['x-acs-version'] !== '2017-05-25') {
      error(res, action, 400, 'InvalidVersion', 'Specified parameter Version is not valid.');
      return undefined;
    }
    return params;
  }

  function record(
    phone: string,
    params: Map<string, string>,
    templateParam: Record<string, unknown> | undefined,
  ) {
    const { date, time } = chinaTime(clock.now());
    bizCounter += 1;
    const entry: AliyunSentSms = {
      phone,
      outId: params.get('OutId'),
      signName: params.get('SignName') ?? '',
      templateCode: params.get('TemplateCode') ?? '',
      templateParam,
      bizId: `${900_000 + bizCounter}^0`,
      sendDate: date,
      sendTime: time,
    };
    sent.push(entry);
    return entry;
  }

  /** Validate and send; returns the answer to give, or throws a business error. */
  function sendSms(params: Map<string, string>): { code: string; message: string; bizId?: string } {
    const phones = (params.get('PhoneNumbers') ?? '').split(',').filter(Boolean);
    if (phones.length === 0) return { code: 'isv.MOBILE_NUMBER_ILLEGAL', message: '非法手机号' };
    if (phones.length > 1000) return { code: 'isv.MOBILE_COUNT_OVER_LIMIT', message: '手机号码数量超过限制' };
    const normalized: string[] = [];
    for (const phone of phones) {
      const m = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/.exec(phone);
      if (!m?.[1]) return { code: 'isv.MOBILE_NUMBER_ILLEGAL', message: '非法手机号' };
      normalized.push(m[1]);
    }
    if (!signNames.has(params.get('SignName') ?? '')) {
      return { code: 'isv.SMS_SIGNATURE_ILLEGAL', message: '该账号下找不到对应签名' };
    }
    const required = templates[params.get('TemplateCode') ?? ''];
    if (!required) return { code: 'isv.SMS_TEMPLATE_ILLEGAL', message: '该账号下找不到对应模板' };
    let templateParam: Record<string, unknown> | undefined;
    const rawParam = params.get('TemplateParam');
    if (rawParam !== undefined) {
      try {
        templateParam = JSON.parse(rawParam) as Record<string, unknown>;
      } catch {
        return { code: 'isv.INVALID_JSON_PARAM', message: 'JSON参数不合法，只接受字符串值' };
      }
    }
    for (const name of required) {
      if (templateParam?.[name] === undefined) {
        return { code: 'isv.TEMPLATE_MISSING_PARAMETERS', message: `模版缺少变量 ${name}` };
      }
    }
    if ((params.get('OutId') ?? '').length >= 256) {
      return { code: 'isv.INVALID_PARAMETERS', message: 'OutId 长度超过 256' };
    }
    for (const phone of normalized) {
      const rule = rejected.get(phone);
      if (rule) return rule;
    }
    if (!admit('\u0000total', options.limits?.total)) {
      refused += 1;
      return { code: 'Throttling.User', message: 'Request was denied due to user flow control.' };
    }
    for (const phone of normalized) {
      if (!admit(phone, options.limits?.perNumber)) {
        refused += 1;
        return { code: 'isv.BUSINESS_LIMIT_CONTROL', message: '触发分钟级流控Permits:1' };
      }
    }
    count('\u0000total', options.limits?.total);
    for (const phone of normalized) count(phone, options.limits?.perNumber);
    let bizId = '';
    for (const phone of normalized) bizId = record(phone, params, templateParam).bizId;
    accepted += 1;
    return { code: 'OK', message: 'OK', bizId };
  }

  function querySendDetails(params: Map<string, string>) {
    const phone = params.get('PhoneNumber') ?? '';
    const date = params.get('SendDate') ?? '';
    const pageSize = Number(params.get('PageSize'));
    const page = Number(params.get('CurrentPage') ?? '1');
    if (!/^\d{8}$/.test(date)) return { Code: 'isv.INVALID_PARAMETERS', Message: 'SendDate 格式错误' };
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) {
      return { Code: 'isv.INVALID_PARAMETERS', Message: 'PageSize 取值 1~50' };
    }
    const records = sent.filter((s) => s.phone === phone && s.sendDate === date).reverse();
    const slice = records.slice((page - 1) * pageSize, page * pageSize);
    return {
      Code: 'OK',
      Message: 'OK',
      TotalCount: String(records.length),
      SmsSendDetailDTOs: {
        SmsSendDetailDTO: slice.map((s) => ({
          PhoneNum: s.phone,
          SendStatus: 3,
          ErrCode: 'DELIVERED',
          TemplateCode: s.templateCode,
          Content: `【${s.signName}】${JSON.stringify(s.templateParam ?? {})}`,
          SendDate: s.sendTime,
          ReceiveDate: s.sendTime,
          OutId: s.outId ?? '',
        })),
      },
    };
  }

  const server = await startLoopbackServer((req, res, body) => {
    hostHeader = String(req.headers.host ?? '');
    if (stalled) return;
    const action = String(req.headers['x-acs-action'] ?? '');
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://fake').pathname !== '/') {
      error(
        res,
        action,
        404,
        'InvalidAction.NotFound',
        'Specified api is not found, please check your url and method.',
      );
      return;
    }
    const params = authenticate(req, res, body);
    if (!params) return;
    const behaviour =
      action === 'SendSms'
        ? sendQueue.shift()
        : action === 'QuerySendDetails'
          ? queryQueue.shift()
          : undefined;
    const requestId = randomUUID().toUpperCase();
    if (behaviour && 'code' in behaviour) {
      error(res, action, behaviour.status ?? 200, behaviour.code, behaviour.message ?? behaviour.code);
      return;
    }
    if (behaviour && 'body' in behaviour) {
      requests.push({ action, code: `HTTP ${behaviour.status}` });
      res.writeHead(behaviour.status, { 'content-type': 'text/plain' });
      res.end(behaviour.body);
      return;
    }
    if (action === 'SendSms') {
      const accept = !behaviour || behaviour.accept === true;
      const answer = accept ? sendSms(params) : undefined;
      requests.push({ action, code: answer?.code ?? 'no answer' });
      if (behaviour && 'hang' in behaviour) return;
      if (behaviour && 'drop' in behaviour) {
        req.socket.destroy();
        return;
      }
      if (behaviour && 'malformed' in behaviour) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"Code":"OK","Message":');
        return;
      }
      if (answer) {
        json(res, 200, {
          Code: answer.code,
          Message: answer.message,
          RequestId: requestId,
          ...(answer.bizId ? { BizId: answer.bizId } : {}),
        });
      }
      return;
    }
    if (action === 'QuerySendDetails') {
      if (behaviour && 'hang' in behaviour) return;
      if (behaviour && 'drop' in behaviour) {
        req.socket.destroy();
        return;
      }
      const answer = querySendDetails(params);
      requests.push({ action, code: answer.Code });
      json(res, 200, { ...answer, RequestId: requestId });
      return;
    }
    error(res, action, 404, 'InvalidAction.NotFound', `Specified api ${action} is not found.`);
  });

  return {
    url: server.url,
    sent,
    requests,
    deliveries: () => accepted,
    get rejected() {
      return refused;
    },
    queue: (...behaviours) => sendQueue.push(...behaviours),
    queueQuery: (...behaviours) => queryQueue.push(...behaviours),
    stall: () => {
      stalled = true;
    },
    rejectNumber: (phone, code, message) => rejected.set(phone, { code, message: message ?? code }),
    seed: (entry) => {
      bizCounter += 1;
      sent.push({ bizId: `${900_000 + bizCounter}^0`, ...entry });
    },
    close: () => server.close(),
  };
}
