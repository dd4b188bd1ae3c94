// Writes stored rows for `sightline import` (one JSON object per line) shaped like a traced API:
// TRACES browser calls spread over the 7 days before now (default 250,000), each an `api_call`
// event with its trace and span ids and a backend that answered it with 7 spans (a server span,
// five middleware spans and a database span), 8 rows per trace. Standard error gets one trace id
// in 25,000, to look up. For timing trace lookups and the api_calls join on a store of known size:
//
//   node bench/trace_rows.mjs 250000 >rows.jsonl 2>ids.txt
//   build/sightline import --config CONFIG --data DIR rows.jsonl      (project "bench")
//   curl -H "Authorization: Bearer TOKEN" "http://HOST/api/v1/traces/$(sed -n 2p ids.txt)?project=bench"
import crypto from 'node:crypto';

const traces = Number(process.argv[2] || 250000);
const end = Date.now() - 60000;
const range = 7 * 86400000;
const hex = (n) => crypto.randomBytes(n).toString('hex');
const ids = [];
let out = '';
const row = (fields) => { out += `${JSON.stringify({ project: 'bench', ...fields })}\n`; };
for (let t = 0; t < traces; ++t) {
  const trace = hex(16);
  const call = hex(8);
  const server = hex(8);
  const ts = Math.floor(end - range + (range * t) / traces);
  if (t % 25000 === 7) ids.push(trace);
  row({ ts: ts + 120, type: 'api_call', session_id: hex(8), method: 'GET', request_url: 'https://api.shop.example/v1/cart',
    request_route: 'api.shop.example/v1/cart', status: 200, duration: 120, trace_id: trace, span_id: call });
  const span = (id, parent, name, kind, offset, duration, extra = {}) => row({
    ts: ts + offset, type: 'span', start_ns: (ts + offset) * 1e6, trace_id: trace, span_id: id, parent_span_id: parent,
    name, kind, service: 'cart-api', duration, ...extra });
  span(server, call, 'GET /v1/cart', 'server', 30, 60, { method: 'GET', request_route: '/v1/cart', status: 200 });
  for (let k = 0; k < 5; ++k) span(hex(8), server, 'middleware', 'internal', 31, 1);
  span(hex(8), server, 'pg.query:SELECT', 'client', 40, 30,
    { attributes: '{"db.system":"postgresql","db.statement":"SELECT * FROM cart WHERE id = $1"}' });
  if (out.length > 1 << 20) {
    process.stdout.write(out);
    out = '';
  }
}
process.stdout.write(out);
process.stderr.write(`${ids.join('\n')}\n`);
