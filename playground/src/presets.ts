/** The two presets (the CLI's `--preset`): their rule set and team, and both as editor texts. */
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RunParams } from './shape.js';

/** The preset's rule set and team. */
export function presetOf(params: Pick<RunParams, 'preset'>): typeof zhikongPreset {
  return params.preset === 'hengrui' ? hengruiPreset : zhikongPreset;
}

/** The preset's rule set and team as the editors show them (2-space JSON, a final newline). */
export function presetTexts(params: Pick<RunParams, 'preset'>): { ruleSet: string; team: string } {
  const preset = presetOf(params);
  return {
    ruleSet: `${JSON.stringify(preset.ruleSet, null, 2)}\n`,
    team: `${JSON.stringify(preset.team, null, 2)}\n`,
  };
}
