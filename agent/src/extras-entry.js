// Entry of sightline-extras.js: hands the extras to the core bundle that asked for them.
import { startExtras } from './extras.js';

const ready = globalThis.__sightlineExtras;
if (typeof ready === 'function') ready(startExtras);
