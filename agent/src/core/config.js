// The options of `Sightline.init`, normalised. The seed's names are accepted as aliases:
// `appVersion` for `release`, `allowedDomains` for `allowedOrigins`, and the minimal mode's
// `mode: 'minimal'`, `trackErrors`, `trackPerformance`, `trackSessions`, `disableSessionReplay`.

import { clampRate } from './sampling.js';
import { normaliseConsent } from './consent.js';

export const DEFAULTS = {
  key: '',
  endpoint: '/v1/beacon',
  service: '',
  environment: '',
  release: '',
  sampleRate: 1,
  errorSampleRate: 1,
  sampleRateFor: null,
  trackInteractions: true,
  trackResources: true,
  trackErrors: true,
  trackPerformance: true,
  trackSessions: true,
  trackNetwork: true,
  disableSessionReplay: true,
  allowedOrigins: [],
  metadata: { userTier: '', featureFlags: [] },
  respectDNT: true,
  consent: 'full',
  secretParams: null,
  beforeSend: null,
  flushIntervalMs: 5000,
  maxBatchEvents: 50,
  maxBatchBytes: 48 * 1024,
  maxErrorsPerPage: 25,
  gzip: true,
  plugins: [],
};

function list(value) {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  if (typeof value === 'string' && value) return [value];
  return [];
}

export function normaliseConfig(options = {}) {
  const o = options || {};
  const c = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS)) if (o[k] !== undefined) c[k] = o[k];
  c.key = String(o.key || '');
  c.endpoint = String(o.endpoint || DEFAULTS.endpoint);
  c.release = String(o.release || o.appVersion || '');
  c.service = String(c.service || '');
  c.environment = String(c.environment || '');
  c.sampleRate = clampRate(o.sampleRate, 1);
  c.errorSampleRate = clampRate(o.errorSampleRate, 1);
  c.allowedOrigins = list(o.allowedOrigins !== undefined ? o.allowedOrigins : o.allowedDomains);
  const meta = o.metadata || {};
  c.metadata = { userTier: String(meta.userTier || ''), featureFlags: list(meta.featureFlags) };
  c.consent = normaliseConsent(o.consent, 'full');
  if (o.mode === 'minimal') {
    // The seed's minimal mode: errors only, no sessions, no performance or interaction tracking.
    c.trackPerformance = false;
    c.trackInteractions = false;
    c.trackResources = false;
    c.trackSessions = false;
    c.trackNetwork = false;
    if (c.consent === 'full') c.consent = 'minimal';
  }
  if (o.trackPerformance === false) c.trackResources = false;
  c.disableSessionReplay = o.disableSessionReplay !== false;
  c.plugins = Array.isArray(o.plugins) ? o.plugins : [];
  return c;
}

// Whether `url` is on one of the allowed origins. Patterns: an origin (`https://api.shop.example`),
// a host (`api.shop.example`), a wildcard host (`*.shop.example`) or a RegExp.
export function originAllowed(url, patterns, pageOrigin) {
  let u;
  try {
    u = new URL(url, pageOrigin);
  } catch {
    return false;
  }
  if (u.origin === pageOrigin) return true;
  for (const p of patterns) {
    if (p instanceof RegExp) {
      if (p.test(u.origin)) return true;
      continue;
    }
    const pattern = String(p);
    if (pattern.includes('://')) {
      if (pattern === u.origin) return true;
      if (pattern.includes('*.')) {
        const [scheme, host] = pattern.split('://');
        if (u.protocol === `${scheme}:` && u.host.endsWith(host.slice(1))) return true;
      }
    } else if (pattern.startsWith('*.')) {
      if (u.host.endsWith(pattern.slice(1))) return true;
    } else if (u.host === pattern || u.hostname === pattern) {
      return true;
    }
  }
  return false;
}
