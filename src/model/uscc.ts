import * as z from 'zod';
import { ModelError } from './issues.js';

/**
 * The 31 characters a unified social credit code (统一社会信用代码, GB 32100-2015) may contain, in
 * value order: `'0'` is 0 … `'Y'` is 30. The letters I, O, S, V and Z are not used.
 *
 * @example
 * ```ts
 * import { USCC_CHARSET } from 'leadflow/core';
 * USCC_CHARSET.indexOf('A'); // 10
 * ```
 * @category Model
 */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/**
 * Weights of positions 1–17 for the check character: `3^(i-1) mod 31`.
 *
 * @example
 * ```ts
 * import { USCC_WEIGHTS } from 'leadflow';
 * USCC_WEIGHTS[3]; // 27
 * ```
 * @category Model
 */
export const USCC_WEIGHTS: readonly number[] = /* @__PURE__ */ (() =>
  Object.freeze(
    Array.from({ length: 17 }, (_, i) => {
      let w = 1;
      for (let k = 0; k < i; k++) w = (w * 3) % 31;
      return w;
    }),
  ))();

/**
 * One registration-management department of GB 32100 and the category codes it assigns.
 *
 * @example
 * ```ts
 * import { USCC_DEPARTMENTS, type UsccDepartment } from 'leadflow/core';
 * const civilAffairs: UsccDepartment | undefined = USCC_DEPARTMENTS['5'];
 * ```
 * @category Model
 */
export interface UsccDepartment {
  /** Chinese name of the department (登记管理部门). */
  readonly name: string;
  /** English gloss. */
  readonly nameEn: string;
  /** Category code (机构类别代码, position 2) → Chinese name. */
  readonly categories: Readonly<Record<string, string>>;
}

/**
 * GB 32100-2015 (with its amendment) table of registration-management department codes
 * (position 1) and the category codes (position 2) each may assign.
 *
 * @example
 * ```ts
 * import { USCC_DEPARTMENTS } from 'leadflow/core';
 * USCC_DEPARTMENTS['9']?.categories['1']; // '企业'
 * ```
 * @category Model
 */
export const USCC_DEPARTMENTS: Readonly<Record<string, UsccDepartment>> = /* @__PURE__ */ (() =>
  Object.freeze({
    '1': {
      name: '机构编制',
      nameEn: 'institutional establishment',
      categories: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' },
    },
    '2': { name: '外交', nameEn: 'foreign affairs', categories: { '1': '外国常住新闻机构', '9': '其他' } },
    '3': {
      name: '司法行政',
      nameEn: 'judicial administration',
      categories: {
        '1': '律师执业机构',
        '2': '公证处',
        '3': '基层法律服务所',
        '4': '司法鉴定机构',
        '5': '仲裁委员会',
        '9': '其他',
      },
    },
    '4': { name: '文化', nameEn: 'culture', categories: { '1': '外国在华文化中心', '9': '其他' } },
    '5': {
      name: '民政',
      nameEn: 'civil affairs',
      categories: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' },
    },
    '6': {
      name: '旅游',
      nameEn: 'tourism',
      categories: {
        '1': '外国旅游部门常驻代表机构',
        '2': '港澳台地区旅游部门常驻内地（大陆）代表机构',
        '9': '其他',
      },
    },
    '7': {
      name: '宗教',
      nameEn: 'religious affairs',
      categories: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' },
    },
    '8': { name: '工会', nameEn: 'trade unions', categories: { '1': '基层工会', '9': '其他' } },
    '9': {
      name: '工商',
      nameEn: 'industry and commerce (market regulation)',
      categories: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' },
    },
    A: {
      name: '中央军委改革和编制办公室',
      nameEn: 'CMC reform and establishment office',
      categories: { '1': '军队事业单位', '9': '其他' },
    },
    N: {
      name: '农业',
      nameEn: 'agriculture',
      categories: {
        '1': '组级集体经济组织',
        '2': '村级集体经济组织',
        '3': '乡镇级集体经济组织',
        '9': '其他',
      },
    },
    Y: { name: '其他', nameEn: 'other', categories: { '1': '其他' } },
  }))();

/**
 * Which rule of a USCC failed: `type` (not a string), `length`, `charset`, `department`
 * (position 1), `category` (position 2), `division` (positions 3–8 not digits),
 * `organization_code` (GB 11714 check digit at position 17, only when asked for) or
 * `check_character` (position 18).
 *
 * @example
 * ```ts
 * import type { UsccRule } from 'leadflow/core';
 * const rule: UsccRule = 'check_character';
 * ```
 * @category Model
 */
export type UsccRule =
  | 'type'
  | 'length'
  | 'charset'
  | 'department'
  | 'category'
  | 'division'
  | 'organization_code'
  | 'check_character';

/**
 * Outcome of {@link validateUscc}: `normalized` is the code trimmed, NFKC-folded and
 * upper-cased; a failure says which rule failed and why.
 *
 * @example
 * ```ts
 * import { validateUscc, type UsccValidation } from 'leadflow';
 * const r: UsccValidation = validateUscc('91350100M000100Y43');
 * ```
 * @category Model
 */
export type UsccValidation =
  | { readonly valid: true; readonly normalized: string }
  | { readonly valid: false; readonly reason: string; readonly rule: UsccRule };

/**
 * Options of {@link validateUscc}.
 *
 * @example
 * ```ts
 * import { validateUscc, type UsccValidationOptions } from 'leadflow';
 * const checksumOnly: UsccValidationOptions = { structure: false };
 * validateUscc('91350100M000100Y43', checksumOnly);
 * ```
 * @category Model
 */
export interface UsccValidationOptions {
  /**
   * Check position 1 and 2 against {@link USCC_DEPARTMENTS} and that positions 3–8 are digits.
   * Turn off to accept codes from departments or categories added after this table.
   * @default true
   */
  readonly structure?: boolean;
  /**
   * Also verify the GB 11714 check digit embedded at position 17 (organization code, positions
   * 9–17). Off by default: GB 32100's own rule is the check character at position 18.
   * @default false
   */
  readonly organizationCode?: boolean;
}

const CHAR_VALUES: ReadonlyMap<string, number> = /* @__PURE__ */ (() =>
  new Map([...USCC_CHARSET].map((c, i) => [c, i])))();
const MAX_RAW_LENGTH = 64;

function show(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0x9f) || char.trim() === '') {
    return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${char}'`;
}

function normalize(code: string): string {
  return code.normalize('NFKC').trim().toUpperCase();
}

function checkCharacterOf(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHAR_VALUES.get(first17[i]!)! * USCC_WEIGHTS[i]!;
  const value = (31 - (sum % 31)) % 31;
  return USCC_CHARSET[value]!;
}

const GB11714_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/** GB 11714 check digit of an 8-character organization-code body ('0'–'9' or 'X'). */
function organizationCheckDigit(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body8.charCodeAt(i);
    const value = c >= 48 && c <= 57 ? c - 48 : c - 55; // '0'-'9' → 0-9, 'A'-'Z' → 10-35
    sum += value * GB11714_WEIGHTS[i]!;
  }
  const digit = 11 - (sum % 11);
  return digit === 10 ? 'X' : digit === 11 ? '0' : String(digit);
}

function fail(rule: UsccRule, reason: string): UsccValidation {
  return { valid: false, rule, reason };
}

/**
 * Validates a unified social credit code (统一社会信用代码) per GB 32100-2015. Never throws.
 *
 * The input is trimmed, NFKC-folded (full-width `９１３５…` becomes ASCII) and upper-cased first.
 * Rules, in order: 18 characters; every character from {@link USCC_CHARSET}; (with `structure`,
 * default on) department code at position 1 and category code at position 2 per
 * {@link USCC_DEPARTMENTS}, positions 3–8 digits; (with `organizationCode`, default off) the
 * GB 11714 check digit at position 17; finally the check character at position 18 —
 * `c18 = 31 − (Σ value(cᵢ)·3^(i−1) mod 31)`, 31 → `0`. Positions in reasons are 1-based.
 *
 * @example
 * ```ts
 * import { validateUscc } from 'leadflow';
 * validateUscc('91350100M000100Y43'); // { valid: true, normalized: '91350100M000100Y43' }
 * validateUscc('91350100M000100Y4');  // { valid: false, rule: 'length', reason: 'length 17, expected 18' }
 * ```
 * @category Model
 */
export function validateUscc(code: unknown, options: UsccValidationOptions = {}): UsccValidation {
  if (typeof code !== 'string') {
    const got = code === null ? 'null' : Array.isArray(code) ? 'array' : typeof code;
    return fail('type', `expected a string, received ${got}`);
  }
  if (code.length > MAX_RAW_LENGTH) return fail('length', `length ${code.trim().length}, expected 18`);
  const normalized = normalize(code);
  const chars = [...normalized];
  if (chars.length !== 18) return fail('length', `length ${chars.length}, expected 18`);
  for (let i = 0; i < 18; i++) {
    const c = chars[i]!;
    if (!CHAR_VALUES.has(c))
      return fail('charset', `character ${show(c)} at position ${i + 1} is not allowed`);
  }
  if (options.structure !== false) {
    const department = USCC_DEPARTMENTS[normalized[0]!];
    if (department === undefined) {
      const known = Object.keys(USCC_DEPARTMENTS).join(', ');
      return fail(
        'department',
        `registration department code '${normalized[0]}' at position 1 is not in GB 32100's table (${known})`,
      );
    }
    if (department.categories[normalized[1]!] === undefined) {
      const known = Object.keys(department.categories).join(', ');
      return fail(
        'category',
        `category code '${normalized[1]}' at position 2 is not valid for registration department '${normalized[0]}' (${department.name}); expected one of ${known}`,
      );
    }
    const division = normalized.slice(2, 8);
    if (!/^[0-9]{6}$/.test(division)) {
      return fail('division', `administrative division code '${division}' (positions 3–8) must be 6 digits`);
    }
  }
  if (options.organizationCode === true) {
    const body = normalized.slice(8, 16);
    const actual = normalized[16]!;
    const expected = organizationCheckDigit(body);
    if (actual !== expected) {
      return fail(
        'organization_code',
        `organization code check digit at position 17 is '${actual}', expected '${expected}'`,
      );
    }
  }
  const expected = checkCharacterOf(normalized);
  const actual = normalized[17]!;
  if (actual !== expected)
    return fail('check_character', `check character is '${actual}', expected '${expected}'`);
  return { valid: true, normalized };
}

/**
 * The check character (position 18) for the first 17 characters of a USCC. The input is trimmed,
 * NFKC-folded and upper-cased like {@link validateUscc}'s.
 *
 * @throws {ModelError} when the input is not 17 characters from {@link USCC_CHARSET}.
 * @example
 * ```ts
 * import { usccCheckCharacter } from 'leadflow/core';
 * usccCheckCharacter('91350100M000100Y4'); // '3'
 * ```
 * @category Model
 */
export function usccCheckCharacter(first17: string): string {
  let reason: string | undefined;
  let normalized = '';
  if (typeof first17 !== 'string') reason = 'expected a string';
  else if (first17.length > MAX_RAW_LENGTH) reason = `length ${first17.length}, expected 17`;
  else {
    normalized = normalize(first17);
    const chars = [...normalized];
    const bad = chars.findIndex((c) => !CHAR_VALUES.has(c));
    if (chars.length !== 17) reason = `length ${chars.length}, expected 17`;
    else if (bad !== -1) reason = `character ${show(chars[bad]!)} at position ${bad + 1} is not allowed`;
  }
  if (reason !== undefined) {
    throw new ModelError(`cannot compute a USCC check character: ${reason}`, [{ path: '', message: reason }]);
  }
  return checkCharacterOf(normalized);
}

/**
 * A zod schema for a USCC field: trimmed, NFKC-folded, upper-cased and validated by
 * {@link validateUscc} with `structure: false` — length, charset and the check character are hard
 * rules; the department/category table is not enforced at intake so a code from a newly created
 * category never quarantines a lead (call {@link validateUscc} for the full check).
 *
 * @example
 * ```ts
 * import { usccSchema } from 'leadflow';
 * usccSchema.parse(' 91350100m000100y43 '); // '91350100M000100Y43'
 * ```
 * @category Model
 */
export const usccSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(MAX_RAW_LENGTH, { message: 'invalid USCC: too long, expected 18 characters', abort: true })
    .transform((value, ctx): string => {
      const result = validateUscc(value, { structure: false });
      if (result.valid) return result.normalized;
      ctx.addIssue({ code: 'custom', message: `invalid USCC: ${result.reason}` });
      return z.NEVER;
    }))();
