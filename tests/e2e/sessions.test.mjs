// Session-level queries on a hand-built data set: /api/v1/sessions/summary (sessions, page views,
// bounce, length; weighted by 1/sample_rate) and /api/v1/conversion (a business event's rate per
// session by the landing page's LCP, with Wilson 95% intervals), every number computed by hand.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, describeResponse, isoSeconds, pageView, postBeacon, request, runBinary,
  startServer, uniqueId, vital,
} from './helpers.mjs';

let server;
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const A = uniqueId('rel-a');
const B = uniqueId('rel-b');
const EVENT = uniqueId('checkout_completed');

// Each session: its release, sample rate, and page views as [offset ms, LCP or null]; converted
// sessions get the business event after their last page view.
const SESSIONS = [
  { id: 's1', release: A, rate: 1, pages: [[0, 1800], [60_000, 5000]], converted: true },
  { id: 's2', release: A, rate: 1, pages: [[1000, 3000]], converted: false },
  { id: 's3', release: B, rate: 0.5, pages: [[2000, 4500]], converted: true },
  { id: 's4', release: B, rate: 1, pages: [[3000, 2000], [33_000, 900], [93_000, 1200]], converted: false },
  { id: 's5', release: B, rate: 1, pages: [[4000, null]], converted: true },
];

before(async () => {
  server = await startServer(baseConfig());
  for (const s of SESSIONS) {
    const sessionId = uniqueId(s.id);
    s.pages.forEach(([offset, lcp], i) => {
      const events = [pageView({ ts: T0 + offset })];
      if (lcp !== null) events.push(vital('LCP', lcp, { ts: T0 + offset + 500 }));
      const last = i === s.pages.length - 1;
      if (last && s.converted) events.push({ type: 'custom', ts: T0 + offset + 5000, name: EVENT });
      s.lastTs = events[events.length - 1].ts;
      s.sent = (s.sent ?? []).concat([beacon({ session_id: sessionId, sample_rate: s.rate, context: { release: s.release }, events })]);
    });
    s.firstTs = T0 + s.pages[0][0];
    for (const b of s.sent) {
      const res = await postBeacon(server, b);
      assert.equal(res.status, 202, describeResponse(res));
    }
  }
});

after(async () => {
  if (server) await server.stop();
});

const range = () => ({ from: isoSeconds(T0 - 60_000), to: isoSeconds(T0 + 3600_000) });

async function get(path, params) {
  const qs = new URLSearchParams({ project: SHOP.id, ...params });
  return request(`${server.url}/api/v1/${path}?${qs}`, { headers: { Authorization: `Bearer ${SHOP.token}` } });
}

// Wilson score interval at 95%, computed independently of the server.
function wilson(p, n) {
  const z = 1.959963984540054;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

function near(actual, expected, label) {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${label}: ${actual} != ${expected}`);
}

test('conversion by LCP bucket: Google\'s bands by default, weighted, with Wilson intervals', async () => {
  const res = await get('conversion', { name: 'LCP', event: EVENT, filter: `release:${A},release:${B}`, ...range() });
  assert.equal(res.status, 200, describeResponse(res));
  const [good, ni, poor] = res.json.buckets;
  assert.deepEqual(res.json.buckets.map((b) => [b.from, b.to]), [[null, 2500], [2500, 4000], [4000, null]]);
  // Landing-page LCP: s1 1800 and s4 2000 good (s1 converted), s2 3000 ni, s3 4500 poor (weight 2).
  assert.deepEqual([good.sessions, good.session_samples, good.converted, good.converted_samples], [2, 2, 1, 1]);
  assert.deepEqual([ni.sessions, ni.session_samples, ni.converted], [1, 1, 0]);
  assert.deepEqual([poor.sessions, poor.session_samples, poor.converted, poor.converted_samples], [2, 1, 2, 1]);
  near(good.rate, 0.5, 'good rate');
  near(ni.rate, 0, 'ni rate');
  near(poor.rate, 1, 'poor rate');
  wilson(0.5, 2).forEach((v, i) => near(good.ci95[i], v, `good ci95[${i}]`));
  wilson(0, 1).forEach((v, i) => near(ni.ci95[i], v, `ni ci95[${i}]`));
  wilson(1, 1).forEach((v, i) => near(poor.ci95[i], v, `poor ci95[${i}]`));
  assert.equal(res.json.sessions_without_vital, 1, 's5 has no LCP');
});

test('conversion with given bucket edges: a value on an edge belongs to the bucket below', async () => {
  const res = await get('conversion', { event: EVENT, buckets: '2000', filter: `release:${A},release:${B}`, ...range() });
  assert.equal(res.status, 200, describeResponse(res));
  const [low, high] = res.json.buckets;
  assert.deepEqual([low.from, low.to, high.from, high.to], [null, 2000, 2000, null]);
  assert.deepEqual([low.session_samples, low.converted], [2, 1], 's1 (1800) and s4 (exactly 2000)');
  assert.deepEqual([high.sessions, high.session_samples, high.converted], [3, 2, 2], 's2 and s3 (weight 2)');
});

test('sessions summary by release: weighted sessions and page views, bounce rate, session length', async () => {
  const res = await get('sessions/summary', { group_by: 'release', filter: `release:${A},release:${B}`, ...range() });
  assert.equal(res.status, 200, describeResponse(res));
  const rows = Object.fromEntries(res.json.rows.map((r) => [r.group.release, r]));
  assert.deepEqual(res.json.rows.map((r) => r.group.release), [B, A], 'most sessions first');
  const a = rows[A];
  const b = rows[B];
  assert.deepEqual([a.sessions, a.session_samples, a.page_views, a.page_view_samples], [2, 2, 3, 3]);
  assert.deepEqual([b.sessions, b.session_samples, b.page_views, b.page_view_samples], [4, 3, 6, 5]);
  near(a.bounce_rate, 1 / 2, 'A bounce: s2');
  near(b.bounce_rate, 3 / 4, 'B bounce: s3 (weight 2) and s5');
  const length = (id) => {
    const s = SESSIONS.find((x) => x.id === id);
    return s.lastTs - s.firstTs;
  };
  near(a.avg_length_ms, (length('s1') + length('s2')) / 2, 'A average length');
  near(b.avg_length_ms, (2 * length('s3') + length('s4') + length('s5')) / 4, 'B average length (weighted)');
  // Weighted median of B: lengths s3 (w 2), s4, s5 sorted; half of 4 is reached by the shortest two.
  const bLengths = [[length('s3'), 2], [length('s4'), 1], [length('s5'), 1]].sort((x, y) => x[0] - y[0]);
  let cum = 0;
  const median = bLengths.find(([, w]) => (cum += w) >= 2)[0];
  assert.equal(b.p50_length_ms, median);
});

test('sessions summary: limit folds the rest into "other"; bad parameters are named', async () => {
  const res = await get('sessions/summary', { group_by: 'release', limit: '1', filter: `release:${A},release:${B}`, ...range() });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.rows.length, 2);
  assert.deepEqual([res.json.rows[1].other, res.json.rows[1].group.release, res.json.rows[1].sessions], [true, null, 2]);

  for (const [path, params, field] of [
    ['conversion', {}, 'event'],
    ['conversion', { event: EVENT, name: 'SPEED' }, 'name'],
    ['conversion', { event: EVENT, buckets: '4000,2500' }, 'buckets'],
    ['sessions/summary', { group_by: 'flag' }, 'group_by'],
    ['sessions/summary', { group_by: 'planet' }, 'group_by'],
    ['sessions/summary', { from: 'yesterday' }, 'from'],
  ]) {
    const bad = await get(path, params);
    assert.equal(bad.status, 400, `${path} ${JSON.stringify(params)}: ${describeResponse(bad)}`);
    assert.equal(bad.json.field, field, describeResponse(bad));
  }
});

test('sightline query conversion, sessions/summary, sessions and session print their answers', async () => {
  const common = ['--server', server.url, '--token', SHOP.token, '--project', SHOP.id];
  const { from, to } = range();
  const conversion = await runBinary(['query', 'conversion', ...common, `event=${EVENT}`, `filter=release:${A},release:${B}`, `from=${from}`, `to=${to}`]);
  assert.equal(conversion.code, 0, conversion.stderr);
  const lines = conversion.stdout.trim().split('\n');
  assert.equal(lines[0], `name LCP, event ${EVENT}, sessions_without_vital 1`);
  assert.deepEqual(lines[1].trim().split(/\s+/).slice(0, 7), ['from', 'to', 'sessions', 'session_samples', 'converted', 'converted_samples', 'rate']);
  assert.deepEqual(lines[2].trim().split(/\s+/).slice(0, 7), ['-', '2500', '2', '2', '1', '1', '0.5']);
  const sessions = await runBinary(['query', 'sessions/summary', ...common, 'group_by=release', `filter=release:${A},release:${B}`, `from=${from}`, `to=${to}`]);
  assert.equal(sessions.code, 0, sessions.stderr);
  assert.deepEqual(sessions.stdout.trim().split('\n')[1].trim().split(/\s+/).slice(0, 3), [B, '4', '3']);
  const list = await runBinary(['query', 'sessions', ...common, `filter=release:${A}`, `from=${from}`, `to=${to}`]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^total 2\n/);
  const one = list.stdout.trim().split('\n')[2].trim().split(/\s+/)[0];
  const timeline = await runBinary(['query', 'session', one, ...common, `from=${from}`, `to=${to}`]);
  assert.equal(timeline.code, 0, timeline.stderr);
  assert.match(timeline.stdout, /"type":"page_view"/);
});
