// The visit's session: an id that ends after 30 minutes without activity, kept in sessionStorage,
// or in a first-party cookie on a configured parent domain so that its subdomains share it. The
// record also holds the session's sampling rate, decided once. Under minimal consent there is no
// session and nothing is stored.

import { randomId } from './ids.js';

export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;
const KEY = 'sightline_session';

// A Storage-like view of one cookie on `domain` (and its subdomains), living as long as a session
// may: each write extends it.
export function cookieStorage(domain) {
  return {
    getItem: (k) => {
      const m = document.cookie.match(new RegExp(`(?:^|; )${k}=([^;]*)`));
      return m ? decodeURIComponent(m[1]) : null;
    },
    setItem: (k, v, age = SESSION_TIMEOUT_MS / 1000) => {
      document.cookie = `${k}=${encodeURIComponent(v)};domain=${domain};path=/;max-age=${age};` +
        `samesite=lax${location.protocol === 'https:' ? ';secure' : ''}`;
    },
    removeItem: (k) => cookieStorage(domain).setItem(k, '', 0),
  };
}

// Reads the saved session from `storage` (Storage-like, or null where none can be used) and
// extends it to `now`, or starts a new one (with `id` when given, e.g. from a decorated link).
// Returns {id, started, last, rate, isNew}; saveSession writes it back.
export function readSession(storage, now, id) {
  let saved = null;
  try {
    saved = JSON.parse(storage.getItem(KEY));
  } catch {
    // none, blocked or garbage: a new session
  }
  const valid = saved && typeof saved.id === 'string' && (!id || id === saved.id) &&
    now - saved.last < SESSION_TIMEOUT_MS && now >= saved.last - 60000;
  const session = valid ? { ...saved, isNew: false } : { id: id || randomId(16), started: now, isNew: true };
  session.last = now;
  return session;
}

export function saveSession(storage, { id, started, last, rate }) {
  try {
    storage.setItem(KEY, JSON.stringify({ id, started, last, rate }));
  } catch {
    // storage full or blocked: the session lives in memory for this page
  }
}

// Removes `key` (the session by default) from the Storage that `get()` gives.
export function forgetSession(get, key = KEY) {
  try {
    get().removeItem(key);
  } catch {
    // nothing to forget
  }
}
