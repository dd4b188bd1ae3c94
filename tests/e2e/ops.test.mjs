// Operations: /healthz, Prometheus /metrics (and that its counters move), JSON logs, config errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, connectSocket, describeResponse, eventually, makeTempDir, metricSum,
  postBeacon, request, runBinary, scrapeMetrics, startServer, toYaml, vital,
} from './helpers.mjs';

let server;
let stopped = false;

before(async () => {
  server = await startServer(baseConfig());
});

after(async () => {
  if (server && !stopped) await server.stop();
});

// Sums a metric over every series whose label text contains `fragment`.
function sumWhereLabels(series, name, fragment) {
  let sum = 0;
  let found = false;
  for (const [key, value] of series) {
    if (!key.startsWith(`${name}{`)) continue;
    if (!key.slice(name.length).includes(fragment)) continue;
    sum += value;
    found = true;
  }
  return found ? sum : undefined;
}

test('GET /healthz answers 200 with a JSON body', async () => {
  const res = await request(`${server.url}/healthz`);
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(res.headers.get('content-type') ?? '', /json/i);
  assert.ok(res.json !== null && typeof res.json === 'object', `healthz body is a JSON object: ${describeResponse(res)}`);
});

test('GET /metrics is Prometheus text with the documented metric families', async () => {
  // Generate a little traffic first so that lazily created series exist.
  await postBeacon(server, beacon({ events: [vital('LCP', 100), { type: 'vital', ts: 1, name: 'LCP', value: 1 }] }));
  const { res, series } = await scrapeMetrics(server);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/i, 'Prometheus text content type');
  const text = res.text;
  const required = [
    /^sightline_beacons_total\{[^}]*result="accepted"[^}]*\} \d/m,
    /^sightline_events_total\{[^}]*result="accepted"[^}]*\} \d/m,
    /^sightline_events_rejected_total\{[^}]*reason="[^"]+"[^}]*\} \d/m,
    /^sightline_ingest_bytes_total(\{[^}]*\})? \d/m,
    /^sightline_wal_fsync_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d/m,
    /^sightline_wal_fsync_seconds_count(\{[^}]*\})? \d/m,
    /^sightline_wal_fsync_seconds_sum(\{[^}]*\})? \d/m,
    /^sightline_http_request_duration_seconds_bucket\{[^}]*route="[^"]+"[^}]*\} \d/m,
    /^sightline_http_request_duration_seconds_count\{[^}]*route="[^"]+"[^}]*\} \d/m,
    /^sightline_memtable_bytes(\{[^}]*\})? \d/m,
    /^sightline_open_connections(\{[^}]*\})? \d/m,
  ];
  const missing = required.filter((re) => !re.test(text)).map(String);
  assert.deepEqual(missing, [], `metrics missing from /metrics:\n${text.slice(0, 3000)}`);
  assert.match(text, /^# TYPE sightline_beacons_total counter$/m, 'TYPE line for beacons_total');
  assert.match(text, /^# TYPE sightline_wal_fsync_seconds histogram$/m, 'TYPE line for the fsync histogram');
  assert.match(text, /^# TYPE sightline_memtable_bytes gauge$/m, 'TYPE line for memtable_bytes');
  assert.ok(series.size > 0);
});

test('histograms are consistent: the +Inf bucket equals _count, buckets are cumulative', async () => {
  const { series } = await scrapeMetrics(server);
  for (const family of ['sightline_http_request_duration_seconds', 'sightline_wal_fsync_seconds']) {
    const buckets = new Map(); // labels without le -> [[le, value]]
    for (const [key, value] of series) {
      if (!key.startsWith(`${family}_bucket{`)) continue;
      const labels = key.slice(`${family}_bucket`.length);
      const le = /le="([^"]+)"/.exec(labels)[1];
      const rest = labels.replace(/,?le="[^"]+"/, '').replace('{,', '{');
      if (!buckets.has(rest)) buckets.set(rest, []);
      buckets.get(rest).push([le === '+Inf' ? Infinity : Number(le), value]);
    }
    assert.ok(buckets.size > 0, `${family} has buckets`);
    for (const [labels, list] of buckets) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) {
        assert.ok(list[i][1] >= list[i - 1][1], `${family}${labels} buckets are cumulative`);
      }
      const inf = list[list.length - 1];
      assert.equal(inf[0], Infinity, `${family}${labels} has a +Inf bucket`);
      const countKey = labels === '{}' || labels === '' ? `${family}_count` : `${family}_count${labels}`;
      const count = series.get(countKey) ?? series.get(`${family}_count`);
      assert.equal(inf[1], count, `${family}${labels}: +Inf bucket equals _count`);
    }
  }
});

test('counters move when beacons arrive', async () => {
  const { series: before } = await scrapeMetrics(server);

  const full = beacon({ events: [vital('LCP', 100), vital('INP', 50), vital('CLS', 0.1)] });
  const mixed = beacon({ events: [vital('LCP', 100), vital('LCP', 200), vital('LCP', -1)] });
  const sizes = [];
  for (const b of [full, mixed]) {
    const body = JSON.stringify(b);
    sizes.push(Buffer.byteLength(body));
    const res = await postBeacon(server, body);
    assert.equal(res.status, 202, describeResponse(res));
  }
  const bad = await postBeacon(server, beacon({ key: 'pk_unknown', events: [vital('LCP', 1)] }));
  assert.equal(bad.status, 401, describeResponse(bad));

  await eventually(async () => {
    const { series: now } = await scrapeMetrics(server);
    const delta = (name, labels = {}) => (metricSum(now, name, labels) ?? 0) - (metricSum(before, name, labels) ?? 0);
    assert.equal(delta('sightline_beacons_total', { result: 'accepted' }), 2, 'beacons_total{result="accepted"} +2');
    assert.equal(delta('sightline_beacons_total'), 3, 'beacons_total over all results +3 (the 401 is counted too)');
    assert.equal(delta('sightline_events_total', { result: 'accepted' }), 5, 'events_total{result="accepted"} +5');
    assert.equal(delta('sightline_events_rejected_total'), 1, 'events_rejected_total +1 (one negative value)');
    assert.ok(delta('sightline_ingest_bytes_total') >= sizes[0] + sizes[1],
      `ingest_bytes_total grew by at least the accepted bodies (${delta('sightline_ingest_bytes_total')} >= ${sizes[0] + sizes[1]})`);
    assert.ok(delta('sightline_wal_fsync_seconds_count') >= 1, 'the WAL was fsynced for the new beacons');
    const beaconRequests = (sumWhereLabels(now, 'sightline_http_request_duration_seconds_count', 'beacon') ?? 0) -
      (sumWhereLabels(before, 'sightline_http_request_duration_seconds_count', 'beacon') ?? 0);
    assert.ok(beaconRequests >= 3, `request duration histogram for the beacon route counted the 3 requests (${beaconRequests})`);
    assert.ok(metricSum(now, 'sightline_memtable_bytes') > 0, 'memtable_bytes > 0 after ingest');
  }, { timeoutMs: 3000 });
});

test('open_connections gauge follows client connections', async () => {
  const gauge = async () => metricSum((await scrapeMetrics(server)).series, 'sightline_open_connections');
  const base = await gauge();
  assert.ok(base >= 1, `at least the scraping connection is open (${base})`);
  const sockets = [];
  try {
    for (let i = 0; i < 4; i++) sockets.push(await connectSocket(server.port));
    await eventually(async () => {
      const g = await gauge();
      assert.ok(g >= base + 4, `open_connections grew by 4 (${base} -> ${g})`);
    }, { timeoutMs: 2000 });
  } finally {
    for (const s of sockets) s.destroy();
  }
  await eventually(async () => {
    const g = await gauge();
    assert.ok(g <= base + 1, `open_connections went back down after closing (${base} -> ${g})`);
  }, { timeoutMs: 3000 });
});

test('an invalid config is refused at start-up with a message naming the key', async () => {
  const dir = makeTempDir();
  const config = baseConfig();
  config.limits = { ...config.limits, max_bodyy_bytes: 10 };
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, toYaml(config));
  const res = await runBinary(['serve', '--config', file, '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')]);
  assert.notEqual(res.code, 0, `exit code for an unknown key (stdout: ${res.stdout}, stderr: ${res.stderr})`);
  assert.match(res.stderr, /max_bodyy_bytes/, 'the error names the unknown key');
  assert.doesNotMatch(res.stdout, /Sightline listening/, 'it did not start listening');

  const missing = await runBinary(['serve', '--config', path.join(dir, 'nope.yaml'), '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')]);
  assert.notEqual(missing.code, 0, 'a missing config file is an error');
});

test('SIGTERM: clean exit 0; every stderr line is a JSON object with a level', async () => {
  // Some varied traffic so that request paths log whatever they log.
  await request(`${server.url}/healthz`);
  await postBeacon(server, '{"broken', { contentType: 'application/json' });
  await postBeacon(server, beacon({ key: SHOP.key, events: [vital('LCP', 5)] }));
  const exit = await server.stop('SIGTERM', 10000);
  stopped = true;
  assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM exits with code 0');
  const lines = server.stderrLines.filter((l) => l.trim() !== '');
  assert.ok(lines.length >= 1, 'the server logged something (at least start-up)');
  const bad = [];
  for (const line of lines) {
    let parsed;
    try { parsed = JSON.parse(line); } catch { bad.push(`not JSON: ${line}`); continue; }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) { bad.push(`not an object: ${line}`); continue; }
    if (!['debug', 'info', 'warn', 'error'].includes(parsed.level)) bad.push(`bad level: ${line}`);
  }
  assert.deepEqual(bad, [], 'every stderr line is a JSON log object');
});
