// A full disk: the data directory is a small tmpfs that fills under load. Ingest answers 503 with
// Retry-After while it is full, takes beacons again by itself once space returns, and after a
// kill -9 and a restart every acknowledged beacon is stored exactly once.
//
// Mounting needs root (as CI runs); elsewhere the test is skipped with the reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  baseConfig, beacon, describeResponse, isoSeconds, makeTempDir, postBeacon, queryMetrics, sleep,
  startServer, vital,
} from './helpers.mjs';

function mountTmpfs(dir, size) {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
}

// Sends single-LCP beacons with unique releases from `senders` loops until `until()` is true or
// `maxMs` passes. Adds acknowledged releases to `acked`; returns the statuses seen, by status.
async function sendUntil(server, { prefix, acked, sent, until, maxMs, senders = 6 }) {
  const statuses = new Map();
  const retryAfter = new Set();
  let next = 0;
  const deadline = Date.now() + maxMs;
  const loop = async () => {
    while (Date.now() < deadline && !until(statuses)) {
      const release = `${prefix}-${next++}`;
      sent.add(release);
      const res = await postBeacon(server, beacon({ events: [vital('LCP', 1000)], context: { release } }));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 202 && res.json?.accepted === 1) acked.add(release);
      if (res.status === 503) {
        retryAfter.add(res.headers.get('retry-after'));
        assert.equal(res.json?.error, 'unavailable', describeResponse(res));
        await sleep(20);
      }
    }
  };
  await Promise.all(Array.from({ length: senders }, loop));
  return { statuses, retryAfter };
}

test('a full disk: 503 with Retry-After while full, recovery by itself, nothing acknowledged lost', async (t) => {
  const dataDir = path.join(makeTempDir(), 'data');
  fs.mkdirSync(dataDir);
  const mounted = mountTmpfs(dataDir, '1m');
  if (mounted.status !== 0) {
    t.skip(`cannot mount a tmpfs (needs root): ${mounted.stderr.trim()}`);
    return;
  }
  try {
    const acked = new Set();
    const sent = new Set();
    let server = await startServer(baseConfig(), { dataDir });

    // Fill the disk: go on until a good number of requests have been refused.
    const full = await sendUntil(server, {
      prefix: 'fill', acked, sent, maxMs: 60_000, until: (s) => (s.get(503) ?? 0) >= 50,
    });
    t.diagnostic(`filling: ${JSON.stringify([...full.statuses])}, ${acked.size} acknowledged`);
    assert.ok((full.statuses.get(503) ?? 0) >= 50, `a full disk answers 503: ${JSON.stringify([...full.statuses])}`);
    assert.ok(acked.size > 100, `beacons were accepted before the disk filled (${acked.size})`);
    assert.deepEqual([...full.statuses.keys()].filter((s) => s !== 202 && s !== 503), [],
      'every answer is 202 or 503');
    for (const value of full.retryAfter) assert.match(value ?? '', /^\d+$/, 'each 503 carries Retry-After');
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200, 'the server keeps answering while the disk is full');

    // Space returns: ingest takes beacons again without a restart.
    const remount = spawnSync('mount', ['-o', 'remount,size=16m', dataDir], { encoding: 'utf8' });
    assert.equal(remount.status, 0, remount.stderr);
    const before = acked.size;
    const resumed = await sendUntil(server, {
      prefix: 'after', acked, sent, maxMs: 20_000, until: () => acked.size >= before + 200,
    });
    t.diagnostic(`after space returned: ${JSON.stringify([...resumed.statuses])}`);
    assert.ok(acked.size >= before + 200, `ingest recovers by itself: ${JSON.stringify([...resumed.statuses])}`);

    // kill -9, restart: every acknowledged beacon is there exactly once.
    await server.stop('SIGKILL');
    server = await startServer(baseConfig(), { dataDir });
    const now = Math.floor(Date.now() / 1000) * 1000;
    const res = await queryMetrics(server, {
      project: 'shop', name: 'LCP', stats: 'count', group_by: 'release', limit: 10000,
      from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
    });
    assert.equal(res.status, 200, describeResponse(res));
    const counts = new Map(res.json.rows.map((r) => [r.group.release, r.count]));
    const missing = [...acked].filter((r) => !counts.has(r));
    const duplicated = [...counts].filter(([, count]) => count !== 1);
    const phantom = [...counts.keys()].filter((r) => !sent.has(r));
    assert.ok(acked.size < 10000, 'the query lists every release');
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${acked.size} acknowledged beacons lost`);
    assert.deepEqual(duplicated.slice(0, 10), [], 'no beacon stored twice');
    assert.deepEqual(phantom.slice(0, 10), [], 'nothing stored that was never sent');
    t.diagnostic(`${acked.size} acknowledged, all stored once after kill -9 and restart`);
    await server.stop();
  } finally {
    spawnSync('umount', ['-l', dataDir]);
  }
});
