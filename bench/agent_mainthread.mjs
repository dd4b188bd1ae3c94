// Main-thread cost of the browser agent: loads a test page in headless Chromium RUNS times each
// with nothing, with web-vitals alone (attribution build, all five metrics) and with the Sightline
// agent (served by a real `sightline serve`), and prints the median extra script time of each over
// the bare page (Chrome DevTools Protocol `Performance.getMetrics`, ScriptDuration), and the
// agent's cost as a multiple of web-vitals'.
//
// web-vitals is measured loaded both ways: by a <script> tag in the head, and asynchronously by
// an injected script as web-vitals' README shows for loading it from a CDN, which is how the
// agent's loader snippet loads the agent. The second is the like-for-like comparison: loading a
// script late costs the page more (web-vitals then handles its buffered entries in one go). A
// third column loads it asynchronously and reports as its README's batching example does.
//
//   node bench/agent_mainthread.mjs        (needs build/sightline, chromium, npm packages)
// Environment: RUNS (10), CHROMIUM_PATH (/usr/bin/chromium), AGENT_CANDIDATE (a directory with
// another build's sightline.js and sightline-extras.js, measured as the column `candidate` in the
// same interleaved runs, served cross-origin like the collector's), AGENT_VARIANTS (a JSON object of
// more agent columns, name → options, measured in the same interleaved runs, e.g.
// '{"no-resources":{"trackResources":false}}'), AGENT_OPTIONS (JSON merged into the
// agent's init options, e.g. '{"trackResources":false}' to see what one signal costs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.RUNS || 10);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WEB_VITALS = fs.readFileSync(path.join(root, 'node_modules/web-vitals/dist/web-vitals.attribution.iife.js'));

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

async function startCollector() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-agent-bench-'));
  const probe = http.createServer();
  const port = await listen(probe);
  probe.close();
  fs.writeFileSync(path.join(dir, 'config.yaml'), [
    `listen: 127.0.0.1:${port}`, `data_dir: ${JSON.stringify(path.join(dir, 'data'))}`,
    'limits:', '  beacons_per_second_per_client: 0', '  beacons_per_second_per_key: 0',
    'projects:', '  - id: bench', '    ingest_keys: [bench-key]', '    read_tokens: [bench-read]',
    '    allowed_origins: ["http://127.0.0.1:*"]', ''].join('\n'));
  const proc = spawn(path.join(root, 'build/sightline'), ['serve', '--config', path.join(dir, 'config.yaml')],
    { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, stop: () => proc.kill('SIGTERM'), dir };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('sightline serve did not start');
}

// A product page: some DOM, styles, an image, a little script of its own.
function page(head) {
  const items = Array.from({ length: 60 }, (_, i) =>
    `<li class="item"><a href="/p/${i}">Product ${i}</a> <span>${(i * 3.7).toFixed(2)} EUR</span> <button>Add</button></li>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Bench shop</title>
<style>body{font:16px sans-serif}.item{padding:4px}img{width:600px;height:300px;background:#ccd}</style>
${head}</head><body><h1>Spring sale</h1><img src="/hero.svg" alt=""><ul>${items}</ul>
<script>document.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => { b.textContent = 'Added'; }));</script>
</body></html>`;
}

const collector = await startCollector();
function agentHead(options, origin = collector.url) {
  return `<script>!function(w,d,s,n){var q=w[n]=w[n]||{q:[]};["init","track","identify","setFlags","setConsent"].forEach(function(m){q[m]=q[m]||function(){q.q.push([m,[].slice.call(arguments)])}});var e=d.createElement("script");e.async=1;e.src=s;d.head.appendChild(e)}(window,document,"${origin}/sightline.js","Sightline");
Sightline.init(Object.assign({ key: 'bench-key', endpoint: '${collector.url}/v1/beacon', release: '1.0.0', respectDNT: false }, ${options}));</script>`;
}
const extraVariants = JSON.parse(process.env.AGENT_VARIANTS || '{}');
const heads = {
  none: '',
  'web-vitals': `<script src="/web-vitals.js"></script><script>
for (const on of ['onLCP','onINP','onCLS','onFCP','onTTFB']) webVitals[on](() => {});</script>`,
  'web-vitals-async': `<script>(function () { var s = document.createElement('script');
s.src = '/web-vitals.js'; s.onload = function () {
for (const on of ['onLCP','onINP','onCLS','onFCP','onTTFB']) webVitals[on](() => {}); };
document.head.appendChild(s); })();</script>`,
  // web-vitals as its README's "Batch multiple reports together" uses it: the metrics queued and
  // sent in one beacon when the page is hidden.
  'web-vitals-reporting': `<script>(function () { var s = document.createElement('script');
s.src = '/web-vitals.js'; s.onload = function () {
const queue = new Set();
const flushQueue = () => { if (queue.size > 0) { const body = JSON.stringify([...queue]);
(navigator.sendBeacon && navigator.sendBeacon('/analytics', body)) || fetch('/analytics', { body, method: 'POST', keepalive: true });
queue.clear(); } };
for (const on of ['onLCP','onINP','onCLS','onFCP','onTTFB']) webVitals[on]((metric) => queue.add(metric));
addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flushQueue(); }); };
document.head.appendChild(s); })();</script>`,
  sightline: agentHead(process.env.AGENT_OPTIONS || '{}'),
};
const site = http.createServer((req, res) => {
  const variant = new URL(req.url, 'http://x').searchParams.get('v');
  if (req.url.startsWith('/web-vitals.js')) {
    res.writeHead(200, { 'content-type': 'application/javascript' });
    return res.end(WEB_VITALS);
  }
  if (req.url.startsWith('/analytics')) {
    res.writeHead(204);
    return res.end();
  }
  if (req.url.startsWith('/hero.svg')) {
    res.writeHead(200, { 'content-type': 'image/svg+xml' });
    return res.end('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"><rect width="600" height="300" fill="#88a"/></svg>');
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(page(heads[variant] ?? ''));
});
const sitePort = await listen(site);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

async function scriptMs(variant) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  // The agent's own account of its main-thread time, from its footprint event.
  tab.on('request', (req) => {
    const body = req.url().includes('/v1/beacon') && req.method() === 'POST' && req.postDataBuffer();
    if (!body || body[0] === 0x1f) return;
    for (const e of JSON.parse(body.toString()).events) {
      if (e.name === 'sightline_footprint') footprints.push(e.attributes.script_ms);
    }
  });
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Performance.enable');
  await tab.goto(`http://127.0.0.1:${sitePort}/?v=${variant}`, { waitUntil: 'load' });
  await tab.waitForTimeout(500);
  await tab.click('li:nth-child(3) button');
  await tab.waitForTimeout(300);
  // What happens when the user leaves: the vitals are reported and (for the agent) sent.
  await tab.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await tab.waitForTimeout(200);
  const { metrics } = await cdp.send('Performance.getMetrics');
  await context.close();
  return metrics.find((m) => m.name === 'ScriptDuration').value * 1000;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [name, options] of Object.entries(extraVariants)) heads[name] = agentHead(JSON.stringify(options));
let candidate;
if (process.env.AGENT_CANDIDATE) {
  const dir = process.env.AGENT_CANDIDATE;
  candidate = http.createServer((req, res) => {
    const file = req.url.startsWith('/sightline-extras.js') ? 'sightline-extras.js' : 'sightline.js';
    res.writeHead(200, { 'content-type': 'application/javascript', 'access-control-allow-origin': '*' });
    res.end(fs.readFileSync(path.join(dir, file)));
  });
  heads.candidate = agentHead(process.env.AGENT_OPTIONS || '{}', `http://127.0.0.1:${await listen(candidate)}`);
}
const samples = { none: [], 'web-vitals': [], 'web-vitals-async': [], 'web-vitals-reporting': [], sightline: [],
  ...Object.fromEntries([...Object.keys(extraVariants), ...(candidate ? ['candidate'] : [])]
    .map((name) => [name, []])) };
const footprints = [];
try {
  await scriptMs('none');  // warm-up: the first page of a browser pays for its start
  for (let run = 0; run < RUNS; run++) {
    for (const variant of Object.keys(samples)) samples[variant].push(await scriptMs(variant));
  }
} finally {
  await browser.close();
  site.close();
  if (candidate) candidate.close();
  collector.stop();
}
const base = median(samples.none);
console.log(`${RUNS} loads each; script time in ms (medians)`);
for (const [variant, xs] of Object.entries(samples)) {
  console.log(`${variant.padEnd(16)} ${median(xs).toFixed(1).padStart(7)} ms` +
    (variant === 'none' ? '' : `   extra ${(median(xs) - base).toFixed(1)} ms`));
}
console.log(`the agent's own measure of its callbacks (sightline_footprint script_ms): ` +
  `${median(footprints).toFixed(1)} ms (median of ${footprints.length})`);
const agent = median(samples.sightline) - base;
const wv = median(samples['web-vitals']) - base;
const wvAsync = median(samples['web-vitals-async']) - base;
console.log(`agent / web-vitals (script tag) extra script time: ${(agent / wv).toFixed(2)}`);
console.log(`agent / web-vitals (loaded asynchronously, like the agent): ${(agent / wvAsync).toFixed(2)} ` +
  '(goal <= 1.5)');
