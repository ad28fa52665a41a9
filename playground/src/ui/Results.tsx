/** The results of a run: targets vs achieved, headline counts, insights and charts, raw JSON. */
import { useState } from 'preact/hooks';
import { InsightsView } from '../charts/index.js';
import type { RunOutcome } from '../protocol.js';
import { breachRows, headline, targetRows } from '../shape.js';
import { explainLead, lang, result, strings } from '../state.js';
import { CompareView } from './Compare.js';

function Verdict(props: { outcome: RunOutcome }) {
  const t = strings.value;
  const rows = targetRows(props.outcome.report, props.outcome.targets, lang.value);
  const missed = rows.filter((r) => r.state === 'missed').length;
  const undecided = rows.filter((r) => r.state === 'undecided').length;
  return (
    <span class={`badge ${missed > 0 ? 'bad' : undecided > 0 ? 'open' : 'ok'}`} data-testid="verdict">
      {[
        missed > 0 ? `✘ ${t.failedSome(missed)}` : undefined,
        undecided > 0 ? `— ${t.undecidedSome(undecided)}` : undefined,
      ]
        .filter(Boolean)
        .join(' · ') || `✔ ${t.passedAll}`}
    </span>
  );
}

function Targets(props: { outcome: RunOutcome }) {
  const t = strings.value;
  const { report, timeline, targets } = props.outcome;
  const rows = targetRows(report, targets, lang.value);
  return (
    <section class="card">
      <div class="card-head">
        <h2>{t.targets}</h2>
        <Verdict outcome={props.outcome} />
      </div>
      <p class="meta">
        {report.ruleSet.name ?? report.ruleSet.id} ·{' '}
        {t.period(report.period.days, timeline.days[0] ?? report.period.start, report.period.zone)} ·{' '}
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
  );
}

function Headline(props: { outcome: RunOutcome }) {
  const t = strings.value;
  return (
    <section class="card">
      <h2>{t.headline}</h2>
      <div class="tiles" data-testid="headline">
        {headline(props.outcome.report, lang.value).map((item) => (
          <div class="tile" key={item.key} data-key={item.key}>
            <div class="value">{item.value}</div>
            <div class="label">{item.label}</div>
          </div>
        ))}
      </div>
    </section>
  );
}

function Breaches(props: { outcome: RunOutcome }) {
  const t = strings.value;
  const breaches = breachRows(props.outcome.report, props.outcome.policies);
  return (
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
  );
}

function ExplainById() {
  const t = strings.value;
  const [leadId, setLeadId] = useState('');
  return (
    <form
      class="explain-by-id"
      onSubmit={(e) => {
        e.preventDefault();
        if (leadId.trim() !== '') void explainLead(leadId.trim());
      }}
    >
      <label>
        <span>{t.explainById}</span>
        <input
          name="leadId"
          data-testid="explain-id"
          value={leadId}
          placeholder="lead-…"
          onInput={(e) => setLeadId((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">{t.explainGo}</button>
    </form>
  );
}

export function Results() {
  const shown = result.value;
  if (shown === null) return null;
  const t = strings.value;
  const outcome = shown.current;
  return (
    <div class="results" data-testid="results" data-elapsed-ms={outcome.elapsedMs.toFixed(1)}>
      {shown.baseline ? <CompareView baseline={shown.baseline} current={outcome} /> : null}
      <Targets outcome={outcome} />
      <Headline outcome={outcome} />
      <InsightsView
        insights={outcome.insights}
        lang={lang.value}
        onLead={(leadId: string) => void explainLead(leadId)}
        policyName={(id) => outcome.policies.find((p) => p.id === id)?.description ?? id}
      />
      <Breaches outcome={outcome} />
      <section class="card">
        <ExplainById />
      </section>
      <details class="card raw">
        <summary>{t.rawJson}</summary>
        <pre data-testid="report-json">{outcome.json}</pre>
      </details>
    </div>
  );
}
