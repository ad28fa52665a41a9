import { fc, test } from '@fast-check/vitest';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  isKnownLeadChannel,
  LEAD_CHANNELS,
  type Lead,
  type LeadInput,
  leadInputSchema,
  MODEL_LIMITS,
  type ModelIssue,
  parseLead,
} from '../../src/model/index.js';

const T0 = Date.parse('2026-03-02T01:30:00Z');

function validInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    receivedAt: '2026-03-02T09:30:00+08:00',
    channel: 'website_form',
    company: { name: '恒锐机械', region: 'Jiangsu', park: 'Suzhou Industrial Park', industry: 'auto_parts' },
    contact: { name: '李雷', phone: '13800138000' },
    ...overrides,
  };
}

function accepted(raw: unknown): Lead {
  const result = parseLead(raw);
  if (!result.ok) throw new Error(`expected the lead to parse, got ${JSON.stringify(result.issues)}`);
  return result.lead;
}

function refused(raw: unknown): ModelIssue[] {
  const result = parseLead(raw);
  if (result.ok) throw new Error('expected the lead to be refused');
  return result.issues;
}

function paths(issues: readonly ModelIssue[]): string[] {
  return issues.map((issue) => issue.path);
}

describe('parseLead — valid leads', () => {
  it('parses a minimal lead and applies defaults', () => {
    const lead = accepted(validInput());
    expect(lead).toEqual({
      receivedAt: T0,
      channel: 'website_form',
      company: {
        name: '恒锐机械',
        region: 'Jiangsu',
        park: 'Suzhou Industrial Park',
        industry: 'auto_parts',
      },
      contact: { name: '李雷', phone: '13800138000' },
      behaviours: [],
      priority: 'normal',
      tags: [],
      custom: {},
    });
  });

  it.each(LEAD_CHANNELS)('accepts the known channel %s', (channel) => {
    expect(accepted(validInput({ channel })).channel).toBe(channel);
    expect(isKnownLeadChannel(channel)).toBe(true);
  });

  it('accepts a host-defined channel matching the pattern', () => {
    expect(accepted(validInput({ channel: 'xiaohongshu_note' })).channel).toBe('xiaohongshu_note');
    expect(isKnownLeadChannel('xiaohongshu_note')).toBe(false);
  });

  it.each(['Website_Form', '1api', 'has space', '', `a${'b'.repeat(40)}`])(
    'refuses the channel %j',
    (channel) => {
      expect(paths(refused(validInput({ channel })))).toEqual(['channel']);
    },
  );

  it('normalises receivedAt from ISO (with offset or Z) and from epoch ms', () => {
    expect(accepted(validInput({ receivedAt: '2026-03-02T01:30:00Z' })).receivedAt).toBe(T0);
    expect(accepted(validInput({ receivedAt: '2026-03-02T01:30:00.000Z' })).receivedAt).toBe(T0);
    expect(accepted(validInput({ receivedAt: T0 })).receivedAt).toBe(T0);
  });

  it.each([
    ['local time without offset', '2026-03-02T09:30:00'],
    ['date only', '2026-03-02'],
    ['impossible date', '2026-02-30T09:30:00Z'],
    ['epoch seconds', Math.floor(T0 / 1000)],
    ['fractional ms', T0 + 0.5],
    ['before 2000', Date.parse('1999-12-31T23:59:59Z')],
    ['2100 or later', Date.parse('2100-01-01T00:00:00Z')],
    ['NaN', Number.NaN],
    ['boolean', true],
  ])('refuses receivedAt given as %s', (_label, receivedAt) => {
    expect(paths(refused(validInput({ receivedAt })))).toEqual(['receivedAt']);
  });

  it('hints at epoch seconds sent instead of milliseconds', () => {
    const [issue] = refused(validInput({ receivedAt: Math.floor(T0 / 1000) }));
    expect(issue?.message).toMatch(/epoch seconds/);
  });

  it('parses every behaviour type and normalises their instants', () => {
    const lead = accepted(
      validInput({
        behaviours: [
          { type: 'page_view', at: '2026-03-01T10:00:00+08:00', url: 'https://example.cn/sensors' },
          { type: 'download', at: T0, asset: '热管理仿真报告.pdf' },
          { type: 'video_watch', at: T0, seconds: 190, videoId: 'v-42' },
          { type: 'form_submit', at: T0 },
        ],
      }),
    );
    expect(lead.behaviours).toEqual([
      { type: 'page_view', at: Date.parse('2026-03-01T02:00:00Z'), url: 'https://example.cn/sensors' },
      { type: 'download', at: T0, asset: '热管理仿真报告.pdf' },
      { type: 'video_watch', at: T0, seconds: 190, videoId: 'v-42' },
      { type: 'form_submit', at: T0 },
    ]);
  });

  it('parses the full shape: uscc normalised, budget currency default, urgent tender, custom fields', () => {
    const lead = accepted(
      validInput({
        externalId: 'lead-1',
        campaign: '2026 春季展',
        company: {
          name: ' 恒锐机械 ',
          uscc: ' 91350100m000100y43 ',
          region: 'Zhejiang',
          city: 'Taizhou',
          industry: 'auto_parts',
          groupId: 'grp-hengrui',
        },
        contact: {
          name: '李雷',
          title: '采购总监',
          phone: '+86 576 8888 8888',
          email: 'li@example.cn',
          wecomId: 'LiLei',
        },
        budget: { amount: 500_000 },
        need: '电池壳体轻量化方案',
        priority: 'urgent',
        tags: [' tender '],
        custom: { utm_source: 'baidu', score: 7, vip: true, note: null },
      }),
    );
    expect(lead.externalId).toBe('lead-1');
    expect(lead.company.name).toBe('恒锐机械');
    expect(lead.company.uscc).toBe('91350100M000100Y43');
    expect(lead.budget).toEqual({ amount: 500_000, currency: 'CNY' });
    expect(lead.priority).toBe('urgent');
    expect(lead.tags).toEqual(['tender']);
    expect(lead.custom).toEqual({ utm_source: 'baidu', score: 7, vip: true, note: null });
  });

  it('upper-cases the budget currency', () => {
    expect(accepted(validInput({ budget: { amount: 0, currency: 'usd' } })).budget).toEqual({
      amount: 0,
      currency: 'USD',
    });
  });

  it('treats blank optional strings from web forms as absent', () => {
    const lead = accepted(
      validInput({
        externalId: '',
        campaign: '  ',
        company: { name: 'ACME', region: 'Shanghai', industry: 'education', uscc: '', city: '' },
        contact: { name: '', phone: '', email: ' ', wecomId: '' },
        need: '',
      }),
    );
    expect(lead.externalId).toBeUndefined();
    expect(lead.campaign).toBeUndefined();
    expect(lead.company).toEqual({ name: 'ACME', region: 'Shanghai', industry: 'education' });
    expect(lead.contact).toEqual({});
    expect(lead.need).toBeUndefined();
  });

  it('does not require a reachable contact (completeness is a qualification matter)', () => {
    expect(accepted(validInput({ contact: {} })).contact).toEqual({});
  });

  it('returns fresh objects and does not mutate the input', () => {
    const raw = validInput({ custom: { a: 1 } });
    const snapshot = structuredClone(raw);
    const lead = accepted(raw);
    expect(raw).toEqual(snapshot);
    expect(lead.custom).not.toBe(raw.custom);
    expect(Object.getPrototypeOf(lead.custom)).toBe(Object.prototype);
  });

  it('infers the documented types', () => {
    expectTypeOf<Lead['receivedAt']>().toEqualTypeOf<number>();
    expectTypeOf<Lead['behaviours'][number]['at']>().toEqualTypeOf<number>();
    expectTypeOf<Lead['priority']>().toEqualTypeOf<'normal' | 'urgent'>();
    expectTypeOf<Lead['custom']>().toEqualTypeOf<Record<string, string | number | boolean | null>>();
    expectTypeOf<LeadInput['receivedAt']>().toEqualTypeOf<string | number>();
    expectTypeOf<Lead['company']['uscc']>().toEqualTypeOf<string | undefined>();
  });
});

describe('parseLead — refused leads name the field', () => {
  it.each([
    ['null', null],
    ['an array', []],
    ['a number', 42],
    ['a string', 'lead'],
    ['undefined', undefined],
  ])('refuses %s at the root path', (_label, raw) => {
    const issues = refused(raw);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('');
    expect(issues[0]?.message).toMatch(/expected object/);
  });

  it('reports a missing company and contact as required', () => {
    const raw = validInput();
    delete raw.company;
    delete raw.contact;
    expect(refused(raw)).toEqual([
      { path: 'company', message: 'required (expected object)' },
      { path: 'contact', message: 'required (expected object)' },
    ]);
  });

  it('reports wrong types with exact paths', () => {
    const issues = refused(
      validInput({
        company: { name: 42, region: '', industry: ['auto'] },
        contact: { phone: 13800138000, email: 'not-an-email' },
        budget: { amount: -1, currency: 'yuan' },
        priority: 'high',
        tags: 'tender',
      }),
    );
    expect(issues).toEqual([
      { path: 'company.name', message: 'expected string, received number' },
      { path: 'company.region', message: 'must not be empty' },
      { path: 'company.industry', message: 'expected string, received array' },
      { path: 'contact.phone', message: 'expected string, received number' },
      { path: 'contact.email', message: 'must be an e-mail address' },
      { path: 'budget.amount', message: 'must be ≥ 0' },
      { path: 'budget.currency', message: 'must be an ISO 4217 code of 3 letters, e.g. CNY' },
      { path: 'priority', message: 'expected one of "normal", "urgent", received "high"' },
      { path: 'tags', message: 'expected array, received string' },
    ]);
  });

  it('reports behaviour problems as behaviours[i].field', () => {
    const issues = refused(
      validInput({
        behaviours: [
          { type: 'page_view', at: T0 },
          { type: 'download', at: T0 },
          { type: 'video_watch', at: T0, seconds: '190' },
          { type: 'scroll', at: T0 },
          { at: T0 },
          'click',
          { type: 'form_submit', at: T0, extra: 1 },
        ],
      }),
    );
    expect(issues).toEqual([
      { path: 'behaviours[1].asset', message: 'required (expected string)' },
      { path: 'behaviours[2].seconds', message: 'expected number, received string' },
      {
        path: 'behaviours[3].type',
        message:
          'unknown type "scroll": expected one of "page_view", "download", "video_watch", "form_submit"',
      },
      {
        path: 'behaviours[4].type',
        message: 'required (expected one of "page_view", "download", "video_watch", "form_submit")',
      },
      { path: 'behaviours[5]', message: 'expected object, received string' },
      { path: 'behaviours[6].extra', message: 'unknown field "extra"; put extra data in `custom`' },
    ]);
  });

  it('refuses unknown keys, naming each one', () => {
    const issues = refused(
      validInput({ compnay: {}, company: { name: 'A', region: 'B', industry: 'C', size: 5 } }),
    );
    expect(paths(issues)).toEqual(['company.size', 'compnay']);
    expect(issues[1]?.message).toMatch(/unknown field "compnay"/);
  });

  it('refuses an invalid USCC with the failing rule', () => {
    const issues = refused(
      validInput({ company: { name: 'A', region: 'B', industry: 'C', uscc: '91350100M000100Y44' } }),
    );
    expect(issues).toEqual([
      { path: 'company.uscc', message: "invalid USCC: check character is '4', expected '3'" },
    ]);
  });
});

describe('parseLead — security and limits', () => {
  it('refuses a 10 MB string quickly, at its field path', () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    for (const [path, raw] of [
      ['company.name', validInput({ company: { name: huge, region: 'B', industry: 'C' } })],
      ['need', validInput({ need: huge })],
      ['contact.email', validInput({ contact: { email: huge } })],
      ['company.uscc', validInput({ company: { name: 'A', region: 'B', industry: 'C', uscc: huge } })],
      ['receivedAt', validInput({ receivedAt: huge })],
      ['custom.blob', validInput({ custom: { blob: huge } })],
      ['behaviours[0].url', validInput({ behaviours: [{ type: 'page_view', at: T0, url: huge }] })],
    ] as const) {
      const started = performance.now();
      const issues = refused(raw);
      expect(performance.now() - started).toBeLessThan(500);
      expect(paths(issues)).toEqual([path]);
    }
  });

  it('reports the length limit and the actual length', () => {
    const issues = refused(validInput({ need: 'x'.repeat(MODEL_LIMITS.needLength + 1) }));
    expect(issues).toEqual([{ path: 'need', message: 'must be at most 10000 characters (got 10001)' }]);
    expect(accepted(validInput({ need: 'x'.repeat(MODEL_LIMITS.needLength) })).need).toHaveLength(10_000);
  });

  it('allows 1,000 behaviours and refuses 1,001 without parsing each', () => {
    const event = { type: 'form_submit', at: T0 };
    expect(accepted(validInput({ behaviours: Array(1000).fill(event) })).behaviours).toHaveLength(1000);
    expect(refused(validInput({ behaviours: Array(1001).fill(event) }))).toEqual([
      { path: 'behaviours', message: 'must have at most 1000 items (got 1001)' },
    ]);
    const started = performance.now();
    expect(paths(refused(validInput({ behaviours: Array(2_000_000).fill('junk') })))).toEqual(['behaviours']);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('allows 100 custom keys and refuses 101', () => {
    const custom = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(accepted(validInput({ custom: custom(100) })).custom)).toHaveLength(100);
    expect(refused(validInput({ custom: custom(101) }))).toEqual([
      { path: 'custom', message: 'must have at most 100 keys (got 101)' },
    ]);
  });

  it('refuses __proto__ / constructor / prototype keys in custom, including JSON.parse own keys', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const raw = JSON.parse(`{"${key}": "x", "ok": 1}`) as Record<string, unknown>;
      expect(Object.hasOwn(raw, key)).toBe(true);
      const issues = refused(validInput({ custom: raw }));
      expect(issues).toEqual([
        { path: `custom.${key}`, message: `forbidden key "${key}" (refused to prevent prototype pollution)` },
      ]);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses an own __proto__ key on the lead and on nested objects', () => {
    const raw = JSON.parse(
      `{"__proto__": {"polluted": true}, "receivedAt": ${T0}, "channel": "api",
        "company": {"name": "A", "region": "B", "industry": "C", "__proto__": {"x": 1}}, "contact": {}}`,
    );
    const issues = refused(raw);
    expect(paths(issues)).toEqual(['company.__proto__', '__proto__']);
    expect(issues[0]?.message).toMatch(/forbidden key "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses nested values in custom and reports quoted keys', () => {
    const issues = refused(
      validInput({ custom: { 'utm source': { deep: [1, [2, [3]]] }, n: Number.POSITIVE_INFINITY } }),
    );
    expect(issues).toEqual([
      { path: 'custom["utm source"]', message: 'expected string | number | boolean | null, received object' },
      { path: 'custom.n', message: 'expected string | number | boolean | null, received Infinity' },
    ]);
  });

  it('handles deeply nested junk without recursing into it', () => {
    let junk: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) junk = [junk];
    const issues = refused(validInput({ company: junk, custom: { deep: junk }, behaviours: [junk] }));
    expect(paths(issues)).toEqual(['company', 'behaviours[0]', 'custom.deep']);
  });

  it('caps the number of issues and says how many were left out', () => {
    const issues = refused(validInput({ behaviours: Array(1000).fill({ type: 'page_view' }) }));
    expect(issues).toHaveLength(MODEL_LIMITS.maxIssues);
    expect(issues.at(-1)).toEqual({ path: '', message: '…and 901 more issues' });
  });

  it('truncates very long unknown keys in paths and messages', () => {
    const key = 'k'.repeat(100_000);
    const [issue] = refused(validInput({ [key]: 1 }));
    expect(issue?.path.length).toBeLessThan(200);
    expect(issue?.message.length).toBeLessThan(300);
  });

  it('turns an input that throws while being read into an issue', () => {
    const raw = validInput();
    Object.defineProperty(raw, 'channel', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(refused(raw)).toEqual([{ path: '', message: 'input could not be read: boom' }]);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(paths(refused(revoked.proxy))).toEqual(['']);
  });
});

describe('parseLead — properties', () => {
  test.prop([
    fc.anything({
      withObjectString: true,
      withNullPrototype: true,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      withBoxedValues: true,
    }),
  ])('never throws on fc.anything()', (raw) => {
    const result = parseLead(raw);
    expect(typeof result.ok).toBe('boolean');
    if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
  });

  test.prop([fc.jsonValue()])('never throws on JSON values and reports string paths', (raw) => {
    const result = parseLead(raw);
    if (!result.ok) {
      for (const issue of result.issues) {
        expect(typeof issue.path).toBe('string');
        expect(issue.message.length).toBeGreaterThan(0);
      }
    }
  });

  test.prop([
    fc.record(
      {
        company: fc.anything(),
        contact: fc.anything(),
        behaviours: fc.array(fc.anything()),
        custom: fc.dictionary(fc.string(), fc.jsonValue()),
        budget: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  ])('never throws on leads with junk in their fields', (fields) => {
    const result = parseLead(validInput(fields));
    expect(typeof result.ok).toBe('boolean');
  });

  test.prop([
    fc.record({
      at: fc.integer({ min: MODEL_LIMITS.minInstantMs, max: MODEL_LIMITS.maxInstantMs - 1 }),
      seconds: fc.double({ min: 0, max: MODEL_LIMITS.maxVideoSeconds, noNaN: true }),
      region: fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s.trim() !== ''),
    }),
  ])('accepts valid instants as ISO strings and as epoch ms alike', ({ at, seconds, region }) => {
    const iso = new Date(at).toISOString();
    const fromMs = accepted(
      validInput({
        receivedAt: at,
        company: { name: 'A', region, industry: 'C' },
        behaviours: [{ type: 'video_watch', at, seconds }],
      }),
    );
    const fromIso = accepted(
      validInput({
        receivedAt: iso,
        company: { name: 'A', region, industry: 'C' },
        behaviours: [{ type: 'video_watch', at: iso, seconds }],
      }),
    );
    expect(fromIso).toEqual(fromMs);
    expect(fromMs.receivedAt).toBe(at);
    expect(fromMs.company.region).toBe(region.trim());
  });

  it('is the same as leadInputSchema.safeParse on success', () => {
    const raw = validInput();
    expect(accepted(raw)).toEqual(leadInputSchema.parse(raw));
  });
});
