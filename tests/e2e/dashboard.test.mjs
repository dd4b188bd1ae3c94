// The dashboard in real Chromium (Debian's `chromium`, driven by playwright-core) against a server
// seeded by the load generator: sign-in, every view rendering real data that matches the query
// API, filters and drill-down round-tripping through the URL, the session timeline, phone width,
// dark mode, keyboard use, and no console errors. Screenshots of each view are saved beside the
// binary, in test-artifacts/dashboard/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import {
  BIN, BLOG, SHOP, baseConfig, beacon, errorEvent, eventually, postBeacon, queryMetrics, request, runBinary,
  startServer,
} from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(path.dirname(BIN), 'test-artifacts', 'dashboard');
const UPLOAD_TOKEN = 'shop-upload-token';
const VIEWS = ['overview', 'breakdown', 'trends', 'pages', 'errors', 'sessions', 'loading', 'api', 'agent', 'business'];

let server;
let browser;

before(async () => {
  // The dashboard measures itself into the blog project (server.dashboard_rum_key).
  const config = baseConfig();
  config.server.dashboard_rum_key = BLOG.key;
  config.projects.find((p) => p.id === BLOG.id).allowed_origins = ['http://127.0.0.1:*'];
  config.projects.find((p) => p.id === SHOP.id).upload_tokens = [UPLOAD_TOKEN];
  server = await startServer(config);
  // Realistic beacons (page views, vitals, actions, API calls, errors, business events) over HTTP.
  const seeded = await runBinary(['loadgen', '--target', server.url, '--key', SHOP.key, '--rate', '300',
    '--duration', '4', '--connections', '4'], { timeoutMs: 30000 });
  assert.equal(seeded.code, 0, seeded.stderr);
  // Resource summaries and long frames as the agent's extras send them (the load generator sends
  // neither).
  const events = [];
  for (let i = 0; i < 30; i++) {
    const ts = Date.now() - 60_000 + i * 1000;
    events.push({ type: 'resource', ts, count: 4, transfer_bytes: 150_000 + i,
      slowest: [{ url: 'https://cdn.shop.example/app.js', duration: 200 + i, initiator: 'script', transfer_bytes: 90_000 },
        { url: 'https://fonts.example/inter.woff2', duration: 400 + 3 * i, initiator: 'css', transfer_bytes: 40_000 }],
      third_party: { 'fonts.example': { count: 1, transfer_bytes: 40_000, duration: 400 + 3 * i },
        ...(i % 2 ? { 'ads.example': { count: 2, transfer_bytes: 9_000, duration: 900 } } : {}) },
      render_blocking: i % 3 ? ['https://cdn.shop.example/app.css'] : [] });
    events.push({ type: 'long_task', ts: ts + 10, duration: 120 + i, blocking_duration: 70 + i,
      ...(i % 2 ? { script: 'https://ads.example/tag.js', function: 'bid', invoker: 'TimerHandler:setTimeout' } : {}) });
  }
  const extras = await postBeacon(server, beacon({ events }));
  assert.equal(extras.status, 202, extras.text);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// A signed-in page that records its API requests and every console problem.
async function openDashboard({ viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  const apiCalls = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (r.url().includes('/api/v1/')) apiCalls.push(r.url()); });
  await page.goto(`${server.url}/`);
  await page.fill('#token', SHOP.token);
  await page.press('#token', 'Enter');
  await page.waitForSelector('[data-vital]');
  return { context, page, problems, apiCalls };
}

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('main .loading'), null, { timeout: 15000 });
}

// The API's answer to the same request the dashboard made (its URL, with the read token).
async function replay(url) {
  const res = await request(url, { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  return res.json;
}

test('a wrong token is refused with a message; the right one signs in to the project', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.fill('#token', 'not-a-token');
  await page.press('#token', 'Enter');
  await page.waitForSelector('text=not a read token');
  await page.fill('#token', SHOP.token);
  await page.press('#token', 'Enter');
  await page.waitForSelector('[data-vital]');
  assert.equal(new URL(page.url()).searchParams.get('project'), SHOP.id);
  assert.equal(await page.$eval('#project', (s) => s.value), SHOP.id);
  await context.close();
});

test('every view renders real data without errors, and the overview matches the API', async () => {
  const { context, page, problems, apiCalls } = await openDashboard();
  await settled(page);
  // Each vital card shows the p75 the API gives for the same request.
  for (const name of ['LCP', 'INP', 'CLS']) {
    const url = apiCalls.find((u) => u.includes('/api/v1/metrics?') && new URL(u).searchParams.get('name') === name);
    assert.ok(url, `the overview asked for ${name}`);
    const answer = await replay(url);
    const shown = await page.$eval(`[data-vital="${name}"] [data-p75]`, (el) => el.dataset.p75);
    assert.ok(answer.rows.length === 1 && answer.rows[0].count > 0, `${name} has values`);
    assert.equal(Number(shown), answer.rows[0].p75, `${name} p75 shown`);
  }
  const overviewUrl = apiCalls.find((u) => u.includes('/api/v1/overview?'));
  const totals = (await replay(overviewUrl)).totals;
  assert.ok(totals.page_views > 0 && totals.api_calls > 0 && totals.errors > 0, JSON.stringify(totals));
  assert.equal(Number(await page.$eval('[data-counter="page_views"] [data-value]', (el) => el.dataset.value)), totals.page_views);
  assert.equal(Number(await page.$eval('[data-counter="sessions"] [data-value]', (el) => el.dataset.value)), totals.sessions);

  for (const view of VIEWS) {
    await page.goto(`${server.url}/?project=${SHOP.id}&view=${view}`);
    await settled(page);
    const error = await page.$eval('main', (m) => m.querySelector('.error')?.textContent ?? '');
    assert.equal(error, '', `${view} shows no error`);
    const cells = await page.$$eval('main td, main .card', (els) => els.length);
    assert.ok(cells > 0, `${view} shows data`);
    await page.screenshot({ path: path.join(ARTIFACTS, `${view}.png`), fullPage: true });
  }
  // The API view lists the endpoints the API lists, in the same order by count.
  await page.goto(`${server.url}/?project=${SHOP.id}&view=api`);
  await settled(page);
  const apiUrl = apiCalls.filter((u) => u.includes('/api/v1/api_calls?')).at(-1);
  const endpoints = (await replay(apiUrl)).rows.map((r) => r.endpoint);
  const shownEndpoints = await page.$$eval('[data-part="endpoints"] tbody tr', (rows) => rows.map((r) => r.children[1].textContent));
  assert.deepEqual(shownEndpoints, endpoints);

  // The agent's cost: the rows the API gives, by page views.
  await page.goto(`${server.url}/?project=${SHOP.id}&view=agent`);
  await settled(page);
  const agentUrl = apiCalls.filter((u) => u.includes('/api/v1/agent?')).at(-1);
  const agentRows = (await replay(agentUrl)).rows;
  assert.ok(agentRows.length > 0 && agentRows[0].script_ms.p75 > 0, JSON.stringify(agentRows[0]));
  const shownAgent = await page.$$eval('[data-part="agent"] tbody tr', (rows) => rows.map((r) => r.children[0].textContent));
  assert.deepEqual(shownAgent, agentRows.map((r) => r.browser ?? '(none)'));

  // Trends: one line per segment asked for.
  await page.goto(`${server.url}/?project=${SHOP.id}&view=trends&segment=device:mobile&segment=device:desktop`);
  await settled(page);
  const trendsUrl = apiCalls.filter((u) => u.includes('/api/v1/timeseries?') && new URL(u).searchParams.getAll('segment').length === 2).at(-1);
  const trend = await replay(trendsUrl);
  assert.equal(Number(await page.$eval('[data-series]', (el) => el.dataset.series)), trend.series.length);
  assert.equal(await page.$$eval('.u-legend .u-series', (els) => els.length), 1 + trend.series.length);

  // Business: the conversion rows are the API's buckets; the suggested funnel opens with its steps.
  await page.goto(`${server.url}/?project=${SHOP.id}&view=business`);
  await settled(page);
  const usageUrl = new URL(apiCalls.filter((u) => u.includes('/api/v1/usage?')).at(-1));
  assert.ok(usageUrl.searchParams.get('parts').split(',').includes('conversion'));
  const conversion = (await replay(usageUrl.href)).conversion;
  const rates = await page.$$eval('[data-chart="conversion"] tbody tr', (trs) => trs.map((tr) => tr.children[2].textContent));
  assert.deepEqual(rates, conversion.buckets.map((b) => (b.rate === null ? '–' : `${(b.rate * 100).toFixed(2)}%`)));
  const suggested = await page.$eval('[data-suggested-funnel]', (a) => a.dataset.suggestedFunnel);
  await page.click('[data-suggested-funnel]');
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('steps'), suggested);
  const funnel = await replay(apiCalls.filter((u) => u.includes('/api/v1/funnel?')).at(-1));
  const steps = await page.$$eval('table:has(caption:text("Funnel steps")) tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
  assert.deepEqual(steps, funnel.rows[0]?.steps.map((s) => s.step) ?? []);
  await page.screenshot({ path: path.join(ARTIFACTS, 'business-funnel.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('breakdown rows drill down into a filter that lives in the URL and applies to every view', async () => {
  const { context, page, problems, apiCalls } = await openDashboard();
  await page.goto(`${server.url}/?project=${SHOP.id}&view=breakdown&metric=LCP&dim=device`);
  await settled(page);
  const url = apiCalls.filter((u) => u.includes('group_by=device')).at(-1);
  const answer = await replay(url);
  const rows = await page.$$eval('main tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
  assert.deepEqual(rows, answer.rows.map((r) => r.group.device ?? '(none)'));
  // Sorting by p75 ascending reorders the rows; the sort is in the URL.
  await page.click('th button:has-text("p75")');
  await settled(page);
  await page.click('th button:has-text("p75")');
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('dir'), 'asc');
  const sorted = await page.$$eval('main tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
  const byP75 = [...answer.rows].sort((a, b) => a.p75 - b.p75).map((r) => r.group.device ?? '(none)');
  assert.deepEqual(sorted, byP75);

  // Drill down with the keyboard: focus the first row and press Enter.
  const first = sorted[0];
  await page.focus('main tbody tr');
  await page.keyboard.press('Enter');
  await settled(page);
  const filters = new URL(page.url()).searchParams.getAll('filter');
  assert.deepEqual(filters, [`device:${first}`]);
  assert.deepEqual(await page.$$eval('.chip', (chips) => chips.map((c) => c.firstChild.textContent)), [`device:${first}`]);
  // The link reproduces the view: a fresh page at the URL shows the same filter and queries with it.
  const link = page.url();
  const second = await openDashboard();
  await second.page.goto(link);
  await settled(second.page);
  assert.deepEqual(await second.page.$$eval('.chip', (chips) => chips.map((c) => c.firstChild.textContent)), [`device:${first}`]);
  assert.ok(second.apiCalls.some((u) => new URL(u).searchParams.get('filter') === `device:${first}`));
  // Other views query with it too.
  await second.page.click('#nav a:has-text("Overview")');
  await settled(second.page);
  const overview = second.apiCalls.filter((u) => u.includes('/api/v1/overview?')).at(-1);
  assert.equal(new URL(overview).searchParams.get('filter'), `device:${first}`);
  // Removing the chip removes the filter.
  await second.page.click('.chip button');
  await settled(second.page);
  assert.deepEqual(new URL(second.page.url()).searchParams.getAll('filter'), []);
  assert.deepEqual([...problems, ...second.problems], []);
  await second.context.close();
  await context.close();
});

test('the Loading view shows the load phases, third-party cost and the scripts behind long frames as the API gives them', async () => {
  const { context, page, problems, apiCalls } = await openDashboard();
  await page.goto(`${server.url}/?project=${SHOP.id}&view=loading`);
  await settled(page);
  const last = (what) => apiCalls.filter((u) => u.includes(`/api/v1/${what}?`)).at(-1);
  const nav = (await replay(last('navigation'))).rows[0];
  for (const phase of ['dns', 'ttfb', 'dom_content_loaded', 'load']) {
    const shown = await page.$eval(`[data-phase="${phase}"] [data-stat="p75"]`, (el) => el.dataset.value);
    assert.equal(Number(shown), nav.phases[phase].p75, `${phase} p75 shown as the API gives it`);
  }
  const resources = await replay(last('resources'));
  const cells = (part, col) => page.$$eval(`[data-part="${part}"] tbody tr`, (rows, c) => rows.map((r) => r.children[c].textContent), col);
  assert.deepEqual(await cells('third-party', 0), resources.third_party.map((d) => d.domain));
  assert.deepEqual(await cells('third-party', 0), ['ads.example', 'fonts.example'], 'by total time');
  assert.deepEqual(await cells('resources', 0), resources.resources.map((r) => r.url));
  const frames = await replay(last('long_frames'));
  assert.deepEqual(await cells('long-frames', 0), frames.rows.map((r) => r.script ?? '(no script: style and layout)'));
  // Sorting by bytes is kept in the URL, and asks the API for it.
  await page.selectOption('[data-part="resource-sort"] select', 'bytes');
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('rsort'), 'bytes');
  const byBytes = await replay(last('resources'));
  assert.equal(new URL(last('resources')).searchParams.get('sort'), 'bytes');
  assert.deepEqual(await cells('third-party', 0), byBytes.third_party.map((d) => d.domain));
  assert.deepEqual(await cells('third-party', 0), ['fonts.example', 'ads.example'], 'by bytes');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a route opens with its LCP elements and slowest resources, as the API attributes them', async () => {
  const { context, page, problems, apiCalls } = await openDashboard();
  await page.goto(`${server.url}/?project=${SHOP.id}&view=pages`);
  await settled(page);
  const route = await page.$eval('main tbody tr td', (td) => td.textContent);
  await page.click('main tbody tr');
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('route'), route);
  const url = apiCalls.find((u) => u.includes('/api/v1/attribution?') && new URL(u).searchParams.get('by') === 'element');
  assert.equal(new URL(url).searchParams.get('filter'), `route:${route}`);
  const answer = await replay(url);
  assert.ok(answer.rows.some((r) => r.element), 'the load generator\'s LCP elements are attributed');
  const shown = await page.$$eval('table:has(caption:text("LCP elements")) tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
  assert.deepEqual(shown, answer.rows.map((r) => r.element ?? '(not attributed)'));
  await page.screenshot({ path: path.join(ARTIFACTS, 'page-detail.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a custom time range is applied from the picker and kept in the URL', async () => {
  const { context, page, problems, apiCalls } = await openDashboard();
  await settled(page);
  const from = new Date(Date.now() - 3 * 3600_000);
  const to = new Date(Date.now() + 3600_000);
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await page.fill('input[aria-label="From"]', local(from));
  await page.fill('input[aria-label="To"]', local(to));
  await page.click('button:has-text("Apply range")');
  await settled(page);
  const params = new URL(page.url()).searchParams;
  assert.equal(Date.parse(params.get('from')), Math.floor(from.getTime() / 60000) * 60000);
  assert.equal(await page.$eval('#range', (s) => s.value), 'custom');
  const last = apiCalls.filter((u) => u.includes('/api/v1/overview?')).at(-1);
  assert.equal(Number(new URL(last).searchParams.get('from')), Date.parse(params.get('from')));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a session opens as its timeline, event for event as the API gives it', async () => {
  const { context, page, problems, apiCalls } = await openDashboard();
  await page.goto(`${server.url}/?project=${SHOP.id}&view=sessions`);
  await settled(page);
  await page.click('main tbody tr');
  await settled(page);
  const id = new URL(page.url()).searchParams.get('session');
  assert.ok(id);
  const url = apiCalls.find((u) => u.includes(`/api/v1/sessions/${encodeURIComponent(id)}`));
  const timeline = await replay(url);
  const shown = await page.$$eval('.timeline li', (lis) => lis.map((li) => li.dataset.type));
  assert.deepEqual(shown, timeline.events.map((e) => e.type));
  assert.ok(shown.includes('page_view') && shown.includes('vital'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('an API call opens its backend trace as a waterfall; the API view sets backend latency beside the browser\'s', async () => {
  // A backend answers one of the session's calls, and exports its spans over OTLP/HTTP (JSON).
  const auth = { headers: { Authorization: `Bearer ${SHOP.token}` } };
  const sessions = await request(`${server.url}/api/v1/sessions?project=${SHOP.id}&limit=100`, auth);
  const withCalls = sessions.json.sessions.find((r) => r.api_calls > 0);
  assert.ok(withCalls, 'the load generator sent sessions with API calls');
  const timelineUrl = `${server.url}/api/v1/sessions/${encodeURIComponent(withCalls.session_id)}?project=${SHOP.id}`;
  const call = (await request(timelineUrl, auth)).json.events.find((e) => e.type === 'api_call' && e.trace_id);
  const startNs = (BigInt(Math.round((call.ts - call.duration) * 1000)) * 1000n) + 2000000n;
  const serverMs = call.duration / 2;
  const span = (spanId, parent, name, kind, start, ms, attributes) => ({
    traceId: call.trace_id, spanId, parentSpanId: parent, name, kind,
    startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(Math.round(ms * 1e6))),
    attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: v } })),
  });
  const exported = await request(`${server.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sightline-key': SHOP.key },
    body: JSON.stringify({ resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout-api' } }] },
      scopeSpans: [{ spans: [
        span('1111111111111111', call.span_id, `${call.method} /api/:id`, 2, startNs, serverMs,
          { 'http.request.method': call.method, 'http.route': '/api/:id', 'http.response.status_code': 200 }),
        span('2222222222222222', '1111111111111111', 'pg.query:SELECT', 3, startNs + 1000000n, serverMs / 2,
          { 'db.system': 'postgresql', 'db.statement': "SELECT * FROM users WHERE email = 'ann@example.com'" }),
      ] }],
    }] }),
  });
  assert.equal(exported.status, 200, exported.text);
  await eventually(async () => {
    const t = (await request(timelineUrl, auth)).json.traces.find((x) => x.span_id === call.span_id);
    assert.equal(t?.spans, 2);
  });

  const { context, page, problems, apiCalls } = await openDashboard();
  await page.goto(`${server.url}/?project=${SHOP.id}&view=sessions&session=${encodeURIComponent(withCalls.session_id)}`);
  await settled(page);
  await page.click('.timeline li[data-type="api_call"] button.link');
  await page.waitForSelector('.waterfall tr[data-span]');
  const traceUrl = apiCalls.find((u) => u.includes(`/api/v1/traces/${call.trace_id}`));
  const trace = await replay(traceUrl);
  const rows = await page.$$eval('.waterfall tr[data-span]', (trs) => trs.map((tr) => [tr.dataset.span, tr.dataset.source]));
  assert.deepEqual(rows, trace.spans.map((s) => [s.span_id, s.source]));
  assert.deepEqual(rows.map((r) => r[0]), [call.span_id, '1111111111111111', '2222222222222222']);
  const text = await page.textContent('.waterfall');
  assert.match(text, /network and queueing/);
  assert.match(text, /postgresql/);
  assert.doesNotMatch(text, /ann@example\.com/);  // scrubbed before it was stored
  await page.screenshot({ path: path.join(ARTIFACTS, 'trace-waterfall.png'), fullPage: true });

  await page.goto(`${server.url}/?project=${SHOP.id}&view=api`);
  await settled(page);
  const routes = await page.$$eval('[data-part="backend-routes"] tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(routes.some((r) => r.includes('checkout-api') && r.includes('/api/:id')), routes.join('\n'));
  const endpointRows = await page.$$eval('[data-part="endpoints"] tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const traced = endpointRows.find((cells) => cells[5] !== '–');
  assert.ok(traced, 'an endpoint shows its backend p75');
  assert.deepEqual(problems, []);
  await context.close();
});

test('errors are listed as the API groups them; a group opens with its mapped stack and breakdowns; its status is set from the page', async () => {
  // A bundle's map (one segment, with sourcesContent) and errors thrown in that bundle.
  const map = { version: 3, sources: ['../src/cart.js'], names: [], mappings: 'AACS',
    sourcesContent: ['export function addToCart(item) {\n  return item.price.amount;\n}\n'] };
  const uploaded = await request(`${server.url}/api/v1/sourcemaps?project=${SHOP.id}&release=9.9.9&url=/static/app.js`, {
    method: 'POST', body: JSON.stringify(map), headers: { Authorization: `Bearer ${UPLOAD_TOKEN}` } });
  assert.equal(uploaded.status, 201, uploaded.text);
  const message = "Cannot read properties of undefined (reading 'amount')";
  const stack = `TypeError: ${message}\n    at t (https://shop.example/static/app.js:1:5)\n` +
    '    at HTMLButtonElement.<anonymous> (https://shop.example/static/app.js:1:40)';
  for (let i = 0; i < 3; i++) {
    const res = await postBeacon(server, beacon({ context: { release: '9.9.9', url: 'https://shop.example/cart' },
      events: [errorEvent({ kind: 'TypeError', message, stack, file: 'https://shop.example/static/app.js', line: 1, column: 5 })] }));
    assert.equal(res.status, 202, res.text);
  }

  const { context, page, problems, apiCalls } = await openDashboard();
  await page.goto(`${server.url}/?project=${SHOP.id}&view=errors`);
  await settled(page);
  const listUrl = apiCalls.filter((u) => u.includes('/api/v1/errors?')).at(-1);
  const { groups } = await replay(listUrl);
  assert.ok(groups.length >= 2, 'the load generator\'s errors and ours');
  const rows = await page.$$eval('main [data-groups] tbody tr', (trs) => trs.map((tr) => ({
    title: tr.children[0].textContent, count: tr.children[1].textContent })));
  assert.deepEqual(rows.map((r) => r.title), groups.map((g) => `${g.type}: ${g.message}${g.culprit || '(no stack)'}`));
  await page.screenshot({ path: path.join(ARTIFACTS, 'errors-groups.png'), fullPage: true });

  const ours = groups.find((g) => g.message === message && g.releases.includes('9.9.9'));
  assert.ok(ours, JSON.stringify(groups.map((g) => g.message)));
  assert.equal(ours.culprit, 'addToCart (src/cart.js)');
  await page.click(`main [data-groups] tbody tr:has-text("${ours.culprit}")`);
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('group'), ours.fingerprint);
  const top = await page.$eval('.stack .frame', (el) => el.textContent);
  assert.match(top, /addToCart \.\.\/src\/cart\.js:2:10/);
  assert.equal(await page.$eval('.stack .frame pre.source .hit', (el) => el.textContent.trim()),
    '2    return item.price.amount;');
  const releases = await page.$$eval('.breakdown', (els) => els.find((el) => el.querySelector('h3').textContent === 'release')
    .querySelectorAll('tbody tr').length);
  assert.equal(releases, 1);
  await page.screenshot({ path: path.join(ARTIFACTS, 'errors-detail.png'), fullPage: true });

  await page.click('button:has-text("Resolve")');
  await page.waitForSelector('.badge.resolved');
  const after = await request(`${server.url}/api/v1/errors/${ours.fingerprint}?project=${SHOP.id}`,
    { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(after.json.group.status, 'resolved');
  assert.deepEqual(problems, []);
  await context.close();
});

test('phone width, dark mode and an empty range that says what to do', async () => {
  const { context, page, problems } = await openDashboard({ viewport: { width: 390, height: 844 } });
  await settled(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px over)`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'overview-phone.png'), fullPage: true });
  await page.click('#theme');
  await settled(page);
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  assert.ok(theme === 'dark' || theme === 'light');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.screenshot({ path: path.join(ARTIFACTS, `overview-${theme}.png`), fullPage: true });
  await page.click('#theme');
  await settled(page);
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), background);
  // A range with no data: the empty state shows the loader snippet.
  await page.goto(`${server.url}/?project=${SHOP.id}&from=2020-01-01&to=2020-01-02`);
  await settled(page);
  const empty = await page.$eval('main .empty pre', (el) => el.textContent);
  assert.match(empty, /sightline\.js/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the dashboard measures its own page load with the agent: LCP under a second on localhost', async () => {
  const { context, page, problems } = await openDashboard();
  await settled(page);
  await page.waitForFunction(() => typeof window.Sightline?.track === 'function' && !Array.isArray(window.Sightline.q), null, { timeout: 10000 })
    .catch(() => {});
  // Switching away is when web-vitals reports LCP and the agent sends it.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  let lcp;
  await eventually(async () => {
    const res = await queryMetrics(server, { project: BLOG.id, name: 'LCP', stats: 'p75,max,count', exact: 'true' }, BLOG.token);
    assert.equal(res.status, 200);
    assert.ok(res.json.rows.length === 1 && res.json.rows[0].count >= 1, 'the dashboard\'s LCP arrived');
    lcp = res.json.rows[0];
  }, { timeoutMs: 10000, intervalMs: 200 });
  assert.ok(lcp.max < 1000, `the dashboard's LCP is under 1 s: ${JSON.stringify(lcp)}`);
  console.log(`dashboard LCP on localhost: p75 ${lcp.p75} ms, max ${lcp.max} ms over ${lcp.count} page loads`);
  assert.deepEqual(problems, []);
  await context.close();
});
