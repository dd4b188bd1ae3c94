// Consent: 'full' (everything), 'minimal' (errors only, no ids, no storage) or 'none' (nothing).
// Do Not Track and Global Privacy Control mean minimal when `respectDNT` (default true).

export const CONSENT_LEVELS = ['none', 'minimal', 'full'];

export function normaliseConsent(value, fallback = 'full') {
  return CONSENT_LEVELS.includes(value) ? value : fallback;
}

export function privacySignal(nav) {
  if (!nav) return false;
  return nav.globalPrivacyControl === true || nav.doNotTrack === '1' || nav.doNotTrack === 'yes' ||
    nav.msDoNotTrack === '1';
}

// The consent in effect: the asked-for level, capped at minimal when the browser signals DNT/GPC.
export function effectiveConsent(requested, respectDNT, nav) {
  const level = normaliseConsent(requested);
  if (level === 'full' && respectDNT !== false && privacySignal(nav)) return 'minimal';
  return level;
}
