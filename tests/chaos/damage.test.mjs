// Damage: what bit rot, a bad sector or a careless operator leaves in a data directory. Three
// servers in turn store beacons of their own releases (two flushed to segments by a clean stop,
// one left in the WAL by kill -9); then a segment is corrupted, another truncated, a rollup
// truncated, the WAL torn and corrupted, and the manifest and its copy damaged. The server must
// start, report each kind of damage in its log and /metrics, and serve everything the damage
// did not touch, once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  BLOG, SHOP, baseConfig, beacon, describeResponse, everyFile, eventually, isoSeconds,
  makeTempDir, postBeacon, queryMetrics, request, scrapeMetrics, startServer, vital,
} from '../e2e/helpers.mjs';

const CONFIG = baseConfig({ storage: { wal_fsync_interval_ms: 20, memtable_flush_interval_s: 3600 } });
const PER_PHASE = 20;

// Stores PER_PHASE single-LCP beacons of releases `${prefix}-0`… in `project`, all acknowledged.
async function storeReleases(server, project, prefix) {
  for (let i = 0; i < PER_PHASE; i++) {
    const res = await postBeacon(server, beacon({ key: project.key, events: [vital('LCP', 1000 + i)], context: { release: `${prefix}-${i}` } }));
    assert.equal(res.status, 202, describeResponse(res));
  }
}

// Stored events per release of `project`, read whole (exact), over the last and next day.
async function countsByRelease(server, project) {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const res = await queryMetrics(server, {
    project: project.id, name: 'LCP', stats: 'count', exact: 'true', group_by: 'release', limit: 1000,
    from: isoSeconds(now - 86400_000), to: isoSeconds(now + 86400_000),
  }, project.token);
  assert.equal(res.status, 200, describeResponse(res));
  return new Map(res.json.rows.map((r) => [r.group.release, r.count]));
}

const segmentFiles = (dir) => everyFile(dir).filter((f) => f.endsWith('.seg'));
const newSince = (before, dir) => segmentFiles(dir).filter((f) => !before.includes(f));
const ofProject = (files, project) => files.filter((f) => f.split(path.sep).includes(project.id));

function flipBytes(file, at, count = 1) {
  const bytes = fs.readFileSync(file);
  for (let i = at; i < Math.min(at + count, bytes.length); i++) bytes[i] ^= 0x5a;
  fs.writeFileSync(file, bytes);
}

test('a damaged data directory: the server starts, reports what it skipped, and serves the rest once', async (t) => {
  const dataDir = path.join(makeTempDir('sightline-damage-'), 'data');

  // Phase a: both projects, flushed by a clean stop.
  let server = await startServer(CONFIG, { dataDir });
  await storeReleases(server, SHOP, 'a');
  await storeReleases(server, BLOG, 'a');
  assert.equal((await server.stop('SIGTERM')).code, 0);
  const phaseA = segmentFiles(dataDir);
  // Phase b: flushed too; its rollups will be damaged, which only costs a rebuild.
  server = await startServer(CONFIG, { dataDir });
  await storeReleases(server, SHOP, 'b');
  assert.equal((await server.stop('SIGTERM')).code, 0);
  const phaseB = newSince(phaseA, dataDir);
  // Phase c: acknowledged, in the WAL only.
  server = await startServer(CONFIG, { dataDir });
  await storeReleases(server, SHOP, 'c');
  await server.stop('SIGKILL');

  // The damage.
  const shopA = ofProject(phaseA, SHOP);
  const blogA = ofProject(phaseA, BLOG);
  assert.ok(shopA.length >= 1 && blogA.length >= 1 && phaseB.length >= 1, 'each phase wrote segments');
  for (const file of shopA) flipBytes(file, Math.floor(fs.statSync(file).size / 2), 8);  // a data block
  for (const file of blogA) fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));  // footer gone
  for (const file of phaseB) {
    const rollup = file.replace(/\.seg$/, '.rollup');
    fs.truncateSync(rollup, Math.floor(fs.statSync(rollup).size / 2));
  }
  const wal = everyFile(dataDir).filter((f) => f.includes(`${path.sep}wal${path.sep}`) && fs.statSync(f).size > 0).sort().at(-1);
  assert.ok(wal, 'phase c left a WAL file');
  const walSize = fs.statSync(wal).size;
  flipBytes(wal, Math.floor(walSize / 2));   // one record in the middle
  fs.truncateSync(wal, walSize - 5);         // and a torn last record
  const manifest = everyFile(dataDir).find((f) => path.basename(f) === 'MANIFEST');
  flipBytes(manifest, 10);
  fs.truncateSync(`${manifest}.copy`, 7);

  server = await startServer(CONFIG, { dataDir, startTimeoutMs: 30000 });
  try {
    const health = await request(`${server.url}/healthz`);
    assert.equal(health.status, 200, describeResponse(health));
    // Damage in a block is found when it is read: by the background check within seconds.
    await eventually(async () => {
      const h = await request(`${server.url}/healthz`);
      assert.ok(h.json.corrupt_segments >= shopA.length + blogA.length, describeResponse(h));
    }, { timeoutMs: 20000, intervalMs: 250 });

    const shop = await countsByRelease(server, SHOP);
    const blog = await countsByRelease(server, BLOG);
    const present = (counts, prefix) => [...counts.keys()].filter((r) => r.startsWith(`${prefix}-`));
    const doubled = [...shop, ...blog].filter(([, n]) => n !== 1);
    t.diagnostic(`after the damage: shop a ${present(shop, 'a').length}, b ${present(shop, 'b').length}, ` +
      `c ${present(shop, 'c').length}; blog a ${present(blog, 'a').length} (of ${PER_PHASE} each)`);
    assert.deepEqual(doubled, [], 'nothing is stored twice');
    assert.equal(present(shop, 'a').length, 0, 'the corrupted segment is left out');
    assert.equal(present(blog, 'a').length, 0, 'the truncated segment is left out');
    assert.equal(present(shop, 'b').length, PER_PHASE, 'segments whose rollup was damaged answer in full');
    const c = present(shop, 'c').length;
    assert.ok(c >= PER_PHASE - 3 && c < PER_PHASE, `the WAL records around the damage are skipped, the rest replayed (${c})`);

    const log = server.stderr();
    assert.match(log, /the manifest and its copy are damaged; the segment list was rebuilt/);
    assert.match(log, /WAL holds torn or corrupt records/);
    assert.match(log, /rebuilding a segment's rollup/);
    assert.match(log, /segment is corrupt|left out/);
    const { series } = await scrapeMetrics(server);
    assert.equal(series.get('sightline_manifest_recovered'), 1);
    assert.ok(series.get('sightline_wal_skipped_bytes') > 0, 'skipped WAL bytes are counted');
    assert.ok(series.get('sightline_wal_skipped_regions') >= 2, 'both WAL damages are counted');
    assert.ok(series.get('sightline_segments_corrupt') >= 2, 'corrupt segments are counted');

    // The next start reads the manifest written back, and finds the same.
    assert.equal((await server.stop('SIGTERM')).code, 0);
    server = await startServer(CONFIG, { dataDir, startTimeoutMs: 30000 });
    assert.doesNotMatch(server.stderr(), /manifest .*damaged/);
    const again = await countsByRelease(server, SHOP);
    assert.deepEqual([...again].sort(), [...shop].sort(), 'the same rows after a clean restart');
  } finally {
    await server.stop();
  }
});
