// The browser agent's bundle served by `sightline serve` at /sightline.js: the script that defines
// `window.Sightline`, cacheable, revalidated by ETag, loadable cross-origin.
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { after, before, test } from 'node:test';

import { baseConfig, describeResponse, request, startServer } from './helpers.mjs';

let server;

before(async () => {
  server = await startServer(baseConfig());
});

after(async () => {
  if (server) await server.stop();
});

test('GET /sightline.js serves the agent with long-cache headers and an ETag', async () => {
  const res = await request(`${server.url}/sightline.js`);
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(res.headers.get('content-type') ?? '', /^application\/javascript/);
  assert.match(res.headers.get('cache-control') ?? '', /max-age=(\d+)/);
  assert.ok(Number(/max-age=(\d+)/.exec(res.headers.get('cache-control'))[1]) >= 3600);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const etag = res.headers.get('etag');
  assert.match(etag ?? '', /^"[0-9a-f]+"$/);

  const again = await request(`${server.url}/sightline.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304, describeResponse(again));
  assert.equal(again.text, '');
});

test('GET /sightline-extras.js serves the extras bundle, cached the same way', async () => {
  const res = await request(`${server.url}/sightline-extras.js`);
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(res.headers.get('content-type') ?? '', /^application\/javascript/);
  assert.equal(res.headers.get('cache-control'), (await request(`${server.url}/sightline.js`)).headers.get('cache-control'));
  // It hands its signals to the hook the core bundle sets.
  let handed = null;
  vm.runInContext(res.text, vm.createContext({ __sightlineExtras: (x) => (handed = x) }));
  assert.equal(typeof handed, 'function');
});

test('the served script replaces the loader stub with the agent', async () => {
  const res = await request(`${server.url}/sightline.js`);
  const context = vm.createContext({ Sightline: { q: [] } });
  vm.runInContext(res.text, context);
  for (const method of ['init', 'track', 'identify', 'setFlags', 'setConsent', 'flush', 'use']) {
    assert.equal(typeof context.Sightline[method], 'function', method);
  }
  assert.equal(context.Sightline.__agent, true);
});
