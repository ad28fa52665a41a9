// Seed 000: "强制要求新建客户时校验统一社会信用代码、工商注册地址及关联企业树。系统自动标记'同一集团客户群'".
// The presets turn on customers.requireUscc, requireRegisteredAddress and checkGroupTree.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import { EngineError } from '../../src/engine/errors.js';
import { validateUscc } from '../../src/model/uscc.js';
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { runSimulation } from '../../src/simulate/run.js';
import { calendar, licence, setup } from './helpers.js';

const company = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `${id} 机械有限公司`,
  region: '浙江',
  industry: '汽车零部件',
  ownerRepId: 'rep-a',
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe('CUSTOMER_INVALID');
  return error as EngineError;
}

describe('new customers carry their business licence (both presets)', () => {
  it('both presets make the USCC, the registered address and the group tree mandatory', () => {
    for (const preset of [zhikongPreset, hengruiPreset]) {
      expect(preset.ruleSet.customers).toEqual({
        requireUscc: true,
        requireRegisteredAddress: true,
        checkGroupTree: true,
      });
    }
  });

  it('refuses a new customer without a USCC, naming the field and the option, and stores nothing', async () => {
    const { engine } = setup();
    const { registeredAddress } = licence(1);
    const error = await refusal(engine.upsertCustomer(company('c-1', { registeredAddress })));
    expect(error.message).toBe(
      'customer "c-1": uscc: required: a new customer must carry the USCC (统一社会信用代码) (rule set: customers.requireUscc)',
    );
    expect(await engine.getCustomer('c-1')).toBeUndefined();
    expect(await engine.storage.readEvents({ entityId: 'c-1' })).toEqual([]);
  });

  it('refuses a new customer without a registered address', async () => {
    const { engine } = setup();
    const error = await refusal(engine.upsertCustomer(company('c-1', { uscc: licence(1).uscc })));
    expect(error.message).toMatch(
      /^customer "c-1": registeredAddress: required: .*工商注册地址.*customers\.requireRegisteredAddress/,
    );
  });

  it('a blank USCC or address counts as missing', async () => {
    const { engine } = setup();
    await refusal(engine.upsertCustomer(company('c-1', { ...licence(1), uscc: '  ' })));
    await refusal(engine.upsertCustomer(company('c-1', { ...licence(1), registeredAddress: '   ' })));
  });

  it('accepts a new customer with both, the address trimmed', async () => {
    const { engine } = setup();
    const result = await engine.upsertCustomer(
      company('c-1', { ...licence(1), registeredAddress: '  浙江省台州市路桥区 8 号 ' }),
    );
    expect(result).toEqual({ status: 'created', customerId: 'c-1', warnings: [] });
    expect((await engine.getCustomer('c-1'))?.customer.registeredAddress).toBe('浙江省台州市路桥区 8 号');
  });

  it('a second entry of a known company (same phone) is a counted duplicate, not a refusal', async () => {
    const { engine } = setup();
    const contacts = [{ name: '林', phone: '13900000000' }];
    await engine.upsertCustomer(company('c-1', { ...licence(1), contacts }));
    expect(await engine.upsertCustomer(company('c-2', { contacts }))).toMatchObject({
      status: 'duplicate',
      customerId: 'c-1',
      matchedOn: 'phone',
    });
  });

  it('a customer entered before the option was on is still updated, with a warning for each missing field', async () => {
    const storage = memoryStorage();
    const lax = setup({ storage, ruleSet: { ...zhikongPreset.ruleSet, customers: {} } });
    expect(await lax.engine.upsertCustomer(company('old'))).toMatchObject({
      status: 'created',
      warnings: [],
    });
    const strict = setup({ storage });
    expect(await strict.engine.upsertCustomer(company('old', { name: '老客户有限公司' }))).toEqual({
      status: 'updated',
      customerId: 'old',
      warnings: [
        'uscc: missing (required for new customers by customers.requireUscc)',
        'registeredAddress: missing (required for new customers by customers.requireRegisteredAddress)',
      ],
    });
  });

  it('a rule set that does not ask for them accepts a customer without a licence (the schema default)', async () => {
    const { engine } = setup({ ruleSet: { ...zhikongPreset.ruleSet, customers: undefined } });
    expect(await engine.upsertCustomer(company('c-1', { parentId: 'nobody' }))).toMatchObject({
      status: 'created',
    });
  });
});

describe('the group tree (关联企业树) is checked on every create and update', () => {
  it('refuses a parent the master does not know', async () => {
    const { engine } = setup();
    const error = await refusal(engine.upsertCustomer(company('sub', { ...licence(2), parentId: 'hq' })));
    expect(error.message).toBe(
      'customer "sub": parentId: "hq" is not a customer in the master (rule set: customers.checkGroupTree)',
    );
  });

  it("marks a subsidiary as its parent's group (同一集团客户群) when it names none", async () => {
    const { engine } = setup();
    await engine.upsertCustomer(company('hq', { ...licence(1), groupId: 'g-1' }));
    await engine.upsertCustomer(company('sub', { ...licence(2), parentId: 'hq' }));
    await engine.upsertCustomer(company('plant', { ...licence(3), parentId: 'sub' }));
    expect((await engine.getCustomer('plant'))?.customer.groupId).toBe('g-1');
    const group = await engine.customerGroup('plant');
    expect(group).toMatchObject({ groupId: 'g-1', size: 3 });
    expect(group.roots.map((root) => root.customer.id)).toEqual(['hq']);
  });

  it("refuses a group that differs from the parent's", async () => {
    const { engine } = setup();
    await engine.upsertCustomer(company('hq', { ...licence(1), groupId: 'g-1' }));
    const error = await refusal(
      engine.upsertCustomer(company('sub', { ...licence(2), parentId: 'hq', groupId: 'g-2' })),
    );
    expect(error.message).toMatch(
      /^customer "sub": groupId: "g-2" differs from the group "g-1" of its parent "hq"/,
    );
  });

  it('refuses an update that would close a cycle, naming it', async () => {
    const { engine } = setup();
    await engine.upsertCustomer(company('hq', licence(1)));
    await engine.upsertCustomer(company('sub', { ...licence(2), parentId: 'hq' }));
    await engine.upsertCustomer(company('plant', { ...licence(3), parentId: 'sub' }));
    const error = await refusal(engine.upsertCustomer(company('hq', { ...licence(1), parentId: 'plant' })));
    expect(error.message).toBe(
      'customer "hq": parentId: "plant" would make a cycle in the group tree: hq → plant → sub → hq',
    );
    expect((await engine.getCustomer('hq'))?.customer.parentId).toBeUndefined();
  });
});

test.prop([fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()], { numRuns: 40 })(
  'a new customer is created iff every required licence field is present',
  async (needUscc, needAddress, hasUscc, hasAddress) => {
    const { engine } = setup({
      ruleSet: {
        ...zhikongPreset.ruleSet,
        customers: { requireUscc: needUscc, requireRegisteredAddress: needAddress },
      },
    });
    const { uscc, registeredAddress } = licence(7);
    const input = company('c-7', {
      ...(hasUscc ? { uscc } : {}),
      ...(hasAddress ? { registeredAddress } : {}),
    });
    const accepted = (!needUscc || hasUscc) && (!needAddress || hasAddress);
    const outcome = await engine.upsertCustomer(input).then(
      (result) => result.status,
      (error: EngineError) => error.code,
    );
    expect(outcome).toBe(accepted ? 'created' : 'CUSTOMER_INVALID');
    expect((await engine.getCustomer('c-7')) !== undefined).toBe(accepted);
  },
);

describe('the simulation under the presets', () => {
  it('reads the licence before entering a customer: every simulated customer carries a valid USCC and an address', async () => {
    const { report, engine } = await runSimulation({
      ...hengruiPreset,
      calendar,
      seed: 7,
      days: 20,
      leadsPerMonth: 600,
    });
    const created = report.opportunities?.customersCreated ?? 0;
    expect(created).toBeGreaterThan(5);
    const attempts = created + (report.opportunities?.customersReused ?? 0);
    let seen = 0;
    for (let n = 1; n <= attempts; n++) {
      const record = await engine.getCustomer(`cust-${n}`);
      if (record === undefined) continue;
      seen++;
      expect(validateUscc(record.customer.uscc).valid).toBe(true);
      expect(record.customer.registeredAddress).toMatch(/^[\u4e00-\u9fa5]+\d{3}号$/);
    }
    expect(seen).toBe(created);
  });
});
