import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { NotifyMessage } from '../../../src/adapters/notify/port.js';
import {
  type WecomAppNotifierOptions,
  wecomAppBody,
  wecomAppNotifier,
} from '../../../src/adapters/notify/wecom-app.js';
import { runNotifierContract } from '../../../src/testing/notifier-contract.js';
import { startWecomAppFake, type WecomAppFake } from './fakes/wecom-app.js';

const APP = { corpId: 'ww2e0000000000000a', corpSecret: 'app-secret-1', agentId: 1000002 };
const USERS = ['rep-1', 'ZhangSan', 'lisi', 'wangwu'];

runNotifierContract(
  'wecomAppNotifier (loopback WeCom API)',
  async () => {
    const fake = await startWecomAppFake({ ...APP, users: USERS });
    onTestFinished(() => fake.close());
    return {
      notifier: wecomAppNotifier({ ...APP, baseUrl: fake.url }),
      deliveries: () => fake.delivered.length,
      stall: () => fake.server.stall(),
    };
  },
  { channel: 'wecom', to: ['rep-1'] },
);

let open: WecomAppFake[] = [];
afterEach(async () => {
  await Promise.all(open.map((f) => f.close()));
  open = [];
});

async function setup(fakeOptions: { now?: () => number; tokenTtlSeconds?: number } = {}) {
  const fake = await startWecomAppFake({ ...APP, users: USERS, ...fakeOptions });
  open.push(fake);
  const notifier = (options: Partial<WecomAppNotifierOptions> = {}) =>
    wecomAppNotifier({ ...APP, baseUrl: fake.url, ...options });
  return { fake, notifier };
}

let counter = 0;
const message = (extra: Partial<NotifyMessage> = {}): NotifyMessage => ({
  idempotencyKey: `wecom-app-${++counter}`,
  channel: 'wecom',
  to: ['ZhangSan'],
  text: '线索 L-1 已分配给你，30 分钟内未打开',
  ...extra,
});

describe('wecomAppNotifier: access token', () => {
  it('fetches one token for many sends, concurrent ones included', async () => {
    const { fake, notifier } = await setup();
    const n = notifier();
    const results = await Promise.all(Array.from({ length: 5 }, () => n.send(message())));
    for (const r of results) expect(r).toMatchObject({ ok: true });
    await n.send(message());
    expect(fake.tokensIssued).toBe(1);
    expect(fake.server.requests.filter((r) => r.url.pathname === '/cgi-bin/gettoken')).toHaveLength(1);
  });

  it('fetches a new token before expires_in runs out (minus the margin), on the injected clock', async () => {
    let t = Date.parse('2025-02-05T09:00:00+08:00');
    const now = () => t;
    const { fake, notifier } = await setup({ now });
    const n = notifier({ now });
    await n.send(message());
    t += (7200 - 301) * 1000; // still inside expires_in − 300 s
    await n.send(message());
    expect(fake.server.requests.filter((r) => r.url.pathname === '/cgi-bin/gettoken')).toHaveLength(1);
    t += 2_000; // inside the margin: fetched again, before WeCom would answer 42001
    await n.send(message());
    expect(fake.server.requests.filter((r) => r.url.pathname === '/cgi-bin/gettoken')).toHaveLength(2);
  });

  it('a token WeCom expired (42001) is fetched again once and the send retried', async () => {
    let serverTime = Date.parse('2025-02-05T09:00:00+08:00');
    const { fake, notifier } = await setup({ now: () => serverTime });
    const n = notifier({ now: () => Date.parse('2025-02-05T09:00:00+08:00') }); // our clock stands still
    expect(await n.send(message())).toMatchObject({ ok: true });
    serverTime += 7_300_000; // past the token's life on WeCom's clock
    expect(await n.send(message())).toMatchObject({ ok: true });
    expect(fake.tokensIssued).toBe(2);
    const codes = fake.server.requests.map((r) => r.url.pathname);
    expect(codes).toEqual([
      '/cgi-bin/gettoken',
      '/cgi-bin/message/send',
      '/cgi-bin/message/send', // → 42001
      '/cgi-bin/gettoken',
      '/cgi-bin/message/send',
    ]);
  });

  it('a revoked token (40014) is refreshed once; a token rejected again is not refreshed in a loop', async () => {
    const { fake, notifier } = await setup();
    const n = notifier();
    await n.send(message());
    fake.revokeTokens();
    expect(await n.send(message())).toMatchObject({ ok: true });
    expect(fake.tokensIssued).toBe(2);

    fake.server.fail(
      { json: { errcode: 40014, errmsg: 'invalid access_token' } },
      { times: 5, path: '/cgi-bin/message/send' },
    );
    const result = await n.send(message());
    expect(result).toMatchObject({ ok: false, retryable: true });
    if (!result.ok) expect(result.error).toMatch(/40014.*still after fetching a new token/);
    expect(fake.server.requests.filter((r) => r.url.pathname === '/cgi-bin/gettoken')).toHaveLength(3);
  });

  it('a wrong corp id or secret is a permanent configuration error; gettoken faults are retryable', async () => {
    const { notifier, fake } = await setup();
    for (const options of [{ corpId: 'ww-wrong' }, { corpSecret: 'wrong' }]) {
      const result = await notifier(options).send(message());
      expect(result).toMatchObject({ ok: false, retryable: false, kind: 'config' });
      if (!result.ok) expect(result.error).toMatch(/^wecom-app gettoken: errcode 400(13|01) .*check corpId/);
    }
    const n = notifier();
    fake.server.fail('http-503', { path: '/cgi-bin/gettoken' });
    expect(await n.send(message())).toMatchObject({ ok: false, retryable: true });
    fake.server.fail('malformed-json', { path: '/cgi-bin/gettoken' });
    expect(await n.send(message())).toMatchObject({ ok: false, retryable: true });
    fake.server.fail(
      { json: { errcode: 60020, errmsg: 'not allow to access from your ip' } },
      { path: '/cgi-bin/gettoken' },
    );
    expect(await n.send(message())).toMatchObject({ ok: false, retryable: false });
    expect(await n.send(message())).toMatchObject({ ok: true });
  });

  it('a send that gives up during a hung token fetch settles at once; the next send fetches again', async () => {
    const { fake, notifier } = await setup();
    const n = notifier({ timeoutMs: 200 });
    fake.server.fail('hang', { path: '/cgi-bin/gettoken' });
    const controller = new AbortController();
    const stuck = n.send(message(), { signal: controller.signal });
    const waiting = n.send(message()); // no signal: waits for the same fetch, bounded by timeoutMs
    controller.abort(new Error('outbox send timeout'));
    expect(await stuck).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('wecom-app: aborted (outbox send timeout)'),
    });
    expect(await waiting).toMatchObject({ ok: false, retryable: true });
    expect(await n.send(message())).toMatchObject({ ok: true });
    expect(fake.tokensIssued).toBe(1);
  });
});

describe('wecomAppNotifier: recipients', () => {
  it('sends to user ids joined by |; invalid ones are reported (case-insensitively) while the rest get it', async () => {
    const { fake, notifier } = await setup();
    const result = await notifier().send(message({ to: ['ZhangSan', 'left-the-company', 'LISI'] }));
    expect(result).toMatchObject({
      ok: true,
      rejected: [{ recipient: 'left-the-company', reason: 'invalid user (invaliduser)' }],
    });
    expect(result.ok && result.providerId).toBe(fake.delivered[0]?.msgid);
    expect(fake.delivered[0]?.to).toEqual(['ZhangSan', 'lisi']);
    expect(fake.delivered[0]?.body.touser).toBe('ZhangSan|left-the-company|LISI');
  });

  it('every recipient invalid (81013) is a permanent failure naming them', async () => {
    const { fake, notifier } = await setup();
    const result = await notifier().send(message({ to: ['ghost-1', 'ghost-2'] }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    if (!result.ok) expect(result.error).toMatch(/81013.*ghost-1, ghost-2/);
    expect(fake.delivered).toHaveLength(0);
  });

  it('errcode 0 with every recipient in invaliduser/unlicenseduser is a permanent failure too', async () => {
    const { fake, notifier } = await setup();
    fake.server.fail(
      { json: { errcode: 0, errmsg: 'ok', invaliduser: 'zhangsan', unlicenseduser: 'lisi', msgid: 'm1' } },
      { path: '/cgi-bin/message/send' },
    );
    expect(await notifier().send(message({ to: ['ZhangSan', 'lisi'] }))).toMatchObject({
      ok: false,
      retryable: false,
    });
  });

  it('refuses an empty or oversized recipient list without calling WeCom', async () => {
    const { fake, notifier } = await setup();
    const n = notifier();
    expect(await n.send(message({ to: [] }))).toMatchObject({ ok: false, retryable: false });
    const many = Array.from({ length: 1001 }, (_, i) => `u${i}`);
    expect(await n.send(message({ to: many }))).toMatchObject({ ok: false, retryable: false });
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('wecomAppNotifier: duplicate check', () => {
  it('asks WeCom to deduplicate (enable_duplicate_check, interval 1800 s by default, at most 4 h)', async () => {
    const { fake, notifier } = await setup();
    await notifier().send(message());
    await notifier({ duplicateCheckIntervalSeconds: 14_400 }).send(message());
    expect(
      fake.delivered.map((d) => [d.body.enable_duplicate_check, d.body.duplicate_check_interval]),
    ).toEqual([
      [1, 1800],
      [1, 14_400],
    ]);
    expect(() => notifier({ duplicateCheckIntervalSeconds: 14_401 })).toThrow(RangeError);
    expect(() => notifier({ duplicateCheckIntervalSeconds: 0 })).toThrow(RangeError);
  });

  it('the same key sent by two processes (two notifiers) reaches people once: WeCom drops the repeat', async () => {
    const { fake, notifier } = await setup();
    const m = message();
    expect(await notifier().send(m)).toMatchObject({ ok: true });
    expect(await notifier().send({ ...m })).toMatchObject({ ok: true });
    expect(fake.delivered).toHaveLength(1);
    expect(fake.duplicatesDropped).toBe(1);
  });

  it('two different keys with the same text and recipients both arrive (the key marker tells them apart)', async () => {
    const { fake, notifier } = await setup();
    const n = notifier();
    await n.send(message({ text: '线索等待处理' }));
    await n.send(message({ text: '线索等待处理' }));
    expect(fake.delivered).toHaveLength(2);
    expect(fake.delivered[0]?.content.startsWith('线索等待处理')).toBe(true);
    expect(fake.delivered[0]?.content).not.toBe(fake.delivered[1]?.content);

    const bare = notifier({ keyMarker: false });
    await bare.send(message({ text: '同一句话' }));
    await bare.send(message({ text: '同一句话' }));
    expect(fake.duplicatesDropped).toBe(1); // without the marker WeCom collapses them
  });

  it('markdown for markdown texts, the subject as a first line; duplicate check off on request', () => {
    const body = wecomAppBody(
      message({ idempotencyKey: 'k', to: ['a', 'b'], subject: '待跟进', text: '**L-1** 已等待 24 小时' }),
      { agentId: 7, keyMarker: false, duplicateCheck: false },
    );
    expect(body).toEqual({
      touser: 'a|b',
      msgtype: 'markdown',
      agentid: 7,
      markdown: { content: '**待跟进**\n**L-1** 已等待 24 小时' },
      enable_duplicate_check: 0,
    });
  });
});

describe('wecomAppNotifier: errors', () => {
  it('45009 retryable with a minute hint; 60020 and 40056 configuration errors; 5xx and malformed JSON retryable', async () => {
    const { fake, notifier } = await setup();
    const n = notifier();
    const send = '/cgi-bin/message/send';
    fake.server.fail({ json: { errcode: 45009, errmsg: 'api freq out of limit' } }, { path: send });
    const limited = await n.send(message());
    expect(limited).toMatchObject({ ok: false, retryable: true });
    if (!limited.ok) expect(limited.retryAfterMs).toBe(60_000);
    fake.server.fail(
      { json: { errcode: 60020, errmsg: 'not allow to access from your ip' } },
      { path: send },
    );
    expect(await n.send(message())).toMatchObject({ ok: false, retryable: false });
    expect(await notifier({ agentId: 99 }).send(message())).toMatchObject({ ok: false, retryable: false });
    for (const fault of ['http-500', 'malformed-json', 'reset'] as const) {
      fake.server.fail(fault, { path: send });
      expect(await n.send(message()), fault).toMatchObject({ ok: false, retryable: true });
    }
  });
});
