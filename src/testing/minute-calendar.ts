import { DateTime } from 'luxon';
import { CHINA_HOLIDAYS } from '../scheduler/china-holidays.js';

/**
 * An obviously-correct, slow model of China's business calendar for property tests and
 * benchmark baselines: one luxon conversion per minute, Mon–Fri 09:00–12:00 and 13:00–18:00 in
 * Asia/Shanghai, the shipped holidays off and make-up working days on. Written independently of
 * `chinaCalendar`, so agreeing with it means something.
 *
 * @example
 * ```ts
 * import { minuteSteppingChinaCalendar } from 'leadflow/testing';
 * const model = minuteSteppingChinaCalendar([2026]);
 * model.addBusinessMinutes(Date.parse('2026-03-02T17:50:00+08:00'), 20); // Tue 09:10
 * ```
 * @category Testing
 */
export function minuteSteppingChinaCalendar(years: readonly number[]) {
  const off = new Set<string>();
  const extra = new Set<string>();
  for (const year of years) {
    for (const day of CHINA_HOLIDAYS[year]?.holidays ?? []) off.add(day);
    for (const day of CHINA_HOLIDAYS[year]?.extraWorkdays ?? []) extra.add(day);
  }
  const isBusinessMinute = (t: number): boolean => {
    const local = DateTime.fromMillis(t, { zone: 'Asia/Shanghai' });
    const date = local.toISODate() ?? '';
    if (off.has(date)) return false;
    if (local.weekday >= 6 && !extra.has(date)) return false;
    const m = local.hour * 60 + local.minute;
    return (m >= 540 && m < 720) || (m >= 780 && m < 1080);
  };
  return {
    /** Whether the minute starting at `t` is business time. */
    isBusinessMinute,
    /** `t` (on a whole minute) plus whole business minutes, stepping one minute at a time. */
    addBusinessMinutes(t: number, minutes: number): number {
      let cur = t;
      let left = minutes;
      while (left > 0) {
        if (isBusinessMinute(cur)) left -= 1;
        cur += 60_000;
      }
      return cur;
    },
  };
}
