// Query API: GET /api/v1/metrics. A known data set of a few hundred vitals (varied releases, tiers,
// flags, connections, routes and sample rates) is ingested, then every answer is compared exactly
// with the statistics computed here from what was sent (weighted by 1/sample_rate).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  BLOG, SHOP, SKETCH_REL, baseConfig, compareStats, describeResponse, eventually, expectedStats, groupKey,
  isoSeconds, postBeacon, queryMetrics, request, rng, startServer,
} from './helpers.mjs';

let server;

// --- The data set ---------------------------------------------------------------------------------

const RELEASES = ['2.4.0', '2.4.1', '2.5.0'];
const TIERS = ['free', 'pro', 'enterprise'];
const FLAGSETS = [['new-checkout'], ['new-checkout', 'dark-mode'], ['dark-mode'], ['beta-search', 'dark-mode', 'new-checkout']];
const CONNECTIONS = ['4g', '3g', 'slow-2g'];
const ENVIRONMENTS = ['production', 'staging'];
const SERVICES = ['storefront', 'checkout'];
const ROUTES = ['/', '/products/:id', '/cart'];
const SAMPLE_RATES = [1, 0.5, 0.25, 0.2, 0.1];

const NOW = Math.floor(Date.now() / 1000) * 1000;
const T0 = NOW - 3 * 3600_000; // range tests use [T0, T1)
const T1 = T0 + 2 * 3600_000;
const ALL_FROM = T0 - 3600_000;
const ALL_TO = NOW + 120_000;

const stored = []; // every vital sent to shop and expected to be stored: {project, name, value, w, ts, dims...}
const beacons = { shop: [], blog: [] };

function buildDataSet() {
  const R = rng(20240501);
  const pick = (arr) => arr[Math.floor(R() * arr.length)];
  const make = (project, key, nBeacons, valueOffset) => {
    for (let b = 0; b < nBeacons; b++) {
      const sampleRate = pick(SAMPLE_RATES);
      const ctxRoute = R() < 0.5 ? pick(ROUTES) : undefined;
      const context = {
        url: 'https://shop.example/some/page',
        release: pick(RELEASES),
        environment: pick(ENVIRONMENTS),
        service: pick(SERVICES),
        user: { id: `u-${b}`, tier: pick(TIERS) },
        flags: pick(FLAGSETS),
        network: { effective_type: pick(CONNECTIONS), rtt: 100, downlink: 5, save_data: false },
      };
      if (ctxRoute) context.route = ctxRoute;
      const events = [{ type: 'page_view', ts: T0, route: ctxRoute ?? '/', soft: false, timing: { ttfb: 50, load: 900 } }];
      const n = 4 + Math.floor(R() * 9);
      for (let i = 0; i < n; i++) {
        const r = R();
        const name = r < 0.7 ? 'LCP' : r < 0.85 ? 'INP' : 'CLS';
        let value;
        if (name === 'LCP') value = 200 + Math.floor(R() * 380) * 10 + (R() < 0.2 ? 0.5 : 0);
        else if (name === 'INP') value = 16 + Math.floor(R() * 60) * 8;
        else value = Math.round(R() * 50) / 100;
        value += name === 'CLS' ? valueOffset / 2000 : valueOffset; // CLS must stay < 100
        const ts = T0 - 1800_000 + Math.floor(R() * (T1 - T0 + 3600_000));
        const event = { type: 'vital', ts, name, value, rating: 'good' };
        const route = ctxRoute && R() < 0.6 ? undefined : pick(ROUTES);
        if (route) event.route = route;
        events.push(event);
        stored.push({
          project, name, value, w: 1 / sampleRate, ts,
          release: context.release, environment: context.environment, service: context.service,
          tier: context.user.tier, flags: context.flags, connection: context.network.effective_type,
          route: route ?? ctxRoute,
        });
      }
      beacons[project].push({
        v: 1, key, session_id: `s-${project}-${b}`, page_view_id: `pv-${project}-${b}`, consent: 'full',
        ...(sampleRate === 1 && R() < 0.5 ? {} : { sample_rate: sampleRate }), // sample_rate absent = 1
        context, events,
      });
    }
  };
  make('shop', SHOP.key, 60, 0);
  make('blog', BLOG.key, 8, 100000); // blog values are far away from shop's: leaks would show

  // Range boundaries: one LCP exactly at T0 (included), at T1 (excluded), and 1 ms either side.
  const boundary = { release: '2.4.0', environment: 'production', service: 'storefront', tier: 'free', flags: ['new-checkout'], connection: '4g', route: '/' };
  const edgeEvents = [[T0 - 1, 50001], [T0, 50002], [T1 - 1, 50003], [T1, 50004]];
  beacons.shop.push({
    v: 1, key: SHOP.key, session_id: 's-edge', page_view_id: 'pv-edge', consent: 'full', sample_rate: 1,
    context: {
      release: boundary.release, environment: boundary.environment, service: boundary.service,
      user: { id: 'u-edge', tier: boundary.tier }, flags: boundary.flags,
      network: { effective_type: boundary.connection },
    },
    events: edgeEvents.map(([ts, value]) => ({ type: 'vital', ts, name: 'LCP', value, route: '/' })),
  });
  for (const [ts, value] of edgeEvents) stored.push({ project: 'shop', name: 'LCP', value, w: 1, ts, ...boundary });

  // Exact percentile boundaries (release "exact-1"): 10 (w 1), 10 (w 1), 20 (w 2), 30 (w 4); total 8.
  // Cumulative weights 2, 4, 8 hit the p25/p50 thresholds exactly, so "smallest v with weight of
  // values <= v >= NN/100 x total" gives p25 = 10, p50 = 20, p75 = 30 (a strict ">" would not).
  const exactCtx = { ...boundary, release: 'exact-1' };
  for (const [rate, values] of [[1, [10, 10]], [0.5, [20]], [0.25, [30]]]) {
    beacons.shop.push({
      v: 1, key: SHOP.key, session_id: `s-exact-${rate}`, page_view_id: `pv-exact-${rate}`, consent: 'full', sample_rate: rate,
      context: {
        release: exactCtx.release, environment: exactCtx.environment, service: exactCtx.service,
        user: { id: 'u-exact', tier: exactCtx.tier }, flags: exactCtx.flags, network: { effective_type: exactCtx.connection },
      },
      events: values.map((value) => ({ type: 'vital', ts: T0 + 600_000, name: 'LCP', value, route: '/' })),
    });
    for (const value of values) stored.push({ project: 'shop', name: 'LCP', value, w: 1 / rate, ts: T0 + 600_000, ...exactCtx });
  }
}

// --- Reference query evaluation -------------------------------------------------------------------

const DIMS = ['route', 'release', 'environment', 'service', 'tier', 'flag', 'connection'];

function dimValues(e, dim) {
  return dim === 'flag' ? e.flags : [e[dim]];
}

function parseFilter(filter) {
  const byDim = {};
  for (const part of filter ? filter.split(',') : []) {
    const i = part.indexOf(':');
    (byDim[part.slice(0, i)] ??= []).push(part.slice(i + 1));
  }
  return byDim;
}

// Expected rows {groupKey -> {group, points}} for a query.
function expectedRows({ project = 'shop', name = 'LCP', from = ALL_FROM, to = ALL_TO, groupBy = [], filter = '' }) {
  const byDim = parseFilter(filter);
  const rows = new Map();
  for (const e of stored) {
    if (e.project !== project || e.name !== name || e.ts < from || e.ts >= to) continue;
    if (!Object.entries(byDim).every(([dim, vals]) => dimValues(e, dim).some((v) => vals.includes(v)))) continue;
    let groups = [{}];
    for (const dim of groupBy) {
      groups = groups.flatMap((g) => [...new Set(dimValues(e, dim))].map((v) => ({ ...g, [dim]: v })));
    }
    for (const g of groups) {
      const key = groupKey(g);
      if (!rows.has(key)) rows.set(key, { group: g, points: [] });
      rows.get(key).points.push({ value: e.value, w: e.w });
    }
  }
  return rows;
}

const STATS = ['p50', 'p75', 'p95', 'p99', 'p99.9', 'count', 'samples', 'avg', 'sum', 'min', 'max'];

// Runs the query against the server and compares every row and stat with the reference: exactly
// with exact=true, and by default (sketched percentiles) within SKETCH_REL for percentiles.
async function checkQuery(q, options = {}) {
  const exactRows = await checkQueryMode(q, { ...options, exact: true });
  await checkQueryMode(q, { ...options, exact: false });
  return exactRows;
}

async function checkQueryMode(q, { token = SHOP.token, stats = STATS, explicitRange = true, exact } = {}) {
  const params = {
    project: q.project ?? 'shop', name: q.name ?? 'LCP', stats,
    from: explicitRange ? isoSeconds(q.from ?? ALL_FROM) : undefined,
    to: explicitRange ? isoSeconds(q.to ?? ALL_TO) : undefined,
    group_by: q.groupBy?.length ? q.groupBy : undefined,
    filter: q.filter || undefined,
    exact: exact ? 'true' : undefined,
  };
  const res = await queryMetrics(server, params, token);
  const label = `query ${JSON.stringify(params)}`;
  assert.equal(res.status, 200, `${label}: ${describeResponse(res)}`);
  assert.ok(Array.isArray(res.json?.rows), `${label}: rows is a list: ${describeResponse(res)}`);

  const want = expectedRows(q);
  assert.ok(want.size > 0, `${label}: test data set should match something`);
  const gotKeys = res.json.rows.map((r) => groupKey(r.group));
  assert.deepEqual([...gotKeys].sort(), [...want.keys()].sort(), `${label}: groups returned`);
  assert.equal(new Set(gotKeys).size, gotKeys.length, `${label}: each group appears once`);

  const problems = [];
  for (const row of res.json.rows) {
    const expectedGroupKeys = [...(q.groupBy ?? [])].sort();
    assert.deepEqual(Object.keys(row.group).sort(), expectedGroupKeys, `${label}: group keys of ${JSON.stringify(row.group)}`);
    const exp = expectedStats(want.get(groupKey(row.group)).points, stats);
    problems.push(...compareStats(row, exp, `${JSON.stringify(row.group)} `, { quantileRel: exact ? undefined : SKETCH_REL }));
  }
  assert.deepEqual(problems, [], `${label}: stat mismatches`);
  assert.equal(res.json.exact, exact, `${label}: the answer says whether it is exact`);

  for (let i = 1; i < res.json.rows.length; i++) {
    assert.ok(res.json.rows[i - 1].count >= res.json.rows[i].count,
      `${label}: rows sorted by count descending (${res.json.rows.map((r) => r.count).join(', ')})`);
  }
  return res.json.rows;
}

// --- Setup ----------------------------------------------------------------------------------------

before(async () => {
  buildDataSet();
  server = await startServer(baseConfig());
  for (const project of ['shop', 'blog']) {
    for (const b of beacons[project]) {
      const res = await postBeacon(server, b);
      assert.equal(res.status, 202, `setup beacon: ${describeResponse(res)}`);
      assert.equal(res.json.accepted, b.events.length, `setup beacon fully accepted: ${describeResponse(res)}`);
    }
  }
  // Wait until everything is visible (then every check below is exact).
  const total = stored.filter((e) => e.project === 'shop' && e.name === 'LCP').length;
  await eventually(async () => {
    const res = await queryMetrics(server, { project: 'shop', name: 'LCP', stats: 'samples', from: isoSeconds(ALL_FROM), to: isoSeconds(ALL_TO) });
    assert.equal(res.json?.rows?.[0]?.samples, total, describeResponse(res));
  }, { timeoutMs: 5000 });
});

after(async () => {
  if (server) await server.stop();
});

// --- Tests ----------------------------------------------------------------------------------------

test('data set sanity (test precondition): a few hundred vitals over many groups and sample rates', () => {
  const shopLcp = stored.filter((e) => e.project === 'shop' && e.name === 'LCP');
  assert.ok(shopLcp.length >= 200, `at least 200 shop LCP vitals (${shopLcp.length})`);
  assert.ok(new Set(shopLcp.map((e) => e.w)).size === SAMPLE_RATES.length, 'all sample rates are used');
});

test('overall stats (no group_by): one row with group {} and exact weighted stats', async () => {
  const rows = await checkQuery({});
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].group, {});
});

test('weighted nearest-rank percentiles at exact boundaries (hand-computed)', async () => {
  const rows = await checkQuery({ filter: 'release:exact-1' }, { stats: ['p25', 'p50', 'p75', 'p90', 'count', 'samples', 'avg', 'sum'] });
  assert.equal(rows.length, 1);
  const { p25, p50, p75, p90, count, samples, avg, sum } = rows[0];
  assert.deepEqual({ p25, p50, p75, p90, count, samples, avg, sum },
    { p25: 10, p50: 20, p75: 30, p90: 30, count: 8, samples: 4, avg: 22.5, sum: 180 });
});

test('default time range is the last 24 h', async () => {
  // Everything in the data set (except nothing) lies within the last 24 h, before now.
  await checkQuery({ from: NOW - 86400_000, to: NOW + 1000 }, { explicitRange: false });
});

test('other vitals: INP and CLS are kept apart from LCP', async () => {
  await checkQuery({ name: 'INP' });
  await checkQuery({ name: 'CLS' });
});

test('group_by each single dimension', async () => {
  for (const dim of DIMS) await checkQuery({ groupBy: [dim] });
});

test('group_by two dimensions (release,tier) and (flag,connection)', async () => {
  await checkQuery({ groupBy: ['release', 'tier'] });
  await checkQuery({ groupBy: ['flag', 'connection'] });
});

test('group_by flag puts an event into each of its flags\' groups', async () => {
  const rows = await checkQuery({ groupBy: ['flag'] }, { stats: ['samples', 'count'] });
  const totalSamples = rows.reduce((s, r) => s + r.samples, 0);
  const distinct = stored.filter((e) => e.project === 'shop' && e.name === 'LCP').length;
  assert.ok(totalSamples > distinct, `multi-flag events are counted in several groups (${totalSamples} > ${distinct})`);
});

test('filters: equality, OR within a dimension, AND across dimensions, flag membership', async () => {
  await checkQuery({ filter: 'release:2.4.1' });
  await checkQuery({ filter: 'release:2.4.1,release:2.5.0' });
  await checkQuery({ filter: 'release:2.4.1,tier:pro' });
  await checkQuery({ filter: 'release:2.4.0,release:2.5.0,connection:4g,connection:3g' });
  await checkQuery({ filter: 'flag:dark-mode' });
  await checkQuery({ filter: 'flag:beta-search,flag:new-checkout' });
  await checkQuery({ filter: 'flag:dark-mode,tier:enterprise,environment:production' });
  await checkQuery({ filter: 'route:/cart' });
  await checkQuery({ filter: 'service:checkout,route:/products/:id' });
});

test('filter and group_by combined', async () => {
  await checkQuery({ filter: 'flag:dark-mode', groupBy: ['release'] });
  await checkQuery({ filter: 'tier:free,tier:pro', groupBy: ['tier', 'flag'] });
});

test('a filter that matches nothing returns no rows', async () => {
  const res = await queryMetrics(server, { project: 'shop', name: 'LCP', stats: 'count', filter: 'release:9.9.9' });
  assert.equal(res.status, 200, describeResponse(res));
  assert.deepEqual(res.json.rows, [], describeResponse(res));
});

test('time range is [from, to): the event at `from` is in, the event at `to` is out', async () => {
  const rows = await checkQuery({ from: T0, to: T1 });
  assert.ok(rows[0].max < 50004, `the event at exactly \`to\` (value 50004) is excluded (max ${rows[0].max})`);
  const edge = await checkQuery({ from: T0, to: T1, filter: 'release:2.4.0' }, { stats: ['count', 'min', 'max'] });
  assert.ok(edge[0].max >= 50003, 'the event 1 ms before `to` is included');
  // Narrow windows around the boundaries.
  const justFrom = await checkQuery({ from: T0, to: T0 + 1000, filter: 'route:/' }, { stats: ['count', 'min', 'max'] });
  assert.ok(justFrom.some((r) => r.min <= 50002 && r.max >= 50002), 'event at exactly `from` is included');
  const beforeFrom = await checkQuery({ from: T0 - 1000, to: T0, filter: 'release:2.4.0,route:/' }, { stats: ['count', 'min', 'max'] });
  assert.ok(beforeFrom.some((r) => r.max === 50001), 'the event 1 ms before `from` is in the previous window');
  assert.ok(beforeFrom.every((r) => r.max !== 50002), 'the event at T0 is not in [T0 - 1 s, T0)');
});

test('projects are isolated: blog data never shows up in shop, and blog can read its own', async () => {
  await checkQuery({ project: 'blog' }, { token: BLOG.token });
  await checkQuery({ project: 'blog', groupBy: ['release'] }, { token: BLOG.token });
  const shop = await checkQuery({}, { stats: ['max'] });
  assert.ok(shop[0].max < 100000, 'no blog values (>= 100000) in shop');
});

test('authentication: no token 401, unknown token 401, another project\'s token 403', async () => {
  const params = { project: 'shop', name: 'LCP', stats: 'count' };
  const none = await queryMetrics(server, params, null);
  assert.equal(none.status, 401, describeResponse(none));
  assert.equal(none.json?.error, 'unauthenticated', describeResponse(none));
  assert.equal(none.json?.rows, undefined, 'no data without a token');

  const unknown = await queryMetrics(server, params, 'rt_nope');
  assert.equal(unknown.status, 401, describeResponse(unknown));
  assert.equal(unknown.json?.error, 'unauthenticated', describeResponse(unknown));

  const ingestKey = await queryMetrics(server, params, SHOP.key);
  assert.equal(ingestKey.status, 401, `a public ingest key is not a read token: ${describeResponse(ingestKey)}`);

  const blogForShop = await queryMetrics(server, params, BLOG.token);
  assert.equal(blogForShop.status, 403, describeResponse(blogForShop));
  assert.equal(blogForShop.json?.error, 'forbidden', describeResponse(blogForShop));
  assert.equal(blogForShop.json?.rows, undefined, 'no data for another project\'s token');

  const shopForBlog = await queryMetrics(server, { ...params, project: 'blog' }, SHOP.token);
  assert.equal(shopForBlog.status, 403, describeResponse(shopForBlog));
  assert.equal(shopForBlog.json?.error, 'forbidden', describeResponse(shopForBlog));

  const basic = await fetch(`${server.url}/api/v1/metrics?project=shop&name=LCP&stats=count`, {
    headers: { Authorization: `Basic ${Buffer.from(`x:${SHOP.token}`).toString('base64')}` },
  });
  assert.equal(basic.status, 401, 'a non-Bearer Authorization header is not accepted');
});

test('bad parameters: 400 invalid_query naming the field', async () => {
  const base = { project: 'shop', name: 'LCP', stats: 'count' };
  const cases = [
    [{ group_by: 'color' }, 'group_by'],
    [{ group_by: 'release,color' }, 'group_by'],
    [{ filter: 'color:red' }, 'filter'],
    [{ filter: 'release' }, 'filter'],
    [{ stats: 'median' }, 'stats'],
    [{ stats: 'p100' }, 'stats'],
    [{ stats: 'p0' }, 'stats'],
    [{ stats: 'count,pxx' }, 'stats'],
    [{ name: 'FOO' }, 'name'],
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2024-13-45T99:00:00Z' }, 'to'],
  ];
  for (const [patch, field] of cases) {
    const res = await queryMetrics(server, { ...base, ...patch });
    assert.equal(res.status, 400, `${JSON.stringify(patch)}: ${describeResponse(res)}`);
    assert.equal(res.json?.error, 'invalid_query', `${JSON.stringify(patch)}: ${describeResponse(res)}`);
    assert.equal(res.json?.field, field, `${JSON.stringify(patch)}: ${describeResponse(res)}`);
    assert.equal(typeof res.json?.reason, 'string', `${JSON.stringify(patch)}: reason: ${describeResponse(res)}`);
  }
});

test('good / needs-improvement / poor shares, not and prefix filters, top N with the rest as "other"', async () => {
  const picked = stored.filter((e) => e.project === 'shop' && e.name === 'LCP' && e.ts >= ALL_FROM && e.ts < ALL_TO &&
    e.route.startsWith('/products') && e.tier !== 'free');
  const byRelease = new Map();
  for (const e of picked) {
    if (!byRelease.has(e.release)) byRelease.set(e.release, []);
    byRelease.get(e.release).push(e);
  }
  const weight = (es) => es.reduce((s, e) => s + e.w, 0);
  const groups = [...byRelease.entries()].sort((a, b) => weight(b[1]) - weight(a[1]));
  assert.ok(groups.length >= 2, 'the data set has several releases for this filter');
  const share = (es, lo, hi) => weight(es.filter((e) => e.value > lo && e.value <= hi)) / weight(es);
  const expected = [
    { other: false, group: { release: groups[0][0] }, events: groups[0][1] },
    { other: true, group: { release: null }, events: groups.slice(1).flatMap(([, es]) => es) },
  ].map(({ other, group, events }) => ({
    other, group, count: weight(events),
    good: share(events, -Infinity, 2500), ni: share(events, 2500, 4000), poor: share(events, 4000, Infinity),
  }));

  const res = await queryMetrics(server, {
    project: 'shop', name: 'LCP', stats: ['good', 'ni', 'poor', 'count'], group_by: 'release', limit: 1,
    filter: 'route:/products*,tier!:free', from: isoSeconds(ALL_FROM), to: isoSeconds(ALL_TO),
  });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.rows.length, 2, describeResponse(res));
  res.json.rows.forEach((row, i) => {
    const want = expected[i];
    assert.equal(row.other === true, want.other, `row ${i} other: ${JSON.stringify(row)}`);
    assert.deepEqual(row.group, want.group);
    for (const k of ['count', 'good', 'ni', 'poor']) {
      assert.ok(Math.abs(row[k] - want[k]) <= 1e-9 * Math.max(1, want[k]), `row ${i} ${k}: got ${row[k]}, want ${want[k]}`);
    }
    assert.ok(Math.abs(row.good + row.ni + row.poor - 1) < 1e-9, 'the three bands add up to 1');
  });
});

test('time series: every hourly bucket of the range, for segments side by side, exact per bucket', async () => {
  const step = 3600_000;
  const from = T0 + 1800_000; // starts inside a bucket
  const to = T1 + 1800_000;
  const stats = ['p75', 'count', 'samples'];
  const segments = ['tier:pro', 'tier!:pro,connection:4g'];
  const qs = new URLSearchParams({ project: 'shop', name: 'LCP', stats: stats.join(','), interval: '1h',
    from: isoSeconds(from), to: isoSeconds(to), filter: 'environment:production', exact: 'true' });
  for (const s of segments) qs.append('segment', s);
  const res = await request(`${server.url}/api/v1/timeseries?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.interval_ms, step);
  assert.equal(res.json.series.length, 2);
  const first = from - (from % step);
  const buckets = [];
  for (let t = first; t < to; t += step) buckets.push(t);
  const problems = [];
  let nonEmpty = 0;
  res.json.series.forEach((series, i) => {
    assert.equal(series.segment, segments[i]);
    assert.deepEqual(series.points.map((p) => p.t), buckets, 'one point per bucket');
    series.points.forEach((point, b) => {
      const matching = stored.filter((e) => e.project === 'shop' && e.name === 'LCP' && e.environment === 'production' &&
        e.ts >= Math.max(from, buckets[b]) && e.ts < Math.min(to, buckets[b] + step) &&
        (i === 0 ? e.tier === 'pro' : e.tier !== 'pro' && e.connection === '4g'));
      if (matching.length === 0) {
        assert.deepEqual([point.count, point.samples, point.p75], [0, 0, null], `empty bucket ${b}`);
        return;
      }
      nonEmpty++;
      problems.push(...compareStats(point, expectedStats(matching.map((e) => ({ value: e.value, w: e.w })), stats), `${segments[i]} t=${point.t} `));
    });
  });
  assert.deepEqual(problems, []);
  assert.ok(nonEmpty >= 2, 'the data set fills some buckets of both segments');

  const bad = await request(`${server.url}/api/v1/timeseries?project=shop&name=LCP&interval=10s`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(bad.status, 400, describeResponse(bad));
  assert.equal(bad.json.field, 'interval');
});

test('distribution: weighted counts in equal bins from 0 to max, the last open-ended', async () => {
  const qs = new URLSearchParams({ project: 'shop', name: 'LCP', bins: '10', max: '5000', filter: 'tier!:free',
    from: isoSeconds(ALL_FROM), to: isoSeconds(ALL_TO) });
  const res = await request(`${server.url}/api/v1/distribution?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(res.status, 200, describeResponse(res));
  const events = stored.filter((e) => e.project === 'shop' && e.name === 'LCP' && e.ts >= ALL_FROM && e.ts < ALL_TO && e.tier !== 'free');
  const weight = (es) => es.reduce((s, e) => s + e.w, 0);
  assert.ok(Math.abs(res.json.count - weight(events)) < 1e-6, describeResponse(res));
  assert.equal(res.json.samples, events.length);
  assert.equal(res.json.bins.length, 10);
  res.json.bins.forEach((bin, i) => {
    const lo = i * 500;
    const hi = i === 9 ? Infinity : (i + 1) * 500;
    assert.deepEqual([bin.from, bin.to], [lo, i === 9 ? null : hi]);
    const want = weight(events.filter((e) => (i === 0 ? e.value <= hi : e.value > lo && e.value <= hi)));
    assert.ok(Math.abs(bin.count - want) < 1e-6, `bin ${i}: got ${bin.count}, want ${want}`);
  });
  const bad = await request(`${server.url}/api/v1/distribution?project=shop&name=LCP&bins=1000`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(bad.status, 400, describeResponse(bad));
  assert.equal(bad.json.field, 'bins');
});
