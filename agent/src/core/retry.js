// Retries of what the core could not send (part of the extras: nothing is retried while the page
// loads): the bodies in the retry queue are sent again after a backoff (1 s, doubling up to a
// minute) and when the browser comes back online. With full consent (`store()` gives the tab's
// sessionStorage) the queue is kept there, so that the tab's next page (or the page reloaded)
// sends it; below it, failed bodies are dropped.

import { OFFLINE_KEY } from './transport.js';

// The backoff after `failures` consecutive failures: 1 s, doubling up to a minute.
export const retryDelay = (failures) => Math.min(60000, 1000 * 2 ** Math.max(0, failures - 1));

// `retry`: the core's queue (createRetryQueue); `post(body)` sends one body again.
export function startRetries(retry, post, store) {
  let timer = 0;
  let online;
  const save = () => {
    try {
      const s = store();
      if (retry.items.length) s.setItem(OFFLINE_KEY, JSON.stringify(retry.items));
      else s.removeItem(OFFLINE_KEY);
    } catch {
      // no storage for this consent, or full: the queue lives in memory
    }
  };
  const schedule = (ms) => {
    if (timer || !retry.items.length) return;
    timer = setTimeout(() => {
      timer = 0;
      const items = retry.take();
      save();
      items.forEach((body) => post(body, false));
    }, ms);
  };
  retry.failed = () => {
    if (!store()) return retry.take();
    save();
    schedule(retryDelay(retry.failures));
    if (!online) {
      online = 1;
      addEventListener('online', () => {
        clearTimeout(timer);
        timer = 0;
        schedule(0);
      });
    }
  };
  // What an earlier page of this tab could not send goes first, then what failed on this one
  // before the extras arrived (the newest 10 are kept). The key is written or removed only when
  // there is something to keep or to take: removing a key that was never there blocks for
  // milliseconds in Chromium (docs/architecture.md).
  let saved = [];
  try {
    saved = JSON.parse(store().getItem(OFFLINE_KEY) || '[]').filter((body) => typeof body === 'string');
  } catch {
    // no storage, or garbage in it
  }
  const current = retry.take();
  [...saved, ...current].forEach((body) => retry.push(body));
  if (!store()) retry.take();
  if (saved.length || retry.items.length) save();
  schedule(0);
}
