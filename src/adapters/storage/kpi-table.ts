/**
 * The KPI projection as the in-memory adapters keep it: records by kind and id, folded from each
 * commit's events as they are appended, read by window. Records folded lately stay objects; older
 * ones are packed (`recent-window.ts`): a lead's record is about 0.9 KB of objects, 0.1 KB packed.
 *
 * @module
 */
import { foldKpiEvent, type KpiStore } from '../../metrics/kpi-projection.js';
import { checkKpiQuery } from './checks.js';
import type { JsonValue, KpiQuery, KpiRecord, StoredEvent } from './port.js';
import { createRecentWindow, type WindowCell } from './recent-window.js';

/** A record's cell, with its anchor beside it: a window's read selects without unpacking. */
interface KpiCell extends WindowCell {
  anchor: number;
}

/**
 * An in-memory KPI table.
 *
 * @param recent - how many of the latest record writes stay objects (see `createRecentWindow`)
 * @example
 * ```ts
 * const kpi = createKpiTable();
 * for (const event of committedEvents) kpi.fold(event);
 * const march = kpi.read({ from, to });
 * ```
 * @category Storage
 */
export function createKpiTable(recent = Number.POSITIVE_INFINITY) {
  /** kind → id → record. */
  const byKind = new Map<string, Map<string, KpiCell>>();
  const window = createRecentWindow(recent, 'recentSnapshots');
  const store: KpiStore = {
    get(kind, id) {
      const cell = byKind.get(kind)?.get(id);
      return cell === undefined ? undefined : (window.read(cell) as unknown as KpiRecord);
    },
    put(record) {
      let records = byKind.get(record.kind);
      if (records === undefined) {
        records = new Map();
        byKind.set(record.kind, records);
      }
      const value = record as unknown as JsonValue;
      let cell = records.get(record.id);
      if (cell === undefined) {
        cell = { value, packed: undefined, anchor: record.anchor };
        records.set(record.id, cell);
      } else {
        cell.value = value;
        cell.packed = undefined;
        cell.anchor = record.anchor;
      }
      window.written(cell);
    },
  };
  return {
    /** Fold a committed event (with its seq; events in seq order). */
    fold(event: StoredEvent): void {
      foldKpiEvent(store, event);
    },
    /**
     * The records whose anchor lies in the window: packed ones unpacked (fresh), recent ones by
     * reference — or through `copyRecent` for a store that hands out copies.
     */
    read(query?: KpiQuery, copyRecent: (record: KpiRecord) => KpiRecord = (record) => record): KpiRecord[] {
      const { from, to } = checkKpiQuery(query);
      const out: KpiRecord[] = [];
      for (const records of byKind.values())
        for (const cell of records.values()) {
          if (cell.anchor < from || cell.anchor >= to) continue;
          const record = window.read(cell) as unknown as KpiRecord;
          out.push(cell.packed === undefined ? copyRecent(record) : record);
        }
      return out;
    },
  };
}
