import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { Notifier, NotifyResult } from '../../src/adapters/notify/port.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/engine/outbox.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { HOUR, MIN, rawLead, setup } from './helpers.js';

type Fault = 'ok' | 'throw' | 'garbage' | 'hang' | 'fail';
const GARBAGE: unknown[] = [
  undefined,
  null,
  'ok',
  42,
  { ok: 'yes' },
  { ok: false },
  [],
  { ok: true, providerId: 7 },
];

/** A notifier whose every call does what `faults` says next: answer, throw, garbage, hang or fail. */
function chaosNotifier(faults: readonly Fault[]) {
  let call = 0;
  const delivered = new Set<string>();
  const notifier: Notifier = {
    name: 'chaos',
    async send(message): Promise<NotifyResult> {
      const fault = faults[call++ % faults.length]!;
      switch (fault) {
        case 'throw':
          throw new Error('ECONNRESET');
        case 'garbage':
          return GARBAGE[call % GARBAGE.length] as NotifyResult;
        case 'hang':
          return new Promise(() => {}); // never answers, ignores its signal
        case 'fail':
          return { ok: false, retryable: true, error: 'HTTP 503' };
        default:
          delivered.add(message.idempotencyKey);
          return { ok: true, providerId: `p-${call}` };
      }
    },
  };
  return { notifier, delivered };
}

/** Every rep full: each lead waits in the supervisor queue and escalates by SMS and WeCom. */
const fullTeam = {
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep, i) => ({ ...rep, dailyCapacity: i % 2 })),
};

describe('delivery under faults (a replay on a virtual clock)', () => {
  test.prop(
    [
      fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', 'throw', 'garbage', 'hang', 'fail'), {
        minLength: 5,
        maxLength: 30,
      }),
      fc.integer({ min: 3, max: 25 }),
    ],
    { numRuns: 12 },
  )(
    '0 lost, 0 stranded past its retry time: every message ends sent or dead-lettered with its reason',
    async (faults, leads) => {
      const { notifier, delivered } = chaosNotifier(faults.includes('ok') ? faults : [...faults, 'ok']);
      const { engine, clock } = setup({ team: fullTeam, notifier, delivery: { sendTimeoutMs: 5 } });
      for (let i = 0; i < leads; i++) {
        await engine.advanceTo(clock.now() + 7 * MIN);
        const result = await engine.ingest(
          rawLead(clock.now(), { contact: { phone: `1370000${String(i).padStart(4, '0')}` } }),
        );
        expect(result.status).toBe('accepted');
      }
      // Long enough for every backoff (≤ 1 h each) to run out.
      await engine.advanceTo(clock.now() + 2 * 24 * HOUR);
      const outbox = await engine.storage.listOutbox();
      expect(outbox.length).toBeGreaterThan(0);
      for (const message of outbox) {
        if (message.status === 'sent') expect(delivered.has(message.id)).toBe(true);
        else if (message.status === 'dead') {
          expect(message.attempts).toBeGreaterThanOrEqual(1);
          expect(message.lastError).toBeTruthy();
        } else {
          // Still pending only if its next attempt is in the future (never stranded in the past).
          expect(message.nextAttemptAt).toBeGreaterThan(clock.now());
        }
      }
      // A message the notifier delivered is never left pending or dead.
      for (const id of delivered) expect(outbox.find((m) => m.id === id)?.status).toBe('sent');
      // Dead letters only after the attempts ran out (every fault here is retryable).
      for (const message of outbox.filter((m) => m.status === 'dead')) {
        expect(message.attempts).toBeGreaterThanOrEqual(DEFAULT_MAX_ATTEMPTS);
      }
      await engine.stop();
    },
  );
});
