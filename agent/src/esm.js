// The ESM build's entry: `import { createAgent } from '.../sightline.esm.js'` for bundled apps.
export { createAgent } from './agent.js';
export { createScrubber } from './core/scrubber.js';
