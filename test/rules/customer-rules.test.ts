import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../src/model/customer.js';
import { compileRuleSet, tryCompileRuleSet } from '../../src/rules/compile.js';
import { evaluateCustomerRules, groupCrossSellSuggestions } from '../../src/rules/customer-rules.js';
import { customerFacts } from '../../src/rules/facts.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';

const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const NOW = Date.parse('2026-06-01T00:00:00Z');

function customer(extra: Record<string, unknown>) {
  const parsed = parseCustomer({
    id: 'c-1',
    name: '宁波海天精密',
    region: '浙江',
    industry: '机械制造',
    ...extra,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.customer;
}

const kinds = (effects: ReturnType<typeof evaluateCustomerRules>) => effects.map((e) => e.kind);

describe('cross-sell and risk rules (zhikong preset)', () => {
  it('offers an extended warranty on the third purchase of the same model in a row (连续3次), with its MTBF in hours', () => {
    const purchase = (date: string, model = 'PLC-300') => ({ model, date, quantity: 2, amount: 80_000 });
    const twice = customer({ purchases: [purchase('2025-09-01'), purchase('2026-01-10')] });
    expect(kinds(evaluateCustomerRules(compiled, twice, NOW))).not.toContain('extended-warranty');
    // Three of one model, but not in a row: another model came between them.
    const interrupted = customer({
      purchases: [
        purchase('2025-09-01'),
        purchase('2025-11-01', 'HMI-7'),
        purchase('2026-01-10'),
        purchase('2026-05-20'),
      ],
    });
    expect(kinds(evaluateCustomerRules(compiled, interrupted, NOW))).not.toContain('extended-warranty');
    // Listed out of order: the dates decide what "in a row" means.
    const thrice = customer({
      purchases: [
        purchase('2026-05-20'),
        purchase('2025-09-01'),
        purchase('2025-07-01', 'HMI-7'),
        purchase('2026-01-10'),
      ],
    });
    const [offer] = evaluateCustomerRules(compiled, thrice, NOW, {
      failureIntervalHours: { 'PLC-300': 1240 },
    });
    expect(offer).toMatchObject({
      kind: 'extended-warranty',
      type: 'recommendation',
      to: 'owner',
      // Exactly what the rule's effect.carry names.
      details: { lastModel: 'PLC-300', consecutivePurchasesOfLastModel: 3, failureIntervalHours: 1240 },
    });
    expect(Object.keys(offer!.details).sort()).toEqual([
      'consecutivePurchasesOfLastModel',
      'failureIntervalHours',
      'lastModel',
    ]);
    expect(offer?.conditions[0]).toMatchObject({
      fact: 'consecutivePurchasesOfLastModel',
      factValue: 3,
      result: true,
    });
  });

  it('an effect carries what its rule names, whatever its kind; unknown names are refused at compile time', () => {
    const rules = structuredClone(zhikongPreset.ruleSet) as {
      crossSell: { effect: Record<string, unknown> }[];
    };
    rules.crossSell[0]!.effect = {
      ...rules.crossSell[0]!.effect,
      kind: 'my-own-kind',
      carry: ['topModel', 'serviceHistory'],
    };
    const own = compileRuleSet(rules);
    const purchase = (date: string) => ({ model: 'PLC-300', date, quantity: 1, amount: 1 });
    const history = { 'c-1': { tickets: 2, meanResolutionHours: 4, onsiteVisits: 1, partsReplaced: 0 } };
    const [effect] = evaluateCustomerRules(
      own,
      customer({ purchases: ['2026-01-01', '2026-02-01', '2026-03-01'].map(purchase) }),
      NOW,
      { serviceHistory: history, failureIntervalHours: { 'PLC-300': 9 } },
    );
    expect(effect).toMatchObject({
      kind: 'my-own-kind',
      details: { topModel: 'PLC-300', serviceHistory: history['c-1'] },
    });
    expect(effect!.details).not.toHaveProperty('failureIntervalHours');
    rules.crossSell[0]!.effect.carry = ['topModel', 'mtbf'];
    const refused = tryCompileRuleSet(rules);
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.problems).toEqual([
        expect.objectContaining({
          path: 'crossSell[0].effect.carry[1]',
          message: expect.stringMatching(/unknown fact or knowledge "mtbf"/),
        }),
      ]);
  });

  it('receivables: days past due and days since the invoice are both facts', () => {
    const unpaid = customer({
      receivables: [
        { invoiceId: 'INV-1', amount: 1, invoiceDate: '2025-12-01', dueDate: '2026-01-15' },
        { invoiceId: 'INV-2', amount: 1, dueDate: '2025-12-20' },
        {
          invoiceId: 'INV-3',
          amount: 1,
          invoiceDate: '2025-06-01',
          dueDate: '2025-07-01',
          paidAt: '2025-07-02',
        },
      ],
    });
    const facts = customerFacts(unpaid, NOW);
    const days = (from: string) => Math.floor((NOW - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
    expect(facts.oldestUnpaidReceivableDays).toBe(days('2025-12-20'));
    expect(facts.oldestUnpaidInvoiceDays).toBe(days('2025-12-01'));
  });

  it('raises a high-risk alert when receivables are > 120 days old and technical contact drops', () => {
    const receivable = { invoiceId: 'INV-1', amount: 300_000, dueDate: '2026-01-15' }; // 137 days overdue
    // 9 technical contacts in the 90 days before the last 30 = 3 a month.
    const busyBefore = [
      '2026-02-10',
      '2026-02-20',
      '2026-02-27',
      '2026-03-05',
      '2026-03-15',
      '2026-03-25',
      '2026-04-01',
      '2026-04-10',
      '2026-04-20',
    ].map((at) => ({ at }));
    const dropping = customer({
      receivables: [receivable],
      technicalContacts: [...busyBefore, { at: '2026-05-10' }],
    });
    expect(evaluateCustomerRules(compiled, dropping, NOW)).toEqual([
      expect.objectContaining({
        kind: 'high-risk',
        severity: 'high',
        to: 'manager',
        details: expect.objectContaining({ oldestUnpaidReceivableDays: 137 }),
      }),
    ]);
    // 1 contact in the last 30 days against 3 a month before is a drop (< 0.5×); 2 is not.
    const steady = customer({
      receivables: [receivable],
      technicalContacts: [...busyBefore, { at: '2026-05-10' }, { at: '2026-05-20' }],
    });
    expect(kinds(evaluateCustomerRules(compiled, steady, NOW))).toEqual([]);
    // Paid receivables: no alert.
    const paid = customer({
      receivables: [{ ...receivable, paidAt: '2026-05-01' }],
      technicalContacts: busyBefore,
    });
    expect(kinds(evaluateCustomerRules(compiled, paid, NOW))).toEqual([]);
  });

  it('sends the service team in after three declined renewals in a row, with the service history', () => {
    const renewals = (outcomes: string[]) =>
      outcomes.map((outcome, i) => ({ date: `2026-0${i + 1}-15`, outcome }));
    const history = { 'c-1': { tickets: 14, meanResolutionHours: 30, onsiteVisits: 5, partsReplaced: 9 } };
    expect(
      kinds(
        evaluateCustomerRules(
          compiled,
          customer({ renewals: renewals(['declined', 'accepted', 'declined', 'declined']) }),
          NOW,
        ),
      ),
    ).toEqual([]);
    const [task] = evaluateCustomerRules(
      compiled,
      customer({ renewals: renewals(['accepted', 'declined', 'declined', 'declined']) }),
      NOW,
      { serviceHistory: history },
    );
    expect(task).toMatchObject({
      kind: 'service-intervention',
      type: 'task',
      to: 'serviceTeam',
      details: { consecutiveDeclinedRenewals: 3, serviceHistory: history['c-1'] },
    });
  });

  it('notifies the owner when a delivery delay is flagged', () => {
    const flagged = { ...customer({}), deliveryDelayFlagged: true };
    expect(evaluateCustomerRules(compiled, flagged, NOW)).toEqual([
      expect.objectContaining({ kind: 'delivery-delay', to: 'owner' }),
    ]);
  });

  it('suggests cross-selling to quiet subsidiaries of a group with an active sibling', () => {
    const suggestions = groupCrossSellSuggestions(
      [
        { id: 'sub-a', groupId: 'g-1', purchases: [{ model: 'X', date: '2026-05-01' }] },
        { id: 'sub-b', groupId: 'g-1', purchases: [{ model: 'X', date: '2024-01-01' }] },
        { id: 'sub-c', groupId: 'g-1', technicalContacts: [{ at: '2026-04-01' }] },
        { id: 'solo', groupId: 'g-2', purchases: [{ model: 'X', date: '2026-05-01' }] },
        { id: 'lonely', purchases: [] },
      ],
      NOW,
    );
    expect(suggestions).toEqual([
      { groupId: 'g-1', activeCustomerIds: ['sub-a', 'sub-c'], quietCustomerIds: ['sub-b'] },
    ]);
  });
});
