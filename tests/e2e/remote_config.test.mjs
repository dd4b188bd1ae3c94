// GET /v1/config?key=: the sampling rates for the calling visitor, placed by the real country
// database (ip-location-db, installed by scripts/setup.sh) behind a trusted reverse proxy; and the
// trusted-proxy setting's effect on per-client rate limiting.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BLOG, REPO_ROOT, SHOP, baseConfig, beacon, describeResponse, pageView, postBeacon,
  request, startServer } from './helpers.mjs';

const COUNTRY_DB = path.join(REPO_ROOT, 'node_modules', '@ip-location-db',
  'geo-whois-asn-country-mmdb', 'geo-whois-asn-country.mmdb');

let server;
before(async () => {
  const config = baseConfig({
    server: { trusted_proxies: ['127.0.0.1'] },
    limits: { beacons_per_second_per_client: 1 },
    geo: { country_db: COUNTRY_DB },
  });
  config.projects[0].sampling = {
    sample_rate: 0.2,
    error_sample_rate: 1,
    by_region: { EU: 0.5, US: 0.05 },
    by_user_tier: { enterprise: 1, paid: 0.5 },
    by_feature_flag: { 'beta-checkout-flow': 1 },
  };
  server = await startServer(config);
});
after(async () => {
  if (server) await server.stop();
});

const visitorConfig = (from, { key = SHOP.key, origin = 'https://shop.example' } = {}) =>
  request(`${server.url}/v1/config?key=${encodeURIComponent(key)}`, {
    headers: { Origin: origin, ...(from ? { 'X-Forwarded-For': from } : {}) } });

test('the visitor gets the rate of their country, else of their region, else the default', async () => {
  const cases = [
    ['193.0.6.139', 'NL', 'EU', 0.5],           // the EU rule
    ['8.8.8.8', 'US', 'NA', 0.05],              // the US rule beats any NA one
    ['202.12.29.205', 'AU', 'APAC', 0.2],       // no rule: the default
    ['2001:4860:4860::8888', 'US', 'NA', 0.05],
  ];
  for (const [address, country, region, rate] of cases) {
    const res = await visitorConfig(address);
    assert.equal(res.status, 200, describeResponse(res));
    assert.deepEqual(res.json, { sample_rate: rate, error_sample_rate: 1, country, region,
      by_user_tier: { enterprise: 1, paid: 0.5 }, by_feature_flag: { 'beta-checkout-flow': 1 } },
    address);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.match(res.headers.get('cache-control'), /^private/);
  }
  // A loopback visitor has no country.
  const local = await visitorConfig('');
  assert.equal(local.json.country, null);
  assert.equal(local.json.sample_rate, 0.2);
  // A project without sampling rules keeps everything.
  const blog = await visitorConfig('193.0.6.139', { key: BLOG.key, origin: 'https://blog.example' });
  assert.equal(blog.json.sample_rate, 1);
  assert.deepEqual(blog.json.by_user_tier, {});
});

test('an unknown key or a foreign origin is refused with a reason', async () => {
  const unknown = await visitorConfig('8.8.8.8', { key: 'nope' });
  assert.equal(unknown.status, 401);
  assert.deepEqual(unknown.json, { error: 'unknown_key', field: 'key',
    reason: 'no project has this ingest key' });
  const missing = await request(`${server.url}/v1/config`);
  assert.equal(missing.status, 401);
  const foreign = await visitorConfig('8.8.8.8', { origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.json.field, 'Origin');
});

test('behind a trusted proxy each forwarded visitor has their own rate limit', async () => {
  const send = (from) => postBeacon(server, beacon({ events: [pageView()] }),
    { headers: { 'X-Forwarded-For': from } });
  // One beacon a second per client: a second beacon from the same visitor waits...
  assert.equal((await send('198.51.100.1')).status, 202);
  assert.equal((await send('198.51.100.1')).status, 429);
  // ...while other visitors behind the same proxy are not held back by it.
  assert.equal((await send('198.51.100.2')).status, 202);
  assert.equal((await send('203.0.113.9, 198.51.100.3')).status, 202);
  // An address the client wrote before the proxy's own entry does not make it someone else.
  assert.equal((await send('203.0.113.77, 198.51.100.3')).status, 429);
});
