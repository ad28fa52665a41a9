/**
 * Where things are in a JSON text: a small JSON parser that records, for every value, the
 * offset where it starts (and for an object member, where its key starts), keyed by the path
 * leadflow's problems use (`assignment.rules[2].strategy.pool`), so `leadflow check` can print
 * `rules.json:14:9`. Syntax errors name their line and column too.
 *
 * @module
 */

/**
 * A 1-based line and column (columns count UTF-16 code units, as editors do for the BMP).
 *
 * @example
 * ```ts
 * import type { TextPosition } from './json-positions.js'; // src/cli/json-positions.ts
 * const at: TextPosition = { line: 3, column: 5 };
 * ```
 */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * A JSON text that does not parse: `position` is where the parser stopped.
 *
 * @example
 * ```ts
 * import { JsonSyntaxError, parseJsonWithPositions } from './json-positions.js'; // src/cli/json-positions.ts
 * try { parseJsonWithPositions('{ "a": }'); } catch (e) { if (e instanceof JsonSyntaxError) console.log(e.position); }
 * ```
 */
export class JsonSyntaxError extends Error {
  constructor(
    readonly position: TextPosition,
    message: string,
  ) {
    super(`${position.line}:${position.column}: ${message}`);
    this.name = 'JsonSyntaxError';
  }
}

/**
 * A parsed JSON text with the positions of its values.
 *
 * @example
 * ```ts
 * import { parseJsonWithPositions } from './json-positions.js'; // src/cli/json-positions.ts
 * const doc = parseJsonWithPositions('{\n  "a": [1, 2]\n}');
 * doc.positionOf('a[1]'); // { line: 2, column: 12 }
 * ```
 */
export interface PositionedJson {
  readonly value: unknown;
  /**
   * The position of the value at `path` (an object member: its key), or of the nearest
   * enclosing value that exists (a missing property points at its object). Accepts `$`-rooted
   * paths and `["key"]` segments too.
   */
  positionOf(path: string): TextPosition;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path of a member in leadflow's dotted notation (as zod issue paths are printed). */
function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** The same path in bracket notation for keys that are not identifiers (condition problems). */
function bracketPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Parse a JSON text (a leading BOM is skipped) and index where each value is.
 *
 * @throws {JsonSyntaxError} naming the line and column of the first syntax error.
 * @example
 * ```ts
 * import { parseJsonWithPositions } from './json-positions.js'; // src/cli/json-positions.ts
 * parseJsonWithPositions('{"pools": [{"id": "sh"}]}').positionOf('pools[0].id'); // { line: 1, column: 13 }
 * ```
 */
export function parseJsonWithPositions(text: string): PositionedJson {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const toPosition = (offset: number): TextPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const offsets = new Map<string, number>();
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(toPosition(Math.min(i, text.length)), message);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const describeHere = () => (i >= text.length ? 'end of text' : JSON.stringify(text[i]));
  const parseString = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) {
        i = start;
        fail('unterminated string');
      }
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) i += 2;
      else if (c < 32) fail('a control character (line break?) inside a string');
      else i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      i = start;
      return fail('invalid escape in string');
    }
  };
  const parseValue = (paths: readonly [string, string], depth: number): unknown => {
    ws();
    if (depth > 512) fail('nested too deeply');
    offsets.set(paths[0], offsets.get(paths[0]) ?? i);
    offsets.set(paths[1], offsets.get(paths[1]) ?? i);
    const c = text[i];
    if (c === '{') {
      i++;
      const object: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return object;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describeHere()}`);
        const keyAt = i;
        const key = parseString();
        const childPaths = [childPath(paths[0], key), bracketPath(paths[1], key)] as const;
        offsets.set(childPaths[0], keyAt);
        offsets.set(childPaths[1], keyAt);
        ws();
        if (text[i] !== ':') fail(`expected ":" after the property name, found ${describeHere()}`);
        i++;
        const value = parseValue(childPaths, depth + 1);
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return object;
        }
        fail(`expected "," or "}" after a property value, found ${describeHere()}`);
      }
    }
    if (c === '[') {
      i++;
      const array: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return array;
      }
      for (;;) {
        const index = array.length;
        array.push(parseValue([childPath(paths[0], index), bracketPath(paths[1], index)], depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return array;
        }
        fail(`expected "," or "]" after an array item, found ${describeHere()}`);
      }
    }
    if (c === '"') return parseString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i, i + 400),
    );
    if (literal === null) return fail(`unexpected ${describeHere()}`);
    i += literal[0].length;
    return JSON.parse(literal[0]);
  };
  const value = parseValue(['', ''], 0);
  ws();
  if (i < text.length) fail(`unexpected ${describeHere()} after the end of the JSON value`);
  const positionOf = (path: string): TextPosition => {
    let p = path.startsWith('$') ? path.slice(1).replace(/^\./, '') : path;
    for (;;) {
      const offset = offsets.get(p);
      if (offset !== undefined) return toPosition(offset);
      if (p === '') return toPosition(0);
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut <= 0 ? '' : p.slice(0, cut);
    }
  };
  return { value, positionOf };
}
