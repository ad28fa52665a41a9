import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { safeParseModel } from '../../src/model/issues.js';
import { leadInputSchema } from '../../src/model/lead.js';
import { fastParseLead } from '../../src/model/lead-fast.js';
import { USCC_CHARSET, usccCheckCharacter } from '../../src/model/uscc.js';
import { leadArbitrary } from '../../src/testing/arbitraries.js';
import { expectSameAsSchema, mutateAt } from './fast-path.js';

const AT = Date.parse('2026-03-02T02:00:00Z');
const slow = (raw: unknown) => safeParseModel(leadInputSchema, raw);

/** Values that probe every check: blanks, padding, wrong types, limits, odd numbers. */
const probe = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    ' ',
    ' padded ',
    'x',
    'CNY',
    'cny',
    'USD',
    'urgent',
    'normal',
    'website_form',
    'Website_Form',
    '138 0000 0000',
    '+86-21-6888',
    '12',
    'a@b.co',
    'not-an-email',
    '__proto__',
    '91350100M000100Y43',
    '91350100m000100y43',
    '91350100M000100Y44',
    ' 91350100M000100Y43',
    'group-1',
    '2026-03-02T10:00:00+08:00',
    0,
    -1,
    1.5,
    AT,
    AT + 0.5,
    Number.NaN,
    1e16,
    86_401,
    true,
    [],
    {},
    ['tender'],
    [' tender'],
  ),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
);

/** A valid lead with one field (possibly nested) replaced by a probe value, or an extra key. */
const mutated = fc
  .tuple(
    leadArbitrary(AT),
    fc.constantFrom(
      'externalId',
      'receivedAt',
      'channel',
      'campaign',
      'company.name',
      'company.region',
      'company.city',
      'company.park',
      'company.industry',
      'company.uscc',
      'company.groupId',
      'contact.name',
      'contact.phone',
      'contact.email',
      'contact.extra',
      'budget.amount',
      'budget.currency',
      'budget',
      'need',
      'behaviours',
      'behaviours.0.seconds',
      'behaviours.0.at',
      'behaviours.0.asset',
      'priority',
      'tags',
      'custom',
      'extra',
    ),
    probe,
  )
  .map(([lead, path, value]) => mutateAt(lead, path, value));

describe('fastParseLead agrees with the zod schema', () => {
  test.prop([mutated], { numRuns: 5000 })(
    'whenever the fast path accepts, the schema accepts the same lead',
    (raw) => expectSameAsSchema(fastParseLead(raw), () => slow(raw)),
  );

  test.prop([fc.array(leadArbitrary(AT), { minLength: 50, maxLength: 50 })], { numRuns: 20 })(
    'takes the fast path for the common clean payloads (so it is worth having)',
    (leads) => {
      // Blank optional fields (e.g. an empty `need`) take the schema path; most leads do not.
      const accepted = leads.filter((lead) => fastParseLead(lead) !== undefined);
      expect(accepted.length).toBeGreaterThanOrEqual(leads.length * 0.7);
      for (const lead of accepted) {
        const reference = slow(lead);
        expect(reference.ok && JSON.stringify(reference.value)).toBe(JSON.stringify(fastParseLead(lead)));
      }
    },
  );

  const uscc = fc
    .array(fc.constantFrom(...USCC_CHARSET), { minLength: 17, maxLength: 17 })
    .map((chars) => chars.join(''))
    .map((first17) => first17 + usccCheckCharacter(first17));
  test.prop([leadArbitrary(AT), uscc, fc.option(fc.constantFrom('group-1', 'g.2'), { nil: undefined })], {
    numRuns: 500,
  })(
    'a company with a valid USCC (and a group id) takes the fast path, equal to the schema',
    (lead, code, groupId) => {
      const raw = { ...lead, company: { ...lead.company, uscc: code, ...(groupId ? { groupId } : {}) } };
      const fast = fastParseLead(raw);
      // A USCC never sends an otherwise fast-path lead to the schema.
      if (fastParseLead(lead) === undefined) return;
      expect(fast?.company.uscc).toBe(code);
      const reference = slow(raw);
      expect(reference.ok && JSON.stringify(reference.value)).toBe(JSON.stringify(fast));
    },
  );
});
