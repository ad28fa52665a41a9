/**
 * A fake Tencent Cloud SMS API 3.0 (`SendSms`, 2021-01-11) on loopback, verifying what Tencent
 * verifies — the TC3-HMAC-SHA256 signature (recomputed here from the raw request, independently
 * of src/adapters/notify/sign-tc3.ts, after Tencent Cloud's "Signature v3" page), the
 * SecretId, the 5-minute `X-TC-Timestamp` window, the credential scope's UTC date and service,
 * action, version and region — and answering with Tencent's documented shapes
 * (`{"Response":{"SendStatusSet":[…],"RequestId":…}}` or `{"Response":{"Error":{Code,Message},…}}`,
 * always HTTP 200) and codes (cloud.tencent.com/document/api/382/55981). Behaviours queued with
 * `queue()` simulate rate limits, internal errors, 5xx, malformed answers, hangs and lost replies.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type Clock, systemClock } from '../../../../src/scheduler/clock.js';
import { json, startLoopbackServer } from './loopback-server.js';

export interface TencentSentSms {
  phone: string;
  sessionContext: string | undefined;
  signName: string;
  templateId: string;
  templateParams: string[];
  serialNo: string;
}

export type TencentBehaviour =
  /** Answer with this request-level error (nothing sent). */
  | { code: string; message?: string }
  /** Answer with this raw status and body (nothing sent). */
  | { status: number; body: string }
  /** Never answer; with `accept`, after sending. */
  | { hang: true; accept?: boolean }
  /** Destroy the connection; with `accept`, after sending. */
  | { drop: true; accept?: boolean }
  /** Answer 200 with a body that is not JSON; with `accept`, after sending. */
  | { malformed: true; accept?: boolean };

export interface TencentSmsFakeOptions {
  /** SecretId → SecretKey. @default { 'AKID-test': 'test-key' } */
  secrets?: Record<string, string>;
  /** @default ['1400787878'] */
  smsSdkAppIds?: string[];
  /** @default ['线索助手'] */
  signNames?: string[];
  /** Template id → number of positional variables. @default { '449739': 2 } */
  templates?: Record<string, number>;
  clock?: Clock;
}

export interface TencentSmsFake {
  url: string;
  readonly sent: TencentSentSms[];
  /** Every request with the answer's code(s). */
  readonly requests: { codes: string[] }[];
  /** Numbers sent to (one per number and accepted call). */
  deliveries(): number;
  queue(...behaviours: TencentBehaviour[]): void;
  stall(): void;
  /** Sending to this number (E.164) answers this per-number code. */
  rejectNumber(phone: string, code: string, message?: string): void;
  /** Undo `rejectNumber`. */
  allowNumber(phone: string): void;
  close(): Promise<void>;
}

const REGIONS = new Set(['ap-guangzhou', 'ap-beijing', 'ap-nanjing', 'ap-singapore']);

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The TC3-HMAC-SHA256 signature a request should carry, recomputed as the server does (after
 * the "Signature v3" page): canonical headers from the names listed in
 * `SignedHeaders`, values lowercased and trimmed; the key chain TC3+key → date → service →
 * tc3_request.
 */
export function tc3ExpectedSignature(input: {
  method: string;
  path: string;
  query: string;
  header: (lowercaseName: string) => string;
  signedHeaders: string;
  payload: Buffer | string;
  timestamp: string;
  date: string;
  service: string;
  secretKey: string;
}): string {
  const names = input.signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${input.header(n).trim().toLowerCase()}\n`).join('');
  const canonicalRequest = [
    input.method,
    input.path,
    input.query,
    canonicalHeaders,
    input.signedHeaders,
    sha256Hex(input.payload),
  ].join('\n');
  const scope = `${input.date}/${input.service}/tc3_request`;
  const toSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  let key: Buffer = createHmac('sha256', `TC3${input.secretKey}`).update(input.date).digest();
  key = createHmac('sha256', key).update(input.service).digest();
  key = createHmac('sha256', key).update('tc3_request').digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}

export async function startTencentSmsFake(options: TencentSmsFakeOptions = {}): Promise<TencentSmsFake> {
  const secrets = options.secrets ?? { 'AKID-test': 'test-key' };
  const appIds = new Set(options.smsSdkAppIds ?? ['1400787878']);
  const signNames = new Set(options.signNames ?? ['线索助手']);
  const templates = options.templates ?? { '449739': 2 };
  const clock = options.clock ?? systemClock;
  const sent: TencentSentSms[] = [];
  const requests: { codes: string[] }[] = [];
  const queue: TencentBehaviour[] = [];
  const rejected = new Map<string, { code: string; message: string }>();
  let stalled = false;
  let serial = 0;

  function fail(res: ServerResponse, code: string, message: string): void {
    requests.push({ codes: [code] });
    json(res, 200, { Response: { Error: { Code: code, Message: message }, RequestId: randomUUID() } });
  }

  const server = await startLoopbackServer((req, res, raw) => {
    if (stalled) return;
    const url = new URL(req.url ?? '/', 'http://fake');
    const header = (name: string) => String(req.headers[name] ?? '');
    if (req.method !== 'POST' || url.pathname !== '/') {
      fail(res, 'UnsupportedProtocol', 'Only POST / is supported by this fake.');
      return;
    }
    const contentType = header('content-type').toLowerCase();
    if (!contentType.startsWith('application/json')) {
      fail(res, 'InvalidParameter', 'Content-Type must be application/json.');
      return;
    }
    const match =
      /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        header('authorization'),
      );
    if (!match) {
      fail(res, 'AuthFailure.InvalidAuthorization', 'Authorization is not a valid TC3-HMAC-SHA256 header.');
      return;
    }
    const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = match;
    const secretKey = secrets[secretId];
    if (secretKey === undefined) {
      fail(
        res,
        'AuthFailure.SecretIdNotFound',
        'The SecretId is not found, please ensure that your SecretId is correct.',
      );
      return;
    }
    const timestamp = header('x-tc-timestamp');
    const seconds = /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (Number.isNaN(seconds) || Math.abs(clock.now() / 1000 - seconds) > 300) {
      fail(
        res,
        'AuthFailure.SignatureExpire',
        'Signature expired. Timestamp and server time cannot differ by more than 5 minutes.',
      );
      return;
    }
    if (date !== new Date(seconds * 1000).toISOString().slice(0, 10) || service !== 'sms') {
      fail(
        res,
        'AuthFailure.SignatureFailure',
        'The credential scope does not match the timestamp or service.',
      );
      return;
    }
    if (!signedHeaders.split(';').includes('content-type') || !signedHeaders.split(';').includes('host')) {
      fail(res, 'AuthFailure.SignatureFailure', 'content-type and host must be signed.');
      return;
    }
    const expected = tc3ExpectedSignature({
      method: 'POST',
      path: '/',
      query: url.search.replace(/^\?/, ''),
      header,
      signedHeaders,
      payload: raw,
      timestamp,
      date,
      service,
      secretKey,
    });
    if (expected !== signature) {
      fail(res, 'AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
      return;
    }
    if (header('x-tc-action') !== 'SendSms') {
      fail(res, 'InvalidAction', `The action ${header('x-tc-action')} is not supported by this fake.`);
      return;
    }
    if (header('x-tc-version') !== '2021-01-11') {
      fail(res, 'NoSuchVersion', 'The API version does not exist.');
      return;
    }
    if (!REGIONS.has(header('x-tc-region'))) {
      fail(res, 'UnsupportedRegion', 'The region is not supported.');
      return;
    }
    const behaviour = queue.shift();
    if (behaviour && 'code' in behaviour) {
      fail(res, behaviour.code, behaviour.message ?? behaviour.code);
      return;
    }
    if (behaviour && 'body' in behaviour) {
      requests.push({ codes: [`HTTP ${behaviour.status}`] });
      res.writeHead(behaviour.status, { 'content-type': 'text/plain' });
      res.end(behaviour.body);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      fail(res, 'InvalidParameter', 'The request body is not JSON.');
      return;
    }
    const phones = Array.isArray(body.PhoneNumberSet) ? (body.PhoneNumberSet as unknown[]).map(String) : [];
    if (phones.length === 0) {
      fail(res, 'MissingParameter', 'The PhoneNumberSet parameter is missing.');
      return;
    }
    if (phones.length > 200) {
      fail(res, 'LimitExceeded.PhoneNumberCountLimit', 'At most 200 numbers per request.');
      return;
    }
    if (!appIds.has(String(body.SmsSdkAppId ?? ''))) {
      fail(res, 'UnauthorizedOperation.SmsSdkAppIdVerifyFail', 'SmsSdkAppId verification failed.');
      return;
    }
    if (!signNames.has(String(body.SignName ?? ''))) {
      fail(
        res,
        'FailedOperation.SignatureIncorrectOrUnapproved',
        'The signature is not approved or incorrect.',
      );
      return;
    }
    const expectedParams = templates[String(body.TemplateId ?? '')];
    if (expectedParams === undefined) {
      fail(
        res,
        'FailedOperation.TemplateIncorrectOrUnapproved',
        'The template is not approved or incorrect.',
      );
      return;
    }
    const params = Array.isArray(body.TemplateParamSet) ? (body.TemplateParamSet as unknown[]) : [];
    if (params.length !== expectedParams || params.some((p) => typeof p !== 'string')) {
      fail(
        res,
        'InvalidParameterValue.TemplateParameterFormatError',
        'The template parameters do not match.',
      );
      return;
    }
    const sessionContext = typeof body.SessionContext === 'string' ? body.SessionContext : undefined;
    if (sessionContext !== undefined && Buffer.byteLength(sessionContext) > 512) {
      fail(res, 'InvalidParameterValue.ContentLengthLimit', 'SessionContext exceeds 512 bytes.');
      return;
    }
    const accept = !behaviour || behaviour.accept === true;
    const statuses = phones.map((phone) => {
      const base = { PhoneNumber: phone, SessionContext: sessionContext ?? '', IsoCode: 'CN' };
      if (!/^\+861[3-9]\d{9}$/.test(phone)) {
        return {
          ...base,
          SerialNo: '',
          Fee: 0,
          Code: 'InvalidParameterValue.IncorrectPhoneNumber',
          Message: 'invalid mobile number',
        };
      }
      const rule = rejected.get(phone);
      if (rule) return { ...base, SerialNo: '', Fee: 0, Code: rule.code, Message: rule.message };
      serial += 1;
      const serialNo = `2028:${String(serial).padStart(20, '0')}`;
      if (accept) {
        sent.push({
          phone,
          sessionContext,
          signName: String(body.SignName),
          templateId: String(body.TemplateId),
          templateParams: params as string[],
          serialNo,
        });
      }
      return { ...base, SerialNo: serialNo, Fee: 1, Code: 'Ok', Message: 'send success' };
    });
    requests.push({ codes: accept ? statuses.map((s) => s.Code) : ['no answer'] });
    if (behaviour && 'hang' in behaviour) return;
    if (behaviour && 'drop' in behaviour) {
      req.socket.destroy();
      return;
    }
    if (behaviour && 'malformed' in behaviour) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"Response":{"SendStatusSet":[');
      return;
    }
    json(res, 200, { Response: { SendStatusSet: statuses, RequestId: randomUUID() } });
  });

  return {
    url: server.url,
    sent,
    requests,
    deliveries: () => sent.length,
    queue: (...behaviours) => queue.push(...behaviours),
    stall: () => {
      stalled = true;
    },
    rejectNumber: (phone, code, message) => rejected.set(phone, { code, message: message ?? code }),
    allowNumber: (phone) => rejected.delete(phone),
    close: () => server.close(),
  };
}
