import { computed, signal } from '@preact/signals';
import { render } from 'preact';
import { type Lang, STRINGS } from './i18n.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { breachRows, DEFAULT_PARAMS, headline, type RunParams, targetRows } from './shape.js';
import './style.css';

type Done = Extract<FromWorker, { type: 'done' }>;
type Status =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly day: number; readonly totalDays: number }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'done' };

const initialLang = (): Lang => (new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh-CN');
const lang = signal<Lang>(initialLang());
const params = signal<RunParams>(DEFAULT_PARAMS);
const status = signal<Status>({ kind: 'idle' });
const result = signal<Done | null>(null);
const s = computed(() => STRINGS[lang.value]);

let worker: Worker | null = null;

function startWorker(): Worker {
  const w = new Worker(new URL('./sim.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    if (message.type === 'progress')
      status.value = { kind: 'running', day: message.day, totalDays: message.totalDays };
    else if (message.type === 'done') {
      result.value = message;
      status.value = { kind: 'done' };
    } else if (message.type === 'cancelled') status.value = { kind: 'cancelled' };
    else status.value = { kind: 'error', message: message.message };
  };
  w.onerror = (event) => {
    status.value = { kind: 'error', message: event.message || 'worker error' };
  };
  return w;
}

function run() {
  worker ??= startWorker();
  status.value = { kind: 'running', day: 0, totalDays: params.value.days };
  const message: ToWorker = { type: 'run', params: params.value };
  worker.postMessage(message);
}

function cancel() {
  if (status.value.kind !== 'running' || worker === null) return;
  const message: ToWorker = { type: 'cancel' };
  worker.postMessage(message);
  // The simulation never yields to the worker's event loop, so the message only arrives after the
  // run: stop the worker now and start a fresh one for the next run.
  worker.terminate();
  worker = null;
  status.value = { kind: 'cancelled' };
}

function toggleLang() {
  lang.value = lang.value === 'zh-CN' ? 'en' : 'zh-CN';
  document.documentElement.lang = lang.value;
  document.title = STRINGS[lang.value].title;
}

function NumberField(props: { field: 'days' | 'leadsPerMonth' | 'seed'; label: string; hint?: string }) {
  const running = status.value.kind === 'running';
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        type="number"
        name={props.field}
        min={props.field === 'seed' ? 0 : 1}
        step={1}
        value={params.value[props.field]}
        disabled={running}
        onInput={(e) => {
          const value = Number((e.currentTarget as HTMLInputElement).value);
          params.value = { ...params.value, [props.field]: value };
        }}
      />
      {props.hint ? <small>{props.hint}</small> : null}
    </label>
  );
}

function Setup() {
  const t = s.value;
  const running = status.value.kind === 'running';
  return (
    <section class="card setup">
      <h2>{t.setup}</h2>
      <label class="field">
        <span>{t.preset}</span>
        <select
          name="preset"
          value={params.value.preset}
          disabled={running}
          onChange={(e) => {
            const preset = (e.currentTarget as HTMLSelectElement).value as RunParams['preset'];
            params.value = { ...params.value, preset };
          }}
        >
          <option value="zhikong">{t.presetZhikong}</option>
          <option value="hengrui">{t.presetHengrui}</option>
        </select>
      </label>
      <NumberField field="days" label={t.days} />
      <NumberField field="leadsPerMonth" label={t.leadsPerMonth} />
      <NumberField field="seed" label={t.seed} hint={t.seedHint} />
      <div class="actions">
        <button type="button" class="primary" data-testid="run" disabled={running} onClick={run}>
          {t.run}
        </button>
        <button type="button" data-testid="cancel" disabled={!running} onClick={cancel}>
          {t.cancel}
        </button>
      </div>
    </section>
  );
}

function StatusBar() {
  const t = s.value;
  const st = status.value;
  if (st.kind === 'running') {
    const share = st.totalDays === 0 ? 0 : st.day / st.totalDays;
    return (
      <div class="status running" data-testid="status" data-state="running">
        <div
          class="progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={st.totalDays}
          aria-valuenow={st.day}
        >
          <div class="bar" style={{ width: `${(share * 100).toFixed(1)}%` }} />
        </div>
        <span>{st.day === 0 ? t.starting : t.running(st.day, st.totalDays)}</span>
      </div>
    );
  }
  if (st.kind === 'error')
    return (
      <div class="status error" data-testid="status" data-state="error">
        <strong>{t.failed}</strong>
        <pre>{st.message}</pre>
      </div>
    );
  if (st.kind === 'cancelled')
    return (
      <div class="status" data-testid="status" data-state="cancelled">
        {t.cancelled}
      </div>
    );
  if (st.kind === 'idle' && result.value === null)
    return (
      <div class="status" data-testid="status" data-state="idle">
        {t.idle}
      </div>
    );
  return null;
}

function Results() {
  const done = result.value;
  if (done === null) return null;
  const t = s.value;
  const report = done.report;
  const rows = targetRows(report, done.targets, lang.value);
  const missed = rows.filter((r) => r.state === 'missed').length;
  const undecided = rows.filter((r) => r.state === 'undecided').length;
  const breaches = breachRows(report, done.policies);
  return (
    <div class="results" data-testid="results">
      <section class="card">
        <div class="card-head">
          <h2>{t.targets}</h2>
          <span class={`badge ${missed > 0 ? 'bad' : undecided > 0 ? 'open' : 'ok'}`} data-testid="verdict">
            {[
              missed > 0 ? `✘ ${t.failedSome(missed)}` : undefined,
              undecided > 0 ? `— ${t.undecidedSome(undecided)}` : undefined,
            ]
              .filter(Boolean)
              .join(' · ') || `✔ ${t.passedAll}`}
          </span>
        </div>
        <p class="meta">
          {report.ruleSet.name ?? report.ruleSet.id} ·{' '}
          {t.period(report.period.days, done.timeline.days[0] ?? report.period.start, report.period.zone)} ·{' '}
          {t.team(report.team.reps, report.team.dailyCapacity)}
        </p>
        <table class="targets" data-testid="targets">
          <thead>
            <tr>
              <th />
              <th class="desc" />
              <th class="num">{t.target}</th>
              <th class="num">{t.achieved}</th>
              <th class="num">{t.metDecided}</th>
              <th class="num">{t.pending}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr
                key={row.id}
                data-target={row.id}
                class={row.state === 'met' ? 'pass' : row.state === 'missed' ? 'fail' : 'undecided'}
                title={row.state === 'undecided' ? t.undecidedHint : undefined}
              >
                <td class="mark">{row.mark}</td>
                <td class="desc">{row.description}</td>
                <td class="num">{row.target}</td>
                <td class="num strong">{row.achieved}</td>
                <td class="num">{row.metDecided}</td>
                <td class="num">{row.pending}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>{t.headline}</h2>
        <div class="tiles" data-testid="headline">
          {headline(report, lang.value).map((item) => (
            <div class="tile" key={item.key} data-key={item.key}>
              <div class="value">{item.value}</div>
              <div class="label">{item.label}</div>
            </div>
          ))}
        </div>
      </section>
      <section class="card">
        <h2>{t.breaches}</h2>
        {breaches.length === 0 ? (
          <p class="meta">{t.noBreaches}</p>
        ) : (
          <table class="breaches" data-testid="breaches">
            <thead>
              <tr>
                <th>{t.policy}</th>
                <th class="num">{t.count}</th>
              </tr>
            </thead>
            <tbody>
              {breaches.map((row) => (
                <tr key={row.policyId} title={row.policyId}>
                  <td>{row.description}</td>
                  <td class="num">{row.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <details class="card raw">
        <summary>{t.rawJson}</summary>
        <pre data-testid="report-json">{done.json}</pre>
      </details>
    </div>
  );
}

function App() {
  const t = s.value;
  return (
    <div class="page">
      <header>
        <div>
          <h1>{t.title}</h1>
          <p>{t.subtitle}</p>
        </div>
        <button type="button" class="lang" data-testid="lang" onClick={toggleLang}>
          {t.langToggle}
        </button>
      </header>
      <main>
        <Setup />
        <div class="output">
          <StatusBar />
          <Results />
        </div>
      </main>
      <footer>{t.footer}</footer>
    </div>
  );
}

document.documentElement.lang = lang.value;
document.title = s.value.title;
render(<App />, document.getElementById('app')!);
