/**
 * Rule authoring commands: `leadflow init` (a starter rules.json with `$schema`, team.json and
 * a sample leads.csv) and `leadflow check` (every problem of a rule set, and of its team, in one
 * pass with `file:line:column`).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseTeam, type Team, TeamError } from '../model/team.js';
import { hengruiPreset } from '../rules/presets/hengrui.js';
import { zhikongPreset } from '../rules/presets/zhikong.js';
import { InputError } from './inputs.js';
import { JsonSyntaxError, type PositionedJson, parseJsonWithPositions } from './json-positions.js';
import type { CliIo } from './main.js';
import { checkRuleSet } from './rules-check.js';
import { VERSION } from './version.js';

/**
 * Options of `leadflow init`.
 *
 * @example
 * ```ts
 * import type { InitOptions } from './authoring.js'; // src/cli/authoring.ts
 * const options: InitOptions = { preset: 'hengrui', force: false };
 * ```
 */
export interface InitOptions {
  readonly preset: 'zhikong' | 'hengrui';
  readonly force?: boolean;
}

/**
 * Options of `leadflow check`.
 *
 * @example
 * ```ts
 * import type { CheckOptions } from './authoring.js'; // src/cli/authoring.ts
 * const options: CheckOptions = { team: 'team.json' };
 * ```
 */
export interface CheckOptions {
  readonly team?: string;
}

/** Where the schema is shipped inside the package. */
const SCHEMA_IN_PACKAGE = 'schema/ruleset.schema.json';

/**
 * The `$schema` a rule file written into `dir` should name: the installed package's schema by
 * a relative path when `node_modules/leadflow` is found above `dir`, else the published copy.
 *
 * @example
 * ```ts
 * import { schemaReference } from './authoring.js'; // src/cli/authoring.ts
 * schemaReference('/tmp/project'); // 'https://unpkg.com/leadflow@0.1.0/schema/ruleset.schema.json' when not installed there
 * ```
 */
export function schemaReference(dir: string): string {
  let at = resolve(dir);
  for (;;) {
    const candidate = join(at, 'node_modules', 'leadflow', SCHEMA_IN_PACKAGE);
    if (existsSync(candidate)) {
      const path = relative(resolve(dir), candidate).split(sep).join('/');
      return path.startsWith('.') ? path : `./${path}`;
    }
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  return `https://unpkg.com/leadflow@${VERSION}/${SCHEMA_IN_PACKAGE}`;
}

/** A sample of leads as sales-ops save them from Excel: Chinese headers and channels, local times. */
const SAMPLE_LEADS = [
  '时间,渠道,公司名称,地区,城市,园区,行业,联系人,电话,邮箱,预算,需求',
  '2026/3/2 9:05,网站表单,苏州精工汽车部件有限公司,江苏,苏州,苏州工业园区,汽车零部件,刘经理,13800138000,,50万,冲压线自动化改造，需要方案',
  '2026/3/2 9:40,400热线,宁波恒通机械有限公司,浙江,宁波,,机械制造,王工,13900139000,wang@example.cn,,老旧设备 PLC 改造',
  '2026/3/2 10:15,抖音直播表单,上海新锐电子有限公司,上海,上海,,电子制造,陈女士,13700137000,,30万,产线视觉检测',
  '2026/3/2 11:30,白皮书下载,杭州云启新能源科技有限公司,浙江,杭州,,新能源,赵工,,zhao@example.cn,,下载了智能工厂白皮书',
  '2026/3/2 14:00,展会,无锡华东教育装备有限公司,江苏,无锡,,教育,孙老师,13600136000,,20万,实训室自动化设备',
  '2026/3/2 15:20,渠道推荐,广州南方化工有限公司,广东,广州,,化工,李经理,13500135000,,100万,DCS 系统升级',
  '2026/3/3 9:10,微信公众号,合肥长丰机械有限公司,安徽,合肥,,机械制造,周工,13400134000,,,询价',
  '2026/3/3 10:45,网站表单,苏州精工汽车部件有限公司,江苏,苏州,苏州工业园区,汽车零部件,刘经理,13800138000,,,再次提交：希望尽快联系',
];

/**
 * `leadflow init [--preset zhikong|hengrui] [--force] [dir]`: write `rules.json` (the preset's
 * rules with `$schema`), `team.json` and a sample `leads.csv` (UTF-8 with a BOM, so Excel opens
 * it) into `dir`; files that exist are left alone unless `--force`.
 *
 * @example
 * ```ts
 * import { initCommand } from './authoring.js'; // src/cli/authoring.ts
 * await initCommand('my-rules', { preset: 'zhikong' }, io); // 0, or 2 when a file exists
 * ```
 */
export async function initCommand(dir: string, options: InitOptions, io: CliIo): Promise<number> {
  const preset = options.preset === 'hengrui' ? hengruiPreset : zhikongPreset;
  const files: [name: string, text: string][] = [
    ['rules.json', `${JSON.stringify({ $schema: schemaReference(dir), ...preset.ruleSet }, null, 2)}\n`],
    ['team.json', `${JSON.stringify(preset.team, null, 2)}\n`],
    ['leads.csv', `\uFEFF${SAMPLE_LEADS.join('\r\n')}\r\n`],
  ];
  const existing = files.map(([name]) => join(dir, name)).filter((path) => existsSync(path));
  if (existing.length > 0 && !options.force) {
    throw new InputError(
      `${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'}; nothing written (use --force to overwrite)`,
    );
  }
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of files) await writeFile(join(dir, name), text, 'utf8');
  } catch (error) {
    throw new InputError(`cannot write into ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const path = (name: string) => join(dir, name);
  io.stdout.write(
    `Wrote ${path('rules.json')}, ${path('team.json')} and ${path('leads.csv')} (the ${options.preset} preset).\n` +
      'Next:\n' +
      `  leadflow check ${path('rules.json')} --team ${path('team.json')}\n` +
      `  leadflow simulate --rules ${path('rules.json')} --team ${path('team.json')} --leads ${path('leads.csv')}\n`,
  );
  return 0;
}

async function readPositioned(path: string, what: string): Promise<PositionedJson> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${what} file not found: ${path}`, { cause: error });
    throw new InputError(`cannot read ${what} file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      throw new InputError(`${path}:${error.message} (not valid JSON)`, { cause: error });
    throw error;
  }
}

/**
 * `leadflow check rules.json [--team team.json]`: print every problem as
 * `file:line:column: path: message` (schema problems and reference problems together), exit 2
 * when there is any, 0 when the rule set compiles against the team.
 *
 * @example
 * ```ts
 * import { checkCommand } from './authoring.js'; // src/cli/authoring.ts
 * const code = await checkCommand('rules.json', { team: 'team.json' }, io);
 * ```
 */
export async function checkCommand(rulesPath: string, options: CheckOptions, io: CliIo): Promise<number> {
  const lines: string[] = [];
  let team: Team | undefined;
  if (options.team !== undefined) {
    const doc = await readPositioned(options.team, 'team');
    try {
      team = parseTeam(doc.value);
    } catch (error) {
      if (!(error instanceof TeamError)) throw error;
      for (const issue of error.issues) {
        const at = doc.positionOf(issue.path);
        lines.push(`${options.team}:${at.line}:${at.column}: ${issue.path || '(team)'}: ${issue.message}`);
      }
    }
  }
  const doc = await readPositioned(rulesPath, 'rules');
  const result = checkRuleSet(doc.value, team !== undefined ? { team } : {});
  let schema = 0;
  let references = 0;
  if (!result.ok) {
    const found = result.problems.map((problem) => ({ problem, at: doc.positionOf(problem.at) }));
    found.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column); // in file order
    for (const { problem, at } of found) {
      if (problem.kind === 'schema') schema++;
      else references++;
      lines.push(`${rulesPath}:${at.line}:${at.column}: ${problem.path || '(rule set)'}: ${problem.message}`);
    }
  }
  if (lines.length === 0) {
    const rules = result.ok ? result.ruleSet : undefined;
    io.stdout.write(
      `${rulesPath}: no problems${options.team !== undefined ? ` (checked against ${options.team})` : ' (no --team: rep and supervisor ids not checked)'}` +
        (rules
          ? ` — ${rules.source.assignment.rules.length} assignment rules, ${rules.source.sla.policies.length} SLA policies\n`
          : '\n'),
    );
    return 0;
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  const teamProblems = lines.length - schema - references;
  const parts = [
    schema > 0 ? `${schema} in the schema` : '',
    references > 0 ? `${references} in references` : '',
    teamProblems > 0 ? `${teamProblems} in the team file` : '',
  ].filter((part) => part !== '');
  io.stderr.write(`${lines.length} problem${lines.length === 1 ? '' : 's'} (${parts.join(', ')})\n`);
  return 2;
}
