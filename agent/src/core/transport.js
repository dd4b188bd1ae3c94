// Batching and sending. Events wait in a queue and leave as beacons (wire format v1, see
// docs/protocol.md) when the page is hidden or left, every few seconds, and when the queue reaches
// its size cap. `navigator.sendBeacon` first; `fetch(keepalive)` when it refuses; gzip through
// CompressionStream for sends that are not the page's last. Sends that fail, or that find the
// browser offline, wait in a small bounded queue; the extras retry them (./retry.js). No `unload`
// listener (it breaks the bfcache).

export const MAX_BEACON_BYTES = 60 * 1024;  // browsers allow 64 KiB of keepalive bodies in flight
export const OFFLINE_KEY = 'sightline_offline';

// Splits events into beacon bodies of at most `maxEvents` events and `maxBytes` bytes.
// `envelope(events)` gives the beacon object for a list of events. An event too big for any
// beacon is dropped.
export function buildBodies(events, envelope, maxEvents, maxBytes = MAX_BEACON_BYTES) {
  const bodies = [];
  const base = JSON.stringify(envelope([])).length;
  let chunk = [];
  let size = base;
  const close = () => chunk.length && bodies.push(JSON.stringify(envelope(chunk)));
  for (const event of events) {
    const bytes = JSON.stringify(event).length + 1;
    if (base + bytes > maxBytes) continue;
    if (chunk.length >= maxEvents || size + bytes > maxBytes) {
      close();
      chunk = [];
      size = base;
    }
    chunk.push(event);
    size += bytes;
  }
  close();
  return bodies;
}

// send(body, {final}) sends one beacon body; `final` (truthy) when the page may be going away. The queue is
// flushed when it holds `maxEvents` events (and by the agent's timer and lifecycle). Events of
// different `groupOf(event)` never share a beacon.
export function createBatcher({ maxEvents = 50, maxBytes = MAX_BEACON_BYTES, envelope, send,
  groupOf = () => 0 }) {
  let queue = [];
  const batcher = {
    add(event) {
      if (queue.push(event) >= maxEvents) batcher.flush();
    },
    flush(final) {
      const groups = new Map();
      for (const e of queue) {
        const group = groups.get(groupOf(e)) || [];
        groups.set(groupOf(e), [...group, e]);
      }
      const bodies = [...groups.values()].flatMap((g) => buildBodies(g, envelope, maxEvents, maxBytes));
      queue = [];
      bodies.forEach((body) => send(body, { final }));
      return bodies.length;
    },
    clear: () => (queue = []),
    size: () => queue.length,
    has: (event) => queue.includes(event),
  };
  return batcher;
}

// Bodies waiting for another attempt: at most 10, the oldest go first; `failures`: consecutive
// failures. `failed()` is called after each failure: a no-op until the extras (./retry.js) take
// the queue over.
export function createRetryQueue() {
  const q = {
    items: [],
    failures: 0,
    failed() {},
    push: (body) => q.items.push(body) > 10 && q.items.shift(),
    take: () => q.items.splice(0),
  };
  return q;
}

async function gzip(body) {
  return new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip')))
    .arrayBuffer();
}

// The browser sender: returns {send(body, {final}), post(body, compress)}. `stats` counts bytes
// and beacons sent; what fails goes to `retry`.
export function createSender({ url, retry, stats }) {
  const nav = navigator;
  const failed = (body) => {
    retry.failures++;
    retry.push(body);
    retry.failed();
  };

  async function post(body, compress) {
    if (nav.onLine === false) return failed(body);
    const headers = { 'Content-Type': 'text/plain;charset=UTF-8' };
    let payload = body;
    if (compress) {
      try {
        payload = await gzip(body);
        headers['Content-Encoding'] = 'gzip';
      } catch {
        payload = body;
      }
    }
    try {
      const res = await fetch(url, { method: 'POST', body: payload, headers, keepalive: true,
        credentials: 'omit', mode: 'cors' });
      stats.bytes += payload.length || payload.byteLength;
      if (res.status >= 500 || res.status === 429) failed(body);
      else retry.failures = 0;
    } catch {
      failed(body);
    }
  }

  const send = (body, { final }) => {
    stats.beacons++;
    const compress = !final && typeof CompressionStream === 'function';
    try {
      if (!compress && nav.onLine !== false && nav.sendBeacon(url, body)) {
        stats.bytes += body.length;
        return;
      }
    } catch {
      // no sendBeacon: fetch
    }
    post(body, compress);
  };
  return { send, post };
}
