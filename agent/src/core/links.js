// Sessions across registrable domains (a checkout on another domain): links to the configured
// domains carry `sl_sid=<session id>.<unix seconds>`, and a page opened from such a link within
// two minutes continues that session. Only with full consent; the parameter is scrubbed from
// reported URLs.

import { originAllowed } from './config.js';

export const LINK_PARAM = 'sl_sid';
const LINK_TTL_S = 120;

// The session id a decorated link brought to this page, if it is fresh.
export function linkedSessionId(search, nowMs) {
  const m = new RegExp(`[?&]${LINK_PARAM}=([\\da-f]{32})\\.(\\d+)`).exec(search);
  return m && Math.abs(nowMs / 1000 - m[2]) < LINK_TTL_S ? m[1] : undefined;
}

// `sessionId()` gives the current id, or '' when links must not be decorated.
export function decorateLinks(domains, sessionId, safe) {
  const decorate = safe((e) => {
    const a = e.target.closest && e.target.closest('a[href]');
    const id = a && sessionId();
    if (!id || !/^https?:$/.test(a.protocol) || a.host === location.host ||
      !originAllowed(a.href, domains, location.origin)) return;
    const url = new URL(a.href);
    url.searchParams.set(LINK_PARAM, `${id}.${Math.floor(Date.now() / 1000)}`);
    a.href = url.href;
  });
  // Before the browser follows the link: pointer down, Enter on a focused link, and the click.
  for (const type of ['mousedown', 'keydown', 'click']) addEventListener(type, decorate, true);
}
