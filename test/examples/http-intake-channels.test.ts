/**
 * The intake example's channel mappers (examples/http-intake/channels.ts): each channel's push
 * mapped to a lead, problems named by the body's fields, and for any JSON body at all: no throw,
 * and a push answered 400 never becoming a lead.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  budgetAmount,
  CHANNEL_ROUTES,
  douyinLead,
  hotlineLead,
  intake,
  parseFormText,
  parseJsonText,
  provinceName,
  shanghaiTime,
  UNKNOWN,
  UNKNOWN_COMPANY,
  websiteLead,
  wechatLead,
} from '../../examples/http-intake/channels.js';
import { readLead } from '../../src/engine/quarantine.js';
import { parseLead } from '../../src/model/lead.js';
import { douyinPushText, hotlineCallback, shanghai, websiteForm, wechatPush } from './http-intake-samples.js';

const NOW = shanghai('2026-03-02T10:00:00');
const at = { receivedAt: NOW };
const douyinPush = () =>
  (parseJsonText(douyinPushText) as { ok: true; value: Record<string, unknown> }).value;

function mapped(result: ReturnType<typeof websiteLead>) {
  if (!result.ok) throw new Error(`did not map: ${JSON.stringify(result.errors)}`);
  return result.lead;
}

function refused(route: (typeof CHANNEL_ROUTES)[number], body: unknown) {
  const result = intake(route, body, at);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.lead)}`);
  return result;
}

describe('website form', () => {
  it('maps the flat form: company fields, contact, message as the need, the form submit as a behaviour', () => {
    const lead = mapped(websiteLead(websiteForm, at));
    expect(lead).toEqual({
      externalId: expect.stringMatching(/^web:contact-us:1772415600000:[0-9a-f]{8}$/),
      receivedAt: shanghai('2026-03-02T09:40:00'),
      channel: 'website_form',
      campaign: '2026-spring-automation',
      company: { name: '苏州精工机械', region: '江苏', industry: '机械制造' },
      contact: { name: '刘经理', phone: '13800138000', email: 'liu@jinggong.example.cn' },
      need: '需要一套产线自动化改造方案，下季度采购',
      behaviours: [{ type: 'form_submit', at: shanghai('2026-03-02T09:40:00'), formId: 'contact-us' }],
      custom: { utm_source: 'baidu', form_id: 'contact-us' },
    });
    expect(parseLead(lead).ok).toBe(true);
  });

  it('the same submission twice gives the same externalId; another person on the same form and second does not', () => {
    const first = mapped(websiteLead(websiteForm, at)).externalId;
    expect(mapped(websiteLead({ ...websiteForm }, { receivedAt: NOW + 60_000 })).externalId).toBe(first);
    expect(mapped(websiteLead({ ...websiteForm, phone: '13800138001' }, at)).externalId).not.toBe(first);
    expect(mapped(websiteLead({ ...websiteForm, submission_id: 'sub-42' }, at)).externalId).toBe(
      'web:sub-42',
    );
  });

  it('no submitted_at: the receipt time, and no externalId (a repeat merges by phone or e-mail)', () => {
    const { submitted_at: _, ...body } = websiteForm;
    const lead = mapped(websiteLead(body, at));
    expect(lead.receivedAt).toBe(NOW);
    expect(lead.externalId).toBeUndefined();
  });

  it('takes ISO 8601 and epoch ms as they are, and a urlencoded body as flat text fields', () => {
    expect(
      mapped(websiteLead({ ...websiteForm, submitted_at: '2026-03-02T09:40:00+08:00' }, at)).receivedAt,
    ).toBe('2026-03-02T09:40:00+08:00');
    const form = parseFormText(new URLSearchParams({ ...websiteForm, phone: '13800138000' }).toString());
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(intake('website', form, at)).toMatchObject({
      ok: true,
      lead: { contact: { phone: '13800138000' } },
    });
  });

  it('a form without company and with a bad phone: 400 in the form’s field names, the lead paths beside them', () => {
    const { company: _, ...body } = websiteForm;
    const result = refused('website', { ...body, phone: 'call me' });
    expect(result.errors).toEqual([
      { path: 'company', leadPath: 'company.name', message: 'required (expected string)' },
      { path: 'phone', leadPath: 'contact.phone', message: expect.stringContaining('phone number') },
    ]);
    // What the worker gets is the mapped lead: its quarantine names the same fields.
    const worker = readLead(JSON.parse(JSON.stringify(result.payload)));
    expect(worker.ok ? [] : worker.issues.map((i) => i.path)).toEqual(['company.name', 'contact.phone']);
  });

  it('extra fields are kept in custom under their own names; a bad one is named by its own name', () => {
    const result = refused('website', { ...websiteForm, page_url: 'x'.repeat(2001) });
    expect(result.errors).toEqual([
      { path: 'page_url', leadPath: 'custom.page_url', message: expect.stringContaining('2000') },
    ]);
  });
});

describe('WeChat official-account lead form', () => {
  it('maps openid + CreateTime (seconds) to the id and time; the form fields; nickname and openid kept', () => {
    const lead = mapped(wechatLead(wechatPush, at));
    expect(lead).toEqual({
      externalId: `wechat:okuRis8VoZgHXUfIFQKKWhEQmn4I:${shanghai('2026-03-02T09:42:30') / 1000}`,
      receivedAt: shanghai('2026-03-02T09:42:30'),
      channel: 'wechat_mp',
      company: { name: '上海市实验职业学校', region: '上海', industry: '教育' },
      contact: { name: '陈老师', phone: '13700001234' },
      budget: { amount: 300_000 },
      need: '实训室要采购十套 PLC 教学设备',
      behaviours: [{ type: 'form_submit', at: shanghai('2026-03-02T09:42:30'), formId: 'mp-form-1' }],
      custom: {
        wechat_openid: 'okuRis8VoZgHXUfIFQKKWhEQmn4I',
        wechat_nickname: '小陈',
        school_size: '2000人',
        ToUserName: 'gh_62287cf4ebbf',
        form_id: 'mp-form-1',
      },
    });
    expect(parseLead(lead).ok).toBe(true);
  });

  it('MsgId, when the relay has one, is the id; FromUserName stands for openid; the nickname for a missing name', () => {
    const { openid: _, ...rest } = wechatPush;
    const lead = mapped(
      wechatLead(
        { ...rest, FromUserName: 'oFrom', MsgId: 23456789012, form: { ...wechatPush.form, name: '' } },
        at,
      ),
    );
    expect(lead.externalId).toBe('wechat:23456789012');
    expect(lead.contact.name).toBe('小陈');
    expect(lead.custom).toMatchObject({ wechat_openid: 'oFrom' });
  });

  it('a budget nobody can read is kept as text, never a reason to refuse the lead', () => {
    const lead = mapped(
      wechatLead({ ...wechatPush, form: { ...wechatPush.form, budget: '看方案再定' } }, at),
    );
    expect(lead.budget).toBeUndefined();
    expect(lead.custom).toMatchObject({ budget_text: '看方案再定' });
  });

  it('CreateTime in milliseconds or missing, no openid: does not map', () => {
    const { openid: _, ...noOpenid } = wechatPush;
    expect(refused('wechat', { ...noOpenid, CreateTime: 'yesterday' }).errors.map((e) => e.path)).toEqual([
      'openid',
      'CreateTime',
    ]);
    expect(refused('wechat', { ...wechatPush, form: [] }).errors).toEqual([
      { path: 'form', message: 'expected an object, received array' },
    ]);
  });

  it('a bad field of the form is named inside form', () => {
    const result = refused('wechat', { ...wechatPush, form: { ...wechatPush.form, industry: '' } });
    expect(result.errors).toEqual([
      { path: 'form.industry', leadPath: 'company.industry', message: 'must not be empty' },
    ]);
  });
});

describe('Douyin (巨量引擎) lead push', () => {
  it('maps the clue: a 64-bit clue_id kept exactly, create_time in Asia/Shanghai, remark_dict read', () => {
    const lead = mapped(douyinLead(douyinPush(), at));
    expect(lead).toEqual({
      externalId: 'douyin:7301234567890123456',
      receivedAt: shanghai('2026-03-02T09:45:10'),
      channel: 'douyin_live',
      campaign: '直播间-伺服电机专场',
      company: { name: '杭州恒远电子', region: '浙江', city: '杭州市', industry: '电子制造' },
      contact: { name: '王总', phone: '13900001111' },
      budget: { amount: 500_000 },
      need: '想了解伺服电机的价格和交期',
      behaviours: [{ type: 'form_submit', at: shanghai('2026-03-02T09:45:10'), formId: '7200000000000003' }],
      custom: {
        advertiser_id: 1760000000000001,
        advertiser_name: '杭州智控科技',
        ad_id: 1790000000000002,
        clue_type: 0,
        module_id: 7200000000000003,
        module_name: '直播间留资表单',
        app_name: '抖音',
        system_tags: '["直播"]',
        员工规模: '200人',
      },
    });
    expect(parseLead(lead).ok).toBe(true);
  });

  it('a form that asked for no company: placeholders, still a lead', () => {
    const { remark_dict: _, province_name: __, ...body } = douyinPush();
    const lead = mapped(douyinLead(body, at));
    expect(lead.company).toEqual({
      name: UNKNOWN_COMPANY,
      region: UNKNOWN,
      city: '杭州市',
      industry: UNKNOWN,
    });
    expect(parseLead(lead).ok).toBe(true);
  });

  it('create_time as a bare date: create_time_detail is the time', () => {
    const body = { ...douyinPush(), create_time: '2026-03-02', create_time_detail: '2026-03-02 09:45:10' };
    expect(mapped(douyinLead(body, at)).receivedAt).toBe(shanghai('2026-03-02T09:45:10'));
    expect(refused('douyin', { ...body, create_time_detail: undefined }).errors).toEqual([
      { path: 'create_time_detail', message: expect.stringContaining('required') },
    ]);
  });

  it('no clue_id, a clue_id that already lost digits, an unreadable create_time: does not map', () => {
    const { clue_id: _, ...body } = douyinPush();
    expect(refused('douyin', body).errors).toEqual([
      { path: 'clue_id', message: 'required: the clue id of the push' },
    ]);
    expect(refused('douyin', { ...body, clue_id: Number(7301234567890123456n) }).errors[0]?.path).toBe(
      'clue_id',
    );
    expect(refused('douyin', { ...douyinPush(), create_time: '2026/03/02 09:45' }).errors).toEqual([
      { path: 'create_time', message: expect.stringContaining('YYYY-MM-DD HH:mm:ss') },
    ]);
  });

  it('bad values are named where Douyin put them: telephone, remark_dict["行业"]', () => {
    const push = douyinPush();
    const result = refused('douyin', {
      ...push,
      telephone: '不方便留',
      remark_dict: { ...(push.remark_dict as object), 行业: '行'.repeat(101) },
    });
    expect(result.errors.map(({ path, leadPath }) => ({ path, leadPath }))).toEqual([
      { path: 'remark_dict["行业"]', leadPath: 'company.industry' },
      { path: 'telephone', leadPath: 'contact.phone' },
    ]);
  });
});

describe('400 hotline CRM callback', () => {
  it('maps the call: caller as the contact, call_id as the id, the call record kept; no company yet', () => {
    const lead = mapped(hotlineLead(hotlineCallback, at));
    expect(lead).toEqual({
      externalId: '400:CALL-20260302-0007',
      receivedAt: shanghai('2026-03-02T09:50:00'),
      channel: 'hotline_400',
      company: { name: UNKNOWN_COMPANY, region: UNKNOWN, industry: UNKNOWN },
      contact: { phone: '13600002222' },
      tags: [],
      custom: {
        called_number: '400-820-8820',
        duration_seconds: 184,
        record_url: 'https://recordings.example.cn/CALL-20260302-0007.mp3',
      },
    });
    expect(parseLead(lead).ok).toBe(true);
  });

  it('what the agent captured fills the company; an unanswered call is tagged missed-call', () => {
    const lead = mapped(
      hotlineLead(
        {
          ...hotlineCallback,
          duration: '0',
          company: '无锡华光',
          region: '江苏',
          industry: '汽车零部件',
          remark: '要报价',
        },
        at,
      ),
    );
    expect(lead.company).toEqual({ name: '无锡华光', region: '江苏', industry: '汽车零部件' });
    expect(lead.tags).toEqual(['missed-call']);
    expect(lead.need).toBe('要报价');
  });

  it('start_time as local time, epoch seconds, epoch ms or ISO 8601 with an offset', () => {
    const when = shanghai('2026-03-02T09:50:00');
    for (const start_time of [
      '2026-03-02 09:50:00',
      when / 1000,
      String(when / 1000),
      when,
      '2026-03-02T01:50:00Z',
    ]) {
      expect(mapped(hotlineLead({ ...hotlineCallback, start_time }, at)).receivedAt).toBe(when);
    }
    for (const start_time of ['昨天下午', '2026-03-02T09:50', 0, 1.5e9 + 0.5]) {
      expect(refused('hotline', { ...hotlineCallback, start_time }).errors[0]?.path).toBe('start_time');
    }
  });
});

describe('helpers', () => {
  it('shanghaiTime: fixed UTC+8, no such day or hour refused', () => {
    expect(shanghaiTime('2026-03-02 09:30:00')).toBe(Date.parse('2026-03-02T01:30:00Z'));
    expect(shanghaiTime('2026-01-01 03:00:00')).toBe(Date.parse('2025-12-31T19:00:00Z'));
    for (const bad of [
      '2026-02-29 10:00:00',
      '2026-03-02 24:00:00',
      '2026-03-02 09:30',
      '2026-3-2 09:30:00',
    ]) {
      expect(shanghaiTime(bad)).toBeUndefined();
    }
  });

  it('provinceName and budgetAmount', () => {
    expect(
      ['江苏省', '上海市', '广西壮族自治区', '新疆维吾尔自治区', '香港特别行政区', '江苏'].map(provinceName),
    ).toEqual(['江苏', '上海', '广西', '新疆', '香港', '江苏']);
    expect(['50万', '50 w', '1,200,000', '300000元', 12.5, '待定', -1].map(budgetAmount)).toEqual([
      500_000,
      500_000,
      1_200_000,
      300_000,
      12.5,
      undefined,
      undefined,
    ]);
  });

  it('parseJsonText keeps integers beyond 2^53 as digits, and only those', () => {
    expect(
      parseJsonText(
        '{"a": 9007199254740993, "b": 9007199254740991, "c": [-12345678901234567890, 1.5e300, 2e21], "d": "9007199254740993"}',
      ),
    ).toEqual({
      ok: true,
      value: {
        a: '9007199254740993',
        b: 9007199254740991,
        c: ['-12345678901234567890', 1.5e300, 2e21],
        d: '9007199254740993',
      },
    });
    expect(parseJsonText('{"a": 1,}')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not JSON'),
    });
  });
});

describe('properties', () => {
  const route = fc.constantFrom(...CHANNEL_ROUTES);
  /** Bodies near the real ones: each sample with some fields replaced by any JSON value or removed. */
  const samples = [websiteForm, wechatPush, douyinPush(), hotlineCallback];
  const nearlyAPush = fc
    .tuple(
      fc.constantFrom(...samples),
      fc.dictionary(
        fc.constantFrom(
          ...new Set(samples.flatMap((s) => Object.keys(s))),
          '__proto__',
          'constructor',
          'form',
        ),
        fc.option(fc.jsonValue(), { nil: undefined }),
        { maxKeys: 4 },
      ),
    )
    .map(([sample, changes]) => ({ ...sample, ...changes }));
  const anyBody = fc.oneof(fc.jsonValue(), nearlyAPush);

  test.prop([route, anyBody], { numRuns: 1500 })(
    'any body: never throws; a lead the worker accepts, or errors and a payload the worker refuses',
    (r, body) => {
      const result = intake(r, body, at);
      // What the worker reads is the JSON the inbox stored.
      const stored = (value: unknown) => readLead(JSON.parse(JSON.stringify(value)));
      if (result.ok) {
        expect(stored(result.lead).ok).toBe(true);
      } else {
        expect(result.errors.length).toBeGreaterThan(0);
        for (const error of result.errors) {
          expect(typeof error.path).toBe('string');
          expect(error.message.length).toBeGreaterThan(0);
        }
        expect(stored(result.payload).ok).toBe(false);
      }
    },
  );

  test.prop([route, anyBody], { numRuns: 300 })(
    'pure: the same body maps the same way and is not touched',
    (r, body) => {
      const copy = structuredClone(body);
      expect(intake(r, body, at)).toEqual(intake(r, copy, at));
      expect(body).toEqual(copy);
    },
  );

  test.prop([fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.string({ maxLength: 5 })])(
    'the Douyin id survives the body: any integer id gives douyin:<its digits>',
    (id, name) => {
      const text = douyinPushText
        .replace('7301234567890123456', id.toString())
        // A function, not a string: a name such as "$&" must not read as a replacement pattern.
        .replace('"王总"', () => JSON.stringify(name));
      const parsed = parseJsonText(text);
      expect(parsed.ok).toBe(true);
      const result = douyinLead((parsed as { value: unknown }).value, at);
      expect(result).toMatchObject({ ok: true, lead: { externalId: `douyin:${id}` } });
    },
  );

  test.prop([fc.jsonValue()], { numRuns: 1000 })(
    'parseJsonText is JSON.parse, but for integers past 2^53, which it gives as their digits',
    (value) => {
      const text = JSON.stringify(value);
      const unsafeAsDigits = (_key: string, v: unknown) =>
        typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && !String(v).includes('e')
          ? String(v)
          : v;
      expect(parseJsonText(text)).toEqual({ ok: true, value: JSON.parse(text, unsafeAsDigits) });
    },
  );

  test.prop([fc.string()])(
    'parseJsonText never throws: ok exactly when JSON.parse accepts the text',
    (text) => {
      let json = true;
      try {
        JSON.parse(text);
      } catch {
        json = false;
      }
      expect(parseJsonText(text).ok).toBe(json);
    },
  );
});
