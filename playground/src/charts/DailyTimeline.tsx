/**
 * Per simulated day: SLA breaches as stacked bars (lead, opportunity), escalations as a line;
 * holiday columns, make-up workdays and weekends shaded. A day column is a button.
 */
import type { InsightDay, Insights } from '../insights.js';
import { onActivate } from './keys.js';
import { CHART_STRINGS, type ChartLang, formatInteger } from './strings.js';

const WIDTH = 720;
const LEFT = 36;
const RIGHT = 8;
const TOP = 10;
const PLOT = 170;
const BOTTOM = 34;

const escalationsOf = (day: InsightDay) =>
  day.escalations.lead + day.escalations.opportunity + day.escalations.task;

export function DailyTimeline(props: {
  insights: Insights;
  lang: ChartLang;
  onDay?: (date: string) => void;
  selectedDate?: string | null;
}) {
  const s = CHART_STRINGS[props.lang];
  const days = props.insights.days;
  const max = niceMax(
    Math.max(1, ...days.map((d) => Math.max(d.breaches.lead + d.breaches.opportunity, escalationsOf(d)))),
  );
  const column = (WIDTH - LEFT - RIGHT) / Math.max(1, days.length);
  const y = (value: number) => TOP + PLOT - (value / max) * PLOT;
  const labelEvery = Math.ceil(days.length / 15);
  const line = days.map((d, i) => `${LEFT + i * column + column / 2},${y(escalationsOf(d))}`).join(' ');
  const interactive = props.onDay !== undefined;
  return (
    <div class="chart-block">
      <svg
        class="chart"
        data-testid="chart-days"
        viewBox={`0 0 ${WIDTH} ${TOP + PLOT + BOTTOM}`}
        width="100%"
        role={interactive ? 'group' : 'img'}
        aria-label={s.daysTitle}
      >
        <title>{s.daysTitle}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(max * f)} y2={y(max * f)} class="chart-grid" />
            <text x={LEFT - 5} y={y(max * f)} class="chart-tick" text-anchor="end" dominant-baseline="middle">
              {formatInteger(Math.round(max * f))}
            </text>
          </g>
        ))}
        {days.map((day, i) => {
          const x = LEFT + i * column;
          const bar = Math.max(2, column * 0.6);
          const barX = x + (column - bar) / 2;
          const kind = s.dayKinds[day.kind];
          const tooltip = s.dayTooltip(
            day.date,
            kind,
            formatInteger(day.received),
            formatInteger(day.breaches.lead),
            formatInteger(day.breaches.opportunity),
            formatInteger(escalationsOf(day)),
          );
          const select = () => props.onDay?.(day.date);
          return (
            <g
              key={day.date}
              class={`day-col day-${day.kind}${interactive ? ' clickable' : ''}${props.selectedDate === day.date ? ' selected' : ''}`}
              data-date={day.date}
              data-kind={day.kind}
              data-breaches={day.breaches.lead + day.breaches.opportunity}
              data-escalations={escalationsOf(day)}
              {...(interactive
                ? {
                    role: 'button',
                    tabIndex: 0,
                    'aria-label': tooltip,
                    'aria-pressed': props.selectedDate === day.date,
                    onClick: select,
                    onKeyDown: onActivate(select),
                  }
                : {})}
            >
              <title>{tooltip}</title>
              <rect x={x} y={TOP} width={column} height={PLOT} class="day-bg" />
              <rect
                x={barX}
                y={y(day.breaches.lead)}
                width={bar}
                height={TOP + PLOT - y(day.breaches.lead)}
                class="bar-lead"
              />
              <rect
                x={barX}
                y={y(day.breaches.lead + day.breaches.opportunity)}
                width={bar}
                height={y(day.breaches.lead) - y(day.breaches.lead + day.breaches.opportunity)}
                class="bar-opportunity"
              />
              {i % labelEvery === 0 ? (
                <text x={x + column / 2} y={TOP + PLOT + 14} class="chart-tick" text-anchor="middle">
                  {day.date.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
        <polyline points={line} class="line-escalations" />
        {days.map((d, i) => (
          <circle
            key={d.date}
            cx={LEFT + i * column + column / 2}
            cy={y(escalationsOf(d))}
            r={2.5}
            class="dot-escalations"
          />
        ))}
      </svg>
      <ul class="chart-legend">
        <li>
          <span class="swatch bar-lead" />
          {s.leadBreaches}
        </li>
        <li>
          <span class="swatch bar-opportunity" />
          {s.opportunityBreaches}
        </li>
        <li>
          <span class="swatch line-escalations" />
          {s.escalationsLine}
        </li>
        <li>
          <span class="swatch day-holiday" />
          {s.dayKinds.holiday}
        </li>
        <li>
          <span class="swatch day-makeup" />
          {s.dayKinds.makeup}
        </li>
        <li>
          <span class="swatch day-weekend" />
          {s.dayKinds.weekend}
        </li>
      </ul>
    </div>
  );
}

/** A round axis maximum at or above `value` (1, 2 or 5 × a power of ten). */
function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
