/**
 * Every TSDoc example of the public API compiles: the ```ts blocks in src/**\/*.ts that import
 * from `leadflow` (or a subpath) are written to a temp folder and type-checked together with tsc,
 * the package names resolved to the sources by `paths` — so an example that imports a name from
 * where it is not exported, or uses an API that changed, fails here.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'cli' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The diagnostics of an import that names what its module does not export (or a module that does
 * not exist). Examples are fragments: the values they use from their context (`lead`, `compiled`,
 * `engine`, …) are declared with their types in `example-context.d.ts`, and everything else is
 * type-checked too — except in an example that imports the host's own files (`../src/my-…`),
 * whose types only the host has: there only the leadflow imports are checked.
 */
const IMPORT_ERRORS = new Set([2305, 2307, 2614, 2724, 2459, 2460]);

interface Example {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

function examplesOf(file: string): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^\s*\* ```ts\s*$/.test(lines[i] as string)) continue;
    const start = i + 1;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^\s*\* ```\s*$/.test(lines[i] as string); i += 1) {
      body.push((lines[i] as string).replace(/^\s*\* ?/, ''));
    }
    const code = body.join('\n');
    // The declaration the comment documents: the first `export … Name` after the comment.
    let j = i + 1;
    while (j < lines.length && !/^export /.test(lines[j] as string)) j += 1;
    const declared =
      /^export (?:declare )?(?:async )?(?:abstract )?(?:function\*?|const|let|class|interface|type|enum) ([A-Za-z0-9_$]+)/.exec(
        lines[j] ?? '',
      )?.[1];
    if (declared !== undefined && PUBLIC.has(declared) && /from 'leadflow(\/[^']*)?'/.test(code)) {
      found.push({ file, line: start + 1, code });
    }
  }
  return found;
}

/** Every name an entry point exports (the public API), read from the entry files' export lists. */
const ENTRIES = ['index.ts', 'core.ts', 'testing/index.ts', 'adapters/postgres.ts'].map((f) => join(src, f));
const PUBLIC = new Set(
  [...ENTRIES, ...sourceFiles(join(src, 'adapters', 'notify'))].flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const listed = [...text.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
      (m[1] as string).split(',').map((n) => n.replace(/\btype\b/, '').trim()),
    );
    const declared = [
      ...text.matchAll(
        /^export (?:declare )?(?:async )?(?:function\*?|const|class|interface|type) ([A-Za-z0-9_$]+)/gm,
      ),
    ].map((m) => m[1] as string);
    return [...listed, ...declared].filter((n) => n !== '');
  }),
);

const examples = sourceFiles(src).flatMap(examplesOf);
// Under node_modules/.cache so the examples resolve zod, fast-check and @types like the sources.
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'leadflow-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TSDoc examples', () => {
  it('finds the examples of the public API', () => {
    expect(examples.length).toBeGreaterThan(100);
  });

  it('every example type-checks, each name imported from an entry point that exports it', () => {
    const names = new Map<string, Example>();
    examples.forEach((example, index) => {
      const name = join(dir, `example-${index}.ts`);
      // Each example is its own module (top-level await allowed).
      writeFileSync(name, `${example.code}\nexport {};\n`);
      names.set(name, example);
    });
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      baseUrl: root,
      paths: {
        leadflow: ['src/index.ts'],
        'leadflow/core': ['src/core.ts'],
        'leadflow/testing': ['src/testing/index.ts'],
        'leadflow/adapters/postgres': ['src/adapters/postgres.ts'],
        'leadflow/notify/*': ['src/adapters/notify/*.ts'],
      },
      ignoreDeprecations: '6.0',
    };
    const context = join(root, 'test', 'docs', 'example-context.d.ts');
    const program = ts.createProgram([...names.keys(), context], options);
    const hostFiles = (example: Example) => /from '\.\.?\//.test(example.code);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && names.has(d.file.fileName))
      .filter((d) => {
        const example = names.get((d.file as ts.SourceFile).fileName) as Example;
        if (!IMPORT_ERRORS.has(d.code)) return !hostFiles(example);
        return !/'\.\.?\//.test(ts.flattenDiagnosticMessageText(d.messageText, ' '));
      })
      .map((d) => {
        const example = names.get((d.file as ts.SourceFile).fileName) as Example;
        const { line } = (d.file as ts.SourceFile).getLineAndCharacterOfPosition(d.start ?? 0);
        return `${relative(root, example.file)}:${example.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);
});
