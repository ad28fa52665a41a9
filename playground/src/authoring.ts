/**
 * The authoring tools the page loads on demand (they pull in the rule compiler and the presets):
 * the editors' checks and completion, and the presets' own texts.
 */
export { checkRuleSetText, checkTeamText } from './editor/check.js';
export { completionsAt } from './editor/completion.js';
export { presetTexts } from './presets.js';

/** The team the completion offers ids from: the team text as far as it parses, else none. */
export function teamForCompletion(text: string): {
  reps: { id: string; name?: string }[];
  supervisors?: { id: string; name?: string }[];
} | null {
  try {
    const json = JSON.parse(text) as { reps?: unknown; supervisors?: unknown };
    const members = (list: unknown) =>
      Array.isArray(list)
        ? list
            .filter((m): m is { id: string; name?: unknown } => typeof m?.id === 'string')
            .map((m) => ({ id: m.id, ...(typeof m.name === 'string' ? { name: m.name } : {}) }))
        : [];
    return { reps: members(json.reps), supervisors: members(json.supervisors) };
  } catch {
    return null;
  }
}
