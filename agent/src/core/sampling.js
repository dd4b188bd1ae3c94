// Sampling, decided once per session and deterministically: the session id's hash against the
// rate, so every page of a session makes the same choice.

import { unitHash } from './ids.js';

export function clampRate(rate, fallback = 1) {
  const r = Number(rate);
  if (!Number.isFinite(r)) return fallback;
  return Math.min(1, Math.max(0, r));
}

// The session's rate: the `sampleRateFor(session)` hook's answer when it gives a number, else the
// configured rate. The hook sees {id, userTier, featureFlags, region}.
export function sessionRate(config, session) {
  if (typeof config.sampleRateFor === 'function') {
    try {
      const r = config.sampleRateFor(session);
      if (r !== undefined && r !== null) return clampRate(r, config.sampleRate);
    } catch {
      // a throwing hook falls back to the configured rate
    }
  }
  return clampRate(config.sampleRate);
}

export function isSampled(sessionId, rate) {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return unitHash(`sample:${sessionId}`) < rate;
}
