/**
 * The KPI projection as the in-memory adapters keep it: records by kind and id, folded from each
 * commit's events as they are appended, read by window.
 *
 * @module
 */
import { foldKpiEvent, type KpiStore } from '../../metrics/kpi-projection.js';
import { checkKpiQuery } from './checks.js';
import type { KpiQuery, KpiRecord, StoredEvent } from './port.js';

/**
 * An in-memory KPI table.
 *
 * @example
 * ```ts
 * const kpi = createKpiTable();
 * for (const event of committedEvents) kpi.fold(event);
 * const march = kpi.read({ from, to });
 * ```
 * @category Storage
 */
export function createKpiTable() {
  /** kind → id → record. */
  const byKind = new Map<string, Map<string, KpiRecord>>();
  const store: KpiStore = {
    get: (kind, id) => byKind.get(kind)?.get(id),
    put(record) {
      let records = byKind.get(record.kind);
      if (records === undefined) {
        records = new Map();
        byKind.set(record.kind, records);
      }
      records.set(record.id, record);
    },
  };
  return {
    /** Fold a committed event (with its seq; events in seq order). */
    fold(event: StoredEvent): void {
      foldKpiEvent(store, event);
    },
    /** The records whose anchor lies in the window, by reference. */
    read(query?: KpiQuery): KpiRecord[] {
      const { from, to } = checkKpiQuery(query);
      const out: KpiRecord[] = [];
      for (const records of byKind.values())
        for (const record of records.values())
          if (record.anchor >= from && record.anchor < to) out.push(record);
      return out;
    },
  };
}
