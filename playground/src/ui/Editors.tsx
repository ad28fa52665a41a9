/**
 * The rule set and team editors: leadflow's own diagnostics on the line they concern, completion
 * from the rule-set schema and the team's ids, reset to the preset, keep as a compare baseline.
 */
import { useEffect, useState } from 'preact/hooks';
import { JsonEditor } from '../editor/JsonEditor.js';
import {
  editText,
  loadAuthoring,
  presetTexts,
  refreshPresetTexts,
  ruleSetText,
  running,
  strings,
  teamText,
} from '../state.js';

type Tab = 'ruleSet' | 'team';

export function Editors() {
  const t = strings.value;
  const [tab, setTab] = useState<Tab>('ruleSet');
  const own = presetTexts.value;
  useEffect(() => {
    if (own === null) void refreshPresetTexts();
  }, [own]);
  if (own === null)
    return (
      <section class="card editors">
        <h2>{t.editors}</h2>
        <p class="meta">{t.loadingEditor}</p>
      </section>
    );
  const ruleSet = ruleSetText.value ?? own.ruleSet;
  const team = teamText.value ?? own.team;
  const edited = { ruleSet: ruleSetText.value !== null, team: teamText.value !== null };
  const value = tab === 'ruleSet' ? ruleSet : team;
  return (
    <section class="card editors" data-testid="editors">
      <div class="card-head">
        <h2>{t.editors}</h2>
        <small class="meta">{t.editorsHint}</small>
      </div>
      <div class="tabs" role="tablist">
        {(['ruleSet', 'team'] as const).map((name) => (
          <button
            type="button"
            role="tab"
            key={name}
            aria-selected={tab === name}
            data-testid={`tab-${name}`}
            class={tab === name ? 'tab active' : 'tab'}
            onClick={() => setTab(name)}
          >
            {name === 'ruleSet' ? t.tabRuleSet : t.tabTeam}
            <span class={`tag ${edited[name] ? 'edited' : ''}`}>{edited[name] ? t.edited : t.presetOwn}</span>
          </button>
        ))}
        <span class="spacer" />
        <button
          type="button"
          class="link"
          data-testid="reset-text"
          disabled={!edited[tab] || running.value}
          onClick={() => editText(tab, own[tab])}
        >
          {t.resetToPreset}
        </button>
      </div>
      <JsonEditor
        key={tab}
        label={tab === 'ruleSet' ? t.tabRuleSet : t.tabTeam}
        testId={`editor-${tab}`}
        value={value}
        readOnly={running.value}
        lineLabel={t.lineLabel}
        onChange={(text) => editText(tab, text)}
        check={async (text) => {
          const authoring = await loadAuthoring();
          return tab === 'ruleSet' ? authoring.checkRuleSetText(text, team) : authoring.checkTeamText(text);
        }}
        completion={async (text, offset) => {
          const authoring = await loadAuthoring();
          return authoring.completionsAt(text, offset, {
            kind: tab,
            team: authoring.teamForCompletion(team),
          });
        }}
      />
    </section>
  );
}
