/**
 * The insight charts of a run, laid out in cards: root cause, funnel, breaches and escalations by
 * day (click a day for its breaches), arrivals by weekday × hour, rep load vs capacity (click a
 * rep for its daily loads, leave and leads), department response times, the stalled TOP5s of
 * opportunities and of leads with their counts.
 */
import { useState } from 'preact/hooks';
import type { InsightBreach, Insights } from '../insights.js';
import { ArrivalsHeatmap } from './ArrivalsHeatmap.js';
import { DailyTimeline } from './DailyTimeline.js';
import { DepartmentResponse } from './DepartmentResponse.js';
import { DayDetail, RepDetail } from './details.js';
import { Funnel } from './Funnel.js';
import { RepLoad } from './RepLoad.js';
import { RootCause } from './RootCause.js';
import { StalledLeads, StalledTop5 } from './StalledTop5.js';
import { CHART_STRINGS, type ChartLang } from './strings.js';
import './charts.css';

export { DayDetail, RepDetail } from './details.js';
export { CHART_STRINGS, type ChartLang, rootCauseSentence } from './strings.js';
export {
  ArrivalsHeatmap,
  DailyTimeline,
  DepartmentResponse,
  Funnel,
  RepLoad,
  RootCause,
  StalledLeads,
  StalledTop5,
};

export function InsightsView(props: {
  insights: Insights;
  lang: ChartLang;
  onLead?: (leadId: string) => void;
  onRep?: (repId: string) => void;
  onBreach?: (breach: InsightBreach) => void;
  onDay?: (date: string) => void;
  /** A policy's description for its id, so breaches are named in words. */
  policyName?: (policyId: string) => string;
}) {
  const { insights, lang } = props;
  const s = CHART_STRINGS[lang];
  const [selectedDate, setSelectedDate] = useState<string | null>(null);
  const [selectedRep, setSelectedRep] = useState<string | null>(null);
  // A new run may not have the day or rep picked in the last one.
  const day = insights.days.some((d) => d.date === selectedDate) ? selectedDate : null;
  const rep = insights.reps.find((r) => r.id === selectedRep) ?? null;
  return (
    <div class="insights" data-testid="insights">
      <section class="card">
        <h2>{s.rootCauseTitle}</h2>
        <RootCause insights={insights} lang={lang} />
      </section>
      <section class="card">
        <h2>{s.funnelTitle}</h2>
        <p class="meta">{s.funnelDesc}</p>
        <Funnel insights={insights} lang={lang} />
      </section>
      <section class="card">
        <h2>{s.daysTitle}</h2>
        <p class="meta">{s.daysDesc}</p>
        <DailyTimeline
          insights={insights}
          lang={lang}
          selectedDate={day}
          onDay={(date) => {
            setSelectedDate(date === day ? null : date);
            props.onDay?.(date);
          }}
        />
        {day !== null ? (
          <DayDetail
            insights={insights}
            lang={lang}
            date={day}
            {...(props.policyName ? { policyName: props.policyName } : {})}
            {...(props.onLead ? { onLead: props.onLead } : {})}
            {...(props.onBreach ? { onBreach: props.onBreach } : {})}
            onClose={() => setSelectedDate(null)}
          />
        ) : null}
      </section>
      <section class="card">
        <h2>{s.arrivalsTitle}</h2>
        <p class="meta">{s.arrivalsDesc(insights.period.zone)}</p>
        <ArrivalsHeatmap insights={insights} lang={lang} />
      </section>
      <section class="card">
        <h2>{s.repsTitle}</h2>
        <p class="meta">{s.repsDesc}</p>
        <RepLoad
          insights={insights}
          lang={lang}
          selectedRep={rep?.id ?? null}
          onRep={(repId) => {
            setSelectedRep(repId === rep?.id ? null : repId);
            props.onRep?.(repId);
          }}
        />
        {rep !== null ? (
          <RepDetail
            insights={insights}
            lang={lang}
            rep={rep}
            {...(props.onLead ? { onLead: props.onLead } : {})}
            onClose={() => setSelectedRep(null)}
          />
        ) : null}
      </section>
      <section class="card">
        <h2>{s.departmentsTitle}</h2>
        <DepartmentResponse insights={insights} lang={lang} />
      </section>
      <section class="card">
        <h2>{s.stalledTitle}</h2>
        <StalledTop5
          insights={insights}
          lang={lang}
          {...(props.onLead ? { onLead: props.onLead } : {})}
          onRep={(repId) => {
            setSelectedRep(repId);
            props.onRep?.(repId);
          }}
        />
      </section>
      <section class="card">
        <h2>{s.stalledLeadsTitle}</h2>
        <StalledLeads
          insights={insights}
          lang={lang}
          {...(props.onLead ? { onLead: props.onLead } : {})}
          onRep={(repId) => {
            setSelectedRep(repId);
            props.onRep?.(repId);
          }}
        />
      </section>
    </div>
  );
}
