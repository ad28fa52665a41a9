/** The setup card: preset, period, volume and seed; files to open; run, compare and cancel. */
import { useRef, useState } from 'preact/hooks';
import { readDropped } from '../files.js';
import type { RunParams } from '../shape.js';
import {
  baseline,
  cancel,
  choosePreset,
  fileNotes,
  leadsFile,
  openFiles,
  params,
  ruleSetText,
  run,
  running,
  setBaseline,
  status,
  strings,
  teamText,
} from '../state.js';

function NumberField(props: {
  field: 'days' | 'leadsPerMonth' | 'seed';
  label: string;
  hint?: string;
  disabled?: boolean;
}) {
  const st = status.value;
  const invalid = st.kind === 'error' && st.field === props.field;
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        type="number"
        name={props.field}
        min={props.field === 'seed' ? 0 : 1}
        step={1}
        value={params.value[props.field]}
        disabled={running.value || props.disabled}
        aria-invalid={invalid}
        onInput={(e) => {
          const value = Number((e.currentTarget as HTMLInputElement).value);
          params.value = { ...params.value, [props.field]: value };
        }}
      />
      {props.hint ? <small>{props.hint}</small> : null}
    </label>
  );
}

function DropZone() {
  const t = strings.value;
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const take = async (files: FileList | null) => {
    if (files === null || files.length === 0) return;
    openFiles(await readDropped(Array.from(files)));
  };
  return (
    <>
      <button
        type="button"
        class={`drop ${over ? 'over' : ''}`}
        data-testid="drop"
        onClick={() => input.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void take(e.dataTransfer?.files ?? null);
        }}
      >
        <span>{t.dropHint}</span>
        <small>{t.dropPrivacy}</small>
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept=".json,.csv,application/json,text/csv"
        data-testid="file-input"
        hidden
        onChange={(e) => {
          const target = e.currentTarget as HTMLInputElement;
          void take(target.files).then(() => {
            target.value = '';
          });
        }}
      />
    </>
  );
}

export function Setup() {
  const t = strings.value;
  const busy = running.value;
  const leads = leadsFile.value;
  const comparing = baseline.value !== null;
  return (
    <section class="card setup">
      <h2>{t.setup}</h2>
      <label class="field">
        <span>{t.preset}</span>
        <select
          name="preset"
          value={params.value.preset}
          disabled={busy}
          onChange={(e) => choosePreset((e.currentTarget as HTMLSelectElement).value as RunParams['preset'])}
        >
          <option value="zhikong">{t.presetZhikong}</option>
          <option value="hengrui">{t.presetHengrui}</option>
        </select>
      </label>
      <NumberField
        field="days"
        label={t.days}
        disabled={leads !== null}
        hint={leads ? t.periodFromFile : undefined}
      />
      <NumberField field="leadsPerMonth" label={t.leadsPerMonth} disabled={leads !== null} />
      <NumberField field="seed" label={t.seed} hint={t.seedHint} />
      <div class="field">
        <span>{t.files}</span>
        <DropZone />
        <small data-testid="leads-source">
          {leads
            ? t.leadsLoaded(leads.name, Math.max(1, Math.round(leads.text.length / 1024)))
            : t.leadsGenerated}
        </small>
        {leads ? (
          <button
            type="button"
            class="link"
            data-testid="remove-leads"
            onClick={() => (leadsFile.value = null)}
          >
            {t.removeLeads}
          </button>
        ) : null}
        {fileNotes.value.map((note) => (
          <small class="note bad" key={note}>
            {note}
          </small>
        ))}
      </div>
      <div class="actions">
        <button type="button" class="primary" data-testid="run" disabled={busy} onClick={() => void run()}>
          {comparing ? t.runCompare : t.run}
        </button>
        <button type="button" data-testid="cancel" disabled={!busy} onClick={cancel}>
          {t.cancel}
        </button>
      </div>
      <div class="compare-controls">
        {comparing ? (
          <>
            <small data-testid="baseline-state">
              {t.baselineOn(baseline.value!.ruleSet !== null || baseline.value!.team !== null)}
            </small>
            <button
              type="button"
              class="link"
              data-testid="clear-baseline"
              disabled={busy}
              onClick={() => setBaseline(null)}
            >
              {t.clearBaseline}
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              data-testid="set-baseline"
              disabled={busy}
              onClick={() => setBaseline({ ruleSet: ruleSetText.value, team: teamText.value })}
            >
              {t.setBaseline}
            </button>
            <small>{t.compareHint}</small>
          </>
        )}
      </div>
    </section>
  );
}
