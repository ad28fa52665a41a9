import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  decodeState,
  encodeState,
  hasState,
  MAX_URL_CHARS,
  type PlaygroundState,
} from '../../playground/src/url-state.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';

/** Text mixing ASCII, Chinese, emoji (surrogate pairs) and JSON-special characters. */
const mixedText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\n', '{', '}', '#', '&', '=', '+', '/'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.constantFrom('苏', '州', '工', '业', '园', '区', '销', '售'),
    fc.constantFrom('🚀', '😀', '🇨🇳', '👍🏽'),
  ),
  maxLength: 200,
});

const stateArb: fc.Arbitrary<PlaygroundState> = fc.record({
  v: fc.constant(1 as const),
  lang: fc.constantFrom('zh-CN' as const, 'en' as const),
  params: fc.record({
    preset: fc.constantFrom('zhikong' as const, 'hengrui' as const),
    days: fc.integer({ min: 1, max: 366 }),
    leadsPerMonth: fc.integer({ min: 1, max: 200_000 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  }),
  ruleSet: fc.option(mixedText, { nil: null }),
  team: fc.option(mixedText, { nil: null }),
  baseline: fc.option(
    fc.record({ ruleSet: fc.option(mixedText, { nil: null }), team: fc.option(mixedText, { nil: null }) }),
    { nil: null },
  ),
  leads: fc.option(fc.record({ name: fc.string({ maxLength: 40 }), text: mixedText }), { nil: null }),
});

const base: PlaygroundState = {
  v: 1,
  lang: 'zh-CN',
  params: { preset: 'zhikong', days: 30, leadsPerMonth: 12_000, seed: 42 },
  ruleSet: JSON.stringify(zhikongPreset.ruleSet, null, 2),
  team: null,
  baseline: null,
  leads: null,
};

/** Raw hash of any JSON value, compressed the way encodeState does, to craft bad states. */
async function hashOfJson(value: unknown): Promise<string> {
  const stream = new Blob([new TextEncoder().encode(JSON.stringify(value))])
    .stream()
    .pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return `#s=${Buffer.from(bytes).toString('base64url')}`;
}

/** Leads text that deflate cannot shrink much (seeded pseudo-random hex). */
function noisyLeads(chars: number): string {
  let x = 12_345;
  let out = 'name,phone\n';
  while (out.length < chars) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    out += `${x.toString(16)},${(x >> 3).toString(36)}\n`;
  }
  return out;
}

describe('encodeState / decodeState', () => {
  test.prop([stateArb], { numRuns: 150 })('round trip of any valid state', async (state) => {
    const { hash, omitted, fits } = await encodeState(state);
    expect(hash.startsWith('#s=')).toBe(true);
    expect(hash).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    expect(omitted).toEqual([]);
    expect(fits).toBe(true);
    expect(await decodeState(hash)).toEqual({ ok: true, state });
  });

  it('reads the hash with or without the leading #', async () => {
    const { hash } = await encodeState(base);
    expect(await decodeState(hash.slice(1))).toEqual({ ok: true, state: base });
    expect(hasState(hash)).toBe(true);
    expect(hasState('')).toBe(false);
    expect(hasState('#section-2')).toBe(false);
  });

  it('compresses a rule set well below the limit', async () => {
    const { hash } = await encodeState(base);
    expect(hash.length).toBeLessThan(base.ruleSet!.length / 2);
  });

  it('drops the uploaded leads first when the link would be too long, and keeps the rules', async () => {
    const leads = { name: '线索.csv', text: noisyLeads(MAX_URL_CHARS * 2) };
    const state: PlaygroundState = {
      ...base,
      baseline: { ruleSet: '{"id":"old"}', team: null },
      leads,
    };
    const { hash, omitted, fits } = await encodeState(state);
    expect(omitted).toEqual(['leads']);
    expect(fits).toBe(true);
    expect(hash.length).toBeLessThanOrEqual(MAX_URL_CHARS);
    expect(await decodeState(hash)).toEqual({ ok: true, state: { ...state, leads: null } });
  });

  it('drops the baseline next, and says when even the rules alone do not fit', async () => {
    const huge = noisyLeads(MAX_URL_CHARS * 2);
    const onlyBaseline = await encodeState({
      ...base,
      baseline: { ruleSet: huge, team: null },
      leads: { name: 'a.csv', text: huge },
    });
    expect(onlyBaseline.omitted).toEqual(['leads', 'baseline']);
    expect(onlyBaseline.fits).toBe(true);
    const rulesTooBig = await encodeState({ ...base, ruleSet: huge, leads: { name: 'a.csv', text: 'x' } });
    expect(rulesTooBig.omitted).toEqual(['leads']);
    expect(rulesTooBig.fits).toBe(false);
    expect(await decodeState(rulesTooBig.hash)).toMatchObject({ ok: true, state: { ruleSet: huge } });
  });
});

describe('decodeState on bad hashes', () => {
  const bad = async (hash: string) => {
    const result = await decodeState(hash);
    expect(result.ok).toBe(false);
    if (result.ok) throw new Error('unreachable');
    expect(result.error.length).toBeGreaterThan(10);
    return result.error;
  };

  it('no state, empty state, non-base64url', async () => {
    expect(await bad('')).toMatch(/no playground state/);
    expect(await bad('#s=')).toMatch(/empty/);
    expect(await bad('#s=abc$%^')).toMatch(/base64url/);
    expect(await bad('#s=a')).toMatch(/base64url|decompress/);
  });

  it('truncated hashes', async () => {
    const { hash } = await encodeState(base);
    for (const keep of [4, 10, 50, Math.floor(hash.length / 2), hash.length - 3])
      await bad(hash.slice(0, keep));
  });

  test.prop([
    fc.string({ unit: fc.constantFrom(...'ABCabc0123456789-_xyzXYZ'), minLength: 1, maxLength: 300 }),
  ])('garbage never throws', async (garbage) => {
    const result = await decodeState(`#s=${garbage}`);
    expect(result.ok).toBe(false);
  });

  test.prop([fc.nat(), fc.integer({ min: 1, max: 255 })], { numRuns: 60 })(
    'tampered bytes never throw and never give a state that was not encoded',
    async (position, flip) => {
      const { hash } = await encodeState(base);
      const bytes = Buffer.from(hash.slice(3), 'base64url');
      const at = position % bytes.length;
      bytes[at] = bytes[at]! ^ flip;
      const result = await decodeState(`#s=${bytes.toString('base64url')}`);
      // A flipped bit may still decompress (deflate has no checksum) — then validation judges it.
      if (result.ok) expect(Object.keys(result.state).sort()).toEqual(Object.keys(base).sort());
      else expect(result.error).toMatch(/link/);
    },
  );

  it('an unknown version is named', async () => {
    expect(await bad(await hashOfJson({ ...base, v: 2 }))).toMatch(/version 2 is not supported/);
  });

  it('every field is validated', async () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /expected an object/],
      ['text', /expected an object/],
      [{ ...base, lang: 'fr' }, /lang/],
      [{ ...base, params: { ...base.params, days: 0 } }, /params\.days/],
      [{ ...base, params: { ...base.params, days: 1.5 } }, /params\.days/],
      [{ ...base, params: { ...base.params, leadsPerMonth: 200_001 } }, /params\.leadsPerMonth/],
      [{ ...base, params: { ...base.params, seed: -1 } }, /params\.seed/],
      [{ ...base, params: { ...base.params, seed: '7' } }, /params\.seed/],
      [{ ...base, params: { ...base.params, preset: 'acme' } }, /params\.preset/],
      [{ ...base, params: { ...base.params, extra: 1 } }, /unknown field "extra"/],
      [{ ...base, ruleSet: 42 }, /ruleSet: expected a string/],
      [{ ...base, team: {} }, /team: expected a string/],
      [{ ...base, baseline: { ruleSet: null } }, /baseline: missing field "team"/],
      [{ ...base, baseline: 'x' }, /baseline: expected an object/],
      [{ ...base, leads: { name: 'a.csv' } }, /leads: missing field "text"/],
      [{ ...base, leads: { name: 'x'.repeat(256), text: '' } }, /leads\.name/],
      [{ ...base, hacked: true }, /unknown field "hacked"/],
      [{ v: 1, lang: 'en' }, /missing field/],
    ];
    for (const [value, message] of cases) expect(await bad(await hashOfJson(value))).toMatch(message);
  });

  it('bytes that are not UTF-8 are refused', async () => {
    const stream = new Blob([new Uint8Array([0xff, 0xfe, 0x7b])])
      .stream()
      .pipeThrough(new CompressionStream('deflate-raw'));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    await bad(`#s=${Buffer.from(bytes).toString('base64url')}`);
  });
});
