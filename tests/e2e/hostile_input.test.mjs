// Hostile input: the classes of docs/security.md that no other test covered. What the file proves,
// against the real binary, on one shared server:
//
// - beacons that try the JSON rules (docs/protocol.md §2, §3, §5): nesting at and just past
//   limits.max_depth, invalid UTF-8 of every kind with its byte position, NaN / Infinity / numbers
//   beyond the double or 64-bit range, repeated member names (the first one counts), a wrong JSON
//   type for every envelope, context and event member, and gzip bombs of a few KB on the beacon
//   and traffic routes; traffic posts of more than 10000 counts;
// - header injection: bare CR, LF or NUL in a header value is 400 and closes the connection, and
//   no Origin carrying CR/LF, nor one no project allows, is ever echoed in
//   Access-Control-Allow-Origin — also when the request line is malformed;
// - static files: paths that climb out of the web root are 404 with a JSON body;
// - source-map releases of any bytes up to 200 stay in one directory of their own;
// - tokens of another project, or of another kind, on every route (the /api/v1 routes are checked
//   against the routes the server itself reports in /metrics), and CORS from foreign origins on
//   the trace and config routes;
// - chunked bodies over the limit or with an overflowing size, and headers trickled slower than
//   server.request_timeout_ms (slowloris).
//
// Every test asserts what a client notices (status, `error`, `field`) and that the server keeps
// serving afterwards: a good beacon is stored and /healthz answers 200.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';

import {
  BLOG, SHOP, baseConfig, beacon, connectSocket, describeRaw, describeResponse, errorEvent, eventually,
  everyFile, exchange, isoSeconds, metricSum, postBeacon, queryMetrics, request, scrapeMetrics, sleep,
  startServer, uniqueId, vital, watchSocket,
} from './helpers.mjs';

const SHOP_UPLOAD = 'up_shop_hostile_input';
const BLOG_UPLOAD = 'up_blog_hostile_input';
const SHOP_SERVER = 'st_shop_hostile_input';
const BLOG_SERVER = 'st_blog_hostile_input';
const REQUEST_TIMEOUT_MS = 1500;

let server;

before(async () => {
  const config = baseConfig({
    server: { request_timeout_ms: REQUEST_TIMEOUT_MS },
    limits: { traffic_posts_per_second: 0 },
  });
  config.projects = config.projects.map((p) => (p.id === SHOP.id
    ? { ...p, upload_tokens: [SHOP_UPLOAD], server_tokens: [SHOP_SERVER] }
    : { ...p, upload_tokens: [BLOG_UPLOAD], server_tokens: [BLOG_SERVER] }));
  server = await startServer(config);
});

after(async () => {
  if (!server) return;
  try {
    await server.stop('SIGTERM', 5000);
  } catch { /* SIGKILLed by stop() */ }
});

// ---------------------------------------------------------------------------------------------
// Helpers

function assertRefusal(res, status, error, field, what = '') {
  const label = `${what ? `${what}: ` : ''}${describeResponse(res)}`;
  assert.equal(res.status, status, label);
  assert.match(res.headers.get('content-type') ?? '', /json/i, `a JSON body: ${label}`);
  assert.equal(res.json?.error, error, label);
  if (field === undefined) {
    assert.equal(res.json?.field, undefined, `no field: ${label}`);
  } else {
    assert.equal(res.json?.field, field, label);
  }
  assert.equal(typeof res.json?.reason, 'string', `a reason: ${label}`);
}

// Weighted count, min and max of LCP values stored for `release` in `project` (exact scan).
async function storedLcp(release, project = SHOP) {
  const now = Date.now();
  const res = await queryMetrics(server, {
    project: project.id, name: 'LCP', stats: ['count', 'min', 'max'], exact: true,
    from: isoSeconds(Math.floor(now / 1000) * 1000 - 2 * 86400_000),
    to: isoSeconds(Math.floor(now / 1000) * 1000 + 3600_000),
    filter: `release:${release}`,
  }, project.token);
  assert.equal(res.status, 200, describeResponse(res));
  return res.json.rows[0] ?? { count: 0 };
}

async function assertNothingStored(release, project = SHOP) {
  // Give an acknowledged write the time to become visible before concluding it did not happen.
  await sleep(100);
  const row = await storedLcp(release, project);
  assert.equal(row.count, 0, `nothing stored for release ${release} in ${project.id}: ${JSON.stringify(row)}`);
}

// The good neighbour: a valid beacon is still accepted and stored, and /healthz answers 200.
async function assertStillServing() {
  const release = uniqueId('neighbour');
  const res = await postBeacon(server, beacon({ events: [vital('LCP', 1234)], context: { release } }));
  assert.equal(res.status, 202, `a good beacon afterwards: ${describeResponse(res)}`);
  assert.equal(res.json.accepted, 1, describeResponse(res));
  await eventually(async () => {
    const row = await storedLcp(release);
    assert.equal(row.count, 1, `the good beacon is stored: ${JSON.stringify(row)}`);
  });
  const health = await request(`${server.url}/healthz`);
  assert.equal(health.status, 200, describeResponse(health));
  assert.equal(server.proc.exitCode, null, 'the server is still running');
}

// Problems with a response head that could let a header value inject lines: a CR or LF that is
// not part of a CRLF line end, or a header line the server never writes.
function headInjection(head) {
  const problems = [];
  for (const line of head.split('\r\n')) {
    if (/[\r\n\0]/.test(line)) problems.push(`a bare CR, LF or NUL inside the line ${JSON.stringify(line)}`);
  }
  for (const line of head.split(/\r\n|\r|\n/)) {
    if (/^(set-cookie|x-injected)\s*:/i.test(line)) problems.push(`an injected header line ${JSON.stringify(line)}`);
  }
  return problems;
}

const MAP = JSON.stringify({ version: 3, sources: ['app.ts'], names: [], mappings: 'AAAA' });

// ---------------------------------------------------------------------------------------------
// 1. Beacons: depth, UTF-8, numbers, repeated members, types

// `levels` containers, the innermost holding a number: {"a":{"a":…{"a":1}…}}.
function nestedObjects(levels) {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}
function nestedArrays(levels) {
  return `${'['.repeat(levels)}1${']'.repeat(levels)}`;
}
// A beacon whose extra top-level member `pad` holds `text`: the top-level object is depth 1, so
// pad's outermost container is depth 2 (docs/protocol.md §2: unknown members count towards depth).
function beaconWithPad(text, release) {
  return JSON.stringify(beacon({ events: [vital('LCP', 1000)], context: { release } })).replace(/}$/, `,"pad":${text}}`);
}

test('a beacon nested exactly limits.max_depth (16) deep is accepted; one level deeper is 400 too_deep', async () => {
  // docs/protocol.md §2: "Nesting (objects and arrays, the top-level object counting as 1) may be
  // at most limits.max_depth (16) deep; deeper → 400 too_deep."
  const problems = [];
  for (const [kind, make] of [['objects', nestedObjects], ['arrays', nestedArrays]]) {
    const okRelease = uniqueId(`depth16-${kind}`);
    const ok = await postBeacon(server, beaconWithPad(make(15), okRelease));
    if (ok.status !== 202 || ok.json?.accepted !== 1) {
      problems.push(`16 levels of ${kind} (the innermost holding a number): expected 202 with 1 accepted, got ${describeResponse(ok)}`);
    }
    const deepRelease = uniqueId(`depth17-${kind}`);
    const deep = await postBeacon(server, beaconWithPad(make(16), deepRelease));
    if (deep.status !== 400 || deep.json?.error !== 'too_deep') {
      problems.push(`17 levels of ${kind}: expected 400 too_deep, got ${describeResponse(deep)}`);
    }
    await assertNothingStored(deepRelease);
  }
  // In an event: root > events > event > attributes is 4 levels; 13 more objects make 17.
  let attributes = '1';
  for (let i = 0; i < 14; i++) attributes = `{"a":${attributes}}`;
  const inEvent = JSON.stringify(beacon({ events: [{ type: 'custom', ts: Date.now(), name: 'deep', attributes: '__A__' }] }))
    .replace('"__A__"', attributes);
  const deepEvent = await postBeacon(server, inEvent);
  if (deepEvent.status !== 400 || deepEvent.json?.error !== 'too_deep') {
    problems.push(`17 levels through an event's attributes: expected 400 too_deep, got ${describeResponse(deepEvent)}`);
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertStillServing();
});

test('invalid UTF-8 of every kind (overlong, surrogate, cut short, stray continuation, past U+10FFFF, in a name) is 400 invalid_utf8 at its byte', async () => {
  const release = uniqueId('utf8');
  const text = JSON.stringify(beacon({ events: [errorEvent({ message: '__BAD__' }), vital('LCP', 1000)], context: { release } }));
  const [head, tail] = text.split('__BAD__');
  const cases = {
    'overlong /': [0xc0, 0xaf],
    'UTF-16 surrogate': [0xed, 0xa0, 0x80],
    'sequence cut short': [0xe2, 0x82],
    'stray continuation byte': [0x80],
    'byte 0xFF': [0xff],
    'past U+10FFFF': [0xf4, 0x90, 0x80, 0x80],
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const body = Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
    const res = await postBeacon(server, body);
    assertRefusal(res, 400, 'invalid_utf8', undefined, name);
    assert.equal(res.json.position, Buffer.byteLength(head), `${name}: position is the first bad byte: ${describeResponse(res)}`);
  }
  // In a member name rather than a value.
  const named = JSON.stringify(beacon({ events: [vital('LCP', 1000)], context: { release } }));
  const at = named.indexOf('"session_id"') + 1;
  const res = await postBeacon(server, Buffer.concat([Buffer.from(named.slice(0, at)), Buffer.from([0xfe]), Buffer.from(named.slice(at))]));
  assertRefusal(res, 400, 'invalid_utf8', undefined, 'in a member name');
  assert.equal(res.json.position, Buffer.byteLength(named.slice(0, at)), describeResponse(res));
  await assertNothingStored(release);
  await assertStillServing();
});

test('NaN, Infinity and numbers beyond the double or 64-bit range are 400 invalid_json at the number; 1e-400 is read as 0', async () => {
  // docs/protocol.md §2: a number that cannot be represented makes the body 400 invalid_json,
  // with position at the number's first byte; underflow is read as 0. NaN and Infinity are not
  // JSON: 400 invalid_json at (or one byte into) the token.
  const release = uniqueId('numbers');
  const cases = [
    { token: '1e999', exact: true },
    { token: '-1e999', exact: true },
    { token: '123456789012345678901234567890', exact: true },
    { token: '-99999999999999999999999', exact: true },
    { token: 'NaN', exact: false },
    { token: 'Infinity', exact: false },
    { token: '-Infinity', exact: false },
  ];
  for (const { token, exact } of cases) {
    const text = JSON.stringify(beacon({ events: [vital('LCP', '__N__'), vital('LCP', 1500)], context: { release } }));
    const position = Buffer.byteLength(text.slice(0, text.indexOf('"__N__"')));
    const res = await postBeacon(server, text.replace('"__N__"', token));
    assertRefusal(res, 400, 'invalid_json', undefined, token);
    assert.ok(Number.isInteger(res.json.position), `${token}: position: ${describeResponse(res)}`);
    if (exact) {
      assert.equal(res.json.position, position, `${token}: position at the number's first byte (${position}): ${describeResponse(res)}`);
    } else {
      assert.ok(res.json.position >= position && res.json.position <= position + 1,
        `${token}: position at the token (${position}): ${describeResponse(res)}`);
    }
  }
  await assertNothingStored(release);

  const underflow = uniqueId('underflow');
  const res = await postBeacon(server, JSON.stringify(beacon({ events: [vital('LCP', '__N__')], context: { release: underflow } }))
    .replace('"__N__"', '1e-400'));
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 1, describeResponse(res));
  await eventually(async () => assert.deepEqual(await storedLcp(underflow), { group: {}, count: 1, min: 0, max: 0 }));
  await assertStillServing();
});

test('a repeated member name keeps its first value: an event\'s value and type, the beacon\'s key, v and events', async () => {
  // docs/protocol.md §2: "Duplicate member names: the first occurrence is used."
  const release = uniqueId('dup');
  const now = Date.now();
  const send = (text) => postBeacon(server, text);
  const base = (events, extra = {}) => JSON.stringify(beacon({ events, context: { release }, ...extra }));

  let res = await send(base([{ type: 'vital', ts: now, name: 'LCP', value: '__V__' }]).replace('"value":"__V__"', '"value":1111,"value":9999'));
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 1, describeResponse(res));
  res = await send(base([{ type: 'vital', ts: now, name: 'LCP', value: 2222 }]).replace('"type":"vital"', '"type":"vital","type":"no_such_type"'));
  assert.deepEqual([res.status, res.json?.accepted], [202, 1], `repeated type: ${describeResponse(res)}`);
  // The key selects the project: the first one, shop's.
  res = await send(base([vital('LCP', 3333)]).replace(`"key":"${SHOP.key}"`, `"key":"${SHOP.key}","key":"${BLOG.key}"`));
  assert.deepEqual([res.status, res.json?.accepted], [202, 1], `repeated key: ${describeResponse(res)}`);
  res = await send(base([vital('LCP', 4444)]).replace('"v":1', '"v":1,"v":2'));
  assert.deepEqual([res.status, res.json?.accepted], [202, 1], `repeated v: ${describeResponse(res)}`);
  res = await send(base([vital('LCP', 5555)]).replace('"v":1', '"v":2,"v":1'));
  assertRefusal(res, 400, 'invalid_beacon', 'v', 'v 2 first');
  res = await send(base([vital('LCP', 6666)]).replace('"events":[', '"events":[],"events":['));
  assert.deepEqual([res.status, res.json?.accepted], [202, 0], `an empty events first: ${describeResponse(res)}`);

  await eventually(async () => {
    assert.deepEqual(await storedLcp(release), { group: {}, count: 4, min: 1111, max: 4444 },
      'stored: 1111 (not 9999), 2222, 3333 and 4444 in shop; not 5555 or 6666');
  });
  await assertNothingStored(release, BLOG);
  await assertStillServing();
});

test('a wrong JSON type for any envelope or context member is 400 invalid_beacon naming the member', async () => {
  const release = uniqueId('types');
  const cases = [
    [{ v: true }, 'v'], [{ v: '1' }, 'v'], [{ v: [1] }, 'v'],
    [{ key: 5 }, 'key'], [{ key: {} }, 'key'],
    [{ session_id: 5 }, 'session_id'], [{ session_id: [] }, 'session_id'],
    [{ page_view_id: false }, 'page_view_id'], [{ page_view_id: {} }, 'page_view_id'],
    [{ consent: 1 }, 'consent'], [{ consent: ['full'] }, 'consent'],
    [{ sample_rate: '0.5' }, 'sample_rate'], [{ sample_rate: true }, 'sample_rate'],
    [{ context: 'x' }, 'context'], [{ context: [] }, 'context'], [{ context: 5 }, 'context'],
    [{ events: 5 }, 'events'], [{ events: 'x' }, 'events'], [{ events: {} }, 'events'],
    [{ context: { url: 5 } }, 'context.url'], [{ context: { referrer: [] } }, 'context.referrer'],
    [{ context: { route: {} } }, 'context.route'], [{ context: { release: 2.4 } }, 'context.release'],
    [{ context: { environment: true } }, 'context.environment'], [{ context: { service: 1 } }, 'context.service'],
    [{ context: { user: 'u-1' } }, 'context.user'], [{ context: { user: { id: 5 } } }, 'context.user.id'],
    [{ context: { user: { tier: [] } } }, 'context.user.tier'],
    [{ context: { flags: 'a' } }, 'context.flags'], [{ context: { flags: [1] } }, 'context.flags'],
    [{ context: { network: 5 } }, 'context.network'],
    [{ context: { network: { effective_type: 4 } } }, 'context.network.effective_type'],
    [{ context: { network: { rtt: '50' } } }, 'context.network.rtt'],
    [{ context: { network: { downlink: [] } } }, 'context.network.downlink'],
    [{ context: { network: { save_data: 1 } } }, 'context.network.save_data'],
  ];
  const problems = [];
  for (const [patch, field] of cases) {
    const body = { ...beacon({ events: [vital('LCP', 1000)], context: { release } }), ...patch };
    if (patch.context && typeof patch.context === 'object' && !Array.isArray(patch.context)) {
      body.context = { release, ...patch.context };
    }
    // The key also in the URL, so that a bad body key is reported as a type error, not a 401.
    const res = await postBeacon(server, body, { query: { key: SHOP.key } });
    if (res.status !== 400 || res.json?.error !== 'invalid_beacon' || res.json?.field !== field) {
      problems.push(`${JSON.stringify(patch)}: expected 400 invalid_beacon field ${field}, got ${describeResponse(res)}`);
    }
  }
  for (const top of ['[]', '"beacon"', '5', 'null', 'true', `[${JSON.stringify(beacon({ events: [vital('LCP', 1000)] }))}]`]) {
    const res = await postBeacon(server, top, { query: { key: SHOP.key } });
    if (res.status !== 400 || res.json?.error !== 'invalid_beacon' || res.json?.field !== undefined) {
      problems.push(`top-level ${top.slice(0, 40)}: expected 400 invalid_beacon without a field, got ${describeResponse(res)}`);
    }
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertNothingStored(release);
  await assertStillServing();
});

test('a wrong JSON type for an event member rejects that event alone, naming the member', async () => {
  const release = uniqueId('eventtypes');
  const now = Date.now();
  const lcp = { type: 'vital', ts: now, name: 'LCP', value: 1000 };
  const cases = [
    [{ type: 5, ts: now }, 'type'],
    [{ ...lcp, ts: 'now' }, 'ts'],
    [{ ...lcp, name: 5 }, 'name'],
    [{ ...lcp, value: '1000' }, 'value'],
    [{ ...lcp, url: 5 }, 'url'],
    [{ ...lcp, page_view_id: 5 }, 'page_view_id'],
    [{ ...lcp, route: [] }, 'route'],
    [{ ...lcp, rating: 5 }, 'rating'],
    [{ ...lcp, attribution: [] }, 'attribution'],
    [{ type: 'page_view', ts: now, soft: 1 }, 'soft'],
    [{ type: 'page_view', ts: now, timing: 5 }, 'timing'],
    [{ type: 'page_view', ts: now, timing: { dns: '1' } }, 'timing.dns'],
    [{ type: 'error', ts: now, kind: 5 }, 'kind'],
    [{ type: 'error', ts: now, line: 1.5 }, 'line'],
    [{ type: 'error', ts: now, column: '3' }, 'column'],
    [{ type: 'error', ts: now, breadcrumbs: {} }, 'breadcrumbs'],
    [{ type: 'error', ts: now, count: '2' }, 'count'],
    [{ type: 'api_call', ts: now, url: 5, duration: 1 }, 'url'],
    [{ type: 'api_call', ts: now, url: '/x', duration: '1' }, 'duration'],
    [{ type: 'api_call', ts: now, url: '/x', duration: 1, status: '200' }, 'status'],
    [{ type: 'api_call', ts: now, url: '/x', duration: 1, method: 5 }, 'method'],
    [{ type: 'api_call', ts: now, url: '/x', duration: 1, trace_id: 5 }, 'trace_id'],
    [{ type: 'api_call', ts: now, url: '/x', duration: 1, size: '512' }, 'size'],
    [{ type: 'api_call', ts: now, url: '/x', duration: 1, size: -1 }, 'size'],
    [{ type: 'api_call', ts: now, url: '/x', duration: 1, size: 1.5 }, 'size'],
    [{ type: 'action', ts: now, action: 5 }, 'action'],
    [{ type: 'action', ts: now, action: 'click', target: {} }, 'target'],
    [{ type: 'custom', ts: now, name: [] }, 'name'],
    [{ type: 'custom', ts: now, name: 'x', value: 'x' }, 'value'],
    [{ type: 'custom', ts: now, name: 'x', attributes: 'x' }, 'attributes'],
    [5, ''], ['event', ''], [null, ''], [[], ''],
  ];
  const events = [...cases.map(([event]) => event), { ...lcp, value: 2345 }];
  const res = await postBeacon(server, beacon({ events, context: { release } }));
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 1, `only the last, valid event is accepted: ${describeResponse(res)}`);
  assert.deepEqual(res.json.rejected.map((r) => [r.index, r.field]), cases.map(([, field], index) => [index, field]),
    describeResponse(res));
  for (const r of res.json.rejected) assert.equal(typeof r.reason, 'string', JSON.stringify(r));
  await eventually(async () => assert.deepEqual(await storedLcp(release), { group: {}, count: 1, min: 2345, max: 2345 }));
  await assertStillServing();
});

// ---------------------------------------------------------------------------------------------
// 2. Gzip bombs and huge arrays on the traffic route

test('a gzip bomb of a few KB is 413 while it inflates, on the beacon and the traffic routes', async () => {
  // 4 MiB of spaces inside a JSON string: ~4 KB of gzip, over limits.max_inflated_bytes (1 MiB).
  const inflated = Buffer.concat([Buffer.from('{"v":1,"events":[],"counts":[],"pad":"'), Buffer.alloc(4 * 1024 * 1024, 0x20), Buffer.from('"}')]);
  const bomb = zlib.gzipSync(inflated, { level: 9 });
  assert.ok(bomb.length < 8192, `precondition: the bomb is a few KB (${bomb.length} bytes)`);
  const headers = { 'Content-Encoding': 'gzip' };
  const started = performance.now();
  const viaBeacon = await postBeacon(server, bomb, { query: { key: SHOP.key }, headers, contentType: 'text/plain' });
  assertRefusal(viaBeacon, 413, 'too_large', 'body', '/v1/beacon');
  const viaTraffic = await request(`${server.url}/v1/traffic`, {
    method: 'POST', body: bomb, headers: { ...headers, Authorization: `Bearer ${SHOP_SERVER}` },
  });
  assertRefusal(viaTraffic, 413, 'too_large', 'body', '/v1/traffic');
  const ms = performance.now() - started;
  assert.ok(ms < 3000, `both bombs answered within 3 s (${ms.toFixed(0)} ms)`);
  await assertStillServing();
});

test('traffic posts: more than 10000 counts is 413 naming counts; NaN, 1e999 and invalid UTF-8 are 400 invalid_json; bad counts are rejected alone', async () => {
  const auth = { Authorization: `Bearer ${SHOP_SERVER}` };
  const post = (body, opts = {}) => request(`${server.url}/v1/traffic`, { method: 'POST', body, headers: auth, ...opts });
  const minute = Math.floor(Date.now() / 60000) * 60000;
  const route = `/hostile-${process.pid}`;
  const many = { counts: Array.from({ length: 10001 }, () => ({ minute, route, requests: 1 })) };
  assertRefusal(await post(many, { gzip: true }), 413, 'too_large', 'counts', '10001 counts');
  for (const token of ['NaN', 'Infinity', '1e999']) {
    const res = await post(`{"counts":[{"minute":${minute},"route":"${route}","requests":${token}}]}`);
    assertRefusal(res, 400, 'invalid_json', undefined, token);
  }
  const notUtf8 = Buffer.concat([Buffer.from(`{"counts":[{"minute":${minute},"route":"/`), Buffer.from([0xc0, 0xaf]), Buffer.from('","requests":1}]}')]);
  assertRefusal(await post(notUtf8), 400, 'invalid_json', undefined, 'invalid UTF-8');
  const res = await post({
    counts: [
      { minute, route, requests: 1e13 }, { minute, route, requests: 1.5 }, { minute, route, requests: '5' },
      { minute: 1e300, route, requests: 1 }, { minute, route: 5, requests: 1 }, { minute, route, requests: 7 },
    ],
  });
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.accepted, 1, describeResponse(res));
  assert.deepEqual(res.json.rejected.map((r) => [r.index, r.field]),
    [[0, 'requests'], [1, 'requests'], [2, 'requests'], [3, 'minute'], [4, 'route']], describeResponse(res));
  const coverage = await request(`${server.url}/api/v1/coverage?project=${SHOP.id}&filter=${encodeURIComponent(`route:${route}`)}` +
    `&from=${isoSeconds(minute - 3600_000)}&to=${isoSeconds(minute + 3600_000)}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(coverage.status, 200, describeResponse(coverage));
  assert.equal(coverage.json.page_requests, 7, `only the good count is stored: ${describeResponse(coverage)}`);
  await assertStillServing();
});

// ---------------------------------------------------------------------------------------------
// 3. Header injection

test('a bare CR, LF or NUL inside a header value is refused with 400 and a JSON body, and the connection closed', async () => {
  const body = JSON.stringify(beacon({ events: [vital('LCP', 1000)] }));
  const problems = [];
  for (const [what, line] of [
    ['bare CR', 'X-Note: one\rX-Injected: two'],
    ['bare LF', 'X-Note: one\nX-Injected: two'],
    ['NUL', 'X-Note: one\0two'],
    ['bare CR in Origin', 'Origin: https://shop.example\rX-Injected: two'],
    ['bare LF in Origin', 'Origin: https://shop.example\nX-Injected: two'],
  ]) {
    const { raw, responses, closed } = await exchange(server.port, `POST /v1/beacon?key=${SHOP.key} HTTP/1.1\r\nHost: 127.0.0.1\r\n${line}\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const [res] = responses;
    if (responses.length !== 1 || res.status !== 400 || res.json?.error !== 'bad_request' || typeof res.json?.reason !== 'string') {
      problems.push(`${what}: expected one 400 bad_request with a JSON body, got ${describeRaw(raw)}`);
      continue;
    }
    if (!closed) problems.push(`${what}: the connection stays open after the 400`);
    if (res.headers.has('access-control-allow-origin')) problems.push(`${what}: Access-Control-Allow-Origin in ${describeRaw(res.head)}`);
    problems.push(...headInjection(res.head).map((p) => `${what}: ${p}`));
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertStillServing();
});

test('an Origin no project allows is never echoed in Access-Control-Allow-Origin, on any route or refusal', async () => {
  const foreign = ['https://evil.example', 'null', 'https://shop.example.evil.com', 'http://shop.example'];
  const good = JSON.stringify(beacon({ events: [vital('LCP', 1000)] }));
  const problems = [];
  for (const origin of foreign) {
    const answers = {
      'POST /v1/beacon': await postBeacon(server, good, { headers: { Origin: origin } }),
      'POST /v1/beacon (400)': await postBeacon(server, '{"v":1,', { query: { key: SHOP.key }, headers: { Origin: origin } }),
      'POST /v1/beacon (415)': await postBeacon(server, good, { contentType: 'image/png', headers: { Origin: origin } }),
      'OPTIONS /v1/beacon': await request(`${server.url}/v1/beacon?key=${SHOP.key}`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } }),
      'POST /v1/traces': await request(`${server.url}/v1/traces`, { method: 'POST', body: { resourceSpans: [] }, headers: { Origin: origin, 'x-sightline-key': SHOP.key } }),
      'OPTIONS /v1/traces': await request(`${server.url}/v1/traces`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } }),
      'GET /v1/config': await request(`${server.url}/v1/config?key=${SHOP.key}`, { headers: { Origin: origin } }),
      'GET /api/v1/metrics': await request(`${server.url}/api/v1/metrics?project=${SHOP.id}&name=LCP`, { headers: { Origin: origin, Authorization: `Bearer ${SHOP.token}` } }),
      'GET /healthz': await request(`${server.url}/healthz`, { headers: { Origin: origin } }),
    };
    for (const [route, res] of Object.entries(answers)) {
      const allow = res.headers.get('access-control-allow-origin');
      if (allow === origin || allow === '*') problems.push(`${route} from ${origin}: Access-Control-Allow-Origin ${allow} (${describeResponse(res)})`);
    }
    for (const route of ['POST /v1/beacon', 'OPTIONS /v1/beacon', 'POST /v1/traces', 'OPTIONS /v1/traces', 'GET /v1/config']) {
      const res = answers[route];
      if (res.status !== 403 || res.json?.error !== 'origin_not_allowed' || res.json?.field !== 'Origin') {
        problems.push(`${route} from ${origin}: expected 403 origin_not_allowed field Origin, got ${describeResponse(res)}`);
      }
    }
  }
  // One project's origin with another project's key.
  const blogOnShop = await request(`${server.url}/v1/traces`, { method: 'POST', body: { resourceSpans: [] }, headers: { Origin: 'https://blog.example', 'x-sightline-key': SHOP.key } });
  if (blogOnShop.status !== 403 || blogOnShop.headers.get('access-control-allow-origin') !== null) {
    problems.push(`POST /v1/traces from blog's origin with shop's key: ${describeResponse(blogOnShop)}`);
  }
  const configBlog = await request(`${server.url}/v1/config?key=${SHOP.key}`, { headers: { Origin: 'https://blog.example' } });
  if (configBlog.status !== 403 || configBlog.headers.get('access-control-allow-origin') !== null) {
    problems.push(`GET /v1/config from blog's origin with shop's key: ${describeResponse(configBlog)}`);
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertStillServing();
});

test('an Origin carrying a line feed or carriage return is not echoed into the response head when the request line is malformed', async () => {
  // When the request line does not parse, the HTTP layer reads the route and the Origin from the
  // raw bytes to answer the refusal with CORS headers (hostile_http.test.mjs, "refusals by the HTTP
  // layer … carry CORS headers"). A value with a bare LF or CR still "ends with .shop.example"
  // (the ':' inside is followed by ']', so it is not read as a port), so it must be refused as an
  // origin — never written into Access-Control-Allow-Origin, where it would start a header line.
  const problems = [];
  for (const route of ['/v1/beacon', '/v1/traces']) {
    for (const [what, origin] of [
      ['LF', 'https://x\nSet-Cookie: session=stolen; x=].shop.example'],
      ['CR', 'https://x\rSet-Cookie: session=stolen; x=].shop.example'],
    ]) {
      const { raw, responses, closed } = await exchange(server.port,
        `POST ${route}?key=${SHOP.key} HTTP/1.1x\r\nHost: 127.0.0.1\r\nOrigin: ${origin}\r\nX-Sightline-Key: ${SHOP.key}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      const label = `${route}, Origin with a bare ${what}, malformed request line`;
      const [res] = responses;
      if (!res || res.status !== 400) {
        problems.push(`${label}: expected 400, got ${describeRaw(raw)}`);
        continue;
      }
      if (!closed) problems.push(`${label}: the connection stays open after the 400`);
      const injected = headInjection(res.head);
      if (injected.length > 0 || res.head.includes('stolen')) {
        problems.push(`${label}: the Origin was echoed into the head: ${injected.join('; ')}\n    head: ${describeRaw(res.head)}`);
      }
    }
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertStillServing();
});

// ---------------------------------------------------------------------------------------------
// 4. Static files and source-map releases

test('paths that climb out of the web root (/../, %2e%2e, //, encoded slashes) get 404 with a JSON body, never a file', async () => {
  const paths = [
    '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%2E%2E/%2E%2E/etc/passwd', '//etc/passwd',
    '/demo/..%2f..%2fetc/passwd', '/demo/..%2F..%2Fetc%2Fpasswd', '/sightline.js/..', '/demo/../../etc/passwd',
    '/demo/%2e%2e/%2e%2e/etc/passwd', '/..%5c..%5cetc%5cpasswd', '/%00/etc/passwd', '/demo/../sightline.js',
    '/./sightline.js', '/sightline.js%00.html',
  ];
  const problems = [];
  for (const p of paths) {
    const { raw, responses } = await exchange(server.port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const [res] = responses;
    if (!res || ![400, 404].includes(res.status) || typeof res.json?.error !== 'string') {
      problems.push(`GET ${p}: expected 404 (or 400) with a JSON error body, got ${describeRaw(raw)}`);
    } else if (/root:|\/bin\/(ba)?sh/.test(res.body)) {
      problems.push(`GET ${p}: the body looks like a file: ${describeRaw(res.body)}`);
    }
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  // The assets themselves are still served.
  const agent = await request(`${server.url}/sightline.js`);
  assert.equal(agent.status, 200, 'GET /sightline.js');
  await assertStillServing();
});

test('source-map releases with slashes, backslashes, NUL or percent signs are stored in one directory of their own under the project', async () => {
  const auth = { Authorization: `Bearer ${SHOP_UPLOAD}` };
  const dataDir = server.dataDir;
  const projectDir = path.join(dataDir, 'sourcemaps', SHOP.id);
  const beforeFiles = new Set(everyFile(dataDir));
  // Raw query values: the server decodes %XX.
  const releases = {
    '../../../escape': '..%2F..%2F..%2Fescape', '/etc/passwd': '%2Fetc%2Fpasswd', '..\\..\\win': '..%5C..%5Cwin',
    'a\0b': 'a%00b', '%': '%25', '_': '_', '~/.ssh': '~%2F.ssh',
  };
  const problems = [];
  for (const [release, raw] of Object.entries(releases)) {
    const res = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${raw}&url=/hostile/app.js`,
      { method: 'POST', body: MAP, headers: auth });
    if (res.status !== 201 || res.json?.release !== release) {
      problems.push(`release ${JSON.stringify(release)}: expected 201 naming the release, got ${describeResponse(res)}`);
      continue;
    }
    const list = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${raw}`, { headers: auth });
    if (list.status !== 200 || JSON.stringify(list.json?.maps?.map((m) => m.url)) !== '["/hostile/app.js"]') {
      problems.push(`release ${JSON.stringify(release)}: listed as ${describeResponse(list)}`);
    }
  }
  const added = everyFile(dataDir).filter((f) => !beforeFiles.has(f) && !/\.log$/.test(f) && !f.includes(`${path.sep}wal${path.sep}`));
  for (const f of added) {
    const rel = path.relative(projectDir, f).split(path.sep);
    if (rel[0] === '..' || path.isAbsolute(path.relative(projectDir, f)) || rel.length !== 2) {
      problems.push(`a file outside a release directory of sourcemaps/${SHOP.id}/: ${path.relative(dataDir, f)}`);
    }
  }
  if (added.length !== 2 * Object.keys(releases).length) {
    problems.push(`expected a map and an index per release, added: ${JSON.stringify(added.map((f) => path.relative(dataDir, f)))}`);
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertStillServing();
});

test('a source-map release of up to 200 bytes is stored whatever its bytes, and no refusal names a server path', async () => {
  // docs/query-api.md (POST /api/v1/sourcemaps) and error_routes.cc refuse a release over 200
  // bytes with 400 naming `release`; one within 200 bytes is a release like any other. Release
  // directories write each byte other than [A-Za-z0-9.-] as %XX, so 200 such bytes make a name of
  // 600 bytes.
  const auth = { Authorization: `Bearer ${SHOP_UPLOAD}` };
  const releases = {
    '200 letters': 'r'.repeat(200),
    '100 × é (200 bytes of UTF-8)': 'é'.repeat(100),
    'a path of 100 segments': 'a/'.repeat(100),
    '90 slashes': '/'.repeat(90),
  };
  const problems = [];
  for (const [what, release] of Object.entries(releases)) {
    assert.ok(Buffer.byteLength(release) <= 200, `precondition: ${what} is at most 200 bytes`);
    const res = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${encodeURIComponent(release)}&url=/long/app.js`,
      { method: 'POST', body: MAP, headers: auth });
    if (res.text.includes(server.dataDir)) problems.push(`${what}: the answer names the data directory: ${describeResponse(res)}`);
    if (res.status !== 201) {
      problems.push(`${what}: expected 201, got ${describeResponse(res)}`);
      continue;
    }
    const list = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${encodeURIComponent(release)}`, { headers: auth });
    if (JSON.stringify(list.json?.maps?.map((m) => m.url)) !== '["/long/app.js"]') problems.push(`${what}: listed as ${describeResponse(list)}`);
  }
  const over = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${'r'.repeat(201)}&url=/long/app.js`,
    { method: 'POST', body: MAP, headers: auth });
  if (over.status !== 400 || over.json?.field !== 'release') problems.push(`201 bytes: expected 400 naming release, got ${describeResponse(over)}`);
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertStillServing();
});

// ---------------------------------------------------------------------------------------------
// 5. Tokens of another project, or of another kind

// Every /api/v1 route, with its parameters besides `project`, and the route label the server
// reports it under in /metrics (sightline_http_request_duration_seconds{route=…}).
const API_ROUTES = [
  ['api_metrics', 'GET', '/api/v1/metrics?name=LCP'],
  ['api_distribution', 'GET', '/api/v1/distribution?name=LCP'],
  ['api_timeseries', 'GET', '/api/v1/timeseries?name=LCP'],
  ['api_coverage', 'GET', '/api/v1/coverage?'],
  ['api_sessions_summary', 'GET', '/api/v1/sessions/summary?'],
  ['api_conversion', 'GET', '/api/v1/conversion?event=checkout_completed'],
  ['api_compare', 'GET', '/api/v1/compare?a=release:1&b=release:2'],
  ['api_funnel', 'GET', '/api/v1/funnel?steps=page:/a,page:/b'],
  ['api_events', 'GET', '/api/v1/events?'],
  ['api_interactions', 'GET', '/api/v1/interactions?'],
  ['api_forms', 'GET', '/api/v1/forms?'],
  ['api_paths', 'GET', '/api/v1/paths?'],
  ['api_api_calls', 'GET', '/api/v1/api_calls?'],
  ['api_agent', 'GET', '/api/v1/agent?'],
  ['api_navigation', 'GET', '/api/v1/navigation?'],
  ['api_long_frames', 'GET', '/api/v1/long_frames?'],
  ['api_resources', 'GET', '/api/v1/resources?'],
  ['api_sessions', 'GET', '/api/v1/sessions?'],
  ['api_session_timeline', 'GET', '/api/v1/sessions/s-1?'],
  ['api_trace', 'GET', '/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736?'],
  ['api_usage', 'GET', '/api/v1/usage?'],
  ['api_attribution', 'GET', '/api/v1/attribution?name=LCP'],
  ['api_overview', 'GET', '/api/v1/overview?'],
  ['api_crux', 'GET', '/api/v1/crux?'],
  ['api_errors', 'GET', '/api/v1/errors?'],
  ['api_error_group', 'GET', '/api/v1/errors/0123456789abcdef?'],
  ['api_error_status', 'PATCH', '/api/v1/errors/0123456789abcdef?'],
  ['api_sourcemaps_list', 'GET', '/api/v1/sourcemaps?release=1'],
];
// Handled by their own tests below.
const OTHER_API_ROUTES = ['api_projects', 'api_sourcemaps_upload'];

function callApi(method, route, project, token) {
  const url = `${server.url}${route}${route.endsWith('?') ? '' : '&'}project=${project}`;
  return request(url, {
    method, headers: { Authorization: `Bearer ${token}` }, body: method === 'PATCH' ? { status: 'resolved' } : undefined,
  });
}

test("another project's read token is 403 forbidden on every /api/v1 route; ingest keys, upload and server tokens are not read tokens", async () => {
  // The routes the server has: every api_* route label in /metrics must be listed above.
  const { series } = await scrapeMetrics(server);
  const served = new Set();
  for (const key of series.keys()) {
    const m = /^sightline_http_request_duration_seconds_count\{.*route="(api_[a-z_]+)"/.exec(key);
    if (m) served.add(m[1]);
  }
  const listed = new Set([...API_ROUTES.map(([name]) => name), ...OTHER_API_ROUTES]);
  assert.deepEqual([...served].filter((name) => !listed.has(name)).sort(), [],
    'every /api/v1 route the server reports in /metrics is checked here');
  assert.ok(served.size >= API_ROUTES.length, `the server reports its routes in /metrics (${served.size} found)`);

  const problems = [];
  for (const [, method, route] of API_ROUTES) {
    const what = `${method} ${route.replace(/\?$/, '')}`;
    const forbidden = await callApi(method, route, SHOP.id, BLOG.token);
    if (forbidden.status !== 403 || forbidden.json?.error !== 'forbidden' || forbidden.json?.field !== 'project') {
      problems.push(`${what} with blog's read token for shop: expected 403 forbidden field project, got ${describeResponse(forbidden)}`);
    }
    if (/"rows"|"maps"|"sessions"|"groups"|"spans"/.test(forbidden.text)) problems.push(`${what}: data in the refusal: ${forbidden.text}`);
    for (const [kind, token] of [['shop\'s ingest key', SHOP.key], ['shop\'s server token', SHOP_SERVER],
      ...(route.startsWith('/api/v1/sourcemaps') ? [] : [['shop\'s upload token', SHOP_UPLOAD]])]) {
      const res = await callApi(method, route, SHOP.id, token);
      if (res.status !== 401 || res.json?.error !== 'unauthenticated' || res.json?.field !== 'Authorization') {
        problems.push(`${what} with ${kind}: expected 401 unauthenticated field Authorization, got ${describeResponse(res)}`);
      }
    }
  }
  // Blog's upload token may list blog's maps, not shop's.
  const uploadList = await callApi('GET', '/api/v1/sourcemaps?release=1', SHOP.id, BLOG_UPLOAD);
  if (uploadList.status !== 403 || uploadList.json?.field !== 'project') {
    problems.push(`GET /api/v1/sourcemaps with blog's upload token for shop: ${describeResponse(uploadList)}`);
  }
  // /api/v1/projects names the token's own project, whatever `project` says.
  const projects = await callApi('GET', '/api/v1/projects?', SHOP.id, BLOG.token);
  if (projects.status !== 200 || JSON.stringify(projects.json?.projects) !== JSON.stringify([{ id: BLOG.id }])) {
    problems.push(`GET /api/v1/projects?project=shop with blog's token: expected blog only, got ${describeResponse(projects)}`);
  }
  const projectsKey = await callApi('GET', '/api/v1/projects?', SHOP.id, SHOP.key);
  if (projectsKey.status !== 401) problems.push(`GET /api/v1/projects with an ingest key: ${describeResponse(projectsKey)}`);
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);

  // The owner still reads.
  const own = await queryMetrics(server, { project: SHOP.id, name: 'LCP', stats: 'count' });
  assert.equal(own.status, 200, describeResponse(own));
  await assertStillServing();
});

test("source-map uploads: a read token is 403 naming Authorization, another project's upload token 403 naming project, and nothing is stored", async () => {
  const release = uniqueId('maps');
  const upload = (token, project = SHOP.id) => request(`${server.url}/api/v1/sourcemaps?project=${project}&release=${release}&url=/x.js`,
    { method: 'POST', body: MAP, headers: { Authorization: `Bearer ${token}` } });
  assertRefusal(await upload(SHOP.token), 403, 'forbidden', 'Authorization', "shop's read token");
  assertRefusal(await upload(BLOG.token), 403, 'forbidden', 'Authorization', "blog's read token");
  assertRefusal(await upload(BLOG_UPLOAD), 403, 'forbidden', 'project', "blog's upload token for shop");
  assertRefusal(await upload(SHOP.key), 401, 'unauthenticated', 'Authorization', "shop's ingest key");
  assertRefusal(await upload(SHOP_SERVER), 401, 'unauthenticated', 'Authorization', "shop's server token");
  const list = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${release}`,
    { headers: { Authorization: `Bearer ${SHOP_UPLOAD}` } });
  assert.equal(list.status, 200, describeResponse(list));
  assert.deepEqual(list.json.maps, [], 'nothing of the refused uploads is stored');
  // The right token still uploads.
  const ok = await upload(SHOP_UPLOAD);
  assert.equal(ok.status, 201, describeResponse(ok));
  await assertStillServing();
});

test('ingest routes take only ingest keys, and /v1/traffic only server tokens, each for its own project', async () => {
  const release = uniqueId('wrongkind');
  const problems = [];
  for (const [kind, token] of [['a read token', SHOP.token], ['an upload token', SHOP_UPLOAD], ['a server token', SHOP_SERVER]]) {
    const asBeacon = await postBeacon(server, beacon({ key: token, events: [vital('LCP', 1000)], context: { release } }));
    if (asBeacon.status !== 401 || asBeacon.json?.error !== 'unknown_key' || asBeacon.json?.field !== 'key') {
      problems.push(`POST /v1/beacon with ${kind} as the key: ${describeResponse(asBeacon)}`);
    }
    const asTraces = await request(`${server.url}/v1/traces`, { method: 'POST', body: { resourceSpans: [] }, headers: { 'x-sightline-key': token } });
    if (asTraces.status !== 401 || asTraces.json?.code !== 16) problems.push(`POST /v1/traces with ${kind}: ${describeResponse(asTraces)}`);
    const asConfig = await request(`${server.url}/v1/config?key=${encodeURIComponent(token)}`);
    if (asConfig.status !== 401 || asConfig.json?.field !== 'key') problems.push(`GET /v1/config with ${kind}: ${describeResponse(asConfig)}`);
  }
  const minute = Math.floor(Date.now() / 60000) * 60000;
  const route = `/kinds-${process.pid}`;
  const counts = { counts: [{ minute, route, requests: 777 }] };
  for (const [kind, headers] of [
    ["shop's read token", { Authorization: `Bearer ${SHOP.token}` }],
    ["shop's upload token", { Authorization: `Bearer ${SHOP_UPLOAD}` }],
    ["shop's public ingest key as a bearer token", { Authorization: `Bearer ${SHOP.key}` }],
    ["shop's public ingest key in X-Sightline-Key", { 'X-Sightline-Key': SHOP.key }],
  ]) {
    const res = await request(`${server.url}/v1/traffic`, { method: 'POST', body: counts, headers });
    if (res.status !== 401 || res.json?.error !== 'unauthenticated' || res.json?.field !== 'Authorization' || !/server_tokens/.test(res.json?.reason ?? '')) {
      problems.push(`POST /v1/traffic with ${kind}: expected 401 unauthenticated field Authorization naming server_tokens, got ${describeResponse(res)}`);
    }
  }
  // Blog's server token counts for blog only.
  const blogPost = await request(`${server.url}/v1/traffic`, { method: 'POST', body: counts, headers: { Authorization: `Bearer ${BLOG_SERVER}` } });
  if (blogPost.status !== 202 || blogPost.json?.accepted !== 1) problems.push(`POST /v1/traffic with blog's server token: ${describeResponse(blogPost)}`);
  const range = `&from=${isoSeconds(minute - 3600_000)}&to=${isoSeconds(minute + 3600_000)}&filter=${encodeURIComponent(`route:${route}`)}`;
  const shopCoverage = await request(`${server.url}/api/v1/coverage?project=${SHOP.id}${range}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  const blogCoverage = await request(`${server.url}/api/v1/coverage?project=${BLOG.id}${range}`, { headers: { Authorization: `Bearer ${BLOG.token}` } });
  if (shopCoverage.json?.page_requests !== 0) problems.push(`shop counted requests it was never sent: ${describeResponse(shopCoverage)}`);
  if (blogCoverage.json?.page_requests !== 777) problems.push(`blog's count: ${describeResponse(blogCoverage)}`);
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  await assertNothingStored(release);
  await assertStillServing();
});

// ---------------------------------------------------------------------------------------------
// 6. Framing and slow clients

test('a chunked body over limits.max_body_bytes is 413 and a chunk size that overflows is 400, each closing the connection', async () => {
  const big = Buffer.alloc(70000, 0x20);
  const head = `POST /v1/beacon?key=${SHOP.key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const overLimit = await exchange(server.port, [head, `${big.length.toString(16)}\r\n`, big, '\r\n0\r\n\r\n']);
  assert.equal(overLimit.responses.length, 1, describeRaw(overLimit.raw));
  assert.equal(overLimit.responses[0].status, 413, describeRaw(overLimit.raw));
  assert.equal(overLimit.responses[0].json?.error, 'too_large', describeRaw(overLimit.raw));
  assert.equal(overLimit.responses[0].json?.field, 'body', describeRaw(overLimit.raw));
  assert.ok(overLimit.closed, 'the connection is closed after the 413');
  // Many small chunks add up too.
  const chunks = Array.from({ length: 70 }, () => `3e8\r\n${' '.repeat(1000)}\r\n`).join('');
  const manyChunks = await exchange(server.port, [head, chunks, '0\r\n\r\n']);
  assert.equal(manyChunks.responses[0]?.status, 413, describeRaw(manyChunks.raw));
  const overflow = await exchange(server.port, `${head}ffffffffffffffffffffffff\r\nabc\r\n0\r\n\r\n`);
  assert.equal(overflow.responses.length, 1, describeRaw(overflow.raw));
  assert.equal(overflow.responses[0].status, 400, describeRaw(overflow.raw));
  assert.equal(overflow.responses[0].json?.error, 'bad_request', describeRaw(overflow.raw));
  assert.ok(overflow.closed, 'the connection is closed after the 400');
  await assertStillServing();
});

test('request headers trickled slower than server.request_timeout_ms are cut off, and fifty such clients do not delay /healthz', async (t) => {
  const before = metricSum((await scrapeMetrics(server)).series, 'sightline_connections_timed_out_total') ?? 0;
  const clients = await Promise.all(Array.from({ length: 50 }, async () => {
    const socket = await connectSocket(server.port);
    socket.on('error', () => {});
    return { socket, state: watchSocket(socket) };
  }));
  const t0 = Date.now();
  // Each sends a request line, then one header byte every 200 ms, never ending its header.
  for (const { socket } of clients) socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
  const trickle = (async () => {
    while (Date.now() - t0 < REQUEST_TIMEOUT_MS + 2500 && clients.some((c) => c.state.closedAt === null)) {
      for (const { socket, state } of clients) if (state.closedAt === null) socket.write('a');
      await sleep(200);
    }
  })();
  await sleep(500);
  const started = performance.now();
  const health = await request(`${server.url}/healthz`, { timeoutMs: 3000 });
  const healthzMs = performance.now() - started;
  await trickle;
  const open = clients.filter((c) => c.state.closedAt === null).length;
  const answered = clients.filter((c) => c.state.data.length > 0).length;
  const slowest = Math.max(...clients.map((c) => (c.state.closedAt ?? Date.now()) - t0));
  for (const { socket } of clients) socket.destroy();
  t.diagnostic(`/healthz answered in ${healthzMs.toFixed(0)} ms while 50 clients trickled; the last was cut off after ${slowest} ms`);
  assert.equal(health.status, 200, describeResponse(health));
  assert.ok(healthzMs < 2000, `/healthz answered within 2 s (${healthzMs.toFixed(0)} ms)`);
  assert.equal(open, 0, `every trickling client is cut off within request_timeout_ms (${REQUEST_TIMEOUT_MS} ms) + 2.5 s`);
  assert.equal(answered, 0, 'a timed-out connection is closed without a response (docs/protocol.md §12)');
  const afterCount = metricSum((await scrapeMetrics(server)).series, 'sightline_connections_timed_out_total') ?? 0;
  assert.ok(afterCount - before >= 50, `sightline_connections_timed_out_total grew by ${afterCount - before} (expected at least 50)`);
  await assertStillServing();
});
