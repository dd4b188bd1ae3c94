// The core bundle's entry (sightline.js): replaces the loader's stub `window.Sightline` with the
// agent and replays the calls the stub queued. The extras (sightline-extras.js, next to this
// script unless `extrasUrl` says otherwise) are loaded once the page has loaded.

import { createAgent } from './agent.js';
import { drainQueue } from './core/loader.js';

const script = globalThis.document && document.currentScript;
const existing = globalThis.Sightline;

function loadExtras(config, ready) {
  const src = config.extrasUrl || (script && script.src && new URL('sightline-extras.js', script.src).href);
  let loaded;
  const load = () => {
    if (loaded || !src) return;
    loaded = globalThis.__sightlineExtras = ready;
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    document.head.appendChild(s);
  };
  if (document.readyState === 'complete') setTimeout(load);
  else addEventListener('load', () => setTimeout(load), { once: true });
  setTimeout(load, 10000);  // a page that takes long to load still gets its extras
}

if (!existing || !existing.__agent) {
  const agent = createAgent(loadExtras);
  agent.__agent = true;
  globalThis.Sightline = agent;
  drainQueue(agent, existing && existing.q);
}
