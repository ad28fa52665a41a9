import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { notifyFailure } from '../../../src/adapters/notify/http.js';
import {
  hasMarkdownTable,
  looksLikeMarkdown,
  truncateUtf8,
} from '../../../src/adapters/notify/message-text.js';
import { createDeliveryLedger } from '../../../src/adapters/notify/notifier-kit.js';
import { createRateLimiter, type RateWindow } from '../../../src/adapters/notify/rate-limit.js';

const windowArb = fc.record({
  limit: fc.integer({ min: 1, max: 25 }),
  windowMs: fc.integer({ min: 1, max: 5_000 }),
});
/** Gaps between attempts (ms), zero included: bursts at one instant are the 09:15 case. */
const gapsArb = fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 200 });

/** Drive a limiter over attempts spaced by `gaps`; the times of the attempts it let through. */
function sendTimes(windows: RateWindow[], gaps: number[]): number[] {
  let t = 1_700_000_000_000;
  const limiter = createRateLimiter(windows, () => t);
  const taken: number[] = [];
  for (const gap of gaps) {
    t += gap;
    if (limiter.take() === 0) taken.push(t);
  }
  return taken;
}

describe('createRateLimiter', () => {
  test.prop([fc.array(windowArb, { minLength: 1, maxLength: 3 }), gapsArb])(
    'never lets more than limit sends into any window of windowMs',
    (windows, gaps) => {
      const taken = sendTimes(windows, gaps);
      for (const w of windows) {
        for (let i = 0; i < taken.length; i++) {
          const inWindow = taken.filter((at) => at >= taken[i]! && at < taken[i]! + w.windowMs).length;
          expect(inWindow).toBeLessThanOrEqual(w.limit);
        }
      }
    },
  );

  test.prop([windowArb, gapsArb])(
    'refuses only when the window is full, and says when a slot frees',
    (w, gaps) => {
      let t = 0;
      const limiter = createRateLimiter(w, () => t);
      const taken: number[] = [];
      for (const gap of gaps) {
        t += gap;
        const inWindow = taken.filter((at) => at + w.windowMs > t);
        const wait = limiter.take();
        if (inWindow.length < w.limit) {
          expect(wait).toBe(0);
          taken.push(t);
        } else {
          // The slot frees when the oldest send in the window leaves it.
          expect(wait).toBe(inWindow[0]! + w.windowMs - t);
        }
      }
    },
  );

  test.prop([
    windowArb,
    fc.array(fc.tuple(fc.integer({ min: 0, max: 700 }), fc.boolean()), { maxLength: 200 }),
  ])('waiting the returned time is always enough', (w, steps) => {
    let t = 0;
    const limiter = createRateLimiter(w, () => t);
    for (const [gap, waitIt] of steps) {
      t += gap;
      const wait = limiter.take();
      if (wait > 0 && waitIt) {
        t += wait;
        expect(limiter.take()).toBe(0);
      }
    }
  });

  it('WeCom robot: 20 at 09:15:00, the 21st waits for the first to leave the minute', () => {
    let t = Date.parse('2025-02-05T09:15:00+08:00');
    const limiter = createRateLimiter({ limit: 20, windowMs: 61_000 }, () => t);
    for (let i = 0; i < 20; i++) expect(limiter.take()).toBe(0);
    expect(limiter.take()).toBe(61_000);
    t += 60_999;
    expect(limiter.take()).toBe(1);
    t += 1;
    expect(limiter.take()).toBe(0);
  });

  it('refuses nonsense windows', () => {
    expect(() => createRateLimiter({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => createRateLimiter({ limit: 1.5, windowMs: 1000 })).toThrow(RangeError);
    expect(() => createRateLimiter({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});

describe('createDeliveryLedger (the one delivered-key record of every notifier)', () => {
  it('acknowledges a delivered key as a duplicate with the first provider id, and forgets the oldest', async () => {
    const ledger = createDeliveryLedger('t', 2);
    let sends = 0;
    const deliver = async () => ({ ok: true as const, providerId: `p-${++sends}` });
    expect(await ledger.run('a', undefined, deliver)).toEqual({ ok: true, providerId: 'p-1' });
    expect(await ledger.run('a', undefined, deliver)).toEqual({
      ok: true,
      providerId: 'p-1',
      duplicate: true,
    });
    await ledger.run('b', undefined, deliver);
    await ledger.run('c', undefined, deliver);
    expect(ledger.delivered('a')).toBe(false);
    expect(ledger.delivered('c')).toBe(true);
  });

  it('joins concurrent sends of one key; a failure is not remembered; a throw is a retryable failure', async () => {
    const ledger = createDeliveryLedger('t', 10);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async () => {
      calls += 1;
      await gate;
      return { ok: true as const };
    };
    const both = Promise.all([ledger.run('k', undefined, slow), ledger.run('k', undefined, slow)]);
    release();
    expect(await both).toEqual([{ ok: true }, { ok: true, duplicate: true }]);
    expect(calls).toBe(1);

    expect(
      await ledger.run('f', undefined, async () => ({ ok: false, retryable: true, error: 'HTTP 503' })),
    ).toMatchObject({ ok: false });
    expect(ledger.delivered('f')).toBe(false);
    expect(
      await ledger.run('t', undefined, async () => {
        throw new Error('boom');
      }),
    ).toEqual({ ok: false, retryable: true, kind: 'retryable', error: 't: boom' });
  });

  it('a send joining one in flight stops waiting when its own signal fires; the first one carries on', async () => {
    const ledger = createDeliveryLedger('t', 10);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = ledger.run('k', undefined, async () => {
      await gate;
      return { ok: true as const };
    });
    const controller = new AbortController();
    const joined = ledger.run('k', controller.signal, async () => ({ ok: true as const }));
    controller.abort(new Error('outbox send timeout'));
    expect(await joined).toMatchObject({ ok: false, retryable: true, unknown: true });
    release();
    expect(await first).toEqual({ ok: true });
    expect(ledger.delivered('k')).toBe(true);
  });

  it('an already-aborted send settles at once and sends nothing', async () => {
    const ledger = createDeliveryLedger('t', 10);
    let calls = 0;
    const result = await ledger.run('k', AbortSignal.abort(new Error('late')), async () => {
      calls += 1;
      return { ok: true as const };
    });
    expect(result).toEqual({
      ok: false,
      retryable: true,
      kind: 'retryable',
      error: 't: aborted (late) before sending',
    });
    expect(calls).toBe(0);
  });
});

describe('failure texts and message text', () => {
  test.prop([fc.string(), fc.double({ min: 0, max: 10_000_000, noNaN: true }), fc.boolean()])(
    'a failure carries its hint (whole ms, rounded up), its code as text and its kind; the text is left as given',
    (error, ms, retryable) => {
      const failure = notifyFailure('x', error, retryable, { retryAfterMs: ms, providerCode: 45009 });
      expect(failure).toEqual({
        ok: false,
        retryable,
        kind: retryable ? 'retryable' : 'permanent',
        error: `x: ${error}`,
        retryAfterMs: Math.ceil(ms),
        providerCode: '45009',
      });
    },
  );

  test.prop([fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 3, max: 600 })])(
    'truncateUtf8 stays within the byte limit and keeps a prefix',
    (text, max) => {
      const cut = truncateUtf8(text, max);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
      if (Buffer.byteLength(text) <= max) expect(cut).toBe(text);
      else {
        expect(cut.endsWith('…')).toBe(true);
        expect(text.startsWith(cut.slice(0, -1))).toBe(true);
      }
    },
  );

  it('recognises markdown and tables', () => {
    expect(hasMarkdownTable('| a | b |\n| --- | :---: |\n| 1 | 2 |')).toBe(true);
    expect(hasMarkdownTable('a - b --- c')).toBe(false);
    expect(looksLikeMarkdown('# 今日待办')).toBe(true);
    expect(looksLikeMarkdown('Lead L-1 waits - since 09:15')).toBe(false);
  });
});
