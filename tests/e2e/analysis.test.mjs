// Analysis views on hand-built data: the CrUX-comparable view (Chrome on Android and desktop only,
// page views weighted, p75 and Google's bands over 28 days) and the comparison of two segments
// (p75 on both sides, Mann-Whitney significance, a business event's rate with a z test).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, describeResponse, expectedStats, isoSeconds, pageView, postBeacon, request,
  startServer, uniqueId, vital,
} from './helpers.mjs';

const UA = {
  windowsChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  androidChrome: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  macFirefox: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0',
};

let server;
const NOW = Math.floor(Date.now() / 1000) * 1000;
const cruxRelease = uniqueId('crux');
const before1 = uniqueId('v1');
const after1 = uniqueId('v2');
const EVENT = uniqueId('signup');

// CrUX data: [user agent, sample rate, LCP values].
const CRUX = [
  [UA.windowsChrome, 1, [1000, 1800, 2600, 3000]],
  [UA.androidChrome, 0.5, [2200, 4200]],
  [UA.iphone, 1, [9000, 9500]], // Chrome's numbers never see Safari
  [UA.macFirefox, 1, [100]],
];

// Comparison data: sessions of each release, one LCP each; `after1` is slower and converts less.
const BEFORE_LCP = Array.from({ length: 30 }, (_, i) => 1500 + 37 * i);
const AFTER_LCP = BEFORE_LCP.map((v) => v + 900);

before(async () => {
  server = await startServer(baseConfig());
  for (const [ua, rate, values] of CRUX) {
    const res = await postBeacon(server, beacon({ sample_rate: rate, context: { release: cruxRelease },
      events: values.map((v) => vital('LCP', v)) }), { headers: { 'User-Agent': ua } });
    assert.equal(res.status, 202, describeResponse(res));
  }
  for (const [release, values, converting] of [[before1, BEFORE_LCP, 20], [after1, AFTER_LCP, 8]]) {
    for (let i = 0; i < values.length; i++) {
      const events = [pageView(), vital('LCP', values[i])];
      if (i < converting) events.push({ type: 'custom', ts: Date.now(), name: EVENT });
      const res = await postBeacon(server, beacon({ context: { release }, events }));
      assert.equal(res.status, 202, describeResponse(res));
    }
  }
});

after(async () => {
  if (server) await server.stop();
});

async function get(path, params) {
  const qs = new URLSearchParams({ project: SHOP.id, ...params });
  return request(`${server.url}/api/v1/${path}?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
}

test('CrUX view: Chrome on Android and desktop only, page views weighted, p75 and bands', async () => {
  const to = isoSeconds(NOW + 60_000);
  const res = await get('crux', { to, filter: `release:${cruxRelease}`, exact: 'true' });
  assert.equal(res.status, 200, describeResponse(res));
  assert.deepEqual(res.json.browsers, ['Chrome', 'Chrome Mobile']);
  assert.equal(res.json.to - res.json.from, 28 * 86400_000, 'a rolling 28-day window');
  assert.equal(res.json.rows.length, 1);
  const lcp = res.json.rows[0].LCP;
  const chrome = [[1000, 1], [1800, 1], [2600, 1], [3000, 1], [2200, 2], [4200, 2]];
  const want = expectedStats(chrome.map(([value, w]) => ({ value, w })), ['p75', 'count']);
  assert.ok(want.p75.includes(lcp.p75), `p75 ${lcp.p75}, expected one of ${want.p75}`);
  assert.equal(lcp.count, 8);
  assert.equal(lcp.good, 4 / 8, '1000, 1800 and 2200 (weight 2)');
  assert.equal(lcp.ni, 2 / 8, '2600 and 3000');
  assert.equal(lcp.poor, 2 / 8, '4200 (weight 2)');
  assert.equal(res.json.rows[0].INP, null, 'no INP sent');

  const byDevice = await get('crux', { to, filter: `release:${cruxRelease}`, group_by: 'device', exact: 'true' });
  assert.equal(byDevice.status, 200, describeResponse(byDevice));
  const counts = Object.fromEntries(byDevice.json.rows.map((r) => [r.group.device, r.LCP.count]));
  assert.deepEqual(counts, { desktop: 4, mobile: 4 });

  const bad = await get('crux', { from: to });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.field, 'from');
});

test('comparing two releases: p75 on both sides, a significant slowdown, the conversion drop', async () => {
  const res = await get('compare', {
    a: `release:${before1}`, b: `release:${after1}`, names: 'LCP,INP', event: EVENT,
    from: isoSeconds(NOW - 3600_000), to: isoSeconds(NOW + 60_000),
  });
  assert.equal(res.status, 200, describeResponse(res));
  const [lcp, inp] = res.json.vitals;
  const p75 = (values) => expectedStats(values.map((value) => ({ value, w: 1 })), ['p75']).p75;
  assert.equal(lcp.name, 'LCP');
  assert.ok(p75(BEFORE_LCP).includes(lcp.a.p75), `a p75 ${lcp.a.p75}`);
  assert.ok(p75(AFTER_LCP).includes(lcp.b.p75), `b p75 ${lcp.b.p75}`);
  assert.equal(lcp.change, 900);
  assert.deepEqual([lcp.a.samples, lcp.b.samples], [30, 30]);
  assert.equal(lcp.significant, true, `p ${lcp.p_value}`);
  assert.ok(lcp.prob_b_greater > 0.85, `P(b > a) ${lcp.prob_b_greater}`);
  assert.deepEqual([inp.a.samples, inp.significant, inp.a.p75], [0, false, null]);

  const event = res.json.event;
  assert.deepEqual([event.a.sessions, event.a.converted, event.b.sessions, event.b.converted], [30, 20, 30, 8]);
  assert.equal(event.significant, true, `p ${event.p_value}`);
  // Two-proportion z test by hand: 20/30 against 8/30.
  const pooled = 28 / 60;
  const z = (20 / 30 - 8 / 30) / Math.sqrt(pooled * (1 - pooled) * (2 / 30));
  assert.ok(Math.abs(z - 3.10530) < 1e-4, `z ${z}`);
  assert.ok(Math.abs(event.p_value - 0.0019009) < 1e-6, `p ${event.p_value}: erfc(z / sqrt 2)`);

  const same = await get('compare', { a: `release:${before1}`, b: `release:${before1}`, names: 'LCP',
    from: isoSeconds(NOW - 3600_000), to: isoSeconds(NOW + 60_000) });
  assert.equal(same.json.vitals[0].significant, false, 'a segment against itself');

  for (const [params, field] of [[{ b: 'release:x' }, 'a'], [{ a: 'release:x', b: 'release:y', names: 'SPEED' }, 'names'],
    [{ a: 'planet:mars', b: 'release:y' }, 'a']]) {
    const bad = await get('compare', params);
    assert.equal(bad.status, 400, describeResponse(bad));
    assert.equal(bad.json.field, field, describeResponse(bad));
  }
});
