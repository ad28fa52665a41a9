// Issue #19: "typedoc grouped by @category with 0 warnings". Every exported declaration with
// TSDoc names its category, so the API reference groups it (Engine, Rule sets, Calendar and
// clocks, …) instead of dropping it into "Other".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'cli' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

it('every exported declaration with TSDoc carries a @category (or is @internal)', () => {
  const missing: string[] = [];
  for (const file of sources(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      const exported =
        ts.canHaveModifiers(statement) &&
        ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const doc = (statement as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc?.at(-1);
      if (!exported || !doc) continue;
      const raw = text.slice(doc.pos, doc.end);
      if (/@category |@internal|@module/.test(raw)) continue;
      const { line } = source.getLineAndCharacterOfPosition(statement.getStart());
      missing.push(`${relative(root, file)}:${line + 1}`);
    }
  }
  expect(missing).toEqual([]);
});
