// Consent in real Chromium, with the network log as the proof: Do Not Track and Global Privacy
// Control mean minimal; consent 'none' sends nothing at all; setConsent changes what is sent from
// the next event on, and lowering it drops the session id and what the agent stored.
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { SHOP, baseConfig, startServer } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
let collector;
let site;
let browser;

// The page: the agent from the collector, initialised with `consent` from the query string; the
// test drives it with page.evaluate (track, setConsent) and by throwing errors.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Consent</title><script>
!function(w,d,s,n){var q=w[n]=w[n]||{q:[]};["init","track","identify","setFlags","setConsent"].forEach(function(m){q[m]=q[m]||function(){q.q.push([m,[].slice.call(arguments)])}});var e=d.createElement("script");e.async=1;e.src=s;d.head.appendChild(e)}(window,document,"__COLLECTOR__/sightline.js","Sightline");
const params = new URLSearchParams(location.search);
Sightline.init({ key: '${SHOP.key}', endpoint: '__COLLECTOR__/v1/beacon', flushIntervalMs: 200,
  ...(params.has('consent') ? { consent: params.get('consent') } : {}) });
</script></head><body><p>Consent</p></body></html>`;

before(async () => {
  collector = await startServer(baseConfig());
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE.replaceAll('__COLLECTOR__', collector.url));
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  if (site) site.close();
  if (collector) await collector.stop();
});

// Opens the page with `query`, after `init` (a script run before the page's own), and records
// every request that leaves for the collector, with the beacons' bodies.
async function open(query, init) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  const log = { requests: [], beacons: [] };
  page.on('request', (req) => {
    if (!req.url().startsWith(collector.url) || req.url().endsWith('/sightline.js') ||
        req.url().includes('sightline-extras')) return;
    log.requests.push(`${req.method()} ${new URL(req.url()).pathname}`);
    let body = req.postDataBuffer();
    if (!body) return;
    if (body[0] === 0x1f && body[1] === 0x8b) body = zlib.gunzipSync(body);
    log.beacons.push(JSON.parse(body.toString('utf8')));
  });
  await page.goto(`http://localhost:${site.address().port}/${query}`);
  await page.waitForFunction(() => window.Sightline && window.Sightline.__agent);
  return { context, page, log };
}

// A business event and an error, then a flush (the page is hidden as when the user leaves).
async function act(page, label) {
  await page.evaluate((name) => {
    Sightline.track(name, { step: name });
    setTimeout(() => { throw new TypeError(`failure at ${name}`); });
  }, label);
  await page.waitForTimeout(100);
  await page.evaluate(() => Sightline.flush());
  await page.waitForTimeout(400);
}

const eventsOf = (log) => log.beacons.flatMap((b) => b.events.map((e) => ({ ...e, beacon: b })));
const storedSession = (page) => page.evaluate(() => sessionStorage.getItem('sightline_session'));

for (const [signal, init] of [
  ['Do Not Track', () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })],
  ['Global Privacy Control', () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })],
]) {
  test(`${signal} means minimal: errors only, no ids, nothing stored`, async () => {
    const { context, page, log } = await open('', init);
    await act(page, 'signal');
    assert.equal(await storedSession(page), null);
    await context.close();
    const events = eventsOf(log);
    assert.ok(events.length > 0, 'the error is sent');
    assert.deepEqual([...new Set(events.map((e) => e.type))], ['error'], JSON.stringify(events.map((e) => e.type)));
    for (const b of log.beacons) {
      assert.deepEqual([b.consent, b.session_id, b.page_view_id], ['minimal', undefined, undefined]);
    }
    for (const e of events) assert.equal(e.page_view_id, undefined);
  });
}

test("consent 'none' sends nothing at all: no request leaves the page for the collector", async () => {
  const { context, page, log } = await open('?consent=none');
  await act(page, 'none');
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForTimeout(300);
  assert.equal(await storedSession(page), null);
  await context.close();
  assert.deepEqual(log.requests, []);
});

test('setConsent full → minimal → none → full changes what is sent from the next event on, and lowering forgets the session', async () => {
  const { context, page, log } = await open('?consent=full');
  await act(page, 'full-1');
  const firstSession = JSON.parse(await storedSession(page))?.id;
  assert.ok(firstSession, 'full consent keeps a session');

  // An event still queued when consent is lowered was given under full consent: it goes out as
  // such, never inside a minimal beacon.
  await page.evaluate(() => Sightline.track('queued-before-minimal'));
  await page.evaluate(() => Sightline.setConsent('minimal'));
  assert.equal(await storedSession(page), null, 'minimal: the stored session is gone');
  await act(page, 'minimal');
  await page.evaluate(() => Sightline.setConsent('none'));
  const sentBeforeNone = log.requests.length;
  await act(page, 'none');
  assert.equal(log.requests.length, sentBeforeNone, 'none: nothing more is sent');
  await page.evaluate(() => Sightline.setConsent('full'));
  await act(page, 'full-2');
  const secondSession = JSON.parse(await storedSession(page))?.id;
  await context.close();

  const events = eventsOf(log);
  const at = (label) => events.filter((e) => e.name === label || e.message === `failure at ${label}`);
  // Full: the business event and the error, with the session and page view ids.
  assert.deepEqual(at('full-1').map((e) => e.type).sort(), ['custom', 'error']);
  for (const e of at('full-1')) assert.equal(e.beacon.session_id, firstSession);
  // Minimal: the error only, without ids.
  assert.deepEqual(at('minimal').map((e) => e.type), ['error'], JSON.stringify(at('minimal')));
  for (const e of at('minimal')) {
    assert.deepEqual([e.beacon.consent, e.beacon.session_id, e.page_view_id], ['minimal', undefined, undefined]);
  }
  for (const e of at('queued-before-minimal')) {
    assert.deepEqual([e.beacon.consent, e.beacon.session_id], ['full', firstSession], JSON.stringify(e));
  }
  // None: nothing.
  assert.deepEqual(at('none'), []);
  // Full again: a new session, not the one dropped.
  assert.deepEqual(at('full-2').map((e) => e.type).sort(), ['custom', 'error']);
  assert.ok(secondSession && secondSession !== firstSession, `${firstSession} then ${secondSession}`);
  for (const e of at('full-2')) assert.equal(e.beacon.session_id, secondSession);
});
