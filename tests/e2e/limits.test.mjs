// Limits: per-client and per-key rate limiting, idle and slow-request timeouts, max_connections.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  BLOG, SHOP, baseConfig, beacon, connectSocket, describeResponse, postBeacon, request,
  settlesWithin, sleep, startServer, vital, watchSocket,
} from './helpers.mjs';

async function withServer(overrides, fn) {
  const server = await startServer(baseConfig(overrides));
  let result;
  try {
    result = await fn(server);
  } catch (err) {
    await server.stop().catch(() => {});
    throw err;
  }
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exits cleanly after SIGTERM (got ${JSON.stringify(exit)})`);
  return result;
}

function assertRateLimited(res) {
  assert.equal(res.status, 429, describeResponse(res));
  assert.equal(res.json?.error, 'rate_limited', describeResponse(res));
  const retryAfter = res.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^\d+$/, `Retry-After is integer seconds, got ${JSON.stringify(retryAfter)}`);
  assert.ok(Number(retryAfter) >= 1, `Retry-After >= 1, got ${retryAfter}`);
}

function burst(server, n, key) {
  return Promise.all(Array.from({ length: n }, () => postBeacon(server, beacon({ key, events: [vital('LCP', 100)] }))));
}

test('per-client rate limit: a burst over the limit gets 429 with Retry-After, and the bucket refills', async (t) => {
  await withServer({ limits: { beacons_per_second_per_client: 5, beacons_per_second_per_key: 0 } }, async (server) => {
    const results = await burst(server, 20, SHOP.key);
    const ok = results.filter((r) => r.status === 202);
    const limited = results.filter((r) => r.status === 429);
    assert.equal(ok.length + limited.length, 20,
      `every answer is 202 or 429: ${results.map((r) => r.status).join(',')}`);
    assert.ok(ok.length >= 1 && ok.length <= 8,
      `about one second's worth (5) of the burst is accepted, got ${ok.length} (statuses ${results.map((r) => r.status).join(',')})`);
    assert.ok(limited.length >= 12, `most of the burst is limited, got ${limited.length}`);
    for (const r of limited) assertRateLimited(r);
    t.diagnostic(`burst of 20: ${ok.length} accepted, ${limited.length} limited, Retry-After ${limited[0]?.headers.get('retry-after')}`);

    // The limit is per client, not per key: the same client using another project's key is limited too.
    const other = await postBeacon(server, beacon({ key: BLOG.key, events: [vital('LCP', 100)] }));
    assertRateLimited(other);

    // Rate limiting only applies to ingest: the health check still answers.
    const health = await request(`${server.url}/healthz`);
    assert.equal(health.status, 200, describeResponse(health));

    // After a pause the bucket has refilled.
    await sleep(1300);
    const again = await postBeacon(server, beacon({ events: [vital('LCP', 100)] }));
    assert.equal(again.status, 202, `after 1.3 s the client may send again: ${describeResponse(again)}`);
  });
});

test('per-key rate limit: one key is limited while another key is not', async () => {
  await withServer({ limits: { beacons_per_second_per_client: 0, beacons_per_second_per_key: 5 } }, async (server) => {
    const results = await burst(server, 20, SHOP.key);
    const ok = results.filter((r) => r.status === 202);
    const limited = results.filter((r) => r.status === 429);
    assert.equal(ok.length + limited.length, 20, `statuses ${results.map((r) => r.status).join(',')}`);
    assert.ok(ok.length >= 1 && ok.length <= 8, `about 5 accepted, got ${ok.length}`);
    assert.ok(limited.length >= 12, `most of the burst is limited, got ${limited.length}`);
    for (const r of limited) assertRateLimited(r);

    // The blog key has its own bucket.
    const blog = await postBeacon(server, beacon({ key: BLOG.key, events: [vital('LCP', 100)] }));
    assert.equal(blog.status, 202, `another key is not limited: ${describeResponse(blog)}`);
  });
});

test('an idle connection is closed by the server after idle_timeout_ms', async (t) => {
  await withServer({ server: { idle_timeout_ms: 500, request_timeout_ms: 10000 } }, async (server) => {
    // 1. A connection that never sends anything.
    const silent = await connectSocket(server.port);
    const silentState = watchSocket(silent);
    const t0 = Date.now();
    const closed = await settlesWithin(silentState.closed, 4000);
    silent.destroy();
    assert.ok(closed, 'a silent connection is closed by the server within 4 s (idle_timeout_ms = 500)');
    assert.ok(silentState.closedAt - t0 >= 250, `not closed too early (${silentState.closedAt - t0} ms)`);

    // 2. A keep-alive connection after a complete request/response.
    const sock = await connectSocket(server.port);
    const state = watchSocket(sock);
    sock.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: keep-alive\r\n\r\n`);
    const deadline = Date.now() + 3000;
    while (!/^HTTP\/1\.1 200/.test(state.data) && Date.now() < deadline) await sleep(20);
    assert.match(state.data, /^HTTP\/1\.1 200/, `healthz over keep-alive answered: ${JSON.stringify(state.data.slice(0, 200))}`);
    const t1 = Date.now();
    const closed2 = await settlesWithin(state.closed, 4000);
    sock.destroy();
    assert.ok(closed2, 'an idle keep-alive connection is closed within 4 s (idle_timeout_ms = 500)');
    assert.ok(state.closedAt - t1 >= 250, `keep-alive connection not closed too early (${state.closedAt - t1} ms)`);
    t.diagnostic(`silent connection closed after ${silentState.closedAt - t0} ms, keep-alive after ${state.closedAt - t1} ms`);
  });
});

test('a slow sender (body trickled slower than request_timeout_ms) is cut off', async (t) => {
  await withServer({ server: { idle_timeout_ms: 30000, request_timeout_ms: 1000 } }, async (server) => {
    const body = JSON.stringify(beacon({ events: [vital('LCP', 100)] }));
    const sock = await connectSocket(server.port);
    const state = watchSocket(sock);
    const t0 = Date.now();
    sock.write(`POST /v1/beacon HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    // One byte every 150 ms: the full body would take far longer than request_timeout_ms.
    let sent = 0;
    while (state.closedAt === null && sent < body.length && Date.now() - t0 < 6000) {
      try { sock.write(body[sent]); } catch { break; }
      sent += 1;
      await sleep(150);
    }
    const closed = await settlesWithin(state.closed, 1000);
    sock.destroy();
    assert.ok(closed, `slow sender was not cut off (sent ${sent} of ${body.length} bytes over ${Date.now() - t0} ms)`);
    const elapsed = state.closedAt - t0;
    assert.ok(elapsed < 4000, `cut off within 4 s (request_timeout_ms = 1000), took ${elapsed} ms`);
    assert.ok(sent < body.length, 'cut off before the body was complete');
    t.diagnostic(`cut off after ${elapsed} ms (${sent} body bytes sent); server said ${JSON.stringify(state.data.split('\r\n')[0])}`);
    assert.doesNotMatch(state.data, /^HTTP\/1\.1 202/, 'the trickled beacon was not accepted');

    // A normal client is unaffected.
    const res = await postBeacon(server, beacon({ events: [vital('LCP', 100)] }));
    assert.equal(res.status, 202, describeResponse(res));
  });
});

test('max_connections: connections beyond the limit are refused or closed while the first ones keep working', async (t) => {
  await withServer({ server: { max_connections: 5 } }, async (server) => {
    const sockets = [];
    for (let i = 0; i < 10; i++) {
      let sock = null;
      let state = null;
      try {
        sock = await connectSocket(server.port);
        state = watchSocket(sock);
      } catch (err) {
        state = { refused: err };
      }
      sockets.push({ sock, state });
      await sleep(60); // let the server accept (or refuse) before the next one
    }

    const ask = async ({ sock, state }) => {
      if (!sock || state.closedAt !== null) return 'closed';
      try {
        sock.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
      } catch {
        return 'closed';
      }
      const deadline = Date.now() + 1500;
      while (Date.now() < deadline) {
        if (/^HTTP\/1\.1 200/.test(state.data)) return 'served';
        if (state.closedAt !== null) return /^HTTP\/1\.1 200/.test(state.data) ? 'served' : 'closed';
        await sleep(20);
      }
      return /^HTTP\/1\.1 200/.test(state.data) ? 'served' : 'unanswered';
    };
    const outcomes = await Promise.all(sockets.map(ask));
    t.diagnostic(`outcomes per connection: ${outcomes.join(', ')}`);
    try {
      assert.deepEqual(outcomes.slice(0, 5), ['served', 'served', 'served', 'served', 'served'],
        `the first 5 connections are served (outcomes: ${outcomes.join(',')})`);
      for (let i = 5; i < 10; i++) {
        assert.notEqual(outcomes[i], 'served', `connection #${i + 1} exceeds max_connections=5 but was served (outcomes: ${outcomes.join(',')})`);
      }
      // The first connections still work for a second request.
      const first = sockets[0];
      first.state.data = '';
      assert.equal(await ask(first), 'served', 'the first connection still works for another request');
    } finally {
      for (const { sock } of sockets) sock?.destroy();
    }

    // Once the connections are gone, new clients are served again.
    await sleep(300);
    const res = await request(`${server.url}/healthz`);
    assert.equal(res.status, 200, `server serves new connections after the others closed: ${describeResponse(res)}`);
  });
});
