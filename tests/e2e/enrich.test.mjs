// Enrichment at the collector: browser, OS and device from the User-Agent (and Client Hints),
// country and region from the client address (behind a trusted proxy), routes templated, crawlers
// counted and not stored, and every new dimension usable in filter and group_by.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  REPO_ROOT, SHOP, baseConfig, beacon, describeResponse, eventually, isoSeconds, metricSum,
  pageView, postBeacon, queryMetrics, scrapeMetrics, startServer, uniqueId, vital,
} from './helpers.mjs';

const COUNTRY_DB = path.join(REPO_ROOT,
  'node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');

const UA = {
  windowsChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  androidChrome: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  macFirefox: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

let server;
const release = uniqueId('enrich');

before(async () => {
  const config = baseConfig({ server: { ...baseConfig().server, trusted_proxies: ['127.0.0.1', '::1'] } });
  config.geo = { country_db: COUNTRY_DB };
  config.projects[0].routes = [{ match: '/blog/*', route: '/blog/:slug' }];
  server = await startServer(config);
});

after(async () => {
  if (server) await server.stop();
});

// Sends one LCP vital from a visitor with these request headers.
async function visit(headers, { value = 1000, url = 'https://shop.example/products/42' } = {}) {
  const res = await postBeacon(server, beacon({
    context: { release, url }, events: [vital('LCP', value)],
  }), { headers });
  assert.equal(res.status, 202, describeResponse(res));
  return res;
}

async function rows(groupBy, filter) {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const res = await queryMetrics(server, {
    project: SHOP.id, name: 'LCP', stats: ['count'], group_by: groupBy,
    filter: [`release:${release}`, ...(filter ? [filter] : [])].join(','),
    from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
  });
  assert.equal(res.status, 200, describeResponse(res));
  return Object.fromEntries(res.json.rows.map((r) => [Object.values(r.group).join('|'), r.count]));
}

test('browser, OS, device, country and region are stored for every event and can be grouped and filtered', async () => {
  await visit({ 'User-Agent': UA.windowsChrome, 'X-Forwarded-For': '8.8.8.8' });
  await visit({ 'User-Agent': UA.windowsChrome, 'X-Forwarded-For': '8.8.8.8' });
  await visit({ 'User-Agent': UA.iphone, 'X-Forwarded-For': '193.0.6.139' });
  await visit({ 'User-Agent': UA.androidChrome, 'X-Forwarded-For': '200.160.2.3' });
  await visit({ 'User-Agent': UA.ipad, 'X-Forwarded-For': '202.12.29.205' });
  await visit({ 'User-Agent': UA.macFirefox, 'X-Forwarded-For': '196.216.2.6' });

  await eventually(async () => {
    assert.deepEqual(await rows('device'), { desktop: 3, mobile: 2, tablet: 1 });
  });
  assert.deepEqual(await rows('browser'),
    { Chrome: 2, 'Mobile Safari': 2, 'Chrome Mobile': 1, Firefox: 1 });
  assert.deepEqual(await rows('os,os_version'),
    { 'Windows|10': 2, 'iOS|17.4': 1, 'Android|10': 1, 'iOS|16.6': 1, 'Mac OS X|10.15': 1 });
  assert.deepEqual(await rows('browser,browser_version', 'browser:Firefox'), { 'Firefox|133': 1 });
  assert.deepEqual(await rows('country'), { US: 2, NL: 1, BR: 1, AU: 1, ZA: 1 });
  assert.deepEqual(await rows('region'), { NA: 2, EU: 1, LATAM: 1, APAC: 1, MEA: 1 });
  assert.deepEqual(await rows('device', 'region:EU'), { mobile: 1 });
});

test('Client Hints give what the frozen User-Agent string does not: Windows 11, a tablet', async () => {
  const hinted = uniqueId('hints');
  const send = (headers) => postBeacon(server, beacon({ context: { release: hinted }, events: [vital('LCP', 900)] }), { headers });
  assert.equal((await send({
    'User-Agent': UA.windowsChrome, 'Sec-CH-UA-Platform': '"Windows"', 'Sec-CH-UA-Platform-Version': '"15.0.0"',
    'Sec-CH-UA-Mobile': '?0',
  })).status, 202);
  assert.equal((await send({
    'User-Agent': UA.androidChrome.replace(' Mobile', ''), 'Sec-CH-UA-Platform': '"Android"',
    'Sec-CH-UA-Platform-Version': '"14.0.0"', 'Sec-CH-UA-Mobile': '?0',
  })).status, 202);
  const now = Math.floor(Date.now() / 1000) * 1000;
  await eventually(async () => {
    const res = await queryMetrics(server, {
      project: SHOP.id, name: 'LCP', stats: ['count'], group_by: 'device,os,os_version',
      filter: `release:${hinted}`, from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
    });
    assert.equal(res.status, 200, describeResponse(res));
    const got = Object.fromEntries(res.json.rows.map((r) => [Object.values(r.group).join('|'), r.count]));
    assert.deepEqual(got, { 'desktop|Windows|11': 1, 'tablet|Android|14': 1 });
  });
});

test('crawlers are counted in /metrics and not stored', async () => {
  const before = metricSum((await scrapeMetrics(server)).series, 'sightline_bot_events_total');
  const crawled = uniqueId('bot');
  const res = await postBeacon(server, beacon({ context: { release: crawled }, events: [vital('LCP', 1), vital('LCP', 2)] }),
    { headers: { 'User-Agent': UA.googlebot } });
  assert.equal(res.status, 202, describeResponse(res));
  assert.equal(res.json.bot, true, describeResponse(res));
  assert.equal(res.json.accepted, 0, describeResponse(res));
  await eventually(async () => {
    assert.equal(metricSum((await scrapeMetrics(server)).series, 'sightline_bot_events_total') - before, 2);
  });
  const now = Math.floor(Date.now() / 1000) * 1000;
  const stored = await queryMetrics(server, {
    project: SHOP.id, name: 'LCP', stats: ['count'], filter: `release:${crawled}`,
    from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
  });
  assert.deepEqual(stored.json.rows.map((r) => r.count).filter((c) => c > 0), []);
});

test('routes: ids, UUIDs and tokens become :id, query strings go, project rules come first', async () => {
  const routed = uniqueId('routes');
  const send = (url) => postBeacon(server, beacon({
    context: { release: routed, url }, events: [vital('LCP', 800)],
  }));
  for (const url of [
    'https://shop.example/users/12345/orders?tab=2#top',
    'https://shop.example/users/987/orders',
    'https://shop.example/o/3f2b8c1e-9d4a-4e7b-8f6a-2c1d0e9b8a7f/edit',
    'https://shop.example/blog/why-rum-matters',
    'https://shop.example/blog/top-10-tips',
  ]) {
    assert.equal((await send(url)).status, 202);
  }
  const now = Math.floor(Date.now() / 1000) * 1000;
  await eventually(async () => {
    const res = await queryMetrics(server, {
      project: SHOP.id, name: 'LCP', stats: ['count'], group_by: 'route', filter: `release:${routed}`,
      from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
    });
    const got = Object.fromEntries(res.json.rows.map((r) => [r.group.route, r.count]));
    assert.deepEqual(got, { '/users/:id/orders': 2, '/o/:id/edit': 1, '/blog/:slug': 2 });
  });
});
