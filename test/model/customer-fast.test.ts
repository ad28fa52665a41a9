import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { customerSchema } from '../../src/model/customer.js';
import { fastParseCustomer } from '../../src/model/customer-fast.js';
import { safeParseModel } from '../../src/model/issues.js';
import { USCC_CHARSET, usccCheckCharacter } from '../../src/model/uscc.js';
import { expectSameAsSchema, mutateAt } from './fast-path.js';

const slow = (raw: unknown) => safeParseModel(customerSchema, raw);

const uscc = fc
  .array(fc.constantFrom(...USCC_CHARSET), { minLength: 17, maxLength: 17 })
  .map((chars) => chars.join(''))
  .map((first17) => first17 + usccCheckCharacter(first17));

/** Customer rows as hosts (and the simulation) send them: mostly clean. */
const customerArbitrary = fc.record(
  {
    id: fc.constantFrom('cust-1', 'c.2', 'C-3'),
    name: fc.constantFrom('苏州精工机械有限公司', '恒锐机械', 'ACME Ltd'),
    uscc,
    registeredAddress: fc.constantFrom('苏州工业园区星湖街328号', '浙江省宁波市北仑区新碶街道 12 号'),
    groupId: fc.constantFrom('g-1', 'group.2'),
    parentId: fc.constantFrom('hq', 'cust-9'),
    region: fc.constantFrom('江苏', '浙江', 'Shanghai'),
    city: fc.constantFrom('苏州', '宁波'),
    industry: fc.constantFrom('汽车零部件', '电子制造'),
    ownerRepId: fc.constantFrom('rep-a', 'rep-b'),
    currency: fc.constantFrom('CNY', 'USD'),
    contacts: fc.array(
      fc.record(
        {
          name: fc.constantFrom('王工', '刘经理'),
          role: fc.constantFrom('采购总监', '技术负责人'),
          phone: fc.constantFrom('13800138000', '+86 21 6888 8888', '(0512)62345678'),
          email: fc.constantFrom('buyer@example.com', 'a@b.co'),
          wecomId: fc.constantFrom('ZhangWei', 'li.lei'),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
    purchases: fc.constant([]),
    custom: fc.constant({}),
  },
  { requiredKeys: ['id', 'name', 'region', 'industry'] },
);

/** Values that probe every check: blanks, padding, wrong types, limits, odd strings. */
const probe = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    ' ',
    ' padded ',
    'x',
    'cny',
    'CNY',
    'US',
    '__proto__',
    'cust-1',
    '91350100M000100Y43',
    '91350100m000100y43',
    '91350100M000100Y44',
    '12',
    'not-an-email',
    'a@b.co',
    '138 0000 0000',
    0,
    1.5,
    true,
    [],
    {},
    [{}],
    [{ model: 'HR-2000', date: '2025-11-03', quantity: 2, amount: 96000 }],
    { utm: 'x' },
    'x'.repeat(201),
    'x'.repeat(300),
    'x'.repeat(301),
  ),
  fc.string({ maxLength: 8 }),
  fc.integer(),
);

const PATHS = [
  'id',
  'name',
  'uscc',
  'registeredAddress',
  'groupId',
  'parentId',
  'region',
  'city',
  'industry',
  'ownerRepId',
  'currency',
  'contacts',
  'contacts.0.name',
  'contacts.0.role',
  'contacts.0.phone',
  'contacts.0.email',
  'contacts.0.wecomId',
  'contacts.0.extra',
  'purchases',
  'receivables',
  'technicalContacts',
  'renewals',
  'custom',
  'extra',
] as const;

const mutated = fc
  .tuple(customerArbitrary, fc.constantFrom(...PATHS), probe)
  .map(([customer, path, value]) => mutateAt(customer, path, value));

describe('fastParseCustomer agrees with the zod schema', () => {
  test.prop([mutated], { numRuns: 5000 })(
    'whenever the fast path accepts, the schema accepts the same customer',
    (raw) => expectSameAsSchema(fastParseCustomer(raw), () => slow(raw)),
  );

  test.prop([customerArbitrary], { numRuns: 500 })(
    'takes the fast path for clean rows without history (so it is worth having)',
    (raw) => {
      const fast = fastParseCustomer(raw);
      expect(fast).toBeDefined();
      const reference = slow(raw);
      expect(reference.ok && JSON.stringify(reference.value)).toBe(JSON.stringify(fast));
    },
  );
});
