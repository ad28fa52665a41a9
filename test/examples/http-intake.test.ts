/**
 * The HTTP intake example (examples/http-intake/) on the real server: real HTTP requests on
 * loopback, the durable inbox, a worker, and the leads, timers and quarantine read back from
 * PostgreSQL. Then main.ts as a program: it serves, works its inbox and exits cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom, rulesFor } from '../../examples/http-intake/main.js';
import { createIntakeServer } from '../../examples/http-intake/server.js';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import { postgresStorage } from '../../src/adapters/storage/postgres.js';
import { type PostgresWorker, startPostgresWorker } from '../../src/adapters/storage/postgres-worker.js';
import type { LeadRecord } from '../../src/engine/engine.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { createVirtualClock } from '../../src/scheduler/clock.js';
import { DATABASE_URL, testDatabase } from '../adapters/postgres/helpers.js';
import { douyinPushText, hotlineCallback, shanghai, websiteForm, wechatPush } from './http-intake-samples.js';

const db = testDatabase({ max: 10 });
const TENANT = 'zhikong-demo';

async function send(base: string, route: string, body: unknown, type = 'application/json') {
  const response = await fetch(`${base}/tenants/${TENANT}/leads/${route}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the intake service and a worker on one schema', () => {
  const schema = db.schema();
  const clock = createVirtualClock(shanghai('2026-03-02T10:00:00'));
  const notifier = memoryNotifier();
  const app = createIntakeServer({ pool: db.pool, schema, shards: 8, clock });
  let worker: PostgresWorker;
  let base: string;

  beforeAll(async () => {
    worker = await startPostgresWorker({
      pool: db.pool,
      schema,
      shards: 8,
      clock,
      run: false,
      engineFor: (tenant) => ({ ...rulesFor(tenant), calendar: chinaCalendar({ years: [2026] }), notifier }),
      onError: (error) => {
        throw error;
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await worker?.stop();
  });

  it('takes each channel’s push (202 with the inbox seq), merges a redelivery, answers bad ones 400 and quarantines them', async () => {
    const website = await send(
      base,
      'website',
      new URLSearchParams(websiteForm).toString(),
      'application/x-www-form-urlencoded',
    );
    const wechat = await send(base, 'wechat', wechatPush);
    const douyin = await send(base, 'douyin', douyinPushText);
    const hotline = await send(base, 'hotline', hotlineCallback);
    for (const response of [website, wechat, douyin, hotline]) expect(response.status).toBe(202);
    expect(douyin.body).toMatchObject({ externalId: 'douyin:7301234567890123456' });
    expect([website, wechat, douyin, hotline].map((r) => r.body.seq)).toEqual([1, 2, 3, 4]);

    // Douyin sends the same clue again (it retries when it is not sure we got it).
    const again = await send(base, 'douyin', douyinPushText);
    expect(again).toEqual({ status: 202, body: { seq: 5, externalId: 'douyin:7301234567890123456' } });

    // A form without a company and with a bad phone: the form's own field names, and the lead's.
    const { company: _, ...noCompany } = websiteForm;
    const bad = await send(base, 'website', { ...noCompany, phone: 'call me' });
    expect(bad).toEqual({
      status: 400,
      body: {
        seq: 6,
        errors: [
          { path: 'company', leadPath: 'company.name', message: 'required (expected string)' },
          { path: 'phone', leadPath: 'contact.phone', message: expect.stringContaining('phone number') },
        ],
      },
    });
    // A Douyin push that does not even map (no clue id), and a body that is not JSON.
    const { clue_id: __, ...noClue } = JSON.parse(douyinPushText);
    const unmapped = await send(base, 'douyin', noClue);
    expect(unmapped).toEqual({
      status: 400,
      body: { seq: 7, errors: [{ path: 'clue_id', message: 'required: the clue id of the push' }] },
    });
    const notJson = await send(base, 'hotline', '{"call_id": ');
    expect(notJson).toMatchObject({ status: 400, body: { seq: 8, errors: [{ path: '' }] } });

    // Nothing was ingested yet: intake does not wait for a worker. One round takes it all.
    const storage = postgresStorage({ pool: db.pool, schema, tenant: TENANT });
    expect(await storage.list('lead')).toEqual([]);
    expect(await worker.round()).toMatchObject({ tenants: 1, ingested: 8, more: false });

    const results = await db.pool.query(`SELECT seq::int AS seq, result FROM "${schema}".inbox ORDER BY seq`);
    expect(results.rows.map((row) => row.result.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'merged',
      'quarantined',
      'quarantined',
      'quarantined',
    ]);

    // Four leads, one per channel; the redelivery counted on the Douyin lead, not a fifth lead.
    const leads = (await storage.list('lead')).map((entity) => entity.snapshot as unknown as LeadRecord);
    expect(leads.map((l) => [l.lead.channel, l.lead.externalId, l.lead.receivedAt, l.duplicates])).toEqual([
      ['website_form', expect.stringMatching(/^web:contact-us:/), shanghai('2026-03-02T09:40:00'), 0],
      [
        'wechat_mp',
        expect.stringMatching(/^wechat:okuRis8VoZgHXUfIFQKKWhEQmn4I:/),
        shanghai('2026-03-02T09:42:30'),
        0,
      ],
      ['douyin_live', 'douyin:7301234567890123456', shanghai('2026-03-02T09:45:10'), 1],
      ['hotline_400', '400:CALL-20260302-0007', shanghai('2026-03-02T09:50:00'), 0],
    ]);
    expect(leads[2]!.tags).toContain('high-intent/price-sensitive');

    // Each lead has its timers, durable in PostgreSQL: the three assigned ones the 30-minute
    // "not opened" and 24-hour first follow-up SLAs; the call (no stated need, so nurtured, not
    // assigned) its 60-day incubation.
    const assigned = [
      'sla:first-follow-up-24h:breach',
      'sla:first-follow-up-24h:warn',
      'sla:unopened-30m:breach',
    ];
    const expected = [
      ['assigned', assigned],
      ['assigned', assigned],
      ['assigned', assigned],
      ['nurturing', ['machine:incubation']],
    ];
    for (const [i, lead] of leads.entries()) {
      const timers = await storage.listTimers({ entityId: lead.lead.id });
      const state = (lead.machine as { value?: unknown }).value;
      expect([state, timers.map((t) => t.timerKey).sort()], lead.lead.channel).toEqual(expected[i]);
      const unopened = timers.find((t) => t.timerKey === 'sla:unopened-30m:breach');
      if (unopened) expect(unopened.dueAt).toBe(shanghai('2026-03-02T10:30:00'));
    }

    // The three bad pushes are quarantined with their reasons; nothing was lost.
    const quarantine = await storage.listQuarantine();
    expect(quarantine).toHaveLength(3);
    const [mappedBad, unmappedBad, notJsonBad] = [...quarantine].sort((a, b) =>
      JSON.stringify(a.raw).localeCompare(JSON.stringify(b.raw)),
    );
    expect(mappedBad!.issues.map((issue) => issue.path)).toEqual(['company.name', 'contact.phone']);
    expect(mappedBad!.raw).toMatchObject({ channel: 'website_form', contact: { phone: 'call me' } });
    expect(unmappedBad!.raw).toEqual({
      unmapped: { route: 'douyin', errors: unmapped.body.errors },
      body: JSON.parse(JSON.stringify(noClue)),
    });
    expect(notJsonBad!.raw).toEqual({
      unmapped: { route: 'hotline', errors: notJson.body.errors },
      body: '{"call_id": ',
    });
  });

  it('refuses a bad tenant in the path and an unknown route, in the same error shape', async () => {
    const response = await fetch(`${base}/tenants/${encodeURIComponent('a b')}/leads/website`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(websiteForm),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ path: 'tenant' }] });
    const missing = await fetch(`${base}/tenants/${TENANT}/leads/fax`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ errors: [{ path: '' }] });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
  });
});

describe('main.ts as a program', () => {
  it('reads its configuration from the environment, naming what is wrong', () => {
    expect(configFrom({ DATABASE_URL: 'postgres://x/y' })).toEqual({
      databaseUrl: 'postgres://x/y',
      port: 3000,
      host: '127.0.0.1',
      schema: 'leadflow',
      shards: 64,
    });
    expect(() => configFrom({})).toThrow(/DATABASE_URL/);
    expect(() => configFrom({ DATABASE_URL: 'postgres://x/y', PORT: 'http' })).toThrow(/PORT/);
  });

  it('serves pushes, runs the worker in the same process, and exits 0 on SIGTERM with its shards given back', async () => {
    const schema = db.schema();
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../../examples/http-intake/main.ts', import.meta.url))],
      {
        env: { ...process.env, DATABASE_URL, PORT: '0', LEADFLOW_SCHEMA: schema, LEADFLOW_SHARDS: '4' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.on('line', (line) => {
          const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
          if (url) resolve(url);
        });
        void exited.then((code) => reject(new Error(`main.ts exited (${code}) before listening: ${stderr}`)));
      });
      // A push the worker must quarantine: it needs no calendar, so this holds in any year.
      const response = await send(base, 'hotline', { ...hotlineCallback, call_id: undefined });
      expect(response).toMatchObject({ status: 400, body: { seq: 1 } });
      const storage = postgresStorage({ pool: db.pool, schema, tenant: TENANT });
      for (let i = 0; (await storage.listQuarantine()).length === 0; i++) {
        if (i === 400) throw new Error(`the worker in main.ts never took the inbox: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const leases = await db.pool.query(
        `SELECT count(*)::int AS n FROM "${schema}".shard_lease WHERE owner IS NOT NULL`,
      );
      expect(leases.rows[0].n).toBe(0);
      const workers = await db.pool.query(`SELECT count(*)::int AS n FROM "${schema}".worker`);
      expect(workers.rows[0].n).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
