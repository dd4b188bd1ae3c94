// Batching and sending. Events wait in a queue and leave as beacons (wire format v1, see
// docs/protocol.md) when the page is hidden or left, every few seconds, and when the queue reaches
// its size cap. `navigator.sendBeacon` first; `fetch(keepalive)` when it refuses; gzip through
// CompressionStream for sends that are not the page's last; failed fetches retried with backoff
// from a small bounded queue (full consent only). No `unload` listener (it breaks the bfcache).

export const MAX_BEACON_BYTES = 60 * 1024;  // browsers allow 64 KiB of keepalive bodies in flight

// Splits events into beacon bodies of at most `maxEvents` events and `maxBytes` bytes.
// `envelope(events)` gives the beacon object for a list of events.
export function buildBodies(events, envelope, maxEvents, maxBytes = MAX_BEACON_BYTES) {
  const bodies = [];
  let chunk = [];
  let size = 0;
  const base = JSON.stringify(envelope([])).length;
  for (const event of events) {
    const text = JSON.stringify(event);
    if (base + text.length + 1 > maxBytes) continue;  // one event over the cap cannot be sent
    if (chunk.length && (chunk.length >= maxEvents || base + size + text.length + 1 > maxBytes)) {
      bodies.push(JSON.stringify(envelope(chunk)));
      chunk = [];
      size = 0;
    }
    chunk.push(event);
    size += text.length + 1;
  }
  if (chunk.length) bodies.push(JSON.stringify(envelope(chunk)));
  return bodies;
}

export class Batcher {
  // send(body, {final}) sends one beacon body; `final` when the page may be going away.
  constructor({ maxEvents = 50, maxBytes = MAX_BEACON_BYTES, envelope, send }) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    this.envelope = envelope;
    this.send = send;
    this.queue = [];
    this.bytes = 0;
  }

  add(event) {
    this.queue.push(event);
    this.bytes += JSON.stringify(event).length;
    if (this.queue.length >= this.maxEvents || this.bytes >= this.maxBytes * 0.75) {
      this.flush(false);
    }
  }

  flush(final) {
    if (!this.queue.length) return 0;
    const events = this.queue;
    this.queue = [];
    this.bytes = 0;
    const bodies = buildBodies(events, this.envelope, this.maxEvents, this.maxBytes);
    for (const body of bodies) this.send(body, { final });
    return bodies.length;
  }
}

// Retries failed sends with exponential backoff; at most `capacity` bodies wait, the oldest go.
export class RetryQueue {
  constructor({ capacity = 10, baseDelayMs = 1000, maxDelayMs = 60000 } = {}) {
    this.capacity = capacity;
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.items = [];
    this.failures = 0;
    this.dropped = 0;
  }

  push(body) {
    this.items.push(body);
    while (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }

  // Delay before the next attempt after `this.failures` consecutive failures.
  delay() {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, this.failures - 1));
  }

  take() {
    const items = this.items;
    this.items = [];
    return items;
  }
}

async function gzip(body) {
  const stream = new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

// The browser sender: returns send(body, {final}). `stats` counts bytes and beacons sent.
export function createSender({ url, gzipEnabled, retry, stats, allowRetry }) {
  const nav = globalThis.navigator;
  let timer = null;

  function schedule() {
    if (timer || !retry.items.length) return;
    timer = setTimeout(() => {
      timer = null;
      for (const body of retry.take()) post(body, false);
    }, retry.delay());
  }

  function failed(body) {
    retry.failures++;
    if (allowRetry()) {
      retry.push(body);
      schedule();
    }
  }

  async function post(body, compress) {
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
      stats.bytes += typeof payload === 'string' ? payload.length : payload.byteLength;
      if (res.status >= 500 || res.status === 429) failed(body);
      else retry.failures = 0;
    } catch {
      failed(body);
    }
  }

  return function send(body, { final }) {
    stats.beacons++;
    const canGzip = gzipEnabled && !final && typeof CompressionStream === 'function';
    if (!canGzip && nav && typeof nav.sendBeacon === 'function') {
      try {
        if (nav.sendBeacon(url, body)) {
          stats.bytes += body.length;
          return;
        }
      } catch {
        // fall through to fetch
      }
    }
    post(body, canGzip);
  };
}
