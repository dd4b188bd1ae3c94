// The browser agent's sessions, sampling and offline queue in real Chromium against the real
// `sightline serve`: a visit that crosses subdomains (the session cookie on the parent domain) and
// registrable domains (decorated links), minimal consent leaving nothing behind, a session not
// sampled that hits an error, the collector's per-visitor rates, beacons kept while offline and
// sent by the next page, and interactions made before the extras bundle arrived.
// Host names are mapped to loopback by Chromium's host resolver rules.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { REPO_ROOT, baseConfig, startServer } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WEB = { id: 'web', key: 'pk_web_1', token: 'rt_web_1' };

let collector;
let site;
let browser;
let url;  // url(host, options, marker): a visit page on `host`

before(async () => {
  const config = baseConfig();
  config.projects = [{ id: WEB.id, ingest_keys: [WEB.key], read_tokens: [WEB.token],
    allowed_origins: [], retention_days: 90,
    sampling: { sample_rate: 0, error_sample_rate: 1, by_user_tier: { premium: 1 } } }];
  collector = await startServer(config);
  const page = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'e2e', 'site', 'visit.html'), 'utf8');
  site = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    if (pathname === '/slow-extras.js') {
      // The extras, late: interactions happen before they arrive.
      const extras = await (await fetch(`${collector.url}/sightline-extras.js`)).text();
      return setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/javascript' });
        res.end(extras);
      }, 2000);
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page.replaceAll('__COLLECTOR__', collector.url).replaceAll('__KEY__', WEB.key)
      .replaceAll('__PAY__', `http://pay.test:${site.port}`)
      .replaceAll('__PARTNER__', `http://partner.test:${site.port}`));
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  site.port = site.address().port;
  url = (host, options = {}, marker = '') => `http://${host}:${site.port}/visit.html?` +
    `options=${encodeURIComponent(JSON.stringify(options))}&marker=${marker}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox',
    '--host-resolver-rules=MAP *.shop.test 127.0.0.1, MAP pay.test 127.0.0.1, ' +
    'MAP partner.test 127.0.0.1'] });
});

after(async () => {
  if (browser) await browser.close();
  if (site) site.close();
  if (collector) await collector.stop();
});

// A browser context whose beacons (from every page in it) are recorded: those sent, or with
// `accepted`, those the collector accepted.
async function visit({ accepted = false } = {}) {
  const context = await browser.newContext();
  const beacons = [];
  context.on(accepted ? 'requestfinished' : 'request', async (req) => {
    if (!req.url().includes('/v1/beacon') || req.method() !== 'POST') return;
    if (accepted && (await req.response())?.status() !== 202) return;
    let body = req.postDataBuffer();
    if (!body) return;
    if (body[0] === 0x1f && body[1] === 0x8b) body = zlib.gunzipSync(body);
    beacons.push(JSON.parse(body.toString('utf8')));
  });
  const events = () => beacons.flatMap((b) => b.events.map((e) => ({ ...e, beacon: b })));
  const waitFor = async (predicate, what, timeoutMs = 10000) => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const found = events().find(predicate);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${what} arrived; events: ${JSON.stringify(events().map((e) => e.name || e.type))}`);
  };
  const marker = (label) => waitFor((e) => e.name === 'marker' && e.attributes.label === label,
    `marker ${label}`);
  return { context, beacons, events, waitFor, marker };
}

test('a session continues across subdomains and onto a decorated domain', async () => {
  const v = await visit();
  const options = { cookieDomain: 'shop.test', decorateDomains: ['pay.test'] };
  const page = await v.context.newPage();
  await page.goto(url('www.shop.test', options, 'www'));
  await page.click('#mark');
  const session = (await v.marker('www')).beacon.session_id;
  assert.match(session, /^[0-9a-f]{32}$/);

  // Another subdomain of the parent domain: the cookie carries the session.
  await page.goto(url('checkout.shop.test', options, 'checkout'));
  await page.click('#mark');
  assert.equal((await v.marker('checkout')).beacon.session_id, session);
  const cookies = await v.context.cookies(`http://checkout.shop.test:${site.port}`);
  const cookie = cookies.find((c) => c.name === 'sightline_session');
  assert.ok(cookie, JSON.stringify(cookies));
  assert.equal(cookie.domain, '.shop.test');
  assert.equal(cookie.sameSite, 'Lax');

  // Another registrable domain: the followed link carries the session id, and the page there
  // continues the session; the id does not reach the collector in the reported URL.
  await Promise.all([page.waitForURL(/pay\.test/), page.click('#pay')]);
  assert.match(page.url(), /[?&]sl_sid=[0-9a-f]{32}\.\d+/);
  await page.click('#mark');
  const paid = await v.waitFor((e) => e.name === 'marker' &&
    e.beacon.context.url.startsWith('http://pay.test'), 'a marker from pay.test');
  assert.equal(paid.beacon.session_id, session);
  assert.ok(!paid.beacon.context.url.includes(session), paid.beacon.context.url);
  assert.match(paid.beacon.context.url, /sl_sid=\[REDACTED_PARAM\]/);

  // A domain that is not configured gets a plain link.
  await Promise.all([page.waitForURL(/partner\.test/), page.click('#partner')]);
  assert.ok(!page.url().includes('sl_sid'), page.url());
  await v.context.close();
});

test('under minimal consent nothing is stored and no link is decorated', async () => {
  const v = await visit();
  const page = await v.context.newPage();
  await page.goto(url('www.shop.test', { cookieDomain: 'shop.test', decorateDomains: ['pay.test'],
    consent: 'minimal' }));
  await page.click('#boom');
  const error = await v.waitFor((e) => e.type === 'error', 'the error');
  assert.equal(error.beacon.session_id, undefined);
  assert.deepEqual(await v.context.cookies(), []);
  assert.deepEqual(await page.evaluate(() => [sessionStorage.length, localStorage.length]), [0, 0]);
  await page.waitForTimeout(2500);  // the extras have arrived: decoration would be on now
  await Promise.all([page.waitForURL(/pay\.test/), page.click('#pay')]);
  assert.ok(!page.url().includes('sl_sid'), page.url());
  await v.context.close();
});

test('a session not sampled sends nothing until an error, then the page so far with it', async () => {
  const v = await visit();
  const page = await v.context.newPage();
  await page.goto(url('www.shop.test', { sampleRate: 0 }, 'held'));
  await page.click('#mark');
  await page.waitForTimeout(1500);  // three flush intervals
  assert.equal(v.beacons.length, 0, JSON.stringify(v.beacons));
  await page.click('#boom');
  const error = await v.waitFor((e) => e.type === 'error', 'the error');
  assert.equal(error.message, 'boom on the visit page');
  // The held events of the page came with it, and the beacon says at what rate errors are sent.
  await v.marker('held');
  assert.ok(v.events().some((e) => e.type === 'page_view'), 'the page view came with the error');
  for (const b of v.beacons) assert.equal(b.sample_rate, 1);
  await v.context.close();
});

test("the collector's rates for the visitor decide whether a session is kept", async () => {
  // The project keeps no sessions, except those of premium users.
  const premium = await visit();
  const page = await premium.context.newPage();
  await page.goto(url('www.shop.test', { remoteConfig: true, metadata: { userTier: 'premium' } },
    'premium'));
  await page.click('#mark');
  const kept = await premium.marker('premium');
  assert.equal(kept.beacon.sample_rate, 1);
  await premium.context.close();

  const free = await visit();
  const other = await free.context.newPage();
  await other.goto(url('www.shop.test', { remoteConfig: true, metadata: { userTier: 'free' } }, 'free'));
  await other.click('#mark');
  await other.waitForTimeout(1500);
  assert.equal(free.beacons.length, 0, JSON.stringify(free.beacons));
  await free.context.close();
});

test("beacons that could not be sent are kept and sent by the tab's next page", async () => {
  // The agent sends through a gate that answers 503 while closed, as an unavailable collector.
  const gate = http.createServer(async (req, res) => {
    const cors = { 'access-control-allow-origin': req.headers.origin || '*' };
    if (!gate.open) {
      res.writeHead(503, cors);
      return res.end();
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const answer = await fetch(`${collector.url}${req.url}`, { method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'text/plain',
        ...(req.headers['content-encoding'] ? { 'content-encoding': req.headers['content-encoding'] } : {}) },
      body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
    res.writeHead(answer.status, cors);
    res.end(await answer.text());
  });
  await new Promise((resolve) => gate.listen(0, '127.0.0.1', resolve));
  gate.open = true;
  const endpoint = `http://127.0.0.1:${gate.address().port}/v1/beacon`;
  try {
    const v = await visit({ accepted: true });
    const page = await v.context.newPage();
    await page.goto(url('www.shop.test', { endpoint }, 'online'));
    await page.click('#mark');
    await v.marker('online');
    gate.open = false;
    await page.evaluate(() => Sightline.track('marker', { label: 'queued' }));
    await page.waitForFunction(() => (sessionStorage.getItem('sightline_offline') || '').includes('queued'));
    // The visitor goes on; the next page finds the queue, tries, fails and backs off, and sends
    // it once the collector answers again.
    await page.goto(url('www.shop.test', { endpoint }, 'next'));
    await page.waitForTimeout(500);
    assert.ok(!v.events().some((e) => e.attributes && e.attributes.label === 'queued'));
    gate.open = true;
    await v.marker('queued');
    await page.waitForFunction(() => sessionStorage.getItem('sightline_offline') === null);
    await v.context.close();
  } finally {
    gate.close();
  }
});

test('a page offline keeps what it sends and sends it when back online', async () => {
  const v = await visit();
  const page = await v.context.newPage();
  await page.goto(url('www.shop.test', {}, 'first'));
  await page.click('#mark');
  await v.marker('first');
  await v.context.setOffline(true);
  await page.evaluate(() => Sightline.track('marker', { label: 'offline' }));
  await page.waitForFunction(() => (sessionStorage.getItem('sightline_offline') || '').includes('offline'));
  await v.context.setOffline(false);
  await v.marker('offline');
  await v.context.close();
});

test('interactions before the extras bundle arrives are still reported', async () => {
  const v = await visit();
  const page = await v.context.newPage();
  await page.goto(url('www.shop.test', { extrasUrl: '/slow-extras.js' }));
  await page.waitForFunction(() => window.Sightline && window.Sightline.__agent);
  for (let i = 0; i < 3; i++) await page.click('#rage', { delay: 10 });
  assert.ok(!v.events().some((e) => e.type === 'action'), 'no actions before the extras');
  const rage = await v.waitFor((e) => e.type === 'action' && e.action === 'rage_click', 'the rage click');
  assert.equal(rage.target, 'button#rage');
  assert.equal(v.events().filter((e) => e.type === 'action' && e.action === 'click').length, 3);
  await v.context.close();
});
