// The extras (sightline-extras.js): what is not needed while the page loads. Actions, resources
// and long tasks; links decorated with the session id; retries of beacons that failed (and kept
// from the tab's previous page); and the agent's own footprint (its
// main-thread time, the bytes and beacons it sent, its swallowed errors), reported as the custom
// event `sightline_footprint` each time the page is hidden. The core bundle loads this after the
// page's load event.

import { decorateLinks } from './core/links.js';
import { startRetries } from './core/retry.js';
import { startActions } from './signals/actions.js';
import { startLongTasks } from './signals/longtasks.js';
import { startResources } from './signals/resources.js';

export function startExtras(agent) {
  const { config, footprint: f } = agent;
  // Each starts on its own: one that cannot run here leaves the others running.
  const start = (fn, on) => on && agent.safe(fn)(agent);
  startRetries(...agent.retry);
  start(startResources, config.trackResources);
  start(startLongTasks, config.trackPerformance);
  start(startActions, config.trackInteractions);
  if (config.decorateDomains.length) decorateLinks(config.decorateDomains, agent.sessionId, agent.safe);
  agent.onPageHide(() => agent.sessionId() && f.beacons + agent.queued() && agent.emit({ type: 'custom',
    name: 'sightline_footprint', attributes: { script_ms: Math.round(f.ms * 10) / 10,
      bytes_sent: f.bytes, beacons: f.beacons, agent_errors: f.errors } }, { performance: true }));
}
