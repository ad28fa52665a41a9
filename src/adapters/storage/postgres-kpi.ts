/**
 * The KPI projection of `postgresStorage`: a `kpi` table of records (see `foldKpiEvent`) and a
 * per-tenant cursor into the event log. The commit path is untouched (it stays one round trip);
 * a read first brings the records up to the log — events after the cursor, in batches, folded
 * in JavaScript and written with the cursor in one transaction that holds the cursor's row lock,
 * so any number of processes may read at once and each event is folded exactly once. Seqs are
 * gap-free in commit order per tenant (the counter row orders the commits), so a cursor never
 * skips an event that commits late.
 *
 * @module
 */
import type pg from 'pg';
import { foldKpiEvent, type KpiStore, kpiEntityOf } from '../../metrics/kpi-projection.js';
import { METRICS_EVENT_TYPES } from '../../metrics/metrics.js';
import { checkKpiQuery } from './checks.js';
import type { JsonValue, KpiQuery, KpiRecord } from './port.js';
import { named, num, type Row, toStoredEvent } from './postgres-commit.js';

/** Events folded per transaction: bounded memory and lock time, however far behind. */
const CATCH_UP_BATCH = 5000;

/**
 * What the projector needs from the adapter.
 * @category Storage
 */
export interface KpiProjectorTarget {
  /** The quoted schema. */
  readonly s: string;
  readonly tenant: string;
  query(operation: string, text: string, values: unknown[]): Promise<Row[]>;
  transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

const toKpiRecord = (row: Row): KpiRecord => ({
  kind: row.kind as string,
  id: row.id as string,
  anchor: num(row.anchor),
  value: row.value as JsonValue,
});

/**
 * The projector of one adapter (one tenant).
 *
 * @example
 * ```ts
 * const kpi = createPostgresKpi({ s: '"leadflow"', tenant: 'acme', query, transaction });
 * const records = await kpi.read({ from, to });
 * ```
 * @category Storage
 */
export function createPostgresKpi(t: KpiProjectorTarget) {
  const { s, tenant } = t;

  /** Fold one batch after the cursor; returns how many events it folded. */
  async function catchUpBatch(client: pg.PoolClient): Promise<number> {
    await client.query(
      named(`INSERT INTO ${s}.kpi_cursor (tenant, seq) VALUES ($1, 0) ON CONFLICT (tenant) DO NOTHING`, [
        tenant,
      ]),
    );
    const cursor = await client.query(
      named(`SELECT seq FROM ${s}.kpi_cursor WHERE tenant = $1 FOR UPDATE`, [tenant]),
    );
    const after = num(cursor.rows[0]?.seq ?? 0);
    const { rows } = await client.query(
      named(
        `SELECT seq, entity_id, kind, type, at, data FROM ${s}.event
         WHERE tenant = $1 AND seq > $2 AND type = ANY($3::text[]) ORDER BY seq LIMIT $4`,
        [tenant, after, METRICS_EVENT_TYPES, CATCH_UP_BATCH],
      ),
    );
    if (rows.length === 0) return 0;
    const events = rows.map(toStoredEvent);
    // The records these events may change, loaded once.
    const keys = new Map<string, { kind: string; id: string }>();
    for (const event of events) {
      const key = kpiEntityOf(event);
      if (key) keys.set(`${key.kind}\u0000${key.id}`, key);
    }
    const loaded = await client.query(
      named(
        `SELECT k.kind, k.id, k.anchor, k.value FROM ${s}.kpi k
         JOIN unnest($2::text[], $3::text[]) AS want(kind, id) ON k.kind = want.kind AND k.id = want.id
         WHERE k.tenant = $1`,
        [tenant, [...keys.values()].map((k) => k.kind), [...keys.values()].map((k) => k.id)],
      ),
    );
    const records = new Map<string, KpiRecord>();
    for (const row of loaded.rows) records.set(`${row.kind}\u0000${row.id}`, toKpiRecord(row));
    const changed = new Map<string, KpiRecord>();
    const store: KpiStore = {
      get: (kind, id) => records.get(`${kind}\u0000${id}`),
      put(record) {
        const key = `${record.kind}\u0000${record.id}`;
        records.set(key, record);
        changed.set(key, record);
      },
    };
    for (const event of events) foldKpiEvent(store, event);
    const rowsOut = [...changed.values()];
    if (rowsOut.length > 0) {
      await client.query(
        named(
          `INSERT INTO ${s}.kpi (tenant, kind, id, anchor, value)
           SELECT $1, kind, id, anchor, value::json FROM unnest($2::text[], $3::text[], $4::float8[], $5::text[])
             AS r(kind, id, anchor, value)
           ON CONFLICT (tenant, kind, id) DO UPDATE SET anchor = excluded.anchor, value = excluded.value`,
          [
            tenant,
            rowsOut.map((r) => r.kind),
            rowsOut.map((r) => r.id),
            rowsOut.map((r) => r.anchor),
            rowsOut.map((r) => JSON.stringify(r.value)),
          ],
        ),
      );
    }
    await client.query(
      named(`UPDATE ${s}.kpi_cursor SET seq = $2 WHERE tenant = $1`, [tenant, events.at(-1)!.seq]),
    );
    return events.length;
  }

  async function catchUp(): Promise<void> {
    while ((await t.transaction('readKpi', catchUpBatch)) === CATCH_UP_BATCH) {
      // A full batch: there may be more.
    }
  }

  return {
    catchUp,
    /** Bring the records up to the log, then read the window's. */
    async read(query?: KpiQuery): Promise<KpiRecord[]> {
      const { from, to } = checkKpiQuery(query);
      await catchUp();
      const rows = await t.query(
        'readKpi',
        `SELECT kind, id, anchor, value FROM ${s}.kpi WHERE tenant = $1 AND anchor >= $2 AND anchor < $3`,
        [tenant, from, to],
      );
      return rows.map(toKpiRecord);
    },
  };
}
