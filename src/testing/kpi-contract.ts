/**
 * The KPI-projection part of the storage contract: `readKpi` holds exactly what `foldKpiEvent`
 * makes of the adapter's own event log, windows select by anchor, a refused commit folds nothing.
 *
 * @module
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { createKpiTable } from '../adapters/storage/kpi-table.js';
import {
  type EventInput,
  type JsonValue,
  type KpiRecord,
  type StorageAdapter,
  StorageError,
  VersionConflictError,
} from '../adapters/storage/port.js';
import { failure, MINUTE, T0 } from './contract-shared.js';

const DAY = 86_400_000;

const byKey = (a: KpiRecord, b: KpiRecord) =>
  a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** What the adapter's own log folds to, in the window. */
async function expectedRecords(s: StorageAdapter, from: number, to: number): Promise<KpiRecord[]> {
  const table = createKpiTable();
  for (const event of await s.readEvents()) table.fold(event);
  return table.read({ from, to }).sort(byKey);
}

/** One event the KPIs read, on a few entities, at a minute offset from T0. */
const kpiEvent: fc.Arbitrary<EventInput> = fc
  .record({
    entity: fc.nat(3),
    minute: fc.nat(3 * 24 * 60),
    kind: fc.constantFrom(
      'lead.received',
      'lead.assigned',
      'lead.followedUp',
      'lead.closed',
      'sla.breached',
      'opportunity.created',
      'opportunity.stageEntered',
      'opportunity.stageLeft',
      'task.created',
      'task.completed',
      'customer.created',
      'lead.duplicate',
      'lead.note',
    ),
  })
  .map(({ entity, minute, kind }) => {
    const family = kind.startsWith('opportunity')
      ? 'opportunity'
      : kind.startsWith('task')
        ? 'task'
        : kind.startsWith('customer')
          ? 'customer'
          : 'lead';
    const at = T0 + minute * MINUTE;
    const data: JsonValue =
      kind === 'lead.received'
        ? { qualified: entity !== 2, receivedAt: at - entity * MINUTE, complete: { budget: entity > 0 } }
        : kind === 'lead.assigned'
          ? { repId: `rep-${entity}` }
          : kind === 'sla.breached'
            ? { policyId: 'unassigned-15m' }
            : kind === 'opportunity.stageEntered'
              ? { stage: 'needsDiagnosis', ownerId: 'rep-1' }
              : kind === 'opportunity.stageLeft'
                ? { stage: 'needsDiagnosis', dwellMs: 3_600_000, via: 'advance', to: 'solutionMatching' }
                : kind === 'task.created'
                  ? { department: 'technical', dueAt: at + DAY }
                  : {};
    return { entityId: `${family}-${entity}`, kind: family, type: kind, at, data };
  });

/**
 * Register the KPI tests inside a storage contract's `describe`.
 * @category Testing
 */
export function kpiContractTests(
  test: (title: string, run: (storage: StorageAdapter) => Promise<void>) => void,
  params: { numRuns: number; seed?: number },
  copies: boolean,
): void {
  describe('KPI projection (readKpi)', () => {
    test('readKpi holds what foldKpiEvent makes of the event log, whatever the commits and window (property)', async (s) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(kpiEvent, { maxLength: 6 }), { maxLength: 8 }),
          fc.nat(4 * DAY),
          fc.nat(4 * DAY),
          async (commits, a, b) => {
            const storage = s;
            // Each run continues on the same adapter: the log and the records only grow.
            for (const events of commits) await storage.commit({ at: T0, events });
            const from = T0 - DAY + Math.min(a, b);
            const to = T0 - DAY + Math.max(a, b) + 1;
            expect((await storage.readKpi!({ from, to })).sort(byKey)).toEqual(
              await expectedRecords(storage, from, to),
            );
            expect((await storage.readKpi!()).sort(byKey)).toEqual(
              await expectedRecords(storage, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
            );
          },
        ),
        { ...params, numRuns: Math.max(5, Math.ceil(params.numRuns / 5)) },
      );
    });

    test('windows select by anchor: a lead by its arrival, from inclusive, to exclusive', async (s) => {
      await s.commit({
        at: T0,
        events: [
          {
            entityId: 'l-1',
            kind: 'lead',
            type: 'lead.received',
            at: T0,
            data: { receivedAt: T0 - 10 * MINUTE },
          },
          { entityId: 'c-1', kind: 'customer', type: 'customer.created', at: T0 + MINUTE },
        ],
      });
      const kinds = async (from: number, to: number) =>
        (await s.readKpi!({ from, to })).map((r) => r.kind).sort();
      expect(await kinds(T0 - 10 * MINUTE, T0 + MINUTE)).toEqual(['lead']);
      expect(await kinds(T0 - 10 * MINUTE + 1, T0 + MINUTE + 1)).toEqual(['customer.created']);
      expect(await kinds(T0 - DAY, T0 + DAY)).toEqual(['customer.created', 'lead']);
      expect((await s.readKpi!({ from: T0 - DAY })).length).toBe(2);
    });

    test('a refused commit folds nothing', async (s) => {
      await s.commit({
        at: T0,
        entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 0, snapshot: {} }],
        events: [{ entityId: 'l-1', kind: 'lead', type: 'lead.received', at: T0 }],
      });
      const error = await failure(
        s.commit({
          at: T0,
          entities: [{ kind: 'lead', id: 'l-1', expectedVersion: 0, snapshot: {} }],
          events: [
            { entityId: 'l-1', kind: 'lead', type: 'lead.assigned', at: T0, data: { repId: 'rep-1' } },
          ],
        }),
      );
      expect(error).toBeInstanceOf(VersionConflictError);
      const [lead] = await s.readKpi!();
      expect(lead?.value).not.toHaveProperty('assignedAt');
    });

    test(copies ? 'hands out copies' : 'hands out the records it keeps', async (s) => {
      await s.commit({ at: T0, events: [{ entityId: 'l-1', kind: 'lead', type: 'lead.received', at: T0 }] });
      const [first] = await s.readKpi!();
      (first!.value as { state: string }).state = 'changed';
      const [again] = await s.readKpi!();
      expect((again!.value as { state: string }).state).toBe(copies ? 'received' : 'changed');
    });

    test('refuses a window that is not epoch ms, naming the field', async (s) => {
      const error = await failure(s.readKpi!({ from: 'yesterday' as never }));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('STORAGE_INVALID');
      expect((error as Error).message).toContain('readKpi(query).from');
    });
  });
}
