/**
 * SMS through Tencent Cloud SMS `SendSms` (API version 2021-01-11), signed with
 * TC3-HMAC-SHA256, on Node's global `fetch`.
 *
 * @module
 */
import { type Clock, systemClock } from '../../scheduler/clock.js';
import { notifyFailure } from './http.js';
import {
  createDeliveryLedger,
  errorText,
  fetchNeverSent,
  keyOrDigest,
  mainlandMobile,
  type ReachedRecipients,
  snippet,
} from './notifier-kit.js';
import type { Notifier, NotifyContext, NotifyMessage, NotifyResult } from './port.js';
import { signTc3 } from './sign-tc3.js';

export { signTc3, type Tc3Request, type Tc3Signed } from './sign-tc3.js';

/**
 * Options of {@link tencentSmsNotifier}.
 *
 * @example
 * ```ts
 * import type { TencentSmsNotifierOptions } from 'leadflow/notify/tencent-sms';
 * const options: TencentSmsNotifierOptions = {
 *   secretId: process.env.TENCENT_SECRET_ID ?? '',
 *   secretKey: process.env.TENCENT_SECRET_KEY ?? '',
 *   smsSdkAppId: '1400787878',
 *   signName: '线索助手',
 *   templateId: '449739',
 *   templateParams: (m) => [m.text.slice(0, 20)],
 * };
 * ```
 * @category Notifications
 */
export interface TencentSmsNotifierOptions {
  secretId: string;
  secretKey: string;
  /** Token of temporary credentials (`X-TC-Token`). */
  token?: string;
  /** The SMS application's `SmsSdkAppId`, e.g. `1400787878`. */
  smsSdkAppId: string;
  /** Approved signature content (`SignName`; required for mainland China). */
  signName: string;
  /** Approved template id (`TemplateId`). */
  templateId: string;
  /**
   * The template's positional variables (`TemplateParamSet`, strings) for a message.
   * @default `message.data` as strings when it is an array; the string, number and boolean
   * values of `message.data` in key order when it is an object; otherwise none
   */
  templateParams?: (message: NotifyMessage) => readonly string[] | undefined;
  /** `X-TC-Region`. @default 'ap-guangzhou' */
  region?: string;
  /**
   * API endpoint: a host (HTTPS) or a base URL (`http://127.0.0.1:8080`).
   * @default 'sms.tencentcloudapi.com'
   */
  endpoint?: string;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Source of `X-TC-Timestamp` (Tencent refuses a skew of more than 5 minutes). @default systemClock */
  clock?: Clock;
  /** Name reported by `notifier.name` and prefixed to error texts. @default 'tencent-sms' */
  name?: string;
  /** How many delivered keys to remember. @default 10000 */
  rememberKeys?: number;
}

/**
 * How {@link classifyTencentSmsCode} sorts a Tencent Cloud error or per-number status code:
 * delivered, worth retrying later, never going to work, the host's configuration (permanent,
 * worth an alert), or unknown (the request may have been processed).
 *
 * @example
 * ```ts
 * import type { TencentSmsOutcome } from 'leadflow/notify/tencent-sms';
 * const alert = (o: TencentSmsOutcome) => o === 'config';
 * ```
 * @category Notifications
 */
export type TencentSmsOutcome = 'ok' | 'retryable' | 'permanent' | 'config' | 'unknown';

const CONFIG_CODES = /* @__PURE__ */ (() =>
  new Set([
    'FailedOperation.SignatureIncorrectOrUnapproved',
    'FailedOperation.TemplateIncorrectOrUnapproved',
    'FailedOperation.InsufficientBalanceInSmsPackage',
    'FailedOperation.MissingSignature',
    'FailedOperation.MissingTemplateToModify',
  ]))();

/**
 * Sort a Tencent Cloud SMS code (a request's `Error.Code` or a number's `SendStatusSet[].Code`)
 * into a {@link TencentSmsOutcome}: `Ok` → ok; `LimitExceeded.*` (per-number frequency and
 * daily limits), `RequestLimitExceeded*` → retryable; `InternalError*` → unknown;
 * `AuthFailure.*` (wrong SecretId, signature, a clock more than 5 minutes off),
 * `UnauthorizedOperation.*`, an unapproved signature or template, an empty balance → config;
 * everything else (`FailedOperation.*`, `InvalidParameterValue.*`, …) → permanent. Codes from
 * https://cloud.tencent.com/document/api/382/55981 and /52075.
 *
 * @example
 * ```ts
 * import { classifyTencentSmsCode } from 'leadflow/notify/tencent-sms';
 * classifyTencentSmsCode('LimitExceeded.PhoneNumberOneHourLimit'); // 'retryable'
 * classifyTencentSmsCode('FailedOperation.PhoneNumberInBlacklist'); // 'permanent'
 * ```
 * @category Notifications
 */
export function classifyTencentSmsCode(code: string): TencentSmsOutcome {
  if (code === 'Ok') return 'ok';
  if (code.startsWith('LimitExceeded') || code.startsWith('RequestLimitExceeded')) return 'retryable';
  if (code.startsWith('InternalError')) return 'unknown';
  if (code.startsWith('AuthFailure') || code.startsWith('UnauthorizedOperation') || CONFIG_CODES.has(code)) {
    return 'config';
  }
  return 'permanent';
}

/**
 * How long to wait after a retryable Tencent code: the per-number limits name their window
 * (`…ThirtySecondLimit` 30 s, `…OneHourLimit` an hour, `…DailyLimit` a day);
 * `RequestLimitExceeded*` (the API's own frequency) a second.
 *
 * @example
 * ```ts
 * import { tencentRetryAfterMs } from 'leadflow/notify/tencent-sms';
 * tencentRetryAfterMs('LimitExceeded.PhoneNumberThirtySecondLimit'); // 30000
 * ```
 * @category Notifications
 */
export function tencentRetryAfterMs(code: string): number | undefined {
  if (code.startsWith('RequestLimitExceeded')) return 1_000;
  if (!code.startsWith('LimitExceeded')) return undefined;
  if (code.includes('ThirtySecond')) return 30_000;
  if (code.includes('OneHour')) return 3_600_000;
  if (code.includes('Daily')) return 86_400_000;
  return 60_000;
}

/**
 * The `SessionContext` sent for an idempotency key: the key itself when it fits Tencent's 512
 * bytes, else `sha256:` + its hex digest. Tencent echoes it in the answer and in delivery
 * receipts.
 *
 * @example
 * ```ts
 * import { tencentSessionContext } from 'leadflow/notify/tencent-sms';
 * tencentSessionContext('lead-1/sla.unassigned/1'); // 'lead-1/sla.unassigned/1'
 * ```
 * @category Notifications
 */
export function tencentSessionContext(idempotencyKey: string): string {
  return keyOrDigest(idempotencyKey, 512);
}

function defaultTemplateParams(message: NotifyMessage): string[] | undefined {
  const data = message.data;
  const scalar = (value: unknown): value is string | number | boolean =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  if (Array.isArray(data)) return data.filter(scalar).map(String);
  if (typeof data === 'object' && data !== null) return Object.values(data).filter(scalar).map(String);
  return undefined;
}

interface SendStatus {
  SerialNo?: string;
  PhoneNumber?: string;
  Code?: string;
  Message?: string;
}

/**
 * Create a {@link Notifier} that sends each message as one Tencent Cloud `SendSms` call to the
 * mobile numbers in `message.to` (mainland China, `13800000000` or `+8613800000000`, sent as
 * E.164 `+86…`; anything else is a permanent failure before any request), with the configured
 * application, signature and template and `TemplateParamSet` from `templateParams(message)`.
 *
 * **Per-number results.** Tencent answers one `SendStatusSet` entry per number. Numbers answered
 * `Ok` are remembered for the key and never sent again; if others failed with a retryable code
 * (`LimitExceeded.*`), the send is a retryable failure and its retry goes only to the numbers
 * not reached; if only permanent codes remain (`FailedOperation.*`, `InvalidParameterValue.*`),
 * a success listing them in `rejected` when other numbers were reached, else a permanent failure
 * naming each number and its code.
 *
 * **Idempotency.** `SessionContext` = the idempotency key ({@link tencentSessionContext}),
 * echoed in receipts; delivered keys are remembered (the last `rememberKeys`) and a repeat is
 * answered `{ ok: true, duplicate: true }` without a request; concurrent sends of one key share
 * one call. Tencent offers no way to look a message up by `SessionContext` before its receipt
 * arrives, so an unknown outcome (a timeout or abort after the request left, a lost connection,
 * a 5xx, `InternalError*`, an unreadable answer) is reported as a **retryable** failure saying
 * so: the retry may deliver a second copy. Failures that prove nothing was sent (connection
 * refused, a request-level error such as `AuthFailure.*`) carry no such risk.
 *
 * @example
 * ```ts
 * import { tencentSmsNotifier } from 'leadflow/notify/tencent-sms';
 * const sms = tencentSmsNotifier({
 *   secretId: process.env.TENCENT_SECRET_ID ?? '',
 *   secretKey: process.env.TENCENT_SECRET_KEY ?? '',
 *   smsSdkAppId: '1400787878',
 *   signName: '线索助手',
 *   templateId: '449739',
 * });
 * await sms.send({
 *   idempotencyKey: 'lead-1/sla.unassigned/1',
 *   channel: 'sms',
 *   to: ['+8613800000000'],
 *   text: '线索 lead-1 15 分钟未分配',
 *   data: ['lead-1', '15'],
 * });
 * ```
 * @category Notifications
 */
export function tencentSmsNotifier(options: TencentSmsNotifierOptions): Notifier {
  for (const field of ['secretId', 'secretKey', 'smsSdkAppId', 'signName', 'templateId'] as const) {
    if (typeof options[field] !== 'string' || options[field].length === 0) {
      throw new TypeError(`tencentSmsNotifier: options.${field} must be a non-empty string`);
    }
  }
  const name = options.name ?? 'tencent-sms';
  const endpoint = options.endpoint ?? 'sms.tencentcloudapi.com';
  const url = new URL(/^https?:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  const base = `${url.protocol}//${url.host}/`;
  const region = options.region ?? 'ap-guangzhou';
  const doFetch = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const templateParams = options.templateParams ?? defaultTemplateParams;
  const ledger = createDeliveryLedger(name, options.rememberKeys ?? 10_000);

  const unknown = (why: string, code?: string): NotifyResult => ({
    ok: false,
    retryable: true,
    kind: 'retryable',
    unknown: true,
    ...(code === undefined ? {} : { providerCode: code }),
    error: `${name}: outcome unknown (${why}); SendSms is not idempotent, so a retry may deliver a second copy`,
  });

  function requestFailure(code: string, message: string, requestId: string): NotifyResult {
    const outcome = classifyTencentSmsCode(code);
    const detail = `${code} ${message}${requestId ? ` (RequestId ${requestId})` : ''}`;
    if (outcome === 'unknown') return unknown(detail, code);
    if (outcome === 'retryable' || outcome === 'ok') {
      return notifyFailure(name, detail, true, {
        providerCode: code,
        retryAfterMs: tencentRetryAfterMs(code),
      });
    }
    return notifyFailure(name, detail, false, {
      providerCode: code,
      kind: outcome === 'config' ? 'config' : 'permanent',
    });
  }

  async function attempt(
    message: NotifyMessage,
    reached: ReachedRecipients,
    signal: AbortSignal | undefined,
  ): Promise<NotifyResult> {
    const numbers: string[] = [];
    for (const raw of message.to) {
      const digits = mainlandMobile(String(raw));
      if (digits === undefined) {
        return {
          ok: false,
          retryable: false,
          error: `${name}: "${String(raw)}" is not a mainland China mobile number (11 digits 1[3-9]…, optionally +86)`,
        };
      }
      if (!numbers.includes(`+86${digits}`)) numbers.push(`+86${digits}`);
    }
    if (numbers.length === 0) return { ok: false, retryable: false, error: `${name}: no recipients` };
    if (numbers.length > 200) {
      return {
        ok: false,
        retryable: false,
        error: `${name}: ${numbers.length} numbers, SendSms takes at most 200`,
      };
    }
    let params: readonly string[] | undefined;
    try {
      params = templateParams(message);
    } catch (error) {
      return { ok: false, retryable: false, error: `${name}: templateParams threw: ${errorText(error)}` };
    }
    const pending = numbers.filter((n) => !reached.has(n));
    if (pending.length === 0) return { ok: true, duplicate: true };

    const payload = JSON.stringify({
      PhoneNumberSet: pending,
      SmsSdkAppId: options.smsSdkAppId,
      SignName: options.signName,
      TemplateId: options.templateId,
      TemplateParamSet: [...(params ?? [])].map(String),
      SessionContext: tencentSessionContext(message.idempotencyKey),
    });
    const signed = signTc3({
      secretId: options.secretId,
      secretKey: options.secretKey,
      service: 'sms',
      host: url.host,
      action: 'SendSms',
      version: '2021-01-11',
      region,
      timestamp: Math.floor(clock.now() / 1000),
      payload,
      ...(options.token === undefined ? {} : { token: options.token }),
    });

    let status: number;
    let text: string;
    try {
      const response = await doFetch(base, {
        method: 'POST',
        headers: signed.headers,
        body: payload,
        redirect: 'manual',
        ...(signal ? { signal } : {}),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (fetchNeverSent(error) && !signal?.aborted) {
        return {
          ok: false,
          retryable: true,
          kind: 'retryable',
          error: `${name}: not sent (${errorText(error)})`,
        };
      }
      return unknown(signal?.aborted ? `aborted: ${errorText(signal.reason)}` : errorText(error));
    }
    let body: {
      Response?: {
        Error?: { Code?: unknown; Message?: unknown };
        SendStatusSet?: unknown;
        RequestId?: unknown;
      };
    };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return unknown(`HTTP ${status}, unreadable answer: ${snippet(text) || '(empty)'}`);
    }
    const answer = body?.Response;
    const requestId = typeof answer?.RequestId === 'string' ? answer.RequestId : '';
    if (answer?.Error && typeof answer.Error.Code === 'string') {
      return requestFailure(answer.Error.Code, String(answer.Error.Message ?? ''), requestId);
    }
    if (status >= 500 || !Array.isArray(answer?.SendStatusSet)) {
      return unknown(`HTTP ${status}: ${snippet(text) || '(empty)'}`);
    }

    const statuses = answer.SendStatusSet as SendStatus[];
    const retry: string[] = [];
    const retryCodes: string[] = [];
    const permanent: { number: string; line: string; code: string; config: boolean }[] = [];
    let unknownNumbers = 0;
    for (const number of pending) {
      const entry = statuses.find((s) => s?.PhoneNumber === number);
      if (!entry || typeof entry.Code !== 'string') {
        unknownNumbers += 1;
        retry.push(`${number} (no status in the answer)`);
        continue;
      }
      const outcome = classifyTencentSmsCode(entry.Code);
      if (outcome === 'ok') {
        reached.set(number, typeof entry.SerialNo === 'string' ? entry.SerialNo : undefined);
      } else {
        const line = `${number} ${entry.Code} ${String(entry.Message ?? '')}`.trim();
        if (outcome === 'retryable' || outcome === 'unknown') {
          retry.push(line);
          retryCodes.push(entry.Code);
        } else permanent.push({ number, line, code: entry.Code, config: outcome === 'config' });
      }
    }
    const reachedNow = numbers.filter((n) => reached.has(n));
    const reachedText = reachedNow.length > 0 ? `; reached ${reachedNow.join(', ')} (not sent again)` : '';
    const requestText = requestId ? ` (RequestId ${requestId})` : '';
    if (retry.length > 0) {
      const risk =
        unknownNumbers > 0 ? '; a retry may deliver a second copy to numbers without a status' : '';
      const also =
        permanent.length > 0 ? `; permanently failed: ${permanent.map((p) => p.line).join('; ')}` : '';
      const hints = retryCodes.map(tencentRetryAfterMs).filter((ms): ms is number => ms !== undefined);
      return {
        ok: false,
        retryable: true,
        kind: 'retryable',
        ...(retryCodes[0] === undefined ? {} : { providerCode: retryCodes[0] }),
        ...(hints.length > 0 ? { retryAfterMs: Math.min(...hints) } : {}),
        ...(unknownNumbers > 0 ? { unknown: true } : {}),
        error: `${name}: ${retry.length} of ${numbers.length} numbers to retry: ${retry.join('; ')}${also}${reachedText}${risk}${requestText}`,
      };
    }
    const serials = numbers.map((n) => reached.get(n)).filter((s): s is string => typeof s === 'string');
    const providerId = serials.length > 0 ? { providerId: serials.join(',') } : {};
    if (permanent.length > 0) {
      // Partly delivered: a success naming the numbers that never will be reached.
      if (reachedNow.length > 0) {
        return {
          ok: true,
          ...providerId,
          rejected: permanent.map((p) => ({
            recipient: message.to.find((raw) => `+86${mainlandMobile(String(raw))}` === p.number) ?? p.number,
            reason: p.line.slice(p.number.length + 1) + (p.config ? ' (configuration)' : ''),
          })),
        };
      }
      const config = permanent.every((p) => p.config);
      return {
        ok: false,
        retryable: false,
        kind: config ? 'config' : 'permanent',
        providerCode: permanent[0]!.code,
        error: `${name}: ${permanent.length} of ${numbers.length} numbers failed: ${permanent.map((p) => p.line).join('; ')}${requestText}`,
      };
    }
    return { ok: true, ...providerId };
  }

  return {
    name,
    send(message: NotifyMessage, context?: NotifyContext): Promise<NotifyResult> {
      const signal = context?.signal;
      return ledger.run(message.idempotencyKey, signal, (reached) => attempt(message, reached, signal));
    },
  };
}
