import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { checkRuleSetText, checkTeamText, rangeOfPath } from '../../playground/src/editor/check.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';

const rulesText = JSON.stringify(zhikongPreset.ruleSet, null, 2);
const teamText = JSON.stringify(zhikongPreset.team, null, 2);

/** `text` with the first `find` replaced; fails the test when `find` is absent. */
function edit(text: string, find: string, replace: string): string {
  expect(text).toContain(find);
  return text.replace(find, replace);
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;
const slice = (text: string, p: { from: number; to: number }) => text.slice(p.from, p.to);

describe('checkRuleSetText', () => {
  it('the zhikong preset with its team has no problems', () => {
    expect(checkRuleSetText(rulesText, teamText)).toEqual([]);
    expect(checkRuleSetText(rulesText, null)).toEqual([]);
    expect(checkTeamText(teamText)).toEqual([]);
  });

  it('a misspelt fact name is marked on exactly its value, on its line', () => {
    const text = edit(rulesText, '"fact": "budget"', '"fact": "budgt"');
    const problems = checkRuleSetText(text, teamText);
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem!.severity).toBe('error');
    expect(slice(text, problem!)).toBe('"budgt"');
    expect(lineAt(text, problem!.from)).toBe(lineAt(text, text.indexOf('"budgt"')));
    expect(problem!.message).toBe("unknown fact 'budgt' (did you mean 'budget'?)");
    expect(problem!.path).toMatch(/\.when\.(all|any)\[\d+\]\.fact$/);
  });

  it('a missing comma is an error at the token where the comma was expected', () => {
    const text = edit(rulesText, '"version": "1.0.0",', '"version": "1.0.0"');
    const problems = checkRuleSetText(text, teamText);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'error', message: 'expected ","', path: '' });
    expect(problems[0]!.from).toBe(text.indexOf('"name"'));
  });

  it('comments and trailing commas are refused: the file must be JSON', () => {
    const commented = edit(rulesText, '"version": "1.0.0",', '"version": "1.0.0", // the release');
    const [comment] = checkRuleSetText(commented, null);
    expect(comment).toMatchObject({ message: 'comments are not allowed in JSON' });
    expect(slice(commented, comment!)).toBe('// the release');

    const trailing = edit(rulesText, '"rep-b"\n', '"rep-b",\n');
    const [comma] = checkRuleSetText(trailing, null);
    expect(comma).toMatchObject({ message: 'trailing commas are not allowed in JSON' });
    expect(comma!.from).toBe(rulesText.indexOf('"rep-b"\n') + '"rep-b"'.length);
  });

  it('an empty text is one error at the start', () => {
    expect(checkRuleSetText('', null)).toEqual([
      { from: 0, to: 0, severity: 'error', message: 'the text is empty: expected a JSON value', path: '' },
    ]);
  });

  it('a rep id the team does not have is marked on the id when the team is given', () => {
    const text = edit(rulesText, '"repId": "rep-a"', '"repId": "rep-x"');
    const [problem, ...rest] = checkRuleSetText(text, teamText);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({
      message: 'unknown rep "rep-x" (not in the team)',
      path: 'assignment.rules[1].strategy.repId',
    });
    expect(slice(text, problem!)).toBe('"rep-x"');
    // Without a team only the rule set's own references are checked.
    expect(checkRuleSetText(text, null)).toEqual([]);
  });

  it('every problem of a text is reported, each on its own node', () => {
    let text = edit(rulesText, '"fact": "industry"', '"fact": "industy"');
    text = edit(text, '"repId": "rep-d"', '"repId": "rep-z"');
    text = edit(text, '"supervisorId": "sup-wang"', '"supervisorId": "sup-li"');
    text = edit(text, '"pool": "shanghai"', '"pool": "beijing"');
    const problems = checkRuleSetText(text, teamText);
    expect(problems.map((p) => [slice(text, p), p.message])).toEqual([
      ['"industy"', "unknown fact 'industy' (did you mean 'industry'?)"],
      ['"rep-z"', 'unknown rep "rep-z" (not in the team)'],
      ['"beijing"', 'unknown pool "beijing"'],
      ['"sup-li"', 'unknown supervisor "sup-li"'],
    ]);
    expect(problems.every((p) => p.severity === 'error')).toBe(true);
  });

  it('a bad team is skipped with a warning; the rule set is still checked on its own', () => {
    let text = edit(rulesText, '"repId": "rep-a"', '"repId": "rep-x"');
    text = edit(text, '"fact": "budget"', '"fact": "budgt"');
    const problems = checkRuleSetText(text, '{ "reps": [ { "id": "rep-a" } ] }');
    expect(problems.map((p) => p.severity)).toEqual(['warning', 'error']);
    expect(problems[0]).toMatchObject({ from: 0, to: 1, path: '' });
    expect(slice(text, problems[1]!)).toBe('"budgt"');
    expect(checkRuleSetText(text, '{ not json')).toHaveLength(2);
  });

  it('a missing required key is marked on its parent key, or the opening brace at the top', () => {
    const noRepId = edit(rulesText, '"repId": "rep-d"', '"overflowTo": []');
    const [strategy] = checkRuleSetText(noRepId, teamText);
    expect(strategy!.path).toBe('assignment.rules[2].strategy.repId');
    expect(slice(noRepId, strategy!)).toBe('"strategy"');

    const noVersion = edit(rulesText, '"version": "1.0.0",', '');
    const [version] = checkRuleSetText(noVersion, teamText);
    expect(version).toMatchObject({ path: 'version', from: 0, to: 1 });
  });

  it('an unknown key is marked on the key itself', () => {
    const text = edit(rulesText, '"onNoCandidate": "fallback"', '"onNoCandidat": "fallback"');
    const [problem] = checkRuleSetText(text, teamText);
    expect(problem!.message).toBe('Unrecognized key: "onNoCandidat"');
    expect(slice(text, problem!)).toBe('"onNoCandidat"');
  });

  it('a key written twice is a warning on the one JSON ignores', () => {
    const text = edit(rulesText, '"version": "1.0.0",', '"version": "0.9", "version": "1.0.0",');
    expect(checkRuleSetText(text, null)).toEqual([
      {
        from: text.indexOf('"version"'),
        to: text.indexOf('"version"') + '"version"'.length,
        severity: 'warning',
        message: 'duplicate key "version": JSON keeps only the last one',
        path: 'version',
      },
    ]);
  });
});

describe('checkTeamText', () => {
  it('an unknown manager is marked on the manager value', () => {
    const text = edit(teamText, '"manager": "sup-wang"', '"manager": "sup-zhao"');
    const [problem, ...rest] = checkTeamText(text);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ path: 'reps[0].manager', severity: 'error' });
    expect(problem!.message).toContain('unknown manager "sup-zhao"');
    expect(slice(text, problem!)).toBe('"sup-zhao"');
  });

  it('a department path with a record key resolves to its node', () => {
    const text = edit(teamText, '"headId": "eng-sun"', '"headId": "eng-nobody"');
    const [problem] = checkTeamText(text);
    expect(problem!.path).toBe('departments.technical.headId');
    expect(slice(text, problem!)).toBe('"eng-nobody"');
  });

  it('a syntax error in the team is reported before anything else', () => {
    const text = edit(teamText, '"dailyCapacity": 8,', '"dailyCapacity": 8,,');
    const problems = checkTeamText(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.from).toBe(text.indexOf(',,') + 1);
  });
});

/**
 * Every path of a JSON value but the whole (`''` names the first character), as leadflow writes
 * them: `a.b[0]`, with odd keys quoted (`["odd key"]`, as the team's paths) or not (the rule set's).
 */
function pathsOf(value: unknown, quoteOddKeys: boolean, prefix = ''): { path: string; value: unknown }[] {
  const here = prefix === '' ? [] : [{ path: prefix, value }];
  if (Array.isArray(value))
    return [...here, ...value.flatMap((item, i) => pathsOf(item, quoteOddKeys, `${prefix}[${i}]`))];
  if (typeof value === 'object' && value !== null) {
    return [
      ...here,
      ...Object.entries(value).flatMap(([key, item]) => {
        const plain = quoteOddKeys ? /^[A-Za-z_$][\w$]*$/.test(key) : !/[[\].]/.test(key) && key !== '';
        const segment = plain ? (prefix === '' ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
        return pathsOf(item, quoteOddKeys, prefix + segment);
      }),
    ];
  }
  return here;
}

describe('rangeOfPath', () => {
  const presetPaths = [
    ...pathsOf(JSON.parse(rulesText), false).map((p) => ({ ...p, text: rulesText })),
    ...pathsOf(JSON.parse(teamText), true).map((p) => ({ ...p, text: teamText })),
  ];

  test.prop([fc.constantFrom(...presetPaths)])(
    'the range of any path of the preset texts holds that value',
    ({ text, path, value }) => {
      expect(JSON.parse(slice(text, rangeOfPath(text, path)))).toEqual(value);
    },
  );

  test.prop([
    fc.jsonValue({ maxDepth: 4 }).chain((value) =>
      fc.record({
        value: fc.constant(value),
        indent: fc.constantFrom(0, 2, '\t'),
        at: fc.constantFrom(...pathsOf(JSON.parse(JSON.stringify(value)), true), { path: '', value: null }),
      }),
    ),
  ])('the range of any path of any JSON text holds that value', ({ value, indent, at }) => {
    const text = JSON.stringify(value, null, indent);
    if (at.path === '') return void expect(rangeOfPath(text, '')).toEqual({ from: 0, to: 1 });
    expect(JSON.parse(slice(text, rangeOfPath(text, at.path)))).toEqual(at.value);
  });

  it('record keys holding dots resolve against the text', () => {
    const text = '{ "routing": { "kinds": { "lead.warn": ["sms", "wecom"] } } }';
    expect(slice(text, rangeOfPath(text, 'routing.kinds.lead.warn[1]'))).toBe('"wecom"');
  });

  it('a leading `$` is the document, unless the document has a `$` key', () => {
    expect(slice('{ "all": [1, 2] }', rangeOfPath('{ "all": [1, 2] }', '$.all[1]'))).toBe('2');
    expect(slice('{ "$": 7 }', rangeOfPath('{ "$": 7 }', '$'))).toBe('7');
  });
});
