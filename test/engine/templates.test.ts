import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/engine/templates.js';

/** The one-pass definition: every placeholder replaced where it stands. */
function referenceRender(text: string, data: Readonly<Record<string, unknown>>): string {
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

const data = {
  lead: { id: 'lead-1', company: { name: '苏州精工', region: '江苏' }, tags: ['a', 'b'] },
  policy: { id: 'first-follow-up-24h', hours: 24 },
  empty: null,
  名称: '值',
};

describe('renderTemplate', () => {
  it('fills dot paths, tolerates spaces inside the braces, and leaves the rest of the text alone', () => {
    expect(
      renderTemplate('线索「{{lead.company.name}}」({{ lead.id }}) 超过 {{policy.hours}} 小时', data),
    ).toBe('线索「苏州精工」(lead-1) 超过 24 小时');
    expect(renderTemplate('no placeholders', data)).toBe('no placeholders');
    expect(renderTemplate('{{名称}}', data)).toBe('值');
  });

  it('renders missing values and null as empty, objects as JSON, and never reads inherited properties', () => {
    expect(renderTemplate('[{{lead.owner}}][{{empty}}][{{lead.company.name.length}}]', data)).toBe('[][][]');
    expect(renderTemplate('{{lead.tags}}', data)).toBe('["a","b"]');
    expect(renderTemplate('{{lead.constructor}}{{lead.__proto__}}{{toString}}', data)).toBe('');
  });

  it('keeps text that only looks like a placeholder', () => {
    expect(renderTemplate('{{}} {{a b}} {lead.id} {{{lead.id}}}', data)).toBe(
      '{{}} {{a b}} {lead.id} {lead-1}',
    );
  });

  const segment = fc.oneof(
    fc.constantFrom('{{', '}}', '{', '}', ' ', '.', '线索', '超时 '),
    fc.constantFrom(
      'lead.id',
      'lead.company.name',
      ' policy.hours ',
      'lead.tags',
      'empty',
      'missing.path',
      '名称',
    ),
    fc.string({ maxLength: 6 }),
  );
  test.prop([fc.array(segment, { maxLength: 12 }).map((parts) => parts.join(''))])(
    'agrees with replacing every placeholder in one pass, twice in a row (cached)',
    (text) => {
      expect(renderTemplate(text, data)).toBe(referenceRender(text, data));
      expect(renderTemplate(text, data)).toBe(referenceRender(text, data));
    },
  );
});
