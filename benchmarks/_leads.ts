/** A small seeded generator of raw lead payloads for benchmarks (the simulator has the full one). */
import { LEAD_CHANNELS, type Lead } from '../src/model/lead.js';
import { seededRandom } from './_harness.js';

const REGIONS = [
  ['上海', '上海', undefined],
  ['江苏', '苏州', '苏州工业园区'],
  ['江苏', '无锡', undefined],
  ['浙江', '杭州', undefined],
  ['浙江', '宁波', undefined],
  ['广东', '深圳', undefined],
  ['山东', '青岛', undefined],
  ['安徽', '合肥', undefined],
] as const;
const INDUSTRIES = ['汽车零部件', '机械制造', '电子制造', '新能源', '化工', '教育', '食品饮料'];
const NEEDS = [
  '需要产线自动化改造方案，预计下季度采购',
  '询价',
  '想了解视觉检测设备',
  '',
  '急需PLC控制柜报价，月底前定标',
];

export function generateRawLeads(
  count: number,
  seed: number,
  start = Date.parse('2026-03-02T01:00:00Z'),
): unknown[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const leads: unknown[] = [];
  let at = start;
  for (let i = 0; i < count; i++) {
    at += Math.floor(random() * 120_000);
    const [region, city, park] = pick(REGIONS);
    const urgent = random() < 0.03;
    const behaviours = [];
    if (random() < 0.4) behaviours.push({ type: 'page_view', at: at - 600_000, url: '/products/sensors' });
    if (random() < 0.2) behaviours.push({ type: 'download', at: at - 300_000, asset: '工业传感器白皮书' });
    if (random() < 0.2)
      behaviours.push({ type: 'video_watch', at: at - 200_000, seconds: Math.floor(random() * 600) });
    leads.push({
      id: `lead-${i}`,
      receivedAt: at,
      channel: pick(LEAD_CHANNELS),
      company: {
        name: `企业${i}`,
        region,
        city,
        park: random() < 0.5 ? park : undefined,
        industry: pick(INDUSTRIES),
      },
      contact:
        random() < 0.9 ? { name: '联系人', phone: `138${String(i).padStart(8, '0')}` } : { name: '匿名' },
      budget: random() < 0.7 ? { amount: Math.floor(random() * 3_000_000), currency: 'CNY' } : undefined,
      need: pick(NEEDS),
      behaviours,
      priority: urgent ? 'urgent' : 'normal',
      tags: urgent ? ['tender'] : [],
    });
  }
  return leads;
}

/** The Shanghai calendar day of an instant (YYYY-MM-DD), as the benchmarks' naive stacks count days. */
export const shanghaiDay = (t: number): string => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

/** The contact keys a naive stack deduplicates a lead on: USCC, phone, lower-cased e-mail. */
export function contactKeys(lead: Lead): string[] {
  return [
    ...(lead.company.uscc ? [`uscc:${lead.company.uscc}`] : []),
    ...(lead.contact.phone ? [`phone:${lead.contact.phone}`] : []),
    ...(lead.contact.email ? [`email:${lead.contact.email.toLowerCase()}`] : []),
  ];
}
