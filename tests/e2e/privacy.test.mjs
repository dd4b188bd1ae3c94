// Privacy at the collector: beacons carrying personal data in every free-text field (and the
// visitor's address in a URL, a message and X-Forwarded-For), and a backend's OpenTelemetry spans
// carrying it in their name, attributes, URL, status and exception, are stored without any of it. The
// test reads every byte under the data directory — WAL, segments and rollups (their zstd frames
// decompressed), manifest — and the server's log, and finds none of the raw values; a marker
// sent alongside proves the bytes it read are the stored events.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  SHOP, apiCall, baseConfig, beacon, describeResponse, errorEvent, eventually, isoSeconds,
  metricSum, pageView, postBeacon, queryMetrics, request, scrapeMetrics, startServer, storedBytes, uniqueId, vital,
} from './helpers.mjs';

const PII = {
  email: 'jane.doe.leak@example.com',
  email2: 'ops+alerts@shop-internal.example',
  phone: '+44 20 7946 0958',
  phoneUs: '(555) 867-5309',
  ssn: '078-05-1120',
  card: '4111 1111 1111 1111',
  cardDashed: '5500-0000-0000-0004',
  ipv4: '185.199.108.153',
  ipv6: '2001:db8:85a3::8a2e:370:7334',
  forwardedIp: '193.0.6.139',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU',
  bearer: 'tok_9f8e7d6c5b4a39281706abcdef',
  password: 'hunter2-secret-pw',
  minimalSession: 'sess-minimal-7c1e',
  minimalUser: 'user-minimal-2b9d',
};

function assertNoPii(text, where) {
  for (const [name, value] of Object.entries(PII)) {
    assert.ok(!text.includes(value), `${name} (${value}) found in ${where}`);
  }
}

test('no personal data reaches the WAL, the segments, the manifest or the log', async () => {
  const config = baseConfig({ server: { ...baseConfig().server, trusted_proxies: ['127.0.0.1'] } });
  const server = await startServer(config);
  const marker = uniqueId('stored-marker');
  const headers = { 'X-Forwarded-For': PII.forwardedIp, 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' };
  try {
    const full = beacon({
      context: {
        release: marker,
        url: `https://shop.example/account/${PII.email}?token=${PII.bearer}&password=${PII.password}&from=${PII.ipv4}`,
        referrer: `https://mail.example/inbox?u=${encodeURIComponent(PII.email2)}&ip=${PII.ipv6}`,
        user: { id: PII.email, tier: `vip ${PII.phoneUs}` },
        flags: [`beta-${PII.email2}`],
      },
      events: [
        pageView({ route: undefined }),
        vital('LCP', 2100, { attribution: { element: `img[alt="${PII.email}"]`, url: `https://cdn.example/${PII.ipv4}/hero.jpg` } }),
        errorEvent({
          message: `${marker} payment failed for ${PII.email} card ${PII.card} from ${PII.ipv4} ssn ${PII.ssn}`,
          stack: `Error: ${PII.phone}\n    at pay (https://shop.example/app.js?auth=${PII.jwt}:1:2)\n    at ${PII.ipv6}`,
          file: `https://shop.example/u/${PII.email}/app.js`,
          breadcrumbs: [{ type: 'click', target: `a[href="mailto:${PII.email}"]`, ts: Date.now() },
            { type: 'fetch', url: `https://api.example/users?email=${PII.email}`, ts: Date.now() }],
        }),
        apiCall({ url: `https://api.shop.example/pay?card=${PII.cardDashed.replaceAll('-', '')}&password=${PII.password}&jwt=${PII.jwt}` }),
        { type: 'action', ts: Date.now(), action: 'click', target: `button[data-user="${PII.email}"]`, feature: `call ${PII.phone}` },
        { type: 'custom', ts: Date.now(), name: 'checkout_completed', value: 42,
          attributes: { note: `Bearer ${PII.bearer}`, phone: PII.phoneUs, card: PII.cardDashed, ssn: PII.ssn } },
      ],
    });
    const res = await postBeacon(server, full, { headers });
    assert.equal(res.status, 202, describeResponse(res));
    assert.deepEqual(res.json.rejected, [], describeResponse(res));
    assertNoPii(res.text, 'the beacon answer');

    // Minimal consent: no session, page-view or user id is stored, even when a faulty agent sends them.
    const minimal = beacon({
      consent: 'minimal', session_id: PII.minimalSession, page_view_id: PII.minimalSession,
      context: { release: marker, user: { id: PII.minimalUser } },
      events: [errorEvent({ message: `${marker} minimal`, page_view_id: PII.minimalSession })],
    });
    const minimalRes = await postBeacon(server, minimal, { headers });
    assert.equal(minimalRes.status, 202, describeResponse(minimalRes));

    // A backend's spans (OTLP/HTTP): the client's address and User-Agent attributes are dropped,
    // URLs lose their query, and every other text is scrubbed like an event's.
    const startNs = BigInt(Date.now() - 1000) * 1000000n;
    const text = (key, value) => ({ key, value: { stringValue: value } });
    const spans = await request(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'x-sightline-key': SHOP.key },
      body: JSON.stringify({ resourceSpans: [{
        resource: { attributes: [text('service.name', 'checkout-api'), text('service.version', marker),
          text('host.ip', PII.ipv6)] },
        scopeSpans: [{ spans: [{
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7',
          name: `lookup ${PII.email}`, kind: 2,
          startTimeUnixNano: String(startNs), endTimeUnixNano: String(startNs + 5000000n),
          attributes: [
            text('db.system', 'postgresql'),
            text('db.statement', `SELECT * FROM users WHERE email = '${PII.email2}' AND phone = '${PII.phoneUs}'`),
            text('client.address', PII.ipv4), text('net.peer.ip', PII.forwardedIp),
            text('user_agent.original', headers['User-Agent']),
            text('url.full', `https://api.shop.example/pay?password=${PII.password}&jwt=${PII.jwt}`),
            text('url.query', `card=${PII.card}`), text('enduser.id', PII.email),
            text('http.request.header.authorization', `Bearer ${PII.bearer}`),
          ],
          events: [{ name: 'exception', timeUnixNano: String(startNs), attributes: [
            text('exception.type', 'CardError'), text('exception.message', `declined ${PII.cardDashed} ssn ${PII.ssn}`),
            text('exception.stacktrace', `CardError: ${PII.phone}\n    at charge (/srv/app.js:1:2)`)] }],
          status: { code: 2, message: `failed for ${PII.email}` },
        }] }],
      }] }),
    });
    assert.equal(spans.status, 200, describeResponse(spans));
    assertNoPii(spans.text, 'the trace export answer');

    // A bad event's error names the field, not the personal data in it.
    const bad = await postBeacon(server, beacon({ events: [vital('LCP', PII.email)] }), { headers });
    assert.equal(bad.status, 202, describeResponse(bad));
    assert.equal(bad.json.rejected.length, 1, describeResponse(bad));
    assertNoPii(bad.text, 'a rejection');

    const now = Math.floor(Date.now() / 1000) * 1000;
    await eventually(async () => {
      const q = await queryMetrics(server, {
        project: SHOP.id, name: 'LCP', stats: ['count'], filter: `release:${marker}`,
        from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
      });
      assert.equal(q.json?.rows?.[0]?.count, 1, describeResponse(q));
    });
    const { series } = await scrapeMetrics(server);
    for (const type of ['email', 'phone', 'ssn', 'card', 'ipv4', 'ipv6', 'jwt', 'bearer', 'param']) {
      assert.ok(metricSum(series, 'sightline_pii_redactions_total', { type }) > 0, `redactions of ${type} counted`);
    }

    // While running: the events are in the WAL.
    const live = storedBytes(server.dataDir);
    assert.ok(live.text.includes(marker), 'the marker is in the WAL: these bytes are the stored events');
    assert.ok(live.text.includes('[REDACTED_EMAIL]'), 'redacted values are stored as placeholders');
    assert.ok(live.text.includes('lookup [REDACTED_EMAIL]'), 'the span is in the WAL, its name scrubbed');
    assertNoPii(live.text, `the data directory while running (${live.files.length} files)`);
  } finally {
    await server.stop();
  }
  // After a clean stop: the events are in segments.
  const stopped = storedBytes(server.dataDir);
  assert.ok(stopped.files.some((f) => f.endsWith('.seg')), `a segment was written: ${stopped.files.join(', ')}`);
  assert.ok(stopped.text.includes(marker), 'the marker is in the decompressed segments');
  assertNoPii(stopped.text, `the data directory after the stop (${stopped.files.join(', ')})`);
  assertNoPii(server.stderrLines.join('\n'), 'the server log');
});
