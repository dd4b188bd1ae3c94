// The extras bundle (sightline-extras.js): the signals not needed while the page loads. The core
// bundle loads it after the page's load event and receives it through the hook it has set.

import { decorateLinks } from './core/links.js';
import { startActions } from './signals/actions.js';
import { startLongTasks } from './signals/longtasks.js';
import { startResources } from './signals/resources.js';

export const EXTRAS = { startActions, startResources, startLongTasks, decorateLinks };
