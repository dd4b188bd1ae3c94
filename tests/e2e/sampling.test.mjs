// Session sampling at the collector: a known population of sessions sent through a project that
// keeps 10% of its sessions (and every enterprise session) is stored whole-session-or-nothing,
// errors always kept, and the weighted totals estimate the truth within statistical error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SHOP, baseConfig, beacon, describeResponse, errorEvent, isoSeconds, metricSum, pageView,
  postBeacon, queryMetrics, scrapeMetrics, startServer, uniqueId, vital,
} from './helpers.mjs';

let server;

before(async () => {
  const config = baseConfig();
  config.projects[0].sampling = { sample_rate: 0.1, by_user_tier: { enterprise: 1.0 } };
  server = await startServer(config);
});

after(async () => {
  if (server) await server.stop();
});

async function lcp(release, tier) {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const res = await queryMetrics(server, {
    project: SHOP.id, name: 'LCP', stats: ['count', 'samples'], filter: `release:${release},tier:${tier}`,
    from: isoSeconds(now - 3600_000), to: isoSeconds(now + 3600_000),
  });
  assert.equal(res.status, 200, describeResponse(res));
  return res.json.rows[0] ?? { count: 0, samples: 0 };
}

test('10% session sampling: weighted totals within statistical error of the truth, errors all kept', async () => {
  const release = uniqueId('sampled');
  const FREE = 4000;
  const ENTERPRISE = 300;
  const before = (await scrapeMetrics(server)).series;
  const sessions = [];
  for (let i = 0; i < FREE + ENTERPRISE; i++) {
    const tier = i < FREE ? 'free' : 'enterprise';
    const events = [pageView(), vital('LCP', 1000 + (i % 500))];
    if (i % 4 === 0) events.push(errorEvent());
    // An agent without remote config states sample_rate 1: the collector's rules decide.
    sessions.push(beacon({ session_id: uniqueId('s'), context: { release, user: { id: '', tier } }, events }));
  }
  for (let i = 0; i < sessions.length; i += 50) {
    const answers = await Promise.all(sessions.slice(i, i + 50).map((b) => postBeacon(server, b)));
    for (const res of answers) assert.equal(res.status, 202, describeResponse(res));
  }

  const free = await lcp(release, 'free');
  // The number kept is Binomial(4000, 0.1): mean 400, standard deviation 19.
  assert.ok(Math.abs(free.samples - 400) <= 4 * 19, `free sessions kept: ${free.samples}`);
  // Each kept session weighs 1/0.1: the estimate's standard deviation is sqrt(N (1-p) / p) = 190.
  assert.ok(Math.abs(free.count - FREE) <= 4 * 190, `estimated free sessions ${free.count} (truth ${FREE})`);
  assert.equal(free.count, free.samples * 10, 'each kept event records the rate 0.1');

  const enterprise = await lcp(release, 'enterprise');
  assert.deepEqual({ count: enterprise.count, samples: enterprise.samples }, { count: ENTERPRISE, samples: ENTERPRISE },
    'enterprise sessions are all kept (the most generous rule wins)');

  const after = (await scrapeMetrics(server)).series;
  const delta = (name, labels) => metricSum(after, name, labels) - (metricSum(before, name, labels) ?? 0);
  const errors = Math.ceil((FREE + ENTERPRISE) / 4);
  // Whole sessions: the page view goes with the vital; errors of sessions not kept are stored too.
  assert.equal(delta('sightline_events_sampled_out_total'), (FREE - free.samples) * 2);
  assert.equal(delta('sightline_events_total', { result: 'accepted' }), (free.samples + ENTERPRISE) * 2 + errors);
});
