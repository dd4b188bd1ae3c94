// Funnels on a hand-built data set: ordered steps (page views of a route, a business event) within
// a window of the first step, the deepest chain any first-step occurrence reaches, weighted
// sessions, conversion and the median time between steps — every number worked out by hand below.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, describeResponse, isoSeconds, pageView, postBeacon, request, startServer,
  uniqueId,
} from './helpers.mjs';

let server;
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 40 * 60_000;
const X = uniqueId('fx');
const Y = uniqueId('fy');
const DONE = uniqueId('checkout_completed');
const PRODUCT = '/products/:id';
const CART = '/cart';

// Each session: release, sample rate, and its events as [seconds after T0, 'page' route | 'done'].
const SESSIONS = [
  [X, 1, [[0, PRODUCT], [60, CART], [120, 'done']]], // all three steps; gaps 60 s, 60 s
  [X, 1, [[0, PRODUCT], [30, CART]]], // two; gap 30 s
  [X, 0.5, [[0, PRODUCT], [40, 'done']]], // one (no cart), weight 2
  [Y, 1, [[0, CART], [10, PRODUCT], [70, CART], [660, 'done']]], // two: done is 650 s after product
  [Y, 1, [[0, CART]]], // never starts
  [Y, 1, [[0, PRODUCT], [300, PRODUCT], [330, CART], [840, 'done']]], // three from the second product
];

before(async () => {
  server = await startServer(baseConfig());
  for (const [release, rate, events] of SESSIONS) {
    const sessionId = uniqueId('fs');
    for (const [seconds, what] of events) {
      const ts = T0 + seconds * 1000;
      const event = what === 'done' ? { type: 'custom', ts, name: DONE } : pageView({ ts, route: what });
      const res = await postBeacon(server, beacon({ session_id: sessionId, sample_rate: rate, context: { release }, events: [event] }));
      assert.equal(res.status, 202, describeResponse(res));
    }
  }
});

after(async () => {
  if (server) await server.stop();
});

async function funnel(params) {
  const qs = new URLSearchParams({
    project: SHOP.id, steps: `page:${PRODUCT},page:${CART},event:${DONE}`, window: '10m',
    filter: `release:${X},release:${Y}`, from: isoSeconds(T0 - 60_000), to: isoSeconds(T0 + 3600_000), ...params,
  });
  return request(`${server.url}/api/v1/funnel?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
}

test('a three-step funnel: sessions reaching each step, conversion, median time between steps', async () => {
  const res = await funnel({});
  assert.equal(res.status, 200, describeResponse(res));
  assert.deepEqual(res.json.steps, [`page:${PRODUCT}`, `page:${CART}`, `event:${DONE}`]);
  assert.equal(res.json.window_ms, 600_000);
  assert.equal(res.json.rows.length, 1);
  const [start, cart, done] = res.json.rows[0].steps;
  assert.deepEqual([start.sessions, start.session_samples], [6, 5], 'five sessions start, one of weight 2');
  assert.deepEqual([cart.sessions, cart.session_samples], [4, 4]);
  assert.deepEqual([done.sessions, done.session_samples], [2, 2]);
  assert.deepEqual([cart.conversion_from_start, cart.conversion_from_previous], [4 / 6, 4 / 6]);
  assert.deepEqual([done.conversion_from_start, done.conversion_from_previous], [2 / 6, 2 / 4]);
  assert.equal(start.median_ms_from_previous, null);
  // Gaps to the cart 60, 30, 60, 30 s: the weighted median is 30 s; to done 60 and 510 s: 60 s.
  assert.equal(cart.median_ms_from_previous, 30_000);
  assert.equal(done.median_ms_from_previous, 60_000);
});

test('segmented by release; a wider window lets the late checkout count', async () => {
  const res = await funnel({ group_by: 'release' });
  assert.equal(res.status, 200, describeResponse(res));
  const byRelease = Object.fromEntries(res.json.rows.map((r) => [r.group.release, r.steps.map((s) => s.sessions)]));
  assert.deepEqual(byRelease, { [X]: [4, 2, 1], [Y]: [2, 2, 1] });

  const wide = await funnel({ window: '1h' });
  assert.deepEqual(wide.json.rows[0].steps.map((s) => s.sessions), [6, 4, 3], 'the fourth session completes within an hour');
});

test('malformed funnels name their parameter', async () => {
  for (const [params, field] of [[{ steps: `page:${PRODUCT}` }, 'steps'], [{ steps: 'click:buy,page:/' }, 'steps'],
    [{ window: '10s' }, 'window'], [{ group_by: 'device,browser' }, 'group_by']]) {
    const res = await funnel(params);
    assert.equal(res.status, 400, `${JSON.stringify(params)}: ${describeResponse(res)}`);
    assert.equal(res.json.field, field, describeResponse(res));
  }
});
