// Ingest: POST /v1/beacon with valid, partially valid and invalid beacons, and what gets stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';

import {
  SHOP, apiCall, baseConfig, beacon, connectSocket, describeResponse, errorEvent, eventually,
  isoSeconds, metricSum, pageView, postBeacon, queryMetrics, request, scrapeMetrics, startServer,
  uniqueId, vital, watchSocket,
} from './helpers.mjs';

let server;

before(async () => {
  server = await startServer(baseConfig());
});

after(async () => {
  if (server) await server.stop();
});

// Stats of vital `name` for events whose release is `release` (over a wide time window).
async function statsFor(release, name, stats = ['count', 'samples', 'min', 'max']) {
  const now = Date.now();
  const res = await queryMetrics(server, {
    project: 'shop', name, stats,
    from: isoSeconds(Math.floor(now / 1000) * 1000 - 2 * 86400_000),
    to: isoSeconds(Math.floor(now / 1000) * 1000 + 3600_000),
    filter: `release:${release}`,
  });
  assert.equal(res.status, 200, `query for ${name} release ${release}: ${describeResponse(res)}`);
  assert.ok(Array.isArray(res.json?.rows), `query answer has rows: ${describeResponse(res)}`);
  assert.ok(res.json.rows.length <= 1, `no group_by gives at most one row: ${describeResponse(res)}`);
  return res.json.rows[0] ?? { count: 0, samples: 0 };
}

// Waits until `release`/`name` shows `count` stored events, then returns the row.
async function expectStored(release, name, expected) {
  return eventually(async () => {
    const row = await statsFor(release, name);
    for (const [k, v] of Object.entries(expected)) {
      assert.equal(row[k], v, `${name} ${k} for release ${release}: row ${JSON.stringify(row)}`);
    }
    return row;
  }, { timeoutMs: 3000 });
}

function assertErrorBody(res, status, error, field) {
  assert.equal(res.status, status, `expected ${status} ${error}, got ${describeResponse(res)}`);
  assert.ok(res.json && typeof res.json === 'object', `body is JSON: ${describeResponse(res)}`);
  assert.equal(res.json.error, error, `error code: ${describeResponse(res)}`);
  if (field !== undefined) assert.equal(res.json.field, field, `field: ${describeResponse(res)}`);
  assert.match(res.headers.get('content-type') ?? '', /json/i, 'error bodies are served as JSON');
}

const mixedRelease = uniqueId('mixed');
const MIXED_LCP = [1234.5, 2345];

test('mixed beacon: valid events are stored, each invalid event is rejected alone with its index and field', async () => {
  const now = Date.now();
  const events = [
    /* 0 */ pageView({ route: '/mixed' }),
    /* 1 */ vital('LCP', MIXED_LCP[0], { rating: 'good', attribution: { element: 'img.hero' } }),
    /* 2 */ vital('XYZ', 10),
    /* 3 */ vital('LCP', -5),
    /* 4 */ { type: 'bogus', ts: now },
    /* 5 */ { type: 'vital', name: 'LCP', value: 777 },
    /* 6 */ vital('LCP', 778, { ts: now - 2 * 86400_000 }),
    /* 7 */ vital('LCP', 779, { ts: now + 3600_000 }),
    /* 8 */ vital('INP', 200),
    /* 9 */ vital('CLS', 150),
    /* 10 */ pageView({ timing: { dns: -1, tcp: 2, tls: 3, request: 4, ttfb: 50, dom_interactive: 300, dom_content_loaded: 350, load: 900 } }),
    /* 11 */ apiCall({ status: 1000 }),
    /* 12 */ apiCall({ duration: -3 }),
    /* 13 */ errorEvent(),
    /* 14 */ vital('LCP', MIXED_LCP[1]),
    /* 15 */ vital('LCP', 'abc'),
    /* 16 */ apiCall({ status: 200.5 }),
    /* 17 */ { type: 'action', ts: now, action: 'click', target: 'button#buy', feature: 'checkout' },
    /* 18 */ { type: 'custom', ts: now, name: 'cart_size', value: 3, attributes: { currency: 'EUR' } },
    /* 19 */ { type: 'resource', ts: now, url: 'https://cdn.shop.example/app.js', duration: 120 },
    /* 20 */ { type: 'long_task', ts: now, duration: 80 },
    /* 21 */ { type: 'vital', ts: now, name: 'LCP' },
    /* 22 */ vital('CLS', 0.05),
    /* 23 */ pageView({ timing: { dns: 1, tcp: 2, tls: 3, request: 4, ttfb: 50, dom_interactive: 300, dom_content_loaded: 350, load: 'slow' } }),
    /* 24 */ vital('LCP', 781, { ts: 'yesterday' }),
    /* 25 */ vital('LCP', 782, { ts: null }),
  ];
  const expectedRejected = [
    [2, 'name'], [3, 'value'], [4, 'type'], [5, 'ts'], [6, 'ts'], [7, 'ts'], [9, 'value'],
    [10, 'timing.dns'], [11, 'status'], [12, 'duration'], [15, 'value'], [16, 'status'],
    [21, 'value'], [23, 'timing.load'], [24, 'ts'], [25, 'ts'],
  ];
  const expectedAccepted = events.length - expectedRejected.length; // 10

  const res = await postBeacon(server, beacon({ events, context: { release: mixedRelease } }));
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, expectedAccepted, `accepted count: ${describeResponse(res)}`);
  assert.ok(Array.isArray(res.json.rejected), `rejected is a list: ${describeResponse(res)}`);
  const got = [...res.json.rejected].sort((a, b) => a.index - b.index);
  assert.deepEqual(got.map((r) => [r.index, r.field]), expectedRejected,
    `rejected [index, field] pairs: ${describeResponse(res)}`);
  for (const r of got) {
    assert.equal(typeof r.reason, 'string', `rejection ${r.index} has a reason`);
    assert.ok(r.reason.length > 0, `rejection ${r.index} has a non-empty reason`);
  }

  // Only the two valid LCP values (not -5, 777, 778, 779, 'abc', 781, 782) are stored.
  await expectStored(mixedRelease, 'LCP', { count: 2, samples: 2, min: MIXED_LCP[0], max: MIXED_LCP[1] });
  await expectStored(mixedRelease, 'INP', { count: 1, min: 200, max: 200 });
  await expectStored(mixedRelease, 'CLS', { count: 1, min: 0.05, max: 0.05 });

  // The 202 body always has the documented shape, "truncated" included even when empty.
  assert.ok(Array.isArray(res.json.truncated), `"truncated" is a list: ${describeResponse(res)}`);
  assert.equal(res.json.truncated.length, 0, `nothing truncated: ${describeResponse(res)}`);
});

test('a fractional ts (performance.timeOrigin + now()) is rounded to the millisecond', async () => {
  const release = uniqueId('fracts');
  const now = Date.now();
  const res = await postBeacon(server, beacon({
    events: [vital('LCP', 780, { ts: now - 1000.4 }), vital('LCP', 1780, { ts: now })],
    context: { release },
  }));
  assert.equal(res.status, 202, describeResponse(res));
  assert.deepEqual(res.json.rejected, [], describeResponse(res));
  assert.equal(res.json.accepted, 2, describeResponse(res));
  // [from, to) around the rounded timestamp: now - 1000 is inside, now - 1001 is not.
  await expectStored(release, 'LCP', { count: 2, min: 780, max: 1780 });
});

test('a number that overflows a double is never stored as a value', async () => {
  const release = uniqueId('overflow');
  const body = JSON.stringify(beacon({
    events: [vital('LCP', '__OVERFLOW__'), vital('LCP', 1500)],
    context: { release },
  })).replace('"__OVERFLOW__"', '1e400');
  const res = await postBeacon(server, body);
  if (res.status === 400) {
    assert.equal(res.json?.error, 'invalid_json', describeResponse(res));
    assert.ok(Number.isInteger(res.json.position), `invalid_json carries the byte position: ${describeResponse(res)}`);
    await expectStored(release, 'LCP', { count: 0 });
  } else {
    assert.equal(res.status, 202, describeResponse(res));
    assert.equal(res.json.accepted, 1, describeResponse(res));
    assert.deepEqual(res.json.rejected.map((r) => [r.index, r.field]), [[0, 'value']], describeResponse(res));
    await expectStored(release, 'LCP', { count: 1, min: 1500, max: 1500 });
  }
});

test('timestamps just inside [now - max_event_age_s, now + max_event_future_s] are accepted', async () => {
  const release = uniqueId('window');
  const now = Date.now();
  const res = await postBeacon(server, beacon({
    events: [vital('LCP', 100, { ts: now - 86400_000 + 120_000 }), vital('LCP', 200, { ts: now + 200_000 })],
    context: { release },
  }));
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 2, describeResponse(res));
  assert.deepEqual(res.json.rejected, [], describeResponse(res));
  await expectStored(release, 'LCP', { count: 2, min: 100, max: 200 });
});

test('sendBeacon style: key in ?key= and a text/plain body', async () => {
  const release = uniqueId('qkey');
  const body = beacon({ events: [vital('LCP', 900), vital('FCP', 450)], context: { release } });
  delete body.key;
  const res = await postBeacon(server, JSON.stringify(body), {
    query: { key: SHOP.key }, contentType: 'text/plain;charset=UTF-8',
  });
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 2, describeResponse(res));
  await expectStored(release, 'LCP', { count: 1, min: 900 });
  await expectStored(release, 'FCP', { count: 1, min: 450 });
});

test('application/json with a charset parameter is accepted', async () => {
  const release = uniqueId('charset');
  const res = await postBeacon(server, beacon({ events: [vital('TTFB', 80)], context: { release } }), {
    contentType: 'application/json; charset=utf-8',
  });
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 1, describeResponse(res));
  await expectStored(release, 'TTFB', { count: 1, min: 80 });
});

test('gzip-encoded body is accepted and stored', async () => {
  const release = uniqueId('gzip');
  const events = [vital('LCP', 1111), vital('LCP', 2222), vital('LCP', 3333), pageView()];
  const res = await postBeacon(server, beacon({ events, context: { release } }), { gzip: true });
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 4, describeResponse(res));
  await expectStored(release, 'LCP', { count: 3, min: 1111, max: 3333 });
});

test('minimal-consent beacons are accepted, with or without session ids', async () => {
  const withIds = beacon({ consent: 'minimal', events: [vital('LCP', 1000), pageView()] });
  const res1 = await postBeacon(server, withIds);
  assert.equal(res1.status, 202, describeResponse(res1));
  assert.equal(res1.json.accepted, 2, describeResponse(res1));
  assert.deepEqual(res1.json.rejected, [], describeResponse(res1));

  const withoutIds = beacon({ consent: 'minimal', events: [vital('CLS', 0.1)] });
  delete withoutIds.session_id;
  delete withoutIds.page_view_id;
  delete withoutIds.context.user;
  const res2 = await postBeacon(server, withoutIds);
  assert.equal(res2.status, 202, describeResponse(res2));
  assert.equal(res2.json.accepted, 1, describeResponse(res2));
});

test('unparsable JSON: 400 invalid_json with the byte position of the error', async () => {
  const prefix = `{"v":1,"key":"${SHOP.key}","session_id":"s","events":[{"type":"vital","ts":${Date.now()},"name":"LCP","value":1}, `;
  const body = `${prefix}@@@]}`;
  const res = await postBeacon(server, body);
  assertErrorBody(res, 400, 'invalid_json');
  assert.equal(typeof res.json.reason, 'string', describeResponse(res));
  assert.ok(Number.isInteger(res.json.position), `position is an integer: ${describeResponse(res)}`);
  const errorAt = Buffer.byteLength(prefix);
  assert.ok(Math.abs(res.json.position - errorAt) <= 2,
    `position ${res.json.position} should point at the bad byte (offset ${errorAt}): ${describeResponse(res)}`);

  // Truncated body and trailing garbage are unparsable too.
  for (const bad of [`{"v":1,"key":"${SHOP.key}","events":[`, `{"v":1,"key":"${SHOP.key}","events":[]} xyz`, '']) {
    const r = await postBeacon(server, bad);
    assertErrorBody(r, 400, 'invalid_json');
    assert.ok(Number.isInteger(r.json.position), `position for ${JSON.stringify(bad)}: ${describeResponse(r)}`);
    assert.ok(r.json.position >= 0 && r.json.position <= Buffer.byteLength(bad),
      `position within body for ${JSON.stringify(bad)}: ${describeResponse(r)}`);
  }
});

test('invalid UTF-8 bytes: 400 invalid_utf8', async () => {
  const text = JSON.stringify(beacon({ events: [errorEvent({ message: 'XXBADXX' })] }));
  const [before, afterPart] = text.split('XXBADXX');
  const body = Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(afterPart)]);
  const res = await postBeacon(server, body);
  assertErrorBody(res, 400, 'invalid_utf8');
});

test('nesting deeper than max_depth: 400 too_deep; moderate nesting is fine', async () => {
  let deep = 'leaf';
  for (let i = 0; i < 40; i++) deep = { nested: deep };
  const res = await postBeacon(server, beacon({ events: [{ type: 'custom', ts: Date.now(), name: 'deep', value: 1, attributes: deep }] }));
  assertErrorBody(res, 400, 'too_deep');

  // Deep arrays count as nesting too.
  const arrays = `${'['.repeat(100)}1${']'.repeat(100)}`;
  const body = JSON.stringify(beacon({ events: [{ type: 'custom', ts: Date.now(), name: 'deep', value: 1, attributes: { a: '__A__' } }] }))
    .replace('"__A__"', arrays);
  const res2 = await postBeacon(server, body);
  assertErrorBody(res2, 400, 'too_deep');

  // root > events > event > attributes > 5 more levels = 9 < 16.
  let moderate = 'leaf';
  for (let i = 0; i < 5; i++) moderate = { nested: moderate };
  const ok = await postBeacon(server, beacon({ events: [{ type: 'custom', ts: Date.now(), name: 'moderate', value: 1, attributes: moderate }] }));
  assert.equal(ok.status, 202, describeResponse(ok));
  assert.equal(ok.json.accepted, 1, describeResponse(ok));
});

test('unknown or missing key: 401 unknown_key', async () => {
  const release = uniqueId('badkey');
  const unknown = await postBeacon(server, beacon({ key: 'pk_nope', events: [vital('LCP', 5)], context: { release } }));
  assertErrorBody(unknown, 401, 'unknown_key', 'key');

  const missing = beacon({ events: [vital('LCP', 5)], context: { release } });
  delete missing.key;
  const res = await postBeacon(server, missing);
  assertErrorBody(res, 401, 'unknown_key', 'key');

  const viaQuery = await postBeacon(server, missing, { query: { key: 'pk_wrong' } });
  assertErrorBody(viaQuery, 401, 'unknown_key', 'key');

  // A read token is not an ingest key.
  const token = await postBeacon(server, beacon({ key: SHOP.token, events: [vital('LCP', 5)], context: { release } }));
  assertErrorBody(token, 401, 'unknown_key', 'key');

  await expectStored(release, 'LCP', { count: 0 });
});

test('bad sample_rate: 400 invalid_beacon field sample_rate', async () => {
  const release = uniqueId('badrate');
  for (const rate of [0, 1.5, -0.1, 'abc', 2]) {
    const res = await postBeacon(server, beacon({ sample_rate: rate, events: [vital('LCP', 5)], context: { release } }));
    assertErrorBody(res, 400, 'invalid_beacon', 'sample_rate');
    assert.equal(typeof res.json.reason, 'string', describeResponse(res));
  }
  await expectStored(release, 'LCP', { count: 0 });
});

test('bad beacon-level fields: v, consent, events → 400 invalid_beacon naming the field', async () => {
  const release = uniqueId('badfield');
  const cases = [
    [{ v: 2 }, 'v'],
    [{ v: 0 }, 'v'],
    [{ v: '1' }, 'v'],
    [{ consent: 'bogus' }, 'consent'],
    [{ events: 'nope' }, 'events'],
    [{ events: { 0: vital('LCP', 5) } }, 'events'],
  ];
  for (const [patch, field] of cases) {
    const body = { ...beacon({ events: [vital('LCP', 5)], context: { release } }), ...patch };
    const res = await postBeacon(server, body);
    assertErrorBody(res, 400, 'invalid_beacon', field);
  }
  const noV = beacon({ events: [vital('LCP', 5)], context: { release } });
  delete noV.v;
  assertErrorBody(await postBeacon(server, noV), 400, 'invalid_beacon', 'v');
  await expectStored(release, 'LCP', { count: 0 });
});

test('unsupported Content-Encoding or Content-Type: 415', async () => {
  const body = JSON.stringify(beacon({ events: [vital('LCP', 5)] }));
  for (const [encoding, payload] of [['br', zlib.brotliCompressSync(body)], ['deflate', zlib.deflateSync(body)], ['compress', Buffer.from(body)]]) {
    const res = await postBeacon(server, payload, { headers: { 'Content-Encoding': encoding } });
    assertErrorBody(res, 415, 'unsupported_encoding', 'Content-Encoding');
  }
  for (const type of ['application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'image/png']) {
    const res = await postBeacon(server, body, { contentType: type });
    // The contract fixes the status and the field for a bad Content-Type, not the error code.
    assert.equal(res.status, 415, `Content-Type ${type}: ${describeResponse(res)}`);
    assert.equal(res.json?.field, 'Content-Type', `Content-Type ${type}: ${describeResponse(res)}`);
    assert.equal(typeof res.json?.error, 'string', `Content-Type ${type}: ${describeResponse(res)}`);
  }
});

test('body over max_body_bytes: 413 too_large field body', async () => {
  const release = uniqueId('big');
  const big = beacon({
    events: [vital('LCP', 5), { type: 'custom', ts: Date.now(), name: 'big', value: 1, attributes: { blob: 'x'.repeat(70_000) } }],
    context: { release },
  });
  const refusedBefore = metricSum((await scrapeMetrics(server)).series,
    'sightline_http_refused_total', { reason: 'body_too_large' }) ?? 0;
  const res = await postBeacon(server, big);
  assertErrorBody(res, 413, 'too_large', 'body');
  const refusedAfter = metricSum((await scrapeMetrics(server)).series,
    'sightline_http_refused_total', { reason: 'body_too_large' });
  assert.equal(refusedAfter, refusedBefore + 1, 'the refusal is counted in sightline_http_refused_total');

  // Gzip does not help: an honest body that inflates beyond max_inflated_bytes (1 MiB).
  const inflated = beacon({
    events: [vital('LCP', 5), { type: 'custom', ts: Date.now(), name: 'big', value: 1, attributes: { blob: 'y'.repeat(1_200_000) } }],
    context: { release },
  });
  const res2 = await postBeacon(server, inflated, { gzip: true });
  assertErrorBody(res2, 413, 'too_large', 'body');
  await expectStored(release, 'LCP', { count: 0 });
});

test('more than max_events_per_beacon events: 413 field events; exactly the limit is accepted', async () => {
  const release = uniqueId('many');
  const now = Date.now();
  const mk = (n) => Array.from({ length: n }, (_, i) => ({ type: 'vital', ts: now - i, name: 'LCP', value: 1000 + i }));
  const tooMany = await postBeacon(server, beacon({ events: mk(501), context: { release: `${release}-501` } }));
  assertErrorBody(tooMany, 413, 'too_large', 'events');
  await expectStored(`${release}-501`, 'LCP', { count: 0 });

  const atLimit = await postBeacon(server, beacon({ events: mk(500), context: { release } }));
  assert.equal(atLimit.status, 202, describeResponse(atLimit));
  assert.equal(atLimit.json.accepted, 500, describeResponse(atLimit));
  await expectStored(release, 'LCP', { count: 500, min: 1000, max: 1499 });
});

test('gzip bomb (50 MB of zeros) is answered 413 quickly', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 });
  assert.ok(bomb.length < 65536, `precondition: the bomb is under max_body_bytes as sent (${bomb.length})`);
  const started = performance.now();
  const res = await postBeacon(server, bomb, { headers: { 'Content-Encoding': 'gzip' } });
  const ms = performance.now() - started;
  assertErrorBody(res, 413, 'too_large', 'body');
  assert.ok(ms < 2000, `gzip bomb answered in ${ms.toFixed(0)} ms (limit 2000 ms)`);

  // The same with a JSON-looking prefix (a padded string) instead of raw zeros.
  const jsonBomb = zlib.gzipSync(Buffer.concat([
    Buffer.from(`{"v":1,"key":"${SHOP.key}","events":[],"pad":"`), Buffer.alloc(50 * 1024 * 1024, 0x61), Buffer.from('"}'),
  ]), { level: 9 });
  const started2 = performance.now();
  const res2 = await postBeacon(server, jsonBomb, { headers: { 'Content-Encoding': 'gzip' } });
  const ms2 = performance.now() - started2;
  assertErrorBody(res2, 413, 'too_large', 'body');
  assert.ok(ms2 < 2000, `JSON gzip bomb answered in ${ms2.toFixed(0)} ms (limit 2000 ms)`);
});

test('over-long text fields are truncated and flagged, not rejected', async () => {
  const release = uniqueId('trunc');
  const events = [
    /* 0 */ errorEvent({ message: 'm'.repeat(2000), stack: 's'.repeat(20_000) }),
    /* 1 */ errorEvent({ message: 'short' }),
    /* 2 */ vital('LCP', 4321),
    /* 3 */ errorEvent({ file: `https://shop.example/${'f'.repeat(3000)}.js` }),
  ];
  const res = await postBeacon(server, beacon({ events, context: { release } }));
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 4, describeResponse(res));
  assert.deepEqual(res.json.rejected, [], describeResponse(res));
  const got = res.json.truncated.map((t) => `${t.index}:${t.field}`).sort();
  assert.deepEqual(got, ['0:message', '0:stack', '3:file'], `truncated fields: ${describeResponse(res)}`);
  await expectStored(release, 'LCP', { count: 1, min: 4321 });

  // A stack within max_text_bytes (16 KiB) but over max_string_bytes (1 KiB) is not truncated.
  const res2 = await postBeacon(server, beacon({ events: [errorEvent({ stack: 's'.repeat(5000) })] }));
  assert.equal(res2.status, 202, describeResponse(res2));
  assert.deepEqual(res2.json.truncated ?? [], [], describeResponse(res2)); // shape checked in the mixed test
});

test('beacons over many parallel connections (spread over the I/O threads) are each stored once', async () => {
  const release = uniqueId('parallel');
  const connections = 16;
  const perConnection = 25;
  const sockets = await Promise.all(Array.from({ length: connections }, () => connectSocket(server.port)));
  const sendAll = async (sock, c) => {
    const state = watchSocket(sock);
    for (let i = 0; i < perConnection; i++) {
      const body = JSON.stringify(beacon({ events: [vital('LCP', c * perConnection + i + 1)], context: { release } }));
      const seen = state.data.length;
      sock.write(`POST /v1/beacon HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await eventually(() => assert.match(state.data.slice(seen), /^HTTP\/1\.1 202 [^]*\{"accepted":1,/,
        `answer to beacon ${i} on connection ${c}: ${JSON.stringify(state.data.slice(seen))}`),
      { timeoutMs: 5000, intervalMs: 2 });
    }
    sock.destroy();
  };
  await Promise.all(sockets.map(sendAll));
  const total = connections * perConnection;
  // Values 1..total, each once: count, min, max and sum pin down that none is lost or doubled.
  const row = await expectStored(release, 'LCP', { count: total, samples: total, min: 1, max: total });
  assert.ok(row, 'stored');
  const sum = await statsFor(release, 'LCP', ['sum']);
  assert.equal(sum.sum, (total * (total + 1)) / 2, `sum of the stored values: ${JSON.stringify(sum)}`);
});

test('after all the bad requests the server is healthy and earlier good events are still stored', async () => {
  const health = await request(`${server.url}/healthz`);
  assert.equal(health.status, 200, describeResponse(health));
  await expectStored(mixedRelease, 'LCP', { count: 2, samples: 2, min: MIXED_LCP[0], max: MIXED_LCP[1] });
  const release = uniqueId('final');
  const res = await postBeacon(server, beacon({ events: [vital('LCP', 10)], context: { release } }));
  assert.equal(res.status, 202, describeResponse(res));
  await expectStored(release, 'LCP', { count: 1 });
  assert.equal(server.proc.exitCode, null, 'server process is still running');
});
