// fetch and XMLHttpRequest: one `api_call` per request (method, URL without its query, status,
// duration, size, success), with a W3C `traceparent` header added only for allowed origins (and
// the page's own) and its ids recorded; a request without an answer (status 0) or with a server
// error (5xx) is also reported as a `NetworkError`. The wrappers keep the app's behaviour: the same promise,
// the same errors, streaming bodies untouched (the size comes from Content-Length).

import { randomHex } from '../core/ids.js';
import { originAllowed } from '../core/config.js';

export function startNetwork(agent) {
  const bare = (url) => `${url}`.split(/[?#]/)[0];
  const collector = bare(new URL(agent.config.endpoint, location.href));

  // {method, url, view, trace_id?, span_id?, start}, or undefined for the agent's own beacons;
  // `view`: the page view the call was made on (it may end on the next).
  const describe = agent.safe((method, rawUrl) => {
    const url = new URL(rawUrl, location.href).href;
    if (bare(url) === collector) return;
    const call = { method: `${method || 'GET'}`.toUpperCase(), url: bare(url), view: agent.view() };
    if (originAllowed(url, agent.config.allowedOrigins, location.origin)) {
      call.trace_id = randomHex(16);
      call.span_id = randomHex(8);
    }
    return call;
  });
  const traceparent = (c) => `00-${c.trace_id}-${c.span_id}-01`;

  const record = agent.safe((call, status, length, aborted) => {
    if (!call) return;
    const size = parseInt(length);
    agent.breadcrumb({ category: 'api', message: `${call.method} ${call.url} ${status}` });
    agent.emit({ type: 'api_call', ...call, status, size: size >= 0 ? size : undefined,
      duration: Math.round((performance.now() - call.start) * 10) / 10,
      success: status >= 200 && status < 400, start: undefined, view: undefined }, { performance: true },
    call.view);
    // A request that got no answer, or a server error, is also an error of the page (one the app
    // aborted is not).
    if (!aborted && (!status || status >= 500)) {
      agent.reportError('NetworkError', `${call.method} ${call.url} ${status || 'failed'}`);
    }
  });

  const originalFetch = window.fetch;
  window.fetch = function fetch(input, init) {
    const call = describe((init && init.method) || (input && input.method),
      input instanceof Request ? input.url : input);
    let args = arguments;
    if (call && call.trace_id) {
      // The app's headers (of `init`, else of the Request) and ours; the rest stays as it was.
      args = agent.safe(() => {
        const headers = new Headers((init && init.headers) || (input instanceof Request && input.headers) || {});
        headers.set('traceparent', traceparent(call));
        return [input, { ...init, headers }];
      })() || args;
    }
    if (call) call.start = performance.now();
    const pending = originalFetch.apply(this, args);
    pending.then((res) => record(call, res.status, res.headers.get('content-length')),
      (err) => record(call, 0, 0, err && err.name === 'AbortError'));
    return pending;
  };

  const proto = XMLHttpRequest.prototype;
  const { open: originalOpen, send: originalSend } = proto;
  proto.open = function open(method, url) {
    this.sightlineCall = describe(method, url);
    return originalOpen.apply(this, arguments);
  };
  proto.send = function send() {
    const call = this.sightlineCall;
    if (call) {
      try {
        if (call.trace_id) this.setRequestHeader('traceparent', traceparent(call));
      } catch {
        // not open: the browser's own error follows from send
      }
      call.start = performance.now();
      let aborted;
      this.addEventListener('abort', () => (aborted = 1));
      this.addEventListener('loadend', () =>
        record(call, this.status, this.getResponseHeader('content-length'), aborted));
    }
    return originalSend.apply(this, arguments);
  };
}
