/**
 * Files a user opens or drops on the page: what each one is (a rule set, a team, leads), told
 * from its name and content, and read as text. Pure except {@link readDropped}; unit-tested.
 */

/** What an opened file holds. */
export type OpenedFile =
  | { readonly kind: 'ruleSet' | 'team'; readonly name: string; readonly text: string }
  | { readonly kind: 'leads'; readonly name: string; readonly text: string }
  | { readonly kind: 'unknown'; readonly name: string; readonly reason: string };

/** The largest file the page reads (a month of leads as CSV is a few MB). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

/**
 * Tell what a file is: `.csv` is leads; JSON is a team when it has `reps`, a rule set when it has
 * `assignment` or `sla` (or `id` and `version`), leads when it is an array or has a `leads` array.
 */
export function classifyFile(name: string, text: string): OpenedFile {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return { kind: 'leads', name, text };
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    return { kind: 'unknown', name, reason: `not JSON or CSV: ${(error as Error).message}` };
  }
  if (Array.isArray(json)) return { kind: 'leads', name, text };
  if (typeof json !== 'object' || json === null)
    return { kind: 'unknown', name, reason: 'expected a JSON object or array' };
  const has = (key: string) => Object.hasOwn(json as object, key);
  if (has('leads') && Array.isArray((json as { leads: unknown }).leads)) return { kind: 'leads', name, text };
  if (has('reps')) return { kind: 'team', name, text };
  if (has('assignment') || has('sla') || (has('id') && has('version')))
    return { kind: 'ruleSet', name, text };
  return {
    kind: 'unknown',
    name,
    reason: 'neither a rule set (assignment, sla), a team (reps) nor leads (an array or "leads")',
  };
}

/** Read dropped or picked files as UTF-8 text and classify them; too large ones are refused. */
export async function readDropped(files: Iterable<File>): Promise<OpenedFile[]> {
  const opened: OpenedFile[] = [];
  for (const file of files) {
    if (file.size > MAX_FILE_BYTES) {
      opened.push({
        kind: 'unknown',
        name: file.name,
        reason: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`,
      });
      continue;
    }
    opened.push(classifyFile(file.name, await file.text()));
  }
  return opened;
}
