/**
 * Behaviour data as the seed reads it: "页面停留时长" (dwell time), "反复查看参数页" (the same page
 * viewed again and again), downloads and video time — as facts rules can test, and as the
 * snapshot a rep reads.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseLead } from '../../src/model/lead.js';
import { leadFacts } from '../../src/rules/facts.js';
import { formatBehaviourSnapshot, summarizeBehaviours } from '../../src/rules/templates.js';

const AT = Date.parse('2026-03-02T10:00:00+08:00');
const PAGES = ['/products/sensors', '/pricing', '/cases'] as const;

function leadWith(behaviours: unknown[]) {
  const parsed = parseLead({
    receivedAt: AT,
    channel: 'website_form',
    company: { name: '苏州精工', region: '江苏', industry: '机械制造' },
    contact: { phone: '13800000000' },
    behaviours,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.lead;
}

const viewArb = fc.record({
  url: fc.constantFrom(...PAGES),
  dwellSeconds: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
});

describe('behaviour facts and the snapshot', () => {
  it('a page_view carries its title and dwell seconds; negative dwell is refused with its path', () => {
    const lead = leadWith([{ type: 'page_view', at: AT - 1, url: '/p', title: '参数页', dwellSeconds: 42 }]);
    expect(lead.behaviours[0]).toMatchObject({ title: '参数页', dwellSeconds: 42 });
    const bad = parseLead({
      receivedAt: AT,
      channel: 'website_form',
      company: { name: 'x', region: '江苏', industry: '机械制造' },
      contact: { phone: '13800000000' },
      behaviours: [{ type: 'page_view', at: AT - 1, dwellSeconds: -3 }],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toContain('behaviours[0].dwellSeconds');
  });

  test.prop([fc.array(viewArb, { maxLength: 12 })])(
    'pageDwellSeconds sums the dwell; maxViewsOfOnePage is the most views of one url; the summary agrees',
    (views) => {
      const lead = leadWith(views.map((v, i) => ({ type: 'page_view', at: AT - 1000 * (i + 1), ...v })));
      const facts = leadFacts(lead);
      expect(facts.pageViews).toBe(views.length);
      expect(facts.pageDwellSeconds).toBe(views.reduce((sum, v) => sum + (v.dwellSeconds ?? 0), 0));
      const counts = PAGES.map((page) => views.filter((v) => v.url === page).length);
      expect(facts.maxViewsOfOnePage).toBe(Math.max(0, ...counts));
      const summary = summarizeBehaviours(lead.behaviours, PAGES.length);
      expect(summary.topPages!.reduce((sum, p) => sum + p.views, 0)).toBe(views.length);
      // Longest dwell first.
      const dwell = summary.topPages!.map((p) => p.dwellSeconds ?? -1);
      expect(dwell).toEqual([...dwell].sort((a, b) => b - a));
    },
  );

  it('the snapshot in English names the pages too', () => {
    const text = formatBehaviourSnapshot(
      summarizeBehaviours([
        { type: 'page_view', url: '/products/sensors', title: 'Sensor specs', dwellSeconds: 250 },
        { type: 'page_view', url: '/products/sensors', title: 'Sensor specs', dwellSeconds: 10 },
        { type: 'page_view', url: '/about' },
      ]),
      'en',
    );
    expect(text).toBe('3 pages viewed (Sensor specs ×2, 4 min 20 s; /about ×1); video 0 s; downloads: none');
  });
});
