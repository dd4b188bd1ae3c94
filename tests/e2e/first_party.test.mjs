// The first-party set-up of docs/first-party.md, as written there: Debian's nginx runs the
// documented `location /rum/` block in front of a real collector that trusts it. The agent, its
// beacons and the visitor's config pass through; the visitor behind the proxy keeps their own
// rate limit and country.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { REPO_ROOT, SHOP, baseConfig, beacon, describeResponse, makeTempDir, pageView, request,
  startServer } from './helpers.mjs';

const NGINX = process.env.NGINX || '/usr/sbin/nginx';
const COUNTRY_DB = path.join(REPO_ROOT, 'node_modules', '@ip-location-db',
  'geo-whois-asn-country-mmdb', 'geo-whois-asn-country.mmdb');

let collector;
let nginx;
let proxy;  // http://127.0.0.1:<nginx port>

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The ```nginx block of docs/first-party.md, pointed at this test's collector.
function documentedLocation(collectorUrl) {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'first-party.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/first-party.md has an nginx block');
  assert.ok(block[1].includes('http://127.0.0.1:8080/'));
  return block[1].replace('http://127.0.0.1:8080/', `${collectorUrl}/`);
}

before(async () => {
  collector = await startServer(baseConfig({
    server: { trusted_proxies: ['127.0.0.1'] },
    limits: { beacons_per_second_per_client: 1 },
    geo: { country_db: COUNTRY_DB },
  }));
  const dir = makeTempDir('sightline-nginx-');
  const port = await freePort();
  const temp = (name) => path.join(dir, name);
  fs.writeFileSync(temp('nginx.conf'), `${process.getuid() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  server {
    listen 127.0.0.1:${port};
    location = /healthz { return 200; }
${documentedLocation(collector.url)}
  }
}
`);
  nginx = spawn(NGINX, ['-p', dir, '-e', temp('error.log'), '-c', temp('nginx.conf')],
    { stdio: 'ignore' });
  proxy = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${proxy}/healthz`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not start: ${fs.readFileSync(temp('error.log'), 'utf8')}`);
});

after(async () => {
  if (nginx) nginx.kill('SIGTERM');
  if (collector) await collector.stop();
});

test('the agent is served first party, with its cache validators', async () => {
  for (const file of ['sightline.js', 'sightline-extras.js']) {
    const direct = await request(`${collector.url}/${file}`);
    const proxied = await request(`${proxy}/rum/${file}`);
    assert.equal(proxied.status, 200, describeResponse(proxied));
    assert.equal(proxied.text, direct.text);
    assert.equal(proxied.headers.get('etag'), direct.headers.get('etag'));
    assert.match(proxied.headers.get('cache-control'), /max-age=86400/);
  }
});

test('beacons pass through, and each visitor behind the proxy has their own rate limit', async () => {
  const send = (visitor) => request(`${proxy}/rum/v1/beacon?key=${SHOP.key}`, { method: 'POST',
    body: JSON.stringify(beacon({ events: [pageView()] })), contentType: 'text/plain;charset=UTF-8',
    headers: { Origin: 'https://shop.example', 'X-Forwarded-For': visitor } });
  const first = await send('198.51.100.10');
  assert.equal(first.status, 202, describeResponse(first));
  assert.equal(first.json.accepted, 1);
  assert.equal((await send('198.51.100.10')).status, 429);
  assert.equal((await send('198.51.100.11')).status, 202);
});

test("the visitor's country is known through the proxy", async () => {
  const res = await request(`${proxy}/rum/v1/config?key=${SHOP.key}`,
    { headers: { Origin: 'https://shop.example', 'X-Forwarded-For': '8.8.8.8' } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.country, 'US');
  assert.equal(res.json.region, 'NA');
});
