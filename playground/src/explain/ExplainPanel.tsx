/**
 * The side panel that explains one lead: why it went to its rep (or did not), its SLA clocks and
 * its history. Renders what {@link explainSections} shapes; Escape or the close button closes it.
 */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { LeadExplanation } from '../../../src/engine/types.js';
import type { Lang } from '../i18n.js';
import {
  type ExplainBlock,
  type ExplainRuleSet,
  type ExplainSection,
  type ExplainTeam,
  explainSections,
  type Tone,
} from './explain.js';
import { EXPLAIN_STRINGS } from './strings.js';
import './explain.css';

export interface ExplainPanelProps {
  readonly explanation: LeadExplanation | null;
  readonly loading: boolean;
  readonly error: string | null;
  readonly lang: Lang;
  /** Names of reps and supervisors (a parsed team, or `{ reps }` of the run). */
  readonly team: ExplainTeam | null;
  /** The rule set of the run (compiled or its source), for rule and policy descriptions. */
  readonly ruleSet: ExplainRuleSet | null;
  readonly onClose: () => void;
  /** The lead asked for, shown in the title while it loads. */
  readonly leadId?: string;
}

export function ExplainPanel(props: ExplainPanelProps) {
  const s = EXPLAIN_STRINGS[props.lang];
  const { explanation, ruleSet, team, lang, onClose } = props;
  const sections = useMemo(
    () => (explanation === null ? null : explainSections(explanation, { ruleSet, team, lang })),
    [explanation, ruleSet, team, lang],
  );
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  useEffect(() => closeButton.current?.focus(), []);

  const leadId = explanation?.leadId ?? props.leadId;
  return (
    <div class="explain" role="dialog" aria-labelledby="explain-title" data-testid="explain">
      <header class="explain-head">
        <h2 id="explain-title">{leadId === undefined ? s.sections.summary : s.title(leadId)}</h2>
        <button
          type="button"
          class="explain-close"
          data-testid="explain-close"
          aria-label={s.close}
          title={s.close}
          ref={closeButton}
          onClick={onClose}
        >
          ×
        </button>
      </header>
      <div class="explain-body">
        {props.loading ? (
          <p class="explain-status" aria-live="polite">
            {s.loading}
          </p>
        ) : props.error !== null ? (
          <p class="explain-status explain-error" role="alert">
            {s.failed}: {props.error}
          </p>
        ) : sections === null ? (
          <p class="explain-status">{s.empty}</p>
        ) : (
          sections.map((section, i) => <Section key={`${section.id}-${i}`} section={section} s={s} />)
        )}
      </div>
    </div>
  );
}

function Section(props: { section: ExplainSection; s: (typeof EXPLAIN_STRINGS)[Lang] }) {
  const { section } = props;
  return (
    <section class="explain-section" data-section={section.id}>
      <h3>{section.title}</h3>
      {section.blocks.map((block, i) => (
        <Block key={i} block={block} />
      ))}
    </section>
  );
}

const toneClass = (tone: Tone | undefined) => (tone === undefined ? undefined : `tone-${tone}`);

function Block(props: { block: ExplainBlock }) {
  const { block } = props;
  switch (block.kind) {
    case 'facts':
      return (
        <dl class="explain-facts">
          {block.items.map((item) => (
            <div key={item.label}>
              <dt>{item.label}</dt>
              <dd class={toneClass(item.tone)}>{item.value}</dd>
            </div>
          ))}
        </dl>
      );
    case 'note':
      return <p class={`explain-note ${toneClass(block.tone) ?? ''}`}>{block.text}</p>;
    case 'table':
      return (
        <div class="explain-scroll">
          <table class="explain-table" data-role={block.role}>
            {block.caption === undefined ? null : <caption>{block.caption}</caption>}
            <thead>
              <tr>
                {block.columns.map((column) => (
                  <th key={column}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row) => (
                <tr key={row.key} class={toneClass(row.tone)}>
                  {row.cells.map((cell, i) => (
                    <td key={i}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case 'candidates':
      return (
        <div class="explain-scroll">
          <table class="explain-table" data-testid="explain-candidates" data-rule={block.ruleId}>
            <caption>{block.caption}</caption>
            <thead>
              <tr>
                {block.columns.map((column) => (
                  <th key={column}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row) => (
                <tr key={row.repId} data-rep={row.repId} data-status={row.status}>
                  <td>{row.rep}</td>
                  <td class={`explain-verdict verdict-${row.status}`} data-testid="explain-verdict">
                    {row.statusText}
                  </td>
                  <td>
                    {row.reasons.length === 1 ? (
                      row.reasons[0]
                    ) : (
                      <ul>
                        {row.reasons.map((reason) => (
                          <li key={reason}>{reason}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}
