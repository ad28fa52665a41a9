/**
 * A client-side send limit for chat robots (WeCom: 20/min, DingTalk: 20/min, Feishu: 100/min and
 * 5/s per robot), so that a notifier never sends what the provider would reject.
 *
 * It is a token bucket whose tokens come back one window after they were spent (a sliding-window
 * log): at most `limit` sends in **any** `windowMs` interval. The classic bucket that refills at
 * `limit / windowMs` would let a full bucket plus a window's refill — up to 2 × `limit` — through
 * in one window, which a provider counting per minute rejects.
 *
 * @module
 */

/**
 * At most `limit` sends in any interval of `windowMs` milliseconds.
 *
 * @example
 * ```ts
 * import type { RateWindow } from 'leadflow/notify/rate-limit';
 * const wecomRobot: RateWindow = { limit: 20, windowMs: 61_000 }; // 20/min, plus 1 s for network jitter
 * ```
 */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * A send limit. `take()` either spends a slot (returns 0) or spends nothing and returns how many
 * milliseconds remain until one is free (≥ 1).
 *
 * @example
 * ```ts
 * import { createRateLimiter } from 'leadflow/notify/rate-limit';
 * const limiter = createRateLimiter({ limit: 20, windowMs: 60_000 });
 * const wait = limiter.take();
 * if (wait > 0) console.log(`full, try again in ${wait} ms`);
 * ```
 */
export interface RateLimiter {
  take(): number;
}

/**
 * Create a {@link RateLimiter} holding every window in `windows` at once (a send is allowed only
 * if each window has room; only then is it counted in all of them). Time comes from `now`, so a
 * test or a simulation can drive it with a virtual clock. Memory: `limit` timestamps per window.
 *
 * @param now - the clock in epoch ms. @default Date.now
 * @example
 * ```ts
 * import { createRateLimiter } from 'leadflow/notify/rate-limit';
 * let t = 0;
 * const limiter = createRateLimiter([{ limit: 5, windowMs: 1_000 }, { limit: 100, windowMs: 60_000 }], () => t);
 * for (let i = 0; i < 5; i++) limiter.take(); // 0 each time
 * limiter.take(); // 1000: the 6th send waits until the first one leaves the 1 s window
 * t = 1_000;
 * limiter.take(); // 0
 * ```
 */
export function createRateLimiter(
  windows: RateWindow | readonly RateWindow[],
  now: () => number = Date.now,
): RateLimiter {
  const list = (Array.isArray(windows) ? windows : [windows]) as readonly RateWindow[];
  for (const w of list) {
    if (!Number.isInteger(w.limit) || w.limit < 1 || !(w.windowMs > 0)) {
      throw new RangeError(
        `createRateLimiter: a window needs an integer limit ≥ 1 and windowMs > 0 (got ${JSON.stringify(w)})`,
      );
    }
  }
  /** Per window, the send times still inside it, oldest first. */
  const sent = list.map(() => [] as number[]);
  return {
    take() {
      const t = now();
      let wait = 0;
      list.forEach((w, i) => {
        const times = sent[i]!;
        while (times.length > 0 && times[0]! + w.windowMs <= t) times.shift();
        if (times.length >= w.limit) wait = Math.max(wait, times[0]! + w.windowMs - t);
      });
      if (wait > 0) return Math.max(1, Math.ceil(wait));
      for (const times of sent) times.push(t);
      return 0;
    },
  };
}
