import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import writeExcelFile from 'write-excel-file/node';
import { readArrivalTime, readLeadsCsv } from '../../src/cli/csv.js';
import { decodeText, loadLeads } from '../../src/cli/inputs.js';
import { type CliIo, EXIT_CODES, runCli } from '../../src/cli/main.js';
import { parseLead } from '../../src/model/lead.js';

const dir = mkdtempSync(join(tmpdir(), 'leadflow-intake-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: false,
    env: {},
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** As sales-ops save it from Excel on Chinese Windows: Chinese headers and channels, local times. */
const EXCEL_CSV = [
  '时间,渠道,公司名称,省份,城市,园区,所属行业,联系人,手机,预算,需求',
  '2026/3/2 10:00,网站表单,苏州精工,江苏,苏州,苏州工业园区,汽车零部件,刘经理,13800138000,50万,冲压线改造',
  '2026-03-02 10:05,400热线,宁波恒通,浙江,宁波,,机械制造,王工,13900139000,"￥120,000",PLC 改造',
  '2026/3/2,抖音直播,上海新锐,上海,上海,,电子制造,陈女士,13700137000,,视觉检测',
].join('\r\n');

describe('intake as people save files', () => {
  it('reads local times without an offset in Asia/Shanghai, and the date formats Excel writes', () => {
    expect(Date.parse(readArrivalTime('2026/3/2 10:00') as string)).toBe(Date.parse('2026-03-02T02:00:00Z'));
    expect(readArrivalTime('2026-03-02 10:00')).toBe('2026-03-02T10:00:00+08:00');
    expect(readArrivalTime('2026/3/2')).toBe('2026-03-02T00:00:00+08:00');
    expect(readArrivalTime('2026年3月2日 9:30')).toBe('2026-03-02T09:30:00+08:00');
    expect(readArrivalTime('2026-03-02T10:00:00')).toBe('2026-03-02T10:00:00+08:00');
    expect(readArrivalTime('3/2/2026 1:30 PM')).toBe('2026-03-02T13:30:00+08:00');
    expect(readArrivalTime('2026-03-02T10:00:00Z')).toBe('2026-03-02T10:00:00Z');
    expect(readArrivalTime('1772415000000')).toBe(1_772_415_000_000);
    // An Excel serial (days since 1899-12-30): 46083.4166… is 2026-03-02 10:00 local.
    expect(readArrivalTime(46_083 + 10 / 24)).toBe('2026-03-02T10:00:00+08:00');
    expect(readArrivalTime('2026/2/30 10:00')).toBe('2026/2/30 10:00'); // left for the quarantine to name
  });

  it('maps Chinese headers and channel names to lead fields and channel ids', () => {
    const { leads, lines } = readLeadsCsv(EXCEL_CSV);
    expect(lines).toEqual([2, 3, 4]);
    expect(leads[0]).toEqual({
      receivedAt: '2026-03-02T10:00:00+08:00',
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
      need: '冲压线改造',
    });
    expect(leads[1]).toMatchObject({ channel: 'hotline_400', budget: { amount: 120_000 } });
    expect(leads[2]).toMatchObject({ channel: 'douyin_live', receivedAt: '2026-03-02T00:00:00+08:00' });
    for (const lead of leads) expect(parseLead(lead).ok).toBe(true);
  });

  it('GBK bytes give the same leads as UTF-8 (with or without a BOM)', async () => {
    const utf8 = await loadLeads(file('utf8.csv', EXCEL_CSV));
    const bom = await loadLeads(file('bom.csv', `\uFEFF${EXCEL_CSV}`));
    const gbk = await loadLeads(file('gbk.csv', iconv.encode(EXCEL_CSV, 'gbk')));
    const gb18030 = await loadLeads(file('gb18030.csv', iconv.encode(EXCEL_CSV, 'gb18030')));
    expect(bom.leads).toEqual(utf8.leads);
    expect(gbk.leads).toEqual(utf8.leads);
    expect(gb18030.leads).toEqual(utf8.leads);
    expect(gbk.lineOf(gbk.leads[2])).toBe(4);
  });

  it('names a file that is neither UTF-8 nor GBK', async () => {
    const garbage = Buffer.from([0x81, 0x20, 0xff, 0xfe, 0x00, 0x01, 0x80, 0x80, 0xfe, 0x30]);
    const path = file('garbage.csv', Buffer.concat([Buffer.from('时间,渠道\n'), garbage]));
    expect(() => decodeText(Buffer.from([0x41, 0xff, 0x00, 0x80]), 'x.csv')).toThrow(
      /x\.csv is neither UTF-8 nor GBK/,
    );
    const { code, stderr } = await cli('simulate', '--leads', path);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stderr).toContain(`leads file ${path} is neither UTF-8 nor GBK/GB18030`);
  });

  it('reads an .xlsx workbook (first sheet, same aliases, date cells in Asia/Shanghai) to the same leads', async () => {
    const rows = EXCEL_CSV.split('\r\n').map((line) => line.split(','));
    const path = join(dir, 'leads.xlsx');
    // Date cells hold Shanghai wall times (written as UTC fields, as spreadsheet libraries do).
    const sheet = [
      ['时间', '渠道', '公司名称', '地区', '行业', '联系人', '电话', '预算'],
      [
        { value: new Date(Date.UTC(2026, 2, 2, 10, 0)), format: 'yyyy/m/d h:mm' },
        '网站表单',
        '苏州精工',
        '江苏',
        '汽车零部件',
        '刘经理',
        '13800138000',
        500_000,
      ],
      ['2026/3/2 10:05', '400热线', '宁波恒通', '浙江', '机械制造', '王工', '13900139000', null],
      [46_083 + 10.5 / 24, '抖音直播', '上海新锐', '上海', '电子制造', '陈女士', '13700137000', null],
    ];
    await writeExcelFile(sheet as never).toFile(path);
    const loaded = await loadLeads(path);
    expect(loaded.unit).toBe('row');
    expect(loaded.leads).toHaveLength(3);
    expect(loaded.leads[0]).toEqual({
      receivedAt: '2026-03-02T10:00:00+08:00',
      channel: 'website_form',
      company: { name: '苏州精工', region: '江苏', industry: '汽车零部件' },
      contact: { name: '刘经理', phone: '13800138000' },
      budget: { amount: 500_000 },
    });
    expect(loaded.leads[1]).toMatchObject({
      receivedAt: '2026-03-02T10:05:00+08:00',
      channel: 'hotline_400',
    });
    expect(loaded.leads[2]).toMatchObject({
      receivedAt: '2026-03-02T10:30:00+08:00',
      channel: 'douyin_live',
    });
    expect(loaded.lineOf(loaded.leads[2])).toBe(4);
    expect(rows).toHaveLength(4);
    const { code, stdout } = await cli('simulate', '--leads', path, '--json');
    expect(code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(stdout).counts).toMatchObject({ arrivals: 3, received: 3, quarantined: 0 });
  });

  it('reports every quarantined row with its line and reason after the run', async () => {
    const path = file(
      'some-bad.csv',
      [
        '时间,渠道,公司名称,地区,行业,电话',
        '2026/3/2 10:00,网站表单,苏州精工,江苏,汽车零部件,13800138000',
        '2026/3/2 10:05,网站表单,没有地区,,汽车零部件,13800138001',
        '2026/3/2 10:07,400热线,宁波恒通,浙江,机械制造,13900139000',
        '2026/2/30 10:09,400热线,日期不对,浙江,机械制造,13900139002',
      ].join('\n'),
    );
    const json = await cli('simulate', '--leads', path, '--json');
    expect(json.code).toBe(EXIT_CODES.ok);
    const report = JSON.parse(json.stdout);
    expect(report.counts).toMatchObject({ arrivals: 4, received: 2, quarantined: 2 });
    expect(report.extensions).toBeUndefined(); // the JSON report is runSimulation's, as the playground's
    expect(json.stderr).toMatch(/2 of 4 leads quarantined/);
    expect(json.stderr).toContain(`${path}:3: company.region`);
    expect(json.stderr).toContain(`${path}:5: receivedAt`);
    const text = await cli('simulate', '--leads', path, '--lang', 'zh');
    expect(text.stdout).toMatch(/被隔离的行/);
    expect(text.stdout).toMatch(/第 3 行: 缺少地区/);
    expect(text.stdout).toMatch(/第 5 行: 接收时间有误/);
    const en = await cli('simulate', '--leads', path, '--lang', 'en');
    expect(en.stdout).toMatch(/line 3: company\.region is missing/);
  });

  it('exits 2 with a message when every row was quarantined', async () => {
    const path = file(
      'all-bad.csv',
      [
        '时间,渠道,公司名称,地区,行业',
        '2026/3/2 10:00,网站表单,甲,,汽车零部件',
        '2026/3/2 10:05,网站表单,乙,,机械制造',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await cli('simulate', '--leads', path);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stdout).toBe('');
    expect(stderr).toContain(`every lead of ${path} was quarantined (2 of 2)`);
    expect(stderr).toContain(`${path}:2: company.region`);
    expect(stderr).toContain(`${path}:3: company.region`);
  });
});
