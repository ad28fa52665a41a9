import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createDeliveredKeys } from '../../../src/adapters/notify/delivered-keys.js';
import { notifyFailure, retryAfterMsOf } from '../../../src/adapters/notify/http.js';
import {
  hasMarkdownTable,
  looksLikeMarkdown,
  truncateUtf8,
} from '../../../src/adapters/notify/message-text.js';
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

describe('createDeliveredKeys', () => {
  it('acknowledges a delivered key as a duplicate with the first provider id, and forgets the oldest', async () => {
    const keys = createDeliveredKeys('t', 2);
    let sends = 0;
    const deliver = async () => ({ ok: true as const, providerId: `p-${++sends}` });
    expect(await keys.once('a', deliver)).toEqual({ ok: true, providerId: 'p-1' });
    expect(await keys.once('a', deliver)).toEqual({ ok: true, providerId: 'p-1', duplicate: true });
    await keys.once('b', deliver);
    await keys.once('c', deliver);
    expect(keys.has('a')).toBe(false);
    expect(keys.size).toBe(2);
  });

  it('joins concurrent sends of one key; a failure is not remembered; a throw is a retryable failure', async () => {
    const keys = createDeliveredKeys('t', 10);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async () => {
      calls += 1;
      await gate;
      return { ok: true as const };
    };
    const both = Promise.all([keys.once('k', slow), keys.once('k', slow)]);
    release();
    expect(await both).toEqual([{ ok: true }, { ok: true, duplicate: true }]);
    expect(calls).toBe(1);

    expect(
      await keys.once('f', async () => ({ ok: false, retryable: true, error: 'HTTP 503' })),
    ).toMatchObject({
      ok: false,
    });
    expect(keys.has('f')).toBe(false);
    expect(
      await keys.once('t', async () => {
        throw new Error('boom');
      }),
    ).toEqual({ ok: false, retryable: true, error: 't: boom' });
  });

  it('a send joining one in flight stops waiting when its own signal fires; the first one carries on', async () => {
    const keys = createDeliveredKeys('t', 10);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = keys.once('k', async () => {
      await gate;
      return { ok: true as const };
    });
    const controller = new AbortController();
    const joined = keys.once('k', async () => ({ ok: true as const }), controller.signal);
    controller.abort(new Error('outbox send timeout'));
    expect(await joined).toEqual({ ok: false, retryable: true, error: 't: aborted: outbox send timeout' });
    release();
    expect(await first).toEqual({ ok: true });
    expect(keys.has('k')).toBe(true);
  });
});

describe('failure texts and message text', () => {
  test.prop([fc.string(), fc.nat({ max: 10_000_000 })])('a retry-after hint reads back', (error, ms) => {
    const failure = notifyFailure('x', error.replace(/retryAfterMs=/g, ''), true, ms);
    expect(retryAfterMsOf(failure.error)).toBe(ms);
  });

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
