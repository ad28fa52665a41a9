/** Leads received by local weekday (rows, Monday first) × hour (columns), as a heat map. */
import type { Insights } from '../insights.js';
import { CHART_STRINGS, type ChartLang, formatInteger } from './strings.js';

const CELL = 24;
const LEFT = 44;
const TOP = 18;

export function ArrivalsHeatmap(props: { insights: Insights; lang: ChartLang }) {
  const s = CHART_STRINGS[props.lang];
  const { matrix, max } = props.insights.arrivals;
  const width = LEFT + 24 * CELL;
  const height = TOP + 7 * CELL + 28;
  return (
    <svg
      class="chart"
      data-testid="chart-arrivals"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      role="img"
      aria-label={s.arrivalsTitle}
    >
      <title>{s.arrivalsTitle}</title>
      {Array.from({ length: 24 }, (_, hour) =>
        hour % 3 === 0 ? (
          <text
            key={`h${hour}`}
            x={LEFT + hour * CELL + CELL / 2}
            y={TOP - 5}
            class="chart-tick"
            text-anchor="middle"
          >
            {hour}
          </text>
        ) : null,
      )}
      {matrix.map((row, weekday) => (
        <g key={weekday}>
          <text
            x={LEFT - 6}
            y={TOP + weekday * CELL + CELL / 2}
            class="chart-tick"
            text-anchor="end"
            dominant-baseline="middle"
          >
            {s.weekdays[weekday]}
          </text>
          {row.map((count, hour) => (
            <rect
              key={hour}
              x={LEFT + hour * CELL + 1}
              y={TOP + weekday * CELL + 1}
              width={CELL - 2}
              height={CELL - 2}
              rx={3}
              class={count === 0 ? 'heat-cell heat-empty' : 'heat-cell'}
              fill-opacity={count === 0 ? undefined : heat(count, max)}
              data-weekday={weekday}
              data-hour={hour}
              data-count={count}
            >
              <title>{s.arrivalsCell(s.weekdays[weekday]!, hour, formatInteger(count))}</title>
            </rect>
          ))}
        </g>
      ))}
      <g class="heat-legend" transform={`translate(${width - 5 * 18 - 96}, ${TOP + 7 * CELL + 10})`}>
        <text x={-6} y={7} class="chart-tick" text-anchor="end" dominant-baseline="middle">
          {s.fewer}
        </text>
        {[0.15, 0.35, 0.55, 0.75, 1].map((opacity, i) => (
          <rect
            key={opacity}
            x={i * 18}
            y={0}
            width={16}
            height={14}
            rx={3}
            class="heat-cell"
            fill-opacity={opacity}
          />
        ))}
        <text x={5 * 18 + 4} y={7} class="chart-tick" dominant-baseline="middle">
          {s.more} ({formatInteger(max)})
        </text>
      </g>
    </svg>
  );
}

/** Opacity of a cell: a floor keeps one lead visible. */
function heat(count: number, max: number): number {
  return max === 0 ? 0 : 0.12 + 0.88 * (count / max);
}
