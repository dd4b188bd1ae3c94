// fetch and XMLHttpRequest: one `api_call` per request (method, URL without its query, status,
// duration, size, success), with a W3C `traceparent` header added only for allowed origins and
// its ids recorded. The wrappers keep the app's behaviour: the same promise outcome, the same
// errors, streaming bodies untouched (the size comes from Content-Length).

import { randomHex } from '../core/ids.js';
import { originAllowed } from '../core/config.js';

function stripQuery(url) {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}

export function startNetwork(agent) {
  const pageOrigin = location.origin;
  const collector = new URL(agent.config.endpoint, pageOrigin).href.split('?')[0];

  const describe = agent.safe((method, rawUrl) => {
    const absolute = new URL(String(rawUrl), location.href).href;
    if (absolute.split('?')[0] === collector) return null;  // our own beacons
    const traced = originAllowed(absolute, agent.config.allowedOrigins, pageOrigin);
    const ids = traced ? { trace_id: randomHex(16), span_id: randomHex(8) } : {};
    return { method: String(method || 'GET').toUpperCase(), url: agent.scrub(stripQuery(absolute)),
      ids };
  });

  const record = agent.safe((info, start, status, size) => {
    if (!info) return;
    const duration = Math.max(0, Math.round((performance.now() - start) * 10) / 10);
    agent.breadcrumb({ category: 'api', message: `${info.method} ${info.url} ${status}` });
    agent.emit({ type: 'api_call', method: info.method, url: info.url, status, duration,
      size, success: status >= 200 && status < 400, ...info.ids }, { performance: true });
  });

  const originalFetch = globalThis.fetch;
  if (typeof originalFetch === 'function') {
    globalThis.fetch = function sightlineFetch(input, init) {
      const method = (init && init.method) || (input && input.method) || 'GET';
      const url = typeof input === 'string' || input instanceof URL ? input : input && input.url;
      const info = describe(method, url);
      let args = [input, init];
      if (info && info.ids.trace_id) {
        const header = `00-${info.ids.trace_id}-${info.ids.span_id}-01`;
        try {
          if (input instanceof Request && !init) {
            const headers = new Headers(input.headers);
            headers.set('traceparent', header);
            args = [new Request(input, { headers })];
          } else {
            const headers = new Headers((init && init.headers) || (input instanceof Request ?
              input.headers : undefined));
            headers.set('traceparent', header);
            args = [input, { ...init, headers }];
          }
        } catch {
          args = [input, init];
        }
      }
      const start = performance.now();
      const pending = originalFetch.apply(this, args);
      pending.then((res) => {
        const length = Number(res.headers.get('content-length'));
        record(info, start, res.status, Number.isFinite(length) ? length : undefined);
      }, () => record(info, start, 0, undefined));
      return pending;
    };
  }

  const XHR = globalThis.XMLHttpRequest;
  if (XHR && XHR.prototype) {
    const open = XHR.prototype.open;
    const send = XHR.prototype.send;
    XHR.prototype.open = function sightlineOpen(method, url, ...rest) {
      this.__sightline = describe(method, url);
      return open.call(this, method, url, ...rest);
    };
    XHR.prototype.send = function sightlineSend(body) {
      const info = this.__sightline;
      if (info) {
        if (info.ids.trace_id) {
          try {
            this.setRequestHeader('traceparent', `00-${info.ids.trace_id}-${info.ids.span_id}-01`);
          } catch {
            // headers already sent: no trace header
          }
        }
        const start = performance.now();
        this.addEventListener('loadend', () => {
          const length = Number(this.getResponseHeader && this.getResponseHeader('content-length'));
          record(info, start, this.status, Number.isFinite(length) ? length : undefined);
        });
      }
      return send.call(this, body);
    };
  }
}
