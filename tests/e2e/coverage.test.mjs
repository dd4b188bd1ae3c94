// Coverage: a backend posts the page requests it served per minute and route (POST /v1/traffic);
// GET /api/v1/coverage divides the page views Sightline saw (weighted by 1/sample_rate, soft
// navigations left out) by them, overall and by route.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, describeResponse, isoSeconds, pageView, postBeacon, request, startServer,
} from './helpers.mjs';

let server;
// The secret a backend reports traffic with (projects[].server_tokens): the page's public ingest
// key would let anyone inflate the requests coverage divides by.
const SERVER_TOKEN = 'st_shop_traffic';

before(async () => {
  const config = baseConfig({ limits: { ...baseConfig().limits, traffic_posts_per_second: 5 } });
  config.projects[0].routes = [{ match: '/checkout/**', route: '/checkout' }];
  config.projects[0].server_tokens = [SERVER_TOKEN];
  server = await startServer(config);
});

after(async () => {
  if (server) await server.stop();
});

function postTraffic(body, { query = '', headers = {} } = {}) {
  return request(`${server.url}/v1/traffic${query}`, { method: 'POST', body, headers });
}

function coverage(params) {
  const qs = new URLSearchParams({ project: SHOP.id, ...params });
  return request(`${server.url}/api/v1/coverage?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
}

test('coverage = page views seen / page requests served, overall and by route', async () => {
  const minute = Math.floor(Date.now() / 60000) * 60000;
  const res = await postTraffic({
    counts: [
      { minute: new Date(minute).toISOString(), route: '/products/1', requests: 60, service: 'storefront' },
      { minute, route: '/products/2?ref=ad', requests: 40 },
      { minute: minute + 30_000, route: '/checkout/pay', requests: 50 },
      { minute, route: '/products/3', requests: -1 },
    ],
  }, { headers: { Authorization: `Bearer ${SERVER_TOKEN}` } });
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 3);
  assert.deepEqual(res.json.rejected.map((r) => [r.index, r.field]), [[3, 'requests']]);

  const views = [];
  for (let i = 0; i < 80; i++) views.push(beacon({ context: { url: `https://shop.example/products/${i}` }, events: [pageView({ route: undefined })] }));
  // Single-page-app route changes are not page loads the backend served.
  for (let i = 0; i < 50; i++) views.push(beacon({ context: { url: 'https://shop.example/products/9' }, events: [pageView({ route: undefined, soft: true })] }));
  // 20 page views kept at rate 0.5 stand for 40.
  for (let i = 0; i < 20; i++) views.push(beacon({ sample_rate: 0.5, context: { url: 'https://shop.example/checkout/pay' }, events: [pageView({ route: undefined })] }));
  for (let i = 0; i < 5; i++) views.push(beacon({ context: { url: 'https://shop.example/checkout/done' }, events: [pageView({ route: undefined })] }));
  for (const b of views) assert.equal((await postBeacon(server, b)).status, 202);

  const from = isoSeconds(minute - 3600_000);
  const to = isoSeconds(minute + 3600_000);
  const answer = await coverage({ from, to });
  assert.equal(answer.status, 200, describeResponse(answer));
  assert.equal(answer.json.page_views, 125);
  assert.equal(answer.json.page_requests, 150);
  assert.ok(Math.abs(answer.json.coverage - 125 / 150) < 1e-9, describeResponse(answer));
  assert.deepEqual(answer.json.routes, [
    { route: '/products/:id', page_views: 80, page_requests: 100, coverage: 0.8 },
    { route: '/checkout', page_views: 45, page_requests: 50, coverage: 0.9 },
  ]);

  const one = await coverage({ from, to, filter: 'route:/checkout' });
  assert.deepEqual([one.json.page_views, one.json.page_requests], [45, 50], describeResponse(one));
});

test('bad traffic posts and coverage queries get clear errors', async () => {
  const minute = Math.floor(Date.now() / 60000) * 60000;
  const noKey = await postTraffic({ counts: [{ minute, route: '/', requests: 1 }] });
  assert.equal(noKey.status, 401, describeResponse(noKey));
  assert.equal(noKey.json.field, 'Authorization');
  const badKey = await postTraffic({ counts: [] }, { headers: { Authorization: 'Bearer nope' } });
  assert.equal(badKey.status, 401, describeResponse(badKey));
  const auth = { headers: { 'X-Sightline-Key': SERVER_TOKEN } };
  const notJson = await postTraffic('{"counts": [', auth);
  assert.equal(notJson.status, 400, describeResponse(notJson));
  assert.equal(notJson.json.error, 'invalid_json');
  const noCounts = await postTraffic({}, auth);
  assert.equal(noCounts.status, 400, describeResponse(noCounts));
  assert.equal(noCounts.json.field, 'counts');
  const badFilter = await coverage({ filter: 'device:mobile' });
  assert.equal(badFilter.status, 400, describeResponse(badFilter));
  assert.equal(badFilter.json.field, 'filter');
  const noToken = await request(`${server.url}/api/v1/coverage?project=shop`);
  assert.equal(noToken.status, 401, describeResponse(noToken));
  const empty = await coverage({ from: '2020-01-01', to: '2020-01-02' });
  assert.equal(empty.status, 200, describeResponse(empty));
  assert.deepEqual([empty.json.page_views, empty.json.page_requests, empty.json.coverage, empty.json.routes],
    [0, 0, null, []]);
});

test('traffic is reported by servers only: not with the public ingest key, not from pages, and within a rate', async () => {
  const minute = Math.floor(Date.now() / 60000) * 60000;
  const poison = { counts: [{ minute, route: '/products/1', requests: 1e12 }] };
  for (const [how, opts] of [
    ['the key in the header', { headers: { 'X-Sightline-Key': SHOP.key } }],
    ['the key in the URL', { query: `?key=${SHOP.key}` }],
    ['the key in the body', {}],
  ]) {
    const res = await postTraffic(how === 'the key in the body' ? { ...poison, key: SHOP.key } : poison, opts);
    assert.equal(res.status, 401, `${how}: ${describeResponse(res)}`);
    assert.match(res.json.reason, /server_tokens/, describeResponse(res));
  }
  const fromPage = await postTraffic(poison, {
    headers: { Authorization: `Bearer ${SERVER_TOKEN}`, Origin: 'https://shop.example' },
  });
  assert.equal(fromPage.status, 403, describeResponse(fromPage));
  assert.equal(fromPage.json.field, 'Origin');
  // The token's bucket (limits.traffic_posts_per_second, 5 here) bounds a stolen token too.
  const burst = await Promise.all(Array.from({ length: 20 }, () =>
    postTraffic({ counts: [] }, { headers: { Authorization: `Bearer ${SERVER_TOKEN}` } })));
  const limited = burst.filter((r) => r.status === 429);
  assert.ok(limited.length >= 10, `a burst is rate limited: ${burst.map((r) => r.status).join(',')}`);
  assert.match(limited[0].headers.get('retry-after') ?? '', /^\d+$/);
  const answer = await coverage({ from: isoSeconds(minute - 3600_000), to: isoSeconds(minute + 3600_000), filter: 'route:/products/:id' });
  assert.ok(answer.json.page_requests < 1e12, `no poisoned count was stored: ${describeResponse(answer)}`);
});
