// GET /api/v1/overview (page views, sessions, JS errors and API errors; in total, per bucket and per
// value of a dimension) and GET /api/v1/projects, on a hand-built data set with every number
// worked out by hand.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, apiCall, baseConfig, beacon, describeResponse, errorEvent, isoSeconds, pageView, postBeacon,
  request, startServer, uniqueId,
} from './helpers.mjs';

let server;
const HOUR = 3600_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;  // two whole hours ago
const A = uniqueId('rel-a');
const B = uniqueId('rel-b');

// Three sessions; s2 was kept with probability 0.5, so each of its events stands for two.
//   s1 (A): hour 0: page view, error, API 200, API 500; hour 1: page view
//   s2 (A, rate 0.5): hour 0: page view, a failed API call (no status), an error
//   s3 (B): hour 1: page view, API 404
const SENT = [
  { session: 's1', release: A, rate: 1, events: [pageView({ ts: T0 + 60_000 }), errorEvent({ ts: T0 + 61_000 }),
    apiCall({ ts: T0 + 62_000, status: 200 }), apiCall({ ts: T0 + 63_000, status: 500 })] },
  { session: 's1', release: A, rate: 1, events: [pageView({ ts: T0 + HOUR + 60_000 })] },
  { session: 's2', release: A, rate: 0.5, events: [pageView({ ts: T0 + 120_000 }),
    apiCall({ ts: T0 + 121_000, status: undefined }), errorEvent({ ts: T0 + 122_000 })] },
  { session: 's3', release: B, rate: 1, events: [pageView({ ts: T0 + HOUR + 120_000 }), apiCall({ ts: T0 + HOUR + 121_000, status: 404 })] },
];

before(async () => {
  server = await startServer(baseConfig());
  const ids = { s1: uniqueId('s1'), s2: uniqueId('s2'), s3: uniqueId('s3') };
  for (const s of SENT) {
    const res = await postBeacon(server, beacon({ session_id: ids[s.session], sample_rate: s.rate,
      context: { release: s.release }, events: s.events }));
    assert.equal(res.status, 202, describeResponse(res));
  }
});

after(async () => {
  if (server) await server.stop();
});

function get(path, params, token = SHOP.token) {
  const qs = new URLSearchParams({ project: SHOP.id, from: isoSeconds(T0), to: isoSeconds(T0 + 2 * HOUR), ...params });
  return request(`${server.url}/api/v1/${path}?${qs}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

const counts = (pageViews, pvSamples, sessions, sessionSamples, errors, apiCalls, apiErrors) => ({
  page_views: pageViews, page_view_samples: pvSamples, sessions, session_samples: sessionSamples, errors,
  error_rate: pageViews ? errors / pageViews : null, api_calls: apiCalls, api_errors: apiErrors,
  api_error_rate: apiCalls ? apiErrors / apiCalls : null,
});

test('totals, hourly buckets and releases are counted as worked out by hand', async () => {
  const res = await get('overview', { interval: '1h', group_by: 'release' });
  assert.equal(res.status, 200, describeResponse(res));
  // Page views 1+1 (s1) + 2 (s2) + 1 (s3); sessions 1 + 2 + 1; errors 1 + 2; API calls 2 + 2 + 1,
  // of which 500, the failed one (x2) and 404 failed.
  assert.deepEqual(res.json.totals, counts(5, 4, 4, 3, 3, 5, 4));
  assert.equal(res.json.interval_ms, HOUR);
  assert.deepEqual(res.json.buckets.map((b) => b.start), [T0, T0 + HOUR]);
  const [hour0, hour1] = res.json.buckets.map(({ start, ...rest }) => rest);
  assert.deepEqual(hour0, counts(3, 2, 3, 2, 3, 4, 3));
  // s1 came back in hour 1: its page view counts there, the session where it started.
  assert.deepEqual(hour1, counts(2, 2, 1, 1, 0, 1, 1));
  assert.deepEqual(res.json.rows.map((r) => r.group), [{ release: A }, { release: B }]);
  assert.deepEqual((({ group, ...rest }) => rest)(res.json.rows[0]), counts(4, 3, 3, 2, 3, 4, 3));
  assert.deepEqual((({ group, ...rest }) => rest)(res.json.rows[1]), counts(1, 1, 1, 1, 0, 1, 1));
  assert.equal(res.json.source.scanned_events, 10);
});

test('filters apply to each event; nothing matching gives zeros and null rates', async () => {
  const b = await get('overview', { filter: `release:${B}` });
  assert.equal(b.status, 200, describeResponse(b));
  assert.deepEqual(b.json.totals, counts(1, 1, 1, 1, 0, 1, 1));
  assert.equal(b.json.buckets, undefined, 'no buckets without an interval');
  const none = await get('overview', { filter: 'release:nope' });
  assert.deepEqual(none.json.totals, counts(0, 0, 0, 0, 0, 0, 0));
});

test('malformed overview queries are refused naming the parameter', async () => {
  for (const [params, field] of [
    [{ interval: '5s' }, 'interval'], [{ group_by: 'flag' }, 'group_by'], [{ group_by: 'device,country' }, 'group_by'],
    [{ group_by: 'planet' }, 'group_by'], [{ limit: '0', group_by: 'device' }, 'limit'], [{ from: 'soon' }, 'from'],
  ]) {
    const res = await get('overview', params);
    assert.equal(res.status, 400, `${JSON.stringify(params)}: ${describeResponse(res)}`);
    assert.equal(res.json.field, field, JSON.stringify(params));
  }
});

test('projects names the token\'s project, and refuses without a valid token', async () => {
  const ok = await request(`${server.url}/api/v1/projects`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(ok.status, 200, describeResponse(ok));
  assert.deepEqual(ok.json, { projects: [{ id: SHOP.id }] });
  assert.equal((await request(`${server.url}/api/v1/projects`)).status, 401);
  const bad = await request(`${server.url}/api/v1/projects`, { headers: { Authorization: 'Bearer nope' } });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.field, 'Authorization');
});

test('attribution: LCP by element and by resource, with the p75 of the vital and of its phases', async () => {
  const route = `/${uniqueId('attr')}`;
  // [LCP, element, url, resourceLoadDuration]; the third beacon is sampled at 0.5 (weight 2).
  const lcps = [[1000, 'img.hero', 'https://cdn/a.avif', 300], [3000, 'img.hero', 'https://cdn/b.avif', 900],
    [2000, 'h1', undefined, undefined], [5000, 'img.hero', 'https://cdn/b.avif', 2000]];
  for (const [i, [value, element, url, load]] of lcps.entries()) {
    const attribution = { element, url, resourceLoadDuration: load, timeToFirstByte: 100 };
    const res = await postBeacon(server, beacon({ sample_rate: i === 2 ? 0.5 : 1, events: [
      { type: 'vital', ts: T0 + HOUR + 600_000 + i, name: 'LCP', value, route, attribution }] }));
    assert.equal(res.status, 202, describeResponse(res));
  }
  const byElement = await get('attribution', { name: 'LCP', filter: `route:${route}` });
  assert.equal(byElement.status, 200, describeResponse(byElement));
  assert.equal(byElement.json.count, 5);
  assert.deepEqual(byElement.json.rows.map((r) => [r.element, r.count, r.samples, r.share, r.p75, r.resourceLoadDuration_p75, r.timeToFirstByte_p75]),
    [['img.hero', 3, 3, 0.6, 5000, 2000, 100], ['h1', 2, 1, 0.4, 2000, null, 100]]);
  const slowest = await get('attribution', { name: 'LCP', by: 'url', sort: 'p75', filter: `route:${route}` });
  assert.deepEqual(slowest.json.rows.map((r) => [r.url, r.count, r.p75]),
    [['https://cdn/b.avif', 2, 5000], [null, 2, 2000], ['https://cdn/a.avif', 1, 1000]]);
  for (const [params, field] of [[{}, 'name'], [{ name: 'LCP', by: 'size' }, 'by'], [{ name: 'LCP', sort: 'worst' }, 'sort']]) {
    const res = await get('attribution', params);
    assert.equal(res.status, 400, describeResponse(res));
    assert.equal(res.json.field, field);
  }
});
