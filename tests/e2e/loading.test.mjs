// Loading: GET /api/v1/navigation (the phases of page loads, weighted p50/p75/p95 per group; soft
// page views, which carry no timing, count in no phase), GET /api/v1/resources (the slowest
// resources, third-party domains and render-blocking resources) and GET /api/v1/long_frames (long
// animation frames by the script behind them), against values worked out from what was sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, compareStats, describeResponse, expectedStats, isoSeconds, pageView,
  postBeacon, request, rng, startServer, uniqueId,
} from './helpers.mjs';

const PHASES = ['dns', 'tcp', 'tls', 'request', 'ttfb', 'dom_interactive', 'dom_content_loaded', 'load'];
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const R = uniqueId('nav');
let server;
const sent = [];  // {route, w, timing}
const summaries = [];  // {route, w, summary}: the resource events sent
const frames = [];  // {w, frame}: the long_task events sent

// The agent's long frames (agent/src/signals/longtasks.js): the frame's longest script.
const FRAME_SCRIPTS = [
  { script: 'https://cdn.shop.example/app.js', function: 'renderGrid', invoker: 'DOMWindow.onclick' },
  { script: 'https://ads.example/tag.js', function: 'bid', invoker: 'TimerHandler:setTimeout' },
  {},  // a frame without a script (style and layout)
];

const CDN = 'https://cdn.shop.example';
// The agent's resource summary of one page view (agent/src/signals/resources.js).
function resourceSummary(i, random) {
  const app = Math.round(100 + random() * 400);
  const font = Math.round(20 + random() * 60);
  const slowest = [{ url: `${CDN}/app.js`, duration: app, initiator: 'script', transfer_bytes: 90_000 },
    { url: `${CDN}/font.woff2`, duration: font, initiator: 'css', transfer_bytes: 30_000 }];
  if (i % 2) slowest.push({ url: 'https://ads.example/tag.js', duration: 700, initiator: 'script', transfer_bytes: 5_000 });
  const thirdParty = { 'cdn.shop.example': { count: 2, transfer_bytes: 120_000, duration: app + font } };
  if (i % 2) thirdParty['ads.example'] = { count: 3, transfer_bytes: 5_000, duration: 900 };
  return { count: slowest.length + 3, transfer_bytes: 130_000, slowest, third_party: thirdParty,
    render_blocking: i % 3 ? [`${CDN}/app.css`] : [] };
}

before(async () => {
  server = await startServer(baseConfig());
  const random = rng(7);
  for (let i = 0; i < 120; i++) {
    const route = i % 3 ? '/products/:id' : '/checkout';
    const rate = i % 4 ? 1 : 0.5;
    const slow = route === '/checkout' ? 2 : 1;
    const timing = {};
    let t = 0;
    for (const phase of PHASES) {
      t += Math.round((5 + random() * 200) * slow * 10) / 10;
      timing[phase] = phase === 'tls' && i % 5 === 0 ? 0 : t;
    }
    // The hard load with its timing, and a soft page view after it (no timing).
    const summary = resourceSummary(i, random);
    const culprit = FRAME_SCRIPTS[i % 3];
    const frame = { duration: Math.round(60 + random() * 300), blocking_duration: Math.round(random() * 200), ...culprit };
    frames.push({ w: 1 / rate, frame });
    const events = [pageView({ ts: T0 + i * 1000, route, timing }),
      { type: 'long_task', ts: T0 + i * 1000 + 300, ...frame },
      { type: 'resource', ts: T0 + i * 1000 + 400, route, ...summary },
      pageView({ ts: T0 + i * 1000 + 500, route: '/account', soft: true, timing: undefined })];
    const res = await postBeacon(server, beacon({ session_id: uniqueId('nv'), sample_rate: rate, context: { release: R }, events }));
    assert.equal(res.status, 202, describeResponse(res));
    assert.equal(res.json.accepted, 4, describeResponse(res));
    sent.push({ route, w: 1 / rate, timing });
    summaries.push({ route, w: 1 / rate, summary });
  }
});

after(async () => { if (server) await server.stop(); });

const loading = (what, params, token = SHOP.token) => request(`${server.url}/api/v1/${what}?${new URLSearchParams({
  project: SHOP.id, from: isoSeconds(T0 - 60_000), to: isoSeconds(T0 + 600_000), filter: `release:${R}`, ...params,
})}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

test('each phase of the page loads, weighted p50/p75/p95 per route; soft page views count in none', async () => {
  const res = await loading('navigation', { group_by: 'route' });
  assert.equal(res.status, 200, describeResponse(res));
  assert.deepEqual(res.json.rows.map((r) => r.group.route), ['/products/:id', '/checkout'], 'by page views measured');
  const problems = [];
  for (const row of res.json.rows) {
    const points = sent.filter((s) => s.route === row.group.route);
    const pageViews = points.reduce((s, p) => s + p.w, 0);
    if (row.page_views !== pageViews || row.samples !== points.length) {
      problems.push(`${row.group.route}: ${row.page_views} page views (${row.samples} stored), expected ${pageViews} (${points.length})`);
    }
    for (const phase of PHASES) {
      const want = expectedStats(points.map((p) => ({ value: p.timing[phase], w: p.w })), ['p50', 'p75', 'p95']);
      problems.push(...compareStats(row.phases[phase], want, `${row.group.route} ${phase} `));
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(res.json.rows[1].phases.load.p75 > res.json.rows[0].phases.load.p75, 'checkout loads slower');
});

test('filters, limit, and clear errors', async () => {
  const one = await loading('navigation', { filter: `release:${R},route:/checkout` });
  assert.equal(one.status, 200, describeResponse(one));
  assert.equal(one.json.rows.length, 1);
  assert.deepEqual(one.json.rows[0].group, {});
  assert.equal(one.json.rows[0].samples, sent.filter((s) => s.route === '/checkout').length);
  const limited = await loading('navigation', { group_by: 'route', limit: '1' });
  assert.deepEqual(limited.json.rows.map((r) => r.group.route), ['/products/:id']);
  const bad = await loading('navigation', { group_by: 'planet' });
  assert.equal(bad.status, 400, describeResponse(bad));
  assert.equal(bad.json.field, 'group_by');
  const anonymous = await loading('navigation', {}, null);
  assert.equal(anonymous.status, 401, describeResponse(anonymous));
});

const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

test('resources: the slowest by total time (or bytes), third-party domains, render-blocking ones, weighted', async () => {
  const res = await loading('resources', { filter: `release:${R},route:/products/:id` });
  assert.equal(res.status, 200, describeResponse(res));
  const kept = summaries.filter((s) => s.route === '/products/:id');
  const pageViews = kept.reduce((s, p) => s + p.w, 0);
  assert.ok(close(res.json.page_views, pageViews), `${res.json.page_views} page views, expected ${pageViews}`);
  assert.equal(res.json.samples, kept.length);

  // Per URL of the slowest lists: weighted page views, total time, bytes, p50/p75.
  const byUrl = new Map();
  for (const { w, summary } of kept) {
    for (const r of summary.slowest) {
      const e = byUrl.get(r.url) ?? { page_views: 0, total_ms: 0, transfer_bytes: 0, points: [] };
      e.page_views += w;
      e.total_ms += w * r.duration;
      e.transfer_bytes += w * r.transfer_bytes;
      e.points.push({ value: r.duration, w });
      byUrl.set(r.url, e);
    }
  }
  const want = [...byUrl].sort((a, b) => b[1].total_ms - a[1].total_ms);
  assert.deepEqual(res.json.resources.map((r) => r.url), want.map(([url]) => url), 'by total time');
  const problems = [];
  for (const row of res.json.resources) {
    const e = byUrl.get(row.url);
    for (const k of ['page_views', 'total_ms', 'transfer_bytes']) {
      if (!close(row[k], e[k])) problems.push(`${row.url} ${k}: ${row[k]}, expected ${e[k]}`);
    }
    problems.push(...compareStats({ p50: row.p50_ms, p75: row.p75_ms }, expectedStats(e.points, ['p50', 'p75']), `${row.url} `));
  }
  assert.deepEqual(problems, []);
  assert.equal(res.json.resources.find((r) => r.url.endsWith('/app.js')).initiator, 'script');

  const byBytes = await loading('resources', { filter: `release:${R},route:/products/:id`, sort: 'bytes', limit: '1' });
  assert.deepEqual(byBytes.json.resources.map((r) => r.url), [`${CDN}/app.js`]);

  // Third-party domains: their requests, time and bytes summed over the page views.
  const domains = new Map();
  for (const { w, summary } of kept) {
    for (const [domain, t] of Object.entries(summary.third_party)) {
      const d = domains.get(domain) ?? { page_views: 0, requests: 0, duration_ms: 0, transfer_bytes: 0 };
      d.page_views += w;
      d.requests += w * t.count;
      d.duration_ms += w * t.duration;
      d.transfer_bytes += w * t.transfer_bytes;
      domains.set(domain, d);
    }
  }
  assert.deepEqual(res.json.third_party.map((d) => d.domain),
    [...domains].sort((a, b) => b[1].duration_ms - a[1].duration_ms).map(([d]) => d));
  for (const row of res.json.third_party) {
    for (const k of ['page_views', 'requests', 'duration_ms', 'transfer_bytes']) {
      assert.ok(close(row[k], domains.get(row.domain)[k]), `${row.domain} ${k}: ${row[k]}, expected ${domains.get(row.domain)[k]}`);
    }
  }

  // Render-blocking: the page views each blocked, and their share.
  const blocked = kept.filter((s) => s.summary.render_blocking.length).reduce((s, p) => s + p.w, 0);
  assert.equal(res.json.render_blocking.length, 1);
  assert.equal(res.json.render_blocking[0].url, `${CDN}/app.css`);
  assert.ok(close(res.json.render_blocking[0].page_views, blocked));
  assert.ok(close(res.json.render_blocking[0].share, blocked / pageViews));

  const bad = await loading('resources', { sort: 'size' });
  assert.equal(bad.status, 400, describeResponse(bad));
  assert.equal(bad.json.field, 'sort');
});

test('long frames by the script and function behind them: weighted frames, blocking and total time, p75', async () => {
  const res = await loading('long_frames', {});
  assert.equal(res.status, 200, describeResponse(res));
  const byCulprit = new Map();
  for (const { w, frame } of frames) {
    const key = `${frame.script ?? null} ${frame.function ?? null}`;
    const c = byCulprit.get(key) ?? { script: frame.script ?? null, function: frame.function ?? null,
      invoker: frame.invoker ?? null, frames: 0, samples: 0, total_ms: 0, blocking_ms: 0, points: [] };
    c.frames += w;
    c.samples += 1;
    c.total_ms += w * frame.duration;
    c.blocking_ms += w * frame.blocking_duration;
    c.points.push({ value: frame.duration, w });
    byCulprit.set(key, c);
  }
  const want = [...byCulprit.values()].sort((a, b) => b.blocking_ms - a.blocking_ms);
  assert.deepEqual(res.json.rows.map((r) => [r.script, r.function, r.invoker]), want.map((c) => [c.script, c.function, c.invoker]),
    'by total blocking time');
  const problems = [];
  for (const [i, row] of res.json.rows.entries()) {
    for (const k of ['frames', 'samples', 'total_ms', 'blocking_ms']) {
      if (!close(row[k], want[i][k])) problems.push(`${row.script} ${k}: ${row[k]}, expected ${want[i][k]}`);
    }
    problems.push(...compareStats({ p75: row.p75_ms }, expectedStats(want[i].points, ['p75']), `${row.script} `));
  }
  assert.deepEqual(problems, []);
  assert.ok(close(res.json.frames, frames.reduce((s, f) => s + f.w, 0)));
  const byCount = await loading('long_frames', { sort: 'count', limit: '1' });
  assert.equal(byCount.json.rows.length, 1);
  assert.equal(byCount.json.rows[0].frames, Math.max(...want.map((c) => c.frames)));
  const bad = await loading('long_frames', { sort: 'slowest' });
  assert.equal(bad.status, 400, describeResponse(bad));
  assert.equal(bad.json.field, 'sort');
});
