import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { arrivalStreamArbitrary } from '../../src/testing/arbitraries.js';
import { licence, MIN, rawLead, setup, shanghai } from './helpers.js';

const VALID_USCC = '91350100M000100Y43';

describe('customer master', () => {
  it('creates, updates and refuses duplicates on USCC / phone / e-mail, counting them', async () => {
    const { engine } = setup();
    const base = {
      id: 'c-1',
      name: '福州某机械',
      uscc: VALID_USCC,
      registeredAddress: '福建省福州市仓山区金山大道 618 号',
      region: '福建',
      industry: '机械制造',
      contacts: [{ name: '林', phone: '13900000000' }],
    };
    expect(await engine.upsertCustomer(base)).toEqual({ status: 'created', customerId: 'c-1', warnings: [] });
    expect(await engine.upsertCustomer({ ...base, name: '福州某机械有限公司' })).toMatchObject({
      status: 'updated',
    });
    expect(await engine.upsertCustomer({ ...base, id: 'c-2', uscc: undefined })).toEqual({
      status: 'duplicate',
      customerId: 'c-1',
      matchedOn: 'phone',
      duplicateEntries: 1,
    });
    expect(await engine.upsertCustomer({ ...base, id: 'c-3', contacts: [] })).toMatchObject({
      matchedOn: 'uscc',
      duplicateEntries: 2,
    });
    expect((await engine.getCustomer('c-1'))?.duplicateEntries).toBe(2);
    expect(await engine.getCustomer('c-2')).toBeUndefined();
  });

  it('refuses a bad USCC naming the failed rule, or accepts it with a warning when pilot-era codes are allowed', async () => {
    const bad = { id: 'c-9', name: 'X', uscc: '91350100M000100Y44', region: '福建', industry: '化工' };
    const strict = setup();
    await expect(strict.engine.upsertCustomer(bad)).rejects.toThrow(/uscc: invalid USCC: .*check character/);
    await expect(strict.engine.upsertCustomer(bad)).rejects.toBeInstanceOf(EngineError);
    const lenient = setup({ ruleSet: { ...zhikongPreset.ruleSet, customers: { allowPilotUscc: true } } });
    const result = await lenient.engine.upsertCustomer(bad);
    expect(result).toMatchObject({
      status: 'created',
      warnings: [expect.stringMatching(/pilot-era codes allowed/)],
    });
  });

  it('builds the group tree from parent links', async () => {
    const { engine } = setup();
    const customer = (id: string, parentId?: string) => ({
      id,
      ...licence(['hq', 'sub-a', 'sub-b', 'plant-1'].indexOf(id) + 1),
      name: id,
      region: '浙江',
      industry: '汽车零部件',
      groupId: 'g-1',
      ...(parentId ? { parentId } : {}),
    });
    await engine.upsertCustomer(customer('hq'));
    await engine.upsertCustomer(customer('sub-a', 'hq'));
    await engine.upsertCustomer(customer('sub-b', 'hq'));
    await engine.upsertCustomer(customer('plant-1', 'sub-a'));
    const group = await engine.customerGroup('plant-1');
    expect(group.size).toBe(4);
    const shape = (node: (typeof group.roots)[number]): unknown => ({
      [node.customer.id]: node.children.map(shape),
    });
    expect(group.roots.map(shape)).toEqual([{ hq: [{ 'sub-a': [{ 'plant-1': [] }] }, { 'sub-b': [] }] }]);
  });
});

describe('handover', () => {
  it("moves a departing rep's open leads and customers in one go and returns the matrix", async () => {
    const { engine, clock } = setup();
    const leadIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await engine.ingest(
        rawLead(clock.now() + i, {
          company: { park: '苏州工业园区', industry: '汽车零部件', name: `园区客户${i}` },
          contact: { phone: `1370000000${i}` },
        }),
      );
      if (result.status === 'accepted') leadIds.push(result.leadId);
    }
    await engine.upsertCustomer({
      id: 'c-a',
      name: '园区客户, 老客户',
      region: '江苏',
      industry: '汽车零部件',
      ownerRepId: 'rep-a',
      ...licence(1),
    });
    clock.advanceBy(5 * MIN);
    const result = await engine.handover('rep-a', 'rep-b');
    expect(result.counts).toEqual({ lead: 3, customer: 1, opportunity: 0, task: 0 });
    expect(
      result.rows.every(
        (row) => row.from === 'rep-a' && row.to === 'rep-b' && row.access === 'rep-b:owner;sup-wang:read',
      ),
    ).toBe(true);
    expect(result.csv.split('\r\n')[0]).toBe('kind,id,name,state,from,to,access');
    expect(result.csv).toContain(
      'customer,c-a,"园区客户, 老客户",active,rep-a,rep-b,rep-b:owner;sup-wang:read',
    );
    for (const leadId of leadIds)
      expect((await engine.getLead(leadId))?.machine.context.ownerId).toBe('rep-b');
    expect(await engine.storage.lookup('lead', 'owner', 'rep-a')).toEqual([]);
    expect((await engine.getCustomer('c-a'))?.customer.ownerRepId).toBe('rep-b');
  });

  it('moves nothing when re-running assignment leaves an item with nowhere to go', async () => {
    const { engine, clock } = setup();
    const education = await engine.ingest(
      rawLead(clock.now(), { company: { industry: '教育' }, contact: { phone: '13600000123' } }),
    );
    if (education.status !== 'accepted') throw new Error('fixture');
    // Education is rep-d's alone; without rep-d no rule places it.
    await expect(engine.handover('rep-d', { policy: 'reassign' })).rejects.toThrow(
      /moved nothing: 1 item\(s\) have nowhere to go: lead lead-0000001 \(queue/,
    );
    expect((await engine.getLead(education.leadId))?.machine.context.ownerId).toBe('rep-d');
  });

  test.prop(
    [
      arrivalStreamArbitrary({ start: shanghai('2026-03-02T09:00:00'), maxLeads: 25, maxGapMs: 20 * MIN }),
      fc.constantFrom('rep-a', 'rep-b', 'rep-c', 'rep-e'),
    ],
    { numRuns: 20 },
  )(
    're-assigning a departing rep leaves nothing orphaned and conserves every lead',
    async (arrivals, departing) => {
      const { engine } = setup({ start: '2026-03-02T09:00:00' });
      for (const arrival of arrivals) {
        await engine.advanceTo(arrival.at);
        await engine.ingest(arrival.payload);
      }
      const ownedBefore = new Map<string, string[]>();
      for (const rep of zhikongPreset.team.reps)
        ownedBefore.set(rep.id, await engine.storage.lookup('lead', 'owner', rep.id));
      const total = [...ownedBefore.values()].reduce((sum, ids) => sum + ids.length, 0);
      try {
        const result = await engine.handover(departing, { policy: 'reassign' });
        expect(result.counts.lead).toBe(ownedBefore.get(departing)!.length);
      } catch (error) {
        // All-or-nothing: if something could not be placed, nothing moved.
        expect((error as EngineError).code).toBe('HANDOVER_UNPLACED');
        for (const rep of zhikongPreset.team.reps)
          expect(await engine.storage.lookup('lead', 'owner', rep.id)).toEqual(ownedBefore.get(rep.id));
        return;
      }
      expect(await engine.storage.lookup('lead', 'owner', departing)).toEqual([]);
      let after = 0;
      for (const rep of zhikongPreset.team.reps)
        after += (await engine.storage.lookup('lead', 'owner', rep.id)).length;
      expect(after).toBe(total);
    },
  );
});
