// Trace correlation end to end with the real OpenTelemetry JS SDKs: two express 5 services
// (tests/e2e/otel: a gateway exporting OTLP/HTTP protobuf, an inventory service exporting OTLP/HTTP
// JSON, gzip'ed) traced by @opentelemetry/sdk-node with the http and express instrumentations, a
// checkout in real Chromium (Debian's `chromium`, driven by playwright-core) with the Sightline
// agent, whose traceparent makes the browser call the root of the waterfall, and a page that uses
// the OpenTelemetry web SDK instead (bundled by esbuild), exporting to Sightline across origins.
// Then the receiver's answers to malformed exports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

import {
  REPO_ROOT, SHOP, baseConfig, describeResponse, eventually, makeTempDir, request, startServer,
} from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const OTEL_DIR = path.join(REPO_ROOT, 'tests', 'e2e', 'otel');
const GATEWAY = 'checkout-gateway';
const INVENTORY = 'inventory';
const WEB = 'shop-web';
// Start times are whole milliseconds in the Sightline agent (Date.now() at the end of the call,
// less the duration) and in the OpenTelemetry JS SDKs (Date.now() at the start, the duration
// measured precisely); Chromium's clock is coarsened to 0.1 ms. A child may so seem to start up to
// about a millisecond before its parent.
const TOLERANCE_MS = 1.2;
// Ends are looser. The http instrumentation ends a server span in a listener of the response's
// 'close' event, a turn of the service's event loop after the answer has left, with Date.now()
// (whole milliseconds) as its end; express's spans end in 'close' listeners added later. A caller
// in another process (or the browser) has the answer, and ends its own span, while the server's
// is still open: by a millisecond or two on an idle machine, by tens when the service waits for a
// core; and a busy machine may run the two listeners of one response several milliseconds apart.
// So a child's end is held to its parent's only within one service, and loosely (an error in the
// server's units would be a thousandfold); a child of another service must start while its
// parent is open. Starts follow causes, and are held to the clocks' precision.
const END_SLACK_MS = 50;

let collector;
let inventory;
let gateway;
let browser;
let staticDir;
const services = new Set();

process.on('exit', () => {
  for (const service of services) {
    try { service.proc.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

// Starts `node --require ./tracing.cjs <file>` in tests/e2e/otel with `env` over an environment
// without OTEL_* variables of its own; resolves once it prints the URL it listens on.
function startService(file, env) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const proc = spawn(process.execPath, ['--require', './tracing.cjs', file], {
    cwd: OTEL_DIR,
    env: {
      ...base,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_HEADERS: `x-sightline-key=${SHOP.key}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // As the Sightline server: a child left by a failed test does not keep the test process alive.
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();
  const service = { proc, file, output: '' };
  services.add(service);
  service.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    services.delete(service);
    resolve({ code, signal });
  }));
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => { service.output += chunk; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${file} did not listen within 15 s:\n${service.output}`));
    }, 15000);
    proc.stdout.on('data', (chunk) => {
      service.output += chunk;
      const m = / listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(service.output);
      if (m && !service.url) {
        clearTimeout(timer);
        service.url = m[1];
        service.port = Number(m[2]);
        resolve(service);
      }
    });
    service.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (code ${code}, signal ${signal}):\n${service.output}`));
    });
  });
}

// SIGTERM (the SDK exports what it holds), then SIGKILL if it does not exit in time.
async function stopService(service) {
  if (!service || !services.has(service)) return;
  service.proc.kill('SIGTERM');
  const timer = setTimeout(() => service.proc.kill('SIGKILL'), 5000);
  await service.exited;
  clearTimeout(timer);
}

before(async () => {
  staticDir = makeTempDir('sightline-otel-web-');
  await esbuild.build({
    entryPoints: [path.join(OTEL_DIR, 'web-app.js')], bundle: true, format: 'iife',
    platform: 'browser', target: 'es2020', outfile: path.join(staticDir, 'web-app.js'),
    logLevel: 'silent',
  });
  collector = await startServer(baseConfig());
  inventory = await startService('inventory.cjs', {
    OTEL_SERVICE_NAME: INVENTORY,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
  });
  gateway = await startService('gateway.cjs', {
    OTEL_SERVICE_NAME: GATEWAY,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    INVENTORY_URL: inventory.url,
    COLLECTOR_URL: collector.url,
    INGEST_KEY: SHOP.key,
    STATIC_DIR: staticDir,
  });
  // One call first, so that what the services load and compile on their first request (and first
  // export) is not in the traces the tests look at.
  const warmUp = await request(`${gateway.url}/api/checkout`);
  assert.equal(warmUp.status, 200, describeResponse(warmUp));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  try {
    if (browser) await browser.close();
  } finally {
    await Promise.all([stopService(gateway), stopService(inventory)]);
    if (collector) await collector.stop();
  }
});

function api(pathAndQuery) {
  return request(`${collector.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${SHOP.token}` } });
}

function parseTraceparent(header) {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(header ?? '');
  assert.ok(m, `a W3C traceparent: ${header}`);
  return { traceId: m[1], spanId: m[2] };
}

// The waterfall of `traceId`, once `ready(trace)` holds (every span has arrived).
async function waterfall(traceId, ready, timeoutMs = 15000) {
  return eventually(async () => {
    const res = await api(`/api/v1/traces/${traceId}?project=${SHOP.id}`);
    assert.equal(res.status, 200, describeResponse(res));
    ready(res.json);
    return res.json;
  }, { timeoutMs, intervalMs: 250 });
}

const describeSpans = (trace) => JSON.stringify((trace?.spans ?? []).map((s) =>
  [s.depth, s.service, s.kind, s.name, s.span_id, s.parent_span_id, s.start_ms, s.duration_ms]));

// What holds for any waterfall: ids, parents before their children (depth first, each subtree in
// one piece), depths, and children within their parents' time.
function checkWaterfall(trace, traceId) {
  assert.equal(trace.trace_id, traceId);
  assert.equal(typeof trace.start, 'number');
  assert.ok(trace.duration_ms >= 0, `duration_ms ${trace.duration_ms}`);
  const byId = new Map();
  trace.spans.forEach((span, i) => {
    assert.match(span.span_id, /^[0-9a-f]{16}$/);
    assert.ok(!byId.has(span.span_id), `span ${span.span_id} once`);
    byId.set(span.span_id, { span, index: i });
  });
  trace.spans.forEach((span, i) => {
    const what = `${span.service} ${span.name} (${span.span_id})`;
    assert.ok(span.duration_ms >= 0 && span.start_ms >= -TOLERANCE_MS, `${what}: ${describeSpans(trace)}`);
    assert.ok(span.start_ms + span.duration_ms <= trace.duration_ms + TOLERANCE_MS,
      `${what} ends within the trace: ${describeSpans(trace)}`);
    const parent = byId.get(span.parent_span_id);
    if (!parent) {
      assert.equal(span.depth, 0, `${what} has no parent in the trace: a root`);
      return;
    }
    assert.equal(span.depth, parent.span.depth + 1, `${what}: depth`);
    assert.ok(parent.index < i, `${what} after its parent`);
    for (const between of trace.spans.slice(parent.index + 1, i)) {
      assert.ok(between.depth > parent.span.depth, `${what}: the parent's subtree is in one piece: ${describeSpans(trace)}`);
    }
    const p = parent.span;
    const parentEnd = p.start_ms + p.duration_ms;
    assert.ok(span.start_ms >= p.start_ms - TOLERANCE_MS && span.start_ms <= parentEnd + TOLERANCE_MS,
      `${what} starts within its parent ${p.service} ${p.name}: ${describeSpans(trace)}`);
    if (span.service === p.service && span.source === p.source) {
      assert.ok(span.start_ms + span.duration_ms <= parentEnd + END_SLACK_MS,
        `${what} ends within its parent ${p.service} ${p.name}: ${describeSpans(trace)}`);
    }
  });
  return byId;
}

// Every span's parent has arrived: one root. (Each service exports its spans in batches of its
// own, a parent's sometimes after its children's.)
function assertComplete(trace) {
  const ids = new Set(trace.spans.map((s) => s.span_id));
  const roots = trace.spans.filter((s) => !ids.has(s.parent_span_id));
  assert.equal(roots.length, 1, `one root, every parent arrived: ${describeSpans(trace)}`);
}

// The spans from `span` up to its root, `span` first.
function ancestry(trace, span) {
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
  const chain = [];
  for (let s = span; s; s = byId.get(s.parent_span_id)) chain.push(s);
  return chain;
}

// The browser call a backend route serves, as "METHOD endpoint": given as {method, endpoint} or as
// {call: "METHOD endpoint"}.
function browserCall(browser) {
  return browser.call ?? `${browser.method} ${browser.endpoint}`;
}

// Waits until every beacon the page sent has been answered.
function trackBeacons(page) {
  const state = { pending: 0, beacons: [] };
  const isBeacon = (req) => req.url().startsWith(`${collector.url}/v1/beacon`) && req.method() === 'POST';
  page.on('request', (req) => {
    if (!isBeacon(req)) return;
    state.pending++;
    let body = req.postDataBuffer();
    if (!body) return;
    if (body[0] === 0x1f && body[1] === 0x8b) body = zlib.gunzipSync(body);
    state.beacons.push(JSON.parse(body.toString('utf8')));
  });
  page.on('requestfinished', (req) => { if (isBeacon(req)) state.pending--; });
  page.on('requestfailed', (req) => { if (isBeacon(req)) state.pending--; });
  return state;
}

test('a checkout in Chromium with the Sightline agent is one trace: the browser call, the gateway, the inventory service', async (t) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const beacons = trackBeacons(page);
  const traceparents = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/api/checkout') traceparents.push(req.headers().traceparent);
  });
  await page.goto(`http://localhost:${gateway.port}/shop.html`);
  await page.waitForFunction(() => window.Sightline && !Array.isArray(window.Sightline.q));
  await page.click('#checkout');
  await page.waitForFunction(() => window.__checkout);
  assert.deepEqual(await page.evaluate(() => window.__checkout),
    { order: 'o-1001', sku: 'sku-42', in_stock: true });
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const apiCall = () => beacons.beacons.flatMap((b) => b.events.map((e) => ({ event: e, beacon: b })))
    .find(({ event }) => event.type === 'api_call' && event.url.endsWith('/api/checkout'));
  await eventually(() => {
    assert.ok(apiCall(), 'the api_call was sent');
    assert.equal(beacons.pending, 0);
  }, { timeoutMs: 10000 });
  await context.close();

  // The agent sent a traceparent to the gateway and recorded its ids on the api_call.
  assert.equal(traceparents.length, 1, JSON.stringify(traceparents));
  const { traceId, spanId } = parseTraceparent(traceparents[0]);
  const { event, beacon } = apiCall();
  assert.deepEqual([event.trace_id, event.span_id], [traceId, spanId]);
  assert.ok(Number.isInteger(event.size) && event.size > 0, `the agent sent the response size: ${JSON.stringify(event)}`);

  const trace = await waterfall(traceId, (t) => {
    assert.ok(t.spans.some((s) => s.source === 'browser'), `the browser span: ${describeSpans(t)}`);
    assert.ok(t.spans.some((s) => s.service === GATEWAY && s.kind === 'server'), `the gateway's spans: ${describeSpans(t)}`);
    assert.ok(t.spans.some((s) => s.service === INVENTORY && s.kind === 'server'), `the inventory's: ${describeSpans(t)}`);
    assertComplete(t);
  });
  t.diagnostic(`waterfall [depth, service, kind, name, span, parent, start_ms, duration_ms]: ${describeSpans(trace)}`);
  t.diagnostic(`gaps: ${JSON.stringify(trace.gaps)}`);
  checkWaterfall(trace, traceId);

  // The root: the browser's call, with the page view it was made on.
  const [root] = trace.spans;
  assert.deepEqual([root.span_id, root.parent_span_id, root.source, root.kind, root.depth],
    [spanId, '', 'browser', 'client', 0], describeSpans(trace));
  assert.equal(root.method, 'GET');
  assert.equal(root.status_code, 200);
  assert.match(root.url, /\/api\/checkout$/);
  assert.notEqual(root.status, 'error');
  assert.ok(Math.abs(root.start_ms) <= TOLERANCE_MS, `the browser call starts the trace: ${root.start_ms}`);
  assert.ok(Math.abs(root.duration_ms - event.duration) <= 0.1, `${root.duration_ms} vs ${event.duration}`);
  assert.equal(trace.session_id, beacon.session_id);
  assert.equal(trace.page_view_id, event.page_view_id ?? beacon.page_view_id);

  // Its child: the gateway's server span (exported as protobuf).
  const children = trace.spans.filter((s) => s.parent_span_id === root.span_id);
  assert.equal(children.length, 1, describeSpans(trace));
  const [gatewayServer] = children;
  assert.deepEqual([gatewayServer.service, gatewayServer.source, gatewayServer.kind, gatewayServer.method,
    gatewayServer.route, gatewayServer.status_code, gatewayServer.depth],
  [GATEWAY, 'backend', 'server', 'GET', '/api/checkout', 200, 1], JSON.stringify(gatewayServer));
  assert.notEqual(gatewayServer.status, 'error');
  assert.equal(typeof gatewayServer.attributes, 'object');

  // Below it (through express's request handler span), the gateway's call to the inventory
  // service, whose child is the inventory's server span (exported as JSON, gzip'ed).
  const gatewayClient = trace.spans.find((s) => s.service === GATEWAY && s.kind === 'client');
  assert.ok(gatewayClient, describeSpans(trace));
  const chain = ancestry(trace, gatewayClient);
  assert.deepEqual(chain.slice(-2).map((s) => s.span_id), [gatewayServer.span_id, root.span_id],
    `the client span descends from the gateway's server span: ${describeSpans(trace)}`);
  assert.ok(chain.slice(1, -2).every((s) => s.service === GATEWAY && s.kind === 'internal'),
    `between them only the gateway's own internal spans: ${describeSpans(trace)}`);
  assert.ok(chain.some((s) => /request handler/.test(s.name)), describeSpans(trace));
  assert.equal(gatewayClient.method, 'GET');
  assert.equal(gatewayClient.status_code, 200);
  const inventoryServer = trace.spans.find((s) => s.service === INVENTORY && s.kind === 'server');
  assert.equal(inventoryServer.parent_span_id, gatewayClient.span_id, describeSpans(trace));
  assert.deepEqual([inventoryServer.source, inventoryServer.method, inventoryServer.route,
    inventoryServer.status_code], ['backend', 'GET', '/stock/:sku', 200]);
  // The inventory's lookup takes 15 ms; the gateway's pricing, 10 ms after the answer, is in its
  // server span after its client span. (A timer may fire within a millisecond before its time.)
  assert.ok(inventoryServer.duration_ms >= 13 && gatewayClient.duration_ms >= 13, describeSpans(trace));
  assert.ok(gatewayServer.start_ms + gatewayServer.duration_ms >=
    gatewayClient.start_ms + gatewayClient.duration_ms + 8, describeSpans(trace));

  // The time between the browser's call and the gateway's work.
  // (A gap may be reported as is or clamped at 0, where the clocks' precision makes it negative.)
  const gap = trace.gaps.find((g) => g.parent_span_id === root.span_id && g.span_id === gatewayServer.span_id);
  assert.ok(gap, JSON.stringify(trace.gaps));
  assert.ok(gap.before_ms >= 0, JSON.stringify(gap));
  const near = (got, want) => Math.abs(got - want) <= TOLERANCE_MS || Math.abs(got - Math.max(0, want)) <= TOLERANCE_MS;
  assert.ok(near(gap.before_ms, gatewayServer.start_ms - root.start_ms), `before_ms: ${JSON.stringify(gap)}`);
  assert.ok(near(gap.after_ms, root.start_ms + root.duration_ms - gatewayServer.start_ms - gatewayServer.duration_ms),
    `after_ms: ${JSON.stringify(gap)} ${describeSpans(trace)}`);
  assert.ok(typeof gap.label === 'string' && gap.label.length > 0, JSON.stringify(gap));

  // The API calls report: the browser's endpoint with its backend's time beside it, and the
  // backend's routes with the browser endpoint that calls them.
  await eventually(async () => {
    const res = await api(`/api/v1/api_calls?project=${SHOP.id}`);
    assert.equal(res.status, 200, describeResponse(res));
    const row = res.json.rows.find((r) => r.method === 'GET' && r.endpoint.endsWith('/api/checkout'));
    assert.ok(row, JSON.stringify(res.json.rows));
    // One call, traced: the browser's duration, and the gateway's server span's beside it.
    // (Not compared with each other: see END_SLACK_MS.)
    assert.ok(Math.abs(row.p75_ms - root.duration_ms) < 0.01, JSON.stringify(row));
    // The response size the agent read from Content-Length is stored and reported.
    assert.deepEqual(row.size, { samples: 1, p50_bytes: event.size, p75_bytes: event.size, p95_bytes: event.size },
      JSON.stringify(row));
    const { backend } = row;
    assert.ok(backend && backend.samples === 1, JSON.stringify(row));
    for (const stat of ['p50_ms', 'p75_ms', 'p95_ms']) {
      assert.ok(Math.abs(backend[stat] - gatewayServer.duration_ms) < 0.01, `${stat}: ${JSON.stringify(row)}`);
    }
    assert.ok(backend.services.includes(GATEWAY), JSON.stringify(backend));
    assert.ok(JSON.stringify(backend.routes).includes('/api/checkout'), JSON.stringify(backend));

    const routes = res.json.backend_routes;
    assert.ok(Array.isArray(routes), JSON.stringify(res.json));
    const checkout = routes.find((r) => r.service === GATEWAY && r.method === 'GET' && r.route === '/api/checkout');
    assert.ok(checkout, JSON.stringify(routes));
    assert.ok(checkout.count >= 1 && checkout.p75_ms > 0, JSON.stringify(checkout));
    assert.equal(checkout.error_rate, 0);
    assert.ok(checkout.browser, JSON.stringify(checkout));
    assert.equal(browserCall(checkout.browser), `GET ${row.endpoint}`, JSON.stringify(checkout));
    // One browser call to that endpoint: its p75 however the join counts.
    assert.ok(checkout.browser.samples >= 1 && checkout.browser.p75_ms === row.p75_ms, JSON.stringify([checkout, row]));
    const stock = routes.find((r) => r.service === INVENTORY && r.method === 'GET' && r.route === '/stock/:sku');
    assert.ok(stock && stock.count >= 1, JSON.stringify(routes));
  }, { timeoutMs: 10000, intervalMs: 250 });
});

test('OpenTelemetry web SDK spans, exported across origins, are stored and root their backend trace', async (t) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const tracesUrl = `${collector.url}/v1/traces`;
  const exported = [];  // the spans of every export the page made, with their resource's service
  const exports = { sent: 0, answered: [], failed: [] };
  const traceparents = [];
  page.on('request', (req) => {
    if (req.url() === tracesUrl && req.method() === 'POST') {
      exports.sent++;
      const body = JSON.parse(req.postDataBuffer().toString('utf8'));
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans) for (const span of ss.spans) exported.push({ service, ...span });
      }
    }
    if (req.url() === `${gateway.url}/api/checkout` && req.method() === 'GET') {
      traceparents.push(req.headers().traceparent);
    }
  });
  page.on('response', (res) => {
    if (res.url() === tracesUrl && res.request().method() === 'POST') exports.answered.push(res.status());
  });
  page.on('requestfailed', (req) => {
    if (req.url() === tracesUrl) exports.failed.push(req.failure()?.errorText);
  });
  await page.goto(`http://localhost:${gateway.port}/web.html`);
  await page.waitForFunction(() => window.__otel && document.readyState === 'complete');
  await page.click('#checkout');
  await page.waitForFunction(() => window.__checkout);

  // The page's fetch to the gateway (another origin) carried a traceparent: the fetch span's ids.
  assert.equal(traceparents.length, 1, JSON.stringify(traceparents));
  const { traceId, spanId } = parseTraceparent(traceparents[0]);
  // The fetch span ends once the browser's resource timing entry is in: flush until it is sent.
  await eventually(async () => {
    await page.evaluate(() => window.__otel.flush());
    assert.ok(exported.some((s) => s.spanId === spanId), JSON.stringify(exported.map((s) => s.name)));
    assert.ok(exported.some((s) => s.name === 'documentLoad'), JSON.stringify(exported.map((s) => s.name)));
  }, { timeoutMs: 10000, intervalMs: 300 });
  await eventually(() => assert.equal(exports.answered.length + exports.failed.length, exports.sent),
    { timeoutMs: 5000 });
  await context.close();
  // The CORS preflight passed (else the browser would not have sent the exports) and every
  // export was accepted.
  assert.deepEqual(exports.failed, []);
  assert.ok(exports.answered.length >= 1 && exports.answered.every((s) => s === 200), JSON.stringify(exports));

  // The page load's trace: documentLoad with its document fetch below it, of service shop-web.
  const documentLoad = exported.find((s) => s.name === 'documentLoad');
  const loadSpans = exported.filter((s) => s.traceId === documentLoad.traceId);
  const loadTrace = await waterfall(documentLoad.traceId, (t) =>
    assert.equal(t.spans.length, loadSpans.length, describeSpans(t)));
  checkWaterfall(loadTrace, documentLoad.traceId);
  assert.equal(loadTrace.spans[0].span_id, documentLoad.spanId, describeSpans(loadTrace));
  assert.equal(loadTrace.spans[0].name, 'documentLoad');
  assert.ok(loadTrace.spans.every((s) => s.service === WEB), describeSpans(loadTrace));
  // A page sent them (its resource does not name the SDK's language): they are the browser's.
  assert.ok(loadTrace.spans.every((s) => s.source === 'browser'), JSON.stringify(loadTrace.spans));
  const documentFetch = loadTrace.spans.find((s) => s.name === 'documentFetch');
  assert.ok(documentFetch, describeSpans(loadTrace));
  assert.equal(documentFetch.parent_span_id, documentLoad.spanId);

  // The fetch's trace: the web fetch span is the root, the gateway's server span its child.
  const trace = await waterfall(traceId, (t) => {
    assert.ok(t.spans.some((s) => s.service === GATEWAY && s.kind === 'server'), `the gateway's spans: ${describeSpans(t)}`);
    assert.ok(t.spans.some((s) => s.service === INVENTORY && s.kind === 'server'), `the inventory's: ${describeSpans(t)}`);
    assertComplete(t);
  });
  t.diagnostic(`waterfall [depth, service, kind, name, span, parent, start_ms, duration_ms]: ${describeSpans(trace)}`);
  checkWaterfall(trace, traceId);
  const [root] = trace.spans;
  assert.deepEqual([root.span_id, root.parent_span_id, root.service, root.kind, root.depth],
    [spanId, '', WEB, 'client', 0], describeSpans(trace));
  const gatewayServer = trace.spans.find((s) => s.parent_span_id === root.span_id);
  assert.ok(gatewayServer, describeSpans(trace));
  assert.deepEqual([gatewayServer.service, gatewayServer.kind, gatewayServer.source, gatewayServer.method,
    gatewayServer.route, gatewayServer.depth], [GATEWAY, 'server', 'backend', 'GET', '/api/checkout', 1],
  JSON.stringify(gatewayServer));
  assert.ok(trace.spans.filter((s) => s.depth === 0).length === 1, `one root: ${describeSpans(trace)}`);

  // The web SDK's fetch counts as the page's API call: the API view sets the gateway's latency
  // beside it.
  const calls = await api(`/api/v1/api_calls?project=${SHOP.id}`);
  assert.equal(calls.status, 200, describeResponse(calls));
  const checkout = calls.json.rows.find((r) => r.method === 'GET' && r.endpoint.endsWith('/api/checkout'));
  assert.ok(checkout, JSON.stringify(calls.json.rows));
  assert.ok(checkout.backend?.samples >= 1 && checkout.backend.services.includes(GATEWAY), JSON.stringify(checkout));
});

// OTLP/JSON as the specification encodes it: hex ids, lowerCamelCase names, 64-bit integers as
// strings, enums as integers.
function jsonExport(spans, service = 'billing') {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'manual', version: '1.0.0' }, spans }],
    }],
  };
}

function jsonSpan({ traceId = crypto.randomBytes(16).toString('hex'), spanId = crypto.randomBytes(8).toString('hex'),
  startNs, durationNs = 42_500_000n } = {}) {
  const start = startNs ?? BigInt(Date.now() - 5000) * 1_000_000n + 250_000n;
  return {
    traceId, spanId, parentSpanId: '', name: 'GET /invoices/:id', kind: 2,
    startTimeUnixNano: String(start), endTimeUnixNano: String(start + durationNs),
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'http.route', value: { stringValue: '/invoices/:id' } },
      { key: 'url.path', value: { stringValue: '/invoices/7' } },
      { key: 'http.response.status_code', value: { intValue: '200' } },
      { key: 'tenant', value: { stringValue: 'acme' } },
    ],
    status: {},
  };
}

test('malformed exports get the OTLP errors; a span with a bad id is rejected alone', async () => {
  const post = (body, { contentType = 'application/json', key = SHOP.key, query = '', gzip = false } = {}) =>
    request(`${collector.url}/v1/traces${query}`, {
      method: 'POST', body, contentType, gzip, headers: key ? { 'x-sightline-key': key } : {},
    });
  const good = jsonExport([jsonSpan()]);

  // Not protobuf: a length-delimited field longer than the body.
  let res = await post(Buffer.from([0x0a, 0x10, 0x0a, 0x02]), { contentType: 'application/x-protobuf' });
  assert.equal(res.status, 400, describeResponse(res));
  res = await post('{"resourceSpans": [', {});
  assert.equal(res.status, 400, describeResponse(res));
  assert.ok(res.json && typeof res.json === 'object', `a JSON answer: ${describeResponse(res)}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  res = await post('resourceSpans', { contentType: 'text/plain' });
  assert.equal(res.status, 415, describeResponse(res));
  res = await post(good, { key: null });
  assert.equal(res.status, 401, `no key: ${describeResponse(res)}`);
  res = await post(good, { key: 'pk_nope' });
  assert.equal(res.status, 401, `unknown key: ${describeResponse(res)}`);
  res = await post(good, { key: null, query: '?key=pk_nope' });
  assert.equal(res.status, 401, `unknown key in the query: ${describeResponse(res)}`);

  // The key in the query, the body gzip'ed: accepted whole.
  res = await post(good, { key: null, query: `?key=${SHOP.key}`, gzip: true });
  assert.equal(res.status, 200, describeResponse(res));
  assert.ok(!res.json?.partialSuccess?.rejectedSpans, describeResponse(res));

  // One span with a trace id that is not 32 hex digits, one fine: 200, one rejected.
  const startNs = BigInt(Date.now() - 4000) * 1_000_000n + 250_000n;
  const fine = jsonSpan({ startNs });
  res = await post(jsonExport([jsonSpan({ traceId: 'xyz' }), fine]));
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(Number(res.json?.partialSuccess?.rejectedSpans), 1, describeResponse(res));
  assert.ok(typeof res.json.partialSuccess.errorMessage === 'string' && res.json.partialSuccess.errorMessage.length > 0,
    describeResponse(res));

  const trace = await waterfall(fine.traceId, (t) => assert.equal(t.spans.length, 1, describeSpans(t)));
  checkWaterfall(trace, fine.traceId);
  const [span] = trace.spans;
  assert.deepEqual([span.span_id, span.parent_span_id, span.name, span.service, span.kind, span.source,
    span.depth, span.method, span.route, span.status_code, span.status],
  [fine.spanId, '', 'GET /invoices/:id', 'billing', 'server', 'backend', 0, 'GET', '/invoices/:id', 200, 'unset']);
  assert.equal(span.attributes.tenant, 'acme', JSON.stringify(span.attributes));
  assert.ok(Math.abs(trace.start - Number(startNs) / 1e6) < 0.01, `${trace.start}`);
  assert.ok(Math.abs(span.duration_ms - 42.5) < 1e-6 && Math.abs(trace.duration_ms - 42.5) < 1e-6, describeSpans(trace));
  assert.equal(span.start_ms, 0);

  // Browsers may export from the project's allowed origins (the preflight names the key header).
  const preflight = (origin) => request(`${collector.url}/v1/traces`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-sightline-key' },
  });
  res = await preflight('http://localhost:3000');
  assert.ok(res.status === 200 || res.status === 204, describeResponse(res));
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
  assert.ok(allowed.includes('content-type') && allowed.includes('x-sightline-key'), allowed);
  res = await preflight('https://evil.example');
  assert.notEqual(res.headers.get('access-control-allow-origin'), 'https://evil.example');
  assert.notEqual(res.headers.get('access-control-allow-origin'), '*');
});

test('an export over limits.max_trace_bytes gets 413, on the wire or after gzip; too many get 429 with Retry-After', async () => {
  const config = baseConfig();
  config.limits = { ...config.limits, max_trace_bytes: 4096, beacons_per_second_per_client: 1 };
  const server = await startServer(config);
  try {
    const post = (body, { gzip = false } = {}) => request(`${server.url}/v1/traces`, {
      method: 'POST', body, contentType: 'application/json', gzip, headers: { 'x-sightline-key': SHOP.key },
    });
    // One export a second per client: the next one waits.
    let res = await post(jsonExport([jsonSpan()]));
    assert.equal(res.status, 200, describeResponse(res));
    res = await post(jsonExport([jsonSpan()]));
    assert.equal(res.status, 429, describeResponse(res));
    assert.ok(Number(res.headers.get('retry-after')) >= 1, describeResponse(res));
    assert.equal(res.json?.code, 8, describeResponse(res));  // RESOURCE_EXHAUSTED
    // Too large on the wire: refused from its Content-Length.
    const many = jsonExport(Array.from({ length: 40 }, () => jsonSpan()));
    assert.ok(JSON.stringify(many).length > 4096);
    res = await post(many);
    assert.equal(res.status, 413, describeResponse(res));
    // Small on the wire, too large once inflated: refused while inflating.
    await new Promise((resolve) => setTimeout(resolve, 1100));  // a token again
    assert.ok(zlib.gzipSync(JSON.stringify(many)).length < 4096);
    res = await post(many, { gzip: true });
    assert.equal(res.status, 413, describeResponse(res));
    assert.match(res.json?.reason ?? '', /limits\.max_trace_bytes/, describeResponse(res));
  } finally {
    await server.stop();
  }
});
