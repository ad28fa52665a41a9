import { describe, expect, it } from 'vitest';
import { LEAD_CHANNELS, parseLead } from '../../src/model/lead.js';
import { validateUscc } from '../../src/model/uscc.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { generateLeadDays, generateLeadStream, planTradeShows } from '../../src/simulate/generate.js';
import { MARKET_PROFILES } from '../../src/simulate/market.js';

const calendar = chinaCalendar({ years: [2026] });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const start = Date.parse('2026-03-02T00:00:00+08:00');
// 91 days from March 2 (covers Qingming and the May Day holidays).
const stream = generateLeadStream({ seed: 7, start, days: 91, leadsPerMonth: 12_000, calendar });
type Payload = {
  receivedAt: number;
  channel: string;
  priority?: string;
  tags?: string[];
  company: { region: string; park?: string; uscc?: string };
  contact: { phone?: string; email?: string };
  budget?: { amount: number };
};
const payloads = stream.filter((lead) => lead.kind === 'new').map((lead) => lead.payload as Payload);
const localHour = (t: number) => new Date(t + 8 * HOUR).getUTCHours();
const localDate = (t: number) => new Date(t + 8 * HOUR).toISOString().slice(0, 10);

describe('generateLeadStream', () => {
  it('is deterministic per seed and in time order', () => {
    const again = generateLeadStream({ seed: 7, start, days: 91, leadsPerMonth: 12_000, calendar });
    expect(JSON.stringify(again)).toBe(JSON.stringify(stream));
    const other = generateLeadStream({ seed: 8, start, days: 91, leadsPerMonth: 12_000, calendar });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(stream));
    for (let i = 1; i < stream.length; i++) expect(stream[i]!.at).toBeGreaterThanOrEqual(stream[i - 1]!.at);
    expect(stream[0]!.at).toBeGreaterThanOrEqual(start);
    expect(stream.at(-1)!.at).toBeLessThan(start + 91 * DAY);
  });

  it('streams the same leads one day at a time', () => {
    const days = [...generateLeadDays({ seed: 3, start, days: 10, leadsPerMonth: 3_000, calendar })];
    expect(days).toHaveLength(10);
    expect(JSON.stringify(days.flat())).toBe(
      JSON.stringify(generateLeadStream({ seed: 3, start, days: 10, leadsPerMonth: 3_000, calendar })),
    );
  });

  it('matches the monthly volume', () => {
    const expected = (12_000 * 91) / 30.4375;
    expect(stream.length).toBeGreaterThan(expected * 0.95);
    expect(stream.length).toBeLessThan(expected * 1.05);
  });

  it('has ~4% duplicates, ~1% malformed payloads and ~1.5% urgent tenders', () => {
    const share = (kind: string) => stream.filter((lead) => lead.kind === kind).length / stream.length;
    expect(share('duplicate')).toBeGreaterThan(0.03);
    expect(share('duplicate')).toBeLessThan(0.05);
    expect(share('malformed')).toBeGreaterThan(0.006);
    expect(share('malformed')).toBeLessThan(0.014);
    const urgent = payloads.filter((p) => p.priority === 'urgent');
    expect(urgent.length / payloads.length).toBeGreaterThan(0.01);
    expect(urgent.length / payloads.length).toBeLessThan(0.02);
    for (const p of urgent) expect(p.tags).toEqual(['tender']);
  });

  it('is valid where it should be and malformed where it should be', () => {
    for (const lead of stream) {
      const parsed = parseLead(lead.payload);
      expect(parsed.ok, JSON.stringify(lead.payload)).toBe(lead.kind !== 'malformed');
    }
    const withUscc = payloads.filter((p) => p.company.uscc !== undefined);
    expect(withUscc.length / payloads.length).toBeGreaterThan(0.3);
    for (const p of withUscc.slice(0, 2_000)) expect(validateUscc(p.company.uscc).valid).toBe(true);
  });

  it('resubmits the phone, e-mail or USCC of an earlier lead', () => {
    const keys = new Set<string>();
    let matched = 0;
    let duplicates = 0;
    for (const lead of stream) {
      if (lead.kind === 'malformed') continue;
      const p = lead.payload as Payload;
      const own = [p.contact.phone, p.contact.email, p.company.uscc].filter(
        (k): k is string => k !== undefined,
      );
      if (lead.kind === 'duplicate') {
        duplicates++;
        if (own.some((key) => keys.has(key))) matched++;
      } else {
        for (const key of own) expect(keys.has(key), key).toBe(false); // new leads are unique
      }
      for (const key of own) keys.add(key);
    }
    expect(matched).toBe(duplicates);
  });

  it('follows the channel mix of the profile', () => {
    const counts = new Map<string, number>();
    for (const p of payloads) counts.set(p.channel, (counts.get(p.channel) ?? 0) + 1);
    for (const channel of counts.keys()) expect(LEAD_CHANNELS as readonly string[]).toContain(channel);
    const total = MARKET_PROFILES.zhikong.channels.reduce((sum, [, w]) => sum + w, 0);
    for (const [channel, weight] of MARKET_PROFILES.zhikong.channels) {
      const share = (counts.get(channel) ?? 0) / payloads.length;
      // Hour-of-day and trade-show modulation move shares, but not far.
      expect(share, channel).toBeGreaterThan((weight / total) * 0.4);
      expect(share, channel).toBeLessThan((weight / total) * 1.8);
    }
  });

  it('follows the regional mix, with Suzhou Industrial Park leads', () => {
    const jiangsu = payloads.filter((p) => p.company.region === '江苏').length / payloads.length;
    expect(jiangsu).toBeGreaterThan(0.2);
    expect(jiangsu).toBeLessThan(0.28);
    const park = payloads.filter((p) => p.company.park === '苏州工业园区').length / payloads.length;
    expect(park).toBeGreaterThan(0.03);
    expect(park).toBeLessThan(0.06);
  });

  it('is busy in business hours, quiet at night, at weekends and much quieter on public holidays', () => {
    const byHour = new Array<number>(24).fill(0);
    for (const lead of stream) byHour[localHour(lead.at)]!++;
    expect(byHour[10]!).toBeGreaterThan(byHour[3]! * 20);
    expect(byHour[15]!).toBeGreaterThan(byHour[12]!);
    const perDay = new Map<string, number>();
    for (const lead of stream) perDay.set(localDate(lead.at), (perDay.get(localDate(lead.at)) ?? 0) + 1);
    const mean = (dates: string[]) => dates.reduce((sum, d) => sum + (perDay.get(d) ?? 0), 0) / dates.length;
    const weekdays = ['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-17', '2026-03-18'];
    const weekend = ['2026-03-14', '2026-03-15', '2026-03-21', '2026-03-22'];
    const mayDay = ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'];
    expect(mean(weekend)).toBeLessThan(mean(weekdays) * 0.5);
    expect(mean(mayDay)).toBeLessThan(mean(weekend) * 0.7);
  });

  it('brings trade-show leads around its trade shows', () => {
    const shows = planTradeShows(7, 91);
    expect(shows.length).toBeGreaterThan(0);
    const show = shows[0]!;
    const inWindow = (t: number) => {
      const day = Math.floor((t - start) / DAY);
      return day >= show.firstDay && day < show.firstDay + 9;
    };
    const tradeShow = payloads.filter((p) => p.channel === 'trade_show');
    const near = tradeShow.filter((p) => inWindow(p.receivedAt)).length;
    // 9 of 91 days hold far more than 9/91 of the trade-show leads.
    expect(near / tradeShow.length).toBeGreaterThan(0.25);
  });

  it('has log-normal-ish budgets', () => {
    const budgets = payloads
      .map((p) => p.budget?.amount)
      .filter((a): a is number => a !== undefined)
      .sort((a, b) => a - b);
    const median = budgets[Math.floor(budgets.length / 2)]!;
    expect(median).toBeGreaterThan(150_000);
    expect(median).toBeLessThan(600_000);
    expect(budgets.at(-1)!).toBeGreaterThan(median * 10);
  });

  it('refuses bad options', () => {
    expect(() => generateLeadStream({ seed: 1, start, days: -1, leadsPerMonth: 10, calendar })).toThrow(
      RangeError,
    );
    expect(() =>
      generateLeadStream({ seed: 1, start, days: 1, leadsPerMonth: 10, calendar, duplicateShare: 2 }),
    ).toThrow(/duplicateShare/);
  });
});
