/**
 * The playground page: setup and files on the left; the status, the editors and the results on
 * the right; a lead's explanation in a side panel. State and actions live in state.ts, the URL
 * hash in sync.ts; the simulation runs in Web Workers (sim.worker.ts).
 */
import { effect, signal } from '@preact/signals';
import { render } from 'preact';
import { ExplainPanel } from './explain/ExplainPanel.js';
import type { ExplainRuleSet } from './explain/explain.js';
import { type Lang, STRINGS } from './i18n.js';
import { explain, lang, presetTexts, refreshPresetTexts, result, ruleSetText, strings } from './state.js';
import { restoreFromHash, syncHash } from './sync.js';
import { Editors } from './ui/Editors.js';
import { Results } from './ui/Results.js';
import { Setup } from './ui/Setup.js';
import { StatusBar } from './ui/Status.js';
import { Toolbar } from './ui/Toolbar.js';
import './style.css';

const badLink = signal<string | null>(null);

function toggleLang() {
  lang.value = lang.value === 'zh-CN' ? 'en' : 'zh-CN';
}

/** The rule set the explanation panel names rules from: the edited one when it parses. */
function shownRuleSet(): ExplainRuleSet | null {
  const text = result.value?.inputs.ruleSet ?? ruleSetText.value ?? presetTexts.value?.ruleSet;
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function App() {
  const t = strings.value;
  const shown = explain.value;
  return (
    <div class="page">
      <header>
        <div>
          <h1>{t.title}</h1>
          <p>{t.subtitle}</p>
        </div>
        <Toolbar onToggleLang={toggleLang} />
      </header>
      {badLink.value ? (
        <div class="status error" data-testid="bad-link">
          {t.badLink(badLink.value)}
        </div>
      ) : null}
      <main>
        <Setup />
        <div class="output">
          <StatusBar />
          <Editors />
          <Results />
        </div>
      </main>
      <footer>{t.footer}</footer>
      {shown ? (
        <ExplainPanel
          leadId={shown.leadId}
          explanation={shown.explanation}
          loading={shown.explanation === null && shown.error === null}
          error={shown.error}
          lang={lang.value}
          team={result.value?.current.team ?? { reps: [] }}
          ruleSet={shownRuleSet()}
          onClose={() => {
            explain.value = null;
          }}
        />
      ) : null}
    </div>
  );
}

async function start() {
  const initial = new URLSearchParams(location.search).get('lang');
  if (initial === 'en' || initial === 'zh-CN') lang.value = initial as Lang;
  await restoreFromHash((reason) => {
    badLink.value = reason;
  });
  effect(() => {
    document.documentElement.lang = lang.value;
    document.title = STRINGS[lang.value].title;
  });
  syncHash();
  void refreshPresetTexts();
  render(<App />, document.getElementById('app')!);
}

void start();
