// `sightline query`: the query API from the command line, as a table or as the server's JSON.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, describeResponse, isoSeconds, postBeacon, queryMetrics, runBinary,
  startServer, uniqueId, vital,
} from './helpers.mjs';

let server;
const release = uniqueId('cli');

before(async () => {
  server = await startServer(baseConfig());
  for (const value of [1200, 2600, 4100, 900]) {
    const res = await postBeacon(server, beacon({ context: { release }, events: [vital('LCP', value)] }));
    assert.equal(res.status, 202, describeResponse(res));
  }
});

after(async () => {
  if (server) await server.stop();
});

const common = () => ['--server', server.url, '--token', SHOP.token, '--project', SHOP.id];

test('metrics as a table, and as the same JSON the API answers', async () => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const params = [`name=LCP`, 'stats=p75,count,good,poor', 'group_by=release', `filter=release:${release}`,
    `from=${isoSeconds(now - 3600_000)}`, `to=${isoSeconds(now + 3600_000)}`, 'exact=true'];
  const table = await runBinary(['query', 'metrics', ...common(), ...params]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  assert.deepEqual(lines[0], ['release', 'p75', 'count', 'good', 'poor']);
  assert.deepEqual(lines[1], [release, '2600', '4', '0.5', '0.25']);

  const json = await runBinary(['query', 'metrics', ...common(), '--json', ...params]);
  assert.equal(json.code, 0, json.stderr);
  const api = await queryMetrics(server, { project: SHOP.id, name: 'LCP', stats: 'p75,count,good,poor', group_by: 'release',
    filter: `release:${release}`, from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000), exact: 'true' });
  assert.deepEqual(JSON.parse(json.stdout), api.json);
});

test("the agent's own cost from the command line, as the API answers it", async () => {
  const res = await postBeacon(server, beacon({ context: { release }, events: [{ type: 'custom', ts: Date.now(),
    name: 'sightline_footprint', attributes: { script_ms: 7.5, bytes_sent: 3000, beacons: 2, agent_errors: 0 } }] }));
  assert.equal(res.status, 202, describeResponse(res));
  const now = Math.floor(Date.now() / 1000) * 1000;
  const params = [`filter=release:${release}`, `from=${isoSeconds(now - 3600_000)}`, `to=${isoSeconds(now + 3600_000)}`];
  const json = await runBinary(['query', 'agent', ...common(), '--json', ...params]);
  assert.equal(json.code, 0, json.stderr);
  const answer = JSON.parse(json.stdout);
  assert.equal(answer.rows.length, 1, json.stdout);
  assert.deepEqual([answer.rows[0].release, answer.rows[0].page_views, answer.rows[0].script_ms.p75], [release, 1, 7.5]);
  const table = await runBinary(['query', 'agent', ...common(), ...params]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /page_views/);
});

test('a refused query exits 1 with the server\'s reason; usage mistakes exit 2', async () => {
  const refused = await runBinary(['query', 'metrics', ...common(), 'name=SPEED']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /HTTP 400 \(name\): unknown metric "SPEED"/);
  const token = await runBinary(['query', 'metrics', '--server', server.url, '--token', 'nope', '--project', SHOP.id, 'name=LCP']);
  assert.equal(token.code, 1);
  assert.match(token.stderr, /HTTP 401/);
  assert.equal((await runBinary(['query', 'metrics', '--server', server.url])).code, 2);
  assert.equal((await runBinary(['query', 'funnels', ...common()])).code, 2);
  const unreachable = await runBinary(['query', 'metrics', '--server', 'http://127.0.0.1:1', '--token', 't', '--project', 'p', 'name=LCP']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot query/);
});
