/**
 * The page's state (signals) and what the user can do with it: pick a preset, edit or open a
 * rule set, team and leads, run, compare against a baseline, cancel, explain a lead. Runs go to
 * workers through {@link createRunner}; a compare runs the baseline and the edited rule set in
 * two workers at once, on the same seeded stream.
 */
import { batch, computed, signal } from '@preact/signals';
import type { LeadExplanation } from '../../src/engine/types.js';
import type { OpenedFile } from './files.js';
import { type Lang, STRINGS } from './i18n.js';
import type { RunInputField, RunInputs } from './inputs.js';
import type { RunOutcome } from './protocol.js';
import { createRunner, RunCancelled, RunFailed, type Runner } from './runner.js';
import { DEFAULT_PARAMS, type RunParams } from './shape.js';

/** The lazily loaded authoring tools (presets, checks, completion: they pull in the compiler). */
export const loadAuthoring = (() => {
  let loading: Promise<typeof import('./authoring.js')> | null = null;
  return () => {
    loading ??= import('./authoring.js');
    return loading;
  };
})();

export type Status =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'running';
      readonly day: number;
      readonly totalDays: number;
      /** The baseline run's progress during a compare. */
      readonly baseline: { readonly day: number; readonly totalDays: number } | null;
    }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'error'; readonly message: string; readonly field: RunInputField | null }
  | { readonly kind: 'done' };

/** A finished run as the page shows it; with a baseline when it was a compare. */
export interface RunView {
  readonly current: RunOutcome;
  readonly baseline: RunOutcome | null;
  readonly inputs: RunInputs;
}

/** The lead an explanation panel shows, and for which run. */
export interface ExplainState {
  readonly leadId: string;
  readonly which: 'current' | 'baseline';
  readonly explanation: LeadExplanation | null;
  readonly error: string | null;
}

/** A rule set and team to compare against: `null` texts are the preset's. */
export interface Baseline {
  readonly ruleSet: string | null;
  readonly team: string | null;
}

export const lang = signal<Lang>('zh-CN');
export const params = signal<RunParams>(DEFAULT_PARAMS);
/** The edited rule set text; null while it is the preset's. */
export const ruleSetText = signal<string | null>(null);
/** The edited team text; null while it is the preset's. */
export const teamText = signal<string | null>(null);
/** An opened leads file, replayed instead of the generated stream. */
export const leadsFile = signal<{ readonly name: string; readonly text: string } | null>(null);
export const baseline = signal<Baseline | null>(null);
export const status = signal<Status>({ kind: 'idle' });
export const result = signal<RunView | null>(null);
export const explain = signal<ExplainState | null>(null);
/** Files dropped that the page could not use, with why. */
export const fileNotes = signal<readonly string[]>([]);
/** The preset's own texts (loaded with the authoring tools). */
export const presetTexts = signal<{ readonly ruleSet: string; readonly team: string } | null>(null);

export const strings = computed(() => STRINGS[lang.value]);
export const running = computed(() => status.value.kind === 'running');

const runners: Record<'current' | 'baseline', Runner> = {
  current: createRunner(() => new Worker(new URL('./sim.worker.ts', import.meta.url), { type: 'module' })),
  baseline: createRunner(() => new Worker(new URL('./sim.worker.ts', import.meta.url), { type: 'module' })),
};
let cancelRuns: (() => void) | null = null;

/** Load the preset's texts for the editors (and whenever the preset changes). */
export async function refreshPresetTexts(): Promise<void> {
  const authoring = await loadAuthoring();
  presetTexts.value = authoring.presetTexts(params.value);
}

/** Switch presets: the editors go back to the new preset's texts, the baseline too. */
export function choosePreset(preset: RunParams['preset']): void {
  batch(() => {
    params.value = { ...params.value, preset };
    ruleSetText.value = null;
    teamText.value = null;
    baseline.value = null;
  });
  void refreshPresetTexts();
}

/** An edit of the rule set or team; a text equal to the preset's is the preset again. */
export function editText(which: 'ruleSet' | 'team', text: string): void {
  const own = presetTexts.value?.[which];
  (which === 'ruleSet' ? ruleSetText : teamText).value = text === own ? null : text;
}

/** Use opened files: rule sets and teams go to the editors, leads replace the generated stream. */
export function openFiles(files: readonly OpenedFile[]): void {
  const notes: string[] = [];
  batch(() => {
    for (const file of files) {
      if (file.kind === 'unknown') notes.push(`${file.name}: ${file.reason}`);
      else if (file.kind === 'leads') leadsFile.value = { name: file.name, text: file.text };
      else editText(file.kind, file.text);
    }
    fileNotes.value = notes;
  });
}

/** The inputs of a run of the current texts (or of the baseline's). */
export function currentInputs(which: 'current' | 'baseline' = 'current'): RunInputs {
  const texts =
    which === 'baseline' && baseline.value !== null
      ? baseline.value
      : { ruleSet: ruleSetText.value, team: teamText.value };
  return { params: params.value, ruleSet: texts.ruleSet, team: texts.team, leads: leadsFile.value };
}

function failed(error: unknown): void {
  if (error instanceof RunCancelled) status.value = { kind: 'cancelled' };
  else
    status.value = {
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
      field: error instanceof RunFailed ? error.field : null,
    };
}

/** Run the current rule set; with a baseline set, run both and compare. */
export async function run(): Promise<void> {
  cancelRuns?.();
  explain.value = null;
  const inputs = currentInputs();
  const compare = baseline.value !== null;
  const progress = { day: 0, totalDays: inputs.params.days };
  const baseProgress = compare ? { day: 0, totalDays: inputs.params.days } : null;
  const show = () => {
    status.value = { kind: 'running', ...progress, baseline: baseProgress ? { ...baseProgress } : null };
  };
  show();
  const current = runners.current.start(inputs, (day, totalDays) => {
    Object.assign(progress, { day, totalDays });
    show();
  });
  const base = compare
    ? runners.baseline.start(currentInputs('baseline'), (day, totalDays) => {
        Object.assign(baseProgress!, { day, totalDays });
        show();
      })
    : null;
  cancelRuns = () => {
    current.cancel();
    base?.cancel();
  };
  try {
    const [outcome, baseOutcome] = await Promise.all([current.done, base?.done ?? Promise.resolve(null)]);
    result.value = { current: outcome, baseline: baseOutcome, inputs };
    status.value = { kind: 'done' };
  } catch (error) {
    base?.cancel();
    current.cancel();
    failed(error);
  } finally {
    cancelRuns = null;
  }
}

/** Cancel the runs under way (the page keeps the last finished result). */
export function cancel(): void {
  cancelRuns?.();
}

/** Keep the current texts as the baseline a compare runs against. */
export function setBaseline(
  texts: Baseline | null = { ruleSet: ruleSetText.value, team: teamText.value },
): void {
  baseline.value = texts;
}

/** Ask the worker that ran it to explain a lead of the shown result. */
export async function explainLead(leadId: string, which: 'current' | 'baseline' = 'current'): Promise<void> {
  const shown = result.value;
  const outcome = which === 'baseline' ? shown?.baseline : shown?.current;
  if (!outcome) return;
  explain.value = { leadId, which, explanation: null, error: null };
  try {
    const explanation = await runners[which].explain(outcome.runId, leadId);
    if (explain.value?.leadId === leadId) explain.value = { leadId, which, explanation, error: null };
  } catch (error) {
    if (explain.value?.leadId === leadId)
      explain.value = { leadId, which, explanation: null, error: (error as Error).message };
  }
}
