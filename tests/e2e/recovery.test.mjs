// Recovery: acknowledged beacons survive kill -9 (WAL replay, twice), a clean SIGTERM keeps data,
// and a corrupted segment file is reported without taking the server down.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  baseConfig, beacon, compareStats, describeResponse, eventually, expectedStats, isoSeconds,
  makeTempDir, postBeacon, queryMetrics, SKETCH_REL, request, scrapeMetrics, sleep, startServer, uniqueId, vital,
} from './helpers.mjs';

const CONFIG = baseConfig();

function wideRange() {
  const now = Math.floor(Date.now() / 1000) * 1000;
  return { from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000) };
}

// Drives `senders` concurrent loops of single-LCP beacons with unique releases `${prefix}-<n>`, then
// SIGKILLs the server after `killAfterMs` while requests are in flight. Returns {sent, acked}.
async function loadThenKill(server, { prefix, senders = 8, killAfterMs = 1500 }) {
  const sent = new Set();
  const acked = new Set();
  const errors = new Map();
  let next = 0;
  let stop = false;
  let inFlightAtKill = 0;
  let inFlight = 0;
  const loop = async () => {
    while (!stop) {
      const release = `${prefix}-${next++}`;
      sent.add(release);
      inFlight += 1;
      try {
        const res = await postBeacon(server, beacon({ sample_rate: 1, events: [vital('LCP', 1000)], context: { release } }),
          { timeoutMs: 5000 });
        if (res.status === 202 && res.json?.accepted === 1) acked.add(release);
        else errors.set(`HTTP ${res.status}`, (errors.get(`HTTP ${res.status}`) ?? 0) + 1);
      } catch (err) {
        const key = err.cause?.code ?? err.name;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        if (stop) break;
      } finally {
        inFlight -= 1;
      }
    }
  };
  const loops = Array.from({ length: senders }, loop);
  await sleep(killAfterMs);
  inFlightAtKill = inFlight;
  const exit = await server.stop('SIGKILL');
  stop = true;
  await Promise.all(loops);
  assert.equal(exit.signal, 'SIGKILL', `server was killed by SIGKILL: ${JSON.stringify(exit)}`);
  return { sent, acked, errors, inFlightAtKill };
}

// Queries count by release and checks: every acknowledged release has count exactly 1, no release
// has count > 1, and every stored release was actually sent.
async function checkAcked(server, { acked, sent }, label) {
  const res = await queryMetrics(server, { project: 'shop', name: 'LCP', stats: 'count,samples', group_by: 'release', ...wideRange() });
  assert.equal(res.status, 200, `${label}: ${describeResponse(res)}`);
  const counts = new Map(res.json.rows.map((r) => [r.group.release, r]));
  const missing = [...acked].filter((r) => !counts.has(r));
  const wrong = [...acked].filter((r) => counts.has(r) && (counts.get(r).count !== 1 || counts.get(r).samples !== 1));
  const duplicated = res.json.rows.filter((r) => r.count > 1 || r.samples > 1);
  const phantom = res.json.rows.filter((r) => !sent.has(r.group.release));
  assert.deepEqual(missing.slice(0, 20), [], `${label}: ${missing.length} of ${acked.size} acknowledged beacons lost after restart`);
  assert.deepEqual(wrong.slice(0, 20), [], `${label}: acknowledged releases with count != 1`);
  assert.deepEqual(duplicated.slice(0, 20), [], `${label}: ${duplicated.length} releases stored more than once`);
  assert.deepEqual(phantom.slice(0, 20), [], `${label}: releases that were never sent`);
  return counts;
}

test('kill -9 under concurrent load, twice: every acknowledged beacon is stored exactly once', async (t) => {
  const dataDir = path.join(makeTempDir(), 'data');
  const all = { sent: new Set(), acked: new Set() };
  const merge = (r) => { for (const x of r.sent) all.sent.add(x); for (const x of r.acked) all.acked.add(x); };
  let server;
  try {
    // Round 1: load, kill -9.
    server = await startServer(CONFIG, { dataDir });
    const round1 = await loadThenKill(server, { prefix: uniqueId('r1') });
    merge(round1);
    assert.ok(round1.acked.size >= 20, `load worked before the kill (${round1.acked.size} acked, errors ${JSON.stringify([...round1.errors])})`);
    assert.ok(round1.inFlightAtKill > 0, 'requests were in flight when the server was killed');
    t.diagnostic(`round 1: ${round1.sent.size} sent, ${round1.acked.size} acked, ${round1.inFlightAtKill} in flight at kill`);

    // Restart, check, round 2: more load, kill -9 again (the WAL now holds already-replayed data).
    server = await startServer(CONFIG, { dataDir });
    await eventually(() => checkAcked(server, all, 'after 1st kill'), { timeoutMs: 5000 });
    const round2 = await loadThenKill(server, { prefix: uniqueId('r2') });
    merge(round2);
    assert.ok(round2.acked.size >= 20, `load worked in round 2 (${round2.acked.size} acked)`);
    t.diagnostic(`round 2: ${round2.sent.size} sent, ${round2.acked.size} acked, ${round2.inFlightAtKill} in flight at kill`);

    // Restart again: both rounds are there exactly once.
    server = await startServer(CONFIG, { dataDir });
    await eventually(() => checkAcked(server, all, 'after 2nd kill'), { timeoutMs: 5000 });
    // A clean restart without new writes must not duplicate anything either.
    const exit = await server.stop();
    assert.equal(exit.code, 0, `clean exit: ${JSON.stringify(exit)}`);
    server = await startServer(CONFIG, { dataDir });
    await eventually(() => checkAcked(server, all, 'after clean restart'), { timeoutMs: 5000 });
  } finally {
    await server?.stop();
  }
});

test('SIGTERM exits with code 0 and the data is still there after restart', async () => {
  const dataDir = path.join(makeTempDir(), 'data');
  const release = uniqueId('term');
  const values = [
    [1200, 1], [1800.5, 0.5], [2500, 0.25], [900, 1], [3100, 0.1], [1500, 0.2], [2200, 1], [4000, 0.5],
  ];
  let server = await startServer(CONFIG, { dataDir });
  for (const [value, rate] of values) {
    const res = await postBeacon(server, beacon({ sample_rate: rate, events: [vital('LCP', value)], context: { release } }));
    assert.equal(res.status, 202, describeResponse(res));
  }
  const exit = await server.stop('SIGTERM', 10000);
  assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM exits with code 0');

  server = await startServer(CONFIG, { dataDir });
  try {
    const stats = ['count', 'samples', 'avg', 'sum', 'min', 'max', 'p50', 'p75', 'p95', 'p99'];
    await eventually(async () => {
      const expected = expectedStats(values.map(([value, rate]) => ({ value, w: 1 / rate })), stats);
      const res = await queryMetrics(server, { project: 'shop', name: 'LCP', stats, filter: `release:${release}`, exact: 'true', ...wideRange() });
      assert.equal(res.status, 200, describeResponse(res));
      assert.equal(res.json.rows.length, 1, `one row after restart: ${describeResponse(res)}`);
      assert.deepEqual(compareStats(res.json.rows[0], expected), [], 'stats after restart');
      // The flushed segments answer from their rollups' sketches.
      const sketched = await queryMetrics(server, { project: 'shop', name: 'LCP', stats, filter: `release:${release}`, ...wideRange() });
      assert.ok(sketched.json.source.sketch_cells > 0, `served from rollups: ${describeResponse(sketched)}`);
      assert.deepEqual(compareStats(sketched.json.rows[0], expected, '', { quantileRel: SKETCH_REL }), [], 'sketched stats after restart');
    }, { timeoutMs: 5000 });
  } finally {
    const exit2 = await server.stop();
    assert.equal(exit2.code, 0, `second clean exit: ${JSON.stringify(exit2)}`);
  }
});

function findFiles(dir, suffix) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findFiles(p, suffix));
    else if (entry.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

test('a corrupted segment file is reported (log line), and the server still starts and answers', async (t) => {
  const dataDir = path.join(makeTempDir(), 'data');
  const release = uniqueId('corrupt');
  let server = await startServer(CONFIG, { dataDir });
  for (let i = 0; i < 40; i++) {
    const events = Array.from({ length: 10 }, (_, j) => vital('LCP', 1000 + i * 10 + j));
    const res = await postBeacon(server, beacon({ events, context: { release } }));
    assert.equal(res.status, 202, describeResponse(res));
  }
  const exit = await server.stop('SIGTERM', 10000);
  assert.equal(exit.code, 0, `clean exit: ${JSON.stringify(exit)}`);

  const segments = findFiles(dataDir, '.seg');
  assert.ok(segments.length >= 1, `a clean shutdown flushes the memtable to *.seg files under the data dir (found: ${JSON.stringify(findFiles(dataDir, ''))})`);
  for (const file of segments) {
    const buf = fs.readFileSync(file);
    const mid = Math.floor(buf.length / 2);
    for (let i = Math.max(0, mid - 32); i < Math.min(buf.length, mid + 32); i++) buf[i] ^= 0xff;
    fs.writeFileSync(file, buf);
  }

  server = await startServer(CONFIG, { dataDir });
  try {
    const health = await request(`${server.url}/healthz`);
    assert.equal(health.status, 200, `healthz after corruption: ${describeResponse(health)}`);
    // Reading the data may be what detects the corruption; the query itself must not crash the server.
    const q = await queryMetrics(server, { project: 'shop', name: 'LCP', stats: 'count', filter: `release:${release}`, ...wideRange() });
    assert.ok(q.json !== undefined, `query after corruption gets a JSON answer (${describeResponse(q)})`);
    const line = await server.waitForLog((raw, parsed) =>
      parsed && (parsed.level === 'error' || parsed.level === 'warn') && /seg/i.test(raw), 3000);
    assert.ok(line, `a warn/error log line mentions the corrupt segment; stderr was:\n${server.stderr()}`);
    t.diagnostic(`${segments.length} segment file(s) corrupted; query answered HTTP ${q.status}; log: ${line}`);
    const { series } = await scrapeMetrics(server);
    const corrupt = [...series].filter(([k]) => k.startsWith('sightline_segments_corrupt'));
    if (corrupt.length) {
      assert.ok(corrupt.some(([, v]) => v > 0), `sightline_segments_corrupt > 0: ${JSON.stringify(corrupt)}`);
    }
    assert.equal(server.proc.exitCode, null, 'server is still running');
    const again = await request(`${server.url}/healthz`);
    assert.equal(again.status, 200, describeResponse(again));
  } finally {
    await server.stop();
  }
});
