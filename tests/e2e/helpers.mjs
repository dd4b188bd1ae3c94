// Shared helpers for the end-to-end tests: start/stop the real `sightline` binary on an ephemeral
// loopback port, temp data dirs, YAML configs, beacon builders, HTTP/raw-socket clients and the
// reference implementation of the query statistics (weighted nearest-rank percentiles etc.).
//
// Only Node.js 20 built-ins are used. Run a file with e.g.
//   SIGHTLINE_BIN=build/sightline node --test tests/e2e/ingest.test.mjs
// SIGHTLINE_BIN defaults to <repo root>/build/sightline (resolved from this file's location).
// Set SIGHTLINE_E2E_KEEP=1 to keep temp dirs, SIGHTLINE_E2E_VERBOSE=1 to echo server stderr.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function resolveBinary() {
  const fromEnv = process.env.SIGHTLINE_BIN;
  if (!fromEnv) return path.join(REPO_ROOT, 'build', 'sightline');
  if (path.isAbsolute(fromEnv)) return fromEnv;
  const fromCwd = path.resolve(process.cwd(), fromEnv);
  if (fs.existsSync(fromCwd)) return fromCwd;
  return path.resolve(REPO_ROOT, fromEnv);
}
export const BIN = resolveBinary();

// ---------------------------------------------------------------------------------------------
// Keys, tokens and origins shared by all tests.

export const SHOP = {
  id: 'shop',
  key: 'pk_shop_123',
  token: 'rt_shop_456',
  origins: ['https://shop.example', 'https://*.shop.example', 'http://localhost:*'],
};
export const BLOG = {
  id: 'blog',
  key: 'pk_blog_789',
  token: 'rt_blog_012',
  origins: ['https://blog.example'],
};

// ---------------------------------------------------------------------------------------------
// Temp dirs and process bookkeeping (everything is cleaned up when the test process exits).

const tempDirs = [];
const liveServers = new Set();

export function makeTempDir(prefix = 'sightline-e2e-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

process.on('exit', () => {
  for (const server of liveServers) {
    try { server.proc.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (!process.env.SIGHTLINE_E2E_KEEP) {
    for (const dir of tempDirs) {
      try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Config

// The base config used by the tests. Rate limits default to unlimited so that tests that are not
// about rate limiting never trip them; limits tests override them.
export function baseConfig(overrides = {}) {
  const config = {
    listen: '127.0.0.1:0',
    data_dir: './data',
    limits: {
      beacons_per_second_per_client: 0,
      beacons_per_second_per_key: 0,
      max_body_bytes: 65536,
      max_inflated_bytes: 1048576,
      max_events_per_beacon: 500,
      max_string_bytes: 1024,
      max_text_bytes: 16384,
      max_depth: 16,
      max_event_age_s: 86400,
      max_event_future_s: 300,
    },
    server: {
      max_connections: 10000,
      idle_timeout_ms: 30000,
      request_timeout_ms: 10000,
      io_threads: 4, // more than the cores of a small machine: connections share state across threads
    },
    storage: {
      wal_fsync_interval_ms: 50,
      memtable_flush_bytes: 67108864,
      memtable_flush_interval_s: 300,
    },
    projects: [
      {
        id: SHOP.id,
        ingest_keys: [SHOP.key],
        read_tokens: [SHOP.token],
        allowed_origins: SHOP.origins,
        retention_days: 90,
      },
      {
        id: BLOG.id,
        ingest_keys: [BLOG.key],
        read_tokens: [BLOG.token],
        allowed_origins: BLOG.origins,
        retention_days: 90,
      },
    ],
  };
  for (const [section, value] of Object.entries(overrides)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && config[section] &&
        typeof config[section] === 'object' && !Array.isArray(config[section])) {
      config[section] = { ...config[section], ...value };
    } else {
      config[section] = value;
    }
  }
  return config;
}

function yamlScalar(value) {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(String(value)); // JSON strings are valid YAML double-quoted scalars
}

// A tiny YAML emitter for the config shape above (maps, lists of scalars, lists of maps).
export function toYaml(value, indent = '') {
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    if (Array.isArray(v)) {
      if (v.length > 0 && typeof v[0] === 'object') {
        out += `${indent}${key}:\n`;
        for (const item of v) {
          const body = toYaml(item, indent + '    ');
          out += `${indent}  - ${body.slice(indent.length + 4)}`;
        }
      } else {
        out += `${indent}${key}: [${v.map(yamlScalar).join(', ')}]\n`;
      }
    } else if (v && typeof v === 'object') {
      out += `${indent}${key}:\n${toYaml(v, indent + '  ')}`;
    } else {
      out += `${indent}${key}: ${yamlScalar(v)}\n`;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server lifecycle

const LISTEN_RE = /Sightline listening on (http:\/\/127\.0\.0\.1:(\d+)\/?)/;

export class ServerHandle {
  constructor({ proc, url, dataDir, configPath, stderrLines, stdoutText, exited }) {
    this.proc = proc;
    this.url = url.replace(/\/$/, '');
    this.port = Number(new URL(url).port);
    this.dataDir = dataDir;
    this.configPath = configPath;
    this.stderrLines = stderrLines; // complete lines seen so far (keeps growing)
    this.stdoutText = stdoutText;
    this.exited = exited; // Promise<{code, signal}>
  }

  get pid() { return this.proc.pid; }

  stderr() { return this.stderrLines.join('\n'); }

  // Sends `signal` and waits for the process to exit. Returns {code, signal}.
  async stop(signal = 'SIGTERM', timeoutMs = 15000) {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill(signal);
    }
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `sightline (pid ${this.pid}) did not exit within ${timeoutMs} ms after ${signal}; ` +
        `stderr tail:\n${this.stderrLines.slice(-20).join('\n')}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } catch (err) {
      try { this.proc.kill('SIGKILL'); } catch { /* ignore */ }
      await this.exited;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  kill9() { return this.stop('SIGKILL'); }

  // Waits until a stderr line satisfies `predicate(line, parsed)`; returns the line or null.
  async waitForLog(predicate, timeoutMs = 3000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.stderrLines) {
        let parsed = null;
        try { parsed = JSON.parse(line); } catch { /* not JSON */ }
        if (predicate(line, parsed)) return line;
      }
      if (Date.now() >= deadline) return null;
      await sleep(50);
    }
  }
}

// Starts `sightline serve` with `config` (an object, see baseConfig) on 127.0.0.1:0.
// Options: dataDir (reuse a data dir, e.g. for restarts), startTimeoutMs.
export async function startServer(config = baseConfig(), { dataDir, startTimeoutMs = 10000 } = {}) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`sightline binary not found at ${BIN} (set SIGHTLINE_BIN or run scripts/build.sh)`);
  }
  const dir = makeTempDir();
  dataDir = dataDir ?? path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const configPath = path.join(dir, 'sightline.yaml');
  fs.writeFileSync(configPath, toYaml({ ...config, data_dir: dataDir }));

  const proc = spawn(BIN, ['serve', '--config', configPath, '--listen', '127.0.0.1:0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dir,
  });
  // A server left running by a failed test must not keep the test process alive: the child and
  // its pipes are unref'ed, and the 'exit' handler above SIGKILLs whatever is still running.
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();
  const stderrLines = [];
  let stderrPartial = '';
  let stdoutText = '';
  const verbose = !!process.env.SIGHTLINE_E2E_VERBOSE;
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    if (verbose) process.stderr.write(chunk);
    stderrPartial += chunk;
    const parts = stderrPartial.split('\n');
    stderrPartial = parts.pop();
    for (const line of parts) stderrLines.push(line);
  });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      liveServers.delete(handleRef.handle);
      resolve({ code, signal });
    });
  });
  proc.stderr.on('end', () => {
    if (stderrPartial) { stderrLines.push(stderrPartial); stderrPartial = ''; }
  });
  const handleRef = { handle: { proc } };
  liveServers.add(handleRef.handle);

  const url = await new Promise((resolve, reject) => {
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err); else resolve(value);
    };
    const describe = () => `stdout:\n${stdoutText}\nstderr:\n${stderrLines.join('\n')}${stderrPartial}`;
    const timer = setTimeout(() => {
      try { proc.kill('SIGKILL'); } catch { /* ignore */ }
      finish(new Error(`sightline did not print its listening line within ${startTimeoutMs} ms\n${describe()}`));
    }, startTimeoutMs);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      stdoutText += chunk;
      const m = LISTEN_RE.exec(stdoutText);
      if (m) finish(null, m[1]);
    });
    proc.on('error', (err) => finish(err));
    proc.on('exit', (code, signal) => {
      // Give stderr a moment to drain so that the error shows the server's last words.
      setTimeout(() => finish(new Error(
        `sightline exited before listening (code ${code}, signal ${signal})\n${describe()}`)), 100);
    });
  });
  const handle = new ServerHandle({ proc, url, dataDir, configPath, stderrLines, stdoutText, exited });
  liveServers.delete(handleRef.handle);
  handleRef.handle = handle;
  if (proc.exitCode === null && proc.signalCode === null) liveServers.add(handle);
  return handle;
}

// Runs the binary to completion (for CLI error checks). Returns {code, signal, stdout, stderr}.
export function runBinary(args, { timeoutMs = 10000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c) => { stdout += c; });
    proc.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`sightline ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Small utilities

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// Retries `fn` until it stops throwing or `timeoutMs` passes (then rethrows the last error).
export async function eventually(fn, { timeoutMs = 3000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

let uniqueCounter = 0;
export function uniqueId(prefix = 'id') {
  uniqueCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${uniqueCounter}`;
}

// Whole-second ISO-8601 (no milliseconds), e.g. 2024-05-01T10:00:00Z.
export function isoSeconds(ms) {
  if (ms % 1000 !== 0) throw new Error(`isoSeconds: ${ms} is not a whole second`);
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// Beacon builders

export function vital(name, value, extra = {}) {
  return { type: 'vital', ts: Date.now(), name, value, ...extra };
}

export function pageView(extra = {}) {
  return {
    type: 'page_view', ts: Date.now(), route: '/products/:id', soft: false,
    timing: { dns: 1, tcp: 2, tls: 3, request: 4, ttfb: 50, dom_interactive: 300, dom_content_loaded: 350, load: 900 },
    ...extra,
  };
}

export function errorEvent(extra = {}) {
  return {
    type: 'error', ts: Date.now(), kind: 'TypeError', message: "Cannot read properties of undefined (reading 'x')",
    stack: 'TypeError: boom\n    at f (https://shop.example/app.js:10:5)', file: 'https://shop.example/app.js',
    line: 10, column: 5, breadcrumbs: [{ type: 'click', target: 'button#buy', ts: Date.now() - 1000 }],
    ...extra,
  };
}

export function apiCall(extra = {}) {
  return {
    type: 'api_call', ts: Date.now(), method: 'GET', url: 'https://api.shop.example/cart', status: 200,
    duration: 123.5, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', ...extra,
  };
}

// A beacon object. `context` is merged over a default context.
export function beacon({ key = SHOP.key, events = [], context = {}, ...rest } = {}) {
  return {
    v: 1,
    key,
    session_id: uniqueId('s'),
    page_view_id: uniqueId('pv'),
    consent: 'full',
    context: {
      url: 'https://shop.example/products/42',
      referrer: 'https://www.google.com/',
      release: '1.0.0',
      environment: 'production',
      service: 'storefront',
      user: { id: 'u-1', tier: 'free' },
      flags: ['new-checkout'],
      network: { effective_type: '4g', rtt: 50, downlink: 10, save_data: false },
      ...context,
    },
    events,
    ...rest,
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

// Performs a request with fetch and returns {status, headers, text, json, ms}. `body` may be an
// object (JSON-encoded), a string or a Buffer. Options: headers, contentType (default
// application/json for objects/strings), gzip (gzip the body and set Content-Encoding).
export async function request(url, { method = 'GET', body, headers = {}, contentType, gzip = false, timeoutMs = 15000 } = {}) {
  const h = { ...headers };
  let payload = body;
  if (payload !== undefined && payload !== null && !(payload instanceof Uint8Array) && typeof payload !== 'string') {
    payload = JSON.stringify(payload);
  }
  if (payload !== undefined && payload !== null) {
    if (typeof payload === 'string') payload = Buffer.from(payload, 'utf8');
    if (gzip) {
      payload = zlib.gzipSync(payload);
      h['Content-Encoding'] = 'gzip';
    }
    if (contentType !== null && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['Content-Type'] = contentType ?? 'application/json';
    }
  }
  const started = performance.now();
  const res = await fetch(url, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  const ms = performance.now() - started;
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json, ms };
}

// POST /v1/beacon. `query` adds URL parameters (e.g. {key}).
export function postBeacon(server, body, { query, ...opts } = {}) {
  const qs = query ? `?${new URLSearchParams(query)}` : '';
  return request(`${server.url}/v1/beacon${qs}`, { method: 'POST', body, ...opts });
}

// GET /api/v1/metrics with the given params (an object; arrays are joined with commas).
export function queryMetrics(server, params, token = SHOP.token) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    qs.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return request(`${server.url}/api/v1/metrics?${qs}`, { headers });
}

// Describes a response for assertion messages.
export function describeResponse(res) {
  return `HTTP ${res.status} ${res.text.length > 600 ? res.text.slice(0, 600) + '…' : res.text}`;
}

// ---------------------------------------------------------------------------------------------
// Raw sockets

export function connectSocket(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => { socket.removeListener('error', reject); resolve(socket); });
    socket.once('error', reject);
  });
}

// Tracks a raw socket: collected data, and a promise that resolves when the peer closes it
// (end, close or error) with the time it happened.
export function watchSocket(socket) {
  const state = { data: '', closedAt: null, error: null };
  socket.setEncoding('latin1');
  socket.on('data', (c) => { state.data += c; });
  state.closed = new Promise((resolve) => {
    const done = (err) => {
      if (err) state.error = err;
      if (state.closedAt === null) state.closedAt = Date.now();
      resolve(state);
    };
    socket.on('end', () => done());
    socket.on('close', () => done());
    socket.on('error', (err) => done(err));
  });
  return state;
}

// Resolves true if `promise` settles within `ms`, false otherwise.
export async function settlesWithin(promise, ms) {
  let timer;
  const result = await Promise.race([
    promise.then(() => true, () => true),
    new Promise((r) => { timer = setTimeout(() => r(false), ms); }),
  ]);
  clearTimeout(timer);
  return result;
}

// ---------------------------------------------------------------------------------------------
// /metrics (Prometheus text) parsing

// Returns a Map from series ("name{labels}" exactly as printed, or "name") to numeric value.
export function parsePrometheus(text) {
  const series = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) continue;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    series.set(m[1] + (m[2] ?? ''), value);
  }
  return series;
}

// Sums every series of metric `name` whose labels include all of `labels` ({k: v}).
export function metricSum(series, name, labels = {}) {
  let sum = 0;
  let found = false;
  for (const [key, value] of series) {
    const brace = key.indexOf('{');
    const metric = brace < 0 ? key : key.slice(0, brace);
    if (metric !== name) continue;
    const labelText = brace < 0 ? '' : key.slice(brace);
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    sum += value;
    found = true;
  }
  return found ? sum : undefined;
}

export async function scrapeMetrics(server) {
  const res = await request(`${server.url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${describeResponse(res)}`);
  return { res, series: parsePrometheus(res.text) };
}

// ---------------------------------------------------------------------------------------------
// Reference statistics, exactly as the query API defines them.
//
// `points` is a list of {value, w} (w = 1/sample_rate). Percentiles follow the weighted
// nearest-rank definition: the smallest stored value v such that the total weight of values <= v
// is >= NN/100 x total weight. Because the threshold comparison is a float comparison, a percentile
// whose threshold lies within 1e-9 (relative) of a cumulative-weight boundary has two acceptable
// answers; `expectedStats` reports both in that (rare) case.

const REL_EPS = 1e-9;

export function weightedPercentile(points, nn) {
  const sorted = [...points].sort((a, b) => a.value - b.value);
  const total = sorted.reduce((s, p) => s + p.w, 0);
  const threshold = (nn / 100) * total;
  // Cumulative weight of values <= v, per distinct value.
  const distinct = [];
  let cum = 0;
  for (let i = 0; i < sorted.length; i++) {
    cum += sorted[i].w;
    if (i + 1 < sorted.length && sorted[i + 1].value === sorted[i].value) continue;
    distinct.push({ value: sorted[i].value, cum });
  }
  // When every natural way of computing the threshold gives the same double, and it equals a
  // cumulative weight exactly, there is no float ambiguity: only the lower value is right.
  const orders = [(nn / 100) * total, (nn * total) / 100, total * (nn / 100), (total * nn) / 100];
  const thresholdIsExact = orders.every((t) => t === threshold);
  const acceptable = new Set();
  for (let i = 0; i < distinct.length; i++) {
    const d = distinct[i];
    const diff = d.cum - threshold;
    if (diff === 0 && thresholdIsExact) { acceptable.add(d.value); break; }
    if (Math.abs(diff) <= REL_EPS * Math.max(1, Math.abs(threshold))) {
      // Boundary within float noise: this value or the next one, depending on rounding.
      acceptable.add(d.value);
      if (distinct[i + 1]) acceptable.add(distinct[i + 1].value);
      break;
    }
    if (diff > 0) { acceptable.add(d.value); break; }
  }
  return [...acceptable];
}

// Returns {stat: expected | [acceptable values]} for the given stats list.
export function expectedStats(points, stats) {
  const out = {};
  const weightSum = points.reduce((s, p) => s + p.w, 0);
  const weightedSum = points.reduce((s, p) => s + p.w * p.value, 0);
  for (const stat of stats) {
    if (stat === 'count') out.count = weightSum;
    else if (stat === 'samples') out.samples = points.length;
    else if (stat === 'sum') out.sum = weightedSum;
    else if (stat === 'avg') out.avg = weightedSum / weightSum;
    else if (stat === 'min') out.min = Math.min(...points.map((p) => p.value));
    else if (stat === 'max') out.max = Math.max(...points.map((p) => p.value));
    else if (/^p\d+(\.\d+)?$/.test(stat)) out[stat] = weightedPercentile(points, Number(stat.slice(1)));
    else throw new Error(`unknown stat ${stat}`);
  }
  return out;
}

export function approxEqual(actual, expected, rel = REL_EPS) {
  if (typeof actual !== 'number' || !Number.isFinite(actual)) return false;
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), Math.abs(actual), 1e-300);
}

// The relative error a sketch-served percentile may have (DDSketch at 0.5%, stated as 1%).
export const SKETCH_REL = 0.01;

// Compares one result row's stats with expectedStats(); returns a list of mismatch descriptions.
// `quantileRel`: the relative error allowed for percentiles (pNN), e.g. SKETCH_REL for answers
// served from sketches; every other stat is compared exactly.
export function compareStats(row, expected, label = '', { quantileRel = REL_EPS } = {}) {
  const problems = [];
  for (const [stat, want] of Object.entries(expected)) {
    const got = row?.[stat];
    const rel = /^p\d/.test(stat) ? quantileRel : REL_EPS;
    if (Array.isArray(want)) {
      if (!want.some((w) => approxEqual(got, w, rel))) {
        problems.push(`${label}${stat}: expected ${want.length > 1 ? `one of ${want.join(' / ')}` : want[0]}, got ${JSON.stringify(got)}`);
      }
    } else if (!approxEqual(got, want, rel)) {
      problems.push(`${label}${stat}: expected ${want}, got ${JSON.stringify(got)}`);
    }
  }
  return problems;
}

// A canonical string key for a group object ({release: "1", tier: "pro"} -> 'release=1|tier=pro').
export function groupKey(group) {
  return Object.keys(group ?? {}).sort().map((k) => `${k}=${group[k]}`).join('|');
}

// Deterministic PRNG (mulberry32) so generated data is the same on every run.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Every file below `dir` (none when it does not exist), as paths.
export function everyFile(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...everyFile(full));
    else out.push(full);
  }
  return out;
}

// Every zstd frame in a segment or rollup file, decompressed (blocks are zstd frames back to back).
function decodedSegment(bytes) {
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  const starts = [];
  for (let at = bytes.indexOf(magic); at >= 0; at = bytes.indexOf(magic, at + 1)) starts.push(at);
  const parts = [];
  starts.forEach((start, i) => {
    const frame = bytes.subarray(start, starts[i + 1] ?? bytes.length);
    const run = spawnSync('zstd', ['-d', '-c', '-q'], { input: frame, maxBuffer: 1 << 28 });
    if (run.stdout?.length) parts.push(run.stdout);
  });
  return Buffer.concat(parts);
}

// All the bytes the store keeps under `dataDir`, as text (segments and rollups with their zstd
// frames decompressed): what a test searches for data that must not reach disk.
export function storedBytes(dataDir) {
  const files = everyFile(dataDir);
  const parts = files.map((file) => {
    const bytes = fs.readFileSync(file);
    return file.endsWith('.seg') || file.endsWith('.rollup') ? Buffer.concat([bytes, decodedSegment(bytes)]) : bytes;
  });
  return { files, text: Buffer.concat(parts).toString('latin1') };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP: what fetch cannot send or read

// Splits what a server sent into responses: {status, head, headers (lower-case name -> values
// joined with ", "), lines ([name, value] as sent), body (Buffer), json}. Interim (1xx) answers
// are kept, with `interim: true`. A response whose body has not fully arrived is left out.
export function parseResponses(raw) {
  const out = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [statusLine, ...headerLines] = raw.slice(at, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m) break;
    const status = Number(m[1]);
    const headers = new Map();
    const lines = [];
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      lines.push([name, value]);
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    const interim = status >= 100 && status < 200;
    const length = interim || status === 204 || status === 304 ? 0 : Number(headers.get('content-length') ?? 0);
    if (end + 4 + length > raw.length) break;
    const body = Buffer.from(raw.slice(end + 4, end + 4 + length), 'latin1');
    let json;
    try { json = JSON.parse(body.toString('utf8')); } catch { json = undefined; }
    out.push({ status, head: raw.slice(at, end), headers, lines, body, json, interim });
    at = end + 4 + length;
  }
  return out;
}

export const finalResponses = (raw) => parseResponses(raw).filter((r) => !r.interim);

export function describeRaw(raw) {
  return JSON.stringify(raw.length > 800 ? `${raw.slice(0, 800)}…` : raw);
}

// Opens a connection, writes `data` (a string or Buffer, or a list of them), and collects what
// comes back until the server closes the connection, `done(raw)` holds, or `timeoutMs` passes.
// Returns {raw, responses (final ones), closed}.
export async function exchange(port, data, { timeoutMs = 2000, done } = {}) {
  const socket = await connectSocket(port);
  const state = watchSocket(socket);
  socket.on('error', () => {});
  for (const part of Array.isArray(data) ? data : [data]) socket.write(part);
  const deadline = Date.now() + timeoutMs;
  while (state.closedAt === null && Date.now() < deadline && !(done && done(state.data))) await sleep(10);
  const closed = state.closedAt !== null;
  socket.destroy();
  return { raw: state.data, responses: finalResponses(state.data), closed };
}
