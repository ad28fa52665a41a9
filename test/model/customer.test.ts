import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type Customer, parseCustomer } from '../../src/model/index.js';

const minimal = { id: 'c-1', name: '恒锐机械', region: 'Zhejiang', industry: 'auto_parts' };

function accepted(raw: unknown): Customer {
  const result = parseCustomer(raw);
  if (!result.ok) throw new Error(`expected the customer to parse, got ${JSON.stringify(result.issues)}`);
  return result.customer;
}

describe('parseCustomer', () => {
  it('applies defaults to every history list', () => {
    expect(accepted(minimal)).toEqual({
      ...minimal,
      currency: 'CNY',
      contacts: [],
      purchases: [],
      receivables: [],
      technicalContacts: [],
      renewals: [],
      custom: {},
    });
  });

  it('parses a full customer and normalises the USCC', () => {
    const customer = accepted({
      ...minimal,
      uscc: '91330100799655058b',
      groupId: 'grp-1',
      parentId: 'c-0',
      city: 'Taizhou',
      ownerRepId: 'rep-a',
      contacts: [{ name: '韩梅梅', role: '采购总监', phone: '13900139000', email: '' }],
      purchases: [
        { model: 'HR-2000', date: '2025-06-01', quantity: 2, amount: 96_000 },
        { model: 'HR-2000', date: '2025-09-01', quantity: 1, amount: 48_000 },
      ],
      receivables: [{ invoiceId: 'INV-1', amount: 300_000, dueDate: '2025-09-30', paidAt: '' }],
      technicalContacts: [{ at: '2026-01-15', note: '方案评审' }],
      renewals: [{ date: '2025-12-01', outcome: 'declined' }],
    });
    expect(customer.uscc).toBe('91330100799655058B');
    expect(customer.contacts).toEqual([{ name: '韩梅梅', role: '采购总监', phone: '13900139000' }]);
    expect(customer.receivables[0]).toEqual({ invoiceId: 'INV-1', amount: 300_000, dueDate: '2025-09-30' });
    expect(customer.purchases).toHaveLength(2);
  });

  it('reports issues with paths', () => {
    const result = parseCustomer({
      ...minimal,
      uscc: '91330100799655058C',
      purchases: [{ model: 'HR-2000', date: '2025-13-01', quantity: 0, amount: 1 }],
      receivables: [{ invoiceId: 'INV-1', amount: 1, dueDate: 20250930 }],
      renewals: [{ date: '2025-12-01', outcome: 'maybe' }],
      technicalContacts: 'often',
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'uscc', message: "invalid USCC: check character is 'C', expected 'B'" },
        { path: 'purchases[0].date', message: 'must be an ISO date YYYY-MM-DD' },
        { path: 'purchases[0].quantity', message: 'must be ≥ 1' },
        { path: 'receivables[0].dueDate', message: 'expected string, received number' },
        { path: 'technicalContacts', message: 'expected array, received string' },
        { path: 'renewals[0].outcome', message: 'expected one of "accepted", "declined", received "maybe"' },
      ],
    });
  });

  it('refuses a customer that is its own parent', () => {
    expect(parseCustomer({ ...minimal, parentId: 'c-1' })).toEqual({
      ok: false,
      issues: [{ path: 'parentId', message: 'a customer cannot be its own parent' }],
    });
  });

  it('refuses missing required fields', () => {
    expect(parseCustomer({})).toEqual({
      ok: false,
      issues: [
        { path: 'id', message: 'required (expected string)' },
        { path: 'name', message: 'required (expected string)' },
        { path: 'region', message: 'required (expected string)' },
        { path: 'industry', message: 'required (expected string)' },
      ],
    });
  });

  test.prop([fc.anything()])('never throws', (raw) => {
    expect(typeof parseCustomer(raw).ok).toBe('boolean');
  });
});
