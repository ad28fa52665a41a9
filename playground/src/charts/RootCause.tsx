/** The root cause of a missed target in one sentence, or why there is none. */
import type { Insights } from '../insights.js';
import { CHART_STRINGS, type ChartLang, rootCauseSentence } from './strings.js';

export function RootCause(props: { insights: Insights; lang: ChartLang }) {
  const s = CHART_STRINGS[props.lang];
  const { rootCause, targetsMissed } = props.insights;
  const sentence = rootCauseSentence(rootCause, props.lang);
  const missed = targetsMissed.map((id) => s.targetNames[id] ?? id).join(s.listSeparator);
  const kind = rootCause?.kind ?? (targetsMissed.length === 0 ? 'none' : 'unknown');
  return (
    <p
      class={`root-cause ${sentence !== null ? 'found' : targetsMissed.length === 0 ? 'ok' : 'open'}`}
      data-testid="root-cause"
      data-kind={kind}
    >
      {sentence ?? (targetsMissed.length === 0 ? s.allMet : s.noCause(missed))}
    </p>
  );
}
