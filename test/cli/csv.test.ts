import { describe, expect, it } from 'vitest';
import { CsvError, LEAD_CSV_COLUMNS, leadsFromCsv, parseCsv } from '../../src/cli/csv.js';
import { parseLead } from '../../src/model/lead.js';

const lineOf = (run: () => unknown): number | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof CsvError) return error.line;
    throw error;
  }
  return undefined;
};

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields with commas, escaped quotes and line breaks, CRLF and a BOM', () => {
    const text = '\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\r\n\r\n3,,last';
    const { rows, lines } = parseCsv(text);
    expect(rows).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', ''],
      ['3', '', 'last'],
    ]);
    expect(lines).toEqual([1, 2, 3, 6]);
  });

  it('names the line of a structural error', () => {
    expect(lineOf(() => parseCsv('a,b\n1,2\n"open,3\n4,5\n'))).toBe(3);
    expect(lineOf(() => parseCsv('a,b\n1,x"y\n'))).toBe(2);
    expect(lineOf(() => parseCsv('a,b\n"1"x,2\n'))).toBe(2);
    expect(() => parseCsv('a\n"unterminated')).toThrow(/line 2: unterminated quoted field/);
  });
});

describe('leadsFromCsv', () => {
  const header =
    'receivedAt,channel,company.name,company.region,company.city,company.park,company.industry,contact.name,contact.phone,contact.email,budget.amount,need';

  it('maps the documented header to lead payloads the schema accepts', () => {
    const leads = leadsFromCsv(
      `${header}\n2026-03-02T09:30:00+08:00,website_form,苏州精工,江苏,苏州,苏州工业园区,汽车零部件,刘经理,13800138000,,500000,"冲压线改造, 急"\n1772415000000,hotline_400,宁波恒通,浙江,,,机械制造,,,wang@example.cn,,PLC改造`,
    );
    expect(leads).toHaveLength(2);
    expect(leads[0]).toEqual({
      receivedAt: '2026-03-02T09:30:00+08:00',
      channel: 'website_form',
      company: {
        name: '苏州精工',
        region: '江苏',
        city: '苏州',
        park: '苏州工业园区',
        industry: '汽车零部件',
      },
      contact: { name: '刘经理', phone: '13800138000' },
      budget: { amount: 500_000 },
      need: '冲压线改造, 急',
    });
    expect(leads[1]).toMatchObject({ receivedAt: 1_772_415_000_000, contact: { email: 'wang@example.cn' } });
    for (const lead of leads) expect(parseLead(lead).ok).toBe(true);
  });

  it('reads tags and priority, and keeps a bad amount for the quarantine to name', () => {
    const [lead] = leadsFromCsv(
      'receivedAt,channel,company.name,company.region,company.industry,priority,tags,budget.amount\n' +
        '2026-03-02T09:30:00+08:00,hotline_400,x,上海,教育,urgent,tender | vip,lots\n',
    );
    expect(lead).toMatchObject({ priority: 'urgent', tags: ['tender', 'vip'], budget: { amount: 'lots' } });
    const parsed = parseLead(lead);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]?.path).toBe('budget.amount');
  });

  it('checks the header and the field count, naming the line', () => {
    expect(() =>
      leadsFromCsv('receivedAt,channel,company.name,company.region,company.industry,fax\n'),
    ).toThrow(/line 1: unknown column "fax"/);
    expect(() => leadsFromCsv('receivedAt,channel,company.name,company.region\n')).toThrow(
      /line 1: missing required column "company.industry"/,
    );
    expect(() =>
      leadsFromCsv('receivedAt,channel,channel,company.name,company.region,company.industry\n'),
    ).toThrow(/appears twice/);
    expect(lineOf(() => leadsFromCsv(`${header}\n${'x,'.repeat(11)}x\n\nshort,row\n`))).toBe(4);
    expect(() => leadsFromCsv('')).toThrow(/line 1: empty file/);
    expect(LEAD_CSV_COLUMNS.slice(0, 5)).toEqual([
      'receivedAt',
      'channel',
      'company.name',
      'company.region',
      'company.industry',
    ]);
  });
});
