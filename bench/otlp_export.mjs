// Prints one OTLP trace export (ExportTraceServiceRequest) in protobuf text format, for
// `protoc --encode`: SPANS spans (default 100) in traces of eight shaped like a Node.js service's
// (an HTTP server span, four express middleware spans, an HTTP client span, a database span and
// an internal one) with the attributes those instrumentations set, starting a minute ago.
import crypto from 'node:crypto';

const spans = Number(process.env.SPANS || 100);
const bytes = (n) => [...crypto.randomBytes(n)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
const text = (key, value) => `attributes { key: "${key}" value { string_value: "${value}" } }`;
const int = (key, value) => `attributes { key: "${key}" value { int_value: ${value} } }`;
const base = BigInt(Date.now() - 60000) * 1000000n;
const out = [];
out.push('resource_spans {');
out.push(`  resource { ${text('service.name', 'checkout-api')} ${text('service.version', '2.4.1')}`);
out.push(`    ${text('telemetry.sdk.language', 'nodejs')} ${text('host.name', 'checkout-7d9f')} }`);
out.push('  scope_spans {');
for (let n = 0; n < spans;) {
  const trace = bytes(16);
  const server = bytes(8);
  const start = base + BigInt(n) * 1000000n;
  const span = (id, parent, name, kind, from, to, attributes) => {
    if (n++ >= spans) return;
    out.push(`    spans { trace_id: "${trace}" span_id: "${id}" parent_span_id: "${parent}" name: "${name}"`);
    out.push(`      kind: ${kind} start_time_unix_nano: ${start + from} end_time_unix_nano: ${start + to}`);
    for (const a of attributes) out.push(`      ${a}`);
    out.push('    }');
  };
  span(server, bytes(8), 'GET /api/checkout/:id', 'SPAN_KIND_SERVER', 0n, 48000000n, [
    text('http.request.method', 'GET'), text('http.route', '/api/checkout/:id'),
    text('url.path', '/api/checkout/42'), text('url.scheme', 'http'),
    text('server.address', 'checkout.internal'), int('server.port', 8080),
    int('http.response.status_code', 200), text('network.protocol.version', '1.1'),
    text('client.address', '10.1.2.3'), text('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64)')]);
  for (let m = 0; m < 4; ++m) {
    span(bytes(8), server, 'middleware - jsonParser', 'SPAN_KIND_INTERNAL', 1000000n, 1200000n, [
      text('express.name', 'jsonParser'), text('express.type', 'middleware'), text('http.route', '/')]);
  }
  span(bytes(8), server, 'GET', 'SPAN_KIND_CLIENT', 2000000n, 30000000n, [
    text('http.request.method', 'GET'), text('url.full', 'http://inventory.internal:8081/stock/42'),
    text('server.address', 'inventory.internal'), int('http.response.status_code', 200)]);
  span(bytes(8), server, 'pg.query:SELECT', 'SPAN_KIND_CLIENT', 31000000n, 40000000n, [
    text('db.system', 'postgresql'), text('db.statement', 'SELECT id, total, status FROM orders WHERE id = $1'),
    text('db.name', 'shop'), text('server.address', 'db.internal')]);
  span(bytes(8), server, 'render', 'SPAN_KIND_INTERNAL', 41000000n, 47000000n, []);
}
out.push('  }');
out.push('}');
console.log(out.join('\n'));
