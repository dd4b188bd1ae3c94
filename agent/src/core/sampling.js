// Sampling, decided once per session and deterministically: the session id's hash against the
// rate, so every page of a session makes the same choice.

import { unitHash } from './ids.js';

export function clampRate(rate, fallback = 1) {
  const r = rate == null ? NaN : Number(rate);
  return Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : fallback;
}

// The rules the collector serves at GET /v1/config for this visitor (see docs/protocol.md):
// {sample_rate, by_user_tier: {tier: rate}, by_feature_flag: {flag: rate}}; the most generous
// matching rule wins. Returns undefined when `remote` has no rate.
export function remoteRate(remote, session) {
  if (!remote || remote.sample_rate == null) return undefined;
  const rates = [clampRate(remote.sample_rate), (remote.by_user_tier || {})[session.userTier]];
  for (const f of session.featureFlags || []) rates.push((remote.by_feature_flag || {})[f]);
  return Math.max(...rates.filter((r) => r != null).map((r) => clampRate(r, 0)));
}

// The session's rate: the `sampleRateFor(session)` hook's answer when it gives a number, else the
// collector's rate for this visitor when known, else `sampleRate`. The hook sees
// {id, userTier, featureFlags, region, remoteRate}.
export function sessionRate(config, session) {
  const fallback = session.remoteRate != null ? session.remoteRate : config.sampleRate;
  try {
    if (config.sampleRateFor) return clampRate(config.sampleRateFor(session), fallback);
  } catch {
    // a throwing hook falls back
  }
  return fallback;
}

export const isSampled = (sessionId, rate) =>
  rate >= 1 || (rate > 0 && unitHash(`sample:${sessionId}`) < rate);
