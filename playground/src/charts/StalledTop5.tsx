/** The stalled TOP5: open opportunities longest in their stage beyond 5 days. */
import type { Insights } from '../insights.js';
import { CHART_STRINGS, type ChartLang } from './strings.js';

const DAY = 86_400_000;

export function StalledTop5(props: {
  insights: Insights;
  lang: ChartLang;
  onLead?: (leadId: string) => void;
  onRep?: (repId: string) => void;
}) {
  const s = CHART_STRINGS[props.lang];
  const rows = props.insights.stalled;
  if (rows.length === 0)
    return (
      <p class="meta" data-testid="chart-stalled">
        {s.noStalled}
      </p>
    );
  return (
    <table data-testid="chart-stalled" aria-label={s.stalledTitle}>
      <thead>
        <tr>
          <th>{s.company}</th>
          <th>{s.stage}</th>
          <th class="num">{s.daysStalled}</th>
          <th>{s.owner}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const company = row.company ?? row.opportunityId;
          const owner = row.ownerName ?? row.ownerId ?? '—';
          const { onLead, onRep } = props;
          return (
            <tr key={row.opportunityId} data-opportunity={row.opportunityId}>
              <td>
                {onLead && row.leadId !== null ? (
                  <button
                    type="button"
                    class="link"
                    data-lead={row.leadId}
                    onClick={() => onLead(row.leadId!)}
                  >
                    {company}
                  </button>
                ) : (
                  company
                )}
              </td>
              <td>{s.opportunityStages[row.stage] ?? row.stage}</td>
              <td class="num">{(row.dwellMs / DAY).toFixed(1)}</td>
              <td>
                {onRep && row.ownerId !== null ? (
                  <button type="button" class="link" onClick={() => onRep(row.ownerId!)}>
                    {owner}
                  </button>
                ) : (
                  owner
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
