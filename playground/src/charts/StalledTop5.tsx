/**
 * The stalled TOP5s: open opportunities longest in their stage beyond 5 days (StalledTop5) and
 * open leads longest in their state (StalledLeads), each under the counts behind it — how many
 * stalled in all, and where.
 */
import type { InsightStallCounts, Insights } from '../insights.js';
import {
  CHART_STRINGS,
  type ChartLang,
  type ChartStrings,
  formatInteger,
  formatThreshold,
} from './strings.js';

const DAY = 86_400_000;

/** "共 12 个…：需求诊断 7、方案匹配 5。" — the counts line above a TOP5. */
function summary(
  s: ChartStrings,
  counts: InsightStallCounts,
  over: string,
  names: Readonly<Record<string, string>>,
  sentence: (count: string, over: string, by: string) => string,
): string {
  const by = counts.by
    .map((entry) => s.stallEntry(names[entry.key] ?? entry.key, formatInteger(entry.count)))
    .join(s.listSeparator);
  return sentence(formatInteger(counts.count), over, by);
}

function Owner(props: { ownerId: string | null; ownerName: string | null; onRep?: (repId: string) => void }) {
  const owner = props.ownerName ?? props.ownerId ?? '—';
  const { onRep, ownerId } = props;
  return onRep && ownerId !== null ? (
    <button type="button" class="link" onClick={() => onRep(ownerId)}>
      {owner}
    </button>
  ) : (
    <>{owner}</>
  );
}

function Company(props: { label: string; leadId: string | null; onLead?: (leadId: string) => void }) {
  const { onLead, leadId } = props;
  return onLead && leadId !== null ? (
    <button type="button" class="link" data-lead={leadId} onClick={() => onLead(leadId)}>
      {props.label}
    </button>
  ) : (
    <>{props.label}</>
  );
}

export function StalledTop5(props: {
  insights: Insights;
  lang: ChartLang;
  onLead?: (leadId: string) => void;
  onRep?: (repId: string) => void;
}) {
  const s = CHART_STRINGS[props.lang];
  const rows = props.insights.stalled;
  const counts = props.insights.stalledCounts;
  const over = formatThreshold(counts.afterMs, props.lang);
  if (rows.length === 0)
    return (
      <p class="meta" data-testid="chart-stalled">
        {s.noStalled(over)}
      </p>
    );
  return (
    <div data-testid="chart-stalled">
      <p class="meta" data-testid="chart-stalled-counts">
        {summary(s, counts, over, s.opportunityStages, s.stalledSummary)}
      </p>
      <table aria-label={s.stalledTitle}>
        <thead>
          <tr>
            <th>{s.company}</th>
            <th>{s.stage}</th>
            <th class="num">{s.daysStalled}</th>
            <th>{s.owner}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.opportunityId} data-opportunity={row.opportunityId}>
              <td>
                <Company
                  label={row.company ?? row.opportunityId}
                  leadId={row.leadId}
                  {...(props.onLead ? { onLead: props.onLead } : {})}
                />
              </td>
              <td>{s.opportunityStages[row.stage] ?? row.stage}</td>
              <td class="num">{(row.dwellMs / DAY).toFixed(1)}</td>
              <td>
                <Owner
                  ownerId={row.ownerId}
                  ownerName={row.ownerName}
                  {...(props.onRep ? { onRep: props.onRep } : {})}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StalledLeads(props: {
  insights: Insights;
  lang: ChartLang;
  onLead?: (leadId: string) => void;
  onRep?: (repId: string) => void;
}) {
  const s = CHART_STRINGS[props.lang];
  const stalled = props.insights.stalledLeads;
  const over = formatThreshold(stalled.afterMs, props.lang);
  if (stalled.count === 0)
    return (
      <p class="meta" data-testid="chart-stalled-leads">
        {s.noStalledLeads(over)}
      </p>
    );
  return (
    <div data-testid="chart-stalled-leads">
      <p class="meta" data-testid="chart-stalled-leads-counts">
        {summary(s, stalled, over, s.leadStates, s.stalledLeadsSummary)}
      </p>
      <table aria-label={s.stalledLeadsTitle}>
        <thead>
          <tr>
            <th>{s.company}</th>
            <th>{s.state}</th>
            <th class="num">{s.daysStalled}</th>
            <th>{s.owner}</th>
          </tr>
        </thead>
        <tbody>
          {stalled.top5.map((row) => (
            <tr key={row.leadId} data-lead-row={row.leadId}>
              <td>
                <Company
                  label={row.company ?? row.leadId}
                  leadId={row.leadId}
                  {...(props.onLead ? { onLead: props.onLead } : {})}
                />
              </td>
              <td>{s.leadStates[row.state] ?? row.state}</td>
              <td class="num">{(row.dwellMs / DAY).toFixed(1)}</td>
              <td>
                <Owner
                  ownerId={row.ownerId}
                  ownerName={row.ownerName}
                  {...(props.onRep ? { onRep: props.onRep } : {})}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
