import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import type { StorageAdapter } from '../../src/adapters/storage/port.js';
import { createEngine, type EngineOptions } from '../../src/engine/engine.js';
import type { LeadInput } from '../../src/model/lead.js';
import { usccCheckCharacter } from '../../src/model/uscc.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { createVirtualClock } from '../../src/scheduler/clock.js';

export const calendar = chinaCalendar({ years: [2026] });
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const shanghai = (local: string) => Date.parse(`${local}+08:00`);

/**
 * A valid business licence for test customer `n`: a USCC passing GB 32100 and a registered
 * address, which the presets require of a new customer (customers.requireUscc, …).
 */
export function licence(n: number): { uscc: string; registeredAddress: string } {
  const first17 = `91330100MA${n.toString().padStart(7, '0')}`;
  return { uscc: first17 + usccCheckCharacter(first17), registeredAddress: `浙江省杭州市滨江区网商路${n}号` };
}

export function setup(overrides: Partial<EngineOptions> & { start?: string; storage?: StorageAdapter } = {}) {
  const clock = createVirtualClock(shanghai(overrides.start ?? '2026-03-02T10:00:00'));
  const notifier = memoryNotifier();
  const engine = createEngine({ ...zhikongPreset, calendar, clock, notifier, ...overrides });
  return { engine, clock, notifier };
}

export function rawLead(
  at: number,
  overrides: Partial<Omit<LeadInput, 'company' | 'contact'>> & {
    company?: Partial<LeadInput['company']>;
    contact?: Partial<LeadInput['contact']>;
  } = {},
): LeadInput {
  const { company, contact, ...rest } = overrides;
  return {
    receivedAt: at,
    channel: 'website_form',
    company: { name: '苏州精工', region: '江苏', industry: '机械制造', ...company },
    contact: { name: '刘经理', phone: `138${Math.floor(at / 1000) % 100_000_000}`, ...contact },
    need: '需要一套产线自动化改造方案，下季度采购',
    ...rest,
  };
}
