/**
 * Send pacing for outbox delivery: per-destination limits ("at most 20 sends in any 60 s" for a
 * WeCom robot, a template's QPS for an SMS provider) applied **before** a send, so a provider
 * never has to refuse anything for rate. A message over a limit is not sent and not failed: it
 * gets the first free slot and waits in the outbox until then.
 *
 * Each destination keeps a log of booked send times (a sliding-window log: the limit holds in
 * **any** window, not per aligned minute). Booking a slot for a message finds the earliest instant
 * at or after `now` at which every limit of every destination the message goes to has room, and
 * books it in all of them — a slot in the future included, so 300 reminders due at 09:15 get 300
 * distinct slots at once and each is claimed again exactly when its slot comes. Time is passed
 * in (`now`), so a replay on a virtual clock paces in virtual time.
 *
 * A pacer lives in one process: engines sharing a storage each pace what they send (give each a
 * share of the limit, or let one engine deliver a channel).
 *
 * @module
 */
import type { SendLimit } from '../adapters/notify/port.js';

/**
 * One destination a send counts against: a key (`wecom-board`, `sms:13800000000`, `sms`) and the
 * limits that hold for it.
 *
 * @example
 * ```ts
 * import type { PacedDestination } from 'leadflow/core';
 * const robot: PacedDestination = { key: 'board', limits: [{ limit: 20, windowMs: 62_000 }] };
 * ```
 * @category Engine
 */
export interface PacedDestination {
  readonly key: string;
  readonly limits: readonly SendLimit[];
}

/**
 * See {@link createSendPacer}.
 *
 * @example
 * ```ts
 * import { createSendPacer } from 'leadflow/core';
 * const pacer = createSendPacer();
 * const at = pacer.book('m-1', [{ key: 'board', limits: [{ limit: 20, windowMs: 60_000 }] }], now);
 * if (at > now) console.log('wait until', new Date(at));
 * ```
 * @category Engine
 */
export interface SendPacer {
  /**
   * The slot of `messageId`: the one booked for it earlier when it is still ahead or due now
   * (a message claimed at its slot goes), else a new one — the earliest instant ≥ `now` at which
   * every destination has room — booked in all of them. A result equal to `now` means "send now"
   * (the send is counted); a later one, "come back then". Ids sharing one send (a digest) are
   * booked together: give them all.
   */
  book(
    messageIds: string | readonly string[],
    destinations: readonly PacedDestination[],
    now: number,
  ): number;
  /** Forget a message's booking (it was sent, dead-lettered or forwarded). */
  release(messageId: string): void;
  /** How many sends are booked for `key` in `[from, to)` (tests and benchmarks). */
  booked(key: string, from: number, to: number): number;
}

/**
 * Check a list of limits: each an integer `limit` ≥ 1 and a `windowMs` > 0.
 *
 * @returns the problem, or `undefined` when every limit is valid
 * @example
 * ```ts
 * import { sendLimitProblem } from 'leadflow/core';
 * sendLimitProblem([{ limit: 0, windowMs: 1000 }]); // '[0].limit must be an integer ≥ 1, got 0'
 * ```
 * @category Engine
 */
export function sendLimitProblem(limits: readonly SendLimit[]): string | undefined {
  for (let i = 0; i < limits.length; i++) {
    const { limit, windowMs } = limits[i] ?? ({} as SendLimit);
    if (!Number.isSafeInteger(limit) || limit < 1) return `[${i}].limit must be an integer ≥ 1, got ${limit}`;
    if (typeof windowMs !== 'number' || !(windowMs > 0) || !Number.isFinite(windowMs)) {
      return `[${i}].windowMs must be a finite number of milliseconds > 0, got ${windowMs}`;
    }
  }
  return undefined;
}

/** Insert `value` into an ascending array. */
function insertSorted(times: number[], value: number): void {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  times.splice(lo, 0, value);
}

/** Index of the first entry ≥ `value`. */
function lowerBound(times: readonly number[], value: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The earliest `t ≥ from` at which one more send keeps every window of `limit.windowMs` holding
 * at most `limit.limit` sends, given the booked `times` (ascending, each window already within
 * the limit). The booked sends that can share a window with `t` lie in `(t − W, t + W)`; a window
 * would overflow iff some `limit` consecutive ones of them span, together with `t`, less than W.
 * Such a run forbids every `t'` in `[t, run start + W)`, so `t` jumps there and is checked again:
 * no feasible instant is skipped.
 */
function earliestFor(times: readonly number[], limit: SendLimit, from: number): number {
  const { limit: n, windowMs: w } = limit;
  let t = from;
  for (let guard = 0; guard <= times.length; guard++) {
    let start = lowerBound(times, t - w);
    while (start < times.length && times[start]! <= t - w) start++;
    const end = lowerBound(times, t + w);
    let moved = false;
    for (let i = start; i + n - 1 < end; i++) {
      const first = Math.min(times[i]!, t);
      const last = Math.max(times[i + n - 1]!, t);
      if (last - first < w) {
        t = times[i]! + w;
        moved = true;
        break;
      }
    }
    if (!moved) return t;
  }
  return t;
}

/**
 * Options of {@link createSendPacer}.
 *
 * @example
 * ```ts
 * import { createSendPacer, type SendPacerOptions } from 'leadflow/core';
 * const options: SendPacerOptions = { lateMs: 500 };
 * const pacer = createSendPacer(options);
 * ```
 * @category Engine
 */
export interface SendPacerOptions {
  /**
   * A message claimed this much (ms) or less after its slot still uses it; later, the slot is
   * given up and a new one booked (sending far from its slot could crowd the sends booked around
   * the late instant). Keep it below the margin between the limits paced by and the provider's.
   * @default 1000
   */
  lateMs?: number;
}

/**
 * Create a {@link SendPacer}. Booked times older than the longest window seen are dropped as time
 * moves on, so memory follows the traffic of the last window, not all time.
 *
 * @example
 * ```ts
 * import { createSendPacer } from 'leadflow/core';
 * const pacer = createSendPacer();
 * const robot = [{ key: 'board', limits: [{ limit: 2, windowMs: 60_000 }] }];
 * pacer.book('a', robot, 0); // 0: send now
 * pacer.book('b', robot, 0); // 0
 * pacer.book('c', robot, 0); // 60000: come back in a minute
 * pacer.book('c', robot, 60_000); // 60000: its slot, send now
 * ```
 * @category Engine
 */
export function createSendPacer(options: SendPacerOptions = {}): SendPacer {
  const lateMs = options.lateMs ?? 1_000;
  /** Per destination key and limit, the booked send times, ascending. */
  const logs = new Map<string, number[]>();
  /** Message id → its booked slot and the logs it is written in. */
  const bookings = new Map<string, { at: number; logs: number[][] }>();
  let longestWindow = 0;
  let prunedAt = Number.NEGATIVE_INFINITY;

  const logOf = (key: string, limit: SendLimit): number[] => {
    const name = `${key}\u0000${limit.limit}/${limit.windowMs}`;
    let log = logs.get(name);
    if (!log) {
      log = [];
      logs.set(name, log);
    }
    return log;
  };

  function prune(now: number): void {
    if (now - prunedAt < longestWindow) return;
    prunedAt = now;
    const horizon = now - longestWindow - lateMs;
    for (const [name, log] of logs) {
      const keep = lowerBound(log, horizon);
      if (keep > 0) log.splice(0, keep);
      if (log.length === 0) logs.delete(name);
    }
    for (const [id, booking] of bookings) if (booking.at < horizon) bookings.delete(id);
  }

  function unbook(booking: { at: number; logs: number[][] }): void {
    for (const log of booking.logs) {
      const index = lowerBound(log, booking.at);
      if (log[index] === booking.at) log.splice(index, 1);
    }
  }

  return {
    book(messageIds, destinations, now) {
      const ids = typeof messageIds === 'string' ? [messageIds] : messageIds;
      let held: { at: number; logs: number[][] } | undefined;
      for (const id of ids) {
        const booking = bookings.get(id);
        if (booking && (held === undefined || booking.at < held.at)) held = booking;
      }
      if (held !== undefined) {
        if (held.at > now) {
          for (const id of ids) bookings.set(id, held);
          return held.at; // not yet: its slot is still ahead
        }
        for (const id of ids) bookings.delete(id);
        if (now - held.at <= lateMs) return now; // its slot: the send was counted when booked
        unbook(held); // too late for it: book again
      }
      for (const destination of destinations) {
        for (const limit of destination.limits)
          if (limit.windowMs > longestWindow) longestWindow = limit.windowMs;
      }
      prune(now); // before taking the logs: pruning drops emptied ones from the map
      const pairs: { log: number[]; limit: SendLimit }[] = [];
      for (const destination of destinations) {
        for (const limit of destination.limits) pairs.push({ log: logOf(destination.key, limit), limit });
      }
      if (pairs.length === 0) return now;
      let t = now;
      for (;;) {
        let next = t;
        for (const { log, limit } of pairs) next = Math.max(next, earliestFor(log, limit, next));
        if (next === t) break;
        t = next;
      }
      const written = pairs.map((pair) => pair.log);
      for (const log of written) insertSorted(log, t);
      if (t > now) {
        const booking = { at: t, logs: written };
        for (const id of ids) bookings.set(id, booking);
      }
      return t;
    },
    release(messageId) {
      bookings.delete(messageId);
    },
    booked(key, from, to) {
      let most = 0;
      const prefix = `${key}\u0000`;
      for (const [name, log] of logs) {
        if (name.startsWith(prefix)) most = Math.max(most, lowerBound(log, to) - lowerBound(log, from));
      }
      return most;
    },
  };
}
