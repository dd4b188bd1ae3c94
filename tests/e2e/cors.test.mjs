// CORS: preflights and origin checks on POST /v1/beacon, including wildcard origin patterns.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  BLOG, SHOP, baseConfig, beacon, describeResponse, eventually, postBeacon, queryMetrics, request,
  startServer, uniqueId, vital,
} from './helpers.mjs';

let server;

before(async () => {
  server = await startServer(baseConfig());
});

after(async () => {
  if (server) {
    const exit = await server.stop();
    assert.equal(exit.code, 0, `clean exit after SIGTERM: ${JSON.stringify(exit)}`);
  }
});

// Origins the shop project allows: exact, *.shop.example (any depth, https only), localhost any port.
const ALLOWED = [
  'https://shop.example',
  'https://a.shop.example',
  'https://a.b.shop.example',
  'http://localhost:3000',
  'http://localhost:8080',
  'http://localhost:1',
];
// Origins the shop project must refuse.
const DENIED = [
  'https://shop.example.evil.com',
  'https://a.shop.example.evil.com',
  'http://a.shop.example',
  'http://shop.example',
  'https://shop.example:8443',
  'https://evilshop.example',
  'https://evil.com',
  'http://localhost.evil.com:3000',
  'https://localhost:3000',
  'null',
];

function preflight(origin, { key = SHOP.key, method = 'POST' } = {}) {
  const qs = key ? `?key=${encodeURIComponent(key)}` : '';
  return request(`${server.url}/v1/beacon${qs}`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'content-type, content-encoding',
    },
  });
}

function listHeader(res, name) {
  return (res.headers.get(name) ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

function assertPreflightAllowed(res, origin) {
  assert.equal(res.status, 204, `preflight from ${origin}: ${describeResponse(res)}`);
  assert.equal(res.headers.get('access-control-allow-origin'), origin, `Access-Control-Allow-Origin echoes ${origin}`);
  assert.ok(listHeader(res, 'access-control-allow-methods').includes('post'),
    `Allow-Methods includes POST for ${origin}: ${res.headers.get('access-control-allow-methods')}`);
  const allowHeaders = listHeader(res, 'access-control-allow-headers');
  for (const h of ['content-type', 'content-encoding']) {
    assert.ok(allowHeaders.includes(h), `Allow-Headers includes ${h} for ${origin}: ${res.headers.get('access-control-allow-headers')}`);
  }
  assert.ok(listHeader(res, 'vary').includes('origin'), `Vary includes Origin for ${origin}: ${res.headers.get('vary')}`);
}

test('preflight from allowed origins (exact, wildcard subdomains, localhost any port): 204 with CORS headers', async () => {
  for (const origin of ALLOWED) assertPreflightAllowed(await preflight(origin), origin);
});

test('preflight from disallowed origins: 403 without Access-Control-Allow-Origin', async () => {
  for (const origin of DENIED) {
    const res = await preflight(origin);
    assert.equal(res.status, 403, `preflight from ${origin} must be refused: ${describeResponse(res)}`);
    assert.equal(res.headers.get('access-control-allow-origin'), null,
      `no Access-Control-Allow-Origin for ${origin} (got ${res.headers.get('access-control-allow-origin')})`);
  }
});

test('preflight without ?key= (key in the JSON body) from an allowed origin is 204', async () => {
  // A browser posting application/json with the key inside the body preflights the bare URL.
  assertPreflightAllowed(await preflight('https://shop.example', { key: null }), 'https://shop.example');
  const denied = await preflight('https://evil.com', { key: null });
  assert.equal(denied.status, 403, `preflight without key from an unknown origin: ${describeResponse(denied)}`);
  assert.equal(denied.headers.get('access-control-allow-origin'), null);
});

async function countStored(release, project = 'shop', token = SHOP.token) {
  const res = await queryMetrics(server, { project, name: 'LCP', stats: ['count'], filter: `release:${release}` }, token);
  assert.equal(res.status, 200, describeResponse(res));
  return res.json.rows[0]?.count ?? 0;
}

test('POST: allowed origins get 202 with Access-Control-Allow-Origin; disallowed get 403 and nothing is stored', async () => {
  const release = uniqueId('cors');
  for (const origin of ALLOWED) {
    const res = await postBeacon(server, beacon({ events: [vital('LCP', 100)], context: { release } }), { headers: { Origin: origin } });
    assert.equal(res.status, 202, `POST from ${origin}: ${describeResponse(res)}`);
    assert.equal(res.headers.get('access-control-allow-origin'), origin, `POST from ${origin} carries Access-Control-Allow-Origin`);
  }
  for (const origin of DENIED) {
    const res = await postBeacon(server, beacon({ events: [vital('LCP', 100)], context: { release } }), { headers: { Origin: origin } });
    assert.equal(res.status, 403, `POST from ${origin} must be refused: ${describeResponse(res)}`);
    assert.equal(res.json?.error, 'origin_not_allowed', describeResponse(res));
    assert.equal(res.json?.field, 'Origin', describeResponse(res));
    assert.equal(res.headers.get('access-control-allow-origin'), null, `no Access-Control-Allow-Origin for ${origin}`);
  }
  // sendBeacon style (text/plain, ?key=) is checked the same way.
  const body = beacon({ events: [vital('LCP', 100)], context: { release } });
  delete body.key;
  const plainDenied = await postBeacon(server, JSON.stringify(body), {
    query: { key: SHOP.key }, contentType: 'text/plain;charset=UTF-8', headers: { Origin: 'https://evil.com' },
  });
  assert.equal(plainDenied.status, 403, describeResponse(plainDenied));
  const plainOk = await postBeacon(server, JSON.stringify(body), {
    query: { key: SHOP.key }, contentType: 'text/plain;charset=UTF-8', headers: { Origin: 'https://shop.example' },
  });
  assert.equal(plainOk.status, 202, describeResponse(plainOk));

  await eventually(async () => {
    assert.equal(await countStored(release), ALLOWED.length + 1, 'exactly the allowed beacons are stored');
  });
});

test('POST without an Origin header (server-side sender) is accepted', async () => {
  const release = uniqueId('noorigin');
  const res = await postBeacon(server, beacon({ events: [vital('LCP', 100)], context: { release } }));
  assert.equal(res.status, 202, describeResponse(res));
  await eventually(async () => assert.equal(await countStored(release), 1));
});

test("origins are per project: one project's origin cannot send with another project's key", async () => {
  const release = uniqueId('xproj');
  const blogFromShop = await postBeacon(server, beacon({ key: BLOG.key, events: [vital('LCP', 100)], context: { release } }),
    { headers: { Origin: 'https://shop.example' } });
  assert.equal(blogFromShop.status, 403, `blog key from the shop origin: ${describeResponse(blogFromShop)}`);
  assert.equal(blogFromShop.json?.error, 'origin_not_allowed', describeResponse(blogFromShop));

  const shopFromBlog = await postBeacon(server, beacon({ key: SHOP.key, events: [vital('LCP', 100)], context: { release } }),
    { headers: { Origin: 'https://blog.example' } });
  assert.equal(shopFromBlog.status, 403, `shop key from the blog origin: ${describeResponse(shopFromBlog)}`);

  const blogOk = await postBeacon(server, beacon({ key: BLOG.key, events: [vital('LCP', 100)], context: { release } }),
    { headers: { Origin: 'https://blog.example' } });
  assert.equal(blogOk.status, 202, `blog key from the blog origin: ${describeResponse(blogOk)}`);
  assert.equal(blogOk.headers.get('access-control-allow-origin'), 'https://blog.example');

  const preflightBlogWithShopKey = await preflight('https://blog.example', { key: SHOP.key });
  assert.equal(preflightBlogWithShopKey.status, 403,
    `preflight from the blog origin for the shop key: ${describeResponse(preflightBlogWithShopKey)}`);
  assertPreflightAllowed(await preflight('https://blog.example', { key: BLOG.key }), 'https://blog.example');

  await eventually(async () => {
    assert.equal(await countStored(release, 'shop', SHOP.token), 0, 'nothing stored in shop');
    assert.equal(await countStored(release, 'blog', BLOG.token), 1, 'one beacon stored in blog');
  });
});

test('error responses to allowed origins still carry Access-Control-Allow-Origin (so the page can read them)', async () => {
  const res = await postBeacon(server, beacon({ sample_rate: 5, events: [vital('LCP', 1)] }), { headers: { Origin: 'https://shop.example' } });
  assert.equal(res.status, 400, describeResponse(res));
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://shop.example',
    'a 400 for an allowed origin carries Access-Control-Allow-Origin');
});

test("a refusal names no origin that the key's own project does not allow", async () => {
  // https://shop.example is allowed by project shop, not by blog, whose key this beacon carries.
  const body = beacon({ key: 'pk_blog_789', sample_rate: 5, events: [vital('LCP', 1)] });
  const res = await postBeacon(server, body, { headers: { Origin: 'https://shop.example' } });
  assert.equal(res.status, 400, describeResponse(res));
  assert.equal(res.headers.get('access-control-allow-origin'), null,
    "a refusal for blog's key carries no Access-Control-Allow-Origin for shop's origin");
  // An unparsable body names no project at all.
  const broken = await postBeacon(server, '{"v":1,', { headers: { Origin: 'https://shop.example' } });
  assert.equal(broken.status, 400, describeResponse(broken));
  assert.equal(broken.headers.get('access-control-allow-origin'), null);
});
