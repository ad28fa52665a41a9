import type { KnownLeadChannel } from '../model/lead.js';
import { ownValue } from '../model/own.js';
import { usccCheckCharacter } from '../model/uscc.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../scheduler/china-holidays.js';
import {
  CHINA_GEOGRAPHY,
  MARKET_PROFILES,
  MARKET_VOCABULARY,
  type MarketProfile,
  type SimulatedCity,
} from './market.js';
import { createRandom, type SeededRandom, type WeightedTable, weightedTable } from './random.js';

const {
  assets: ASSETS,
  brands: BRANDS,
  campaigns: CAMPAIGNS,
  companySuffixes: COMPANY_SUFFIXES,
  contactTitles: CONTACT_TITLES,
  honorifics: HONORIFICS,
  needs: NEEDS,
  pages: PAGES,
  pageTitles: PAGE_TITLES,
  surnames: SURNAMES,
  tradeShows: TRADE_SHOWS,
  vagueNeeds: VAGUE_NEEDS,
} = MARKET_VOCABULARY;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/**
 * Average days per month (365.25 / 12): `leadsPerMonth` is a rate per average month.
 *
 * @example
 * ```ts
 * import { DAYS_PER_MONTH } from 'leadflow';
 * const expected = (12_000 * 7) / DAYS_PER_MONTH; // ≈ 2,760 leads in a week
 * ```
 * @category Simulation
 */
export const DAYS_PER_MONTH = 30.4375;

/**
 * Options of {@link generateLeadStream}.
 *
 * @example
 * ```ts
 * import { chinaCalendar, type GenerateLeadStreamOptions } from 'leadflow';
 * const options: GenerateLeadStreamOptions = {
 *   seed: 42,
 *   start: Date.parse('2026-03-02T00:00:00+08:00'),
 *   days: 30,
 *   leadsPerMonth: 12_000,
 *   calendar: chinaCalendar({ years: [2026] }),
 *   preset: 'zhikong',
 * };
 * ```
 * @category Simulation
 */
export interface GenerateLeadStreamOptions {
  /** Seed of the PRNG (mulberry32): the same seed and options give the same stream. */
  readonly seed: number;
  /** First instant of the stream; should be a local midnight of `calendar.zone`. */
  readonly start: number | Date;
  /** Number of days generated. */
  readonly days: number;
  /** Average volume per month (365.25 / 12 days); the total is `leadsPerMonth · days / 30.4375`. */
  readonly leadsPerMonth: number;
  /** Working days and hours: arrivals follow business time, weekends and public holidays. */
  readonly calendar: BusinessCalendar;
  /** Market the leads come from: a preset name or a custom profile. @default 'zhikong' */
  readonly preset?: 'zhikong' | 'hengrui' | MarketProfile;
  /** Share of arrivals that resubmit a recent lead (same phone / USCC / e-mail). @default 0.04 */
  readonly duplicateShare?: number;
  /** Share of arrivals that are malformed (they must end in quarantine). @default 0.01 */
  readonly malformedShare?: number;
  /** Share of new leads that are urgent tenders (`priority: 'urgent'`, tag `tender`). @default 0.015 */
  readonly urgentShare?: number;
  /**
   * Public holidays (ISO dates in the calendar's zone): much quieter than weekends.
   * @default China's shipped holidays when `calendar.zone` is `Asia/Shanghai`, else weekdays
   * without business hours
   */
  readonly holidays?: readonly string[];
}

/**
 * What a generated arrival is: a new lead, a resubmission of a recent one, or a malformed payload.
 *
 * @example
 * ```ts
 * import type { GeneratedLeadKind } from 'leadflow';
 * const kind: GeneratedLeadKind = 'duplicate';
 * ```
 * @category Simulation
 */
export type GeneratedLeadKind = 'new' | 'duplicate' | 'malformed';

/**
 * One arrival of a generated stream: when it arrives, what it is, and the raw payload a source
 * would send (plain JSON; `receivedAt` equals `at` unless the payload is malformed there).
 *
 * @example
 * ```ts
 * import type { GeneratedLead } from 'leadflow';
 * const show = (lead: GeneratedLead) => `${new Date(lead.at).toISOString()} ${lead.kind}`;
 * ```
 * @category Simulation
 */
export interface GeneratedLead {
  readonly at: number;
  readonly kind: GeneratedLeadKind;
  readonly payload: unknown;
}

/**
 * A trade show of a generated stream: leads arrive on the show days and, more, in the days after
 * (badge scans typed in, follow-up inquiries).
 *
 * @example
 * ```ts
 * import type { TradeShow } from 'leadflow';
 * const show: TradeShow = { name: '中国国际工业博览会', city: '上海', firstDay: 12, days: 3 };
 * ```
 * @category Simulation
 */
export interface TradeShow {
  readonly name: string;
  readonly city: string;
  /** Index of the first show day from the stream's start. */
  readonly firstDay: number;
  readonly days: number;
}

type DayKind = 'workday' | 'makeup' | 'weekend' | 'holiday';

/** Relative volume of a day by kind. */
const DAY_FACTOR: Record<DayKind, number> = { workday: 1, makeup: 0.85, weekend: 0.3, holiday: 0.12 };

/** Relative arrivals per local hour on working days (busy 9–11 and 14–17, a live-stream evening bump). */
const WORKDAY_HOURS = [
  0.15, 0.1, 0.07, 0.05, 0.05, 0.08, 0.2, 0.5, 1.2, 2.6, 3.0, 2.5, 1.2, 1.6, 2.6, 2.8, 2.6, 1.8, 1.0, 0.9,
  1.1, 1.0, 0.6, 0.3,
];
/** Relative arrivals per local hour on weekends and holidays (flatter, later). */
const OFFDAY_HOURS = [
  0.2, 0.12, 0.08, 0.05, 0.05, 0.06, 0.1, 0.25, 0.5, 0.8, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0, 0.9, 0.8, 0.8, 1.0,
  1.3, 1.3, 0.9, 0.4,
];

/** Uplift of total volume on show days (index 0..2) and the days after (3..8). */
const SHOW_UPLIFT = [1.15, 1.2, 1.2, 1.6, 1.45, 1.3, 1.2, 1.1, 1.05];
/** Multiplier of the trade-show channel on show days and after (outside: 0.25). */
const SHOW_CHANNEL = [4, 4, 4, 8, 6, 5, 4, 3, 2];

const MOBILE_PREFIXES = [
  '138',
  '139',
  '137',
  '136',
  '135',
  '150',
  '151',
  '152',
  '158',
  '159',
  '186',
  '187',
  '188',
  '189',
  '133',
  '153',
  '180',
  '181',
  '177',
  '199',
];
/** Characters allowed in positions 9–17 of a USCC (GB 11714 body: digits and letters except I O S V Z). */
const ORG_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const GB11714_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/**
 * A valid USCC for a simulated company: `91` (an enterprise registered with market regulation),
 * the city's division code, a GB 11714 organisation code with its check character, and the
 * GB 32100 check character.
 * @category Simulation
 */
export function syntheticUscc(division: string, random: SeededRandom): string {
  let body = '';
  for (let i = 0; i < 8; i++) body += ORG_CHARS[random.int(0, ORG_CHARS.length - 1)];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body.charCodeAt(i);
    sum += (c >= 48 && c <= 57 ? c - 48 : c - 55) * GB11714_WEIGHTS[i]!;
  }
  const check = 11 - (sum % 11);
  const first17 = `91${division}${body}${check === 10 ? 'X' : check === 11 ? '0' : String(check)}`;
  return first17 + usccCheckCharacter(first17);
}

/** Share of leads carrying a phone / an e-mail / a USCC / a budget, by channel. */
const CHANNEL_TRAITS: Record<
  KnownLeadChannel,
  { phone: number; email: number; uscc: number; budget: number; explicitNeed: number }
> = {
  website_form: { phone: 0.92, email: 0.4, uscc: 0.55, budget: 0.7, explicitNeed: 0.88 },
  wechat_mp: { phone: 0.85, email: 0.15, uscc: 0.35, budget: 0.45, explicitNeed: 0.8 },
  douyin_live: { phone: 0.97, email: 0.05, uscc: 0.15, budget: 0.5, explicitNeed: 0.75 },
  hotline_400: { phone: 1, email: 0.15, uscc: 0.3, budget: 0.6, explicitNeed: 0.9 },
  trade_show: { phone: 0.95, email: 0.5, uscc: 0.8, budget: 0.65, explicitNeed: 0.7 },
  referral: { phone: 0.95, email: 0.4, uscc: 0.85, budget: 0.8, explicitNeed: 0.92 },
  whitepaper_download: { phone: 0.7, email: 0.9, uscc: 0.4, budget: 0.3, explicitNeed: 0.6 },
  api: { phone: 0.9, email: 0.3, uscc: 0.9, budget: 0.6, explicitNeed: 0.85 },
};

const BUDGET_SCALE: Readonly<Record<string, number>> = {
  教育: 0.5,
  汽车零部件: 1.2,
  新能源: 1.5,
  新能源汽车: 1.5,
  化工: 1.3,
  纺织: 0.7,
};

type HourClass = 'work' | 'evening' | 'off';
type ShowPhase = 'none' | 'show' | 'after';

interface DayPlan {
  index: number;
  start: number;
  date: string;
  kind: DayKind;
  /** Position in a trade-show window (0..8) or -1. */
  showOffset: number;
  show: TradeShow | undefined;
}

/**
 * Pick trade-show dates for a stream: the first one 10–40 days in, then one every 35–70 days, each
 * three days long. Seeded and pure.
 *
 * @example
 * ```ts
 * import { planTradeShows } from 'leadflow';
 * planTradeShows(42, 365).length; // 7 (between 5 and 11 shows a year)
 * ```
 * @category Simulation
 */
export function planTradeShows(seed: number, days: number): TradeShow[] {
  const random = createRandom((seed ^ 0x5eed7ade) >>> 0);
  const shows: TradeShow[] = [];
  let day = random.int(10, 40);
  let which = random.int(0, TRADE_SHOWS.length - 1);
  while (day < days) {
    const [name, city] = TRADE_SHOWS[which % TRADE_SHOWS.length]!;
    shows.push({ name, city, firstDay: day, days: 3 });
    which++;
    day += random.int(35, 70);
  }
  return shows;
}

function resolveProfile(preset: GenerateLeadStreamOptions['preset']): MarketProfile {
  if (preset === undefined) return MARKET_PROFILES.zhikong;
  if (typeof preset === 'string') {
    const profile = ownValue<MarketProfile>(MARKET_PROFILES, preset);
    if (!profile) throw new RangeError(`generateLeadStream: unknown preset "${String(preset)}"`);
    return profile;
  }
  return preset;
}

function checkShare(value: number | undefined, fallback: number, name: string): number {
  const share = value ?? fallback;
  if (!Number.isFinite(share) || share < 0 || share > 1)
    throw new RangeError(`generateLeadStream: ${name} must be within [0, 1], got ${share}`);
  return share;
}

/** `YYYY-MM-DD` and the weekday (0 = Sunday) of an instant in `zone`. */
function localDateFormatter(zone: string): (t: number) => { date: string; weekday: number } {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
  });
  const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
  return (t) => {
    const parts = format.formatToParts(t);
    let year = '';
    let month = '';
    let day = '';
    let weekday = 0;
    for (const part of parts) {
      if (part.type === 'year') year = part.value;
      else if (part.type === 'month') month = part.value;
      else if (part.type === 'day') day = part.value;
      else if (part.type === 'weekday') weekday = weekdays[part.value] ?? 0;
    }
    return { date: `${year}-${month}-${day}`, weekday };
  };
}

/** Local hour (0–23) of an instant relative to the day's start (the day starts at local midnight). */
const hourOf = (t: number, dayStart: number) => Math.min(23, Math.max(0, Math.floor((t - dayStart) / HOUR)));

/** Round to two significant digits (budgets people type: 120000, 1500000). */
function roundBudget(value: number): number {
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1);
  return Math.round(value / magnitude) * magnitude;
}

/**
 * Generate a seeded, realistic stream of raw lead payloads in time order, as the sources of seed
 * 003 (杭州智控) and seed 000 (恒锐机械) would send them:
 *
 * - **Volume**: `leadsPerMonth · days / 30.4375` on average, spread over days by kind (working day
 *   1, make-up working day 0.85, weekend 0.3, public holiday 0.12) and trade-show uplift, Poisson
 *   per day; within a day by hour (busy 9–11 and 14–17, quiet nights, an evening bump from
 *   live streams).
 * - **Channels**: the profile's mix, modulated by hour (the 400 hotline rings in business hours,
 *   Douyin live streams run 19–23) and by trade shows (planned by {@link planTradeShows}; their
 *   leads peak the days after a show).
 * - **Companies**: region → city → industrial park (苏州工业园区 …) and industry in the profile's
 *   proportions; USCC with a valid GB 32100 check character on a channel-dependent share.
 * - **Contacts, budgets, needs, behaviours**: mobile phones (unique), e-mails, log-normal budgets
 *   (median ≈ 300,000 CNY), explicit or vague needs, page views, downloads, video watch seconds,
 *   form submits.
 * - **Urgent tenders** (`urgentShare`), **duplicates** (`duplicateShare`: the same phone, USCC or
 *   e-mail resubmitted minutes to days later) and **malformed payloads** (`malformedShare`: a
 *   missing region, an invalid channel, phone, instant, budget, video length or USCC check
 *   character, an unknown field — each of which the engine quarantines).
 *
 * Pure: no clock, no `Math.random`.
 *
 * @example
 * ```ts
 * import { chinaCalendar, generateLeadStream } from 'leadflow';
 * const stream = generateLeadStream({
 *   seed: 42,
 *   start: Date.parse('2026-03-02T00:00:00+08:00'),
 *   days: 7,
 *   leadsPerMonth: 12_000,
 *   calendar: chinaCalendar({ years: [2026] }),
 * });
 * stream.length; // ≈ 12000 · 7 / 30.4375, more on working days
 * stream[0]?.payload; // { receivedAt, channel, company: { name, region, city, park?, industry }, contact, … }
 * ```
 * @category Simulation
 */
export function generateLeadStream(options: GenerateLeadStreamOptions): GeneratedLead[] {
  const stream: GeneratedLead[] = [];
  for (const day of generateLeadDays(options)) for (const lead of day) stream.push(lead);
  return stream;
}

/**
 * The stream of {@link generateLeadStream}, one simulated day at a time (each day's arrivals in
 * time order), generated lazily: a long simulation never holds a year of raw payloads at once.
 * The concatenated days equal `generateLeadStream(options)`.
 *
 * @example
 * ```ts
 * import { chinaCalendar, generateLeadDays } from 'leadflow';
 * const calendar = chinaCalendar({ years: [2026] });
 * for (const day of generateLeadDays({ seed: 1, start: Date.parse('2026-03-02T00:00:00+08:00'), days: 3, leadsPerMonth: 3_000, calendar })) {
 *   console.log(day.length); // arrivals of that day
 * }
 * ```
 * @category Simulation
 */
export function* generateLeadDays(
  options: GenerateLeadStreamOptions,
): Generator<GeneratedLead[], void, void> {
  const start = typeof options.start === 'number' ? options.start : options.start.getTime();
  const days = options.days;
  if (!Number.isFinite(start)) throw new RangeError('generateLeadStream: start must be a valid instant');
  if (!Number.isInteger(days) || days < 0)
    throw new RangeError('generateLeadStream: days must be an integer ≥ 0');
  if (!Number.isFinite(options.leadsPerMonth) || options.leadsPerMonth < 0)
    throw new RangeError('generateLeadStream: leadsPerMonth must be a number ≥ 0');
  const profile = resolveProfile(options.preset);
  const duplicateShare = checkShare(options.duplicateShare, 0.04, 'duplicateShare');
  const malformedShare = checkShare(options.malformedShare, 0.01, 'malformedShare');
  const urgentShare = checkShare(options.urgentShare, 0.015, 'urgentShare');
  const calendar = options.calendar;
  const random = createRandom(options.seed);

  // ---- the days: kind, trade-show phase, volume ----
  const holidays = new Set(
    options.holidays ??
      (calendar.zone === 'Asia/Shanghai'
        ? Object.values(CHINA_HOLIDAYS).flatMap((year) => year.holidays)
        : undefined) ??
      [],
  );
  const inferHolidays = options.holidays === undefined && calendar.zone !== 'Asia/Shanghai';
  const localDate = localDateFormatter(calendar.zone);
  const shows = planTradeShows(options.seed, days);
  const plans: DayPlan[] = [];
  for (let index = 0; index < days; index++) {
    const dayStart = start + index * DAY;
    const { date, weekday } = localDate(dayStart + 12 * HOUR);
    const working = calendar.businessTimeBetween(dayStart, dayStart + DAY) > 0;
    const weekend = weekday === 0 || weekday === 6;
    let kind: DayKind;
    if (working) kind = weekend ? 'makeup' : 'workday';
    else if (holidays.has(date) || (inferHolidays && !weekend)) kind = 'holiday';
    else kind = 'weekend';
    let showOffset = -1;
    let show: TradeShow | undefined;
    for (const candidate of shows) {
      const offset = index - candidate.firstDay;
      if (offset >= 0 && offset < SHOW_UPLIFT.length) {
        showOffset = offset;
        show = candidate;
      }
    }
    plans.push({ index, start: dayStart, date, kind, showOffset, show });
  }
  const weights = plans.map(
    (plan) => DAY_FACTOR[plan.kind] * (plan.showOffset >= 0 ? SHOW_UPLIFT[plan.showOffset]! : 1),
  );
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  const total = (options.leadsPerMonth * days) / DAYS_PER_MONTH;

  // ---- tables drawn from per lead ----
  const workHours = weightedTable(WORKDAY_HOURS.map((w, h) => [h, w] as const));
  const offHours = weightedTable(OFFDAY_HOURS.map((w, h) => [h, w] as const));
  const channelTables = new Map<string, WeightedTable<KnownLeadChannel>>();
  const channelTable = (hourClass: HourClass, phase: ShowPhase, offset: number) => {
    const key = `${hourClass}:${phase}:${offset}`;
    let table = channelTables.get(key);
    if (!table) {
      table = weightedTable(
        profile.channels.map(([channel, weight]) => {
          let w = weight;
          if (channel === 'hotline_400') w *= hourClass === 'work' ? 1.2 : 0.05;
          if (channel === 'referral') w *= hourClass === 'work' ? 1.1 : 0.3;
          if (channel === 'douyin_live') w *= hourClass === 'evening' ? 3.5 : 0.6;
          if (channel === 'trade_show') w *= phase === 'none' ? 0.25 : SHOW_CHANNEL[offset]!;
          return [channel, w] as const;
        }),
      );
      channelTables.set(key, table);
    }
    return table;
  };
  const regions = weightedTable(
    profile.regions
      // A custom profile names regions and industries: looked up as own entries only.
      .filter(([region]) => Object.hasOwn(CHINA_GEOGRAPHY, region))
      .map(([r, w]) => [r, w] as const),
  );
  const cityTables = new Map<string, WeightedTable<SimulatedCity>>();
  for (const [region, cities] of Object.entries(CHINA_GEOGRAPHY))
    cityTables.set(region, weightedTable(cities.map((city) => [city, city.weight] as const)));
  const parkTables = new Map<SimulatedCity, WeightedTable<string>>();
  for (const cities of Object.values(CHINA_GEOGRAPHY))
    for (const city of cities) parkTables.set(city, weightedTable(city.parks));
  const industries = weightedTable(profile.industries);

  // ---- per-lead construction ----
  let counter = 0;
  const phoneOffset = random.int(0, 99_999_999);
  const uniquePhone = (): string => {
    const n = counter;
    const suffix = (n * 48_271 + phoneOffset) % 100_000_000;
    return `${random.pick(MOBILE_PREFIXES)}${suffix.toString().padStart(8, '0')}`;
  };
  const uscc = (division: string): string => syntheticUscc(division, random);

  const makeLead = (at: number, hourClass: HourClass, plan: DayPlan): Record<string, unknown> => {
    counter++;
    const phase: ShowPhase = plan.showOffset < 0 ? 'none' : plan.showOffset < 3 ? 'show' : 'after';
    let channel = channelTable(hourClass, phase, Math.max(0, plan.showOffset)).draw(random);
    const urgent = random.chance(urgentShare);
    if (urgent && (channel === 'douyin_live' || channel === 'whitepaper_download' || channel === 'api'))
      channel = random.chance(0.5) ? 'hotline_400' : 'website_form';
    const traits = CHANNEL_TRAITS[channel];
    const region = regions.draw(random);
    const city = cityTables.get(region)!.draw(random);
    const park =
      city.parks.length > 0 && random.chance(city.parkShare) ? parkTables.get(city)!.draw(random) : undefined;
    const industry = industries.draw(random);
    const [brand, pinyin] = random.pick(BRANDS);
    const suffixes = ownValue(COMPANY_SUFFIXES, industry) ?? COMPANY_SUFFIXES.default!;
    const company: Record<string, unknown> = {
      name: `${city.city}${brand}${random.pick(suffixes)}`,
      region,
      city: city.city,
      industry,
    };
    if (park !== undefined) company.park = park;
    if (random.chance(traits.uscc)) company.uscc = uscc(city.division);
    const surname = random.pick(SURNAMES);
    const contact: Record<string, unknown> = {
      name: `${surname}${random.pick(HONORIFICS)}`,
      title: random.pick(CONTACT_TITLES),
    };
    if (random.chance(traits.phone)) contact.phone = uniquePhone();
    if (random.chance(traits.email))
      contact.email = `sales${counter.toString(36)}@${pinyin}${city.division}.com.cn`;
    const lead: Record<string, unknown> = { receivedAt: at, channel };
    const campaigns = CAMPAIGNS[channel];
    if (channel === 'trade_show' && plan.show) lead.campaign = `${plan.show.name} (${plan.show.city})`;
    else if (campaigns) lead.campaign = random.pick(campaigns);
    lead.company = company;
    lead.contact = contact;
    if (random.chance(traits.budget)) {
      const scale = ownValue(BUDGET_SCALE, industry) ?? 1;
      const amount = Math.min(30_000_000, Math.max(10_000, random.logNormal(300_000 * scale, 1)));
      lead.budget = { amount: roundBudget(amount), currency: 'CNY' };
    }
    const needs = ownValue(NEEDS, industry) ?? NEEDS.default!;
    let need = random.chance(traits.explicitNeed) ? random.pick(needs) : random.pick(VAGUE_NEEDS);
    if (urgent) need = `紧急标案: ${random.pick(needs)}，本月底前定标`;
    if (need !== '') lead.need = need;
    lead.behaviours = behaviours(random, channel, at);
    if (urgent) {
      lead.priority = 'urgent';
      lead.tags = ['tender'];
    }
    return lead;
  };

  // Recent well-formed leads with a dedupe key, for resubmissions.
  const recent: Record<string, unknown>[] = [];
  const RECENT = 2_000;
  let recentNext = 0;
  const remember = (lead: Record<string, unknown>) => {
    const contact = lead.contact as Record<string, unknown>;
    const company = lead.company as Record<string, unknown>;
    if (contact.phone === undefined && contact.email === undefined && company.uscc === undefined) return;
    if (recent.length < RECENT) recent.push(lead);
    else recent[recentNext] = lead;
    recentNext = (recentNext + 1) % RECENT;
  };
  const resubmit = (at: number, hourClass: HourClass, plan: DayPlan): Record<string, unknown> => {
    // Skewed towards the most recent submissions (people retry soon).
    const back = Math.floor(recent.length * random.next() ** 2);
    const index = (recentNext - 1 - back + recent.length * 2) % recent.length;
    const original = recent[index]!;
    const channel = random.chance(0.5)
      ? (original.channel as KnownLeadChannel)
      : channelTable(hourClass, 'none', 0).draw(random);
    const copy: Record<string, unknown> = { ...original, receivedAt: at, channel };
    if (channel !== original.channel) delete copy.campaign;
    copy.behaviours = behaviours(random, channel, at);
    if (plan.showOffset < 0 && channel === 'trade_show') {
      copy.channel = 'website_form';
      delete copy.campaign;
    }
    return copy;
  };

  for (const plan of plans) {
    const stream: GeneratedLead[] = [];
    const mean = weightSum > 0 ? (total * weights[plan.index]!) / weightSum : 0;
    const count = random.poisson(mean);
    const offDay = plan.kind === 'weekend' || plan.kind === 'holiday';
    const hours = offDay ? offHours : workHours;
    const times: number[] = new Array(count);
    for (let i = 0; i < count; i++)
      times[i] = plan.start + hours.draw(random) * HOUR + Math.floor(random.next() * HOUR);
    times.sort((a, b) => a - b);
    for (const at of times) {
      const hour = hourOf(at, plan.start);
      const hourClass: HourClass =
        !offDay && hour >= 9 && hour < 18 ? 'work' : hour >= 19 && hour < 23 ? 'evening' : 'off';
      const roll = random.next();
      if (roll < malformedShare) {
        stream.push({ at, kind: 'malformed', payload: malform(random, makeLead(at, hourClass, plan)) });
      } else if (roll < malformedShare + duplicateShare && recent.length > 0) {
        stream.push({ at, kind: 'duplicate', payload: resubmit(at, hourClass, plan) });
      } else {
        const lead = makeLead(at, hourClass, plan);
        remember(lead);
        stream.push({ at, kind: 'new', payload: lead });
      }
    }
    yield stream;
  }
}

/**
 * Seconds a simulated visitor stays on a page: 10 s to 5 min, skewed short, derived from the view
 * itself (its minute and page) rather than drawn, so the seeded stream's other draws — and every
 * figure of existing reports — stay what they were.
 */
function dwellOf(at: number, url: string): number {
  let hash = 0x811c9dc5 ^ Math.floor(at / 60_000);
  for (let i = 0; i < url.length; i++) hash = Math.imul(hash ^ url.charCodeAt(i), 0x01000193);
  const u = (hash >>> 0) / 0x1_0000_0000;
  return Math.round(10 * Math.exp(u * Math.log(30)));
}

function behaviours(random: SeededRandom, channel: KnownLeadChannel, at: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let views = 0;
  if (channel === 'website_form') views = 1 + Math.floor(random.logNormal(2, 0.8));
  else if (channel === 'whitepaper_download') views = 1 + Math.floor(random.logNormal(1.2, 0.8));
  else if (channel === 'wechat_mp') views = random.chance(0.3) ? random.int(1, 2) : 0;
  else views = random.chance(0.15) ? 1 : 0;
  views = Math.min(views, 8);
  for (let i = 0; i < views; i++) {
    const viewedAt = at - random.int(1, 72 * 60) * 60_000;
    const url = random.pick(PAGES);
    out.push({
      type: 'page_view',
      at: viewedAt,
      url,
      title: PAGE_TITLES[url],
      dwellSeconds: dwellOf(viewedAt, url),
    });
  }
  if (channel === 'whitepaper_download' || (channel === 'website_form' && random.chance(0.12)))
    out.push({ type: 'download', at: at - random.int(1, 30) * 60_000, asset: random.pick(ASSETS) });
  let watch: number | undefined;
  if (channel === 'douyin_live') watch = random.logNormal(240, 0.8);
  else if (channel === 'whitepaper_download' && random.chance(0.45)) watch = random.logNormal(150, 0.9);
  else if (channel === 'wechat_mp' && random.chance(0.2)) watch = random.logNormal(90, 0.9);
  if (watch !== undefined)
    out.push({
      type: 'video_watch',
      at: at - random.int(1, 60) * 60_000,
      seconds: Math.round(Math.min(7_200, Math.max(5, watch))),
    });
  if (channel === 'website_form' || (channel === 'wechat_mp' && random.chance(0.5)))
    out.push({ type: 'form_submit', at });
  out.sort((a, b) => (a.at as number) - (b.at as number));
  return out;
}

/** The ways a payload is malformed; each is refused by the lead schema (→ quarantine). */
const MALFORMATIONS = [
  'missing-region',
  'bad-channel',
  'bad-phone',
  'bad-instant',
  'unknown-field',
  'negative-budget',
  'video-too-long',
  'bad-uscc',
  'no-company',
] as const;

function malform(random: SeededRandom, lead: Record<string, unknown>): Record<string, unknown> {
  const company = { ...(lead.company as Record<string, unknown>) };
  const contact = { ...(lead.contact as Record<string, unknown>) };
  const out: Record<string, unknown> = { ...lead, company, contact };
  switch (random.pick(MALFORMATIONS)) {
    case 'missing-region':
      delete company.region;
      break;
    case 'bad-channel':
      out.channel = random.pick(['WeChat 公众号', 'Website-Form', '']);
      break;
    case 'bad-phone':
      contact.phone = random.pick(['call me', '138-xxxx-0000', '电话见附件']);
      break;
    case 'bad-instant':
      out.receivedAt = random.pick(['yesterday 3pm', '2026-13-45', 'N/A']);
      break;
    case 'unknown-field':
      out.companyName = company.name;
      break;
    case 'negative-budget':
      out.budget = { amount: -random.int(1, 500) * 1_000, currency: 'CNY' };
      break;
    case 'video-too-long':
      out.behaviours = [
        { type: 'video_watch', at: lead.receivedAt, seconds: 100_000 + random.int(0, 99_999) },
      ];
      break;
    case 'bad-uscc': {
      const code = `91320500${'ABCDEFGHJ'.slice(0, 9)}`;
      const check = usccCheckCharacter(code);
      // Any other character of the charset is a wrong check character.
      const wrong = ORG_CHARS[(ORG_CHARS.indexOf(check) + 1 + random.int(0, 29)) % ORG_CHARS.length]!;
      company.uscc = code + wrong;
      break;
    }
    case 'no-company':
      out.company = null;
      break;
  }
  return out;
}
