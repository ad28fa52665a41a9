import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { Notifier, NotifyMessage, NotifyResult } from '../../src/adapters/notify/port.js';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import type { OutboxEnqueue } from '../../src/adapters/storage/port.js';
import { createOutboxRouting } from '../../src/engine/channels.js';
import { deliverOutbox } from '../../src/engine/outbox.js';
import { createSendPacer } from '../../src/engine/pacing.js';
import { parseTeam } from '../../src/model/team.js';

const T0 = Date.parse('2026-03-02T09:15:00+08:00');

describe('createSendPacer', () => {
  const limitArb = fc.record({
    limit: fc.integer({ min: 1, max: 6 }),
    windowMs: fc.integer({ min: 1, max: 5_000 }),
  });
  const stepArb = fc.record({
    gap: fc.integer({ min: 0, max: 3_000 }),
    destinations: fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
  });

  test.prop([
    fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.array(limitArb, { minLength: 1, maxLength: 2 })),
    fc.array(stepArb, { maxLength: 120 }),
  ])(
    'never books more than a limit into any window, and never leaves a slot idle that it could have used',
    (limitsOf, steps) => {
      const pacer = createSendPacer({ lateMs: 0 });
      const booked = new Map<string, number[]>();
      let now = T0;
      steps.forEach((step, i) => {
        now += step.gap;
        const destinations = step.destinations
          .filter((key) => limitsOf[key])
          .map((key) => ({ key, limits: limitsOf[key]! }));
        const slot = pacer.book(`m${i}`, destinations, now);
        expect(slot).toBeGreaterThanOrEqual(now);
        for (const { key } of destinations) booked.set(key, [...(booked.get(key) ?? []), slot]);
        if (slot > now) {
          // Tight: the slot is where some window of some destination frees up.
          const frees = destinations.some(({ key, limits }) =>
            limits.some((l) => (booked.get(key) ?? []).some((t) => t + l.windowMs === slot)),
          );
          expect(frees).toBe(true);
        }
      });
      for (const [key, times] of booked) {
        const sorted = [...times].sort((x, y) => x - y);
        for (const l of limitsOf[key] ?? []) {
          for (let i = 0; i + l.limit < sorted.length; i++) {
            // Any limit + 1 sends span at least a window.
            expect(sorted[i + l.limit]! - sorted[i]!).toBeGreaterThanOrEqual(l.windowMs);
          }
        }
      }
    },
  );
});

const team = parseTeam({
  reps: ['a', 'b', 'c', 'd'].map((id, i) => ({
    id,
    name: id.toUpperCase(),
    dailyCapacity: 8,
    // d has no WeCom id; c has no mobile.
    contact: {
      ...(id === 'd' ? {} : { wecomId: `W${id}` }),
      ...(id === 'c' ? {} : { mobile: `1380013800${i}` }),
    },
  })),
});

/** A channel notifier failing as `script` says for each send, recording deliveries per key. */
function scripted(name: string, script: (m: NotifyMessage, n: number) => NotifyResult) {
  const deliveries = new Map<string, number>();
  let calls = 0;
  const notifier: Notifier = {
    name,
    async send(m) {
      const result = script(m, ++calls);
      if (result.ok && !result.duplicate)
        deliveries.set(m.idempotencyKey, (deliveries.get(m.idempotencyKey) ?? 0) + 1);
      return result;
    },
  };
  return { notifier, deliveries };
}

const outcomeArb = fc.constantFrom<'ok' | 'retry' | 'hint' | 'permanent' | 'config' | 'partial'>(
  'ok',
  'ok',
  'ok',
  'retry',
  'hint',
  'permanent',
  'config',
  'partial',
);

describe('routed delivery', () => {
  test.prop(
    [
      fc.array(
        fc.record({
          channel: fc.constantFrom('wecom', 'sms'),
          to: fc.subarray(['a', 'b', 'c', 'd', 'ghost'], { minLength: 1 }),
        }),
        { minLength: 1, maxLength: 25 },
      ),
      fc.array(outcomeArb, { minLength: 1, maxLength: 40 }),
      fc.boolean(),
    ],
    { numRuns: 150 },
  )(
    'every message ends sent or dead with a reason; every recipient is reached, carried on or reported',
    async (specs, outcomes, withFallback) => {
      const storage = memoryStorage();
      const make = (name: string) =>
        scripted(name, (m, n) => {
          switch (outcomes[(n - 1) % outcomes.length]) {
            case 'retry':
              return { ok: false, retryable: true, error: `${name}: HTTP 503` };
            case 'hint':
              return { ok: false, retryable: true, retryAfterMs: 90_000, error: `${name}: busy` };
            case 'permanent':
              return { ok: false, retryable: false, error: `${name}: refused` };
            case 'config':
              return { ok: false, retryable: false, kind: 'config', error: `${name}: bad key` };
            case 'partial':
              return m.to.length > 1
                ? { ok: true, rejected: [{ recipient: m.to[0]!, reason: 'invalid user' }] }
                : { ok: true };
            default:
              return { ok: true };
          }
        });
      const wecom = make('wecom');
      const sms = make('sms');
      const routing = createOutboxRouting({
        channels: {
          wecom: { notifier: wecom.notifier, limits: [{ limit: 3, windowMs: 60_000 }], limitPer: 'channel' },
          sms: sms.notifier,
        },
        team,
        fallbacks: withFallback
          ? new Map([
              ['wecom', ['sms']],
              ['sms', ['wecom']],
            ])
          : new Map(),
      });
      const enqueued: OutboxEnqueue[] = specs.map((spec, i) => ({
        id: `m${String(i).padStart(2, '0')}`,
        channel: spec.channel,
        to: spec.to,
        payload: { text: `t${i}` },
      }));
      await storage.commit({ at: T0, outbox: enqueued });
      const reported = new Map<string, Set<string>>();
      let now = T0;
      for (let round = 0; round < 400; round++) {
        const result = await deliverOutbox({
          storage,
          notifier: () => undefined,
          now,
          routing,
          maxAttempts: 4,
          backoff: () => 30_000,
          sendTimeoutMs: 1_000,
        });
        for (const o of result.outcomes) {
          for (const u of o.undeliverable ?? []) {
            const set = reported.get(o.id) ?? new Set();
            set.add(u.recipient);
            reported.set(o.id, set);
          }
        }
        const pending = await storage.listOutbox({ status: 'pending' });
        if (pending.length === 0) break;
        now = Math.max(now + 1, Math.min(...pending.map((m) => m.nextAttemptAt)));
      }
      const rows = await storage.listOutbox();
      for (const row of rows) {
        expect(['sent', 'dead']).toContain(row.status);
        if (row.status === 'dead') expect(row.lastError ?? '').not.toBe('');
      }
      // Nothing delivered twice under one key on one channel.
      for (const map of [wecom.deliveries, sms.deliveries])
        for (const count of map.values()) expect(count).toBe(1);
      // Every original recipient: in a sent message (or copy) for them, reported, or its message dead.
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const original of enqueued) {
        const row = byId.get(original.id)!;
        for (const recipient of original.to) {
          const carried = rows.some((r) => r.id.startsWith(`${original.id}>`) && r.to.includes(recipient));
          const addressed = (original.channel === 'wecom' ? ['a', 'b', 'c'] : ['a', 'b', 'd']).includes(
            recipient,
          );
          const refused = (
            (row.result as { rejected?: { recipient: string }[] } | undefined)?.rejected ?? []
          ).some((r) => r.recipient === recipient);
          const reached = row.status === 'sent' && addressed && !refused;
          const accounted =
            row.status === 'dead' ||
            carried ||
            (reported.get(original.id)?.has(recipient) ?? false) ||
            reached;
          expect(accounted, `${original.id} → ${recipient}`).toBe(true);
        }
      }
    },
  );

  test.prop(
    [
      fc.array(
        fc.record({ robot: fc.constantFrom('r1', 'r2', 'r3'), at: fc.integer({ min: 0, max: 5 * 60_000 }) }),
        { minLength: 1, maxLength: 120 },
      ),
      fc.integer({ min: 1, max: 4 }).map((n) => n * 30_000),
    ],
    { numRuns: 100 },
  )(
    'digest: no message lost, each in exactly one send, at most one send per robot per window',
    async (specs, windowMs) => {
      const storage = memoryStorage();
      const sends: { robot: string; at: number; ids: string[] }[] = [];
      let now = T0;
      const robot = (name: string): Notifier => ({
        name,
        async send(m) {
          const data = m.data as { digest?: boolean; messageIds?: string[] } | undefined;
          sends.push({ robot: name, at: now, ids: data?.digest ? data.messageIds! : [m.idempotencyKey] });
          return { ok: true };
        },
      });
      const routing = createOutboxRouting({
        channels: Object.fromEntries(
          ['r1', 'r2', 'r3'].map((name) => [
            name,
            {
              notifier: robot(name),
              group: true,
              limits: [{ limit: 20, windowMs: 60_000 }],
              digest: { windowMs },
            },
          ]),
        ),
        team,
      });
      const enqueued = specs.map((spec, i) => ({
        id: `m${String(i).padStart(3, '0')}`,
        channel: spec.robot,
        to: ['a'],
        payload: { text: `t${i}` },
        createdAt: T0 + spec.at,
        nextAttemptAt: T0 + spec.at,
      }));
      await storage.commit({ at: T0, outbox: enqueued });
      for (let round = 0; round < 500; round++) {
        await deliverOutbox({ storage, notifier: () => undefined, now, routing, limit: 7 });
        const pending = await storage.listOutbox({ status: 'pending' });
        if (pending.length === 0) break;
        now = Math.max(now + 1, Math.min(...pending.map((m) => m.nextAttemptAt)));
      }
      const rows = await storage.listOutbox();
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
      const seen = sends.flatMap((s) => s.ids).sort();
      expect(seen).toEqual(enqueued.map((m) => m.id).sort()); // each exactly once
      for (const name of ['r1', 'r2', 'r3']) {
        const windows = sends.filter((s) => s.robot === name).map((s) => Math.floor(s.at / windowMs));
        expect(new Set(windows).size).toBe(windows.length);
      }
    },
  );
});
