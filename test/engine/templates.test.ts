import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/engine/templates.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { spokenDuration } from '../../src/rules/templates.js';
import { MIN, rawLead, setup } from './helpers.js';

/** The one-pass definition: every placeholder replaced where it stands. */
function referenceRender(text: string, data: Readonly<Record<string, unknown>>): string {
  return text.replace(/\{\{\s*([\p{L}\p{N}_$.-]+)\s*\}\}/gu, (_match, path: string) => {
    let value: unknown = data;
    for (const key of path.split('.')) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return '';
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  });
}

const data = {
  lead: { id: 'lead-1', company: { name: '苏州精工', region: '江苏' }, tags: ['a', 'b'] },
  policy: { id: 'first-follow-up-24h', hours: 24 },
  empty: null,
  名称: '值',
};

describe('renderTemplate', () => {
  it('fills dot paths, tolerates spaces inside the braces, and leaves the rest of the text alone', () => {
    expect(
      renderTemplate('线索「{{lead.company.name}}」({{ lead.id }}) 超过 {{policy.hours}} 小时', data),
    ).toBe('线索「苏州精工」(lead-1) 超过 24 小时');
    expect(renderTemplate('no placeholders', data)).toBe('no placeholders');
    expect(renderTemplate('{{名称}}', data)).toBe('值');
  });

  it('renders missing values and null as empty, objects as JSON, and never reads inherited properties', () => {
    expect(renderTemplate('[{{lead.owner}}][{{empty}}][{{lead.company.name.length}}]', data)).toBe('[][][]');
    expect(renderTemplate('{{lead.tags}}', data)).toBe('["a","b"]');
    expect(renderTemplate('{{lead.constructor}}{{lead.__proto__}}{{toString}}', data)).toBe('');
  });

  it('keeps text that only looks like a placeholder', () => {
    expect(renderTemplate('{{}} {{a b}} {lead.id} {{{lead.id}}}', data)).toBe(
      '{{}} {{a b}} {lead.id} {lead-1}',
    );
  });

  const segment = fc.oneof(
    fc.constantFrom('{{', '}}', '{', '}', ' ', '.', '线索', '超时 '),
    fc.constantFrom(
      'lead.id',
      'lead.company.name',
      ' policy.hours ',
      'lead.tags',
      'empty',
      'missing.path',
      '名称',
    ),
    fc.string({ maxLength: 6 }),
  );
  test.prop([fc.array(segment, { maxLength: 12 }).map((parts) => parts.join(''))])(
    'agrees with replacing every placeholder in one pass, twice in a row (cached)',
    (text) => {
      expect(renderTemplate(text, data)).toBe(referenceRender(text, data));
      expect(renderTemplate(text, data)).toBe(referenceRender(text, data));
    },
  );
});

describe('messages people read', () => {
  it('Chinese by default: the unopened reminder names the lead, the wait and the behaviour snapshot', async () => {
    const { engine, clock, notifier } = setup();
    const result = await engine.ingest(
      rawLead(clock.now(), {
        company: { name: '苏州精工', park: '苏州工业园区', industry: '汽车零部件' },
        behaviours: [
          { type: 'page_view', at: clock.now() - 60_000, url: '/products/plc' },
          { type: 'download', at: clock.now() - 30_000, asset: '选型白皮书' },
        ],
      }),
    );
    expect(result.status).toBe('accepted');
    await engine.advanceTo(clock.now() + 40 * MIN);
    const reminder = notifier.sent.find((m) => m.template === 'unopened-reminder');
    expect(reminder?.subject).toBe('线索未查看提醒');
    expect(reminder?.text).toBe(
      '您有一条线索「苏州精工」分配后 30 分钟 未查看。客户行为：浏览 1 页（/products/plc ×1）; 视频 0 秒; 下载 选型白皮书',
    );
  });

  it('the snapshot names the pages looked at most, with their dwell time (页面停留时长, 反复查看参数页)', async () => {
    const { engine, clock, notifier } = setup();
    const view = (minutesAgo: number, url: string, title: string, dwellSeconds: number) => ({
      type: 'page_view' as const,
      at: clock.now() - minutesAgo * 60_000,
      url,
      title,
      dwellSeconds,
    });
    await engine.ingest(
      rawLead(clock.now(), {
        company: { name: '苏州精工', park: '苏州工业园区', industry: '汽车零部件' },
        behaviours: [
          view(50, '/products/sensors', '工业传感器参数页', 130),
          view(40, '/pricing', '价格与服务', 40),
          view(30, '/products/sensors', '工业传感器参数页', 120),
          view(20, '/about', '关于我们', 5),
          view(10, '/cases', '客户案例', 60),
          { type: 'download', at: clock.now() - 5 * 60_000, asset: '工业传感器选型白皮书.pdf' },
          { type: 'video_watch', at: clock.now() - 4 * 60_000, seconds: 190 },
        ],
      }),
    );
    await engine.advanceTo(clock.now() + 40 * MIN);
    const reminder = notifier.sent.find((m) => m.template === 'unopened-reminder');
    expect(reminder?.text).toContain(
      '客户行为：浏览 5 页（工业传感器参数页 ×2，停留 4 分 10 秒；客户案例 ×1，停留 1 分 0 秒；价格与服务 ×1，停留 40 秒）; 视频 190 秒; 下载 工业传感器选型白皮书.pdf',
    );
  });

  it('English with language: "en" — templates, durations and the snapshot', async () => {
    const { engine, clock, notifier } = setup({ ruleSet: { ...zhikongPreset.ruleSet, language: 'en' } });
    await engine.ingest(
      rawLead(clock.now(), {
        company: { name: 'Suzhou Precision', park: '苏州工业园区', industry: '汽车零部件' },
      }),
    );
    await engine.advanceTo(clock.now() + 40 * MIN);
    const reminder = notifier.sent.find((m) => m.template === 'unopened-reminder');
    expect(reminder?.subject).toBe('Lead not opened yet');
    expect(reminder?.text).toBe(
      'A lead assigned to you, "Suzhou Precision", has not been opened for 30 minutes. Customer activity: 0 pages viewed; video 0 s; downloads: none',
    );
  });

  it('spokenDuration writes whole days, hours or minutes in either language', () => {
    expect(spokenDuration(15 * MIN, 'zh-CN')).toBe('15 分钟');
    expect(spokenDuration(24 * 60 * MIN, 'en')).toBe('1 day');
    expect(spokenDuration(2 * 60 * MIN, 'en')).toBe('2 hours');
    expect(spokenDuration(MIN, 'en')).toBe('1 minute');
  });
});
