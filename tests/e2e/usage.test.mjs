// How the app is used, on a hand-built data set: business events, clicked elements and feature
// adoption, forms (submits, abandonment, where visitors gave up) and navigation paths with
// drop-off — weighted by 1/sample_rate, every number worked out by hand below.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, describeResponse, isoSeconds, pageView, postBeacon, request, startServer,
  uniqueId, vital,
} from './helpers.mjs';

let server;
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
const R = uniqueId('usage');
const ADD = uniqueId('add_to_cart');

const page = (s, route) => ({ ...pageView({ ts: T0 + s * 1000, route }) });
const click = (s, target, feature, action = 'click') => ({ type: 'action', ts: T0 + s * 1000, action, target, feature });
const custom = (s, name, extra = {}) => ({ type: 'custom', ts: T0 + s * 1000, name, ...extra });
const submit = (s, form, duration) => ({ type: 'action', ts: T0 + s * 1000, action: 'form_submit', target: `form#${form}`, duration });
const abandon = (s, form, field) => custom(s, 'form_abandoned', { attributes: { form, last_field: field, fields: {}, duration: 5000 } });

// [sample rate, events]
const SESSIONS = [
  [1, [page(0, '/'), vital('LCP', 1800, { ts: T0 + 1000 }), page(10, '/products/:id'), page(20, '/cart'),
    click(21, 'button#add-to-cart', 'cart'),
    custom(22, ADD, { value: 30 }), submit(30, 'checkout', 42000),
    custom(40, 'sightline_footprint', { attributes: { script_ms: 12.5, bytes_sent: 2048, beacons: 2 } })]],
  [1, [page(0, '/'), page(10, '/products/:id'), click(11, 'button#add-to-cart', 'cart'),
    click(12, 'button#add-to-cart', 'cart', 'rage_click'), click(13, 'a#logo', 'nav'), abandon(40, 'checkout', 'card')]],
  [0.5, [page(0, '/products/:id'), vital('LCP', 5200, { ts: T0 + 1000 }), page(5, '/products/:id'), page(10, '/cart'), custom(11, ADD, { value: 10 }),
    custom(12, ADD, { value: 10 }), submit(20, 'checkout', 30000), abandon(50, 'newsletter', 'email')]],
  [1, [page(0, '/')]],
];

before(async () => {
  server = await startServer(baseConfig());
  for (const [rate, events] of SESSIONS) {
    const res = await postBeacon(server, beacon({ session_id: uniqueId('us'), sample_rate: rate, context: { release: R }, events }));
    assert.equal(res.status, 202, describeResponse(res));
    assert.equal(res.json.accepted, events.length, describeResponse(res));
  }
});

after(async () => {
  if (server) await server.stop();
});

async function get(path, params = {}) {
  const qs = new URLSearchParams({ project: SHOP.id, filter: `release:${R}`, from: isoSeconds(T0 - 60_000),
    to: isoSeconds(T0 + 600_000), ...params });
  const res = await request(`${server.url}/api/v1/${path}?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.sessions, 5, 'four sessions, one of weight 2');
  return res.json;
}

test('business events: count, sum of value, share of sessions firing; not the agent\'s own events', async () => {
  const { rows } = await get('events');
  // form_abandoned (the forms report's) and sightline_footprint (the agent's cost) are the
  // agent's, not the app's.
  assert.deepEqual(rows.map((r) => [r.name, r.count, r.samples, r.sum, r.sessions, r.session_share]), [
    [ADD, 5, 3, 70, 3, 0.6],
  ]);
});

test('interactions: most clicked elements with rage clicks, and feature adoption', async () => {
  const targets = await get('interactions');
  assert.deepEqual(targets.rows.map((r) => [r.target, r.clicks, r.rage_clicks, r.sessions, r.session_share]), [
    ['button#add-to-cart', 2, 1, 2, 0.4],
    ['a#logo', 1, 0, 1, 0.2],
  ]);
  const features = await get('interactions', { by: 'feature' });
  assert.deepEqual(features.rows.map((r) => [r.feature, r.uses, r.sessions, r.adoption]), [
    ['cart', 3, 2, 0.4],
    ['nav', 1, 1, 0.2],
  ]);
});

test('forms: submits, abandonment rate, median time to submit, the field left last', async () => {
  const { rows } = await get('forms');
  assert.deepEqual(rows.map((r) => [r.form, r.submits, r.abandons, r.abandonment_rate, r.p50_submit_ms, r.abandoned_at]), [
    ['checkout', 3, 1, 0.25, 30000, [{ field: 'card', abandons: 1 }]],
    ['newsletter', 0, 2, 1, null, [{ field: 'email', abandons: 2 }]],
  ]);
});

test('paths: the commonest first pages, reloads collapsed, and where sessions leave', async () => {
  const json = await get('paths', { depth: '3' });
  assert.deepEqual(json.paths.map((p) => [p.pages, p.sessions, p.share]), [
    [['/products/:id', '/cart'], 2, 0.4],
    [['/'], 1, 0.2],
    [['/', '/products/:id'], 1, 0.2],
    [['/', '/products/:id', '/cart'], 1, 0.2],
  ]);
  const pages = Object.fromEntries(json.pages.map((p) => [p.route, [p.sessions, p.exits, p.exit_rate]]));
  assert.deepEqual(pages, { '/products/:id': [4, 1, 0.25], '/': [3, 1, 1 / 3], '/cart': [3, 3, 1] });
  const shallow = await get('paths', { depth: '1', limit: '1' });
  assert.deepEqual(shallow.paths.map((p) => [p.pages, p.sessions]), [[['/'], 3]]);
});

test('usage queries name a bad parameter', async () => {
  for (const [path, params, field] of [['interactions', { by: 'colour' }, 'by'], ['paths', { depth: '0' }, 'depth'],
    ['events', { limit: 'many' }, 'limit']]) {
    const qs = new URLSearchParams({ project: SHOP.id, ...params });
    const res = await request(`${server.url}/api/v1/${path}?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
    assert.equal(res.status, 400, describeResponse(res));
    assert.equal(res.json.field, field);
  }
});

test('/api/v1/usage answers several parts from one scan, each as its own endpoint does', async () => {
  const range = { filter: `release:${R}`, from: isoSeconds(T0 - 60_000), to: isoSeconds(T0 + 600_000) };
  const qs = new URLSearchParams({ project: SHOP.id, ...range, parts: 'events,features,interactions,forms,paths', depth: '2' });
  const res = await request(`${server.url}/api/v1/usage?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.deepEqual(Object.keys(res.json), ['events', 'features', 'interactions', 'forms', 'paths']);
  assert.deepEqual(res.json.events, await get('events'));
  assert.deepEqual(res.json.features, await get('interactions', { by: 'feature' }));
  assert.deepEqual(res.json.interactions, await get('interactions'));
  assert.deepEqual(res.json.forms, await get('forms'));
  assert.deepEqual(res.json.paths, await get('paths', { depth: '2' }));
  // Conversion by the landing LCP, as /api/v1/conversion answers it (its scan reads no actions).
  const withConversion = await request(`${server.url}/api/v1/usage?${new URLSearchParams({ project: SHOP.id, ...range,
    parts: 'paths,conversion', event: ADD })}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(withConversion.status, 200, describeResponse(withConversion));
  const alone = await request(`${server.url}/api/v1/conversion?${new URLSearchParams({ project: SHOP.id, ...range, event: ADD })}`,
    { headers: { Authorization: `Bearer ${SHOP.token}` } });
  const { source: a, ...conversion } = withConversion.json.conversion;
  const { source: b, ...expected } = alone.json;
  assert.deepEqual(conversion, expected);
  assert.deepEqual(expected.buckets.map((r) => [r.sessions, r.converted]), [[1, 1], [0, 0], [2, 2]]);
  const noEvent = await request(`${server.url}/api/v1/usage?${new URLSearchParams({ project: SHOP.id, parts: 'conversion' })}`,
    { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(noEvent.status, 400);
  assert.equal(noEvent.json.field, 'event');
  const bad = await request(`${server.url}/api/v1/usage?${new URLSearchParams({ project: SHOP.id, parts: 'events,clicks' })}`,
    { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(bad.status, 400, describeResponse(bad));
  assert.equal(bad.json.field, 'parts');
});

test("the agent's own cost: per browser and release, p50/p75/p95 over page views of each page's latest footprint", async () => {
  const release = uniqueId('agent');
  const footprint = (script_ms, bytes_sent, beacons) => custom(60, 'sightline_footprint',
    { attributes: { script_ms, bytes_sent, beacons, agent_errors: 0 } });
  const chrome = { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' };
  const firefox = { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' };
  // [headers, session and page view, sample rate, footprint]; a page hidden twice reports twice,
  // its figures grown: the later one counts.
  const pages = [
    [chrome, 'a', 1, footprint(5, 1000, 1)], [chrome, 'a', 1, footprint(12, 3000, 2)],
    [chrome, 'b', 1, footprint(20, 5000, 3)],
    [chrome, 'c', 0.5, footprint(8, 2000, 1)],
    [firefox, 'd', 1, footprint(30, 7000, 4)],
  ];
  for (const [headers, id, rate, event] of pages) {
    const res = await postBeacon(server, beacon({ session_id: `${release}-${id}`, page_view_id: `${release}-pv-${id}`, sample_rate: rate,
      context: { release }, events: [event] }), { headers });
    assert.equal(res.status, 202, describeResponse(res));
  }
  const qs = new URLSearchParams({ project: SHOP.id, filter: `release:${release}`, from: isoSeconds(T0 - 60_000), to: isoSeconds(T0 + 600_000) });
  const res = await request(`${server.url}/api/v1/agent?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.deepEqual(res.json.rows, [
    // Weights 2 (c), 1 (a), 1 (b): the ranks of 4.
    { browser: 'Chrome', release, page_views: 4, samples: 3, script_ms: { p50: 8, p75: 12, p95: 20 },
      bytes_sent: { p50: 2000, p75: 3000, p95: 5000 }, beacons: { p50: 1, p75: 2, p95: 3 } },
    { browser: 'Firefox', release, page_views: 1, samples: 1, script_ms: { p50: 30, p75: 30, p95: 30 },
      bytes_sent: { p50: 7000, p75: 7000, p95: 7000 }, beacons: { p50: 4, p75: 4, p95: 4 } },
  ]);
  assert.equal(res.json.source.scanned_events, 5);
});
