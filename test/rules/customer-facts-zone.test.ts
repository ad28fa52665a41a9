// Issue #18: "Date-only fields (due dates, delivery dates) are read in the calendar's zone, not as
// UTC midnight." A receivable due 2025-11-10 is 120 days past due from local midnight of
// 10 March 2026 in Shanghai — not from 08:00, which is UTC midnight.
import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';
import { customerFacts, historyInstant } from '../../src/rules/facts.js';

const customer = (dueDate: string) => ({
  industry: '汽车零部件',
  region: '浙江',
  groupId: undefined,
  receivables: [{ invoiceId: 'INV-1', amount: 1_000, invoiceDate: '2025-10-20', dueDate }],
});

it('days past due turn over at local midnight in the calendar zone', () => {
  const justAfterMidnight = Date.parse('2026-03-10T00:30:00+08:00'); // 9 March 16:30 UTC
  expect(customerFacts(customer('2025-11-10'), justAfterMidnight).oldestUnpaidReceivableDays).toBe(120);
  expect(
    customerFacts(customer('2025-11-10'), justAfterMidnight - 60 * 60_000).oldestUnpaidReceivableDays,
  ).toBe(119);
  expect(customerFacts(customer('2025-11-10'), justAfterMidnight, 'UTC').oldestUnpaidReceivableDays).toBe(
    119,
  );
  expect(customerFacts(customer('2025-11-10'), justAfterMidnight).oldestUnpaidInvoiceDays).toBe(141);
});

it('a date is the start of its day in the zone; a datetime without an offset is a wall time there', () => {
  expect(historyInstant('2026-03-02')).toBe(Date.parse('2026-03-02T00:00:00+08:00'));
  expect(historyInstant('2026-03-02', 'Europe/Berlin')).toBe(Date.parse('2026-03-02T00:00:00+01:00'));
  expect(historyInstant('2026-03-02T10:00:00')).toBe(Date.parse('2026-03-02T10:00:00+08:00'));
  expect(historyInstant('2026-03-02T10:00:00Z')).toBe(Date.parse('2026-03-02T10:00:00Z'));
});

test.prop([fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 86_399_999 })])(
  'days past due = whole local days since the due date, whatever the time of day',
  (days, intoDay) => {
    const due = Date.parse('2025-06-01T00:00:00+08:00');
    const now = due + days * 86_400_000 + intoDay;
    expect(customerFacts(customer('2025-06-01'), now).oldestUnpaidReceivableDays).toBe(days);
  },
);
