/** A compare: the baseline (A) and the current rule set (B) on the same stream, with B − A. */
import type { RunOutcome } from '../protocol.js';
import { compareCounts, compareTargets } from '../shape.js';
import { lang, strings } from '../state.js';

export function CompareView(props: { baseline: RunOutcome; current: RunOutcome }) {
  const t = strings.value;
  const targets = compareTargets(
    props.baseline.report,
    props.current.report,
    props.current.targets,
    lang.value,
  );
  const counts = compareCounts(props.baseline.report, props.current.report, lang.value);
  return (
    <section class="card compare" data-testid="compare">
      <h2>{t.compareTitle}</h2>
      <table class="targets" data-testid="compare-targets">
        <thead>
          <tr>
            <th class="desc" />
            <th class="num">{t.target}</th>
            <th class="num">{t.colA}</th>
            <th class="num">{t.colB}</th>
            <th class="num">{t.colDelta}</th>
          </tr>
        </thead>
        <tbody>
          {targets.map((row) => (
            <tr key={row.id} data-target={row.id} data-change={row.change}>
              <td class="desc">{row.description}</td>
              <td class="num">{row.target}</td>
              <td class={`num ${row.a.state}`}>
                {row.a.mark} {row.a.achieved}
              </td>
              <td class={`num strong ${row.b.state}`}>
                {row.b.mark} {row.b.achieved}
              </td>
              <td class={`num delta ${row.change}`}>{row.delta}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t.compareCounts}</h3>
      <table class="compare-counts" data-testid="compare-counts">
        <thead>
          <tr>
            <th />
            <th class="num">{t.colA}</th>
            <th class="num">{t.colB}</th>
            <th class="num">{t.colDelta}</th>
          </tr>
        </thead>
        <tbody>
          {counts.map((row) => (
            <tr key={row.key} data-key={row.key} data-change={row.change}>
              <td>{row.label}</td>
              <td class="num">{row.a}</td>
              <td class="num">{row.b}</td>
              <td class={`num delta ${row.change}`}>{row.delta}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
