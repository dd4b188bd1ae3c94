// Consent: 'full' (everything), 'minimal' (errors only, no ids, no storage) or 'none' (nothing).
// Do Not Track and Global Privacy Control mean minimal when `respectDNT` (default true).

export const normaliseConsent = (value, fallback = 'full') =>
  ['none', 'minimal', 'full'].includes(value) ? value : fallback;

export const privacySignal = (nav) => !!nav && (nav.globalPrivacyControl === true ||
  nav.doNotTrack === '1');

// The consent in effect: the asked-for level, capped at minimal when the browser signals DNT/GPC.
export function effectiveConsent(requested, respectDNT, nav) {
  const level = normaliseConsent(requested);
  return level === 'full' && respectDNT !== false && privacySignal(nav) ? 'minimal' : level;
}
