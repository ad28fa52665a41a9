/**
 * Tencent Cloud API 3.0 signature v3, `TC3-HMAC-SHA256`, on `node:crypto`.
 *
 * The algorithm, as published in Tencent Cloud's "Signature v3" / 签名方法 v3 page, the same for
 * every API 3.0 product (e.g. https://www.tencentcloud.com/document/product/267/37447,
 * https://cloud.tencent.com/document/api/362/4208):
 *
 * ```
 * CanonicalRequest = "POST" \n "/" \n "" \n "content-type:<ct>\nhost:<host>\n" \n "content-type;host" \n hex(sha256(payload))
 * StringToSign     = "TC3-HMAC-SHA256" \n <timestamp> \n <UTC date>/<service>/tc3_request \n hex(sha256(CanonicalRequest))
 * SecretDate       = HMAC("TC3" + SecretKey, <UTC date>); SecretService = HMAC(SecretDate, service);
 * SecretSigning    = HMAC(SecretService, "tc3_request"); Signature = hex(HMAC(SecretSigning, StringToSign))
 * Authorization    = "TC3-HMAC-SHA256 Credential=<SecretId>/<scope>, SignedHeaders=content-type;host, Signature=<sig>"
 * ```
 *
 * The date is the UTC date of the timestamp (not the local one: a request signed at 00:30 in
 * Beijing carries the previous day).
 *
 * @module
 */
import { createHash, createHmac } from 'node:crypto';

/**
 * What {@link signTc3} signs: one POST of a JSON payload to a Tencent Cloud API 3.0 endpoint.
 *
 * @example
 * ```ts
 * import type { Tc3Request } from 'leadflow/notify/tencent-sms';
 * const request: Tc3Request = {
 *   secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
 *   secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
 *   service: 'sms',
 *   host: 'sms.tencentcloudapi.com',
 *   action: 'SendSms',
 *   version: '2021-01-11',
 *   region: 'ap-guangzhou',
 *   timestamp: 1551113065,
 *   payload: '{"PhoneNumberSet":["+8613800000000"]}',
 * };
 * ```
 * @category Notifications
 */
export interface Tc3Request {
  secretId: string;
  secretKey: string;
  /** Product, the first label of the endpoint (`sms`, `cvm`). */
  service: string;
  /** The `host` header (with `:port` when not the default). */
  host: string;
  /** `X-TC-Action`. */
  action: string;
  /** `X-TC-Version`. */
  version: string;
  /** `X-TC-Region`; left out when `undefined`. */
  region?: string;
  /** `X-TC-Timestamp`: Unix time in seconds. */
  timestamp: number;
  /** The request body exactly as sent. */
  payload: string;
  /** @default 'application/json; charset=utf-8' */
  contentType?: string;
  /** Temporary credentials' token, sent as `X-TC-Token`. */
  token?: string;
}

/**
 * The outcome of {@link signTc3}: the headers to send (`Authorization` included) and the
 * intermediate strings, for debugging and tests.
 *
 * @example
 * ```ts
 * import { signTc3, type Tc3Signed } from 'leadflow/notify/tencent-sms';
 * const payload = JSON.stringify({ SmsSdkAppId: '1400787878', Limit: 10, Offset: 0 });
 * const signed: Tc3Signed = signTc3({
 *   secretId: process.env.TENCENT_SECRET_ID ?? '',
 *   secretKey: process.env.TENCENT_SECRET_KEY ?? '',
 *   service: 'sms',
 *   host: 'sms.tencentcloudapi.com',
 *   action: 'DescribeSmsSignList',
 *   version: '2021-01-11',
 *   region: 'ap-guangzhou',
 *   timestamp: Math.floor(Date.now() / 1000),
 *   payload,
 * });
 * await fetch('https://sms.tencentcloudapi.com/', { method: 'POST', headers: signed.headers, body: payload });
 * ```
 * @category Notifications
 */
export interface Tc3Signed {
  /** Header names as Tencent documents them (`Authorization`, `X-TC-Action`, …) → values. */
  headers: Record<string, string>;
  authorization: string;
  canonicalRequest: string;
  stringToSign: string;
  /** `yyyy-MM-dd`, UTC. */
  date: string;
  /** Lowercase hex. */
  signature: string;
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * Sign a request with `TC3-HMAC-SHA256`. Pure: the timestamp is an input (checked in tests
 * against the published example).
 *
 * @example
 * ```ts
 * import { signTc3 } from 'leadflow/notify/tencent-sms';
 * const signed = signTc3({
 *   secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
 *   secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
 *   service: 'cvm',
 *   host: 'cvm.tencentcloudapi.com',
 *   action: 'DescribeInstances',
 *   version: '2017-03-12',
 *   region: 'ap-guangzhou',
 *   timestamp: 1551113065,
 *   payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
 * });
 * signed.signature; // '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168'
 * ```
 * @category Notifications
 */
export function signTc3(request: Tc3Request): Tc3Signed {
  if (!Number.isSafeInteger(request.timestamp) || request.timestamp < 0) {
    throw new TypeError(`signTc3: timestamp must be Unix seconds, got ${String(request.timestamp)}`);
  }
  const contentType = request.contentType ?? 'application/json; charset=utf-8';
  const date = new Date(request.timestamp * 1000).toISOString().slice(0, 10);
  const signedHeaders = 'content-type;host';
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${contentType.trim().toLowerCase()}\nhost:${request.host.trim().toLowerCase()}\n`,
    signedHeaders,
    sha256Hex(request.payload),
  ].join('\n');
  const scope = `${date}/${request.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${request.timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const secretDate = hmac(`TC3${request.secretKey}`, date);
  const secretService = hmac(secretDate, request.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  const authorization = `TC3-HMAC-SHA256 Credential=${request.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  const headers: Record<string, string> = {
    Authorization: authorization,
    'Content-Type': contentType,
    Host: request.host,
    'X-TC-Action': request.action,
    'X-TC-Timestamp': String(request.timestamp),
    'X-TC-Version': request.version,
  };
  if (request.region !== undefined) headers['X-TC-Region'] = request.region;
  if (request.token !== undefined) headers['X-TC-Token'] = request.token;
  return { headers, authorization, canonicalRequest, stringToSign, date, signature };
}
