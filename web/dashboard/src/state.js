// The whole view state lives in the URL's query string, so a link reproduces the view:
//   view     overview | breakdown | trends | pages | errors | sessions | api | business
//   project  the project shown
//   range    1h | 24h | 7d | 28d (ending now), or from & to (ISO 8601 or epoch ms)
//   filter   dimension:value clauses, one parameter each (the query API's syntax)
//   ...      the view's own choices (metric, dim, segment, route, session, sort, steps...)
export const RANGES = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '28d': 28 * 86400e3 };
export const DIMENSIONS = ['device', 'country', 'region', 'browser', 'os', 'connection', 'release',
  'route', 'tier', 'flag', 'environment'];

const listeners = new Set();
let params = new URLSearchParams(location.search);
let now = Date.now();

function parseTime(text) {
  if (/^\d{9,}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

export const state = {
  get view() { return params.get('view') ?? 'overview'; },
  get project() { return params.get('project') ?? ''; },
  get range() { return params.get('from') ? 'custom' : (RANGES[params.get('range')] ? params.get('range') : '24h'); },
  get filters() { return params.getAll('filter'); },
  get(key, fallback = '') { return params.get(key) ?? fallback; },
  getAll(key) { return params.getAll(key); },
  toMs() { return (params.get('to') && parseTime(params.get('to'))) || Math.ceil(now / 60000) * 60000; },
  fromMs() {
    const from = params.get('from') && parseTime(params.get('from'));
    return from || this.toMs() - RANGES[this.range === 'custom' ? '24h' : this.range];
  },
  // A bucket size giving about 48-200 points over the range.
  intervalFor() {
    const span = this.toMs() - this.fromMs();
    for (const [text, ms] of [['1m', 60e3], ['5m', 300e3], ['15m', 900e3], ['1h', 3600e3], ['6h', 21600e3]]) {
      if (span / ms <= 200) return text;
    }
    return '1d';
  },
  href(changes = {}) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      next.delete(k);
      for (const item of Array.isArray(v) ? v : [v]) if (item !== null && item !== undefined && item !== '') next.append(k, item);
    }
    return `${location.pathname}?${next}`;
  },
  // Changes the URL (a new history entry) and re-renders.
  go(changes, { replace = false } = {}) {
    const href = this.href(changes);
    history[replace ? 'replaceState' : 'pushState'](null, '', href);
    params = new URLSearchParams(location.search);
    now = Date.now();
    for (const fn of listeners) fn();
  },
  onChange(fn) { listeners.add(fn); },
};

addEventListener('popstate', () => {
  params = new URLSearchParams(location.search);
  for (const fn of listeners) fn();
});
