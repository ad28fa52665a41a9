/**
 * `{{dot.path}}` placeholders filled from plain data. No expressions, no helpers, no code: a
 * template is data like the rest of a rule set. Only own properties are read, so a template
 * can never reach `__proto__` or `constructor`.
 *
 * @example
 * ```ts
 * import { renderTemplate } from 'leadflow/core';
 * renderTemplate('线索「{{lead.company.name}}」超时', { lead: { company: { name: '苏州精工' } } });
 * // '线索「苏州精工」超时'
 * ```
 * @category Engine
 */
export function renderTemplate(text: string, data: Readonly<Record<string, unknown>>): string {
  const parts = compiledTemplate(text);
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    out += placeholderValue(parts[i] as readonly string[], data) + (parts[i + 1] as string);
  }
  return out;
}

const PLACEHOLDER = /\{\{\s*([\p{L}\p{N}_$.-]+)\s*\}\}/gu;

/** Literal text and placeholder paths, alternating (text first and last); cached per template. */
type TemplateParts = readonly (string | readonly string[])[];
const compiledTemplates = /* @__PURE__ */ (() => new Map<string, TemplateParts>())();
/** Templates come from rule sets, so there are few; the cap only guards against unbounded text. */
const MAX_CACHED_TEMPLATES = 1_000;

function compiledTemplate(text: string): TemplateParts {
  let parts = compiledTemplates.get(text);
  if (parts !== undefined) return parts;
  const built: (string | readonly string[])[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    built.push(text.slice(last, match.index), match[1]!.split('.'));
    last = match.index + match[0].length;
  }
  built.push(text.slice(last));
  parts = built;
  if (compiledTemplates.size >= MAX_CACHED_TEMPLATES) compiledTemplates.clear();
  compiledTemplates.set(text, parts);
  return parts;
}

function placeholderValue(path: readonly string[], data: Readonly<Record<string, unknown>>): string {
  let value: unknown = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return '';
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
