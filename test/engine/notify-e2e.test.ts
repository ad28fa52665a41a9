/**
 * Every notifier driven through the engine's outbox end to end: a lead is ingested with
 * `createEngine`, its 30-minute "unopened" SLA breaches on a virtual clock, the outbox resolves
 * the owner's address from the team's contacts and the channel's notifier sends it to a real
 * loopback server implementing the provider's API — with the provider's faults injected (rate
 * limits, an expired token, an invalid webhook, 5xx, timeouts, malformed JSON, refused
 * recipients). The fakes and the notifiers read the same virtual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aliyunSmsNotifier } from '../../src/adapters/notify/aliyun-sms.js';
import { dingtalkRobotNotifier } from '../../src/adapters/notify/dingtalk-robot.js';
import { emailNotifier } from '../../src/adapters/notify/email.js';
import { feishuRobotNotifier } from '../../src/adapters/notify/feishu-robot.js';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import type { Notifier } from '../../src/adapters/notify/port.js';
import { tencentSmsNotifier } from '../../src/adapters/notify/tencent-sms.js';
import { webhookNotifier } from '../../src/adapters/notify/webhook.js';
import { wecomAppNotifier } from '../../src/adapters/notify/wecom-app.js';
import { wecomRobotNotifier } from '../../src/adapters/notify/wecom-robot.js';
import type { ChannelOptions } from '../../src/engine/channels.js';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineEvents } from '../../src/engine/events.js';
import { parseTeam } from '../../src/model/team.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { createVirtualClock } from '../../src/scheduler/clock.js';
import { startAliyunSmsFake } from '../adapters/notify/fakes/aliyun-sms.js';
import { startDingtalkRobotFake } from '../adapters/notify/fakes/dingtalk-robot.js';
import { startFeishuRobotFake } from '../adapters/notify/fakes/feishu-robot.js';
import { startSmtpFake } from '../adapters/notify/fakes/smtp.js';
import { startTencentSmsFake } from '../adapters/notify/fakes/tencent-sms.js';
import { startWebhookReceiver } from '../adapters/notify/fakes/webhook-receiver.js';
import { startWecomAppFake } from '../adapters/notify/fakes/wecom-app.js';
import { startWecomRobotFake } from '../adapters/notify/fakes/wecom-robot.js';
import { calendar, MIN, rawLead, shanghai } from './helpers.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
function closing<T extends { close(): Promise<void> | void }>(thing: T): T {
  cleanup.push(() => thing.close());
  return thing;
}

/** Every lead goes to rep-a; 30 minutes unopened (wall time) → a reminder on `channel`, else SMS. */
function ruleSet(channel: string): RuleSetInput {
  return {
    id: 'e2e',
    version: '1',
    assignment: { rules: [{ id: 'all-to-a', strategy: { type: 'owner', repId: 'rep-a' } }] },
    sla: {
      policies: [
        {
          id: 'unopened-30m',
          entity: 'lead',
          startOn: ['lead.assigned'],
          stopOn: ['lead.opened'],
          target: '30m',
          clock: 'wall',
          onBreach: [
            {
              type: 'notify',
              channel,
              to: 'owner',
              template: 'unopened-reminder',
              includeBehaviourSnapshot: true,
            },
          ],
        },
      ],
    },
    routing: { kinds: {}, fallbacks: { [channel]: ['sms'] } },
  };
}

/** The zhikong team with room for many leads a day; rep-a: mobile 13800138001, WeCom ZhangWei. */
const team = parseTeam({
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep) => ({ ...rep, dailyCapacity: 200 })),
});

function engineFor(
  channel: string,
  channels: Record<string, ChannelOptions | Notifier>,
  extra: Partial<Parameters<typeof createEngine>[0]> = {},
) {
  const clock =
    (extra.clock as ReturnType<typeof createVirtualClock> | undefined) ??
    createVirtualClock(shanghai('2026-03-02T10:00:00'));
  const sms = memoryNotifier({ name: 'sms-fallback' });
  const engine = createEngine({
    ruleSet: ruleSet(channel),
    team,
    calendar,
    clock,
    channels: { sms, ...channels },
    links: ({ kind, id }) => `https://crm.example.com/${kind}s/${id}`,
    ...extra,
  });
  cleanup.push(() => engine.stop());
  const heard: { name: string; payload: unknown }[] = [];
  for (const name of [
    'delivery.configError',
    'delivery.dead',
    'delivery.forwarded',
    'delivery.undeliverable',
  ] as (keyof EngineEvents)[]) {
    engine.on(name, (payload) => heard.push({ name, payload }));
  }
  return { engine, clock, sms, heard };
}

let phone = 0;
async function leads(engine: ReturnType<typeof createEngine>, at: number, count = 1): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = await engine.ingest(
      rawLead(at, {
        company: { name: `苏州精工${i}` },
        contact: { phone: `1391${String(++phone).padStart(7, '0')}` },
      }),
    );
    expect(result.status).toBe('accepted');
  }
}

describe('WeCom group robot through the engine', () => {
  it('mentions the owner by mobile; 25 reminders due at once for a 20/min robot: all delivered, none refused', async () => {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const fake = closing(await startWecomRobotFake({ keys: ['robot-key'], now: () => clock.now() }));
    const board = wecomRobotNotifier({ key: 'robot-key', baseUrl: fake.url, now: () => clock.now() });
    const { engine, heard } = engineFor(
      'board',
      { board: { notifier: board, group: true, address: ['mobile'] } },
      { clock },
    );
    await leads(engine, clock.now(), 25);
    await engine.advanceTo(clock.now() + 35 * MIN);
    expect(fake.delivered).toHaveLength(25);
    expect(fake.rejected).toBe(0);
    const first = fake.delivered[0]!.body as {
      msgtype: string;
      text: { content: string; mentioned_mobile_list: string[] };
    };
    expect(first.msgtype).toBe('text');
    expect(first.text.mentioned_mobile_list).toEqual(['13800138001']);
    expect(first.text.content).toContain('分配后 30 分钟 未查看');
    expect(first.text.content).toContain('查看详情：https://crm.example.com/leads/lead-');
    // 20 in the first minute, the rest when the robot's window allows.
    const times = fake.delivered.map((d) => d.at);
    expect(times.filter((t) => t === times[0]).length).toBe(20);
    expect(heard).toEqual([]);
  });

  it('an invalid webhook (93000) is a configuration error: the host is told, the reminder goes by SMS', async () => {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const fake = closing(await startWecomRobotFake({ keys: ['other-key'], now: () => clock.now() }));
    const board = wecomRobotNotifier({ key: 'robot-key', baseUrl: fake.url, now: () => clock.now() });
    const { engine, sms, heard } = engineFor(
      'board',
      { board: { notifier: board, group: true, address: ['mobile'] } },
      { clock },
    );
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 35 * MIN);
    expect(heard.map((h) => h.name)).toEqual(['delivery.configError', 'delivery.forwarded']);
    expect(heard[0]!.payload).toMatchObject({ channel: 'board', providerCode: '93000' });
    expect(sms.sent.map((m) => m.to)).toEqual([['13800138001']]);
    expect(await engine.deadLetters()).toEqual([]); // delivered through its copy
  });
});

describe('WeCom application message through the engine', () => {
  async function setup() {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const fake = closing(
      await startWecomAppFake({
        corpId: 'ww-corp',
        corpSecret: 'app-secret',
        agentId: 1000002,
        users: ['ZhangWei', 'LiNa'],
        now: () => clock.now(),
        tokenTtlSeconds: 7200,
      }),
    );
    const wecom = wecomAppNotifier({
      corpId: 'ww-corp',
      corpSecret: 'app-secret',
      agentId: 1000002,
      baseUrl: fake.url,
      now: () => clock.now(),
    });
    return { fake, ...engineFor('wecom', { wecom }, { clock }) };
  }

  it('sends to the owner’s WeCom id; a token revoked early (40014) is fetched again once and the send retried', async () => {
    const { clock, fake, engine } = await setup();
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 35 * MIN);
    fake.revokeTokens();
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 35 * MIN);
    expect(fake.delivered.map((d) => d.to)).toEqual([['ZhangWei'], ['ZhangWei']]);
    expect(fake.tokensIssued).toBe(2);
  });

  it('a recipient WeCom does not know (invaliduser) is sent on by SMS; the message counts as delivered', async () => {
    const { clock, fake, engine, sms, heard } = await setup();
    await engine.storage.commit({
      at: clock.now(),
      outbox: [
        {
          id: 'broadcast-1',
          channel: 'wecom',
          to: ['rep-a', 'rep-c'], // WangQiang is not a member of this corporation
          payload: { text: '今日线索分配规则已更新', template: 'notice' },
        },
      ],
    });
    await engine.deliver();
    await engine.deliver();
    expect(fake.delivered.map((d) => d.to)).toEqual([['ZhangWei']]);
    expect(sms.sent.map((m) => [m.idempotencyKey, m.to])).toEqual([
      ['broadcast-1>sms~rejected', ['13800138003']],
    ]);
    expect(heard.map((h) => h.name)).toEqual(['delivery.forwarded']);
  });
});

describe('DingTalk robot through the engine', () => {
  it('signed; an HTTP 503 is retried with backoff and the reminder delivered once', async () => {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const fake = closing(
      await startDingtalkRobotFake({
        robots: [{ accessToken: 'ding-token', secret: 'SECsecret' }],
        now: () => clock.now(),
      }),
    );
    const dingtalk = dingtalkRobotNotifier({
      accessToken: 'ding-token',
      secret: 'SECsecret',
      baseUrl: fake.url,
      now: () => clock.now(),
    });
    const { engine } = engineFor(
      'dingtalk',
      { dingtalk: { notifier: dingtalk, group: true, address: ['mobile'] } },
      { clock },
    );
    fake.server.fail('http-503');
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 40 * MIN);
    expect(fake.delivered).toHaveLength(1);
    expect((fake.delivered[0]!.body as { at: { atMobiles: string[] } }).at.atMobiles).toEqual([
      '13800138001',
    ]);
    const [row] = await engine.storage.listOutbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(row?.lastError).toMatch(/^\[retryable HTTP 503\] dingtalk-robot: HTTP 503/);
  });
});

describe('Feishu bot through the engine', () => {
  it('signed card; a malformed JSON answer is an unknown outcome, retried, delivered once', async () => {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const fake = closing(
      await startFeishuRobotFake({
        bots: [{ hookId: 'hook-1', secret: 'feishu-secret' }],
        now: () => clock.now(),
      }),
    );
    const feishu = feishuRobotNotifier({
      hookId: 'hook-1',
      secret: 'feishu-secret',
      baseUrl: fake.url,
      now: () => clock.now(),
    });
    const { engine } = engineFor(
      'feishu',
      { feishu: { notifier: feishu, group: true, address: 'id' } },
      { clock },
    );
    fake.server.fail('malformed-json');
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 40 * MIN);
    expect(fake.delivered).toHaveLength(1);
    const [row] = await engine.storage.listOutbox();
    expect(row?.status).toBe('sent');
    expect(row?.lastError).toMatch(/^\[retryable, outcome unknown\] feishu-robot: malformed JSON answer/);
  });
});

describe('Aliyun SMS through the engine', () => {
  it('a send that times out after Aliyun accepted it is looked up by OutId, not sent twice', async () => {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const fake = closing(await startAliyunSmsFake({ clock }));
    const aliyun = aliyunSmsNotifier({
      accessKeyId: 'LTAI-test',
      accessKeySecret: 'test-secret',
      signName: '线索助手',
      templateCode: 'SMS_465890123',
      endpoint: fake.url,
      clock,
    });
    const { engine } = engineFor(
      'aliyun',
      { aliyun: { notifier: aliyun, address: 'mobile' } },
      {
        clock,
        delivery: { sendTimeoutMs: 300, leaseMs: 60_000 },
      },
    );
    fake.queue({ hang: true, accept: true });
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 40 * MIN);
    expect(fake.deliveries()).toBe(1);
    expect(fake.sent.map((s) => s.phone)).toEqual(['13800138001']);
    const [row] = await engine.storage.listOutbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(row?.lastError).toMatch(/outcome unknown/);
    expect(fake.requests.map((r) => r.action)).toEqual(['SendSms', 'QuerySendDetails']);
  });
});

describe('Tencent Cloud SMS through the engine', () => {
  it('a per-number frequency limit waits the limit’s 30 s (no earlier), then delivers', async () => {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const fake = closing(await startTencentSmsFake({ clock, templates: { '449739': 0 } }));
    const tencent = tencentSmsNotifier({
      secretId: 'AKID-test',
      secretKey: 'test-key',
      smsSdkAppId: '1400787878',
      signName: '线索助手',
      templateId: '449739',
      templateParams: () => [],
      endpoint: fake.url,
      clock,
    });
    const { engine } = engineFor(
      'tencent',
      { tencent: { notifier: tencent, address: 'mobile' } },
      {
        clock,
        delivery: { backoff: () => 1_000 },
      },
    );
    fake.rejectNumber(
      '+8613800138001',
      'LimitExceeded.PhoneNumberThirtySecondLimit',
      '单个手机号30秒内下发短信条数超过设定的上限',
    );
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 30 * MIN);
    const [row] = await engine.storage.listOutbox();
    expect(row).toMatchObject({ status: 'pending', nextAttemptAt: clock.now() + 30_000 });
    expect(row?.lastError).toMatch(/^\[retryable LimitExceeded\.PhoneNumberThirtySecondLimit\]/);
    fake.allowNumber('+8613800138001');
    await engine.advanceTo(clock.now() + 29_999);
    expect(fake.deliveries()).toBe(0);
    await engine.advanceTo(clock.now() + 1);
    expect(fake.sent.map((s) => s.phone)).toEqual(['+8613800138001']);
  });
});

describe('E-mail through the engine', () => {
  it('a mailbox refused for good (550): the others get the mail once, the refused recipient goes on by SMS', async () => {
    const smtp = closing(await startSmtpFake());
    const email = emailNotifier({
      smtp: { host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true },
      from: '线索助手 <leadflow@example.com>',
    });
    cleanup.push(() => email.close());
    const { engine, clock, heard, sms } = engineFor(
      'email',
      { email },
      {
        team: parseTeam({
          ...team,
          supervisors: [{ ...team.supervisors[0]!, contact: { email: 'boss@example.com' } }],
        }),
      },
    );
    smtp.rejectRecipient('zhangwei@zhikong.example.cn', 550, '5.1.1 user unknown');
    await engine.storage.commit({
      at: clock.now(),
      outbox: [
        {
          id: 'weekly',
          channel: 'email',
          to: ['rep-a', 'sup-wang'],
          payload: { text: '周报', subject: '销售周报' },
        },
      ],
    });
    await engine.deliver();
    await engine.deliver();
    expect(smtp.messages.map((m) => m.to)).toEqual([['boss@example.com']]);
    expect(heard.map((h) => h.payload)).toEqual([
      expect.objectContaining({ messageId: 'weekly', copyId: 'weekly>sms~rejected', recipients: ['rep-a'] }),
    ]);
    expect(sms.sent.map((m) => m.to)).toEqual([['13800138001']]);
    const [row] = await engine.storage.listOutbox({ limit: 1 });
    expect(row).toMatchObject({
      status: 'sent',
      result: {
        rejected: [
          { recipient: 'rep-a', reason: expect.stringMatching(/^EENVELOPE 550 5\.1\.1 user unknown/) },
        ],
      },
    });
  });
});

describe('Signed webhook through the engine', () => {
  it('429 with Retry-After: the retry comes no earlier than asked, verified by standardwebhooks', async () => {
    const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
    const secret = `whsec_${Buffer.from('a-secret-of-32-bytes-for-testing!').toString('base64')}`;
    const hook = closing(await startWebhookReceiver({ secret, clock }));
    const webhook = webhookNotifier({ url: hook.url, secret, clock });
    const { engine } = engineFor(
      'crm',
      { crm: { notifier: webhook, address: 'id' } },
      {
        clock,
        delivery: { backoff: () => 1_000 },
      },
    );
    hook.respond({ status: 429, headers: { 'retry-after': '120' } });
    await leads(engine, clock.now());
    await engine.advanceTo(clock.now() + 30 * MIN);
    expect(hook.events).toHaveLength(0);
    const due = (await engine.storage.listOutbox())[0]!.nextAttemptAt;
    expect(due).toBe(clock.now() + 120_000);
    await engine.advanceTo(due);
    expect(hook.events).toHaveLength(1);
    expect(hook.events[0]!.payload).toMatchObject({
      type: 'unopened-reminder',
      data: { to: ['rep-a'], data: { link: expect.stringMatching(/^https:\/\/crm\.example\.com\/leads\//) } },
    });
  });
});
