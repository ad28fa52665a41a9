/** Department response times to the tasks opportunities started, as a table. */
import type { Insights } from '../insights.js';
import { CHART_STRINGS, type ChartLang, formatDuration, formatInteger, formatPercent } from './strings.js';

export function DepartmentResponse(props: { insights: Insights; lang: ChartLang }) {
  const s = CHART_STRINGS[props.lang];
  const rows = props.insights.departments;
  const time = (ms: number | null) => (ms === null ? '—' : formatDuration(ms, props.lang));
  if (rows.length === 0)
    return (
      <p class="meta" data-testid="chart-departments">
        {s.noDepartments}
      </p>
    );
  return (
    <table data-testid="chart-departments" aria-label={s.departmentsTitle}>
      <thead>
        <tr>
          <th>{s.department}</th>
          <th class="num">{s.tasksCreated}</th>
          <th class="num">{s.tasksDone}</th>
          <th class="num">{s.tasksOverdue}</th>
          <th class="num">{s.onTime}</th>
          <th class="num">{s.acknowledgeP50}</th>
          <th class="num">{s.completeP50}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.department} data-department={d.department} class={d.overdue > 0 ? 'late' : undefined}>
            <td>{d.name ?? d.department}</td>
            <td class="num">{formatInteger(d.created)}</td>
            <td class="num">{formatInteger(d.done)}</td>
            <td class="num">{formatInteger(d.overdue)}</td>
            <td class="num">
              <span class="share-bar" style={{ '--share': `${(d.onTimeShare ?? 0) * 100}%` }}>
                {formatPercent(d.onTimeShare)}
              </span>
            </td>
            <td class="num">{time(d.acknowledgeP50Ms)}</td>
            <td class="num">{time(d.completeP50Ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
