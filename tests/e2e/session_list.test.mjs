// Finding sessions and reading one: the sessions list searched by dimension, "had an error",
// "fired event X" and "had a poor vital", newest or slowest first; one session's timeline in
// order; and API calls per endpoint (templated URL) with latency and status classes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, apiCall, baseConfig, beacon, describeResponse, errorEvent, isoSeconds, pageView, postBeacon, request,
  startServer, uniqueId, vital,
} from './helpers.mjs';

let server;
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
const R = uniqueId('list');
const X = uniqueId('subscribed');
const ids = { l1: uniqueId('l1'), l2: uniqueId('l2'), l3: uniqueId('l3') };
const at = (s) => T0 + s * 1000;

const SESSIONS = [
  [ids.l1, '/', [pageView({ ts: at(0), route: '/' }), vital('LCP', 1200, { ts: at(1) }),
    { type: 'action', ts: at(2), action: 'click', target: 'button#buy' },
    apiCall({ ts: at(3), url: 'https://api.shop.example/v1/products/42', status: 200, duration: 100 }),
    apiCall({ ts: at(4), url: 'https://api.shop.example/v1/products/77?full=1', status: 500, duration: 300 }),
    errorEvent({ ts: at(5) })]],
  [ids.l2, '/cart', [pageView({ ts: at(60), route: '/cart' }), vital('LCP', 5000, { ts: at(61) }),
    { type: 'custom', ts: at(62), name: X },
    apiCall({ ts: at(63), method: 'POST', url: 'https://api.shop.example/v1/cart', status: null, duration: 50 })]],
  [ids.l3, '/products/:id', [pageView({ ts: at(120), route: '/products/:id' }), vital('LCP', 2600, { ts: at(121) }),
    apiCall({ ts: at(122), url: 'https://api.shop.example/v1/products/9f8e7d6c5b4a39281706', status: 404, duration: 200 })]],
];

before(async () => {
  server = await startServer(baseConfig());
  for (const [id, , events] of SESSIONS) {
    // The events in two beacons, the later first: the timeline orders them by time.
    const half = Math.ceil(events.length / 2);
    for (const part of [events.slice(half), events.slice(0, half)]) {
      const res = await postBeacon(server, beacon({ session_id: id, context: { release: R }, events: part }));
      assert.equal(res.status, 202, describeResponse(res));
      assert.equal(res.json.accepted, part.length, describeResponse(res));
    }
  }
});

after(async () => {
  if (server) await server.stop();
});

async function get(path, params = {}) {
  const qs = new URLSearchParams({ project: SHOP.id, filter: `release:${R}`, from: isoSeconds(T0 - 60_000),
    to: isoSeconds(T0 + 600_000), ...params });
  return request(`${server.url}/api/v1/${path}?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
}

async function listed(params) {
  const res = await get('sessions', params);
  assert.equal(res.status, 200, describeResponse(res));
  return res.json.sessions.map((s) => s.session_id);
}

test('sessions list: newest or slowest first, searched by error, event, poor vital and dimension', async () => {
  const res = await get('sessions');
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.total, 3);
  const [l3, l2, l1] = res.json.sessions;
  assert.deepEqual([l3.session_id, l2.session_id, l1.session_id], [ids.l3, ids.l2, ids.l1], 'newest first');
  assert.deepEqual([l1.start, l1.end, l1.duration_ms], [at(0), at(5), 5000]);
  assert.deepEqual([l1.page_views, l1.errors, l1.actions, l1.api_calls, l1.landing_route, l1.release],
    [1, 1, 1, 2, '/', R]);
  assert.deepEqual(l2.worst, { LCP: 5000, INP: null, CLS: null });

  assert.deepEqual(await listed({ sort: 'slowest' }), [ids.l2, ids.l3, ids.l1]);
  assert.deepEqual(await listed({ had_error: 'true' }), [ids.l1]);
  assert.deepEqual(await listed({ event: X }), [ids.l2]);
  assert.deepEqual(await listed({ poor_vital: 'LCP' }), [ids.l2]);
  assert.deepEqual(await listed({ poor_vital: 'INP' }), []);
  assert.deepEqual(await listed({ filter: `release:${R},route:/cart` }), [ids.l2], 'by landing route');
  assert.deepEqual(await listed({ limit: '1' }), [ids.l3]);

  const bad = await get('sessions', { poor_vital: 'SPEED' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.field, 'poor_vital');
});

test('one session\'s timeline: every event in time order, the context once', async () => {
  const res = await get(`sessions/${ids.l1}`, { filter: '' });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.session_id, ids.l1);
  assert.equal(res.json.context.release, R);
  assert.deepEqual(res.json.events.map((e) => e.type), ['page_view', 'vital', 'action', 'api_call', 'api_call', 'error']);
  assert.deepEqual(res.json.events.map((e) => e.ts), [0, 1, 2, 3, 4, 5].map(at));
  const [, lcp, , call] = res.json.events;
  assert.deepEqual([lcp.name, lcp.value], ['LCP', 1200]);
  assert.deepEqual([call.method, call.request_url, call.request_route, call.status], ['GET',
    'https://api.shop.example/v1/products/42', 'api.shop.example/v1/products/:id', 200]);
  assert.ok(Array.isArray(res.json.events[5].breadcrumbs), 'JSON columns come back as JSON');
  assert.equal(res.json.events[0].release, undefined, 'context columns are not repeated per event');

  const missing = await get('sessions/no-such-session', { filter: '' });
  assert.equal(missing.status, 404, describeResponse(missing));
});

test('API calls per endpoint: templated URLs, latency percentiles, status classes, error rate', async () => {
  const res = await get('api_calls');
  assert.equal(res.status, 200, describeResponse(res));
  const rows = Object.fromEntries(res.json.rows.map((r) => [`${r.method} ${r.endpoint}`, r]));
  const products = rows['GET api.shop.example/v1/products/:id'];
  assert.deepEqual([products.count, products.samples, products.p50_ms, products.p75_ms, products.p95_ms],
    [3, 3, 200, 300, 300]);
  assert.deepEqual(products.status, { '2xx': 1 / 3, '3xx': 0, '4xx': 1 / 3, '5xx': 1 / 3, failed: 0 });
  assert.equal(products.error_rate, 2 / 3);
  const cart = rows['POST api.shop.example/v1/cart'];
  assert.deepEqual([cart.count, cart.status.failed, cart.error_rate], [1, 1, 1]);
  assert.equal(res.json.rows[0], products, 'most called first');
  const byErrors = await get('api_calls', { sort: 'error_rate' });
  assert.equal(byErrors.json.rows[0].endpoint, 'api.shop.example/v1/cart');
});
