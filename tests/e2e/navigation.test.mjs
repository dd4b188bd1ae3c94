// GET /api/v1/navigation: the phases of page loads, weighted p50/p75/p95 per group, against values
// worked out from the page views sent (soft page views, which carry no timing, count in no phase).
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
    const events = [pageView({ ts: T0 + i * 1000, route, timing }), pageView({ ts: T0 + i * 1000 + 500, route: '/account', soft: true, timing: undefined })];
    const res = await postBeacon(server, beacon({ session_id: uniqueId('nv'), sample_rate: rate, context: { release: R }, events }));
    assert.equal(res.status, 202, describeResponse(res));
    assert.equal(res.json.accepted, 2, describeResponse(res));
    sent.push({ route, w: 1 / rate, timing });
  }
});

after(async () => { if (server) await server.stop(); });

const navigation = (params, token = SHOP.token) => request(`${server.url}/api/v1/navigation?${new URLSearchParams({
  project: SHOP.id, from: isoSeconds(T0 - 60_000), to: isoSeconds(T0 + 600_000), filter: `release:${R}`, ...params,
})}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

test('each phase of the page loads, weighted p50/p75/p95 per route; soft page views count in none', async () => {
  const res = await navigation({ group_by: 'route' });
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
  const one = await navigation({ filter: `release:${R},route:/checkout` });
  assert.equal(one.status, 200, describeResponse(one));
  assert.equal(one.json.rows.length, 1);
  assert.deepEqual(one.json.rows[0].group, {});
  assert.equal(one.json.rows[0].samples, sent.filter((s) => s.route === '/checkout').length);
  const limited = await navigation({ group_by: 'route', limit: '1' });
  assert.deepEqual(limited.json.rows.map((r) => r.group.route), ['/products/:id']);
  const bad = await navigation({ group_by: 'planet' });
  assert.equal(bad.status, 400, describeResponse(bad));
  assert.equal(bad.json.field, 'group_by');
  const anonymous = await navigation({}, null);
  assert.equal(anonymous.status, 401, describeResponse(anonymous));
});
