import { parseTeam } from '../../src/model/team.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

export const calendar = chinaCalendar({ years: [2026] });
export const DAY = 86_400_000;
/** The zhikong team with room for the volume, so leads go through the whole lifecycle. */
export const staffed = parseTeam({
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep) => ({ ...rep, dailyCapacity: rep.dailyCapacity * 12 })),
});
