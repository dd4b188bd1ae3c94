// Hostile HTTP: what a client that does not play by the rules can do to the server. Stalled
// `Expect: 100-continue` pipelines, request smuggling through Transfer-Encoding and Content-Length,
// spoofed X-Forwarded-For lines, IPv6 clients rotating addresses within their /64, query ranges
// that overflow, source-map releases that name directories, bodies buffered before the request is
// authenticated, OTLP exports that inflate to millions of spans, and the headers of the HTTP
// layer's own refusals, of 304 answers and of the dashboard.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, connectSocket, describeRaw, describeResponse, everyFile, exchange,
  finalResponses, pageView, request, settlesWithin, sleep, startServer, watchSocket,
} from './helpers.mjs';

const UPLOAD_TOKEN = 'up_shop_hostile';
const ORIGIN = 'https://shop.example';

// ---------------------------------------------------------------------------------------------
// Raw HTTP

// Whether a fresh connection gets `GET /healthz` answered with 200 within `ms`.
async function healthzWithin(port, ms) {
  let socket;
  try {
    socket = await connectSocket(port);
  } catch {
    return false;
  }
  const state = watchSocket(socket);
  socket.on('error', () => {});
  socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  const deadline = Date.now() + ms;
  while (!/^HTTP\/1\.1 200/.test(state.data) && state.closedAt === null && Date.now() < deadline) await sleep(10);
  socket.destroy();
  return /^HTTP\/1\.1 200/.test(state.data);
}

function vmStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

// User and system CPU time of a process, in clock ticks.
function cpuTicks(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const MB = 1024 * 1024;
const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

// Stops a server within a bounded time: SIGTERM, then SIGKILL when it does not exit (a server
// whose I/O threads are stuck does not).
async function stopQuickly(server) {
  if (!server) return;
  try {
    await server.stop('SIGTERM', 3000);
  } catch {
    /* SIGKILLed by stop() */
  }
}

// Caps the server's address space, so that a defect that allocates without bound ends the server
// instead of the machine's memory.
function capMemory(server, bytes) {
  // ThreadSanitizer maps its shadow memory as the process grows, which an address-space cap
  // breaks; that run is about races, the others prove the bound.
  if (process.env.SIGHTLINE_SANITIZER === 'thread') return;
  const run = spawnSync('prlimit', [`--pid=${server.pid}`, `--as=${bytes}:${bytes}`], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new Error(`prlimit (util-linux) could not cap the server's memory: ${run.error?.message ?? run.stderr}`);
  }
}

function withUploadToken(config) {
  config.projects = config.projects.map((p) => (p.id === SHOP.id ? { ...p, upload_tokens: [UPLOAD_TOKEN] } : p));
  return config;
}

// ---------------------------------------------------------------------------------------------
// Protobuf (hand-encoded, as on the wire)

function varint(n) {
  let v = BigInt(n);
  const bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    bytes.push(b);
  } while (v > 0n);
  return Buffer.from(bytes);
}
const tag = (field, wire) => varint((field << 3) | wire);
const lengthDelimited = (field, bytes) => Buffer.concat([tag(field, 2), varint(bytes.length), bytes]);
function fixed64(field, value) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return Buffer.concat([tag(field, 1), b]);
}

// ExportTraceServiceRequest{resource_spans=1{scope_spans=2{spans=2 x count}}} of identical tiny
// spans: Span{trace_id=1, span_id=2, name=5, start_time_unix_nano=7, end_time_unix_nano=8}.
function otlpExport(count) {
  const startNs = BigInt(Date.now()) * 1000000n;
  const span = Buffer.concat([
    lengthDelimited(1, Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex')),
    lengthDelimited(2, Buffer.from('00f067aa0ba902b7', 'hex')),
    lengthDelimited(5, Buffer.from('GET /x')),
    fixed64(7, startNs),
    fixed64(8, startNs + 1000000n),
  ]);
  const one = lengthDelimited(2, span);
  const scope = Buffer.concat(Array.from({ length: count }, () => one));
  return lengthDelimited(1, lengthDelimited(2, scope));
}

function otlpJsonExport(count) {
  const startNs = BigInt(Date.now()) * 1000000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'GET /x', startTimeUnixNano: String(startNs), endTimeUnixNano: String(startNs + 1000000n),
  }));
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
}

// google.rpc.Status{code=1 (int32), message=2 (string)}; null when the bytes are not one.
function decodeRpcStatus(bytes) {
  const out = {};
  let at = 0;
  const readVarint = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new Error('truncated');
      const b = bytes[at++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  try {
    while (at < bytes.length) {
      const key = Number(readVarint());
      const field = key >> 3;
      const wire = key & 7;
      if (wire === 0) {
        const v = readVarint();
        if (field === 1) out.code = Number(v);
      } else if (wire === 2) {
        const len = Number(readVarint());
        if (at + len > bytes.length) return null;
        const slice = bytes.subarray(at, at + len);
        at += len;
        if (field === 2) out.message = slice.toString('utf8');
      } else {
        return null;
      }
    }
  } catch {
    return null;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The server shared by the tests whose configuration is the base one (with an upload token).

let shared;

before(async () => {
  shared = await startServer(withUploadToken(baseConfig()));
});

after(async () => {
  await stopQuickly(shared);
});

// ---------------------------------------------------------------------------------------------
// 1. Expect: 100-continue

test('clients that pipeline Expect: 100-continue requests and never read do not freeze the server', async (t) => {
  // The server answers `100 Continue` before reading each body. Sixteen connections pipeline
  // thousands of small POSTs with `Expect: 100-continue` and never read an answer, so the
  // server's send buffers fill. Checked: once the server has stopped taking their bytes, fresh
  // connections (one per I/O thread) still get GET /healthz answered within 2 s.
  const server = await startServer(baseConfig({ server: { io_threads: 4 } }));
  const sockets = [];
  try {
    const body = 'x';
    const one = `POST /no-such-endpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const pipeline = Buffer.from(one.repeat(Math.ceil((4 * MB) / one.length)));
    for (let i = 0; i < 16; i++) {
      const socket = await connectSocket(server.port);
      socket.pause(); // never read
      socket.on('error', () => {});
      socket.write(pipeline);
      sockets.push(socket);
    }
    // Wait until the server has done what it can: its CPU time stops growing (the answers are
    // unread, so every connection soon waits for its send buffer to drain).
    const t0 = Date.now();
    let last = cpuTicks(server.pid);
    let stableSince = Date.now();
    while (Date.now() - t0 < 15000 && Date.now() - stableSince < 750) {
      await sleep(250);
      const now = cpuTicks(server.pid);
      if (now !== last) stableSince = Date.now();
      last = now;
    }
    t.diagnostic(`the server went idle ${((Date.now() - t0) / 1000).toFixed(1)} s after the pipelines were written`);
    const probes = await Promise.all(Array.from({ length: 4 }, () => healthzWithin(server.port, 2000)));
    assert.deepEqual(probes, [true, true, true, true],
      `GET /healthz on fresh connections (one per I/O thread) answered within 2 s: ${probes.join(', ')}`);
  } finally {
    for (const s of sockets) s.destroy();
    await stopQuickly(server);
  }
});

// ---------------------------------------------------------------------------------------------
// 2. Request smuggling

// Each request carries a second one (GET /healthz) where a server that reads the body's length
// differently from a proxy in front of it would see a new request. Checked: one answer, naming
// the header, then the connection is closed.

test('a Transfer-Encoding other than chunked is refused with 501, and the body is not run as a request', async () => {
  // Read as a body of no length, the smuggled GET /healthz would be answered on the same
  // connection.
  const smuggled = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const { raw, responses, closed } = await exchange(shared.port,
    `POST /v1/beacon?key=${SHOP.key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n` +
    `Transfer-Encoding: gzip\r\n\r\n${smuggled}`);
  assert.equal(responses.length, 1, `exactly one response: ${describeRaw(raw)}`);
  const [res] = responses;
  assert.equal(res.status, 501, describeRaw(raw));
  assert.equal(res.json?.field, 'Transfer-Encoding', describeRaw(raw));
  assert.match(res.json?.reason ?? '', /chunked/i, describeRaw(raw));
  assert.ok(closed, `the connection is closed after the refusal: ${describeRaw(raw)}`);
});

test('Content-Length together with Transfer-Encoding: chunked is refused with 400 and the connection closed', async () => {
  const payload = JSON.stringify(beacon({ events: [pageView()] }));
  const chunked = `${payload.length.toString(16)}\r\n${payload}\r\n0\r\n\r\n`;
  const smuggled = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const { raw, responses, closed } = await exchange(shared.port,
    `POST /v1/beacon?key=${SHOP.key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${chunked.length}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}${smuggled}`);
  assert.equal(responses.length, 1, `exactly one response: ${describeRaw(raw)}`);
  const [res] = responses;
  assert.equal(res.status, 400, describeRaw(raw));
  assert.equal(res.json?.field, 'Transfer-Encoding', describeRaw(raw));
  assert.ok(closed, `the connection is closed after the refusal: ${describeRaw(raw)}`);
});

test('two different Content-Length headers are refused with 400 naming Content-Length, and the connection closed', async () => {
  const smuggled = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const { raw, responses, closed } = await exchange(shared.port,
    `POST /v1/beacon?key=${SHOP.key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n` +
    `Content-Length: 2\r\nContent-Length: ${2 + smuggled.length}\r\n\r\n{}${smuggled}`);
  assert.equal(responses.length, 1, `exactly one response: ${describeRaw(raw)}`);
  const [res] = responses;
  assert.equal(res.status, 400, describeRaw(raw));
  assert.equal(res.json?.field, 'Content-Length', describeRaw(raw));
  assert.ok(closed, `the connection is closed after the refusal: ${describeRaw(raw)}`);
});

// ---------------------------------------------------------------------------------------------
// 3, 4. Rate-limit buckets behind a trusted proxy

let proxied;
async function proxiedServer() {
  proxied ??= await startServer(baseConfig({
    server: { trusted_proxies: ['127.0.0.1'] },
    limits: { beacons_per_second_per_client: 1 },
  }));
  return proxied;
}
after(async () => { await stopQuickly(proxied); });

// POSTs a beacon from 127.0.0.1 (a trusted proxy) with the given X-Forwarded-For header lines.
async function beaconVia(server, forwardedLines) {
  const body = JSON.stringify(beacon({ events: [pageView()] }));
  const xff = forwardedLines.map((v) => `X-Forwarded-For: ${v}\r\n`).join('');
  const { raw, responses } = await exchange(server.port,
    `POST /v1/beacon?key=${SHOP.key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n${xff}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    { done: (data) => finalResponses(data).length > 0 });
  assert.equal(responses.length, 1, describeRaw(raw));
  return responses[0].status;
}

test('a client cannot escape its rate limit by writing its own X-Forwarded-For line in front of the proxy\'s', async () => {
  // Two header lines of one field are one list, in order: "1.2.3.N, 203.0.113.9". The rightmost
  // address that is not a trusted proxy is the client: 203.0.113.9 every time.
  const server = await proxiedServer();
  const statuses = [];
  for (let n = 1; n <= 3; n++) statuses.push(await beaconVia(server, [`1.2.3.${n}`, '203.0.113.9']));
  assert.deepEqual(statuses, [202, 429, 429],
    `one visitor (203.0.113.9) with a forged first X-Forwarded-For line gets one rate-limit bucket: ${statuses.join(', ')}`);
});

test('IPv6 visitors share one rate-limit bucket per /64', async () => {
  const server = await proxiedServer();
  const statuses = [];
  for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::abcd', '2001:db8:1:2:ffff::7']) {
    statuses.push(await beaconVia(server, [address]));
  }
  const other = await beaconVia(server, ['2001:db8:1:3::1']);
  assert.deepEqual(statuses, [202, 429, 429],
    `addresses of one /64 (2001:db8:1:2::/64) share a bucket: ${statuses.join(', ')}`);
  assert.equal(other, 202, 'another /64 (2001:db8:1:3::/64) has its own bucket');
});

// ---------------------------------------------------------------------------------------------
// 5. Query ranges

// Every GET /api/v1 route that reads from/to, with the parameters it needs besides them.
const RANGE_ROUTES = [
  '/api/v1/metrics?name=LCP',
  '/api/v1/distribution?name=LCP',
  '/api/v1/timeseries?name=LCP',
  '/api/v1/coverage?',
  '/api/v1/sessions/summary?',
  '/api/v1/conversion?event=checkout_completed',
  '/api/v1/compare?a=release:1&b=release:2',
  '/api/v1/funnel?steps=page:/a,page:/b',
  '/api/v1/events?',
  '/api/v1/interactions?',
  '/api/v1/forms?',
  '/api/v1/paths?',
  '/api/v1/api_calls?',
  '/api/v1/agent?',
  '/api/v1/navigation?',
  '/api/v1/long_frames?',
  '/api/v1/resources?',
  '/api/v1/sessions?',
  '/api/v1/sessions/s-1?',
  '/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736?',
  '/api/v1/usage?',
  '/api/v1/attribution?name=LCP',
  '/api/v1/overview?',
  '/api/v1/errors?',
  '/api/v1/errors/0123456789abcdef?',
];
// Ranges outside what a timestamp can be.
const BAD_RANGES = [
  { query: 'from=0000-01-01&to=9223372036854775807', fields: ['from', 'to'] },
  { query: 'to=-9223372036854775808', fields: ['to'] },
  { query: 'from=99999999999999999999', fields: ['from'] },
];
// The refusal's reason names the range a time may be in.
const RANGE_REASON = /range|between|\b1970\b|\b9999\b|\byears?\b|at (?:most|least)|within/i;
// Intervals (and a funnel's window) whose milliseconds overflow: 576460752303423548m is
// 2^59 + 60 minutes, which wraps to exactly one hour in 64-bit arithmetic.
const BAD_DURATIONS = [
  { route: '/api/v1/timeseries?name=LCP', query: 'interval=576460752303423548m', field: 'interval' },
  { route: '/api/v1/timeseries?name=LCP', query: 'interval=9223372036854775807m', field: 'interval' },
  { route: '/api/v1/timeseries?name=LCP', query: 'interval=99999999999999999999d', field: 'interval' },
  { route: '/api/v1/overview?', query: 'interval=576460752303423548m', field: 'interval' },
  { route: '/api/v1/overview?', query: 'interval=9223372036854775807m', field: 'interval' },
  { route: '/api/v1/funnel?steps=page:/a,page:/b', query: 'window=576460752303423548m', field: 'window' },
];

test('query ranges and intervals beyond what a time can be are refused with 400, and the server keeps answering', async (t) => {
  // Every case must be refused with 400 naming the parameter (from or to: the reason names the
  // range a time may be in), and /healthz must answer after it. The server's address space is
  // capped at 1 GiB: a query that allocates without bound ends the server (which is then
  // restarted for the next case) rather than the machine's memory.
  const cases = [];
  for (const route of RANGE_ROUTES) {
    for (const range of BAD_RANGES) cases.push({ route, query: range.query, fields: range.fields, range: true });
  }
  // The dashboard asks for its overview in buckets.
  for (const range of BAD_RANGES) {
    cases.push({ route: '/api/v1/overview?interval=1h', query: range.query, fields: range.fields, range: true });
  }
  // CrUX takes `to` only (its window is the 28 days before it).
  for (const query of ['to=9223372036854775807', 'to=-9223372036854775808']) {
    cases.push({ route: '/api/v1/crux?', query, fields: ['to'], range: true });
  }
  for (const d of BAD_DURATIONS) cases.push({ route: d.route, query: d.query, fields: [d.field], range: false });

  const start = async () => {
    const s = await startServer(baseConfig());
    capMemory(s, 1024 * MB);
    return s;
  };
  let server = await start();
  const problems = [];
  let restarts = 0;
  try {
    for (const c of cases) {
      const url = `${c.route}${c.route.endsWith('?') ? '' : '&'}project=${SHOP.id}&${c.query}`;
      let res;
      try {
        res = await request(`${server.url}${url}`, { headers: { Authorization: `Bearer ${SHOP.token}` }, timeoutMs: 4000 });
      } catch (err) {
        res = { status: `no answer (${err.name})`, text: '' };
      }
      const alive = await healthzWithin(server.port, 1000);
      const got = `${res.status} ${res.text.slice(0, 160)}`;
      if (res.status !== 400 || !c.fields.includes(res.json?.field)) {
        problems.push(`${url}: expected 400 naming ${c.fields.join(' or ')}, got ${got}`);
      } else if (c.range && !RANGE_REASON.test(res.json?.reason ?? '')) {
        problems.push(`${url}: the reason does not name the accepted range: ${got}`);
      }
      if (!alive) {
        const exit = server.proc.exitCode ?? server.proc.signalCode ?? 'running, unresponsive';
        problems.push(`${url}: /healthz did not answer afterwards (server: ${exit})`);
        await stopQuickly(server);
        server = await start();
        restarts += 1;
      }
    }
  } finally {
    await stopQuickly(server);
  }
  t.diagnostic(`${cases.length} cases, ${problems.length} problems, ${restarts} restarts`);
  assert.ok(problems.length === 0, `${problems.length} of ${cases.length} cases:\n${problems.join('\n')}`);
});

// ---------------------------------------------------------------------------------------------
// 6. Source-map releases that name directories

test('source maps of releases ".." and "." stay in a directory of their own under the project', async () => {
  // A release's maps (<hash>.map) and their index (index.jsonl) are written to
  // <data_dir>/sourcemaps/<project>/<release>/, the release's name kept as is but for bytes other
  // than [A-Za-z0-9.-] (written %XX): so release ".." would name <data_dir>/sourcemaps/ itself,
  // and "." the project's directory, where a restart does not look for them. Checked: both uploads are accepted, every file they add is in a directory
  // below <data_dir>/sourcemaps/shop/, and each release lists its map, also after a restart.
  const config = withUploadToken(baseConfig());
  let server = await startServer(config);
  const { dataDir } = server;
  const projectDir = path.join(dataDir, 'sourcemaps', SHOP.id);
  const map = JSON.stringify({ version: 3, sources: ['app.ts'], names: [], mappings: 'AAAA' });
  const auth = { authorization: `Bearer ${UPLOAD_TOKEN}` };
  const list = (release) => request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${encodeURIComponent(release)}`,
    { headers: auth });
  try {
    const before = new Set(everyFile(dataDir));
    for (const release of ['..', '.']) {
      const res = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=${encodeURIComponent(release)}` +
        `&url=${encodeURIComponent(`/r/${release}/app.js`)}`, { method: 'POST', body: map, headers: auth });
      assert.ok(res.status >= 200 && res.status < 300, `release ${release}: ${describeResponse(res)}`);
    }
    const added = everyFile(dataDir).filter((f) => !before.has(f));
    const misplaced = added.filter((f) => {
      const rel = path.relative(projectDir, f);
      return rel.split(path.sep)[0] === '..' || path.isAbsolute(rel) || !rel.includes(path.sep);
    }).filter((f) => f.includes(`${path.sep}sourcemaps`) || /\.map$|index\.jsonl$/.test(f));
    assert.deepEqual(misplaced.map((f) => path.relative(dataDir, f)), [],
      `files written outside a release directory under sourcemaps/${SHOP.id}/ (all added: ` +
      `${JSON.stringify(added.map((f) => path.relative(dataDir, f)))})`);
    for (const release of ['..', '.']) {
      const res = await list(release);
      assert.equal(res.status, 200, describeResponse(res));
      assert.deepEqual(res.json.maps.map((m) => m.url), [`/r/${release}/app.js`], `release ${release}: ${res.text}`);
    }
    await server.stop();
    server = await startServer(config, { dataDir });
    for (const release of ['..', '.']) {
      const res = await list(release);
      assert.equal(res.status, 200, describeResponse(res));
      assert.deepEqual(res.json.maps.map((m) => m.url), [`/r/${release}/app.js`],
        `release ${release} after a restart: ${res.text}`);
    }
  } finally {
    await stopQuickly(server);
  }
});

// ---------------------------------------------------------------------------------------------
// 7. Bodies of unauthenticated requests

const BIG_LENGTH = 60000000;
const UNAUTHENTICATED_HEADS = {
  '/v1/traces': `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${BIG_LENGTH}\r\n\r\n`,
  '/api/v1/sourcemaps': `POST /api/v1/sourcemaps?project=${SHOP.id}&release=1&url=/app.js HTTP/1.1\r\n` +
    `Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${BIG_LENGTH}\r\n\r\n`,
};

// Sends `head` then up to `length` body bytes, 1 MiB at a time, until the server answers or
// closes the connection (or `timeoutMs` passes). Returns {raw, sent, answeredAt}.
async function sendUntilAnswered(port, head, length, timeoutMs) {
  const socket = await connectSocket(port);
  const state = watchSocket(socket);
  socket.on('error', () => {});
  const chunk = Buffer.alloc(MB, 0x61);
  const answered = () => state.closedAt !== null || finalResponses(state.data).length > 0;
  const deadline = Date.now() + timeoutMs;
  socket.write(head);
  let sent = 0;
  while (sent < length && !answered() && Date.now() < deadline) {
    const part = chunk.subarray(0, Math.min(chunk.length, length - sent));
    sent += part.length;
    if (!socket.write(part)) {
      await Promise.race([new Promise((r) => socket.once('drain', r)), state.closed, sleep(200)]);
    }
  }
  while (!answered() && Date.now() < deadline) await sleep(10);
  socket.destroy();
  return { raw: state.data, sent };
}

test('a large upload without credentials is answered 401 at once, and its body is not buffered', async (t) => {
  const server = await startServer(withUploadToken(baseConfig({
    limits: { max_sourcemap_bytes: 67108864, max_trace_bytes: 67108864 },
  })));
  try {
    const problems = [];
    // Headers only: the answer must not wait for the body.
    for (const [route, head] of Object.entries(UNAUTHENTICATED_HEADS)) {
      const socket = await connectSocket(server.port);
      const state = watchSocket(socket);
      socket.on('error', () => {});
      socket.write(head);
      const t0 = Date.now();
      while (finalResponses(state.data).length === 0 && state.closedAt === null && Date.now() - t0 < 2000) await sleep(10);
      const answeredIn = Date.now() - t0;
      const closed = await settlesWithin(state.closed, 1000);
      socket.destroy();
      const [res] = finalResponses(state.data);
      if (res?.status !== 401) {
        problems.push(`${route} without credentials, Content-Length ${BIG_LENGTH}, no body sent: expected 401 ` +
          `within 2 s, got ${res ? res.status : 'nothing'} in ${answeredIn} ms ${describeRaw(state.data)}`);
      } else if (!closed) {
        problems.push(`${route}: the connection stays open after the 401`);
      }
    }

    // Eight such requests that do send their bodies.
    const before = vmStatus(server.pid);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => {
      const head = Object.values(UNAUTHENTICATED_HEADS)[i % 2];
      return sendUntilAnswered(server.port, head, BIG_LENGTH, 20000);
    }));
    const afterStatus = vmStatus(server.pid);
    const growth = afterStatus.hwm - before.hwm;
    t.diagnostic(`peak RSS ${mb(before.hwm)} -> ${mb(afterStatus.hwm)} (RSS now ${mb(afterStatus.rss)}); ` +
      `body bytes sent per request: ${results.map((r) => mb(r.sent)).join(', ')}`);
    for (const r of results) {
      const status = finalResponses(r.raw)[0]?.status;
      if (status !== 401) problems.push(`a 60 MB upload without credentials: expected 401, got ${describeRaw(r.raw)}`);
    }
    if (growth >= 64 * MB) {
      problems.push(`peak RSS grew by ${mb(growth)} over 8 unauthenticated 60 MB uploads (limit 64 MB)`);
    }
    assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
  } finally {
    await stopQuickly(server);
  }
});

// ---------------------------------------------------------------------------------------------
// 8. OTLP exports that inflate to many spans

// Sends `times` requests one after another on one connection; returns the responses.
async function sendSequentially(port, requestBytes, times, timeoutMs) {
  const socket = await connectSocket(port);
  const state = watchSocket(socket);
  socket.on('error', () => {});
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < times && state.closedAt === null; i++) {
    socket.write(requestBytes);
    while (finalResponses(state.data).length <= i && state.closedAt === null && Date.now() < deadline) await sleep(10);
  }
  socket.destroy();
  return finalResponses(state.data);
}

function otlpRequest(body, contentType) {
  return Buffer.concat([Buffer.from(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sightline-Key: ${SHOP.key}\r\n` +
    `Content-Type: ${contentType}\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
}

test('an OTLP export of more spans than limits.max_spans_per_export is refused with 413, and such exports do not hold memory', async (t) => {
  // One export: ~8 KiB of gzip that inflates to ~2.8 MB (under limits.max_trace_bytes) of 50000
  // tiny spans, far more than limits.max_spans_per_export (10000 by default). Sent 3 times on
  // each of 4 connections (one per I/O thread).
  const server = await startServer(baseConfig());
  try {
    const raw = otlpExport(50000);
    const body = zlib.gzipSync(raw, { level: 9 });
    t.diagnostic(`export: ${(body.length / 1024).toFixed(1)} KiB gzip, ${mb(raw.length)} inflated`);
    const before = vmStatus(server.pid);
    const perConnection = await Promise.all(Array.from({ length: 4 },
      () => sendSequentially(server.port, otlpRequest(body, 'application/x-protobuf'), 3, 30000)));
    const after = vmStatus(server.pid);
    t.diagnostic(`RSS ${mb(before.rss)} -> ${mb(after.rss)}; statuses ${perConnection.map((rs) => rs.map((r) => r.status).join('/')).join(', ')}`);

    const [first] = perConnection[0];
    assert.ok(first, 'the export was answered');
    assert.equal(first.status, 413, `protobuf export of 50000 spans: ${describeRaw(first.head)}`);
    assert.match(first.headers.get('content-type') ?? '', /^application\/x-protobuf/, first.head);
    const status = decodeRpcStatus(first.body);
    assert.ok(status && status.code > 0 && /max_spans_per_export/.test(status.message ?? ''),
      `a google.rpc.Status naming limits.max_spans_per_export: ${JSON.stringify(status)}`);

    const json = zlib.gzipSync(otlpJsonExport(20000));
    const [jsonRes] = await sendSequentially(server.port, otlpRequest(json, 'application/json'), 1, 15000);
    assert.equal(jsonRes?.status, 413, `JSON export of 20000 spans: ${describeRaw(jsonRes?.head ?? '')}`);
    assert.match(jsonRes.headers.get('content-type') ?? '', /^application\/json/);
    assert.ok(Number.isInteger(jsonRes.json?.code) && /max_spans_per_export/.test(jsonRes.json?.message ?? ''),
      `the JSON form of google.rpc.Status: ${jsonRes.body.toString('utf8').slice(0, 300)}`);

    assert.ok(after.rss - before.rss < 100 * MB, `RSS grew by ${mb(after.rss - before.rss)} (limit 100 MB)`);
  } finally {
    await stopQuickly(server);
  }
});

// ---------------------------------------------------------------------------------------------
// 9. The HTTP layer's 413 on /v1/traces

test('an OTLP export over limits.max_trace_bytes by its Content-Length gets an OTLP google.rpc.Status 413', async () => {
  // The route's own 413 (a gzip body that inflates past limits.max_trace_bytes, 8 MiB by default)
  // is the reference: the refusal by Content-Length must have the same form.
  const inflating = zlib.gzipSync(Buffer.alloc(9 * MB));
  const tooLong = (contentType) => `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sightline-Key: ${SHOP.key}\r\n` +
    `Content-Type: ${contentType}\r\nContent-Length: ${8 * MB + 1}\r\n\r\n`;
  const once = async (data) => {
    const { raw, responses } = await exchange(shared.port, data, { done: (d) => finalResponses(d).length > 0 });
    assert.equal(responses.length, 1, describeRaw(raw));
    return responses[0];
  };

  const routeProto = await once(otlpRequest(inflating, 'application/x-protobuf'));
  assert.equal(routeProto.status, 413, `reference: ${routeProto.head}`);
  const layerProto = await once(tooLong('application/x-protobuf'));
  assert.equal(layerProto.status, 413, layerProto.head);
  assert.equal(layerProto.headers.get('content-type'), routeProto.headers.get('content-type'),
    `protobuf export refused by Content-Length: ${layerProto.head}\n${layerProto.body.toString('latin1')}`);
  const status = decodeRpcStatus(layerProto.body);
  assert.ok(status && status.code === decodeRpcStatus(routeProto.body).code && /max_trace_bytes/.test(status.message ?? ''),
    `a google.rpc.Status naming limits.max_trace_bytes: ${JSON.stringify(status)}`);

  const routeJson = await once(otlpRequest(inflating, 'application/json'));
  assert.equal(routeJson.status, 413, `reference: ${routeJson.head}`);
  const layerJson = await once(tooLong('application/json'));
  assert.equal(layerJson.status, 413, layerJson.head);
  assert.match(layerJson.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(Object.keys(layerJson.json ?? {}).sort(), Object.keys(routeJson.json).sort(),
    `the JSON form of google.rpc.Status, as the route's own 413 (${routeJson.body}): ${layerJson.body}`);
  assert.equal(layerJson.json.code, routeJson.json.code, layerJson.body.toString('utf8'));
});

// ---------------------------------------------------------------------------------------------
// 10. CORS on the HTTP layer's refusals

test('refusals by the HTTP layer (413, 431, 400) carry CORS headers for an allowed origin', async () => {
  // A page must be able to read why its beacon or export was refused.
  const routes = {
    '/v1/beacon': { target: `/v1/beacon?key=${SHOP.key}`, type: 'text/plain', limit: 65536 },
    '/v1/traces': { target: '/v1/traces', type: 'application/json', limit: 8 * MB },
  };
  const problems = [];
  for (const [name, r] of Object.entries(routes)) {
    const start = `POST ${r.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN}\r\nX-Sightline-Key: ${SHOP.key}\r\n` +
      `Content-Type: ${r.type}\r\n`;
    const cases = {
      413: `${start}Content-Length: ${r.limit + 1}\r\n\r\n`,
      431: `${start}X-Filler: ${'a'.repeat(20 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`,
      400: `${start}This line is not a header\r\nContent-Length: 2\r\n\r\n{}`,
    };
    for (const [status, data] of Object.entries(cases)) {
      const { raw, responses } = await exchange(shared.port, data, { done: (d) => finalResponses(d).length > 0 });
      const res = responses[0];
      const what = `${name} ${status}: ${describeRaw(raw)}`;
      if (res?.status !== Number(status)) {
        problems.push(`${what} (status)`);
        continue;
      }
      if (res.headers.get('access-control-allow-origin') !== ORIGIN) problems.push(`${what} (Access-Control-Allow-Origin)`);
      else if (!/(^|,\s*)origin(\s*,|$)/i.test(res.headers.get('vary') ?? '')) problems.push(`${what} (Vary: Origin)`);
      else if (!(typeof (res.json?.reason ?? res.json?.message) === 'string' && (res.json.reason ?? res.json.message).length > 0)) {
        problems.push(`${what} (a JSON body with the reason)`);
      }
    }
  }
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
});

// ---------------------------------------------------------------------------------------------
// 11, 12. Headers of static answers

test('a 304 answer for the agent script carries no JSON Content-Type', async () => {
  const first = await request(`${shared.url}/sightline.js`);
  assert.equal(first.status, 200, describeResponse(first));
  const etag = first.headers.get('etag');
  assert.ok(etag, 'the agent has an ETag');
  const again = await request(`${shared.url}/sightline.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.doesNotMatch(again.headers.get('content-type') ?? '', /application\/json/,
    `304 headers: ${JSON.stringify([...again.headers])}`);
});

test('the dashboard page is served with security headers, and the agent with nosniff', async () => {
  const page = await request(`${shared.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const headers = JSON.stringify([...page.headers]);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff', headers);
  assert.equal(page.headers.get('x-frame-options'), 'DENY', headers);
  assert.match(page.headers.get('referrer-policy') ?? '', /^(no-referrer|same-origin)$/, headers);
  assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, headers);
  const agent = await request(`${shared.url}/sightline.js`);
  assert.equal(agent.status, 200);
  assert.equal(agent.headers.get('x-content-type-options'), 'nosniff', JSON.stringify([...agent.headers]));
});
