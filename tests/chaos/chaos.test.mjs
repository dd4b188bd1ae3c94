// Chaos: for about two minutes `serve` runs under the load generator's realistic traffic, with
// flushes every second and compaction of a day imported in hundreds of small segments, and is
// killed with -9 at random moments (some of them while that compaction runs), then restarted on
// the same data directory. The load generator keeps a ledger (--ledger) of every beacon it sent
// and every one acknowledged, with its session id and event count; alongside the load,
// single-LCP beacons with a release of their own are sent and their acknowledgements kept. At the
// end: every acknowledged beacon is stored whole, none twice (the tracked ones all; the load
// generator's by the number of its sessions stored and, for a random sample, each session's
// events); the imported rows are all there, once; no segment is corrupt.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  BIN, SHOP, baseConfig, beacon, describeResponse, isoSeconds, makeTempDir, postBeacon,
  queryMetrics, request, runBinary, sleep, startServer, toYaml, vital,
} from '../e2e/helpers.mjs';

const CHAOS_MS = Number(process.env.SIGHTLINE_CHAOS_MS ?? 100_000);
const DAY = 86400_000;
const OLD_END = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;  // a day compaction takes on

// A random generator with a printed seed, so a failing run can be repeated.
const SEED = Number(process.env.SIGHTLINE_CHAOS_SEED ?? Date.now() % 1_000_000);
let state = SEED;
const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);

const CONFIG = baseConfig({
  storage: {
    wal_fsync_interval_ms: 50,
    memtable_flush_bytes: 65536,
    memtable_flush_interval_s: 1,
    compact_interval_s: 1,
  },
});

async function exactCount(server, from, to, filter) {
  const res = await queryMetrics(server, {
    project: SHOP.id, name: 'LCP', stats: 'count', exact: 'true', from: isoSeconds(from), to: isoSeconds(to),
    ...(filter ? { filter } : {}),
  });
  assert.equal(res.status, 200, describeResponse(res));
  return res.json.rows[0]?.count ?? 0;
}

// The load generator's ledger: session id → {sent: events, acked: events accepted}, for the
// beacons with a session id (each generated beacon has a session of its own).
function readLedger(file) {
  const sessions = new Map();
  let minimal = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [fact, id, count] = line.split(' ');
    if (!fact) continue;
    if (id === '-') {
      minimal += fact === 'sent' ? 1 : 0;
      continue;
    }
    const entry = sessions.get(id) ?? { sent: 0, acked: null };
    if (fact === 'sent') entry.sent = Number(count);
    else entry.acked = Number(count);
    sessions.set(id, entry);
  }
  return { sessions, minimal };
}

// Every beacon the load generator saw acknowledged is stored whole and once: the sessions stored
// number between those acknowledged and those sent, and each of a random sample of acknowledged
// sessions has exactly the events the server accepted (a sample of the unacknowledged ones has
// all or none of theirs: the server may have stored a beacon and died before answering).
async function checkLedger(t, server, file, started, now) {
  const { sessions, minimal } = readLedger(file);
  const all = [...sessions];
  const acked = all.filter(([, e]) => e.acked !== null);
  const unacked = all.filter(([, e]) => e.acked === null);
  t.diagnostic(`load generator: ${all.length + minimal} beacons sent, ${acked.length} with a session acknowledged`);
  assert.ok(acked.length >= 1000, `the load generator's beacons were acknowledged (${acked.length})`);
  const range = { project: SHOP.id, from: isoSeconds(Math.floor(started / 1000) * 1000 - 3600_000), to: isoSeconds(now + 3600_000) };
  const headers = { Authorization: `Bearer ${SHOP.token}` };
  const list = await request(`${server.url}/api/v1/sessions?${new URLSearchParams({ ...range, filter: 'release!:chaos-*', limit: '1' })}`, { headers, timeoutMs: 60000 });
  assert.equal(list.status, 200, describeResponse(list));
  assert.ok(list.json.total >= acked.length && list.json.total <= all.length,
    `sessions stored (${list.json.total}) between those acknowledged (${acked.length}) and those sent (${all.length})`);

  const sample = (entries, n) => entries.map((e) => [random(), e]).sort((a, b) => a[0] - b[0]).slice(0, n).map(([, e]) => e);
  const stored = async (id) => {
    const res = await request(`${server.url}/api/v1/sessions/${id}?${new URLSearchParams(range)}`, { headers, timeoutMs: 60000 });
    if (res.status === 404) return 0;
    assert.equal(res.status, 200, describeResponse(res));
    return res.json.events.length;
  };
  const wrong = [];
  for (const [id, entry] of sample(acked, 50)) {  // one session read scans the whole range: ~0.3 s
    const n = await stored(id);
    if (n !== entry.acked) wrong.push(`${id}: ${n} stored of ${entry.acked} acknowledged`);
  }
  for (const [id, entry] of sample(unacked, 10)) {
    const n = await stored(id);
    if (n !== 0 && n !== entry.sent) wrong.push(`${id}: ${n} stored of ${entry.sent} sent, unacknowledged`);
  }
  assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} sampled sessions not stored whole and once`);
}

test('kill -9 at random moments under load and during compaction: nothing acknowledged lost or doubled, no corrupt segment', async (t) => {
  t.diagnostic(`seed ${SEED} (SIGHTLINE_CHAOS_SEED repeats it)`);
  const dir = makeTempDir('sightline-chaos-');
  const dataDir = path.join(dir, 'data');
  const configPath = path.join(dir, 'import.yaml');
  fs.writeFileSync(configPath, toYaml({ ...CONFIG, data_dir: dataDir }));

  // A day three days old, in segments of 1000 rows: the first server compacts it.
  const generated = await runBinary(['generate', '--vitals', '150000', '--days', '1', '--end', String(OLD_END), '--project', SHOP.id],
    { timeoutMs: 60000 });
  assert.equal(generated.code, 0, generated.stderr);
  const rows = path.join(dir, 'old.jsonl');
  fs.writeFileSync(rows, generated.stdout);
  const imported = await runBinary(['import', '--config', configPath, '--segment-rows', '1000', rows], { timeoutMs: 120000 });
  assert.equal(imported.code, 0, imported.stderr);

  const ledger = path.join(dir, 'loadgen.ledger');
  const acked = new Set();
  const sent = new Set();
  let oldCount;
  let kills = 0;
  let killsDuringCompaction = 0;
  let compactions = 0;  // runs in which a compaction finished
  const started = Date.now();
  let next = 0;
  while (Date.now() - started < CHAOS_MS) {
    const server = await startServer(CONFIG, { dataDir, startTimeoutMs: 30000 });
    if (oldCount === undefined) oldCount = await exactCount(server, OLD_END - DAY, OLD_END);
    const loadgen = spawn(BIN, ['loadgen', '--target', `${server.url}/v1/beacon`, '--key', SHOP.key, '--rate', '300',
      '--duration', '30', '--connections', '4', '--seed', String(kills + 1), '--ledger', ledger], { stdio: 'ignore' });
    let stop = false;
    const tracked = async () => {
      while (!stop) {
        const release = `chaos-${next++}`;
        sent.add(release);
        try {
          const res = await postBeacon(server, beacon({ events: [vital('LCP', 1234)], context: { release } }), { timeoutMs: 5000 });
          if (res.status === 202 && res.json?.accepted === 1) acked.add(release);
        } catch {
          // The server is gone: the acknowledgement never came.
        }
        await sleep(30);  // about 30 tracked beacons a second: one answer lists them all
      }
    };
    const senders = [tracked()];
    const compacting = () => server.stderrLines.some((l) => l.includes("compacting a partition's segments"));
    const compacted = () => server.stderrLines.some((l) => l.includes("compacted a partition's segments"));
    if (killsDuringCompaction < 3 && !compactions) {
      // The first kills land while the imported day is being compacted.
      const deadline = Date.now() + 10_000;
      while (!compacting() && Date.now() < deadline) await sleep(5);
      await sleep(random() * 100);
    } else {
      await sleep(300 + random() * 4000);
    }
    const during = compacting() && !compacted();
    await server.stop('SIGKILL');
    stop = true;
    loadgen.kill('SIGKILL');
    await Promise.all(senders);
    kills += 1;
    if (during) killsDuringCompaction += 1;
    if (compacted()) compactions += 1;
  }

  const server = await startServer(CONFIG, { dataDir, startTimeoutMs: 30000 });
  try {
    t.diagnostic(`${kills} kills, ${killsDuringCompaction} of them during a compaction; ${acked.size} of ${sent.size} tracked beacons acknowledged`);
    assert.ok(kills >= 10, `the server was killed many times (${kills})`);
    assert.ok(killsDuringCompaction >= 1, 'at least one kill landed during a compaction');
    const now = Math.floor(Date.now() / 1000) * 1000;
    const res = await queryMetrics(server, {
      project: SHOP.id, name: 'LCP', stats: 'count', exact: 'true', group_by: 'release', limit: 10000,
      filter: 'release:chaos-*', from: isoSeconds(Math.floor(started / 1000) * 1000 - 3600_000), to: isoSeconds(now + 3600_000),
    });
    assert.equal(res.status, 200, describeResponse(res));
    const counts = new Map(res.json.rows.map((r) => [r.group.release, r.count]));
    assert.ok(acked.size < 10000, 'every tracked release fits in one answer');
    const lost = [...acked].filter((r) => !counts.has(r));
    const doubled = [...counts].filter(([, n]) => n !== 1);
    const phantom = [...counts.keys()].filter((r) => !sent.has(r));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${acked.size} acknowledged beacons lost`);
    assert.deepEqual(doubled.slice(0, 10), [], 'no beacon stored twice');
    assert.deepEqual(phantom.slice(0, 10), [], 'nothing stored that was never sent');

    const checking = Date.now();
    await checkLedger(t, server, ledger, started, now);
    t.diagnostic(`ledger checked in ${Date.now() - checking} ms`);

    assert.equal(await exactCount(server, OLD_END - DAY, OLD_END), oldCount,
      'the imported day is all there, once, through every kill during its compaction');
    // Every segment read whole once (an exact query over everything), then none may be corrupt.
    await exactCount(server, OLD_END - 2 * DAY, now + 3600_000);
    const health = await request(`${server.url}/healthz`);
    assert.equal(health.json.corrupt_segments, 0, `no corrupt segment: ${describeResponse(health)}`);
    assert.equal(health.json.status, 'ok', describeResponse(health));
  } finally {
    await server.stop();
  }
});
