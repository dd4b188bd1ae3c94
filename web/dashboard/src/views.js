// The dashboard's views. Each `render()` queries the API for the state in the URL and returns the
// view's content; `mounted()` draws charts once the content is in the page.
import { api, scope } from './api.js';
import { lineChart, sparkline } from './charts.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { DIMENSIONS, state } from './state.js';

const CORE = ['LCP', 'INP', 'CLS'];
const ALL_VITALS = Object.keys(fmt.VITALS);
let pending = [];  // charts to draw after mounting: functions

function afterMount(fn) { pending.push(fn); }
function mounted() { const fns = pending; pending = []; for (const fn of fns) fn(); }

const snippet = () => `<script>
!function(w,d,s,n){var q=w[n]=w[n]||{q:[]};["init","track","identify","setFlags","setConsent"].forEach(function(m){q[m]=q[m]||function(){q.q.push([m,[].slice.call(arguments)])}});var e=d.createElement("script");e.async=1;e.src=s;d.head.appendChild(e)}(window,document,"${location.origin}/sightline.js","Sightline");
Sightline.init({ key: '<your project\\'s ingest key>', endpoint: '${location.origin}/v1/beacon' });
</script>`;

function emptyState(what) {
  return h('div', { class: 'empty' },
    h('p', {}, `No ${what} in this range${state.filters.length ? ' with these filters' : ''}. `,
      'Widen the time range, remove a filter, or add the agent to your pages: paste this into their <head>.'),
    h('pre', {}, snippet()));
}

function select(label, value, options, onChange) {
  const el = h('select', { onchange: () => onChange(el.value) },
    ...options.map((o) => h('option', { value: o, selected: o === value }, o)));
  return h('label', {}, label, el);
}

function groupValue(row, dim) {
  if (row.other) return '(other)';
  const v = row.group?.[dim];
  return v === null || v === undefined ? '(none)' : v;
}

// A table from column specs {key, label, num, fmt, bar}; rows click to `onRow`. Sorted by the URL's
// `sort` (key) and `dir`.
function table(columns, rows, { onRow, sortable = true, caption } = {}) {
  const sortKey = state.get('sort');
  const dir = state.get('dir', 'desc');
  let sorted = rows;
  const col = columns.find((c) => c.key === sortKey);
  if (sortable && col) {
    const v = (r) => (col.value ? col.value(r) : r[col.key]);
    sorted = [...rows].sort((a, b) => {
      const x = v(a), y = v(b);
      const c = typeof x === 'string' ? String(x).localeCompare(String(y)) : (x ?? -Infinity) - (y ?? -Infinity);
      return dir === 'asc' ? c : -c;
    });
  }
  const max = {};
  for (const c of columns) if (c.bar) max[c.key] = Math.max(...rows.map((r) => r[c.key] ?? 0), 1e-9);
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {
      class: c.num ? 'num' : null, scope: 'col',
      'aria-sort': sortKey === c.key ? (dir === 'asc' ? 'ascending' : 'descending') : null,
    }, sortable ? h('button', { type: 'button', onclick: () => state.go({ sort: c.key, dir: sortKey === c.key && dir === 'desc' ? 'asc' : 'desc' }) },
      c.label, sortKey === c.key ? (dir === 'asc' ? ' ▲' : ' ▼') : '') : c.label)))),
    h('tbody', {}, ...sorted.map((r) => h('tr', onRow ? {
      class: 'clickable', tabindex: 0, onclick: () => onRow(r),
      onkeydown: (e) => { if (e.key === 'Enter') onRow(r); },
    } : {}, ...columns.map((c) => {
      const raw = c.value ? c.value(r) : r[c.key];
      const text = c.fmt ? c.fmt(raw, r) : raw ?? '–';
      const cls = [c.num ? 'num' : '', c.band ? fmt.band(c.band, raw) : ''].filter(Boolean).join(' ');
      if (c.bar) {
        return h('td', { class: `num meter ${cls}` }, h('i', { style: { width: `${(100 * (raw ?? 0)) / max[c.key]}%` } }), h('span', {}, text));
      }
      return h('td', { class: cls || null }, text);
    }))))));
}

function drill(dim, row) {
  const v = row.group?.[dim];
  if (row.other) return;
  state.go({ filter: [...state.filters, `${dim}:${v ?? ''}`] });
}

// --- Overview -------------------------------------------------------------------------------
async function overview() {
  const interval = state.intervalFor();
  const [vitals, series, traffic] = await Promise.all([
    Promise.all(ALL_VITALS.map((name) => api('metrics', { name, stats: 'p75,good,ni,poor,count', ...scope() }))),
    Promise.all(ALL_VITALS.map((name) => api('timeseries', { name, stats: 'p75', interval, ...scope() }))),
    api('overview', { interval, ...scope() }),
  ]);
  const t = traffic.totals;
  if (!t.page_views && !t.sessions && vitals.every((v) => !v.rows.length)) return emptyState('page views');
  const cards = ALL_VITALS.map((name, i) => {
    const row = vitals[i].rows[0] ?? {};
    const spark = h('div', { class: 'spark', 'aria-hidden': 'true' });
    const points = series[i].series[0].points.map((p) => [p.t, p.p75]);
    afterMount(() => sparkline(spark, points));
    return h('a', { class: 'card vital', href: state.href({ view: 'breakdown', metric: name }), 'data-vital': name,
      style: { textDecoration: 'none', color: 'inherit' },
      onclick: (e) => { e.preventDefault(); state.go({ view: 'breakdown', metric: name }); } },
    h('div', { class: 'label' }, `${name} p75 · ${fmt.VITALS[name].title}`),
    h('div', { class: `value ${fmt.band(name, row.p75)}`, 'data-p75': row.p75 ?? '' }, fmt.vital(name, row.p75)),
    h('div', { class: 'bands', role: 'img', 'aria-label': `good ${fmt.percent(row.good)}, needs improvement ${fmt.percent(row.ni)}, poor ${fmt.percent(row.poor)}` },
      ...['good', 'ni', 'poor'].map((b) => h('span', { style: { width: `${(row[b] ?? 0) * 100}%` } }))),
    h('div', { class: 'muted' }, `good ${fmt.percent(row.good, 0)} · NI ${fmt.percent(row.ni, 0)} · poor ${fmt.percent(row.poor, 0)} · ${fmt.count(row.count)} samples`),
    spark);
  });
  const counter = (label, value, key, text) => {
    const spark = h('div', { class: 'spark', 'aria-hidden': 'true' });
    afterMount(() => sparkline(spark, traffic.buckets.map((b) => [b.start, b[key]]), { color: '#e8590c' }));
    return h('div', { class: 'card', 'data-counter': key }, h('div', { class: 'label' }, label),
      h('div', { class: 'value', 'data-value': value ?? '' }, text), spark);
  };
  return h('div', {},
    h('h2', {}, 'Core Web Vitals'), h('div', { class: 'grid' }, ...cards),
    h('h2', {}, 'Traffic and health'), h('div', { class: 'grid' },
      counter('Page views', t.page_views, 'page_views', fmt.count(t.page_views)),
      counter('Sessions', t.sessions, 'sessions', fmt.count(t.sessions)),
      counter('JS errors per page view', t.error_rate, 'error_rate', fmt.percent(t.error_rate, 2)),
      counter('API error rate', t.api_error_rate, 'api_error_rate', fmt.percent(t.api_error_rate, 2))));
}

// --- Breakdown ------------------------------------------------------------------------------
async function breakdown() {
  const metric = state.get('metric', 'LCP');
  const dim = state.get('dim', 'device');
  const res = await api('metrics', { name: metric, stats: 'p75,p95,count', group_by: dim, limit: 50, ...scope() });
  const controls = h('div', { class: 'controls' },
    select('Metric', metric, ALL_VITALS, (v) => state.go({ metric: v })),
    select('Dimension', dim, DIMENSIONS, (v) => state.go({ dim: v, sort: null })));
  if (!res.rows.length) return h('div', {}, controls, emptyState(`${metric} values`));
  return h('div', {}, controls, table([
    { key: 'group', label: dim, value: (r) => groupValue(r, dim) },
    { key: 'p75', label: 'p75', num: true, band: metric, fmt: (v) => fmt.vital(metric, v) },
    { key: 'p95', label: 'p95', num: true, band: metric, fmt: (v) => fmt.vital(metric, v) },
    { key: 'count', label: 'count', num: true, bar: true, fmt: fmt.count },
  ], res.rows, { onRow: (r) => drill(dim, r), caption: `${metric} by ${dim}` }),
  h('p', { class: 'muted' }, 'Select a row to filter every view on it.'));
}

// --- Trends ---------------------------------------------------------------------------------
async function trends() {
  const metric = state.get('metric', 'LCP');
  const segments = state.getAll('segment').slice(0, 4);
  const interval = state.intervalFor();
  const [res, releases] = await Promise.all([
    api('timeseries', { name: metric, stats: 'p75', interval, segment: segments, ...scope() }),
    api('metrics', { name: metric, stats: 'count', group_by: 'release', limit: 6, ...scope() }),
  ]);
  // A release's marker: the first bucket with its values.
  const named = releases.rows.filter((r) => !r.other && r.group.release);
  const firsts = await Promise.all(named.map((r) => api('timeseries', {
    name: metric, stats: 'count', interval, ...scope(), filter: [...state.filters, `release:${r.group.release}`].join(','),
  })));
  // Releases already live at the start of the range get no marker.
  const markers = named.map((r, i) => {
    const pts = firsts[i].series[0].points;
    const at = pts.findIndex((p) => p.count > 0);
    return at > 0 ? { atMs: pts[at].t, label: r.group.release } : null;
  }).filter(Boolean);
  const segInput = h('input', { 'aria-label': 'Segment', placeholder: 'device:mobile', size: 18 });
  const controls = h('div', { class: 'controls' },
    select('Metric', metric, ALL_VITALS, (v) => state.go({ metric: v })),
    h('form', { onsubmit: (e) => {
      e.preventDefault();
      if (segInput.value.trim() && segments.length < 4) state.go({ segment: [...segments, segInput.value.trim()] });
    } }, h('label', {}, 'Add a segment (up to 4)', segInput)),
    ...segments.map((s) => h('span', { class: 'chip' }, s, h('button', { type: 'button', 'aria-label': `Remove segment ${s}`,
      onclick: () => state.go({ segment: segments.filter((x) => x !== s) }) }, '×'))));
  const points = res.series[0]?.points ?? [];
  if (!res.series.some((s) => s.points.some((p) => p.p75 !== null))) return h('div', {}, controls, emptyState(`${metric} values`));
  const chart = h('div', { class: 'chart', 'data-series': res.series.length, 'data-markers': markers.map((m) => m.label).join(',') });
  afterMount(() => lineChart(chart, points.map((p) => p.t),
    res.series.map((s) => ({ label: s.segment ?? 'all', values: s.points.map((p) => p.p75) })),
    { markers, format: (v) => fmt.vital(metric, v) }));
  return h('div', {}, controls, chart,
    h('p', { class: 'muted' }, `p75 of ${metric} per ${interval}; dashed lines mark the first values of each release.`));
}

// --- Pages ----------------------------------------------------------------------------------
async function pages() {
  const route = state.get('route');
  if (route) return pageDetail(route);
  const [traffic, ...vitals] = await Promise.all([
    api('overview', { group_by: 'route', limit: 50, ...scope() }),
    ...CORE.map((name) => api('metrics', { name, stats: 'p75', group_by: 'route', limit: 200, ...scope() })),
  ]);
  if (!traffic.rows.length) return emptyState('page views');
  const p75 = CORE.map((_, i) => new Map(vitals[i].rows.map((r) => [r.group.route, r.p75])));
  const rows = traffic.rows.map((r) => ({ route: r.group.route, page_views: r.page_views, error_rate: r.error_rate,
    LCP: p75[0].get(r.group.route), INP: p75[1].get(r.group.route), CLS: p75[2].get(r.group.route) }));
  return table([
    { key: 'route', label: 'route', fmt: (v) => v ?? '(none)' },
    { key: 'page_views', label: 'page views', num: true, bar: true, fmt: fmt.count },
    ...CORE.map((name) => ({ key: name, label: `${name} p75`, num: true, band: name, fmt: (v) => fmt.vital(name, v) })),
    { key: 'error_rate', label: 'errors / view', num: true, fmt: (v) => fmt.percent(v, 2) },
  ], rows, { onRow: (r) => state.go({ route: r.route ?? '', sort: null }), caption: 'Routes by page views' });
}

async function pageDetail(route) {
  const filter = [...state.filters, `route:${route}`].join(',');
  const [byDevice, series, elements, resources] = await Promise.all([
    Promise.all(CORE.map((name) => api('metrics', { name, stats: 'p75,count', group_by: 'device', ...scope(), filter }))),
    api('timeseries', { name: 'LCP', stats: 'p75', interval: state.intervalFor(), ...scope(), filter }),
    api('attribution', { name: 'LCP', by: 'element', limit: 10, ...scope(), filter }),
    api('attribution', { name: 'LCP', by: 'url', sort: 'p75', limit: 10, ...scope(), filter }),
  ]);
  const phase = (key) => ({ key, label: `${key.replace(/_p75$/, '').replace(/([A-Z])/g, ' $1').toLowerCase()} p75`, num: true, fmt: fmt.duration });
  const chart = h('div', { class: 'chart' });
  const points = series.series[0].points;
  afterMount(() => lineChart(chart, points.map((p) => p.t), [{ label: 'LCP p75', values: points.map((p) => p.p75) }],
    { format: (v) => fmt.vital('LCP', v), height: 220 }));
  return h('div', {},
    h('p', {}, h('a', { href: state.href({ route: null }), onclick: (e) => { e.preventDefault(); state.go({ route: null }); } }, '← All pages'),
      ' ', h('strong', {}, route)),
    h('h2', {}, 'LCP over time'), chart,
    h('h2', {}, 'LCP elements'), elements.rows.length ? table([
      { key: 'element', label: 'element', fmt: (v) => v ?? '(not attributed)' },
      { key: 'count', label: 'page views', num: true, bar: true, fmt: fmt.count },
      { key: 'share', label: 'share', num: true, fmt: (v) => fmt.percent(v) },
      { key: 'p75', label: 'LCP p75', num: true, band: 'LCP', fmt: (v) => fmt.vital('LCP', v) },
      phase('elementRenderDelay_p75'),
    ], elements.rows, { sortable: false, caption: 'LCP elements' }) : emptyState('LCP values'),
    h('h2', {}, 'Slowest LCP resources'), resources.rows.length ? table([
      { key: 'url', label: 'resource', fmt: (v) => v ?? '(no resource: text)' },
      { key: 'p75', label: 'LCP p75', num: true, band: 'LCP', fmt: (v) => fmt.vital('LCP', v) },
      { key: 'count', label: 'page views', num: true, fmt: fmt.count },
      phase('resourceLoadDelay_p75'), phase('resourceLoadDuration_p75'),
    ], resources.rows, { sortable: false, caption: 'Slowest LCP resources' }) : emptyState('LCP values'),
    h('h2', {}, 'By device'),
    ...CORE.map((name, i) => h('div', {}, h('h3', {}, name), table([
      { key: 'device', label: 'device', value: (r) => groupValue(r, 'device') },
      { key: 'p75', label: 'p75', num: true, band: name, fmt: (v) => fmt.vital(name, v) },
      { key: 'count', label: 'count', num: true, bar: true, fmt: fmt.count },
    ], byDevice[i].rows, { sortable: false }))));
}

// --- Errors ---------------------------------------------------------------------------------
const ERROR_SORTS = ['count', 'users', 'sessions', 'newest', 'last_seen'];
const BREAKDOWNS = ['browser', 'browser_version', 'os', 'device', 'country', 'release', 'flag', 'tier',
  'connection', 'route'];
const FILTERABLE = new Set(DIMENSIONS);

// A small inline trend line (SVG): cheap enough for a row of every group.
function trendLine(values) {
  const max = Math.max(...values, 1e-9);
  const w = 96, ht = 20;
  const pts = values.map((v, i) => `${values.length > 1 ? (i / (values.length - 1)) * w : 0},${ht - (v / max) * ht}`);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 -1 ${w} ${ht + 2}`);
  svg.setAttribute('class', 'trend');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', pts.join(' '));
  svg.append(line);
  return svg;
}

function statusBadge(g) {
  if (g.regression) return h('span', { class: 'badge poor', title: `resolved, then seen in ${g.regressed_in}` }, 'regression');
  return h('span', { class: `badge ${g.status}` }, g.status);
}

async function errors() {
  const fingerprint = state.get('group');
  if (fingerprint) return errorDetail(fingerprint);
  const [traffic, list] = await Promise.all([
    api('overview', { interval: state.intervalFor(), ...scope() }),
    api('errors', { sort: state.get('order', 'count'), status: state.get('status') || undefined, limit: 100, ...scope() }),
  ]);
  const chart = h('div', { class: 'chart' });
  afterMount(() => lineChart(chart, traffic.buckets.map((b) => b.start),
    [{ label: 'JS errors', values: traffic.buckets.map((b) => b.errors) }], { format: fmt.count, height: 180 }));
  const controls = h('div', { class: 'controls' },
    select('Status', state.get('status') || 'any', ['any', 'open', 'resolved', 'ignored'],
      (v) => state.go({ status: v === 'any' ? null : v })),
    select('Sort by', state.get('order', 'count'), ERROR_SORTS, (v) => state.go({ order: v })),
    h('a', { href: state.href({ view: 'sessions', had_error: 'true', group: null }),
      onclick: (e) => { e.preventDefault(); state.go({ view: 'sessions', had_error: 'true', group: null }); } },
    'Sessions with errors →'));
  const groups = list.groups.length ? table([
    { key: 'title', label: 'error', value: (g) => `${g.type}: ${g.message}`,
      fmt: (v, g) => h('span', {}, h('strong', {}, g.type), `: ${g.message}`, h('br'), h('span', { class: 'muted' }, g.culprit || '(no stack)')) },
    { key: 'count', label: 'events', num: true, bar: true, fmt: fmt.count },
    { key: 'users', label: 'users', num: true, fmt: fmt.count },
    { key: 'sessions', label: 'sessions', num: true, fmt: fmt.count },
    { key: 'trend', label: 'trend', value: (g) => g.count, fmt: (v, g) => trendLine(g.trend) },
    { key: 'last_seen', label: 'last seen', fmt: fmt.time },
    { key: 'first_seen', label: 'first seen', fmt: fmt.time },
    { key: 'releases', label: 'releases', value: (g) => g.releases.join(', ') },
    { key: 'status', label: 'status', value: (g) => (g.regression ? 'regression' : g.status), fmt: (v, g) => statusBadge(g) },
  ], list.groups, { sortable: false, onRow: (g) => state.go({ group: g.fingerprint }), caption: 'Error groups' }) : emptyState('errors');
  groups.dataset.groups = '';
  return h('div', {},
    h('div', { class: 'grid' },
      h('div', { class: 'card' }, h('div', { class: 'label' }, 'JS errors'), h('div', { class: 'value' }, fmt.count(traffic.totals.errors))),
      h('div', { class: 'card' }, h('div', { class: 'label' }, 'Errors per page view'), h('div', { class: 'value' }, fmt.percent(traffic.totals.error_rate, 2))),
      h('div', { class: 'card' }, h('div', { class: 'label' }, 'Error groups'), h('div', { class: 'value' }, fmt.count(list.total_groups)))),
    h('h2', {}, 'Errors over time'), chart,
    h('h2', {}, 'Error groups'), controls, groups);
}

function frameView(f, open) {
  const where = f.mapped ? `${f.source}:${f.source_line}:${f.source_column}` : `${f.file || '(native)'}${f.line ? `:${f.line}:${f.column}` : ''}`;
  const head = h('span', {}, h('code', {}, f.function || '(anonymous)'), ' ', h('span', { class: 'muted' }, where),
    f.mapped ? h('span', { class: 'muted' }, ` ← ${f.generated_function || '?'} at ${f.file.replace(/^https?:\/\/[^/]+/, '')}:${f.line}:${f.column}`) : null,
    f.in_app ? null : h('span', { class: 'badge' }, 'third-party'));
  if (!f.context) return h('li', { class: f.in_app ? 'frame in-app' : 'frame' }, head);
  const first = f.source_line - f.context.pre.length;
  const lines = [...f.context.pre, f.context.line, ...f.context.post].map((text, i) =>
    h('span', { class: first + i === f.source_line ? 'hit' : null }, `${String(first + i).padStart(5)}  ${text}\n`));
  return h('li', { class: f.in_app ? 'frame in-app' : 'frame' },
    h('details', { open }, h('summary', {}, head), h('pre', { class: 'source' }, ...lines)));
}

async function errorDetail(fingerprint) {
  const detail = await api(`errors/${encodeURIComponent(fingerprint)}`, scope());
  const g = detail.group;
  const latest = detail.occurrences[0];
  const setStatus = (status) => async () => {
    await api(`errors/${fingerprint}`, {}, { method: 'PATCH', body: { status } });
    state.go({}, { replace: true });
  };
  const chart = h('div', { class: 'chart' });
  afterMount(() => lineChart(chart, g.trend.map((_, i) => detail.from + i * detail.bucket_ms),
    [{ label: 'events', values: g.trend }], { format: fmt.count, height: 160 }));
  const breakdown = (name) => {
    const rows = detail.breakdowns[name] ?? [];
    const dim = name === 'browser_version' ? 'browser' : name;
    return h('div', { class: 'breakdown' }, h('h3', {}, name.replace('_', ' ')), table([
      { key: 'value', label: name, value: (r) => (r.other ? '(other)' : r.value ?? '(none)') },
      { key: 'count', label: 'events', num: true, bar: true, fmt: fmt.count },
      { key: 'share', label: 'share', num: true, fmt: (v) => fmt.percent(v) },
    ], rows, { sortable: false, onRow: FILTERABLE.has(dim) && name !== 'browser_version'
      ? (r) => !r.other && r.value && state.go({ filter: [...state.filters, `${dim}:${r.value}`] }) : undefined }));
  };
  return h('div', {},
    h('p', {}, h('a', { href: state.href({ group: null }), onclick: (e) => { e.preventDefault(); state.go({ group: null }); } }, '← All errors')),
    h('h2', { class: 'error-title' }, h('strong', {}, g.type), `: ${g.message}`),
    h('p', { class: 'muted' }, g.culprit, ' · ', statusBadge(g), ' · fingerprint ', h('code', {}, g.fingerprint)),
    h('div', { class: 'controls' },
      g.status !== 'resolved' || g.regression ? h('button', { type: 'button', onclick: setStatus('resolved') }, 'Resolve') : null,
      g.status !== 'ignored' ? h('button', { type: 'button', onclick: setStatus('ignored') }, 'Ignore') : null,
      g.status !== 'open' || g.regression ? h('button', { type: 'button', onclick: setStatus('open') }, 'Reopen') : null),
    h('div', { class: 'grid' }, ...[
      ['Events', fmt.count(g.count)], ['Users', fmt.count(g.users)], ['Sessions', fmt.count(g.sessions)],
      ['First seen', `${fmt.time(g.first_seen)} (${g.first_release || 'no release'})`], ['Last seen', fmt.time(g.last_seen)],
      ['Releases', g.releases.join(', ') || '–'],
    ].map(([label, value]) => h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value small' }, value)))),
    h('h2', {}, 'Events over time'), chart,
    latest ? h('div', {}, h('h2', {}, 'Stack of the latest event'),
      h('ol', { class: 'stack' }, ...latest.frames.map((f, i) => frameView(f, i === 0 || (f.in_app && i < 3))))) : null,
    h('h2', {}, 'Where it happens'),
    h('div', { class: 'breakdowns' }, ...BREAKDOWNS.map(breakdown)),
    latest && latest.breadcrumbs.length ? h('div', {}, h('h2', {}, 'Breadcrumbs of the latest event'),
      h('ol', { class: 'breadcrumbs' }, ...latest.breadcrumbs.map((b) => h('li', {},
        h('span', { class: 'muted' }, b.ts ? `${fmt.time(b.ts)} ` : ''), `${b.type ?? ''} ${b.target ?? b.url ?? b.message ?? ''}`)))) : null,
    h('h2', {}, 'Recent events'), table([
      { key: 'ts', label: 'time', fmt: fmt.time },
      { key: 'release', label: 'release' },
      { key: 'browser', label: 'browser', value: (o) => `${o.browser ?? ''} ${o.browser_version ?? ''}`.trim() },
      { key: 'os', label: 'OS', value: (o) => `${o.os ?? ''} ${o.os_version ?? ''}`.trim() },
      { key: 'device', label: 'device' }, { key: 'country', label: 'country' },
      { key: 'route', label: 'route' }, { key: 'connection', label: 'network' }, { key: 'tier', label: 'tier' },
      { key: 'flags', label: 'flags', value: (o) => o.flags.join(', ') },
    ], detail.occurrences, { sortable: false, caption: 'Recent events',
      onRow: (o) => o.session_id && state.go({ view: 'sessions', session: o.session_id, group: null }) }));
}

// --- Sessions -------------------------------------------------------------------------------
function sessionTable(res) {
  if (!res.sessions.length) return emptyState('sessions');
  return h('div', {}, h('p', { class: 'muted' }, `${fmt.count(res.total)} sessions match; the first ${res.sessions.length} shown.`),
    table([
      { key: 'start', label: 'start', fmt: fmt.time },
      { key: 'duration_ms', label: 'length', num: true, fmt: fmt.duration },
      { key: 'page_views', label: 'pages', num: true },
      { key: 'errors', label: 'errors', num: true },
      { key: 'landing_route', label: 'landing page' },
      { key: 'country', label: 'country' }, { key: 'device', label: 'device' }, { key: 'release', label: 'release' },
      { key: 'lcp', label: 'worst LCP', num: true, band: 'LCP', value: (r) => r.worst.LCP, fmt: (v) => fmt.vital('LCP', v) },
    ], res.sessions, { sortable: false, onRow: (r) => state.go({ view: 'sessions', session: r.session_id }) }));
}

async function sessions() {
  const id = state.get('session');
  if (id) return sessionDetail(id);
  const params = { had_error: state.get('had_error') || undefined, sort: state.get('order', 'newest'), limit: 50, ...scope() };
  const res = await api('sessions', params);
  const form = h('form', { class: 'controls', onsubmit: (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    const filters = state.filters.filter((f) => !/^(tier|country|release):/.test(f));
    for (const key of ['tier', 'country', 'release']) if (data.get(key)) filters.push(`${key}:${data.get(key)}`);
    state.go({ filter: filters, had_error: data.get('had_error') ? 'true' : null });
  } },
  ...['tier', 'country', 'release'].map((k) => {
    const current = state.filters.find((f) => f.startsWith(`${k}:`))?.slice(k.length + 1) ?? '';
    return h('label', {}, k, h('input', { name: k, value: current, size: 10 }));
  }),
  h('label', {}, 'had an error', h('input', { type: 'checkbox', name: 'had_error', checked: state.get('had_error') === 'true' })),
  select('Order', state.get('order', 'newest'), ['newest', 'slowest'], (v) => state.go({ order: v })),
  h('button', { type: 'submit' }, 'Search'));
  return h('div', {}, form, sessionTable(res));
}

async function sessionDetail(id) {
  const res = await api(`sessions/${encodeURIComponent(id)}`, { from: state.fromMs(), to: state.toMs() });
  const describe = (e) => {
    switch (e.type) {
      case 'page_view': return `Page view ${e.route ?? e.url ?? ''}`;
      case 'vital': return `${e.name} ${fmt.vital(e.name, e.value)}${e.rating ? ` (${e.rating})` : ''}`;
      case 'action': return `${e.name ?? 'action'} ${e.target ?? ''}`;
      case 'api_call': return `${e.method ?? ''} ${e.request_route ?? e.request_url ?? ''} → ${e.status ?? 'failed'} in ${fmt.duration(e.duration)}`;
      case 'error': return `Error: ${e.message ?? ''}`;
      case 'custom': return `Event ${e.name}${e.value !== undefined ? ` = ${e.value}` : ''}`;
      default: return `${e.type} ${e.name ?? ''}`;
    }
  };
  const c = res.context ?? {};
  // The backend's side of each traced call: a button opens its waterfall.
  const traces = new Map((res.traces ?? []).map((t) => [t.span_id, t]));
  const traceRange = { from: res.start - 10 * 60000, to: res.end + 10 * 60000 };
  const backend = (e) => {
    const t = e.type === 'api_call' && e.span_id ? traces.get(e.span_id) : null;
    if (!t || !t.spans) return null;
    const box = h('div', { class: 'waterfall', hidden: true });
    const button = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', onclick: async () => {
      const open = box.hidden;
      box.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
      if (open && !box.firstChild) {
        box.append(h('p', { class: 'muted' }, 'Loading the trace…'));
        try {
          const trace = await api(`traces/${t.trace_id}`, traceRange);
          box.replaceChildren(waterfall(trace));
        } catch (err) {
          box.replaceChildren(h('p', { class: 'error' }, `The trace could not be loaded: ${err.message}`));
        }
      }
    } }, `backend ${t.backend_ms === null ? '' : fmt.duration(t.backend_ms)} · ${t.services.join(', ')} ▸`);
    return [' ', button, box];
  };
  return h('div', {},
    h('p', {}, h('a', { href: state.href({ session: null }), onclick: (e) => { e.preventDefault(); state.go({ session: null }); } }, '← All sessions'),
      ' ', h('strong', {}, id)),
    h('p', { class: 'muted' }, [c.device, c.browser, c.os, c.country, c.release && `release ${c.release}`, c.tier && `tier ${c.tier}`].filter(Boolean).join(' · ')),
    h('ol', { class: 'timeline' }, ...res.events.map((e) => h('li', { 'data-type': e.type },
      h('span', { class: 't' }, `+${fmt.duration(e.ts - res.start)}`), ' ',
      h('span', { class: e.type === 'error' ? 'error' : e.type === 'vital' ? fmt.band(e.name, e.value) : null }, describe(e)),
      backend(e)))));
}

// A trace's waterfall (GET /api/v1/traces/{id}): a row per span, indented by depth, its bar placed
// on the trace's time axis; the network-and-queueing gaps below the calls they belong to.
function waterfall(trace) {
  const total = Math.max(trace.duration_ms, 1e-3);
  const pct = (ms) => `${Math.max(0, Math.min(100, (100 * ms) / total))}%`;
  const gaps = new Map(trace.gaps.map((g) => [g.span_id, g]));
  const rows = [];
  for (const s of trace.spans) {
    const gap = gaps.get(s.span_id);
    if (gap) {
      rows.push(h('tr', { class: 'gap' },
        h('td', { style: { paddingLeft: `${s.depth * 1}rem` } }, gap.label),
        h('td', { class: 'num' }, `${fmt.duration(gap.before_ms)} + ${fmt.duration(gap.after_ms)}`),
        h('td', {})));
    }
    const detail = [s.service, s.kind, s.status_code, s.attributes?.['db.system'], s.attributes?.['db.statement']].filter((v) => v !== undefined && v !== '').join(' · ');
    rows.push(h('tr', { 'data-source': s.source, 'data-span': s.span_id },
      h('td', { style: { paddingLeft: `${s.depth * 1}rem` } },
        h('span', { class: s.status === 'error' ? 'error' : null }, s.name), ' ', h('span', { class: 'muted' }, detail),
        s.clock_adjusted_ms ? h('span', { class: 'muted', title: 'clock skew between machines corrected' }, ` (clock ${fmt.duration(s.clock_adjusted_ms)})`) : null),
      h('td', { class: 'num' }, fmt.duration(s.duration_ms)),
      h('td', { class: 'span-axis' }, h('i', { class: s.source, style: { left: pct(s.start_ms), width: pct(Math.max(s.duration_ms, total / 400)) } }))));
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'spans' },
    h('caption', { class: 'visually-hidden' }, `Trace ${trace.trace_id}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'span'), h('th', { scope: 'col', class: 'num' }, 'duration'),
      h('th', { scope: 'col' }, `0 – ${fmt.duration(trace.duration_ms)}`))),
    h('tbody', {}, ...rows)));
}

// --- API ------------------------------------------------------------------------------------
async function apiCalls() {
  const res = await api('api_calls', { limit: 100, ...scope() });
  if (!res.rows.length && !res.backend_routes?.length) return emptyState('API calls');
  const ms = (v) => (v === null || v === undefined ? '–' : fmt.duration(v));
  // The browser's latency of each endpoint next to its backend's (server spans of traced calls).
  const endpoints = table([
    { key: 'method', label: 'method' }, { key: 'endpoint', label: 'endpoint' },
    { key: 'count', label: 'calls', num: true, bar: true, fmt: fmt.count },
    { key: 'p75_ms', label: 'browser p75', num: true, fmt: fmt.duration },
    { key: 'p95_ms', label: 'browser p95', num: true, fmt: fmt.duration },
    { key: 'backend_p75', label: 'backend p75', num: true, value: (r) => r.backend?.p75_ms ?? null, fmt: ms },
    { key: 'backend_p95', label: 'backend p95', num: true, value: (r) => r.backend?.p95_ms ?? null, fmt: ms },
    { key: 'outside', label: 'network + queue p75', num: true,
      value: (r) => (r.backend ? Math.max(0, r.backend.browser_p75_ms - r.backend.p75_ms) : null), fmt: ms },
    { key: 'error_rate', label: 'error rate', num: true, fmt: (v) => fmt.percent(v, 1) },
    { key: 'size_p75', label: 'response p75', num: true, value: (r) => r.size?.p75_bytes ?? null, fmt: fmt.bytes },
  ], res.rows, { caption: 'API endpoints: browser and backend latency' });
  const routes = res.backend_routes?.length ? table([
    { key: 'service', label: 'service' }, { key: 'method', label: 'method' }, { key: 'route', label: 'route' },
    { key: 'count', label: 'spans', num: true, bar: true, fmt: fmt.count },
    { key: 'p75_ms', label: 'backend p75', num: true, fmt: fmt.duration },
    { key: 'p95_ms', label: 'backend p95', num: true, fmt: fmt.duration },
    { key: 'browser_p75', label: 'browser p75', num: true, value: (r) => r.browser?.p75_ms ?? null, fmt: ms },
    { key: 'call', label: 'called as', value: (r) => r.browser?.call ?? '' },
    { key: 'error_rate', label: 'error rate', num: true, fmt: (v) => fmt.percent(v, 1) },
  ], res.backend_routes, { sortable: false, caption: 'Backend routes (server spans)' }) : null;
  return h('div', {},
    h('section', { 'data-part': 'endpoints' }, h('h2', {}, 'Endpoints'),
      res.rows.length ? endpoints : h('p', { class: 'muted' }, 'No API calls from pages in this range.')),
    h('section', { 'data-part': 'backend-routes' }, h('h2', {}, 'Backend routes'),
      routes ?? h('p', { class: 'muted' }, 'No server spans in this range: export your backends\' OpenTelemetry spans to ',
        h('code', {}, `${location.origin}/v1/traces`), ' with the header ', h('code', {}, 'x-sightline-key'), ' (see docs/tracing.md).')));
}

// --- Loading: where page loads spend their time ----------------------------------------------
// The phases of a load as bars of their p75s on one time line: each from where it starts to where
// it ends (connection phases back to back, the request up to the first byte, then the document's
// milestones), as Chrome's and WebPageTest's waterfalls draw them.
const PHASES = [
  ['dns', 'DNS lookup', (p) => [0, p.dns]],
  ['tcp', 'TCP connect', (p) => [p.dns, p.dns + p.tcp]],
  ['tls', 'TLS handshake', (p) => [p.dns + p.tcp - p.tls, p.dns + p.tcp]],
  ['request', 'request → first byte', (p) => [p.ttfb - p.request, p.ttfb]],
  ['ttfb', 'time to first byte', (p) => [0, p.ttfb]],
  ['dom_interactive', 'DOM interactive', (p) => [p.ttfb, p.dom_interactive]],
  ['dom_content_loaded', 'DOM content loaded', (p) => [p.dom_interactive, p.dom_content_loaded]],
  ['load', 'load event', (p) => [p.dom_content_loaded, p.load]],
];

function phaseWaterfall(row) {
  const p75 = Object.fromEntries(PHASES.map(([k]) => [k, row.phases[k]?.p75 ?? 0]));
  const end = Math.max(p75.load, p75.ttfb, 1e-9);
  return h('div', { class: 'table-wrap', 'data-part': 'waterfall' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Page load phases: p75 of each, on one time line'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'phase'), h('th', { class: 'num', scope: 'col' }, 'p50'),
      h('th', { class: 'num', scope: 'col' }, 'p75'), h('th', { class: 'num', scope: 'col' }, 'p95'),
      h('th', { scope: 'col', style: { minWidth: '240px' } }, 'p75 on the load\'s time line'))),
    h('tbody', {}, ...PHASES.map(([key, label, span]) => {
      const q = row.phases[key];
      const [from, to] = span(p75).map((v) => Math.max(0, Math.min(v, end)));
      return h('tr', { 'data-phase': key },
        h('td', {}, label),
        ...['p50', 'p75', 'p95'].map((stat) => h('td', { class: 'num', 'data-stat': stat, 'data-value': q?.[stat] ?? '' }, fmt.duration(q?.[stat]))),
        h('td', {}, h('div', { style: { position: 'relative', height: '12px' } }, h('div', { style: {
          position: 'absolute', left: `${(100 * from) / end}%`, width: `${Math.max(0.5, (100 * (to - from)) / end)}%`,
          top: '2px', height: '8px', background: 'var(--accent)', borderRadius: '2px' } }))));
    }))));
}

async function loading() {
  const sort = state.get('rsort', 'time');
  const [nav, res, frames] = await Promise.all([
    api('navigation', scope()),
    api('resources', { sort, limit: 10, ...scope() }),
    api('long_frames', { limit: 10, ...scope() }),
  ]);
  if (!nav.rows.length && !res.samples && !frames.samples) return emptyState('page loads');
  const sortBy = select('Sort resources by', sort, ['time', 'bytes'], (v) => state.go({ rsort: v }));
  return h('div', {},
    h('section', { 'data-part': 'navigation' }, h('h2', {}, 'Page load phases'),
      nav.rows.length ? h('div', {}, h('p', { class: 'muted' }, `${fmt.count(nav.rows[0].page_views)} page loads measured.`), phaseWaterfall(nav.rows[0]))
        : h('p', { class: 'muted' }, 'No page load timing in this range.')),
    h('div', { class: 'controls', 'data-part': 'resource-sort' }, sortBy),
    h('section', { 'data-part': 'third-party' }, h('h2', {}, 'Third-party cost'), res.third_party.length ? table([
      { key: 'domain', label: 'domain' },
      { key: 'page_views', label: 'page views', num: true, fmt: fmt.count },
      { key: 'requests', label: 'requests', num: true, fmt: fmt.count },
      { key: 'duration_ms', label: 'total time', num: true, bar: sort === 'time', fmt: fmt.duration },
      { key: 'transfer_bytes', label: 'bytes', num: true, bar: sort === 'bytes', fmt: fmt.bytes },
    ], res.third_party, { sortable: false, caption: 'Third-party domains by their cost' }) : h('p', { class: 'muted' }, 'No third-party resources in this range.')),
    h('section', { 'data-part': 'resources' }, h('h2', {}, 'Slowest resources'), res.resources.length ? table([
      { key: 'url', label: 'resource' }, { key: 'initiator', label: 'initiator', value: (r) => r.initiator ?? '' },
      { key: 'page_views', label: 'page views', num: true, fmt: fmt.count },
      { key: 'p75_ms', label: 'p75', num: true, fmt: fmt.duration },
      { key: 'total_ms', label: 'total time', num: true, bar: sort === 'time', fmt: fmt.duration },
      { key: 'transfer_bytes', label: 'bytes', num: true, bar: sort === 'bytes', fmt: fmt.bytes },
    ], res.resources, { sortable: false, caption: 'The slowest resources' }) : h('p', { class: 'muted' }, 'No resource summaries in this range.'),
    res.render_blocking.length ? h('p', {}, 'Render-blocking: ', ...res.render_blocking.map((r, i) =>
      h('span', {}, i ? ', ' : '', h('code', {}, r.url), ` (${fmt.percent(r.share)} of page views)`))) : null),
    h('section', { 'data-part': 'long-frames' }, h('h2', {}, 'Scripts behind long frames'), frames.rows.length ? table([
      { key: 'script', label: 'script', value: (r) => r.script ?? '(no script: style and layout)' },
      { key: 'function', label: 'function', value: (r) => r.function ?? '' },
      { key: 'invoker', label: 'run by', value: (r) => r.invoker ?? '' },
      { key: 'frames', label: 'frames', num: true, fmt: fmt.count },
      { key: 'blocking_ms', label: 'blocking time', num: true, bar: true, fmt: fmt.duration },
      { key: 'p75_ms', label: 'p75 frame', num: true, fmt: fmt.duration },
    ], frames.rows, { sortable: false, caption: 'Long animation frames by the script behind them' }) : h('p', { class: 'muted' }, 'No long frames in this range.')));
}

// --- The agent's own cost --------------------------------------------------------------------
async function agentCost() {
  const res = await api('agent', { limit: 100, ...scope() });
  if (!res.rows.length) return emptyState('agent footprints');
  const stat = (part, q) => (r) => r[part]?.[q] ?? null;
  return h('div', {},
    h('p', { class: 'muted' }, 'What the Sightline agent costs your pages in the field, per page view: ',
      'its main-thread time, and the bytes and beacons it sent (as of the last time the page was hidden).'),
    h('section', { 'data-part': 'agent' }, table([
      { key: 'browser', label: 'browser', value: (r) => r.browser ?? '(none)' },
      { key: 'release', label: 'release', value: (r) => r.release ?? '(none)' },
      { key: 'page_views', label: 'page views', num: true, bar: true, fmt: fmt.count },
      { key: 'script_p50', label: 'main thread p50', num: true, value: stat('script_ms', 'p50'), fmt: fmt.duration },
      { key: 'script_p75', label: 'main thread p75', num: true, value: stat('script_ms', 'p75'), fmt: fmt.duration },
      { key: 'script_p95', label: 'main thread p95', num: true, value: stat('script_ms', 'p95'), fmt: fmt.duration },
      { key: 'bytes_p75', label: 'bytes sent p75', num: true, value: stat('bytes_sent', 'p75'), fmt: fmt.bytes },
      { key: 'beacons_p75', label: 'beacons p75', num: true, value: stat('beacons', 'p75'), fmt: fmt.count },
    ], res.rows, { caption: "The agent's cost per page view, by browser and release" })));
}

// --- Business and behaviour -----------------------------------------------------------------
async function business() {
  const event = state.get('event', 'checkout_completed');
  const steps = state.get('steps');
  const a = state.get('a'), b = state.get('b');
  // One scan answers conversion and every usage part.
  const [usage, funnel, compare] = await Promise.all([
    api('usage', { parts: 'events,features,interactions,forms,paths,conversion', event, depth: 3, limit: 10, ...scope() }),
    steps ? api('funnel', { steps, window: state.get('window', '30m'), ...scope() }) : null,
    a && b ? api('compare', { a, b, event, ...scope() }) : null,
  ]);
  const { events, features, interactions: clicks, forms, paths, conversion } = usage;
  const eventInput = h('input', { name: 'event', value: event, size: 20 });
  const stepsInput = h('input', { name: 'steps', value: steps, size: 40, placeholder: 'page:/,page:/cart,event:checkout_completed' });
  const aInput = h('input', { name: 'a', value: a, size: 16, placeholder: 'release:2.4.0' });
  const bInput = h('input', { name: 'b', value: b, size: 16, placeholder: 'release:2.4.1' });
  const form = h('form', { class: 'controls', onsubmit: (e) => {
    e.preventDefault();
    state.go({ event: eventInput.value.trim(), steps: stepsInput.value.trim(), a: aInput.value.trim(), b: bInput.value.trim() });
  } }, h('label', {}, 'Business event', eventInput), h('label', {}, 'Funnel steps', stepsInput),
  h('label', {}, 'Compare A', aInput), h('label', {}, 'with B', bInput), h('button', { type: 'submit' }, 'Apply'));

  const bucketLabel = (r) => `${r.from === null ? '' : fmt.vital(conversion.name, r.from)}${r.from === null ? '≤ ' : r.to === null ? '+' : ' – '}${r.to === null ? '' : fmt.vital(conversion.name, r.to)}`;
  const maxRate = Math.max(...conversion.buckets.map((r) => r.ci95[1]), 1e-9);
  const conversionChart = h('div', { class: 'table-wrap', 'data-chart': 'conversion' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Conversion by landing-page vital'),
    h('thead', {}, h('tr', {}, h('th', {}, `${conversion.name} of the landing page`), h('th', { class: 'num' }, 'sessions'),
      h('th', { class: 'num' }, `${event} rate`), h('th', {}, '95% interval'))),
    h('tbody', {}, ...conversion.buckets.map((r) => h('tr', {},
      h('td', {}, bucketLabel(r)), h('td', { class: 'num' }, fmt.count(r.sessions)), h('td', { class: 'num' }, fmt.percent(r.rate, 2)),
      h('td', { style: { minWidth: '200px' } }, h('div', { style: { position: 'relative', height: '14px' } },
        h('div', { style: { position: 'absolute', left: `${(100 * r.ci95[0]) / maxRate}%`, width: `${(100 * (r.ci95[1] - r.ci95[0])) / maxRate}%`, top: '5px', height: '4px', background: 'var(--muted)' } }),
        r.rate === null ? null : h('div', { style: { position: 'absolute', left: `calc(${(100 * r.rate) / maxRate}% - 4px)`, top: '3px', width: '8px', height: '8px', borderRadius: '50%', background: 'var(--accent)' } }))),
    )))));

  const sections = [form,
    h('h2', {}, `Conversion by ${conversion.name}`), conversionChart];
  if (!funnel && paths.paths.length) {
    // A first funnel to look at: the commonest path of several pages (else the commonest landing
    // page), then the business event.
    const path = (paths.paths.find((p) => p.pages.length > 1) ?? paths.paths[0]).pages;
    const suggested = [...path.map((p) => `page:${p}`), `event:${event}`].join(',');
    sections.push(h('h2', {}, 'Funnel'), h('p', {}, 'Name the steps above, or ',
      h('a', { href: state.href({ steps: suggested }), 'data-suggested-funnel': suggested,
        onclick: (e) => { e.preventDefault(); state.go({ steps: suggested }); } },
      `follow the commonest path to ${event}`), '.'));
  }
  if (funnel) {
    sections.push(h('h2', {}, 'Funnel'), ...funnel.rows.map((row) => table([
      { key: 'step', label: 'step' }, { key: 'sessions', label: 'sessions', num: true, bar: true, fmt: fmt.count },
      { key: 'conversion_from_start', label: 'from start', num: true, fmt: (v) => fmt.percent(v) },
      { key: 'conversion_from_previous', label: 'from previous', num: true, fmt: (v) => fmt.percent(v) },
      { key: 'median_ms_from_previous', label: 'median time', num: true, fmt: fmt.duration },
    ], row.steps, { sortable: false, caption: 'Funnel steps' })));
    if (!funnel.rows.length) sections.push(emptyState('sessions reaching the first step'));
  }
  if (compare) {
    sections.push(h('h2', {}, `${a} against ${b}`), table([
      { key: 'name', label: 'vital' },
      { key: 'a', label: 'A p75', num: true, value: (r) => r.a.p75, fmt: (v, r) => fmt.vital(r.name, v) },
      { key: 'b', label: 'B p75', num: true, value: (r) => r.b.p75, fmt: (v, r) => fmt.vital(r.name, v) },
      { key: 'change_ratio', label: 'change', num: true, fmt: (v) => fmt.percent(v) },
      { key: 'p_value', label: 'p', num: true, fmt: (v) => (v === null ? '–' : v.toPrecision(2)) },
      { key: 'significant', label: 'significant', fmt: (v) => (v ? 'yes' : 'no') },
    ], compare.vitals, { sortable: false }));
    if (compare.event) {
      const e = compare.event;
      sections.push(h('p', {}, `${e.name}: ${fmt.percent(e.a.rate, 2)} → ${fmt.percent(e.b.rate, 2)} (p ${e.p_value === null ? '–' : e.p_value.toPrecision(2)}, ${e.significant ? 'significant' : 'not significant'})`));
    }
  }
  sections.push(
    h('h2', {}, 'Business events'), events.rows.length ? table([
      { key: 'name', label: 'event' }, { key: 'count', label: 'count', num: true, bar: true, fmt: fmt.count },
      { key: 'session_share', label: 'sessions', num: true, fmt: (v) => fmt.percent(v) }], events.rows, { sortable: false }) : emptyState('business events'),
    h('h2', {}, 'Feature adoption'), features.rows.length ? table([
      { key: 'feature', label: 'feature' }, { key: 'uses', label: 'uses', num: true, bar: true, fmt: fmt.count },
      { key: 'adoption', label: 'adoption', num: true, fmt: (v) => fmt.percent(v) },
      { key: 'rage_clicks', label: 'rage clicks', num: true, fmt: fmt.count }], features.rows, { sortable: false }) : emptyState('feature uses'),
    h('h2', {}, 'Top clicks'), clicks.rows.length ? table([
      { key: 'target', label: 'element' }, { key: 'clicks', label: 'clicks', num: true, bar: true, fmt: fmt.count },
      { key: 'rage_clicks', label: 'rage clicks', num: true, fmt: fmt.count },
      { key: 'session_share', label: 'sessions', num: true, fmt: (v) => fmt.percent(v) }], clicks.rows, { sortable: false }) : emptyState('clicks'),
    h('h2', {}, 'Form friction'), forms.rows.length ? table([
      { key: 'form', label: 'form' }, { key: 'submits', label: 'submits', num: true, fmt: fmt.count },
      { key: 'abandonment_rate', label: 'abandonment', num: true, fmt: (v) => fmt.percent(v) },
      { key: 'p50_submit_ms', label: 'median time to submit', num: true, fmt: fmt.duration },
      { key: 'abandoned_at', label: 'left at', value: (r) => r.abandoned_at.map((f) => f.field).join(', ') }], forms.rows, { sortable: false }) : emptyState('forms'),
    h('h2', {}, 'Navigation paths'), paths.paths.length ? table([
      { key: 'pages', label: 'path', value: (r) => r.pages.join(' → ') },
      { key: 'sessions', label: 'sessions', num: true, bar: true, fmt: fmt.count },
      { key: 'share', label: 'share', num: true, fmt: (v) => fmt.percent(v) }], paths.paths, { sortable: false }) : emptyState('page views'),
    h('h2', {}, 'Where sessions drop off'), paths.pages.length ? table([
      { key: 'route', label: 'page' }, { key: 'sessions', label: 'sessions', num: true, fmt: fmt.count },
      { key: 'exit_rate', label: 'exit rate', num: true, bar: true, fmt: (v) => fmt.percent(v) }], paths.pages, { sortable: false }) : emptyState('page views'));
  return h('div', {}, ...sections);
}

export const VIEWS = {
  overview: { title: 'Overview', render: overview, mounted },
  breakdown: { title: 'Breakdown', render: breakdown, mounted },
  trends: { title: 'Trends', render: trends, mounted },
  pages: { title: 'Pages', render: pages, mounted },
  errors: { title: 'Errors', render: errors, mounted },
  sessions: { title: 'Sessions', render: sessions, mounted },
  loading: { title: 'Loading', render: loading, mounted },
  api: { title: 'API', render: apiCalls, mounted },
  agent: { title: 'Agent', render: agentCost, mounted },
  business: { title: 'Business', render: business, mounted },
};
