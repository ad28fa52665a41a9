/**
 * Text helpers for chat notifiers: byte-limited truncation (providers count UTF-8 bytes),
 * markdown detection for the `format: 'auto'` choices, and telling mobile numbers from user ids
 * in a message's `to`.
 *
 * @module
 */

const encoder = /* @__PURE__ */ (() => new TextEncoder())();

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, ending in `…` when cut, never splitting a
 * character. Providers reject or silently cut longer bodies; cutting here keeps the end marker.
 *
 * @example
 * ```ts
 * import { truncateUtf8 } from 'leadflow/notify/message-text';
 * truncateUtf8('线索等待处理', 10); // '线索…' (6 + 3 bytes)
 * truncateUtf8('short', 2048); // 'short'
 * ```
 * @category Notifications
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (encoder.encode(text).length <= maxBytes) return text;
  const budget = maxBytes - 3; // the ellipsis is 3 bytes
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
}

/**
 * Whether `text` has a markdown table (a header separator row such as `|---|---|`).
 *
 * @example
 * ```ts
 * import { hasMarkdownTable } from 'leadflow/notify/message-text';
 * hasMarkdownTable('| lead | waiting |\n|---|---|\n| L-1 | 32 min |'); // true
 * ```
 * @category Notifications
 */
export function hasMarkdownTable(text: string): boolean {
  return /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$/m.test(text);
}

/**
 * Whether `text` uses markdown: a heading, bold, a link, a quote, a list item, inline code or a
 * table.
 *
 * @example
 * ```ts
 * import { looksLikeMarkdown } from 'leadflow/notify/message-text';
 * looksLikeMarkdown('**Lead L-1** waits for [you](https://crm.example.com/leads/L-1)'); // true
 * looksLikeMarkdown('Lead L-1 waits for you'); // false
 * ```
 * @category Notifications
 */
export function looksLikeMarkdown(text: string): boolean {
  return (
    /^(#{1,6}\s|>\s|[-*]\s|\d+\.\s)/m.test(text) ||
    /\*\*[^*\n]+\*\*|\[[^\]\n]+\]\([^)\s]+\)|`[^`\n]+`|<font\s/.test(text) ||
    hasMarkdownTable(text)
  );
}

/**
 * Whether a recipient is a mobile number (digits, optionally a leading `+`, 6–15 digits) rather
 * than a user id.
 *
 * @example
 * ```ts
 * import { isMobileNumber } from 'leadflow/notify/message-text';
 * isMobileNumber('13800001111'); // true
 * isMobileNumber('+8613800001111'); // true
 * isMobileNumber('zhangsan'); // false
 * ```
 * @category Notifications
 */
export function isMobileNumber(recipient: string): boolean {
  return /^\+?\d{6,15}$/.test(recipient);
}
