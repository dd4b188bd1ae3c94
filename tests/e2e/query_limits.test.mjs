// Query limits: one reader cannot take the query threads or the memory from the others. Queries
// past server.max_pending_queries are refused at once (503 busy), a query past
// server.query_timeout_ms (its wait included) stops with 503 query_timeout, an aggregation past
// limits.max_query_groups stops with 400 too_many_groups, and a query whose client has gone stops.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, describeResponse, isoSeconds, makeTempDir, metricSum, parsePrometheus, request,
  runBinary, scrapeMetrics, sleep, startServer, toYaml,
} from './helpers.mjs';

const END = Math.floor(Date.now() / 3600_000) * 3600_000;
const RANGE = { from: isoSeconds(END - 86400_000), to: isoSeconds(END) };
let dataDir;

// One day of generated traffic (200,000 vitals and their sessions), imported once and served by
// each test's own server in turn.
before(async () => {
  const dir = makeTempDir();
  dataDir = path.join(dir, 'data');
  const generated = await runBinary(['generate', '--vitals', '200000', '--days', '1', '--end', String(END), '--project', SHOP.id],
    { timeoutMs: 60000 });
  assert.equal(generated.code, 0, generated.stderr);
  const rows = path.join(dir, 'rows.jsonl');
  fs.writeFileSync(rows, generated.stdout);
  const configPath = path.join(dir, 'import.yaml');
  fs.writeFileSync(configPath, toYaml({ ...baseConfig(), data_dir: dataDir }));
  const imported = await runBinary(['import', '--config', configPath, rows], { timeoutMs: 60000 });
  assert.equal(imported.code, 0, imported.stderr);
});

let server;
after(async () => { if (server) await server.stop(); });

async function serve(overrides) {
  if (server) await server.stop();
  server = await startServer(baseConfig(overrides), { dataDir });
  return server;
}

function query(route, params, { signal } = {}) {
  const qs = new URLSearchParams({ project: SHOP.id, ...RANGE, ...params });
  const url = `${server.url}/api/v1/${route}?${qs}`;
  if (signal) return fetch(url, { headers: { Authorization: `Bearer ${SHOP.token}` }, signal });
  return request(url, { headers: { Authorization: `Bearer ${SHOP.token}` } });
}

const statusesOf = (results) => results.reduce((m, r) => m.set(r.status, (m.get(r.status) ?? 0) + 1), new Map());

test('past server.max_pending_queries a query is refused at once with 503 busy', async (t) => {
  await serve({ server: { ...baseConfig().server, query_threads: 1, max_pending_queries: 2 } });
  const results = await Promise.all(Array.from({ length: 30 }, () => query('sessions', {})));
  const statuses = statusesOf(results);
  t.diagnostic(`30 concurrent session lists: ${JSON.stringify([...statuses])}`);
  assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 503), [], 'every answer is 200 or 503');
  const busy = results.filter((r) => r.status === 503);
  assert.ok(busy.length >= 5, `the burst beyond the pending bound is refused: ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(200) ?? 0) >= 2, 'the queries admitted are answered');
  assert.equal(busy[0].json.error, 'busy', describeResponse(busy[0]));
  assert.match(busy[0].headers.get('retry-after') ?? '', /^\d+$/);
});

test('a query past server.query_timeout_ms, its wait included, stops with 503 query_timeout', async (t) => {
  await serve({ server: { ...baseConfig().server, query_threads: 1, query_timeout_ms: 100 } });
  const results = await Promise.all(Array.from({ length: 30 }, () => query('sessions', {})));
  const statuses = statusesOf(results);
  t.diagnostic(`30 concurrent session lists, 100 ms each at most: ${JSON.stringify([...statuses])}`);
  const late = results.filter((r) => r.status === 503);
  assert.ok(late.length > 0, `queries that waited too long stop: ${JSON.stringify([...statuses])}`);
  assert.equal(late[0].json.error, 'query_timeout', describeResponse(late[0]));
  assert.match(late[0].json.reason, /server\.query_timeout_ms/);
  assert.match(late[0].headers.get('retry-after') ?? '', /^\d+$/);
  assert.ok((statuses.get(200) ?? 0) > 0, 'the first queries are answered');
});

test('an aggregation past limits.max_query_groups stops with 400 too_many_groups', async () => {
  await serve({ limits: { ...baseConfig().limits, max_query_groups: 100 } });
  // A day by minute is 1440 groups.
  const minutes = await query('timeseries', { name: 'LCP', stats: 'p75', interval: '1m' });
  assert.equal(minutes.status, 400, describeResponse(minutes));
  assert.equal(minutes.json.error, 'too_many_groups');
  assert.match(minutes.json.reason, /limits\.max_query_groups/);
  const exact = await query('timeseries', { name: 'LCP', stats: 'p75', interval: '1m', exact: 'true' });
  assert.equal(exact.status, 400, describeResponse(exact));
  const hours = await query('timeseries', { name: 'LCP', stats: 'p75', interval: '1h' });
  assert.equal(hours.status, 200, `24 groups are within the limit: ${describeResponse(hours)}`);
});

test('a query whose working set passes limits.max_query_memory_mb stops with 400 query_too_large', async () => {
  // A quarter of a MiB: the day's 37,000 LCP values take more.
  await serve({ limits: { ...baseConfig().limits, max_query_memory_mb: 0.25 } });
  const tooLarge = [
    ['metrics', { name: 'LCP', stats: 'p75', exact: 'true' }],  // every value held
    ['sessions/summary', { group_by: 'device' }],  // every session folded
    ['sessions', { limit: '10' }],
  ];
  for (const [route, params] of tooLarge) {
    const res = await query(route, params);
    assert.equal(res.status, 400, `${route}: ${describeResponse(res)}`);
    assert.equal(res.json.error, 'query_too_large', `${route}: ${describeResponse(res)}`);
    assert.match(res.json.reason, /limits\.max_query_memory_mb \(256 KiB\)/);
  }
  // Sketches hold a few kilobytes per group whatever the range: they still answer.
  const sketched = await query('metrics', { name: 'LCP', stats: 'p75,count', group_by: 'device' });
  assert.equal(sketched.status, 200, describeResponse(sketched));
  const { series } = await scrapeMetrics(server);
  assert.equal(series.get('sightline_queries_ended_total{reason="too_large"}'), tooLarge.length);
  const health = await request(`${server.url}/healthz`);
  assert.equal(health.status, 200, describeResponse(health));

  // With the default limit (1 GiB) the same queries answer.
  await serve({});
  for (const [route, params] of tooLarge) {
    const res = await query(route, params);
    assert.equal(res.status, 200, `${route}: ${describeResponse(res)}`);
  }
});

test('queries whose clients have gone stop instead of running for nobody', async (t) => {
  await serve({ server: { ...baseConfig().server, query_threads: 1 } });
  const controller = new AbortController();
  const abandoned = Array.from({ length: 30 }, () => query('sessions', {}, { signal: controller.signal }).catch(() => null));
  await sleep(30);
  controller.abort();
  await Promise.all(abandoned);
  let ended = 0;
  for (let tries = 0; tries < 40 && ended === 0; ++tries) {
    await sleep(250);
    const metrics = parsePrometheus((await request(`${server.url}/metrics`)).text);
    ended = metricSum(metrics, 'sightline_queries_ended_total', { reason: 'client_gone' });
  }
  t.diagnostic(`queries stopped after their clients left: ${ended} of 30`);
  assert.ok(ended > 0, 'queries of clients that left are stopped');
  const after = await query('sessions', {});
  assert.equal(after.status, 200, 'the server answers the next client');
});
