/**
 * Per rep: average assignments per working day (dark) and the busiest day (light) against a tick
 * at the rep's daily capacity; reps at or over capacity in red. A rep row is a button.
 */
import type { Insights } from '../insights.js';
import { onActivate } from './keys.js';
import { CHART_STRINGS, type ChartLang } from './strings.js';

const WIDTH = 720;
const ROW = 30;
const LABEL = 150;
const BAR = 360;

export function RepLoad(props: {
  insights: Insights;
  lang: ChartLang;
  onRep?: (repId: string) => void;
  selectedRep?: string | null;
}) {
  const s = CHART_STRINGS[props.lang];
  const reps = props.insights.reps;
  const max = Math.max(1, ...reps.map((r) => Math.max(r.peak, r.dailyCapacity)));
  const x = (value: number) => LABEL + (value / max) * BAR;
  const interactive = props.onRep !== undefined;
  return (
    <svg
      class="chart"
      data-testid="chart-reps"
      viewBox={`0 0 ${WIDTH} ${reps.length * ROW + 6}`}
      width="100%"
      role={interactive ? 'group' : 'img'}
      aria-label={s.repsTitle}
    >
      <title>{s.repsTitle}</title>
      {reps.map((rep, i) => {
        const y = i * ROW + 3;
        const average = rep.averagePerWorkingDay === null ? '—' : rep.averagePerWorkingDay.toFixed(1);
        const tooltip = s.repTooltip(rep.name, average, rep.peak, rep.dailyCapacity, rep.assigned);
        const select = () => props.onRep?.(rep.id);
        return (
          <g
            key={rep.id}
            class={`rep-row${interactive ? ' clickable' : ''}${rep.atCapacity ? ' full' : ''}${props.selectedRep === rep.id ? ' selected' : ''}`}
            data-rep={rep.id}
            data-peak={rep.peak}
            data-capacity={rep.dailyCapacity}
            data-average={rep.averagePerWorkingDay ?? ''}
            data-at-capacity={rep.atCapacity}
            {...(interactive
              ? {
                  role: 'button',
                  tabIndex: 0,
                  'aria-label': tooltip,
                  'aria-pressed': props.selectedRep === rep.id,
                  onClick: select,
                  onKeyDown: onActivate(select),
                }
              : {})}
          >
            <title>{tooltip}</title>
            <rect x={0} y={y} width={WIDTH} height={ROW - 2} class="row-bg" />
            <text
              x={LABEL - 10}
              y={y + ROW / 2}
              class="chart-label"
              text-anchor="end"
              dominant-baseline="middle"
            >
              {rep.name}
              {rep.active ? '' : s.inactive}
            </text>
            <rect x={LABEL} y={y + 6} width={x(rep.peak) - LABEL} height={ROW - 14} rx={3} class="bar-peak" />
            <rect
              x={LABEL}
              y={y + 6}
              width={x(rep.averagePerWorkingDay ?? 0) - LABEL}
              height={ROW - 14}
              rx={3}
              class="bar-average"
            />
            <line
              x1={x(rep.dailyCapacity)}
              x2={x(rep.dailyCapacity)}
              y1={y + 2}
              y2={y + ROW - 4}
              class="capacity-tick"
            />
            <text x={LABEL + BAR + 14} y={y + ROW / 2} class="chart-value" dominant-baseline="middle">
              {s.repFigures(average, rep.peak, rep.dailyCapacity)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
