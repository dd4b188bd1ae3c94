// The test shop's gateway: an express 5 app traced by ./tracing.cjs. It serves the test pages
// (shop.html with the Sightline agent, web.html with the OpenTelemetry web SDK bundle from
// STATIC_DIR) and GET /api/checkout, which asks the inventory service (INVENTORY_URL) over HTTP
// (a client span) before it answers. The API answers pages on localhost origins too (CORS, with
// the traceparent header allowed). Prints "gateway listening on <url>" once it listens.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const express = require('express');

const { INVENTORY_URL, COLLECTOR_URL, INGEST_KEY, STATIC_DIR } = process.env;

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
        try { resolve(JSON.parse(body)); } catch (err) { reject(err); }
      });
    }).on('error', reject);
  });
}

function page(name) {
  return (req, res) => {
    const html = fs.readFileSync(path.join(__dirname, name), 'utf8')
      .replaceAll('__COLLECTOR__', COLLECTOR_URL)
      .replaceAll('__KEY__', INGEST_KEY)
      .replaceAll('__GATEWAY__', `${req.protocol}://${req.get('host')}`)
      .replaceAll('__API__', `http://127.0.0.1:${server.address().port}`);
    res.type('html').send(html);
  };
}

const app = express();
app.get('/shop.html', page('shop.html'));
app.get('/web.html', page('web.html'));
if (STATIC_DIR) app.use('/static', express.static(STATIC_DIR));

app.use('/api', (req, res, next) => {
  const origin = req.get('origin');
  if (origin && /^http:\/\/localhost:\d+$/.test(origin)) {
    res.set({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'content-type, traceparent, tracestate',
      vary: 'Origin',
    });
    if (req.method === 'OPTIONS') return res.status(204).end();
  }
  return next();
});

app.get('/api/checkout', async (req, res, next) => {
  try {
    const stock = await getJson(`${INVENTORY_URL}/stock/sku-42`);
    // Pricing takes a moment after the stock is known: time in the gateway after its client span.
    await new Promise((resolve) => setTimeout(resolve, 10));
    res.json({ order: 'o-1001', sku: stock.sku, in_stock: stock.available > 0 });
  } catch (err) {
    next(err);
  }
});

const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`gateway listening on http://127.0.0.1:${server.address().port}`);
});
