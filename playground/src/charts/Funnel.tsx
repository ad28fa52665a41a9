/** The lead funnel as horizontal bars: received → … → converted, then opportunities and wins. */
import type { Insights } from '../insights.js';
import { CHART_STRINGS, type ChartLang, formatInteger, formatPercent } from './strings.js';

const WIDTH = 640;
const ROW = 34;
const LABEL = 110;
const BAR = 330;

export function Funnel(props: { insights: Insights; lang: ChartLang }) {
  const s = CHART_STRINGS[props.lang];
  const rows = props.insights.funnel;
  const max = Math.max(1, ...rows.map((row) => row.count));
  const height = rows.length * ROW + 4;
  return (
    <svg
      class="chart"
      data-testid="chart-funnel"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      role="img"
      aria-label={s.funnelTitle}
    >
      <title>{s.funnelTitle}</title>
      {rows.map((row, i) => {
        const y = i * ROW + 4;
        const width = Math.max(row.count > 0 ? 2 : 0, (row.count / max) * BAR);
        const label = s.stages[row.stage];
        const share = row.ofPrevious === null ? '' : ` · ${formatPercent(row.ofPrevious)}`;
        return (
          <g
            key={row.stage}
            class={`funnel-row stage-${row.stage}`}
            data-stage={row.stage}
            data-count={row.count}
          >
            <title>
              {s.funnelRow(
                label,
                formatInteger(row.count),
                formatPercent(row.ofPrevious),
                formatPercent(row.ofReceived),
              )}
            </title>
            <text
              x={LABEL - 8}
              y={y + ROW / 2}
              class="chart-label"
              text-anchor="end"
              dominant-baseline="middle"
            >
              {label}
            </text>
            <rect x={LABEL} y={y + 4} width={BAR} height={ROW - 10} rx={4} class="funnel-track" />
            <rect x={LABEL} y={y + 4} width={width} height={ROW - 10} rx={4} class="funnel-bar" />
            <text x={LABEL + BAR + 10} y={y + ROW / 2} class="chart-value" dominant-baseline="middle">
              {formatInteger(row.count)}
              <tspan class="chart-muted">{share}</tspan>
            </text>
          </g>
        );
      })}
    </svg>
  );
}
