#!/usr/bin/env bash
# Packs the built package, installs the tarball into a scratch consumer folder and loads it
# with plain node both ways. Exists because rrule (CommonJS without `exports`) breaks under
# Node ESM while passing under vitest: only a real consumer catches that.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
scratch="$(mktemp -d)"
playground_pid=''
cleanup() {
  # The playground server runs in its own process group (npm exec does not pass SIGTERM on).
  if [ -n "$playground_pid" ]; then kill -TERM -- "-$playground_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

tarball="$(npm pack --silent --pack-destination "$scratch" | tail -n 1)"
# The packed package's types resolve under every TypeScript resolution mode (attw, node10
# included) and its manifest is clean (publint --strict). The rule-set JSON Schema has no types;
# node10 (no `exports`) reaches it by its path, leadflow/schema/ruleset.schema.json.
if ! npx --no-install attw --format ascii "$scratch/$tarball" \
  --exclude-entrypoints ./ruleset.schema.json ./schema/ruleset.schema.json > "$scratch/attw.txt" 2>&1; then
  cat "$scratch/attw.txt"; exit 1
fi
tail -n 1 "$scratch/attw.txt"
npx --no-install publint --strict "$scratch/$tarball" | tail -n 1
cd "$scratch"
npm init -y >/dev/null
# pg: the optional peer dependency a host installs to use leadflow/adapters/postgres.
npm install --prefer-offline --no-audit --no-fund "$scratch/$tarball" pg@8 >/dev/null
# The rule-set JSON Schema ships with the package, under its documented subpath.
node -e "for (const p of ['leadflow/ruleset.schema.json', 'leadflow/schema/ruleset.schema.json']) { const s = require(require.resolve(p)); if (s.title !== 'leadflow rule set') throw new Error(p + ': ' + s.title); } console.log('leadflow/ruleset.schema.json ok')"

cat > esm.mjs <<'JS'
import * as leadflow from 'leadflow';
import { chinaCalendar, createTimerQueue, occurrences } from 'leadflow';
const calendar = chinaCalendar({ years: [2026] });
const due = calendar.addBusinessTime(Date.parse('2026-02-13T09:30:00Z'), 4 * 3_600_000);
const reminders = occurrences('FREQ=MONTHLY;INTERVAL=3', {
  start: Date.parse('2026-01-05T02:00:00Z'), zone: 'Asia/Shanghai',
  from: Date.parse('2026-01-01T00:00:00Z'), to: Date.parse('2026-12-31T00:00:00Z'),
  shift: 'next-business-time', calendar,
});
const queue = createTimerQueue();
queue.schedule({ key: 'k', dueAt: 1 });
if (reminders.length !== 4 || queue.popDue(1).length !== 1 || !(due > 0)) throw new Error('ESM smoke failed');
console.log('ESM ok:', Object.keys(leadflow).length, 'exports; SLA due', new Date(due).toISOString());
JS
cat > cjs.cjs <<'JS'
const leadflow = require('leadflow');
const { chinaCalendar, occurrences } = leadflow;
const calendar = chinaCalendar({ years: [2025] });
const list = occurrences('FREQ=WEEKLY;COUNT=3', { start: Date.parse('2025-03-03T02:00:00Z'), zone: 'Asia/Shanghai',
  from: 0, to: Date.parse('2026-01-01T00:00:00Z'), shift: 'next-business-time', calendar });
if (list.length !== 3) throw new Error('CJS smoke failed');
console.log('CJS ok:', Object.keys(leadflow).length, 'exports');
JS
cat > engine.mjs <<'JS'
// The production-host engine from the built package: two engines on one storage, the runtime,
// idempotent intake, a graceful stop.
import { chinaCalendar, createEngine, memoryNotifier, memoryStorage, zhikongPreset } from 'leadflow';
const origin = Date.now();
const clock = { now: () => Date.parse('2026-03-02T10:00:00+08:00') + (Date.now() - origin) };
const storage = memoryStorage();
const notifier = memoryNotifier();
const make = () => createEngine({ ...zhikongPreset, calendar: chinaCalendar({ years: [2026] }), clock, storage, notifier });
const [a, b] = [make(), make()];
a.start({ pollIntervalMs: 20 });
b.start({ pollIntervalMs: 20 });
const lead = (i) => ({ receivedAt: clock.now(), channel: 'website_form', company: { name: `厂${i}`, region: '上海', industry: '机械制造' }, contact: { phone: `1380000${String(i).padStart(4, '0')}` }, need: '需要产线自动化改造方案' });
const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).ingest(lead(i), { idempotencyKey: `k${i}` })));
const again = await a.ingest(lead(0), { idempotencyKey: 'k0' });
const ids = new Set(results.map((r) => r.leadId));
if (ids.size !== 40 || again.leadId !== results[0].leadId) throw new Error('engine smoke: ids');
await Promise.all([a.stop(), b.stop()]);
const stored = await storage.list('lead');
if (stored.length !== 40) throw new Error(`engine smoke: ${stored.length} leads stored`);
let threw = false;
try { createEngine({ ...zhikongPreset, calendar: chinaCalendar({ years: [2026] }) }); } catch (e) { threw = e.code === 'ENGINE_INVALID'; }
if (!threw) throw new Error('engine smoke: an engine without a notifier must be refused');
console.log('engine ok: 2 engines, 40 leads, unique ids, idempotent repeat, graceful stop');
JS
cat > subpaths.mjs <<'JS'
// Every subpath export loads under plain Node, ESM and CJS, and makes what it names.
import { createRequire } from 'node:module';
import { postgresStorage, postgresSchemaSql } from 'leadflow/adapters/postgres';
import * as core from 'leadflow/core';
const require = createRequire(import.meta.url);
const notifiers = {
  'wecom-robot': 'wecomRobotNotifier', 'wecom-app': 'wecomAppNotifier', 'dingtalk-robot': 'dingtalkRobotNotifier',
  'feishu-robot': 'feishuRobotNotifier', 'aliyun-sms': 'aliyunSmsNotifier', 'tencent-sms': 'tencentSmsNotifier',
  email: 'emailNotifier', webhook: 'webhookNotifier',
};
for (const [path, factory] of Object.entries(notifiers)) {
  const esm = await import(`leadflow/notify/${path}`);
  const cjs = require(`leadflow/notify/${path}`);
  if (typeof esm[factory] !== 'function' || typeof cjs[factory] !== 'function') throw new Error(`leadflow/notify/${path}: no ${factory}`);
}
if (typeof postgresStorage !== 'function' || typeof require('leadflow/adapters/postgres').postgresStorage !== 'function')
  throw new Error('leadflow/adapters/postgres: no postgresStorage');
if (!postgresSchemaSql('leadflow').some((sql) => sql.includes('"leadflow".entity'))) throw new Error('postgresSchemaSql');
for (const [name, kind] of [['leadMachine', 'object'], ['decideLead', 'function'], ['computeMetrics', 'function'], ['collapseTimers', 'function']]) {
  if (typeof core[name] !== kind || typeof require('leadflow/core')[name] !== kind) throw new Error(`leadflow/core: no ${name}`);
}
console.log('subpaths ok: core, adapters/postgres and', Object.keys(notifiers).length, 'notifiers, ESM and CJS');
JS
cat > postgres.mjs <<'JS'
// The engine on PostgreSQL from the built package: leads and their SLA timers survive the
// engine, a second engine on the same tenant fires them, then the schema is dropped.
import pg from 'pg';
import { chinaCalendar, createEngine, createVirtualClock, memoryNotifier, zhikongPreset } from 'leadflow';
import { postgresStorage } from 'leadflow/adapters/postgres';
const pool = new pg.Pool({ connectionString: process.env.LEADFLOW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
const schema = `lf_smoke_${process.pid}`;
try {
  const clock = createVirtualClock(Date.parse('2026-03-02T10:00:00+08:00'));
  const make = () => createEngine({ ...zhikongPreset, calendar: chinaCalendar({ years: [2026] }), clock,
    storage: postgresStorage({ pool, schema, tenant: 'smoke' }), notifier: memoryNotifier() });
  const first = make();
  const lead = { receivedAt: clock.now(), channel: 'website_form', company: { name: '苏州精工', region: '江苏', industry: '机械制造' }, contact: { phone: '13800000001' }, need: '需要产线自动化改造方案' };
  const accepted = await first.ingest(lead);
  await first.stop();
  const second = make();
  const again = await second.ingest(lead);
  if (accepted.status !== 'accepted' || again.status !== 'merged' || again.leadId !== accepted.leadId) throw new Error('postgres smoke: dedupe across engines');
  await second.advanceTo(clock.now() + 3 * 86_400_000);
  const explained = await second.explain(accepted.leadId);
  if (explained.events.length < 3) throw new Error('postgres smoke: no timer fired');
  await second.stop();
  // Many tenants: the inbox and a worker from the built package.
  const { appendToInbox, startPostgresWorker } = await import('leadflow/adapters/postgres');
  const monday = clock.now();
  const worker = await startPostgresWorker({ pool, schema, shards: 4, run: false, clock,
    engineFor: () => ({ ...zhikongPreset, calendar: chinaCalendar({ years: [2026] }), notifier: memoryNotifier() }) });
  await appendToInbox(pool, { tenant: 'second', payload: { ...lead, receivedAt: monday }, receivedAt: monday }, { schema, shards: 4 });
  const round = await worker.round();
  await worker.stop();
  if (round.ingested !== 1) throw new Error(`postgres smoke: the worker ingested ${round.ingested}`);
  console.log('postgres ok: a lead kept across engines,', explained.events.length, 'events after 3 days; a worker ingested the inbox');
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
JS
node esm.mjs
node subpaths.mjs
node postgres.mjs
node engine.mjs
node cjs.cjs
node -e "const p = require('leadflow/package.json'); console.log('package.json export ok:', p.name, p.version)"

# The CLI from the packed package: a short run, --json output, and bad-input exit codes.
npx --no-install leadflow simulate --days 2 --leads-per-month 600 --json > report.json
node -e "const r = JSON.parse(require('fs').readFileSync('report.json', 'utf8')); if (!r || typeof r !== 'object') throw new Error('no JSON report'); console.log('CLI --json ok:', Object.keys(r).slice(0, 6).join(', '))"
set +e
npx --no-install leadflow simulate --rules does-not-exist.json > /dev/null 2> missing.txt
missing_rc=$?
echo '{"id": "bad", "version": "1", "assignment": {"rules": [{"id": "r", "strategy": {"type": "owner", "repId": "nobody"}}]}, "sla": {"policies": [{"id": "p", "startOn": ["lead.arrived"], "stopOn": ["lead.assigned"], "target": "soon", "clock": "business", "onBreach": []}]}}' > bad-rules.json
npx --no-install leadflow simulate --rules bad-rules.json > /dev/null 2> bad.txt
bad_rc=$?
set -e
if [ "$missing_rc" -ne 2 ] || ! grep -q 'does-not-exist.json' missing.txt; then
  echo "CLI: a missing file must exit 2 and name the file (got $missing_rc)"; cat missing.txt; exit 1
fi
if [ "$bad_rc" -ne 2 ] || ! grep -q 'sla.policies\[0\]' bad.txt; then
  echo "CLI: an invalid rule set must exit 2 and list problems with JSON paths (got $bad_rc)"; cat bad.txt; exit 1
fi
echo "CLI bad-input cases ok (exit 2, file and JSON paths named)"

# The playground from the packed package: `leadflow playground --port 0` serves the built app;
# its page (with the app's title) and the scripts it references load; SIGTERM stops it cleanly.
title="$(node -e "const m = /<title>([^<]*)<\/title>/.exec(require('fs').readFileSync(process.argv[1], 'utf8')); console.log(m[1])" "$root/playground/index.html")"
set -m # its own process group, so the server under npm exec gets the signal too
npx --no-install leadflow playground --port 0 > playground.log 2>&1 &
playground_pid=$!
set +m
url=''
for _ in $(seq 1 300); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/' playground.log | head -n 1 || true)"
  if [ -n "$url" ] || ! kill -0 "$playground_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then echo "playground: no URL printed"; cat playground.log; exit 1; fi
cat > playground.mjs <<'JS'
const [url, title] = process.argv.slice(2);
const get = async (path) => {
  const res = await fetch(new URL(path, url));
  if (res.status !== 200) throw new Error(`playground: GET ${path} → ${res.status}`);
  return { type: res.headers.get('content-type'), text: await res.text() };
};
const page = await get('./');
if (!page.type.startsWith('text/html') || !page.text.includes(`<title>${title}</title>`))
  throw new Error(`playground: / is not the playground's index.html (${page.type})`);
const scripts = [...page.text.matchAll(/src="(\.\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
if (scripts.length === 0) throw new Error('playground: index.html references no script under ./assets/');
const app = await get(scripts[0]);
if (!app.type.startsWith('text/javascript') || app.text.length === 0) throw new Error(`playground: ${scripts[0]} (${app.type})`);
// The Web Worker that runs the simulation, referenced by the app's script.
const worker = /sim\.worker-[\w-]+\.js/.exec(app.text);
if (worker === null) throw new Error('playground: the app references no sim.worker script');
const workerScript = await get(`./assets/${worker[0]}`);
if (!workerScript.type.startsWith('text/javascript')) throw new Error(`playground: ${worker[0]} (${workerScript.type})`);
const missing = await fetch(new URL('./no-such-file.js', url));
if (missing.status !== 404) throw new Error(`playground: a missing file → ${missing.status}`);
console.log(`playground ok: ${url} serves "${title}", ${scripts[0]} and ${worker[0]}`);
JS
node playground.mjs "$url" "$title"
node "$root/.ci/playground-browser.mjs" "$url"
kill -TERM -- "-$playground_pid"
wait "$playground_pid" 2>/dev/null || true
playground_pid=''
for _ in $(seq 1 50); do grep -q 'leadflow playground: stopped' playground.log && break; sleep 0.1; done
if ! grep -q 'leadflow playground: stopped' playground.log; then
  echo "playground: did not stop cleanly on SIGTERM"; cat playground.log; exit 1
fi
echo "playground stopped cleanly on SIGTERM"
