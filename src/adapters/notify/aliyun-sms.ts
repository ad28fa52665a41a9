/**
 * SMS through Aliyun (Alibaba Cloud) Dysmsapi `SendSms` (API version 2017-05-25), signed with
 * ACS3-HMAC-SHA256, on Node's global `fetch`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../scheduler/clock.js';
import { notifyFailure } from './http.js';
import {
  createDeliveryLedger,
  errorText,
  fetchNeverSent,
  keyOrDigest,
  mainlandMobile,
  snippet,
} from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyResult } from './port.js';
import { signAcs3 } from './sign-acs3.js';

export { type Acs3Request, type Acs3Signed, acs3CanonicalQuery, acs3Encode, signAcs3 } from './sign-acs3.js';

/**
 * What {@link aliyunSmsNotifier} reports when it cannot tell whether a `SendSms` call went out
 * (a timeout, a connection lost after the request was written, a 5xx, an unreadable answer):
 *
 * - `'verify'`: a **retryable** failure. The key is remembered as uncertain, and its next attempt
 *   first looks for the message in `QuerySendDetails` (by `OutId`, for each number, on the send
 *   dates) and sends only to the numbers not found there; if that query fails, nothing is sent
 *   and the attempt fails again (retryable).
 * - `'fail'`: a **permanent** failure ("outcome unknown"), so the outbox dead-letters it for a
 *   person to check; a re-drive in the same process still verifies before sending.
 *
 * @example
 * ```ts
 * import type { AliyunUnknownOutcome } from 'leadflow/notify/aliyun-sms';
 * const policy: AliyunUnknownOutcome = 'verify';
 * ```
 * @category Notifications
 */
export type AliyunUnknownOutcome = 'verify' | 'fail';

/**
 * Options of {@link aliyunSmsNotifier}.
 *
 * @example
 * ```ts
 * import type { AliyunSmsNotifierOptions } from 'leadflow/notify/aliyun-sms';
 * const options: AliyunSmsNotifierOptions = {
 *   accessKeyId: process.env.ALIYUN_AK_ID ?? '',
 *   accessKeySecret: process.env.ALIYUN_AK_SECRET ?? '',
 *   signName: '线索助手',
 *   templateCode: 'SMS_465890123',
 *   templateParams: (m) => ({ lead: String((m.data as { leadId?: string } | undefined)?.leadId ?? '') }),
 * };
 * ```
 * @category Notifications
 */
export interface AliyunSmsNotifierOptions {
  /** AccessKey ID (a RAM user's, with `dysms:SendSms` and `dysms:QuerySendDetails`). */
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token when the AccessKey pair is temporary. */
  securityToken?: string;
  /** Approved SMS signature name (`SignName`). */
  signName: string;
  /** Approved template code (`TemplateCode`), e.g. `SMS_465890123`. */
  templateCode: string;
  /**
   * Template variables (`TemplateParam`, sent as a JSON string) for a message. Return
   * `undefined` for a template without variables.
   * @default the string, number and boolean fields of `message.data` (as strings), when it is an object
   */
  templateParams?: (
    message: NotifyMessage,
  ) => Readonly<Record<string, string | number | boolean>> | undefined;
  /**
   * API endpoint: a host (`dysmsapi.aliyuncs.com`, HTTPS) or a base URL (`http://127.0.0.1:8080`).
   * @default 'dysmsapi.aliyuncs.com'
   */
  endpoint?: string;
  /**
   * What an unknown outcome reports; see {@link AliyunUnknownOutcome}.
   * @default 'verify'
   */
  unknownOutcome?: AliyunUnknownOutcome;
  /**
   * How many pages of 50 `QuerySendDetails` records per number and day to search for the
   * `OutId` before giving up (then the attempt fails, retryable, and nothing is sent).
   * @default 10
   */
  maxVerifyPages?: number;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Source of `x-acs-date` and of the send dates searched. @default systemClock */
  clock?: Clock;
  /** `x-acs-signature-nonce` generator. @default crypto.randomUUID */
  nonce?: () => string;
  /** Name reported by `notifier.name` and prefixed to error texts. @default 'aliyun-sms' */
  name?: string;
  /** How many delivered (and uncertain) keys to remember. @default 10000 */
  rememberKeys?: number;
}

/**
 * How {@link classifyAliyunSmsCode} sorts a `Code` of the Dysmsapi API: delivered, worth
 * retrying later, never going to work (`permanent`), a problem of the host's configuration
 * (permanent, and worth an alert), or unknown (the request may or may not have been processed).
 *
 * @example
 * ```ts
 * import type { AliyunSmsOutcome } from 'leadflow/notify/aliyun-sms';
 * const alert = (o: AliyunSmsOutcome) => o === 'config';
 * ```
 * @category Notifications
 */
export type AliyunSmsOutcome = 'ok' | 'retryable' | 'permanent' | 'config' | 'unknown';

const RETRYABLE_CODES = /* @__PURE__ */ (() =>
  new Set(['isv.BUSINESS_LIMIT_CONTROL', 'SignatureNonceUsed']))();
const CONFIG_CODES = /* @__PURE__ */ (() =>
  new Set([
    'SignatureDoesNotMatch',
    'IncompleteSignature',
    'InvalidAccessKeySecret',
    'MissingSecurityToken',
    'NoPermission',
    'isv.ACCOUNT_NOT_EXISTS',
    'isv.ACCOUNT_ABNORMAL',
    'isv.OUT_OF_SERVICE',
    'isv.AMOUNT_NOT_ENOUGH',
    'isv.DENY_IP_RANGE',
  ]))();
const CONFIG_PREFIXES = ['InvalidAccessKeyId', 'InvalidSecurityToken', 'InvalidTimeStamp', 'Forbidden'];

/**
 * Sort a Dysmsapi `Code` (with the HTTP status it came with) into an {@link AliyunSmsOutcome}:
 * `OK` → ok; `isv.BUSINESS_LIMIT_CONTROL` (per-number flow control), `Throttling*`,
 * `SignatureNonceUsed` → retryable; `InvalidAccessKeyId*`, `SignatureDoesNotMatch`,
 * `InvalidTimeStamp*` (clock skew > 15 min), `Forbidden*`, account and balance codes → config;
 * `isp.*` (Aliyun's own errors) and any HTTP 5xx → unknown; everything else
 * (`isv.MOBILE_NUMBER_ILLEGAL`, `isv.SMS_TEMPLATE_ILLEGAL`, `isv.SMS_SIGNATURE_ILLEGAL`,
 * `isv.TEMPLATE_MISSING_PARAMETERS`, `isv.DAY_LIMIT_CONTROL`, …) → permanent. Codes from
 * https://help.aliyun.com/document_detail/101347.html.
 *
 * @example
 * ```ts
 * import { classifyAliyunSmsCode } from 'leadflow/notify/aliyun-sms';
 * classifyAliyunSmsCode('isv.BUSINESS_LIMIT_CONTROL', 200); // 'retryable'
 * classifyAliyunSmsCode('SignatureDoesNotMatch', 400); // 'config'
 * ```
 * @category Notifications
 */
export function classifyAliyunSmsCode(code: string, httpStatus: number): AliyunSmsOutcome {
  if (code === 'OK') return 'ok';
  if (RETRYABLE_CODES.has(code) || code.startsWith('Throttling')) return 'retryable';
  if (CONFIG_CODES.has(code) || CONFIG_PREFIXES.some((prefix) => code.startsWith(prefix))) return 'config';
  if (code.startsWith('isp.') || httpStatus >= 500) return 'unknown';
  return 'permanent';
}

/**
 * How long to wait after a retryable Dysmsapi code: per-number flow control
 * (`isv.BUSINESS_LIMIT_CONTROL`) names its window in the message — `分钟级` (a minute),
 * `小时级` (an hour), `天级` (a day); `Throttling*` (the API's own QPS) a second.
 *
 * @example
 * ```ts
 * import { aliyunRetryAfterMs } from 'leadflow/notify/aliyun-sms';
 * aliyunRetryAfterMs('isv.BUSINESS_LIMIT_CONTROL', '触发小时级流控Permits:5'); // 3600000
 * ```
 * @category Notifications
 */
export function aliyunRetryAfterMs(code: string, message: string): number | undefined {
  if (code.startsWith('Throttling')) return 1_000;
  if (code !== 'isv.BUSINESS_LIMIT_CONTROL') return undefined;
  if (message.includes('天级')) return 86_400_000;
  if (message.includes('小时级')) return 3_600_000;
  return 60_000;
}

/**
 * The `OutId` sent for an idempotency key: the key itself when it is shorter than 256 bytes,
 * else `sha256:` + its hex digest. Stable per key, so `QuerySendDetails` can find a message by it.
 *
 * @example
 * ```ts
 * import { aliyunOutId } from 'leadflow/notify/aliyun-sms';
 * aliyunOutId('lead-1/sla.unassigned/1'); // 'lead-1/sla.unassigned/1'
 * ```
 * @category Notifications
 */
export function aliyunOutId(idempotencyKey: string): string {
  return keyOrDigest(idempotencyKey, 255);
}

/** The date Aliyun files a message under (China Standard Time, UTC+8, no DST), `yyyyMMdd`. */
function chinaDate(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

function defaultTemplateParams(message: NotifyMessage): Record<string, string> | undefined {
  const data = message.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      params[name] = String(value);
    }
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

function baseUrl(endpoint: string): { base: string; host: string } {
  const url = new URL(/^https?:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  return { base: `${url.protocol}//${url.host}`, host: url.host };
}

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown> | undefined;
}

interface Doubt {
  outId: string;
  dates: Set<string>;
  why: string;
  code?: string;
}

/**
 * Create a {@link Notifier} that sends each message as one Aliyun `SendSms` call to the mobile
 * numbers in `message.to` (mainland China, `13800000000` or `+8613800000000`; anything else is a
 * permanent failure before any request), with the configured signature and template and
 * `TemplateParam` from `templateParams(message)`.
 *
 * **Idempotency.** Aliyun documents `SendSms` as not idempotent (help.aliyun.com/document_detail/55284:
 * "不支持幂等" — on a timeout, check the receipt before retrying). So this notifier:
 * - sends `OutId` = the idempotency key ({@link aliyunOutId}), which Aliyun keeps on the record;
 * - remembers delivered keys (the last `rememberKeys`) and answers a repeat with
 *   `{ ok: true, duplicate: true }` without calling Aliyun; concurrent sends of one key share one
 *   call;
 * - treats an outcome it cannot know — a timeout or abort after the request left, a connection
 *   lost mid-answer, an HTTP 5xx, `isp.*`, an unreadable body — as **unknown**, never as "not
 *   sent": by default (`unknownOutcome: 'verify'`) a retryable failure whose next attempt looks
 *   the `OutId` up in `QuerySendDetails` for each number first and sends only to the numbers
 *   not found (a record found in any state counts as sent, as an `OK` answer would have);
 *   with `'fail'`, a permanent failure for a person to check. Failures that prove nothing was
 *   sent (connection refused, throttling, a rejected signature) are plain retryable or
 *   permanent failures.
 *
 * Why not "retry blindly": an escalation SMS sent twice to a supervisor is a small harm, but a
 * retry loop on a flaky network multiplies it and bills each one; why not "permanent" by
 * default: the SLA escalation must not be dropped for a timeout when one query can tell. The
 * memory is per process: after a restart an uncertain key is retried without the check (the
 * port's at-least-once caveat).
 *
 * Codes are sorted by {@link classifyAliyunSmsCode}; error texts read
 * `aliyun-sms: <Code> <Message> (HTTP <status>, RequestId <id>)`; the result carries the `Code`
 * as `providerCode` and `kind: 'config'` for codes of the host's setup.
 *
 * @example
 * ```ts
 * import { aliyunSmsNotifier } from 'leadflow/notify/aliyun-sms';
 * const sms = aliyunSmsNotifier({
 *   accessKeyId: process.env.ALIYUN_AK_ID ?? '',
 *   accessKeySecret: process.env.ALIYUN_AK_SECRET ?? '',
 *   signName: '线索助手',
 *   templateCode: 'SMS_465890123',
 * });
 * await sms.send({
 *   idempotencyKey: 'lead-1/sla.unassigned/1',
 *   channel: 'sms',
 *   to: ['13800000000'],
 *   text: '线索 lead-1 15 分钟未分配',
 *   data: { lead: 'lead-1', minutes: 15 },
 * });
 * ```
 * @category Notifications
 */
export function aliyunSmsNotifier(options: AliyunSmsNotifierOptions): Notifier {
  for (const field of ['accessKeyId', 'accessKeySecret', 'signName', 'templateCode'] as const) {
    if (typeof options[field] !== 'string' || options[field].length === 0) {
      throw new TypeError(`aliyunSmsNotifier: options.${field} must be a non-empty string`);
    }
  }
  const name = options.name ?? 'aliyun-sms';
  const { base, host } = baseUrl(options.endpoint ?? 'dysmsapi.aliyuncs.com');
  const doFetch = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const nonce = options.nonce ?? randomUUID;
  const templateParams = options.templateParams ?? defaultTemplateParams;
  const unknownOutcome = options.unknownOutcome ?? 'verify';
  const maxVerifyPages = Math.max(1, options.maxVerifyPages ?? 10);
  const rememberKeys = Math.max(1, options.rememberKeys ?? 10_000);
  const ledger = createDeliveryLedger(name, rememberKeys);
  const uncertain = new Map<string, Doubt>();

  function isoSeconds(ms: number): string {
    return `${new Date(ms).toISOString().slice(0, 19)}Z`;
  }

  async function call(
    action: 'SendSms' | 'QuerySendDetails',
    query: Record<string, string | undefined>,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    const signed = signAcs3({
      method: 'POST',
      host,
      action,
      version: '2017-05-25',
      query,
      date: isoSeconds(clock.now()),
      nonce: nonce(),
      accessKeyId: options.accessKeyId,
      accessKeySecret: options.accessKeySecret,
      ...(options.securityToken === undefined ? {} : { securityToken: options.securityToken }),
    });
    const response = await doFetch(`${base}/?${signed.queryString}`, {
      method: 'POST',
      headers: { ...signed.headers, accept: 'application/json' },
      redirect: 'manual',
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        body = parsed as Record<string, unknown>;
      }
    } catch {
      body = undefined;
    }
    return { status: response.status, text, body };
  }

  function describe(answer: Answer): string {
    const code = String(answer.body?.Code ?? '');
    const message = answer.body?.Message === undefined ? '' : ` ${String(answer.body.Message)}`;
    const requestId =
      answer.body?.RequestId === undefined ? '' : `, RequestId ${String(answer.body.RequestId)}`;
    return `${code}${message} (HTTP ${answer.status}${requestId})`;
  }

  function unknownResult(doubt: Doubt): NotifyResult {
    const text = `${name}: outcome unknown (${doubt.why}); SendSms is not idempotent`;
    const providerCode = doubt.code === undefined ? {} : { providerCode: doubt.code };
    return unknownOutcome === 'verify'
      ? {
          ok: false,
          retryable: true,
          kind: 'retryable',
          unknown: true,
          ...providerCode,
          error: `${text}, so the next attempt first looks for OutId "${doubt.outId}" in QuerySendDetails`,
        }
      : {
          ok: false,
          retryable: false,
          kind: 'permanent',
          unknown: true,
          ...providerCode,
          error: `${text}: look for OutId "${doubt.outId}" in QuerySendDetails before sending it again`,
        };
  }

  function failure(outcome: AliyunSmsOutcome, detail: string, code?: string): NotifyResult {
    if (outcome === 'retryable') {
      const retryAfterMs = code === undefined ? undefined : aliyunRetryAfterMs(code, detail);
      return notifyFailure(name, detail, true, { providerCode: code, retryAfterMs });
    }
    return notifyFailure(name, detail, false, {
      providerCode: code,
      kind: outcome === 'config' ? 'config' : 'permanent',
    });
  }

  /**
   * Which of `numbers` already have a record with the doubt's `OutId` on one of its dates.
   * A failed or inconclusive search is a result (nothing must be sent then).
   */
  async function verify(
    doubt: Doubt,
    numbers: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<Set<string> | NotifyResult> {
    const found = new Set<string>();
    for (const number of numbers) {
      let seen = false;
      let conclusive = true;
      for (const date of doubt.dates) {
        if (seen) break;
        for (let page = 1; page <= maxVerifyPages; page += 1) {
          let answer: Answer;
          try {
            answer = await call(
              'QuerySendDetails',
              { PhoneNumber: number, SendDate: date, PageSize: '50', CurrentPage: String(page) },
              signal,
            );
          } catch (error) {
            return {
              ok: false,
              retryable: true,
              error: `${name}: could not check an earlier unknown outcome (QuerySendDetails: ${errorText(error)}); nothing sent`,
            };
          }
          const code = typeof answer.body?.Code === 'string' ? answer.body.Code : undefined;
          if (code !== 'OK') {
            const outcome = code === undefined ? 'unknown' : classifyAliyunSmsCode(code, answer.status);
            const detail = `could not check an earlier unknown outcome (QuerySendDetails: ${code === undefined ? `HTTP ${answer.status} ${snippet(answer.text)}` : describe(answer)}); nothing sent`;
            return failure(outcome === 'config' ? 'config' : 'retryable', detail, code);
          }
          const container = answer.body?.SmsSendDetailDTOs as { SmsSendDetailDTO?: unknown } | undefined;
          const records = Array.isArray(container?.SmsSendDetailDTO) ? container.SmsSendDetailDTO : [];
          if (records.some((r) => (r as { OutId?: unknown } | null)?.OutId === doubt.outId)) {
            seen = true;
            break;
          }
          const total = Number(answer.body?.TotalCount ?? 0);
          if (!(page * 50 < total)) break;
          if (page === maxVerifyPages) conclusive = false;
        }
      }
      if (seen) found.add(number);
      else if (!conclusive) {
        return {
          ok: false,
          retryable: true,
          error: `${name}: could not check an earlier unknown outcome for ${number} (more than ${maxVerifyPages * 50} records a day); nothing sent`,
        };
      }
    }
    return found;
  }

  function rememberDoubt(key: string, doubt: Doubt): void {
    uncertain.delete(key);
    uncertain.set(key, doubt);
    while (uncertain.size > rememberKeys) {
      const oldest = uncertain.keys().next();
      if (oldest.done) break;
      uncertain.delete(oldest.value);
    }
  }

  async function attempt(
    message: NotifyMessage,
    reached: Map<string, string | undefined>,
    signal: AbortSignal | undefined,
  ): Promise<NotifyResult> {
    const key = message.idempotencyKey;
    const numbers: string[] = [];
    for (const raw of message.to) {
      const number = mainlandMobile(String(raw));
      if (number === undefined) {
        return {
          ok: false,
          retryable: false,
          error: `${name}: "${String(raw)}" is not a mainland China mobile number (11 digits 1[3-9]…, optionally +86)`,
        };
      }
      if (!numbers.includes(number)) numbers.push(number);
    }
    if (numbers.length === 0) return { ok: false, retryable: false, error: `${name}: no recipients` };
    if (numbers.length > 1000) {
      return {
        ok: false,
        retryable: false,
        error: `${name}: ${numbers.length} numbers, SendSms takes at most 1000`,
      };
    }
    let params: Readonly<Record<string, string | number | boolean>> | undefined;
    try {
      params = templateParams(message);
    } catch (error) {
      return { ok: false, retryable: false, error: `${name}: templateParams threw: ${errorText(error)}` };
    }
    const outId = aliyunOutId(key);

    const doubt = uncertain.get(key);
    if (doubt) {
      const verified = await verify(
        doubt,
        numbers.filter((n) => !reached.has(n)),
        signal,
      );
      if (!(verified instanceof Set)) return verified;
      for (const number of verified) reached.set(number, undefined);
      uncertain.delete(key);
    }
    const pending = numbers.filter((n) => !reached.has(n));
    if (pending.length === 0) return { ok: true, duplicate: true };

    const current: Doubt = { outId, dates: new Set([chinaDate(clock.now())]), why: '' };
    rememberDoubt(key, current);
    let answer: Answer;
    try {
      answer = await call(
        'SendSms',
        {
          PhoneNumbers: pending.join(','),
          SignName: options.signName,
          TemplateCode: options.templateCode,
          TemplateParam: params === undefined ? undefined : JSON.stringify(params),
          OutId: outId,
        },
        signal,
      );
    } catch (error) {
      if (fetchNeverSent(error) && !signal?.aborted) {
        uncertain.delete(key);
        return {
          ok: false,
          retryable: true,
          kind: 'retryable',
          error: `${name}: not sent (${errorText(error)})`,
        };
      }
      current.dates.add(chinaDate(clock.now()));
      current.why = signal?.aborted ? `aborted: ${errorText(signal.reason)}` : errorText(error);
      return unknownResult(current);
    }
    const code = typeof answer.body?.Code === 'string' ? answer.body.Code : undefined;
    if (code === undefined) {
      current.why = `HTTP ${answer.status}, unreadable answer: ${snippet(answer.text) || '(empty)'}`;
      return unknownResult(current);
    }
    const outcome = classifyAliyunSmsCode(code, answer.status);
    if (outcome === 'unknown') {
      current.why = describe(answer);
      current.code = code;
      return unknownResult(current);
    }
    uncertain.delete(key);
    if (outcome === 'ok') {
      const bizId = typeof answer.body?.BizId === 'string' ? answer.body.BizId : undefined;
      for (const number of pending) reached.set(number, bizId);
      return bizId === undefined ? { ok: true } : { ok: true, providerId: bizId };
    }
    return failure(outcome, describe(answer), code);
  }

  return {
    name,
    send(message: NotifyMessage, context?: NotifyContext): Promise<NotifyResult> {
      const signal = context?.signal;
      return ledger.run(message.idempotencyKey, signal, (reached) => attempt(message, reached, signal));
    },
  };
}
