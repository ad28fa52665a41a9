import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

it("the README's quick start runs as written and does what its comments say", async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const dir = join(here, '.generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-quickstart.ts');
  writeFileSync(file, `${code}\nexport { engine, notifier, result };\n`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const quickstart = await import(file);
    expect(quickstart.result).toMatchObject({
      status: 'accepted',
      state: 'assigned',
      decision: { kind: 'assign', repId: 'rep-a', ruleId: 'suzhou-park-auto-parts' },
    });
    expect(quickstart.notifier.sent.map((m: { template: string }) => m.template)).toContain(
      'unopened-reminder',
    );
    expect(log).toHaveBeenCalledTimes(3);
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
});

it("the README's opportunity snippet runs after the quick start and does what it says", async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  const dir = join(here, '.generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-opportunities.ts');
  writeFileSync(file, `${blocks[0]}\n${blocks[1]}\nexport { engine, opportunityId, warnings };\n`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const snippet = await import(file);
    expect(snippet.warnings).toEqual([]);
    const opportunity = await snippet.engine.getOpportunity(snippet.opportunityId);
    expect(opportunity.machine.context.stage).toBe('needsDiagnosis');
    // The listener heard the creation and the stage move, after their commits.
    const heard = log.mock.calls.map((call) => call.join(' '));
    expect(heard).toContain(`${snippet.opportunityId} opportunity.created`);
    expect(heard).toContain(`${snippet.opportunityId} opportunity.stageEntered`);
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
});

it("the README's production host runs as written: the runtime, idempotent webhooks, a graceful stop", async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A production host'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  expect(code).toContain('clock: systemClock');
  // The same code on a clock that flows in real time from a working Monday the calendar covers.
  const anchored = code!.replace(
    'clock: systemClock,',
    "clock: ((origin) => ({ now: () => Date.parse('2026-03-02T10:00:00+08:00') + (Date.now() - origin) }))(Date.now()),",
  );
  const dir = join(here, '.generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-production.ts');
  writeFileSync(file, anchored);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const host = await import(file);
    const body = {
      receivedAt: Date.parse('2026-03-02T10:00:00+08:00'),
      channel: 'website_form',
      company: { name: '苏州精工', region: '江苏', park: '苏州工业园区', industry: '汽车零部件' },
      contact: { name: '刘经理', phone: '13800000000' },
      need: '需要一套产线自动化改造方案，下季度采购',
    };
    const first = await host.onLeadWebhook(body, 'd-1');
    const redelivered = await host.onLeadWebhook(body, 'd-1');
    expect(first).toMatchObject({ status: 200, body: { status: 'accepted', leadId: 'lead-0000001' } });
    expect(redelivered).toEqual(first);
    expect(await host.onLeadWebhook({ channel: 'fax' }, 'd-2')).toMatchObject({ status: 422 });
    await host.engine.stop();
    await expect(host.onLeadWebhook(body, 'd-3')).rejects.toMatchObject({ code: 'ENGINE_STOPPED' });
  } finally {
    log.mockRestore();
  }
});

it("the README's PostgreSQL section runs as written: one company's engine, the inbox and a worker", async () => {
  const { DATABASE_URL } = await import('./adapters/postgres/helpers.js');
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Run it in production (PostgreSQL)'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const dir = join(here, '.generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-postgres.ts');
  // The same code on the test database (its default schema, "leadflow"), on a working Monday,
  // the worker's rounds run by hand.
  const monday = "{ now: () => Date.parse('2026-03-02T10:00:00+08:00') }";
  const adapted = code!
    .replace('clock: systemClock,', `clock: ${monday},`)
    .replace('startPostgresWorker({ pool,', `startPostgresWorker({ pool, run: false, clock: ${monday},`)
    .replace('receivedAt: Date.now()', "receivedAt: Date.parse('2026-03-02T10:00:00+08:00')");
  writeFileSync(file, `${adapted}\nexport { pool };\n`);
  const pg = (await import('pg')).default;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  await admin.query('DROP SCHEMA IF EXISTS leadflow CASCADE');
  process.env.DATABASE_URL = DATABASE_URL;
  const host = await import(file);
  try {
    const lead = {
      receivedAt: Date.parse('2026-03-02T10:00:00+08:00'),
      channel: 'website_form',
      company: { name: '苏州精工', region: '江苏', industry: '汽车零部件' },
      contact: { phone: '13800000000' },
    };
    expect(await host.engine.ingest(lead)).toMatchObject({ status: 'accepted', leadId: 'lead-0000001' });
    await host.engine.stop();
    expect(await host.receive('hengrui', lead)).toMatchObject({ duplicate: false });
    const worker = await host.startWorker();
    expect(await worker.round()).toMatchObject({ ingested: 1 });
    await worker.stop();
  } finally {
    await host.pool.end();
    await admin.query('DROP SCHEMA IF EXISTS leadflow CASCADE');
    await admin.end();
  }
});

it("the README's notification section runs as written: WeCom for the owner, SMS when there is no WeCom id", async () => {
  const { startWecomAppFake } = await import('./adapters/notify/fakes/wecom-app.js');
  const { startAliyunSmsFake } = await import('./adapters/notify/fakes/aliyun-sms.js');
  const { createVirtualClock } = await import('../src/scheduler/clock.js');
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Notifications: WeCom and SMS'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const wecom = await startWecomAppFake({
    corpId: 'ww2e0000000000000a',
    corpSecret: 'wecom-secret',
    agentId: 1000002,
    users: ['ZhangWei', 'WangZhuguan'],
  });
  const sms = await startAliyunSmsFake();
  const clock = createVirtualClock(Date.parse('2026-03-02T10:00:00+08:00'));
  Object.assign(process.env, {
    WECOM_SECRET: 'wecom-secret',
    ALIYUN_AK_ID: 'LTAI-test',
    ALIYUN_AK_SECRET: 'test-secret',
  });
  (globalThis as { readmeClock?: unknown }).readmeClock = clock;
  // The same code against the loopback fakes of the two APIs, on a virtual Monday morning.
  const adapted = code!
    .replace('clock: systemClock,', 'clock: (globalThis as { readmeClock?: never }).readmeClock!,')
    .replace('agentId: 1000002 })', `agentId: 1000002, baseUrl: '${wecom.url}' })`)
    .replace("templateCode: 'SMS_465890123',", `templateCode: 'SMS_465890123', endpoint: '${sms.url}',`);
  expect(adapted).not.toBe(code);
  const dir = join(here, '.generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-notifications.ts');
  writeFileSync(file, adapted);
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const { engine } = await import(file);
    const at = clock.now();
    // Suzhou Industrial Park + auto parts → rep A (张伟, WeCom ZhangWei).
    await engine.ingest({
      receivedAt: at,
      channel: 'website_form',
      company: { name: '苏州精工', region: '江苏', park: '苏州工业园区', industry: '汽车零部件' },
      contact: { name: '刘经理', phone: '13800000000' },
      need: '需要一套产线自动化改造方案，下季度采购',
    });
    // Education → rep D (陈静), who has no WeCom account: her reminder goes on by SMS.
    await engine.ingest({
      receivedAt: at,
      channel: 'hotline_400',
      company: { name: '某职业学院', region: '浙江', industry: '教育' },
      contact: { name: '周老师', phone: '13900000001' },
      need: '实训室设备采购',
      priority: 'normal',
    });
    await engine.advanceTo(at + 31 * 60_000);
    expect(wecom.delivered.map((d) => d.to)).toContainEqual(['ZhangWei']);
    const reminder = wecom.delivered.find((d) => d.content.includes('未查看'));
    expect(reminder?.content).toMatch(/查看详情：https:\/\/crm\.example\.com\/leads\/lead-0000001/);
    expect(sms.sent.map((m) => m.phone)).toEqual(['13800138004']);
    expect(error).not.toHaveBeenCalled();
    await engine.stop();
  } finally {
    error.mockRestore();
    await wecom.close();
    await sms.close();
  }
});
