/**
 * `{{dot.path}}` placeholders filled from plain data. No expressions, no helpers, no code: a
 * template is data like the rest of a rule set. Only own properties are read, so a template
 * can never reach `__proto__` or `constructor`.
 *
 * @example
 * ```ts
 * import { renderTemplate } from 'leadflow';
 * renderTemplate('线索「{{lead.company.name}}」超时', { lead: { company: { name: '苏州精工' } } });
 * // '线索「苏州精工」超时'
 * ```
 */
export function renderTemplate(text: string, data: Readonly<Record<string, unknown>>): string {
  return text.replace(/\{\{\s*([\p{L}\p{N}_$.-]+)\s*\}\}/gu, (_match, path: string) => {
    let value: unknown = data;
    for (const key of path.split('.')) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return '';
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  });
}
