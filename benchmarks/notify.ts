/**
 * The 09:15 burst (issue 16): 10,000 reminders fall due in the same second — 9,000 for 50 WeCom
 * group robots (180 each; a robot takes 20 messages a minute) and 1,000 by SMS (one Aliyun
 * account: 100 `SendSms` a minute, one message a minute per number) — delivered by one engine
 * (`createEngine` with `channels`) to the loopback fakes of the WeCom robot API and of Aliyun's
 * Dysmsapi, over real HTTP on 127.0.0.1, in virtual time: the engine's pacer, the notifiers'
 * own limiters and the fakes' flow control all read one virtual clock, which `advanceTo` moves
 * from slot to slot, so ten minutes of rate limits take seconds.
 *
 *   paced    — the engine books a send slot per message (robot windows widened by 1 s for
 *              jitter, the SMS limits as the provider counts them); checked: every message
 *              delivered exactly once (each id once among the robots' and the SMS provider's
 *              deliveries), 0 rate-limit refusals by the fakes, every outbox row sent, and
 *              drain time (virtual: last delivery − 09:15:00) ≤ 1.1 × the minimum the limits
 *              allow (messages ÷ total allowed rate: 10,000 ÷ (50 × 20 + 100) per minute);
 *   digest   — the same burst with digest mode on the robots (60 s windows): what is due for a
 *              robot goes out as one markdown table; checked: every message in exactly one send,
 *              sends ≤ destinations × windows of the drain, nothing refused;
 *   baseline — the same burst without the engine's pacing: only each notifier's own guard
 *              (the robots' local 20/61 s limiter, which answers "retry after …") — every message
 *              over a limit is a failed attempt retried at the provider's hint. Reported beside
 *              the paced run: failed attempts and drain time.
 *
 * Exits non-zero when a check fails. Last line: one JSON object.
 */
import { aliyunSmsNotifier } from '../src/adapters/notify/aliyun-sms.js';
import type { Notifier } from '../src/adapters/notify/port.js';
import { wecomRobotNotifier } from '../src/adapters/notify/wecom-robot.js';
import type { OutboxEnqueue } from '../src/adapters/storage/port.js';
import { replayMemoryStorage } from '../src/adapters/storage/replay-memory.js';
import type { ChannelOptions } from '../src/engine/channels.js';
import { createEngine } from '../src/engine/engine.js';
import { deferralsOf } from '../src/engine/outbox.js';
import { parseTeam } from '../src/model/team.js';
import { chinaCalendar } from '../src/scheduler/calendar.js';
import { createVirtualClock } from '../src/scheduler/clock.js';
import { startAliyunSmsFake } from '../test/adapters/notify/fakes/aliyun-sms.js';
import { startWecomRobotFake } from '../test/adapters/notify/fakes/wecom-robot.js';
import { timeItAsync } from './_harness.js';

const T0 = Date.parse('2026-03-02T09:15:00+08:00');
const ROBOTS = 50;
const ROBOT_REMINDERS = 9_000;
const SMS_REMINDERS = 1_000;
const ROBOT_PER_MINUTE = 20;
const SMS_PER_MINUTE = 100;
const MAX_DRAIN_RATIO = 1.1;
const DIGEST_WINDOW_MS = 60_000;

const robotKey = (r: number) => `robot-key-${String(r).padStart(2, '0')}`;
const robotChannel = (r: number) => `board-${String(r).padStart(2, '0')}`;

/** 1,000 reps, each with a mobile number; robot r's group mentions the reps whose number ≡ r. */
const team = parseTeam({
  reps: Array.from({ length: SMS_REMINDERS }, (_, i) => ({
    id: `rep-${String(i).padStart(4, '0')}`,
    name: `销售${i}`,
    dailyCapacity: 50,
    contact: { mobile: `138${String(i).padStart(8, '0')}` },
  })),
  supervisors: [{ id: 'sup-1', name: '主管' }],
});

/** The reminders, as the engine's SLA steps enqueue them: all due at 09:15:00. */
function reminders(): OutboxEnqueue[] {
  const out: OutboxEnqueue[] = [];
  for (let i = 0; i < ROBOT_REMINDERS; i++) {
    const lead = `lead-${String(i).padStart(5, '0')}`;
    out.push({
      id: `${lead}:unopened-30m:0:breach:${robotChannel(i % ROBOTS)}:owner`,
      channel: robotChannel(i % ROBOTS),
      to: [`rep-${String(i % SMS_REMINDERS).padStart(4, '0')}`],
      createdAt: T0,
      nextAttemptAt: T0,
      payload: {
        subject: '线索未查看提醒',
        text: `您有一条线索「${lead}」分配后 30 分钟未查看。`,
        template: 'unopened-reminder',
        data: { leadId: lead, policyId: 'unopened-30m', phase: 'breach' },
      },
    });
  }
  for (let j = 0; j < SMS_REMINDERS; j++) {
    const lead = `lead-${String(ROBOT_REMINDERS + j).padStart(5, '0')}`;
    out.push({
      id: `${lead}:unassigned-15m:0:breach:sms:supervisor`,
      channel: 'sms',
      to: [`rep-${String(j).padStart(4, '0')}`],
      createdAt: T0,
      nextAttemptAt: T0,
      payload: {
        subject: '线索超时未分配',
        text: `线索「${lead}」已超过 15 分钟未分配。`,
        template: 'unassigned-escalation',
        data: { leadId: lead, minutes: 15 },
      },
    });
  }
  return out;
}

interface Run {
  wallSeconds: number;
  drainMs: number;
  /** Sends the providers accepted. */
  accepted: number;
  /** Rate-limit refusals by the providers. */
  refused: number;
  /** Failed attempts recorded by the outbox (any reason). */
  failedAttempts: number;
  /** Times a message was put back for its send slot (not failures). */
  deferrals: number;
  /** Messages per id among the providers' deliveries (digests expanded). */
  deliveredIds: Map<string, number>;
  rowsSent: number;
  rows: number;
  /** Sends per destination and digest window (digest run). */
  sendsPerWindow: Map<string, number>;
  destinations: number;
}

async function burst(mode: 'paced' | 'digest' | 'baseline'): Promise<Run> {
  const clock = createVirtualClock(T0);
  const now = () => clock.now();
  const robots = await startWecomRobotFake({
    keys: Array.from({ length: ROBOTS }, (_, r) => robotKey(r)),
    now,
    limitPerMinute: ROBOT_PER_MINUTE,
  });
  const sms = await startAliyunSmsFake({
    clock,
    limits: {
      total: { limit: SMS_PER_MINUTE, windowMs: 60_000 },
      perNumber: { limit: 1, windowMs: 60_000 },
    },
  });
  const deliveredIds = new Map<string, number>();
  const sendsPerWindow = new Map<string, number>();
  const count = (id: string) => deliveredIds.set(id, (deliveredIds.get(id) ?? 0) + 1);
  /** Count what a notifier got through (digests expanded to their messages). */
  const counting = (destination: string, inner: Notifier): Notifier => ({
    name: inner.name,
    ...(inner.sendLimits ? { sendLimits: inner.sendLimits } : {}),
    async send(message, context) {
      const result = await inner.send(message, context);
      if (result.ok && !result.duplicate) {
        const data = message.data as { digest?: boolean; messageIds?: string[] } | undefined;
        for (const id of data?.digest ? data.messageIds! : [message.idempotencyKey]) count(id);
        // A robot is one destination; an SMS number is one (the provider limit is on top).
        const where = destination === 'sms' ? `sms:${message.to.join(',')}` : destination;
        const window = `${where}@${Math.floor(clock.now() / DIGEST_WINDOW_MS)}`;
        sendsPerWindow.set(window, (sendsPerWindow.get(window) ?? 0) + 1);
      }
      return result;
    },
  });

  const channels: Record<string, ChannelOptions> = {};
  for (let r = 0; r < ROBOTS; r++) {
    const notifier = wecomRobotNotifier({
      key: robotKey(r),
      baseUrl: robots.url,
      now,
      name: robotChannel(r),
    });
    channels[robotChannel(r)] = {
      notifier: counting(robotChannel(r), notifier),
      group: true,
      address: ['mobile'],
      ...(mode === 'baseline' ? { limits: false as const } : {}),
      ...(mode === 'digest' ? { digest: { windowMs: DIGEST_WINDOW_MS } } : {}),
    };
  }
  const aliyun = aliyunSmsNotifier({
    accessKeyId: 'LTAI-test',
    accessKeySecret: 'test-secret',
    signName: '线索助手',
    templateCode: 'SMS_465890123',
    endpoint: sms.url,
    clock,
  });
  channels.sms = {
    notifier: counting('sms', aliyun),
    address: 'mobile',
    ...(mode === 'baseline'
      ? { limits: false as const }
      : {
          limits: [{ limit: 1, windowMs: 60_000 }],
          channelLimits: [{ limit: SMS_PER_MINUTE, windowMs: 60_000 }],
        }),
  };

  const storage = replayMemoryStorage();
  const engine = createEngine({
    ruleSet: { id: 'burst', version: '1', assignment: { rules: [] } },
    team,
    calendar: chinaCalendar({ years: [2026] }),
    clock,
    storage,
    channels,
    trace: false,
    delivery: { batchSize: 200, maxAttempts: 1_000, sendTimeoutMs: 30_000, leaseMs: 600_000 },
  });
  await storage.commit({ at: T0, outbox: reminders() });

  let lastDelivery = T0;
  const wallSeconds = await timeItAsync(async () => {
    await engine.deliver();
    for (let minute = 1; minute <= 120; minute++) {
      await engine.advanceTo(T0 + minute * 60_000);
      const pending = await storage.listOutbox({ status: 'pending', limit: 1 });
      if (pending.length === 0) break;
    }
  });
  const rows = await storage.listOutbox();
  for (const row of rows)
    if (row.sentAt !== undefined && row.sentAt > lastDelivery) lastDelivery = row.sentAt;
  // Claims beyond the first that were not deferrals: failed attempts.
  const failedAttempts = rows.reduce((sum, row) => sum + row.attempts - 1 - deferralsOf(row), 0);
  const deferrals = rows.reduce((sum, row) => sum + deferralsOf(row), 0);
  const run: Run = {
    wallSeconds,
    drainMs: lastDelivery - T0,
    accepted: robots.delivered.length + sms.deliveries(),
    refused: robots.rejected + sms.rejected,
    failedAttempts,
    deferrals,
    deliveredIds,
    rowsSent: rows.filter((row) => row.status === 'sent').length,
    rows: rows.length,
    sendsPerWindow,
    destinations: ROBOTS + SMS_REMINDERS,
  };
  await engine.stop();
  await robots.close();
  await sms.close();
  return run;
}

function exactlyOnce(run: Run, ids: readonly string[]): boolean {
  return ids.every((id) => run.deliveredIds.get(id) === 1) && run.deliveredIds.size === ids.length;
}

const ids = reminders().map((m) => m.id);
const totalPerMinute = ROBOTS * ROBOT_PER_MINUTE + SMS_PER_MINUTE;
const minimumMs = (ids.length / totalPerMinute) * 60_000;

const paced = await burst('paced');
const digest = await burst('digest');
const baseline = await burst('baseline');

const drainRatio = paced.drainMs / minimumMs;
const windows = Math.floor(digest.drainMs / DIGEST_WINDOW_MS) + 1;
const digestSends = [...digest.sendsPerWindow.values()].reduce((a, b) => a + b, 0);
const digestRobotSends = [...digest.sendsPerWindow]
  .filter(([where]) => where.startsWith('board-'))
  .reduce((sum, [, n]) => sum + n, 0);
const checks = {
  deliveredExactlyOnce: exactlyOnce(paced, ids),
  noRefusals: paced.refused === 0,
  allRowsSent: paced.rowsSent === ids.length,
  drainWithinBound: drainRatio <= MAX_DRAIN_RATIO,
  digestDeliveredExactlyOnce: exactlyOnce(digest, ids),
  digestNoRefusals: digest.refused === 0,
  digestWithinBound: digestSends <= digest.destinations * windows,
  digestOnePerWindow: [...digest.sendsPerWindow.values()].every((n) => n === 1),
};
const failed = Object.entries(checks).filter(([, ok]) => !ok);

console.log(
  `paced:    ${paced.accepted} sends, ${paced.refused} refused, ${paced.failedAttempts} failed attempts, ${paced.deferrals} deferrals to a slot, drained in ${(paced.drainMs / 1000).toFixed(0)} s of virtual time (minimum ${(minimumMs / 1000).toFixed(0)} s), ${paced.wallSeconds.toFixed(2)} s wall`,
);
console.log(
  `digest:   ${digestSends} sends for ${ids.length} reminders (the robots' ${ROBOT_REMINDERS} in ${digestRobotSends} tables) (${digest.destinations} destinations × ${windows} windows = ${digest.destinations * windows} allowed), ${digest.refused} refused, ${(digest.drainMs / 1000).toFixed(0)} s virtual, ${digest.wallSeconds.toFixed(2)} s wall`,
);
console.log(
  `baseline: no engine pacing — ${baseline.failedAttempts} failed attempts, ${baseline.refused} refused by the providers, drained in ${(baseline.drainMs / 1000).toFixed(0)} s virtual, ${baseline.wallSeconds.toFixed(2)} s wall`,
);
if (failed.length > 0) console.error(`FAILED: ${failed.map(([name]) => name).join(', ')}`);

const round = (value: number) => Number(value.toPrecision(4));
console.log(
  JSON.stringify({
    name: 'notify',
    delivered: [...paced.deliveredIds.values()].filter((n) => n === 1).length,
    rejected: paced.refused,
    drainRatio: round(drainRatio),
    drainSeconds: round(paced.drainMs / 1000),
    minimumSeconds: round(minimumMs / 1000),
    failedAttempts: paced.failedAttempts,
    deferrals: paced.deferrals,
    wallSeconds: round(paced.wallSeconds),
    digestSends,
    digestRobotSends,
    digestBound: digest.destinations * windows,
    digestDelivered: [...digest.deliveredIds.values()].filter((n) => n === 1).length,
    digestRejected: digest.refused,
    baselineFailedAttempts: baseline.failedAttempts,
    baselineRejected: baseline.refused,
    baselineDrainSeconds: round(baseline.drainMs / 1000),
    ok: failed.length === 0,
  }),
);
process.exit(failed.length === 0 ? 0 : 1);
