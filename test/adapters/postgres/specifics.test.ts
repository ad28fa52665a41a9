import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresStorage } from '../../../src/adapters/storage/postgres.js';
import { migratePostgres, postgresSchemaSql } from '../../../src/adapters/storage/postgres-schema.js';
import { DATABASE_URL, testDatabase } from './helpers.js';

const db = testDatabase({ max: 8 });
const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);

describe('postgresStorage migrations', () => {
  it('five processes migrating one schema at once apply each migration once', async () => {
    const schema = db.schema();
    const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: DATABASE_URL, max: 1 }));
    try {
      const applied = await Promise.all(pools.map((pool) => migratePostgres(pool, { schema, at: T0 })));
      expect(applied.flat()).toEqual([1, 2, 3, 4, 5]);
      const { rows } = await db.pool.query(`SELECT id, applied_at FROM "${schema}".migration ORDER BY id`);
      expect(rows).toEqual([
        { id: 1, applied_at: T0 },
        { id: 2, applied_at: T0 },
        { id: 3, applied_at: T0 },
        { id: 4, applied_at: T0 },
        { id: 5, applied_at: T0 },
      ]);
      expect(await migratePostgres(db.pool, { schema })).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("'auto' migrates before the first call; 'manual' leaves it to the host and fails clearly", async () => {
    const manual = postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'acme', migrate: 'manual' });
    await expect(manual.load('lead', 'x')).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      message: expect.stringMatching(/not migrated: run migratePostgres\(\)/),
    });
    await manual.migrate();
    expect(await manual.load('lead', 'x')).toBeUndefined();
    const auto = postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'acme' });
    expect(await auto.list('lead')).toEqual([]);
  });

  it('exports the SQL for hosts with their own migration tool; refuses a schema that is not a name', () => {
    const sql = postgresSchemaSql('crm_leadflow');
    expect(sql[0]).toBe('CREATE SCHEMA IF NOT EXISTS "crm_leadflow"');
    expect(sql.join('\n')).toContain('CREATE TABLE "crm_leadflow".entity');
    // Every tenant table's primary key starts with the tenant: distributable by tenant (Citus);
    // the worker coordination tables (leases, heartbeats) are not tenant data.
    for (const statement of sql.filter(
      (s) => s.startsWith('CREATE TABLE') && !/\.(shard_lease|worker) /.test(s),
    )) {
      expect(statement).toMatch(/PRIMARY KEY \(tenant/);
    }
    expect(() => postgresSchemaSql('x"; DROP TABLE y; --')).toThrow(/plain identifier/);
    expect(() => postgresStorage({ pool: db.pool, schema: 'a-b', tenant: 't' })).toThrow(/plain identifier/);
    expect(() => postgresStorage({ tenant: 't' } as never)).toThrow(/pool or a connectionString/);
    expect(() => postgresStorage({ pool: db.pool, tenant: '' })).toThrow(/tenant must be a non-empty string/);
  });
});

describe('postgresStorage tenants and lifecycle', () => {
  it('keeps tenants apart in one schema, and dropTenant removes only its own rows', async () => {
    const schema = db.schema();
    const a = postgresStorage({ pool: db.pool, schema, tenant: 'a' });
    const b = postgresStorage({ pool: db.pool, schema, tenant: 'b' });
    const commit = {
      at: T0,
      entities: [
        { kind: 'lead', id: 'lead-1', expectedVersion: 0, snapshot: { n: 1 }, unique: { phone: '138' } },
      ],
      events: [{ entityId: 'lead-1', kind: 'lead', type: 'lead.received', at: T0 }],
      timers: { schedule: [{ entityId: 'lead-1', timerKey: 'sla', generation: 1, dueAt: T0 }] },
    };
    await a.commit(commit);
    await b.commit(commit); // same ids, same unique phone, own seq 1: another tenant
    expect((await b.readEvents()).map((e) => e.seq)).toEqual([1]);
    expect(await a.claimDueTimers(T0)).toHaveLength(1);
    expect(await b.claimDueTimers(T0)).toHaveLength(1);
    expect(await a.readKpi()).toHaveLength(1);
    await a.dropTenant();
    expect(await a.list('lead')).toEqual([]);
    expect(await a.readKpi()).toEqual([]);
    expect(await b.readKpi()).toHaveLength(1);
    expect(await b.lookup('lead', 'phone', '138')).toEqual(['lead-1']);
  });

  it('an own pool (connectionString) ends on close; a host pool stays open; calls after close fail', async () => {
    const own = postgresStorage({ connectionString: DATABASE_URL, schema: db.schema(), tenant: 'acme' });
    expect(await own.list('lead')).toEqual([]);
    await own.close();
    await own.close();
    await expect(own.load('lead', 'x')).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    const hosted = postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'acme' });
    await hosted.close();
    expect((await db.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a server that cannot be reached is STORAGE_UNAVAILABLE with the driver error as cause', async () => {
    const storage = postgresStorage({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      schema: db.schema(),
      tenant: 'acme',
    });
    const error = await storage.load('lead', 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    await storage.close();
  });

  it.each(['function', 'statements'] as const)(
    'a lease taken over or run out fences the commit (commitVia %s): nothing is written',
    async (commitVia) => {
      const schema = db.schema();
      await migratePostgres(db.pool, { schema });
      await db.pool.query(
        `INSERT INTO "${schema}".shard_lease (shard, owner, fence, lease_until) VALUES (3, 'me', 7, $1)`,
        [Date.now() + 60_000],
      );
      const fence = { shard: 3, owner: 'me', token: '7' };
      const storage = postgresStorage({ pool: db.pool, schema, tenant: 'acme', fence, commitVia });
      await storage.commit({ at: T0, state: [{ key: 'k', value: 1 }] });
      await db.pool.query(`UPDATE "${schema}".shard_lease SET owner = 'other', fence = 8`);
      const write = {
        at: T0,
        state: [{ key: 'k', value: 2 }],
        events: [{ entityId: 'e', kind: 'lead', type: 'x', at: T0 }],
      };
      await expect(storage.commit(write)).rejects.toMatchObject({ code: 'STORAGE_FENCED' });
      await db.pool.query(`UPDATE "${schema}".shard_lease SET owner = 'me', fence = 7, lease_until = 0`);
      await expect(storage.commit(write)).rejects.toMatchObject({ code: 'STORAGE_FENCED' });
      expect((await storage.loadState('k'))?.value).toBe(1);
      expect(await storage.readEvents()).toEqual([]);
    },
  );

  it('concurrent commits on one tenant get gap-free event seqs in commit order', async () => {
    const storage = postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'acme' });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        storage.commit({
          at: T0,
          events: [
            { entityId: `l-${i}`, kind: 'lead', type: 'a', at: T0 },
            { entityId: `l-${i}`, kind: 'lead', type: 'b', at: T0 },
          ],
        }),
      ),
    );
    const seqs = results.flatMap((r) => r.eventSeqs).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    // Each commit's two events are adjacent: no commit's seqs interleave with another's.
    for (const r of results) expect(r.eventSeqs[1]).toBe(r.eventSeqs[0]! + 1);
  });

  it('readers in several processes fold every event exactly once while commits go on', async () => {
    const schema = db.schema();
    const pools = Array.from({ length: 3 }, () => new pg.Pool({ connectionString: DATABASE_URL, max: 2 }));
    try {
      const adapters = pools.map((pool) => postgresStorage({ pool, schema, tenant: 'acme' }));
      const writer = adapters[0]!;
      const commits = Array.from({ length: 30 }, (_, i) =>
        writer.commit({
          at: T0,
          events: [
            {
              entityId: `l-${i}`,
              kind: 'lead',
              type: 'lead.received',
              at: T0 + i,
              data: { qualified: true },
            },
            { entityId: `l-${i}`, kind: 'lead', type: 'sla.breached', at: T0 + i, data: { policyId: 'p' } },
            { entityId: `l-${i}`, kind: 'lead', type: 'sla.breached', at: T0 + i, data: { policyId: 'p' } },
            { entityId: 'c-1', kind: 'customer', type: 'customer.created', at: T0 + i },
          ],
        }),
      );
      const reads = adapters.flatMap((adapter) => Array.from({ length: 5 }, () => adapter.readKpi()));
      await Promise.all([...commits, ...reads]);
      for (const adapter of adapters) {
        const records = await adapter.readKpi();
        expect(records.filter((r) => r.kind === 'customer.created')).toHaveLength(30);
        const leads = records.filter((r) => r.kind === 'lead');
        expect(leads).toHaveLength(30);
        // Folded twice, a breach would count four times.
        for (const lead of leads) expect((lead.value as { breaches: unknown }).breaches).toEqual([['p', 2]]);
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('pruneEvents deletes old events once the projection holds them: the KPI records do not change', async () => {
    const storage = postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'acme' });
    const DAY = 86_400_000;
    for (let d = 0; d < 10; d++) {
      const at = T0 + d * DAY;
      await storage.commit({
        at,
        events: [
          { entityId: `l-${d}`, kind: 'lead', type: 'lead.received', at, data: { qualified: true } },
          {
            entityId: `l-${d}`,
            kind: 'lead',
            type: 'lead.assigned',
            at: at + 60_000,
            data: { repId: 'rep-a' },
          },
        ],
      });
    }
    await storage.readKpi(); // folded up to here
    // An old event committed after the last report: pruning folds it before it deletes it.
    await storage.commit({
      at: T0 + 10 * DAY,
      events: [{ entityId: 'l-1', kind: 'lead', type: 'lead.opened', at: T0 + DAY + 3_600_000 }],
    });
    expect(await storage.pruneEvents(T0 + 7 * DAY)).toBe(15);
    expect((await storage.readEvents()).map((e) => e.entityId)).toEqual([
      'l-7',
      'l-7',
      'l-8',
      'l-8',
      'l-9',
      'l-9',
    ]);
    const l1 = (await storage.readKpi()).find((r) => r.id === 'l-1');
    expect(l1?.value).toMatchObject({ openedAt: T0 + DAY + 3_600_000, state: 'opened' });
    expect((await storage.readKpi()).filter((r) => r.kind === 'lead')).toHaveLength(10);
    expect(await storage.pruneEvents(T0 + 7 * DAY)).toBe(0);
    await expect(storage.pruneEvents(Number.NaN)).rejects.toMatchObject({ code: 'STORAGE_INVALID' });
  });
});
