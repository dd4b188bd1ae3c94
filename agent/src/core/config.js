// The options of `Sightline.init`, normalised. The seed's names are accepted as aliases:
// `appVersion` for `release`, `allowedDomains` for `allowedOrigins`, and the minimal mode's
// `mode: 'minimal'` (errors only: no performance, interactions, resources, network or sessions),
// `trackErrors`, `trackPerformance`, `trackSessions`. (`disableSessionReplay` is accepted: this
// agent records no replays.)

import { clampRate } from './sampling.js';
import { normaliseConsent } from './consent.js';

const str = (v) => (v == null ? '' : String(v));
export const list = (v) => (Array.isArray(v) ? v : v ? [v] : []).filter(Boolean);

export function normaliseConfig(options) {
  const o = options || {};
  const minimal = o.mode === 'minimal';
  const perf = !minimal && o.trackPerformance !== false;
  const meta = o.metadata || {};
  const consent = normaliseConsent(o.consent);
  const endpoint = str(o.endpoint) || '/v1/beacon';
  return {
    key: str(o.key),
    endpoint,
    // With `remoteConfig: true`, each new session asks the collector for this visitor's sampling
    // rates: GET /v1/config?key= next to the beacon endpoint, or `configUrl`.
    configUrl: o.remoteConfig ? str(o.configUrl) || endpoint.replace(/beacon$/, 'config') : '',
    extrasUrl: str(o.extrasUrl),  // where sightline-extras.js is, when not next to sightline.js
    service: str(o.service),
    environment: str(o.environment),
    release: str(o.release || o.appVersion),
    sampleRate: clampRate(o.sampleRate),
    errorSampleRate: clampRate(o.errorSampleRate),
    sampleRateFor: o.sampleRateFor,
    trackErrors: o.trackErrors !== false,
    trackPerformance: perf,
    trackResources: perf && o.trackResources !== false,
    trackNetwork: perf && o.trackNetwork !== false,
    trackInteractions: !minimal && o.trackInteractions !== false,
    trackSessions: !minimal && o.trackSessions !== false,
    allowedOrigins: list(o.allowedOrigins !== undefined ? o.allowedOrigins : o.allowedDomains),
    // A parent domain (`shop.example`) for the session cookie shared by its subdomains, and the
    // domains whose links carry the session id (flows that cross registrable domains).
    cookieDomain: str(o.cookieDomain),
    decorateDomains: list(o.decorateDomains),
    metadata: { userTier: str(meta.userTier), featureFlags: list(meta.featureFlags).map(String) },
    respectDNT: o.respectDNT !== false,
    consent: minimal && consent === 'full' ? 'minimal' : consent,
    secretParams: o.secretParams,
    beforeSend: o.beforeSend,
    plugins: list(o.plugins),
    flushIntervalMs: o.flushIntervalMs || 5000,
  };
}

// Whether `url` is on one of `patterns` or on the page's own origin. A pattern is an origin
// (`https://api.shop.example`, port included: another port is another origin; a path after it is
// ignored), a host (`api.shop.example`: any scheme and port; `api.shop.example:8443`: that port),
// a wildcard host (`*.shop.example`: its subdomains at any depth, not itself; after a scheme,
// that scheme and its default port) or a RegExp tested against the origin.
export function originAllowed(url, patterns, pageOrigin) {
  let u;
  try {
    u = new URL(url, pageOrigin);
  } catch {
    return false;
  }
  return u.origin === pageOrigin || patterns.some((p) => patternMatches(p, u));
}

function patternMatches(p, u) {
  if (p instanceof RegExp) return p.test(u.origin);
  // [scheme://]host[:port][/path…]; the path is ignored.
  const [, scheme, host] = /^(?:([^:/]*):\/\/)?([^/]*)/.exec(String(p).toLowerCase());
  const wild = host.startsWith('*.');
  try {
    // The pattern's host (a wildcard's parent domain) and port, as the URL parser reads them.
    const t = new URL(`${scheme ? `${scheme}:` : u.protocol}//${wild ? host.slice(2) : host}`);
    return (!scheme || t.protocol === u.protocol) &&
      (!scheme && !/:\d+$/.test(host) || t.port === u.port) &&
      (wild ? u.hostname.endsWith(`.${t.hostname}`) : u.hostname === t.hostname);
  } catch {
    return false;
  }
}
