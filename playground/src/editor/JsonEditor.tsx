/**
 * A CodeMirror 6 JSON editor with leadflow's diagnostics (marks, gutter, and a plain list under
 * the editor that browser tests and screen readers read) and leadflow's completion.
 */

import {
  autocompletion,
  type CompletionContext as CodeMirrorCompletionContext,
  type CompletionResult,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { type Diagnostic, linter, lintGutter, lintKeymap } from '@codemirror/lint';
import { Annotation, Compartment, EditorState, StateEffect } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorProblem } from './check.js';
import type { CompletionList } from './completion.js';
import './editor.css';

/** Props of {@link JsonEditor}. */
export interface JsonEditorProps {
  /** The text. A new value from outside (a preset, a dropped file) replaces the document. */
  value: string;
  /** Called with the whole text after each edit by the user (not after `value` changes). */
  onChange(text: string): void;
  /**
   * The diagnostics of a text, run ~300 ms after the last edit. A new function re-checks the
   * text (e.g. when the team it checks against changed), so an inline arrow is fine.
   */
  check(text: string): EditorProblem[] | Promise<EditorProblem[]>;
  /** Completion at an offset (Ctrl-Space, or while typing a word or string). */
  completion?: (text: string, offset: number) => CompletionList | null | Promise<CompletionList | null>;
  /** The accessible name of the editor and its problem list. */
  label: string;
  /** `data-testid` of the editor; the problem list gets `${testId}-problems`. */
  testId: string;
  readOnly?: boolean;
  /** How a problem's line is named in the list, in the page's language. @default `line N` */
  lineLabel?: (line: number) => string;
}

interface ListedProblem extends EditorProblem {
  /** 1-based line of `from`. */
  line: number;
}

const LINT_DELAY_MS = 300;
const defaultLineLabel = (line: number) => `line ${line}`;
/** Texts kept to recognise `value` echoes (the host lags a few renders at most). */
const MAX_PENDING_ECHOES = 20;

/** Marks the transactions that put an outside `value` in, so they are not echoed to `onChange`. */
const fromOutside = Annotation.define<boolean>();
/** Asks the linter to run again although the text did not change. */
const recheck = StateEffect.define<null>();

const theme = EditorView.theme({
  '&': {
    height: '420px',
    backgroundColor: 'var(--card, #ffffff)',
    color: 'var(--ink, #1d2433)',
    fontSize: '13px',
  },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': {
    overflow: 'auto',
    fontFamily:
      'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "Noto Sans Mono CJK SC", monospace',
    lineHeight: '1.55',
  },
  '.cm-content': { caretColor: 'var(--accent, #2f6bff)' },
  '.cm-gutters': {
    backgroundColor: 'var(--bg, #f4f6fa)',
    color: 'var(--muted, #667085)',
    borderRight: '1px solid var(--line, #e4e7ec)',
  },
  '.cm-activeLine': { backgroundColor: 'rgb(47 107 255 / 5%)' },
  '.cm-activeLineGutter': { backgroundColor: 'rgb(47 107 255 / 10%)', color: 'var(--ink, #1d2433)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'rgb(47 107 255 / 18%)',
  },
  '.cm-lintRange-error': { backgroundColor: 'var(--bad-bg, #fdecec)' },
  '.cm-tooltip': {
    border: '1px solid var(--line, #e4e7ec)',
    borderRadius: '8px',
    backgroundColor: 'var(--card, #ffffff)',
    boxShadow: '0 4px 12px rgb(16 24 40 / 10%)',
  },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    backgroundColor: 'var(--accent, #2f6bff)',
    color: '#ffffff',
  },
  '.cm-diagnosticSource': { fontFamily: 'ui-monospace, monospace', color: 'var(--muted, #667085)' },
});

/** The one change turning `from` into `to` (common start and end kept, so the cursor stays). */
function changedRange(from: string, to: string): { from: number; to: number; insert: string } {
  let start = 0;
  const shortest = Math.min(from.length, to.length);
  while (start < shortest && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  let end = 0;
  while (
    end < shortest - start &&
    from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end)
  )
    end++;
  return { from: start, to: from.length - end, insert: to.slice(start, to.length - end) };
}

function toDiagnostics(problems: readonly EditorProblem[], length: number): Diagnostic[] {
  return problems.map((p) => {
    const from = Math.max(0, Math.min(p.from, length));
    return {
      from,
      to: Math.max(from, Math.min(p.to, length)),
      severity: p.severity,
      message: p.message,
      ...(p.path === '' ? {} : { source: p.path }),
    };
  });
}

/**
 * A JSON editor: syntax highlighting, bracket matching, folding, undo history, leadflow's
 * diagnostics (`check`, ~300 ms after typing stops) as marks, gutter markers and a list of
 * `line N: message` items under the editor (clicking one moves the cursor there), and
 * completion (`completion`). The root carries `data-testid={testId}`.
 *
 * @example
 * ```tsx
 * <JsonEditor
 *   label="Rule set"
 *   testId="editor-ruleSet"
 *   value={text}
 *   onChange={setText}
 *   check={(t) => checkRuleSetText(t, teamText)}
 *   completion={(t, offset) => completionsAt(t, offset, { kind: 'ruleSet', team })}
 * />
 * ```
 */
export function JsonEditor({
  value,
  onChange,
  check,
  completion,
  label,
  testId,
  readOnly,
  lineLabel,
}: JsonEditorProps) {
  const parent = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [problems, setProblems] = useState<ListedProblem[]>([]);
  // The sources read the latest props through refs: the editor is built once.
  const latest = useRef({ onChange, check, completion });
  latest.current = { onChange, check, completion };
  const lintedWith = useRef<JsonEditorProps['check'] | null>(null);
  const recheckPending = useRef(false);
  /** Texts sent to `onChange` that have not come back as `value` yet. */
  const sent = useRef<string[]>([]);
  const compartments = useRef({ readOnly: new Compartment(), label: new Compartment() });

  useEffect(() => {
    const lintSource = async (editor: EditorView): Promise<Diagnostic[]> => {
      const doc = editor.state.doc;
      const text = doc.toString();
      const run = latest.current.check;
      lintedWith.current = run;
      recheckPending.current = false;
      let found: EditorProblem[];
      try {
        found = await run(text);
      } catch (error) {
        found = [
          { from: 0, to: Math.min(1, text.length), severity: 'error', message: String(error), path: '' },
        ];
      }
      // A stale result (the text changed meanwhile) is dropped; CodeMirror drops its marks too.
      if (editor.state.doc !== doc) return [];
      const diagnostics = toDiagnostics(found, doc.length);
      setProblems(
        found.map((p, i) => ({
          ...p,
          from: diagnostics[i]!.from,
          line: doc.lineAt(diagnostics[i]!.from).number,
        })),
      );
      return diagnostics;
    };
    const completionSource = async (
      context: CodeMirrorCompletionContext,
    ): Promise<CompletionResult | null> => {
      const complete = latest.current.completion;
      // While typing, only inside a word or a string; anywhere on Ctrl-Space.
      if (complete === undefined || (!context.explicit && !context.matchBefore(/[\w"$.:/-]$/))) return null;
      const result = await complete(context.state.doc.toString(), context.pos);
      if (result === null || context.aborted) return null;
      // `from` includes the opening quote, which CodeMirror's matcher would not find in labels.
      return { from: result.from, to: result.to, options: result.options, filter: false };
    };
    const { readOnly: readOnlyCompartment, label: labelCompartment } = compartments.current;
    const editor = new EditorView({
      parent: parent.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          lintGutter(),
          drawSelection(),
          highlightActiveLine(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          json(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          linter(lintSource, {
            delay: LINT_DELAY_MS,
            needsRefresh: (update) => update.transactions.some((tr) => tr.effects.some((e) => e.is(recheck))),
          }),
          autocompletion({ override: [completionSource] }),
          keymap.of([
            ...closeBracketsKeymap,
            ...defaultKeymap,
            ...historyKeymap,
            ...foldKeymap,
            ...completionKeymap,
            ...lintKeymap,
          ]),
          readOnlyCompartment.of(EditorState.readOnly.of(readOnly === true)),
          labelCompartment.of(EditorView.contentAttributes.of({ 'aria-label': label })),
          theme,
          EditorView.updateListener.of((update) => {
            if (!update.docChanged || update.transactions.some((tr) => tr.annotation(fromOutside))) return;
            const text = update.state.doc.toString();
            sent.current.push(text);
            if (sent.current.length > MAX_PENDING_ECHOES) sent.current.shift();
            latest.current.onChange(text);
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Built once; later prop changes reach it through the effects below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor === null) return;
    // The host re-renders after each onChange, possibly once the user has typed further: a value
    // this editor sent is an echo, not a new text from outside.
    const echo = sent.current.indexOf(value);
    if (echo >= 0) {
      sent.current.splice(0, echo + 1);
      return;
    }
    sent.current = [];
    const current = editor.state.doc.toString();
    if (current === value) return;
    editor.dispatch({ changes: changedRange(current, value), annotations: fromOutside.of(true) });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: compartments.current.readOnly.reconfigure(EditorState.readOnly.of(readOnly === true)),
    });
  }, [readOnly]);

  useEffect(() => {
    view.current?.dispatch({
      effects: compartments.current.label.reconfigure(
        EditorView.contentAttributes.of({ 'aria-label': label }),
      ),
    });
  }, [label]);

  // A new `check` (say, the team changed) re-checks the text after the lint delay; one request per
  // lint, so a host that re-renders often cannot keep postponing it.
  useEffect(() => {
    const editor = view.current;
    if (editor === null || recheckPending.current || lintedWith.current === check) return;
    recheckPending.current = true;
    editor.dispatch({ effects: recheck.of(null) });
  }, [check]);

  const reveal = (problem: ListedProblem) => {
    const editor = view.current;
    if (editor === null) return;
    const at = Math.min(problem.from, editor.state.doc.length);
    editor.dispatch({
      selection: { anchor: at },
      effects: EditorView.scrollIntoView(at, { y: 'center' }),
    });
    editor.focus();
  };

  return (
    <div class="json-editor">
      <div class="json-editor-view" data-testid={testId} ref={parent} />
      <ul class="json-editor-problems" data-testid={`${testId}-problems`} aria-label={label}>
        {problems.map((problem, index) => (
          <li key={index} class={problem.severity} data-line={problem.line} data-path={problem.path}>
            <button type="button" onClick={() => reveal(problem)}>
              {(lineLabel ?? defaultLineLabel)(problem.line)}: {problem.message}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
