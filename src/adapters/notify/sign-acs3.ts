/**
 * Alibaba Cloud (Aliyun) request signature V3, `ACS3-HMAC-SHA256`, on `node:crypto`.
 *
 * The algorithm, as published in "Request syntax and signature method V3"
 * (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature,
 * 中文: https://help.aliyun.com/document_detail/2593177.html):
 *
 * ```
 * CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
 * StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 * Signature        = hex(hmac_sha256(AccessKeySecret, StringToSign))
 * Authorization    = "ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h1;h2;…>,Signature=<sig>"
 * ```
 *
 * Signed headers are `host`, `content-type` (when present) and every `x-acs-*` header, lowercase,
 * sorted, values trimmed. Names and values in the query are RFC 3986 percent-encoded (space `%20`,
 * `*` `%2A`, `~` kept).
 *
 * @module
 */
import { createHash, createHmac } from 'node:crypto';

/**
 * What {@link signAcs3} signs: one HTTP request to an Alibaba Cloud API in RPC or ROA style.
 *
 * @example
 * ```ts
 * import type { Acs3Request } from 'leadflow/notify/aliyun-sms';
 * const request: Acs3Request = {
 *   method: 'POST',
 *   host: 'dysmsapi.aliyuncs.com',
 *   action: 'SendSms',
 *   version: '2017-05-25',
 *   query: { PhoneNumbers: '13800000000', SignName: '阿里云', TemplateCode: 'SMS_1' },
 *   date: '2026-03-02T01:00:00Z',
 *   nonce: '3156853299f313e23d1673dc12e1703d',
 *   accessKeyId: 'YourAccessKeyId',
 *   accessKeySecret: 'YourAccessKeySecret',
 * };
 * ```
 * @category Notifications
 */
export interface Acs3Request {
  /** HTTP method, upper case. */
  method: string;
  /** The `host` header, e.g. `dysmsapi.aliyuncs.com` (with `:port` when not the default). */
  host: string;
  /** Resource path. @default '/' (RPC style) */
  pathname?: string;
  /** `x-acs-action`, e.g. `SendSms`. */
  action: string;
  /** `x-acs-version`, e.g. `2017-05-25`. */
  version: string;
  /** Query parameters (RPC parameters `in: query`); `undefined` values are left out. */
  query?: Readonly<Record<string, string | undefined>>;
  /** Request body exactly as sent. @default '' */
  body?: string | Uint8Array;
  /** `content-type` of the body, signed when given. */
  contentType?: string;
  /** `x-acs-date`: UTC, ISO 8601 without milliseconds (`yyyy-MM-ddTHH:mm:ssZ`). */
  date: string;
  /** `x-acs-signature-nonce`: unique per request. */
  nonce: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token, sent and signed as `x-acs-security-token` when given. */
  securityToken?: string;
}

/**
 * The outcome of {@link signAcs3}: the headers to send (including `authorization`), the query
 * string to put in the URL (the canonical one, so what is sent is what was signed) and the
 * intermediate strings, for debugging and tests.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { signAcs3, type Acs3Signed } from 'leadflow/notify/aliyun-sms';
 * const signed: Acs3Signed = signAcs3({
 *   method: 'POST',
 *   host: 'dysmsapi.aliyuncs.com',
 *   action: 'QuerySendDetails',
 *   version: '2017-05-25',
 *   query: { PhoneNumber: '13800000000', SendDate: '20260302', PageSize: '50', CurrentPage: '1' },
 *   date: `${new Date().toISOString().slice(0, 19)}Z`,
 *   nonce: randomUUID(),
 *   accessKeyId: process.env.ALIYUN_AK_ID ?? '',
 *   accessKeySecret: process.env.ALIYUN_AK_SECRET ?? '',
 * });
 * await fetch(`https://dysmsapi.aliyuncs.com/?${signed.queryString}`, { method: 'POST', headers: signed.headers });
 * ```
 * @category Notifications
 */
export interface Acs3Signed {
  /** Lowercase header names → values, `authorization` included. */
  headers: Record<string, string>;
  /** Canonical (sorted, RFC 3986-encoded) query string, without `?`. */
  queryString: string;
  canonicalRequest: string;
  stringToSign: string;
  /** Lowercase hex. */
  signature: string;
}

/**
 * RFC 3986 percent-encoding as ACS3 wants it: unreserved characters (`A–Z a–z 0–9 - _ . ~`) kept,
 * everything else `%XX` of its UTF-8 bytes (space → `%20`, `*` → `%2A`).
 *
 * @example
 * ```ts
 * import { acs3Encode } from 'leadflow/notify/aliyun-sms';
 * acs3Encode("a b*c~'"); // 'a%20b%2Ac~%27'
 * ```
 * @category Notifications
 */
export function acs3Encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The canonical query string of ACS3: parameters sorted by name (code-unit order), names and
 * values {@link acs3Encode}d, joined with `&`; `undefined` values are left out.
 *
 * @example
 * ```ts
 * import { acs3CanonicalQuery } from 'leadflow/notify/aliyun-sms';
 * acs3CanonicalQuery({ RegionId: 'cn-shanghai', ImageId: 'a b' }); // 'ImageId=a%20b&RegionId=cn-shanghai'
 * ```
 * @category Notifications
 */
export function acs3CanonicalQuery(query: Readonly<Record<string, string | undefined>> = {}): string {
  return Object.keys(query)
    .filter((name) => query[name] !== undefined)
    .sort()
    .map((name) => `${acs3Encode(name)}=${acs3Encode(query[name] as string)}`)
    .join('&');
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Sign a request with `ACS3-HMAC-SHA256`. Pure: the date and nonce are inputs, so the same
 * inputs always give the same signature (checked in tests against the published example).
 *
 * @example
 * ```ts
 * import { signAcs3 } from 'leadflow/notify/aliyun-sms';
 * const signed = signAcs3({
 *   method: 'POST',
 *   host: 'ecs.cn-shanghai.aliyuncs.com',
 *   action: 'RunInstances',
 *   version: '2014-05-26',
 *   query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
 *   date: '2023-10-26T10:22:32Z',
 *   nonce: '3156853299f313e23d1673dc12e1703d',
 *   accessKeyId: 'YourAccessKeyId',
 *   accessKeySecret: 'YourAccessKeySecret',
 * });
 * signed.signature; // '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0'
 * ```
 * @category Notifications
 */
export function signAcs3(request: Acs3Request): Acs3Signed {
  const body = request.body ?? '';
  const hashedPayload = sha256Hex(body);
  const headers: Record<string, string> = {
    host: request.host,
    'x-acs-action': request.action,
    'x-acs-content-sha256': hashedPayload,
    'x-acs-date': request.date,
    'x-acs-signature-nonce': request.nonce,
    'x-acs-version': request.version,
  };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.securityToken !== undefined) headers['x-acs-security-token'] = request.securityToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${(headers[name] as string).trim()}\n`).join('');
  const signedHeaders = names.join(';');
  const queryString = acs3CanonicalQuery(request.query);
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.pathname ?? '/',
    queryString,
    canonicalHeaders,
    signedHeaders,
    hashedPayload,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', request.accessKeySecret).update(stringToSign).digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${request.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return { headers, queryString, canonicalRequest, stringToSign, signature };
}
