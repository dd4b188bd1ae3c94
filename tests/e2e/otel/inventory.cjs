// The inventory service behind the gateway: an express 5 app traced by ./tracing.cjs.
// GET /stock/:sku answers after a short lookup. Prints "inventory listening on <url>".
'use strict';

const express = require('express');

const app = express();
app.get('/stock/:sku', async (req, res) => {
  await new Promise((resolve) => setTimeout(resolve, 15));  // the lookup
  res.json({ sku: req.params.sku, available: 3 });
});

const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`inventory listening on http://127.0.0.1:${server.address().port}`);
});
