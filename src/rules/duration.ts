import * as z from 'zod';

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration written as a number and a unit: `500ms`, `30s`, `15m`, `24h`, `5d`.
 * Under a `clock: 'business'` SLA policy the duration counts business time, so `1d` means
 * 24 business hours (three 8-hour working days), not one working day — write `8h` for that.
 *
 * @example
 * ```ts
 * import { durationSchema } from 'leadflow';
 * durationSchema.parse('15m'); // 900000
 * ```
 * @category Rule sets
 */
export const durationSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(32)
    .regex(DURATION_PATTERN, 'a duration such as "15m", "24h" or "5d" (units ms, s, m, h, d)')
    .transform((text) => parseDuration(text)))();

/**
 * Parse a duration string (`15m`, `24h`, `5d`) to milliseconds; throws on anything else.
 *
 * @example
 * ```ts
 * import { parseDuration } from 'leadflow';
 * parseDuration('30m'); // 1800000
 * ```
 * @category Rule sets
 */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new TypeError(`"${text}" is not a duration such as "15m", "24h" or "5d"`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * Format milliseconds as the shortest exact duration string (`900000` → `15m`).
 *
 * @example
 * ```ts
 * import { formatDuration } from 'leadflow';
 * formatDuration(86_400_000); // '1d'
 * ```
 * @category Rule sets
 */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
