/**
 * China's official public holidays and make-up working days (调休), shipped as data.
 *
 * Sources (the State Council General Office notices, mirrored by the open dataset
 * https://github.com/NateScarlet/holiday-cn, files `2025.json` and `2026.json`):
 * - 2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号
 *   (https://www.gov.cn/zhengce/zhengceku/202411/content_6986383.htm).
 * - 2026: 国务院办公厅关于2026年部分节假日安排的通知, published 2025-11-04
 *   (https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm).
 *
 * Every off day of a holiday period is listed, including the weekend days inside it, so the list
 * reads like the notice. Years are added here only from a published notice, never guessed.
 */

/**
 * One year of China's holiday arrangement.
 *
 * @example
 * ```ts
 * import type { ChinaYearData } from 'leadflow';
 * const y2027: ChinaYearData = { holidays: ['2027-01-01'], extraWorkdays: [] };
 * ```
 * @category Calendar and clocks
 */
export interface ChinaYearData {
  /** ISO dates (YYYY-MM-DD) that are days off. */
  readonly holidays: readonly string[];
  /** ISO dates that are working days although they fall on a weekend (调休 make-up days). */
  readonly extraWorkdays: readonly string[];
  /** Where the dates come from (notice number or URL). */
  readonly source?: string;
}

/**
 * The holiday data leadflow ships, keyed by year (2025 and 2026).
 *
 * @example
 * ```ts
 * import { CHINA_HOLIDAYS } from 'leadflow';
 * CHINA_HOLIDAYS[2026]?.extraWorkdays; // ['2026-01-04', '2026-02-14', ...]
 * ```
 * @category Calendar and clocks
 */
export const CHINA_HOLIDAYS: Readonly<Record<number, ChinaYearData>> = /* @__PURE__ */ (() =>
  Object.freeze({
    2025: Object.freeze({
      source: '国办发明电〔2024〕12号 (https://www.gov.cn/zhengce/zhengceku/202411/content_6986383.htm)',
      holidays: Object.freeze([
        // 元旦 New Year's Day
        '2025-01-01',
        // 春节 Spring Festival
        '2025-01-28',
        '2025-01-29',
        '2025-01-30',
        '2025-01-31',
        '2025-02-01',
        '2025-02-02',
        '2025-02-03',
        '2025-02-04',
        // 清明节 Qingming
        '2025-04-04',
        '2025-04-05',
        '2025-04-06',
        // 劳动节 Labour Day
        '2025-05-01',
        '2025-05-02',
        '2025-05-03',
        '2025-05-04',
        '2025-05-05',
        // 端午节 Dragon Boat
        '2025-05-31',
        '2025-06-01',
        '2025-06-02',
        // 国庆节、中秋节 National Day + Mid-Autumn
        '2025-10-01',
        '2025-10-02',
        '2025-10-03',
        '2025-10-04',
        '2025-10-05',
        '2025-10-06',
        '2025-10-07',
        '2025-10-08',
      ]),
      extraWorkdays: Object.freeze([
        '2025-01-26', // Sun, for Spring Festival
        '2025-02-08', // Sat, for Spring Festival
        '2025-04-27', // Sun, for Labour Day
        '2025-09-28', // Sun, for National Day + Mid-Autumn
        '2025-10-11', // Sat, for National Day + Mid-Autumn
      ]),
    }),
    2026: Object.freeze({
      source:
        'State Council General Office notice on the 2026 holidays, 2025-11-04 (https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm)',
      holidays: Object.freeze([
        // 元旦 New Year's Day
        '2026-01-01',
        '2026-01-02',
        '2026-01-03',
        // 春节 Spring Festival
        '2026-02-15',
        '2026-02-16',
        '2026-02-17',
        '2026-02-18',
        '2026-02-19',
        '2026-02-20',
        '2026-02-21',
        '2026-02-22',
        '2026-02-23',
        // 清明节 Qingming
        '2026-04-04',
        '2026-04-05',
        '2026-04-06',
        // 劳动节 Labour Day
        '2026-05-01',
        '2026-05-02',
        '2026-05-03',
        '2026-05-04',
        '2026-05-05',
        // 端午节 Dragon Boat
        '2026-06-19',
        '2026-06-20',
        '2026-06-21',
        // 中秋节 Mid-Autumn
        '2026-09-25',
        '2026-09-26',
        '2026-09-27',
        // 国庆节 National Day
        '2026-10-01',
        '2026-10-02',
        '2026-10-03',
        '2026-10-04',
        '2026-10-05',
        '2026-10-06',
        '2026-10-07',
      ]),
      extraWorkdays: Object.freeze([
        '2026-01-04', // Sun, for New Year's Day
        '2026-02-14', // Sat, for Spring Festival
        '2026-02-28', // Sat, for Spring Festival
        '2026-05-09', // Sat, for Labour Day
        '2026-09-20', // Sun, for National Day
        '2026-10-10', // Sat, for National Day
      ]),
    }),
  }))();
