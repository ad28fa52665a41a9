import { DateTime } from 'luxon';

const DATE_ONLY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The instant a date-only field (`YYYY-MM-DD`: a due date, a delivery date, a first-maintenance
 * date) stands for: the start of that day in `zone` — the business calendar's zone — not UTC
 * midnight (which is 08:00 in Shanghai, and the previous evening west of Greenwich). An epoch-ms
 * number is returned as is, an ISO datetime with an offset is read as written and one without an
 * offset as a wall time in `zone`; anything else
 * (an impossible date such as `2026-02-30`, garbage) gives `NaN`.
 *
 * @example
 * ```ts
 * import { dateOnlyInstant } from 'leadflow';
 * dateOnlyInstant('2026-01-31', 'Asia/Shanghai') === Date.parse('2026-01-31T00:00:00+08:00'); // true
 * ```
 * @category Calendar and clocks
 */
export function dateOnlyInstant(value: unknown, zone: string): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return Number.NaN;
  const match = DATE_ONLY_RE.exec(value);
  if (match) {
    const local = DateTime.fromObject(
      { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) },
      { zone },
    );
    return local.isValid ? local.toMillis() : Number.NaN;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return Number.NaN;
  // With an offset it is an instant; without one, a wall time in `zone` like the date-only form.
  const local = DateTime.fromISO(value, { zone, setZone: false });
  return local.isValid ? local.toMillis() : Number.NaN;
}
