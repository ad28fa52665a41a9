/**
 * The playground editors' diagnostics: JSON syntax first, then leadflow's own checks
 * (`tryCompileRuleSet`, `parseTeam`), each problem placed on the text of the JSON node its path
 * names. Pure; the page loads it lazily (it pulls in zod through the rule-set schema).
 */

import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { formatIssuePath } from '../../../src/model/issues.js';
import { parseTeam, type Team, TeamError } from '../../../src/model/team.js';
import { tryCompileRuleSet } from '../../../src/rules/compile.js';

/** One diagnostic of an editor: a text range, leadflow's message and the JSON path it concerns. */
export interface EditorProblem {
  from: number;
  to: number;
  severity: 'error' | 'warning';
  message: string;
  /** The JSON path as leadflow writes it (`assignment.rules[0].when.all[1].fact`); `''` for the whole text. */
  path: string;
}

/** A text range: `from` inclusive, `to` exclusive (UTF-16 offsets, as CodeMirror counts). */
export interface TextRange {
  from: number;
  to: number;
}

const SYNTAX_MESSAGES: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'unexpected text after the end of the JSON',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment (comments are not allowed in JSON)',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string (control characters must be escaped)',
};

/** Strict JSON: no comments, no trailing commas, no empty text. */
const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false } as const;

function clampRange(text: string, from: number, to: number): TextRange {
  const start = Math.max(0, Math.min(from, text.length));
  // A one-character minimum keeps the mark visible (CodeMirror draws empty ranges as a point).
  const end = Math.min(text.length, Math.max(to, start + 1));
  return { from: start, to: Math.max(start, end) };
}

/** The comma before `offset`, skipping whitespace, or -1. */
function commaBefore(text: string, offset: number): number {
  let i = offset - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  return i >= 0 && text[i] === ',' ? i : -1;
}

function syntaxProblem(text: string, error: ParseError): EditorProblem {
  const name = printParseErrorCode(error.error);
  const closing = text[error.offset];
  if ((name === 'PropertyNameExpected' || name === 'ValueExpected') && (closing === '}' || closing === ']')) {
    const comma = commaBefore(text, error.offset);
    if (comma >= 0)
      return {
        from: comma,
        to: comma + 1,
        severity: 'error',
        message: 'trailing commas are not allowed in JSON',
        path: '',
      };
  }
  const message =
    error.offset >= text.length && name === 'ValueExpected'
      ? 'the text is empty: expected a JSON value'
      : (SYNTAX_MESSAGES[name] ?? name);
  return {
    ...clampRange(text, error.offset, error.offset + error.length),
    severity: 'error',
    message,
    path: '',
  };
}

function lineOf(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Parses strict JSON: the tree, or the syntax problems (in text order). */
function parseStrict(text: string): { ok: true; root: Node } | { ok: false; problems: EditorProblem[] } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, STRICT_JSON);
  if (errors.length > 0 || root === undefined) {
    // After one error the parser's recovery often reports more on the same line; keep the first.
    const problems: EditorProblem[] = [];
    let lastLine = -1;
    for (const error of errors) {
      const problem = syntaxProblem(text, error);
      const line = lineOf(text, problem.from);
      if (line !== lastLine) problems.push(problem);
      lastLine = line;
    }
    if (problems.length === 0) problems.push(syntaxProblem(text, { error: 4, offset: 0, length: 0 }));
    return { ok: false, problems };
  }
  return { ok: true, root };
}

// ---------------------------------------------------------------------------------------------
// paths → text ranges

type PathToken =
  | { kind: 'dotted'; text: string }
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number };

/**
 * Splits a leadflow path into tokens. Runs between brackets stay whole (`routing.kinds.a.b`):
 * `compileRuleSet` writes record keys unquoted, so a key may itself hold dots and only the tree
 * can tell where it ends.
 */
function tokenize(path: string): PathToken[] {
  const tokens: PathToken[] = [];
  let i = 0;
  while (i < path.length) {
    const char = path[i]!;
    if (char === '.') {
      i++;
      continue;
    }
    if (char === '[') {
      const close = path.indexOf(']', i);
      const inner = close < 0 ? '' : path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) {
        tokens.push({ kind: 'index', index: Number(inner) });
        i = close + 1;
        continue;
      }
      const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(path.slice(i));
      if (quoted) {
        tokens.push({ kind: 'key', key: JSON.parse(quoted[1]!) as string });
        i += quoted[0].length;
        continue;
      }
    }
    let end = path.indexOf('[', i + 1);
    if (end < 0) end = path.length;
    tokens.push({ kind: 'dotted', text: path.slice(i, end).replace(/\.$/, '') });
    i = end;
  }
  return tokens;
}

function propertyOf(object: Node, key: string): Node | undefined {
  if (object.type !== 'object') return undefined;
  // The last duplicate wins, as in JSON.parse (and in what leadflow checked).
  let found: Node | undefined;
  for (const property of object.children ?? []) if (property.children?.[0]?.value === key) found = property;
  return found;
}

/** The node a path names, or the deepest existing ancestor when a segment is missing. */
function locate(root: Node, path: string): { node: Node; found: boolean } {
  let node = root;
  const step = (next: Node | undefined): boolean => {
    if (next === undefined) return false;
    node = next;
    return true;
  };
  const tokens = tokenize(path);
  for (const [at, token] of tokens.entries()) {
    if (token.kind === 'index') {
      const item = node.type === 'array' ? node.children?.[token.index] : undefined;
      if (!step(item)) return { node, found: false };
    } else if (token.kind === 'key') {
      if (!step(propertyOf(node, token.key)?.children?.[1])) return { node, found: false };
    } else {
      const parts = token.text.split('.');
      // Condition paths may start at `$` (the document), unless `$` is a key of it.
      if (at === 0 && parts[0] === '$' && propertyOf(root, '$') === undefined) parts.shift();
      while (parts.length > 0) {
        let taken = 0;
        // Longest key first: `kinds.a.b` is the key `a.b` when the object has one.
        for (let n = parts.length; n > 0 && taken === 0; n--) {
          const value = propertyOf(node, parts.slice(0, n).join('.'))?.children?.[1];
          if (step(value)) taken = n;
        }
        if (taken === 0) return { node, found: false };
        parts.splice(0, taken);
      }
    }
  }
  return { node, found: true };
}

/** Where to point when the path's node is missing: the parent's key, else its opening bracket. */
function anchorOf(node: Node): TextRange {
  const property = node.parent?.type === 'property' ? node.parent : undefined;
  const key = property?.children?.[0];
  if (key !== undefined && property?.children?.[1] === node)
    return { from: key.offset, to: key.offset + key.length };
  return { from: node.offset, to: node.offset + 1 };
}

function rangeInTree(root: Node, path: string): TextRange {
  if (tokenize(path).length === 0) return { from: root.offset, to: root.offset + 1 };
  const { node, found } = locate(root, path);
  return found ? { from: node.offset, to: node.offset + node.length } : anchorOf(node);
}

/**
 * The text range of the JSON node a leadflow path names (`assignment.rules[0].when.all[1].fact`,
 * `departments["tech dept"].headId`). A path whose node does not exist (a missing required key)
 * maps to its nearest existing parent's key (or opening bracket); `''` maps to the first
 * character of the JSON value. The text must parse (comments and trailing commas are tolerated
 * here).
 *
 * @example
 * ```ts
 * rangeOfPath('{"a": [1, 2]}', 'a[1]'); // { from: 10, to: 11 }
 * ```
 */
export function rangeOfPath(text: string, path: string): TextRange {
  const root = parseTree(text);
  if (root === undefined) return clampRange(text, 0, 1);
  return rangeInTree(root, path);
}

/**
 * Zod reports an unknown key on its object (`Unrecognized key: "wehn"`); pointing at the key
 * itself keeps the mark on one line instead of the whole object.
 */
function unrecognizedKeyRange(root: Node, path: string, message: string): TextRange | undefined {
  const match = /^Unrecognized keys?: ("(?:[^"\\]|\\.)*")/.exec(message);
  if (!match) return undefined;
  const { node, found } = locate(root, path);
  const key = found ? propertyOf(node, JSON.parse(match[1]!) as string)?.children?.[0] : undefined;
  return key && { from: key.offset, to: key.offset + key.length };
}

function placed(
  text: string,
  root: Node,
  problem: { path: string; message: string },
  severity: EditorProblem['severity'],
): EditorProblem {
  const range = unrecognizedKeyRange(root, problem.path, problem.message) ?? rangeInTree(root, problem.path);
  return {
    ...clampRange(text, range.from, range.to),
    severity,
    message: problem.message,
    path: problem.path,
  };
}

/** Keys written twice in one object: JSON keeps the last, which surprises people who edit the first. */
function duplicateKeyWarnings(text: string, root: Node): EditorProblem[] {
  const warnings: EditorProblem[] = [];
  const walk = (node: Node, path: (string | number)[]) => {
    if (node.type === 'array') {
      node.children?.forEach((child, index) => {
        walk(child, [...path, index]);
      });
    }
    if (node.type !== 'object') return;
    const seen = new Set<string>();
    const properties = node.children ?? [];
    for (let i = properties.length - 1; i >= 0; i--) {
      const [key, value] = properties[i]!.children ?? [];
      if (key === undefined) continue;
      const name = String(key.value);
      if (seen.has(name)) {
        warnings.push({
          ...clampRange(text, key.offset, key.offset + key.length),
          severity: 'warning',
          message: `duplicate key "${name}": JSON keeps only the last one`,
          path: formatIssuePath([...path, name]),
        });
      } else {
        seen.add(name);
        if (value !== undefined) walk(value, [...path, name]);
      }
    }
  };
  walk(root, []);
  return warnings.reverse();
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object':
      return Object.fromEntries(
        (node.children ?? []).map((p) => [String(p.children?.[0]?.value), nodeValue(p.children![1]!)]),
      );
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

/** A parsed team, or undefined when the text is not a valid team. */
function teamOf(teamText: string): Team | undefined {
  const parsed = parseStrict(teamText);
  if (!parsed.ok) return undefined;
  try {
    return parseTeam(nodeValue(parsed.root));
  } catch (error) {
    if (error instanceof TeamError) return undefined;
    throw error;
  }
}

/**
 * Problems of a team's JSON text: syntax errors, else duplicate-key warnings and every issue
 * `parseTeam` finds, each placed on the node it names.
 *
 * @example
 * ```ts
 * checkTeamText('{ "reps": [] }'); // []
 * ```
 */
export function checkTeamText(text: string): EditorProblem[] {
  const parsed = parseStrict(text);
  if (!parsed.ok) return parsed.problems;
  const problems = duplicateKeyWarnings(text, parsed.root);
  try {
    parseTeam(nodeValue(parsed.root));
  } catch (error) {
    if (!(error instanceof TeamError)) throw error;
    for (const issue of error.issues) problems.push(placed(text, parsed.root, issue, 'error'));
  }
  return problems;
}

/**
 * Problems of a rule set's JSON text: syntax errors, else duplicate-key warnings and every
 * problem `tryCompileRuleSet` finds, checked against the team when `teamText` is a valid team
 * (rep, pool and supervisor ids must exist in it). A bad team is skipped with a warning on the
 * first character, so the rule set is still checked on its own.
 *
 * @example
 * ```ts
 * const problems = checkRuleSetText(rulesText, teamText);
 * problems[0]; // { from: 812, to: 826, severity: 'error', message: "unknown fact 'budgt' …", path: 'assignment.rules[1].when.all[0].fact' }
 * ```
 */
export function checkRuleSetText(text: string, teamText: string | null): EditorProblem[] {
  const parsed = parseStrict(text);
  if (!parsed.ok) return parsed.problems;
  const problems = duplicateKeyWarnings(text, parsed.root);
  const team = teamText === null ? undefined : teamOf(teamText);
  if (teamText !== null && team === undefined) {
    problems.push({
      ...rangeInTree(parsed.root, ''),
      severity: 'warning',
      message: 'the team has problems, so rep, pool and supervisor ids were not checked against it',
      path: '',
    });
  }
  const result = tryCompileRuleSet(nodeValue(parsed.root), team === undefined ? {} : { team });
  if (!result.ok)
    for (const problem of result.problems) problems.push(placed(text, parsed.root, problem, 'error'));
  return problems;
}
