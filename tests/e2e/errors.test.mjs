// Errors end to end: a small app (tests/e2e/errors_app) bundled and minified by esbuild for two
// releases and by terser for a third, its maps uploaded (the CLI and the HTTP API), errors thrown
// in real Chromium with the agent, then grouped, mapped and given a status through the API.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { minify } from 'terser';
import { chromium } from 'playwright-core';

import {
  REPO_ROOT, SHOP, baseConfig, eventually, makeTempDir, metricSum, request, runBinary, scrapeMetrics,
  startServer,
} from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const APP_DIR = path.join(REPO_ROOT, 'tests', 'e2e', 'errors_app');
const UPLOAD_TOKEN = 'shop-upload-token';
const PRICING = fs.readFileSync(path.join(APP_DIR, 'pricing.js'), 'utf8').split('\n');
const BUG_LINE = PRICING.findIndex((l) => l.includes('order.coupon.percent')) + 1;

let server;
let serverConfig;
let site;
let browser;
let buildDir;

function listen(s) {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s.address().port)));
}

// esbuild: bundled, minified, with a map (sourcesContent included) beside the bundle.
async function buildWithEsbuild(entry, outdir) {
  await esbuild.build({
    entryPoints: [path.join(APP_DIR, entry)], bundle: true, minify: true, sourcemap: true,
    format: 'iife', target: 'es2018', outfile: path.join(outdir, 'static', 'app.js'),
    logLevel: 'silent',
  });
}

// esbuild bundles without minifying, then terser minifies with the bundle's map as its input map:
// the uploaded map goes from terser's output back to the original files.
async function buildWithTerser(entry, outdir) {
  const staging = path.join(outdir, 'staging');
  await esbuild.build({
    entryPoints: [path.join(APP_DIR, entry)], bundle: true, sourcemap: true, format: 'iife',
    target: 'es2018', outfile: path.join(staging, 'app.js'), logLevel: 'silent',
  });
  const code = fs.readFileSync(path.join(staging, 'app.js'), 'utf8');
  const inputMap = fs.readFileSync(path.join(staging, 'app.js.map'), 'utf8');
  const out = await minify(code, {
    mangle: { toplevel: true }, compress: { toplevel: true, inline: false, reduce_funcs: false },
    sourceMap: { content: inputMap, url: 'bundle.min.js.map', includeSources: true },
  });
  fs.mkdirSync(path.join(outdir, 'js'), { recursive: true });
  fs.writeFileSync(path.join(outdir, 'js', 'bundle.min.js'), out.code);
  // terser names its sources relative to the input map: resolve them as the staging dir does.
  const map = JSON.parse(out.map);
  map.sources = map.sources.map((s) => path.relative(path.join(outdir, 'js'), path.join(staging, s)));
  fs.writeFileSync(path.join(outdir, 'js', 'bundle.min.js.map'), JSON.stringify(map));
  fs.rmSync(staging, { recursive: true });
}

const RELEASES = {
  '1.0.0': { dir: 'r1', bundle: '/r1/static/app.js' },
  '1.1.0': { dir: 'r2', bundle: '/r2/static/app.js' },
  '1.2.0-terser': { dir: 'r3', bundle: '/r3/js/bundle.min.js' },
  '1.3.0': { dir: 'r4', bundle: '/r4/static/app.js' },
};

before(async () => {
  buildDir = makeTempDir('sightline-errors-app-');
  await buildWithEsbuild('main.js', path.join(buildDir, 'r1'));
  await buildWithEsbuild('main2.js', path.join(buildDir, 'r2'));
  await buildWithTerser('main.js', path.join(buildDir, 'r3'));
  fs.cpSync(path.join(buildDir, 'r2'), path.join(buildDir, 'r4'), { recursive: true });

  serverConfig = baseConfig();
  serverConfig.projects = serverConfig.projects.map((p) => (p.id === SHOP.id
    ? { ...p, upload_tokens: [UPLOAD_TOKEN] } : p));
  server = await startServer(serverConfig);
  site = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/app.html') {
      const release = url.searchParams.get('release');
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script>
!function(w,d,s,n){var q=w[n]=w[n]||{q:[]};["init","track","identify","setFlags","setConsent"].forEach(function(m){q[m]=q[m]||function(){q.q.push([m,[].slice.call(arguments)])}});var e=d.createElement("script");e.async=1;e.src=s;d.head.appendChild(e)}(window,document,"${server.url}/sightline.js","Sightline");
Sightline.init({ key: '${SHOP.key}', endpoint: '${server.url}/v1/beacon', release: '${release}',
  respectDNT: false, flushIntervalMs: 300 });
Sightline.identify({ tier: 'premium' });
Sightline.setFlags(['new-payment-flow']);
</script></head><body><h1>Checkout</h1><button id="pay">Pay</button>
<button id="card">Card</button>
<script src="${RELEASES[release].bundle}"></script></body></html>`);
    }
    const file = path.join(buildDir, path.normalize(url.pathname));
    if (!file.startsWith(buildDir) || !fs.existsSync(file) || url.pathname.endsWith('.map')) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/javascript' });
    return res.end(fs.readFileSync(file));
  });
  site.port = await listen(site);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  if (site) site.close();
  if (server) await server.stop();
});

function api(pathAndQuery, { method = 'GET', body, token = SHOP.token, headers = {} } = {}) {
  return request(`${server.url}${pathAndQuery}`, {
    method, body, headers: { authorization: `Bearer ${token}`, ...headers },
    contentType: body === undefined ? undefined : 'application/json',
  });
}

async function uploadWithCli(release) {
  const r = await runBinary(['sourcemaps', 'upload', '--release', release, '--server', server.url,
    '--project', SHOP.id, '--token', UPLOAD_TOKEN, '--url-prefix', `/${RELEASES[release].dir}/`,
    path.join(buildDir, RELEASES[release].dir)]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function uploadWithApi(release, file, url) {
  const res = await api(`/api/v1/sourcemaps?project=${SHOP.id}&release=${release}` +
    `&url=${encodeURIComponent(url)}`, {
    method: 'POST', body: fs.readFileSync(path.join(buildDir, file)), token: UPLOAD_TOKEN,
  });
  assert.equal(res.status, 201, res.text);
  return JSON.parse(res.text);
}

// Opens the app of `release`, clicks `buttons` in order, hides the page (the agent sends what it
// holds) and waits until every beacon the page sent has been answered.
async function visit(release, buttons) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const stacks = [];
  let pending = 0;
  const isBeacon = (req) => req.url().startsWith(`${server.url}/v1/beacon`) && req.method() === 'POST';
  page.on('pageerror', (e) => stacks.push(e.stack));
  page.on('request', (req) => { if (isBeacon(req)) pending++; });
  page.on('requestfinished', (req) => { if (isBeacon(req)) pending--; });
  page.on('requestfailed', (req) => { if (isBeacon(req)) pending--; });
  await page.goto(`http://localhost:${site.port}/app.html?release=${release}`);
  await page.waitForFunction(() => window.Sightline && !Array.isArray(window.Sightline.q));
  for (const b of buttons) await page.click(`#${b}`);
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForTimeout(100);
  await eventually(() => assert.equal(pending, 0), { timeoutMs: 10000 });
  await context.close();
  return stacks;
}

async function groups(query = '') {
  const res = await api(`/api/v1/errors?project=${SHOP.id}&from=${Date.now() - 3600000}${query}`);
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text);
}

const seenStacks = {};
let uploaded;

test('maps upload through the CLI and the API; malformed maps are refused with the problem named', async () => {
  const cli = await uploadWithCli('1.0.0');
  assert.match(cli, /uploaded static\/app\.js\.map for \/r1\/static\/app\.js/);
  assert.match(cli, /1 source maps uploaded for release 1\.0\.0, 0 failed/);
  await uploadWithCli('1.2.0-terser');
  // A path key matches any origin; a full URL only its own.
  uploaded = await uploadWithApi('1.1.0', 'r2/static/app.js.map', '/r2/static/app.js');
  assert.equal(uploaded.url, '/r2/static/app.js');
  await uploadWithApi('1.3.0', 'r4/static/app.js.map',
    `http://localhost:${site.port}/r4/static/app.js?cache=1`);

  const list = await api(`/api/v1/sourcemaps?project=${SHOP.id}&release=1.0.0`, { token: UPLOAD_TOKEN });
  assert.equal(list.status, 200);
  assert.deepEqual(JSON.parse(list.text).maps.map((m) => m.url), ['/r1/static/app.js']);

  const post = (body, { token = UPLOAD_TOKEN, query = `project=${SHOP.id}&release=9&url=/x.js` } = {}) =>
    api(`/api/v1/sourcemaps?${query}`, { method: 'POST', body, token });
  const refused = async (body, field, reason) => {
    const res = await post(body);
    assert.equal(res.status, 400, res.text);
    const answer = JSON.parse(res.text);
    assert.equal(answer.field, field, res.text);
    assert.match(answer.reason, reason);
  };
  await refused('{"version":3,"sources":["a.js"],"mappings":"AA!A"}', 'mappings',
    /invalid Base64 character '!' at offset 2/);
  await refused('{"version":3,"sources":["a.js"],"mappings":"ACAA"}', 'mappings',
    /source index 1 is not in sources/);
  await refused('{"version":2,"sources":[],"mappings":""}', 'version', /must be 3/);
  await refused('this is not json', 'body', /not JSON/);
  await refused('{"version":3,"mappings":"AAAA"}', 'sources', /array of strings/);
  let res = await post('{}', { query: `project=${SHOP.id}&release=9&url=app.js` });
  assert.equal(res.status, 400);
  assert.equal(JSON.parse(res.text).field, 'url');
  res = await post('{}', { query: `project=${SHOP.id}&url=/app.js` });
  assert.equal(JSON.parse(res.text).field, 'release');
  res = await post('{}', { token: SHOP.token });
  assert.equal(res.status, 403, 'a read token cannot upload');
  res = await post('{}', { token: 'nope' });
  assert.equal(res.status, 401);
  // Nothing of the refused uploads was stored.
  const none = await api(`/api/v1/sourcemaps?project=${SHOP.id}&release=9`, { token: UPLOAD_TOKEN });
  assert.deepEqual(JSON.parse(none.text).maps, []);
});

test('an error thrown in Chromium is stored with its stack mapped to the original file, line, column and function', async () => {
  seenStacks['1.0.0'] = await visit('1.0.0', ['pay', 'pay', 'card']);
  seenStacks['1.1.0'] = await visit('1.1.0', ['pay']);
  seenStacks['1.2.0-terser'] = await visit('1.2.0-terser', ['pay', 'card']);
  // The minified names differ between the releases: grouping cannot lean on them.
  const topFunction = (stack) => /\n\s+at (?:\S+\.)?(\S+) \(/.exec(stack)?.[1];
  assert.equal(seenStacks['1.0.0'].length, 3);
  assert.notEqual(topFunction(seenStacks['1.0.0'][0]), topFunction(seenStacks['1.1.0'][0]),
    `${seenStacks['1.0.0'][0]}\n${seenStacks['1.1.0'][0]}`);

  const answer = await eventually(async () => {
    const g = await groups();
    // Six errors; the agent sends a repeat on the same page view as a count on one event (or
    // as a second event when it flushed between the clicks).
    assert.equal(g.groups.reduce((n, x) => n + x.count, 0), 6, JSON.stringify(g));
    assert.ok(g.groups.reduce((n, x) => n + x.occurrences, 0) <= 6, JSON.stringify(g));
    return g;
  }, { timeoutMs: 10000 });
  const typeError = answer.groups.find((g) => g.type === 'TypeError');
  assert.ok(typeError, JSON.stringify(answer));
  const top = typeError.top_frame;
  assert.equal(top.mapped, true, JSON.stringify(top));
  assert.match(top.source, /errors_app\/pricing\.js$/);
  assert.equal(top.source_line, BUG_LINE);
  const lineText = PRICING[BUG_LINE - 1];
  assert.ok(top.source_column >= lineText.indexOf('order.coupon') + 1 &&
    top.source_column <= lineText.indexOf('percent;') + 1, `column ${top.source_column} in "${lineText}"`);
  assert.equal(top.function, 'applyDiscount');
  assert.equal(top.in_app, true);
  assert.match(top.file, /\/static\/app\.js$/);
  assert.match(typeError.culprit, /^applyDiscount \(.*errors_app\/pricing\.js\)$/);

  // Each release's map was parsed once and is held in the bounded cache.
  const { series: metrics } = await scrapeMetrics(server);
  assert.equal(metricSum(metrics, 'sightline_sourcemap_parses'), 3);
  assert.ok(metricSum(metrics, 'sightline_sourcemap_cache_bytes') > 0);
});

test('the same bug from releases with different minified names is one group; different bugs stay apart', async () => {
  const answer = await groups();
  assert.equal(answer.groups.length, 2, JSON.stringify(answer.groups.map((g) => [g.type, g.culprit, g.releases])));
  const [first, second] = answer.groups;  // sorted by count
  assert.equal(first.type, 'TypeError');
  assert.equal(first.count, 4);
  assert.ok(first.occurrences === 3 || first.occurrences === 4);
  assert.deepEqual(first.releases, ['1.0.0', '1.1.0', '1.2.0-terser']);
  assert.equal(first.first_release, '1.0.0');
  assert.equal(first.sessions, 3);
  assert.equal(first.users, 3);
  assert.equal(first.status, 'open');
  assert.equal(first.regression, false);
  assert.equal(second.type, 'RangeError');
  assert.match(second.message, /^card number missing for order \d+$/);
  assert.equal(second.top_frame.function, 'validateCard');
  assert.deepEqual(second.releases, ['1.0.0', '1.2.0-terser']);
  assert.notEqual(first.fingerprint, second.fingerprint);
  assert.equal(first.trend.reduce((a, b) => a + b, 0), 4);
  assert.equal(answer.bucket_ms, 3600000);

  // Filters and sorting.
  const filtered = await groups('&filter=release:1.1.0');
  assert.deepEqual(filtered.groups.map((g) => [g.type, g.count]), [['TypeError', 1]]);
  const newest = await groups('&sort=newest');
  assert.equal(newest.groups.length, 2);
  assert.ok(newest.groups[0].first_seen >= newest.groups[1].first_seen);
  const bad = await api(`/api/v1/errors?project=${SHOP.id}&sort=loudest`);
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.text).field, 'sort');
});

test('a group shows its breakdowns and recent occurrences with context and mapped stacks', async () => {
  const { groups: [typeError] } = await groups();
  const res = await api(`/api/v1/errors/${typeError.fingerprint}?project=${SHOP.id}&from=${Date.now() - 3600000}`);
  assert.equal(res.status, 200, res.text);
  const detail = JSON.parse(res.text);
  assert.equal(detail.group.fingerprint, typeError.fingerprint);
  const values = (name) => Object.fromEntries(detail.breakdowns[name].map((r) => [r.value, r.count]));
  assert.deepEqual(values('release'), { '1.0.0': 2, '1.1.0': 1, '1.2.0-terser': 1 });
  assert.deepEqual(values('flag'), { 'new-payment-flow': 4 });
  assert.deepEqual(values('tier'), { premium: 4 });
  assert.deepEqual(values('route'), { '/app.html': 4 });
  assert.equal(detail.breakdowns.browser.length, 1);
  assert.equal(detail.breakdowns.browser[0].share, 1);
  assert.equal(detail.occurrences.length, typeError.occurrences);
  const o = detail.occurrences[0];
  assert.ok(o.ts >= detail.occurrences[1].ts, 'newest first');
  assert.equal(o.type, 'TypeError');
  assert.deepEqual(o.flags, ['new-payment-flow']);
  assert.equal(o.tier, 'premium');
  assert.match(o.url, /\/app\.html/);
  assert.ok(o.browser && o.os && o.device, JSON.stringify(o));
  assert.ok(Array.isArray(o.breadcrumbs));
  assert.ok(o.breadcrumbs.some((b) => JSON.stringify(b).includes('pay')), JSON.stringify(o.breadcrumbs));
  for (const occurrence of detail.occurrences) {
    const [frame] = occurrence.frames;
    assert.equal(frame.function, 'applyDiscount');
    assert.equal(frame.source_line, BUG_LINE);
    assert.equal(frame.context.line, PRICING[BUG_LINE - 1]);
    assert.deepEqual(frame.context.pre, PRICING.slice(Math.max(0, BUG_LINE - 4), BUG_LINE - 1));
    // The caller is mapped too: submitOrder in checkout.js.
    assert.ok(occurrence.frames.some((f) => f.function === 'submitOrder' && /checkout\.js$/.test(f.source)),
      JSON.stringify(occurrence.frames.map((f) => [f.function, f.source])));
  }
  const missing = await api(`/api/v1/errors/0123456789abcdef?project=${SHOP.id}`);
  assert.equal(missing.status, 404);
  const malformed = await api(`/api/v1/errors/nothex?project=${SHOP.id}`);
  assert.equal(malformed.status, 404);
  const other = await api(`/api/v1/errors/${typeError.fingerprint}?project=${SHOP.id}`, { token: 'blog-read-token-x' });
  assert.equal(other.status, 401);
});

test('a status is set through the API; a resolved group that comes back in a later release is a regression', async () => {
  const { groups: [typeError, rangeError] } = await groups();
  const patch = (fingerprint, body) => api(`/api/v1/errors/${fingerprint}?project=${SHOP.id}`,
    { method: 'PATCH', body });
  let res = await patch(typeError.fingerprint, '{"status":"resolved"}');
  assert.equal(res.status, 200, res.text);
  assert.equal(JSON.parse(res.text).status, 'resolved');
  res = await patch(rangeError.fingerprint, '{"status":"ignored"}');
  assert.equal(res.status, 200);
  res = await patch(rangeError.fingerprint, '{"status":"fixed"}');
  assert.equal(res.status, 400);
  assert.equal(JSON.parse(res.text).field, 'status');
  res = await patch('0123456789abcdef', '{"status":"resolved"}');
  assert.equal(res.status, 404);

  let answer = await groups();
  const status = Object.fromEntries(answer.groups.map((g) => [g.type, g.status]));
  assert.deepEqual(status, { TypeError: 'resolved', RangeError: 'ignored' });
  assert.deepEqual((await groups('&status=ignored')).groups.map((g) => g.type), ['RangeError']);

  // The old release still throwing does not reopen it; a new release does.
  await visit('1.1.0', ['pay']);
  answer = await eventually(async () => {
    const g = await groups();
    assert.equal(g.groups.find((x) => x.type === 'TypeError').count, 5);
    return g;
  }, { timeoutMs: 10000 });
  assert.equal(answer.groups.find((x) => x.type === 'TypeError').status, 'resolved');
  assert.equal(answer.groups.find((x) => x.type === 'TypeError').regression, false);
  await visit('1.3.0', ['pay']);
  answer = await eventually(async () => {
    const g = await groups();
    assert.equal(g.groups.find((x) => x.type === 'TypeError').count, 6);
    return g;
  }, { timeoutMs: 10000 });
  const regressed = answer.groups.find((x) => x.type === 'TypeError');
  assert.equal(regressed.fingerprint, typeError.fingerprint, 'release 1.3.0 (map given as a full URL) groups too');
  assert.equal(regressed.status, 'open');
  assert.equal(regressed.regression, true);
  assert.equal(regressed.regressed_in, '1.3.0');

  // Statuses and maps survive a restart.
  const dataDir = server.dataDir;
  await server.stop();
  server = await startServer(serverConfig, { dataDir });
  answer = await groups();
  assert.deepEqual(answer.groups.map((g) => [g.fingerprint, g.status]),
    [[typeError.fingerprint, 'open'], [rangeError.fingerprint, 'ignored']]);
  assert.equal(answer.groups[0].top_frame.function, 'applyDiscount');
});

test('the upload route has its own body limit, limits.max_sourcemap_bytes; gzip bodies are inflated', async () => {
  const config = baseConfig({ limits: { max_body_bytes: 1024, max_sourcemap_bytes: 4096 } });
  config.projects = config.projects.map((p) => (p.id === SHOP.id ? { ...p, upload_tokens: [UPLOAD_TOKEN] } : p));
  const small = await startServer(config);
  try {
    // A valid map of about 3000 bytes: over max_body_bytes, under max_sourcemap_bytes.
    const map = (bytes) => JSON.stringify({ version: 3, sources: ['a.js'], names: [], mappings: 'AAAA',
      sourcesContent: ['x'.repeat(bytes)] });
    const upload = (body, headers = {}) => request(`${small.url}/api/v1/sourcemaps?project=${SHOP.id}&release=1&url=/a.js`,
      { method: 'POST', body, headers: { authorization: `Bearer ${UPLOAD_TOKEN}`, ...headers } });
    let res = await upload(map(3000));
    assert.equal(res.status, 201, res.text);
    res = await upload(map(5000));
    assert.equal(res.status, 413, res.text);
    assert.match(JSON.parse(res.text).reason, /limits\.max_sourcemap_bytes \(4096 bytes\)/);
    // gzip: a small body that inflates past the limit is refused too; one within it is stored.
    res = await request(`${small.url}/api/v1/sourcemaps?project=${SHOP.id}&release=1&url=/b.js`, {
      method: 'POST', body: map(3000), gzip: true, headers: { authorization: `Bearer ${UPLOAD_TOKEN}` } });
    assert.equal(res.status, 201, res.text);
    res = await request(`${small.url}/api/v1/sourcemaps?project=${SHOP.id}&release=1&url=/c.js`, {
      method: 'POST', body: map(20000), gzip: true, headers: { authorization: `Bearer ${UPLOAD_TOKEN}` } });
    assert.equal(res.status, 413, res.text);
    // Other routes keep max_body_bytes.
    res = await request(`${small.url}/v1/beacon`, { method: 'POST', body: 'x'.repeat(2000) });
    assert.equal(res.status, 413);
    assert.match(res.text, /limits\.max_body_bytes/);
  } finally {
    await small.stop();
  }
});

test('one fault is one group in every browser: the stack Chromium printed, and the same frames as Firefox and Safari print them, with their own messages', async () => {
  const { groups: before } = await groups();
  const typeError = before.find((g) => g.type === 'TypeError');
  // Chromium's own stack from release 1.0.0, rewritten frame by frame in the other engines'
  // format ("fn@url:line:col"; "@url:…" for an anonymous function).
  const chromeStack = seenStacks['1.0.0'][0];
  const frames = chromeStack.split('\n').map((line) => /^\s+at (?:(.*?) \()?(\S+?):(\d+):(\d+)\)?$/.exec(line))
    .filter(Boolean).map(([, fn, url, l, c]) => ({ fn: !fn || fn.includes('<anonymous>') ? '' : fn.split('.').at(-1), url, l, c }));
  assert.ok(frames.length >= 2, chromeStack);
  const spiderMonkey = frames.map((f) => `${f.fn}@${f.url}:${f.l}:${f.c}`).join('\n');
  const engines = [
    ['Firefox', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'can\'t access property "percent", order.coupon is undefined', spiderMonkey],
    ['Safari', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'undefined is not an object (evaluating \'order.coupon.percent\')', `${spiderMonkey}\ndispatchEvent@[native code]`],
  ];
  for (const [, userAgent, message, stack] of engines) {
    const res = await request(`${server.url}/v1/beacon`, {
      method: 'POST', headers: { 'User-Agent': userAgent },
      body: { v: 1, key: SHOP.key, session_id: `engine-${userAgent.length}`, page_view_id: 'pv-engine', consent: 'full',
        context: { url: `http://localhost:${site.port}/app.html`, release: '1.0.0' },
        events: [{ type: 'error', ts: Date.now(), kind: 'TypeError', message, stack }] },
    });
    assert.equal(res.status, 202, res.text);
  }
  const after = await eventually(async () => {
    const g = (await groups()).groups.find((x) => x.fingerprint === typeError.fingerprint);
    assert.equal(g?.count, typeError.count + 2, JSON.stringify((await groups()).groups.map((x) => [x.type, x.culprit, x.count])));
    return g;
  }, { timeoutMs: 5000 });
  assert.equal(after.culprit, typeError.culprit);
  // The group shows how each browser words it.
  const res = await api(`/api/v1/errors/${typeError.fingerprint}?project=${SHOP.id}&from=${Date.now() - 3600000}`);
  assert.equal(res.status, 200, res.text);
  const messages = JSON.parse(res.text).messages;
  const byBrowser = Object.fromEntries(messages.map((m) => [m.browser, m.message]));
  assert.match(byBrowser.Chrome ?? byBrowser['Chrome Headless'] ?? byBrowser.HeadlessChrome ?? '', /Cannot read properties of undefined/, JSON.stringify(messages));
  for (const [browser, , message] of engines) assert.equal(byBrowser[browser], message, JSON.stringify(messages));
});
