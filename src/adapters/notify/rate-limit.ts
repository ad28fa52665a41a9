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
 * @category Notifications
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
 * @category Notifications
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
 * @category Notifications
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

/**
 * What every chat-robot notifier (WeCom, DingTalk, Feishu group robots) takes besides its own
 * address, signature and format options.
 *
 * @example
 * ```ts
 * import type { RobotTransportOptions } from 'leadflow/notify/wecom-robot';
 * const transport: RobotTransportOptions = { timeoutMs: 5_000, rememberKeys: 50_000 };
 * ```
 * @category Notifications
 */
export interface RobotTransportOptions {
  /**
   * A limiter shared by notifiers of the same robot (overrides `rateLimit`). One limiter per
   * process: robots count per key across every sender.
   */
  limiter?: RateLimiter;
  /**
   * Clock of the rate limit and, for signed robots, of the signature timestamp (epoch ms).
   * @default Date.now
   */
  now?: () => number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Timeout of one request (ms), on top of the send's signal.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * How many delivered idempotency keys to remember (oldest forgotten first). A robot has no
   * deduplication of its own, so this record is what makes a retried key a duplicate — within
   * this process only.
   * @default 10000
   */
  rememberKeys?: number;
  /**
   * Name reported by `notifier.name` and prefixed to error texts.
   * @default the notifier's kind: 'wecom-robot', 'dingtalk-robot' or 'feishu-robot'
   */
  name?: string;
}
