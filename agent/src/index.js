// The bundle's entry: replaces the loader's stub `window.Sightline` with the agent and replays
// the calls the stub queued.

import { createAgent } from './agent.js';
import { drainQueue } from './core/loader.js';

const existing = globalThis.Sightline;
if (!existing || !existing.__agent) {
  const agent = createAgent();
  agent.__agent = true;
  globalThis.Sightline = agent;
  drainQueue(agent, existing && existing.q);
}
