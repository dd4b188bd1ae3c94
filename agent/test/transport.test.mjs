import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBodies, createBatcher, createRetryQueue } from '../src/core/transport.js';
import { retryDelay, startRetries } from '../src/core/retry.js';

const envelope = (events) => ({ v: 1, key: 'k', events });

test('events are split into beacons by count and by size', () => {
  const events = Array.from({ length: 7 }, (_, i) => ({ type: 'custom', name: `e${i}` }));
  const bodies = buildBodies(events, envelope, 3);
  assert.deepEqual(bodies.map((b) => JSON.parse(b).events.length), [3, 3, 1]);
  const big = Array.from({ length: 5 }, () => ({ type: 'custom', name: 'x'.repeat(400) }));
  for (const body of buildBodies(big, envelope, 50, 1000)) assert.ok(body.length <= 1000);
  // An event that alone exceeds the cap is dropped, not sent as an oversized beacon.
  assert.equal(buildBodies([{ type: 'custom', name: 'y'.repeat(2000) }], envelope, 50, 1000).length, 0);
});

test('the batcher flushes at its size cap and on demand', () => {
  const sent = [];
  const b = createBatcher({ maxEvents: 2, envelope, send: (body, opts) => sent.push([body, opts]) });
  b.add({ type: 'custom', name: 'a' });
  assert.equal(sent.length, 0);
  b.add({ type: 'custom', name: 'b' });
  assert.equal(sent.length, 1);
  b.add({ type: 'custom', name: 'c' });
  assert.equal(b.flush(true), 1);
  assert.deepEqual(sent[1][1], { final: true });
  assert.equal(b.flush(true), 0);
});

test('the retry queue is bounded and backs off', () => {
  const q = createRetryQueue();
  for (let i = 0; i < 12; i++) q.push(`b${i}`);
  assert.deepEqual(q.items, ['b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11']);
  assert.equal(retryDelay(1), 1000);
  assert.equal(retryDelay(3), 4000);
  assert.equal(retryDelay(30), 60000);
  assert.equal(q.take().length, 10);
  assert.equal(q.items.length, 0);
});

test('events sent at different rates never share a beacon', () => {
  const sent = [];
  const rates = new Map();
  const envelope = (events) => ({ v: 1, sample_rate: rates.get(events[0]) ?? 1, events });
  const b = createBatcher({ maxEvents: 50, envelope, groupOf: (e) => rates.get(e),
    send: (body) => sent.push(JSON.parse(body)) });
  const add = (name, rate) => {
    const e = { type: 'custom', name };
    rates.set(e, rate);
    b.add(e);
  };
  add('view', 0.1);
  add('error', 1);
  add('click', 0.1);
  assert.equal(b.flush(false), 2);
  assert.deepEqual(sent.map((s) => [s.sample_rate, s.events.map((e) => e.name)]),
    [[0.1, ['view', 'click']], [1, ['error']]]);
});

test('the extras retry the previous page\'s bodies, then this page\'s, and keep what fails again', async () => {
  const items = new Map([['sightline_offline', JSON.stringify(['old'])]]);
  const store = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v), removeItem: (k) => items.delete(k) };
  const q = createRetryQueue();
  q.push('early');  // failed before the extras arrived
  const posted = [];
  globalThis.addEventListener ??= () => {};
  startRetries(q, (body) => posted.push(body), () => store);
  assert.equal(items.get('sightline_offline'), JSON.stringify(['old', 'early']));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(posted, ['old', 'early']);
  assert.equal(items.has('sightline_offline'), false, 'taken for sending: no longer kept');
  q.failures++;
  q.push('again');
  q.failed();
  assert.equal(items.get('sightline_offline'), JSON.stringify(['again']));

  const minimal = createRetryQueue();
  minimal.push('x');
  startRetries(minimal, () => assert.fail('nothing is retried below full consent'), () => null);
  assert.deepEqual(minimal.items, []);
});
