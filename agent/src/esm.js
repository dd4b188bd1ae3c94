// The ESM build's entry: `import { createAgent } from '.../sightline.esm.js'` for bundled apps,
// with every signal in the one module (the app's bundler decides how to split it).
import { createAgent as create } from './agent.js';
import { startExtras } from './extras.js';

export const createAgent = () => create((config, ready) => ready(startExtras));
export { createScrubber } from './core/scrubber.js';
