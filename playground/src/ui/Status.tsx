/** The run's status line: progress (of both runs in a compare), cancelled, failed, idle. */
import { result, status, strings } from '../state.js';

function Bar(props: { day: number; totalDays: number; label: string }) {
  const share = props.totalDays === 0 ? 0 : props.day / props.totalDays;
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.totalDays}
      aria-valuenow={props.day}
    >
      <div class="bar" style={{ width: `${(share * 100).toFixed(1)}%` }} />
    </div>
  );
}

export function StatusBar() {
  const t = strings.value;
  const st = status.value;
  if (st.kind === 'running') {
    const base = st.baseline;
    return (
      <div class="status running" data-testid="status" data-state="running">
        <Bar day={st.day} totalDays={st.totalDays} label={t.colB} />
        {base ? <Bar day={base.day} totalDays={base.totalDays} label={t.colA} /> : null}
        <span>
          {base
            ? t.runningBoth(base.day, st.day, st.totalDays)
            : st.day === 0
              ? t.starting
              : t.running(st.day, st.totalDays)}
        </span>
      </div>
    );
  }
  if (st.kind === 'error')
    return (
      <div class="status error" data-testid="status" data-state="error" data-field={st.field ?? ''}>
        <strong>
          {t.failed}
          {st.field ? ` — ${t.fieldNames[st.field] ?? st.field}` : ''}
        </strong>
        <pre>{st.message}</pre>
      </div>
    );
  if (st.kind === 'cancelled')
    return (
      <div class="status" data-testid="status" data-state="cancelled">
        {t.cancelled}
      </div>
    );
  if (st.kind === 'idle' && result.value === null)
    return (
      <div class="status" data-testid="status" data-state="idle">
        {t.idle}
      </div>
    );
  return null;
}
