// `sightline generate` and `sightline import`: generated sessions go straight into the store, a
// bad line is reported by number and skipped without losing its neighbours, text is scrubbed as
// at ingest, and the server then answers from the imported segments exactly and from their
// rollups' sketches.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  SHOP, SKETCH_REL, baseConfig, beacon, compareStats, describeResponse, eventually, expectedStats,
  isoSeconds, makeTempDir, metricSum, postBeacon, queryMetrics, request, runBinary, scrapeMetrics,
  startServer, storedBytes, toYaml, vital,
} from './helpers.mjs';

// The imported `rows` (two days before `end`) answered exactly, from rollups without reading rows,
// and as sessions each counted once.
async function expectAnswersOf(server, rows, end) {
  const lcp = rows.filter((r) => r.type === 'vital' && r.name === 'LCP');
  const range = { from: String(end - 2 * 86400_000), to: String(end) };
  const stats = ['p50', 'p75', 'p95', 'count', 'samples', 'min', 'max'];
  const expected = expectedStats(lcp.map((r) => ({ value: r.value, w: 1 })), stats);
  const exact = await queryMetrics(server, { project: SHOP.id, name: 'LCP', stats, exact: 'true', ...range });
  assert.equal(exact.status, 200, describeResponse(exact));
  assert.deepEqual(compareStats(exact.json.rows[0], expected), []);
  const sketched = await queryMetrics(server, { project: SHOP.id, name: 'LCP', stats, ...range });
  assert.ok(sketched.json.source.sketch_cells > 0 && sketched.json.source.scanned_events === 0,
    `answered from rollups: ${describeResponse(sketched)}`);
  assert.deepEqual(compareStats(sketched.json.rows[0], expected, '', { quantileRel: SKETCH_REL }), []);
  const res = await request(`${server.url}/api/v1/sessions/summary?project=${SHOP.id}&from=${range.from}&to=${range.to}`,
    { headers: { Authorization: `Bearer ${SHOP.token}` } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.json.rows[0].sessions, new Set(rows.map((r) => r.session_id)).size);
}

test('generated events imported, bad lines named and skipped, personal data scrubbed, answers exact', async () => {
  const dir = makeTempDir();
  const dataDir = path.join(dir, 'data');
  const configPath = path.join(dir, 'sightline.yaml');
  const config = { ...baseConfig(), data_dir: dataDir };
  fs.writeFileSync(configPath, toYaml(config));

  const end = Math.floor(Date.now() / 3600_000) * 3600_000;
  const generated = await runBinary(['generate', '--vitals', '3000', '--days', '2', '--end', String(end), '--project', SHOP.id], { timeoutMs: 30000 });
  assert.equal(generated.code, 0, generated.stderr);
  const lines = generated.stdout.trim().split('\n');
  const rows = lines.map((l) => JSON.parse(l));
  assert.ok(rows.filter((r) => r.type === 'vital').length === 3000, 'exactly the vitals asked for');
  assert.ok(rows.some((r) => r.type === 'custom' && r.name === 'checkout_completed'), 'some sessions convert');
  assert.ok(rows.some((r) => r.type === 'error' && r.stack && r.kind), 'some pages throw errors');
  assert.ok(rows.every((r) => r.ts >= end - 2 * 86400_000 && r.ts < end), 'every event within the days asked for');

  // Bad lines among the good: malformed JSON, an unknown column, a wrong type, an unknown project,
  // a missing ts. And one good line carrying an e-mail address in its URL.
  const email = 'jane.doe@example.com';
  const withEmail = { ...rows[1], url: `https://shop.example/account?contact=${email}` };
  const bad = [
    '{"ts": 1, "type": "vital",',
    JSON.stringify({ ...rows[0], planet: 'mars' }),
    JSON.stringify({ ...rows[0], value: 'fast' }),
    JSON.stringify({ ...rows[0], project: 'nope' }),
    JSON.stringify({ type: 'vital', name: 'LCP', value: 1 }),
  ];
  const input = [lines[0], bad[0], JSON.stringify(withEmail), ...bad.slice(1), ...lines.slice(2)];
  const file = path.join(dir, 'events.jsonl');
  fs.writeFileSync(file, `${input.join('\n')}\n`);

  const imported = await runBinary(['import', '--config', configPath, file], { timeoutMs: 60000 });
  assert.equal(imported.code, 1, `rejected lines make the exit code 1: ${imported.stderr}`);
  assert.match(imported.stdout, new RegExp(`imported ${lines.length} rows, rejected 5`));
  for (const [line, why] of [[2, /not a JSON object/], [4, /field planet: not a column/], [5, /field value: expected a number/],
    [6, /field project: unknown project "nope"/], [7, /field ts: required/]]) {
    assert.match(imported.stderr, new RegExp(`line ${line}: ${why.source}`), imported.stderr);
  }

  // Nothing on disk holds the address; the URL around it is there (the bytes searched are the
  // stored events).
  const stored = storedBytes(dataDir).text;
  assert.ok(!stored.includes(email), 'the e-mail address is in no stored byte');
  assert.ok(stored.includes('https://shop.example/account?contact='), 'the scrubbed URL is stored');
  const server = await startServer(config, { dataDir });
  try {
    await expectAnswersOf(server, rows, end);
  } finally {
    await server.stop();
  }
});

test('a day that has aged is compacted by the server into one segment, answers unchanged', async () => {
  const dir = makeTempDir();
  const dataDir = path.join(dir, 'data');
  const configPath = path.join(dir, 'sightline.yaml');
  const config = baseConfig();
  config.data_dir = dataDir;
  config.storage.compact_interval_s = 1;
  fs.writeFileSync(configPath, toYaml(config));

  // Two days ending three days ago, imported in small segments: several per day.
  const end = Math.floor(Date.now() / 86400_000) * 86400_000 - 3 * 86400_000;
  const generated = await runBinary(['generate', '--vitals', '4000', '--days', '2', '--end', String(end), '--project', SHOP.id], { timeoutMs: 30000 });
  assert.equal(generated.code, 0, generated.stderr);
  const rows = generated.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const file = path.join(dir, 'events.jsonl');
  fs.writeFileSync(file, generated.stdout);
  const imported = await runBinary(['import', '--config', configPath, '--segment-rows', '1000', file], { timeoutMs: 60000 });
  assert.equal(imported.code, 0, imported.stderr);
  const segmentFiles = () => fs.readdirSync(dataDir, { recursive: true }).filter((f) => String(f).endsWith('.seg'));
  const days = new Set(rows.map((r) => new Date(r.ts).toISOString().slice(0, 10))).size;
  assert.ok(segmentFiles().length > 2 * days, `several segments per day before: ${segmentFiles().length}`);

  const server = await startServer(config, { dataDir });
  try {
    // One segment per day once the flusher has compacted them (within a few of its seconds).
    await eventually(async () => {
      const { series } = await scrapeMetrics(server);
      assert.equal(metricSum(series, 'sightline_segments'), days);
    }, { timeoutMs: 20000, intervalMs: 250 });
    assert.equal(segmentFiles().length, days, 'the merged segments\' files are deleted');

    await expectAnswersOf(server, rows, end);
  } finally {
    await server.stop();
  }
});

test('one writer per data directory: import and a second serve refuse a directory a server is using, naming it', async () => {
  const dir = makeTempDir();
  const dataDir = path.join(dir, 'data');
  const configPath = path.join(dir, 'sightline.yaml');
  fs.writeFileSync(configPath, toYaml({ ...baseConfig(), data_dir: dataDir }));
  const server = await startServer(baseConfig(), { dataDir });
  const now = Math.floor(Date.now() / 1000) * 1000;
  const acked = [];
  for (let idx = 0; idx < 20; ++idx) {
    const res = await postBeacon(server, beacon({ events: [vital('LCP', 1000 + idx)], context: { release: `r${idx}` } }));
    assert.equal(res.status, 202, describeResponse(res));
    acked.push(`r${idx}`);
  }
  const rows = Array.from({ length: 50 }, (_, idx) => JSON.stringify({
    project: SHOP.id, ts: now - 60_000 + idx, type: 'vital', name: 'LCP', value: 500, release: 'imported',
  }));
  const file = path.join(dir, 'rows.jsonl');
  fs.writeFileSync(file, `${rows.join('\n')}\n`);

  const imported = await runBinary(['import', '--config', configPath, file], { timeoutMs: 20000 });
  assert.equal(imported.code, 1, `import beside a running server fails: ${imported.stdout}${imported.stderr}`);
  assert.match(imported.stderr, new RegExp(`in use by another sightline process \\(pid ${server.pid}, serve\\)`), imported.stderr);

  const second = await runBinary(['serve', '--config', configPath, '--listen', '127.0.0.1:0', '--data', dataDir], { timeoutMs: 10000 });
  assert.notEqual(second.code, 0, 'a second server on the same directory does not start');
  assert.match(second.stderr, new RegExp(`pid ${server.pid}, serve`), second.stderr);

  // The running server lost nothing; after it stops, import may write.
  await server.stop('SIGKILL');
  const afterStop = await runBinary(['import', '--config', configPath, file], { timeoutMs: 20000 });
  assert.equal(afterStop.code, 0, afterStop.stderr);
  const restarted = await startServer(baseConfig(), { dataDir });
  const res = await queryMetrics(restarted, {
    project: SHOP.id, name: 'LCP', stats: 'count', group_by: 'release',
    from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
  });
  assert.equal(res.status, 200, describeResponse(res));
  const counts = Object.fromEntries(res.json.rows.map((r) => [r.group.release, r.count]));
  for (const release of acked) assert.equal(counts[release], 1, `acknowledged beacon ${release} kept`);
  assert.equal(counts.imported, 50, 'the import after the server stopped is stored');
  await restarted.stop();
});
