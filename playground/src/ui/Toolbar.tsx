/** The header's actions: copy a link that reproduces the page, export the report, switch language. */
import { useState } from 'preact/hooks';
import {
  CSV_MIME,
  downloadBlob,
  type ExportRun,
  JSON_MIME,
  reportCsv,
  reportFileName,
  reportJsonText,
  reportWorkbook,
} from '../export.js';
import { breachRows, targetRows } from '../shape.js';
import { lang, result, strings } from '../state.js';
import { shareLink } from '../sync.js';

function exportRun(): ExportRun | null {
  const shown = result.value?.current;
  if (!shown) return null;
  return {
    report: shown.report,
    timeline: shown.timeline,
    targets: targetRows(shown.report, shown.targets, lang.value),
    breaches: breachRows(shown.report, shown.policies),
  };
}

export function Toolbar(props: { onToggleLang(): void }) {
  const t = strings.value;
  const [note, setNote] = useState<string | null>(null);
  const shown = exportRun();
  const save = async (kind: 'json' | 'csv' | 'xlsx') => {
    const run = exportRun();
    if (run === null) return;
    const blob =
      kind === 'json'
        ? new Blob([reportJsonText(run)], { type: JSON_MIME })
        : kind === 'csv'
          ? new Blob([reportCsv(run, lang.value)], { type: CSV_MIME })
          : await reportWorkbook(run, lang.value);
    downloadBlob(blob, reportFileName(run.report, kind));
  };
  return (
    <div class="toolbar">
      <button
        type="button"
        data-testid="share"
        onClick={async () => {
          const link = await shareLink();
          try {
            await navigator.clipboard.writeText(link.url);
            setNote(link.omitted.includes('leads') ? t.linkWithoutLeads : t.copied);
          } catch {
            // No clipboard permission (an http page, a locked-down browser): the address bar has it.
            setNote(link.url);
          }
        }}
      >
        {t.share}
      </button>
      {shown ? (
        <span class="export" data-testid="export">
          <span>{t.exportReport}</span>
          <button type="button" data-testid="export-json" onClick={() => void save('json')}>
            JSON
          </button>
          <button type="button" data-testid="export-csv" onClick={() => void save('csv')}>
            CSV
          </button>
          <button type="button" data-testid="export-xlsx" onClick={() => void save('xlsx')}>
            Excel
          </button>
        </span>
      ) : null}
      <button type="button" class="lang" data-testid="lang" onClick={props.onToggleLang}>
        {t.langToggle}
      </button>
      {note ? (
        <output class="toolbar-note" data-testid="share-note">
          {note}
        </output>
      ) : null}
    </div>
  );
}
