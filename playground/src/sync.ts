/**
 * The page's state ⇄ the URL hash: read once at start, written (debounced) on every change with
 * `history.replaceState` (no history entry per keystroke), so the address bar is always a link
 * that reproduces the page.
 */
import { effect } from '@preact/signals';
import { baseline, lang, leadsFile, params, ruleSetText, teamText } from './state.js';
import { decodeState, encodeState, hasState, type OmittedPart, type PlaygroundState } from './url-state.js';

function snapshot(): PlaygroundState {
  return {
    v: 1,
    lang: lang.value,
    params: params.value,
    ruleSet: ruleSetText.value,
    team: teamText.value,
    baseline: baseline.value,
    leads: leadsFile.value,
  };
}

/** Apply the state of the page's hash, if it has one; a bad link is reported, not thrown. */
export async function restoreFromHash(onBadLink: (reason: string) => void): Promise<boolean> {
  if (!hasState(location.hash)) return false;
  const decoded = await decodeState(location.hash);
  if (!decoded.ok) {
    onBadLink(decoded.error);
    return false;
  }
  const s = decoded.state;
  lang.value = s.lang;
  params.value = s.params;
  ruleSetText.value = s.ruleSet;
  teamText.value = s.team;
  baseline.value = s.baseline;
  leadsFile.value = s.leads;
  return true;
}

/** The current state as a link (what the share button copies). */
export async function shareLink(): Promise<{ url: string; omitted: readonly OmittedPart[] }> {
  const encoded = await encodeState(snapshot());
  const url = `${location.origin}${location.pathname}${location.search}${encoded.hash}`;
  return { url, omitted: encoded.omitted };
}

/** Keep the hash up to date from now on. */
export function syncHash(delayMs = 400): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let written = 0;
  effect(() => {
    // Reads only what the link holds, so progress ticks do not re-encode it.
    const state = snapshot();
    clearTimeout(timer);
    const mine = ++written;
    timer = setTimeout(async () => {
      const encoded = await encodeState(state);
      if (mine === written) history.replaceState(null, '', encoded.hash);
    }, delayMs);
  });
}
