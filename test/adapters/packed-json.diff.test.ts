/**
 * Differential property test: packed JSON (`packed-json.ts`, the memory stores' cold rows)
 * against its reference, the JSON text — `unpack(pack(v))` must equal
 * `JSON.parse(JSON.stringify(v))` for any JSON value, key order included, through one packer
 * that has seen many values before (shared shapes and strings) and through a fresh one.
 */

import { isDeepStrictEqual } from 'node:util';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createPackedJson } from '../../src/adapters/storage/packed-json.js';
import type { JsonValue } from '../../src/adapters/storage/port.js';

const viaText = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Equal as JSON text gives it: same keys in the same order, -0 as 0, `__proto__` an own key. */
function expectSameAsText(actual: unknown, value: unknown): void {
  expect(JSON.stringify(actual)).toBe(JSON.stringify(value));
  // node's comparison: vitest's strict equality compares own `constructor` keys by identity.
  expect(isDeepStrictEqual(actual, viaText(value))).toBe(true);
}

// Strings from a small vocabulary (shared once seen often), Chinese, lone surrogates, long text.
const word = fc.constantFrom(
  'new',
  'assigned',
  'rep-a',
  'first-follow-up-24h',
  '已报价',
  '__proto__',
  'constructor',
  '',
);
const text = fc.oneof(
  word,
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ maxLength: 300 }),
);
const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: 0, max: 300 }),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 2 ** 53, -(2 ** 53), 1740968068886.8308, Number.MIN_VALUE, Number.MAX_VALUE),
);
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    number,
    text,
    fc.array(tie('value'), { maxLength: 6 }),
    // Objects of a few recurring shapes and of arbitrary keys.
    fc.dictionary(word, tie('value'), { maxKeys: 5 }),
    fc.dictionary(text, tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('packed JSON', () => {
  const shared = createPackedJson();

  test.prop([fc.array(json, { minLength: 1, maxLength: 8 })], { numRuns: 500 })(
    'unpacks what JSON text would give back, through a packer that has seen other values',
    (values) => {
      const packed = values.map((value) => shared.pack(value));
      for (let i = 0; i < values.length; i++) {
        // A one-byte string: every char code below 256.
        expect([...packed[i]!].every((char) => char.charCodeAt(0) < 256)).toBe(true);
        expectSameAsText(shared.unpack(packed[i]!), values[i]);
      }
    },
  );

  test.prop([json], { numRuns: 300 })('a fresh packer too', (value) => {
    const packer = createPackedJson();
    expectSameAsText(packer.unpack(packer.pack(value)), value);
  });

  it('shares shapes and recurring strings: a repeated record packs to a fraction of its text', () => {
    const packer = createPackedJson();
    const record = (i: number) => ({
      id: `lead-${String(i).padStart(7, '0')}`,
      state: 'contacted',
      ownerId: 'rep-a',
      receivedAt: 1740931324799 + i,
      firstFollowUpAt: 1740968068886.8308,
      tags: ['channel/website_form', 'budget/under-100k', 'intent/A'],
      followUps: [{ status: '已报价', nextAction: '跟进报价反馈', outcome: 'quoted' }],
      counters: { reassignments: 0, offersExpired: 0, recycles: 0 },
    });
    for (let i = 0; i < 10; i++) packer.pack(record(i));
    const packed = packer.pack(record(10));
    expect(packed.length).toBeLessThan(JSON.stringify(record(10)).length / 4);
    expect(packer.unpack(packed)).toStrictEqual(record(10));
  });

  it('leaves out undefined object values and writes undefined array items as null, as JSON text does', () => {
    const packer = createPackedJson();
    const value = { a: 1, b: undefined, c: [undefined, 2] } as unknown as JsonValue;
    expect(packer.unpack(packer.pack(value))).toStrictEqual({ a: 1, c: [null, 2] });
  });

  it('keeps a __proto__ key as an own key, not as the prototype', () => {
    const packer = createPackedJson();
    const value = JSON.parse('{"__proto__":{"polluted":true},"x":1}') as JsonValue;
    for (let i = 0; i < 5; i++) packer.pack(value); // shared shape and strings by now
    const back = packer.unpack(packer.pack(value)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'x']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('packs objects beyond the shape bounds with their keys spelled out', () => {
    const packer = createPackedJson();
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    expect(packer.unpack(packer.pack(wide))).toStrictEqual(wide);
    // Ever-new keys (a host's dynamic maps) fill the shape table; then objects spell their keys.
    for (let i = 0; i < 17_000; i++) {
      const dynamic = { [`id-${i}`]: i };
      expect(packer.unpack(packer.pack(dynamic))).toStrictEqual(dynamic);
    }
  });
});
