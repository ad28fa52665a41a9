/** What a click on a day column or a rep row opens: that day's breaches, that rep's load. */
import type { InsightBreach, InsightRep, Insights } from '../insights.js';
import { CHART_STRINGS, type ChartLang, formatDuration } from './strings.js';

export function DayDetail(props: {
  insights: Insights;
  lang: ChartLang;
  date: string;
  /** A policy's description for its id (the id itself when there is none). */
  policyName?: (policyId: string) => string;
  onLead?: (leadId: string) => void;
  onBreach?: (breach: InsightBreach) => void;
  onClose: () => void;
}) {
  const s = CHART_STRINGS[props.lang];
  const policyName = props.policyName ?? ((id: string) => id);
  const day = props.insights.days.find((d) => d.date === props.date);
  if (day === undefined) return null;
  const total = day.breaches.lead + day.breaches.opportunity;
  const breaches = props.insights.breaches.items.filter((b) => b.date === props.date);
  const time = new Intl.DateTimeFormat(props.lang, {
    timeZone: props.insights.period.zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const { onLead, onBreach } = props;
  return (
    <div class="detail" data-testid="day-detail" data-date={props.date}>
      <div class="detail-head">
        <h3>{s.dayDetail(day.date, s.dayKinds[day.kind])}</h3>
        <button type="button" onClick={props.onClose}>
          {s.close}
        </button>
      </div>
      {total === 0 ? (
        <p class="meta">{s.noBreachesThatDay}</p>
      ) : (
        <>
          <p class="meta">{s.breachesShown(breaches.length, total)}</p>
          <ul class="detail-list">
            {breaches.map((b) => {
              const label = `${s.breachLine(time.format(b.at), policyName(b.policyId))} · ${s.entity[b.entity]} ${b.entityId}`;
              const clickable = b.leadId !== null && (onLead !== undefined || onBreach !== undefined);
              return (
                <li
                  key={`${b.entityId}|${b.policyId}|${b.at}`}
                  data-entity={b.entityId}
                  data-policy={b.policyId}
                >
                  {clickable ? (
                    <button
                      type="button"
                      class="link"
                      data-lead={b.leadId ?? undefined}
                      title={s.explain}
                      onClick={() => {
                        onBreach?.(b);
                        if (b.leadId !== null) onLead?.(b.leadId);
                      }}
                    >
                      {label}
                    </button>
                  ) : (
                    label
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}

const WIDTH = 720;
const TOP = 8;
const PLOT = 90;

export function RepDetail(props: {
  insights: Insights;
  lang: ChartLang;
  rep: InsightRep;
  onLead?: (leadId: string) => void;
  onClose: () => void;
}) {
  const s = CHART_STRINGS[props.lang];
  const { rep } = props;
  const days = props.insights.days;
  const onLeave = new Set(rep.leaveDays);
  const max = Math.max(1, rep.peak, rep.dailyCapacity);
  const column = WIDTH / Math.max(1, days.length);
  const y = (value: number) => TOP + PLOT - (value / max) * PLOT;
  const average = rep.averagePerWorkingDay === null ? '—' : rep.averagePerWorkingDay.toFixed(1);
  const labelEvery = Math.ceil(days.length / 15);
  const { onLead } = props;
  return (
    <div class="detail" data-testid="rep-detail" data-rep={rep.id}>
      <div class="detail-head">
        <h3>{s.repDetail(rep.name)}</h3>
        <button type="button" onClick={props.onClose}>
          {s.close}
        </button>
      </div>
      <p class="meta">
        {s.repSummary(rep.assigned, average, rep.peak, rep.dailyCapacity)}
        {rep.firstFollowUpP50Ms !== null
          ? ` · ${s.repFollowUp(formatDuration(rep.firstFollowUpP50Ms, props.lang))}`
          : ''}
      </p>
      <svg
        class="chart"
        viewBox={`0 0 ${WIDTH} ${TOP + PLOT + 22}`}
        width="100%"
        role="img"
        aria-label={s.dailyLoads}
      >
        <title>{s.dailyLoads}</title>
        {days.map((day, i) => {
          const count = rep.perDay[i] ?? 0;
          const leave = onLeave.has(day.date);
          return (
            <g
              key={day.date}
              class={`day-col day-${day.kind}${leave ? ' leave' : ''}`}
              data-date={day.date}
              data-count={count}
            >
              <title>{s.repDayTooltip(day.date, count, rep.dailyCapacity, leave)}</title>
              <rect x={i * column} y={TOP} width={column} height={PLOT} class="day-bg" />
              <rect
                x={i * column + column * 0.2}
                y={y(count)}
                width={column * 0.6}
                height={TOP + PLOT - y(count)}
                class={count >= rep.dailyCapacity && rep.dailyCapacity > 0 ? 'bar-full' : 'bar-average'}
              />
              {i % labelEvery === 0 ? (
                <text x={i * column + column / 2} y={TOP + PLOT + 14} class="chart-tick" text-anchor="middle">
                  {day.date.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line x1={0} x2={WIDTH} y1={y(rep.dailyCapacity)} y2={y(rep.dailyCapacity)} class="capacity-line" />
      </svg>
      <p class="meta">
        <strong>{s.leaveDays}</strong>:{' '}
        {rep.leaveDays.length === 0 ? s.noLeave : rep.leaveDays.join(s.listSeparator)}
      </p>
      <p class="meta">
        <strong>
          {rep.leadIds.length === 0 ? s.noLeads : s.leadsAssigned(rep.leadIds.length, rep.assigned)}
        </strong>
      </p>
      {rep.leadIds.length > 0 ? (
        <ul class="lead-buttons">
          {rep.leadIds.map((leadId) => (
            <li key={leadId}>
              {onLead ? (
                <button
                  type="button"
                  class="link"
                  data-lead={leadId}
                  title={s.explain}
                  onClick={() => onLead(leadId)}
                >
                  {leadId}
                </button>
              ) : (
                leadId
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
