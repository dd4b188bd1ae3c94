// Bounded resources. A server out of file descriptors neither spins nor hides it: accepting waits
// instead of retrying in a loop, a failing flush makes /healthz say `degraded` with its error, the
// memtable stops growing at storage.memtable_max_bytes (ingest answers 503 with Retry-After), and
// once descriptors are free again everything resumes by itself and nothing acknowledged is lost.
// A burst far above capacity is shed with 503 while resident memory stays under
// limits.max_memory_mb.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { test } from 'node:test';

import {
  baseConfig, beacon, connectSocket, describeResponse, isoSeconds, postBeacon, queryMetrics, request,
  sleep, startServer, vital,
} from './helpers.mjs';

// User and system CPU time of a process, in clock ticks (100 per second on Linux).
function cpuTicks(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const openFiles = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

// One keep-alive connection, opened before the descriptors run out, for requests during it.
function keptConnection(server) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method, path, body) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path, agent,
      headers: body ? { 'Content-Type': 'text/plain' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
  return { send, close: () => agent.destroy() };
}

test('out of file descriptors: no spinning, /healthz degraded, a bounded memtable, recovery by itself', async (t) => {
  const config = baseConfig({
    storage: { wal_fsync_interval_ms: 50, memtable_flush_bytes: 65536, memtable_max_bytes: 262144, memtable_flush_interval_s: 1 },
  });
  const server = await startServer(config);
  const kept = keptConnection(server);
  const idle = [];
  try {
    const acked = new Set();
    let next = 0;
    const post = async () => {
      const release = `r${next++}`;
      const body = JSON.stringify(beacon({ events: [vital('LCP', 1000)], context: { release, url: `https://shop.example/${'p'.repeat(400)}` } }));
      const res = await kept.send('POST', `/v1/beacon`, body);
      if (res.status === 202) acked.add(release);
      return res;
    };
    assert.equal((await post()).status, 202);

    // Leave a few descriptors, then take them with idle connections.
    const limit = openFiles(server.pid) + 4;
    const run = spawnSync('prlimit', [`--pid=${server.pid}`, `--nofile=${limit}:${limit}`], { encoding: 'utf8' });
    assert.equal(run.status, 0, `prlimit: ${run.stderr}`);
    for (let idx = 0; idx < 12; ++idx) {
      const socket = await connectSocket(server.port);
      socket.on('error', () => {});
      idle.push(socket);
    }
    await sleep(300);
    const ticksBefore = cpuTicks(server.pid);
    await sleep(2000);
    const cpuShare = (cpuTicks(server.pid) - ticksBefore) / 200;
    t.diagnostic(`CPU while connections wait for a descriptor: ${(cpuShare * 100).toFixed(1)}% of a core`);
    assert.ok(cpuShare < 0.25, `accepting does not spin at EMFILE (${(cpuShare * 100).toFixed(1)}% of a core)`);

    // Beacons go on over the kept connection; flushes fail (no descriptor for a segment file).
    const statuses = new Map();
    let degraded;
    for (let idx = 0; idx < 3000 && !(degraded && statuses.get(503)); ++idx) {
      const res = await post();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 503) assert.match(String(res.headers['retry-after'] ?? ''), /^\d+$/, 'a 503 carries Retry-After');
      if (!degraded && idx % 50 === 0) {
        const health = await kept.send('GET', '/healthz');
        if (health.json?.status === 'degraded') degraded = health.json;
        await sleep(50);
      }
    }
    t.diagnostic(`while out of descriptors: ${JSON.stringify([...statuses])}, /healthz ${JSON.stringify(degraded)}`);
    assert.ok(degraded, '/healthz says degraded while flushes fail');
    assert.match(degraded.problems.join(' '), /flush failed/, JSON.stringify(degraded));
    assert.ok((statuses.get(503) ?? 0) > 0, `the memtable stops at storage.memtable_max_bytes: ${JSON.stringify([...statuses])}`);
    const held = (await kept.send('GET', '/healthz')).json.memtable_bytes;
    assert.ok(held <= 262144 + 65536, `memtable bytes ${held} stay near storage.memtable_max_bytes`);

    // Descriptors come back: flushes succeed, /healthz is ok, beacons are taken again.
    for (const socket of idle) socket.destroy();
    idle.length = 0;
    let health;
    for (let tries = 0; tries < 50; ++tries) {
      await sleep(200);
      health = (await kept.send('GET', '/healthz')).json;
      if (health.status === 'ok') break;
    }
    assert.equal(health.status, 'ok', JSON.stringify(health));
    assert.equal((await post()).status, 202, 'ingest resumes by itself');

    const now = Math.floor(Date.now() / 1000) * 1000;
    const res = await queryMetrics(server, {
      project: 'shop', name: 'LCP', stats: 'count', group_by: 'release', limit: 10000,
      from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
    });
    assert.equal(res.status, 200, describeResponse(res));
    const stored = new Set(res.json.rows.map((r) => r.group.release));
    const lost = [...acked].filter((r) => !stored.has(r));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${acked.size} acknowledged beacons missing`);
  } finally {
    for (const socket of idle) socket.destroy();
    kept.close();
    await server.stop();
  }
});

test('a burst far above capacity is shed with 503 while resident memory stays under limits.max_memory_mb', async (t) => {
  const maxMb = 160;
  const server = await startServer(baseConfig({ limits: { ...baseConfig().limits, max_memory_mb: maxMb } }));
  const rssMb = () => Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
  try {
    t.diagnostic(`resident at rest: ${rssMb().toFixed(0)} MiB`);
    // Beacons of 400 events with long URLs: about 60 KB each, from 48 clients at once.
    const events = Array.from({ length: 400 }, (_, idx) => vital('LCP', 1000 + idx));
    const body = JSON.stringify(beacon({ events, context: { url: `https://shop.example/${'x'.repeat(900)}` } }));
    const statuses = new Map();
    let peak = 0;
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        peak = Math.max(peak, rssMb());
        await sleep(20);
      }
    })();
    const client = async () => {
      while (!stop) {
        const res = await request(`${server.url}/v1/beacon`, { method: 'POST', body, contentType: 'text/plain' }).catch(() => ({ status: 'error' }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 503) assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
      }
    };
    const clients = Array.from({ length: 48 }, client);
    await sleep(8000);
    stop = true;
    await Promise.all(clients);
    await sampler;
    t.diagnostic(`burst: ${JSON.stringify([...statuses])}; peak resident ${peak.toFixed(0)} MiB of ${maxMb}`);
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 202 && s !== 503), [], 'every answer is 202 or 503');
    assert.ok((statuses.get(503) ?? 0) > 0, 'the burst is shed');
    assert.ok(peak <= maxMb * 1.1, `resident memory ${peak.toFixed(0)} MiB stays near limits.max_memory_mb (${maxMb})`);
    let after;
    for (let tries = 0; tries < 50; ++tries) {
      after = await postBeacon(server, beacon({ events: [vital('LCP', 1000)] }));
      if (after.status === 202) break;
      await sleep(200);
    }
    assert.equal(after.status, 202, `ingest resumes once memory is back: ${describeResponse(after)}`);
    const health = await request(`${server.url}/healthz`);
    assert.equal(health.status, 200, 'health is answered throughout');
  } finally {
    await server.stop();
  }
});
