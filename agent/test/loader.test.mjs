import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { drainQueue } from '../src/core/loader.js';

test('queued calls replay with init first, then in order', () => {
  const calls = [];
  const api = Object.fromEntries(['init', 'track', 'identify', 'setFlags', 'setConsent'].map(
    (m) => [m, (...args) => calls.push([m, ...args])]));
  const n = drainQueue(api, [['track', ['a', { value: 1 }]], ['init', [{ key: 'k' }]],
    ['setFlags', [['x']]], ['unknown', []], 'garbage']);
  assert.equal(n, 3);
  assert.deepEqual(calls, [['init', { key: 'k' }], ['track', 'a', { value: 1 }], ['setFlags', ['x']]]);
});

test('the loader snippet queues calls and adds one async script', () => {
  const src = readFileSync(new URL('../src/loader.js', import.meta.url), 'utf8');
  const appended = [];
  const document = { createElement: () => ({}), head: { appendChild: (e) => appended.push(e) } };
  const window = {};
  vm.runInNewContext(src, { window, document });
  window.Sightline.init({ key: 'k' });
  window.Sightline.track('checkout_completed', { value: 42 });
  assert.deepEqual(JSON.parse(JSON.stringify(window.Sightline.q)), [['init', [{ key: 'k' }]], ['track', ['checkout_completed', { value: 42 }]]]);
  assert.equal(appended.length, 1);
  assert.equal(appended[0].async, 1);
});
