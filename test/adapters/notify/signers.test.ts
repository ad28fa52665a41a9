import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { acs3CanonicalQuery, acs3Encode, signAcs3 } from '../../../src/adapters/notify/sign-acs3.js';
import { signTc3 } from '../../../src/adapters/notify/sign-tc3.js';
import { acs3ExpectedSignature } from './fakes/aliyun-sms.js';
import { tc3ExpectedSignature } from './fakes/tencent-sms.js';

describe('ACS3-HMAC-SHA256 (Aliyun signature V3)', () => {
  // The worked example of "Request syntax and signature method V3", section "Signature examples →
  // Fixed parameter values" (every input and expected value copied from the page):
  // https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
  // (中文: https://help.aliyun.com/document_detail/2593177.html).
  const published = {
    method: 'POST',
    host: 'ecs.cn-shanghai.aliyuncs.com',
    action: 'RunInstances',
    version: '2014-05-26',
    query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    date: '2023-10-26T10:22:32Z',
    nonce: '3156853299f313e23d1673dc12e1703d',
    accessKeyId: 'YourAccessKeyId',
    accessKeySecret: 'YourAccessKeySecret',
  };

  it("reproduces the published example's canonical request, string to sign, signature and Authorization", () => {
    const signed = signAcs3(published);
    expect(signed.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(signed.stringToSign).toBe(
      'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
    expect(signed.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    expect(signed.headers.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('encodes as the page says: space %20, * %2A, ~ kept', () => {
    expect(acs3Encode('a b*c~d')).toBe('a%20b%2Ac~d');
    expect(acs3Encode("!'()")).toBe('%21%27%28%29');
    expect(acs3CanonicalQuery({ b: '2', a: '1', skip: undefined })).toBe('a=1&b=2');
  });

  test.prop([
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      {
        maxKeys: 6,
      },
    ),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.string({ minLength: 1, maxLength: 30 }),
  ])('for any query and body, the server-side recomputation accepts the signature', (query, body, secret) => {
    const signed = signAcs3({ ...published, query, body, accessKeySecret: secret });
    const expected = acs3ExpectedSignature({
      method: 'POST',
      pathname: '/',
      rawQuery: signed.queryString,
      header: (name) => signed.headers[name] ?? '',
      signedHeaders: signed.headers.authorization?.match(/SignedHeaders=([^,]+)/)?.[1] ?? '',
      body: Buffer.from(body, 'utf8'),
      secret,
    });
    expect(signed.signature).toBe(expected);
  });
});

describe('TC3-HMAC-SHA256 (Tencent Cloud signature v3)', () => {
  // The worked example of Tencent Cloud's "Signature v3" page (CVM DescribeInstances in
  // Guangzhou, SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, timestamp 1551113065; inputs and
  // expected values copied from the page's text), which every API 3.0 product documents in the
  // same words, e.g. https://www.tencentcloud.com/document/product/267/37447 and the SMS API docs
  // (https://www.tencentcloud.com/document/product/382). The current Chinese page (签名方法 v3,
  // e.g. https://cloud.tencent.com/document/api/362/4208) prints the key masked as
  // Gu5t9xGARNpq86cd98joQYCN3******* in its demo code; what that demo prints for the literal
  // masked key, 2230eefd…, is checked too (it is the value public TC3 implementations test against).
  const payload = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
  const published = {
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
    secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    service: 'cvm',
    host: 'cvm.tencentcloudapi.com',
    action: 'DescribeInstances',
    version: '2017-03-12',
    region: 'ap-guangzhou',
    timestamp: 1551113065,
    payload,
  };

  it("reproduces the published example's canonical request, string to sign, signature and Authorization", () => {
    const signed = signTc3(published);
    expect(signed.canonicalRequest).toBe(
      'POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
    );
    expect(signed.stringToSign).toBe(
      'TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    );
    expect(signed.date).toBe('2019-02-25');
    expect(signed.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(signed.authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
    expect(signed.headers).toMatchObject({
      'X-TC-Action': 'DescribeInstances',
      'X-TC-Timestamp': '1551113065',
      'X-TC-Version': '2017-03-12',
      'X-TC-Region': 'ap-guangzhou',
    });
  });

  it('reproduces the Chinese page, signed with the masked key as printed', () => {
    const signed = signTc3({ ...published, secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******' });
    expect(signed.signature).toBe('2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c');
  });

  it('uses the UTC date of the timestamp (2019-02-26 00:44:25 in Beijing is 2019-02-25)', () => {
    expect(signTc3(published).date).toBe('2019-02-25');
    expect(() => signTc3({ ...published, timestamp: 1551113065.5 })).toThrow(TypeError);
  });

  test.prop([
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.integer({ min: 0, max: 4_102_444_800 }),
    fc.string({ minLength: 1, maxLength: 40 }),
  ])(
    'for any payload and time, the server-side recomputation accepts the signature',
    (body, timestamp, key) => {
      const signed = signTc3({ ...published, payload: body, timestamp, secretKey: key });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
      const expected = tc3ExpectedSignature({
        method: 'POST',
        path: '/',
        query: '',
        header: (name) => headers[name] ?? '',
        signedHeaders: 'content-type;host',
        payload: Buffer.from(body, 'utf8'),
        timestamp: String(timestamp),
        date: new Date(timestamp * 1000).toISOString().slice(0, 10),
        service: 'cvm',
        secretKey: key,
      });
      expect(signed.signature).toBe(expected);
    },
  );
});
