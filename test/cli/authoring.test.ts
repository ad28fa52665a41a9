import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonWithPositions } from '../../src/cli/json-positions.js';
import { type CliIo, EXIT_CODES, runCli } from '../../src/cli/main.js';

const base = mkdtempSync(join(tmpdir(), 'leadflow-authoring-'));

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

describe('leadflow init and check', () => {
  it('init writes rules.json (with $schema), team.json and leads.csv that check and simulate accept', async () => {
    const dir = join(base, 'start');
    const init = await cli('init', dir);
    expect(init.code).toBe(EXIT_CODES.ok);
    const rules = JSON.parse(readFileSync(join(dir, 'rules.json'), 'utf8'));
    expect(rules.$schema).toMatch(/ruleset\.schema\.json$/);
    expect(rules.id).toBe('zhikong');
    const check = await cli('check', join(dir, 'rules.json'), '--team', join(dir, 'team.json'));
    expect(check.stderr).toBe('');
    expect(check.code).toBe(EXIT_CODES.ok);
    expect(check.stdout).toMatch(/no problems/);
    const run = await cli(
      'simulate',
      '--rules',
      join(dir, 'rules.json'),
      '--team',
      join(dir, 'team.json'),
      '--leads',
      join(dir, 'leads.csv'),
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(run.stdout).counts).toMatchObject({ arrivals: 8, quarantined: 0 });
    const hengrui = await cli('init', '--preset', 'hengrui', join(base, 'hengrui'));
    expect(hengrui.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(readFileSync(join(base, 'hengrui', 'rules.json'), 'utf8')).id).toBe('hengrui');
  });

  it('init refuses to overwrite files unless --force', async () => {
    const dir = join(base, 'again');
    expect((await cli('init', dir)).code).toBe(EXIT_CODES.ok);
    writeFileSync(join(dir, 'rules.json'), '{"mine": true}');
    const refused = await cli('init', dir);
    expect(refused.code).toBe(EXIT_CODES.badInput);
    expect(refused.stderr).toMatch(
      /rules\.json, .*team\.json, .*leads\.csv exist; nothing written \(use --force/,
    );
    expect(readFileSync(join(dir, 'rules.json'), 'utf8')).toBe('{"mine": true}');
    expect((await cli('init', '--force', dir)).code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(readFileSync(join(dir, 'rules.json'), 'utf8')).id).toBe('zhikong');
  });

  it('check lists schema and reference problems in one pass, each with its path and line:column', async () => {
    const dir = join(base, 'broken');
    await cli('init', dir);
    const path = join(dir, 'rules.json');
    const rules = JSON.parse(readFileSync(path, 'utf8'));
    rules.bogus = true; // schema: unknown key
    rules.sla.policies[0].target = 'soon'; // schema: bad duration
    rules.assignment.rules[1].strategy.type = 'lottery'; // schema: unknown strategy
    rules.assignment.rules[2].when = { all: [{ fact: 'budjet', operator: 'greaterThan', value: 1 }] }; // reference: fact
    rules.assignment.rules[3].strategy = { type: 'owner', repId: 'rep-ghost' }; // reference: rep
    rules.assignment.fallback = { type: 'supervisorQueue', supervisorId: 'nobody' }; // reference: supervisor
    const text = JSON.stringify(rules, null, 2);
    writeFileSync(path, text);
    const { code, stdout, stderr } = await cli('check', path, '--team', join(dir, 'team.json'));
    expect(code).toBe(EXIT_CODES.badInput);
    const doc = parseJsonWithPositions(text);
    const lineOf = (p: string) => {
      const at = doc.positionOf(p);
      return `${path}:${at.line}:${at.column}: `;
    };
    expect(stdout).toContain(`${lineOf('bogus')}(rule set): `);
    expect(stdout).toContain(`${lineOf('sla.policies[0].target')}sla.policies[0].target: `);
    expect(stdout).toContain(
      `${lineOf('assignment.rules[1].strategy.type')}assignment.rules[1].strategy.type: `,
    );
    const reported = stdout
      .trim()
      .split('\n')
      .map((l) => Number(l.slice(path.length + 1).split(':')[0]));
    expect(reported).toEqual([...reported].sort((a, b) => a - b)); // in file order
    expect(stdout).toContain(
      `${lineOf('assignment.rules[2].when.all[0].fact')}assignment.rules[2].when.all[0].fact: unknown fact 'budjet' (did you mean 'budget'?)`,
    );
    expect(stdout).toContain(
      `${lineOf('assignment.rules[3].strategy.repId')}assignment.rules[3].strategy.repId: unknown rep "rep-ghost"`,
    );
    expect(stdout).toContain(
      `${lineOf('assignment.fallback.supervisorId')}assignment.fallback.supervisorId: unknown supervisor "nobody"`,
    );
    expect(stderr).toMatch(/6 problems \(3 in the schema, 3 in references\)/);
    // the key itself is pointed at: "bogus" is on its own line of the pretty-printed file
    expect(text.split('\n')[doc.positionOf('bogus').line - 1]).toContain('"bogus"');
  });

  it('check names JSON syntax errors and team problems with line:column', async () => {
    const dir = join(base, 'syntax');
    await cli('init', dir);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "id": "x",\n  "version": "1"\n  "assignment": {}\n}\n');
    const syntax = await cli('check', broken);
    expect(syntax.code).toBe(EXIT_CODES.badInput);
    expect(syntax.stderr).toContain(`${broken}:4:3: expected "," or "}"`);
    const team = JSON.parse(readFileSync(join(dir, 'team.json'), 'utf8'));
    team.reps[1].dailyCapacity = -1;
    writeFileSync(join(dir, 'team.json'), JSON.stringify(team, null, 2));
    const checked = await cli('check', join(dir, 'rules.json'), '--team', join(dir, 'team.json'));
    expect(checked.code).toBe(EXIT_CODES.badInput);
    expect(checked.stdout).toMatch(/team\.json:\d+:\d+: reps\[1\]\.dailyCapacity: /);
    const missing = await cli('check', join(dir, 'nope.json'));
    expect(missing.code).toBe(EXIT_CODES.badInput);
    expect(missing.stderr).toContain('rules file not found');
  });
});
