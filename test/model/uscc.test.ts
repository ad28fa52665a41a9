import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  ModelError,
  USCC_CHARSET,
  USCC_DEPARTMENTS,
  USCC_WEIGHTS,
  usccCheckCharacter,
  usccSchema,
  validateUscc,
} from '../../src/model/index.js';

/** Publicly listed codes (business licences shown on company sites and registries). */
const REAL_CODES = [
  '91350100M000100Y43',
  '91110000802100433B',
  '914403001922038216', // 华为技术有限公司
  '91440300708461136T', // 深圳市腾讯计算机系统有限公司
  '9144030071526726XG', // 腾讯科技（深圳）有限公司 — organization code with check digit X
  '91330100799655058B', // 阿里巴巴（中国）有限公司
  '91110108551385082Q', // 小米科技有限责任公司
];

describe('validateUscc', () => {
  it.each(REAL_CODES)('accepts the real code %s, also with the GB 11714 check', (code) => {
    expect(validateUscc(code)).toEqual({ valid: true, normalized: code });
    expect(validateUscc(code, { organizationCode: true }).valid).toBe(true);
  });

  it('matches the weights 3^(i-1) mod 31', () => {
    expect(USCC_WEIGHTS).toEqual([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
    expect(USCC_CHARSET).toHaveLength(31);
    for (const excluded of 'IOSVZ') expect(USCC_CHARSET).not.toContain(excluded);
  });

  it('trims, upper-cases and folds full-width characters', () => {
    expect(validateUscc('  91350100m000100y43\n')).toEqual({ valid: true, normalized: '91350100M000100Y43' });
    expect(validateUscc('９１３５０１００Ｍ０００１００Ｙ４３')).toEqual({
      valid: true,
      normalized: '91350100M000100Y43',
    });
  });

  it.each([
    ['91350100M000100Y4', 'length', 'length 17, expected 18'],
    ['91350100M000100Y433', 'length', 'length 19, expected 18'],
    ['', 'length', 'length 0, expected 18'],
    ['9135I100M000100Y43', 'charset', "character 'I' at position 5 is not allowed"],
    ['91350100M000100O43', 'charset', "character 'O' at position 16 is not allowed"],
    ['91350100M0001 0Y43', 'charset', 'character U+0020 at position 14 is not allowed'],
    ['91350100M000100Y44', 'check_character', "check character is '4', expected '3'"],
    [
      'B1350100M000100Y43',
      'department',
      "registration department code 'B' at position 1 is not in GB 32100's table",
    ],
    [
      '94350100M000100Y43',
      'category',
      "category code '4' at position 2 is not valid for registration department '9' (工商)",
    ],
    [
      '913501A0M000100Y43',
      'division',
      "administrative division code '3501A0' (positions 3–8) must be 6 digits",
    ],
  ] as const)('refuses %j: %s', (code, rule, reason) => {
    const result = validateUscc(code);
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.rule).toBe(rule);
    expect(result.reason).toContain(reason);
  });

  it('refuses non-strings and very long input without throwing', () => {
    expect(validateUscc(91350100)).toEqual({
      valid: false,
      rule: 'type',
      reason: 'expected a string, received number',
    });
    expect(validateUscc(null)).toMatchObject({ valid: false, rule: 'type' });
    expect(validateUscc('9'.repeat(10 * 1024 * 1024))).toEqual({
      valid: false,
      rule: 'length',
      reason: `length ${10 * 1024 * 1024}, expected 18`,
    });
  });

  it('can skip the department/category table but never the check character', () => {
    const body = `B4${'350100M000100Y4'}`;
    const code = body + usccCheckCharacter(body);
    expect(validateUscc(code).valid).toBe(false);
    expect(validateUscc(code, { structure: false })).toEqual({ valid: true, normalized: code });
    const wrongCheck = body + (code.endsWith('0') ? '1' : '0');
    expect(validateUscc(wrongCheck, { structure: false })).toMatchObject({
      valid: false,
      rule: 'check_character',
    });
  });

  it('checks the embedded GB 11714 organization code only when asked', () => {
    // positions 9–17 = 'M000100Y5' instead of 'M000100Y4'; recompute position 18 so only the GB 11714 digit is wrong
    const body = '91350100M000100Y5';
    const code = body + usccCheckCharacter(body);
    expect(validateUscc(code).valid).toBe(true);
    expect(validateUscc(code, { organizationCode: true })).toEqual({
      valid: false,
      rule: 'organization_code',
      reason: "organization code check digit at position 17 is '5', expected '4'",
    });
  });

  it('accepts every department/category pair of the table', () => {
    for (const [department, { categories }] of Object.entries(USCC_DEPARTMENTS)) {
      for (const category of Object.keys(categories)) {
        const body = `${department}${category}110000MA0000001`;
        expect(validateUscc(body + usccCheckCharacter(body)).valid).toBe(true);
      }
    }
  });
});

describe('usccCheckCharacter', () => {
  it('computes the check character of known codes', () => {
    for (const code of REAL_CODES) expect(usccCheckCharacter(code.slice(0, 17))).toBe(code[17]);
  });

  it('maps a remainder of 0 to the character 0', () => {
    // Σ ≡ 0 (mod 31) → 31 − 0 = 31 → '0'
    expect(usccCheckCharacter('00000000000000000')).toBe('0');
  });

  it.each(['123', '9135I100M000100Y4', '91350100M000100Y43', 'x'.repeat(1_000_000)])(
    'throws a ModelError for %j',
    (input) => {
      expect(() => usccCheckCharacter(input)).toThrow(ModelError);
    },
  );
});

const charsetChar = fc.constantFrom(...USCC_CHARSET);
const body17 = fc.array(charsetChar, { minLength: 17, maxLength: 17 }).map((chars) => chars.join(''));

describe('USCC properties', () => {
  test.prop([body17])('a body plus its check character is valid (checksum rule)', (body) => {
    const code = body + usccCheckCharacter(body);
    expect(validateUscc(code, { structure: false })).toEqual({ valid: true, normalized: code });
    expect(validateUscc(code.toLowerCase(), { structure: false }).valid).toBe(true);
  });

  test.prop([body17, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 30 })])(
    'changing any single character makes the code invalid',
    (body, position, shift) => {
      const code = body + usccCheckCharacter(body);
      const replaced = USCC_CHARSET[(USCC_CHARSET.indexOf(code[position]!) + shift) % 31]!;
      const mutated = code.slice(0, position) + replaced + code.slice(position + 1);
      expect(mutated).not.toBe(code);
      expect(validateUscc(mutated, { structure: false })).toMatchObject({
        valid: false,
        rule: 'check_character',
      });
    },
  );

  test.prop([body17, fc.integer({ min: 0, max: 16 })])(
    'swapping two different adjacent characters is detected',
    (body, i) => {
      const code = body + usccCheckCharacter(body);
      fc.pre(code[i] !== code[i + 1]);
      const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
      expect(validateUscc(swapped, { structure: false }).valid).toBe(false);
    },
  );

  test.prop([fc.anything()])('never throws', (input) => {
    const result = validateUscc(input);
    expect(typeof result.valid).toBe('boolean');
  });

  test.prop([fc.string({ maxLength: 30 })])(
    'strings are valid only if 18 charset characters with the right check',
    (s) => {
      const result = validateUscc(s, { structure: false });
      if (result.valid) {
        expect(result.normalized).toMatch(/^[0-9A-HJ-NPQRTUWXY]{18}$/);
        expect(usccCheckCharacter(result.normalized.slice(0, 17))).toBe(result.normalized[17]);
      }
    },
  );
});

describe('usccSchema', () => {
  it('normalises and checks the checksum but not the department table', () => {
    expect(usccSchema.parse(' 91350100m000100y43 ')).toBe('91350100M000100Y43');
    const body = 'B4350100M000100Y4';
    expect(usccSchema.parse(body + usccCheckCharacter(body))).toBe(body + usccCheckCharacter(body));
    const result = usccSchema.safeParse('91350100M000100Y44');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("invalid USCC: check character is '4', expected '3'");
  });
});
