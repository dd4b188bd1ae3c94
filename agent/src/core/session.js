// The visit's session: an id kept in sessionStorage that ends after 30 minutes without activity.
// Under minimal consent there is no session and nothing is stored.

import { randomId } from './ids.js';

export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;
const STORAGE_KEY = 'sightline.session';

// `storage`: a Storage-like object (sessionStorage), or null where none can be used; `now`: a
// clock in epoch ms. Returns {id, started, last, isNew}.
export function touchSession(storage, now, timeoutMs = SESSION_TIMEOUT_MS) {
  let saved = null;
  try {
    saved = storage ? JSON.parse(storage.getItem(STORAGE_KEY) || 'null') : null;
  } catch {
    saved = null;
  }
  const valid = saved && typeof saved.id === 'string' && typeof saved.last === 'number' &&
    now - saved.last < timeoutMs && now >= saved.last - 60000;
  const session = valid
    ? { id: saved.id, started: saved.started || saved.last, last: now, isNew: false }
    : { id: randomId(), started: now, last: now, isNew: true };
  try {
    if (storage) {
      storage.setItem(STORAGE_KEY,
        JSON.stringify({ id: session.id, started: session.started, last: now }));
    }
  } catch {
    // storage full or blocked: the session lives in memory for this page
  }
  return session;
}

export function forgetSession(storage) {
  try {
    if (storage) storage.removeItem(STORAGE_KEY);
  } catch {
    // nothing to forget
  }
}
