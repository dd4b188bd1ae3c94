// Page views: the initial load with its navigation timing breakdown, a soft page view for each
// client-side route change (history API), and one for each return from the back/forward cache
// (`bfcache: true`), each with its own id. (web-vitals reports the vitals again after such a
// return, as measured from it.)

const r = (v) => Math.max(0, Math.round(v * 10) / 10);

function navigationTiming() {
  const n = performance.getEntriesByType('navigation')[0];
  if (!n) return undefined;
  const start = n.activationStart || 0;  // prerendered pages count from their activation
  return {
    dns: r(n.domainLookupEnd - n.domainLookupStart),
    tcp: r(n.connectEnd - n.connectStart),
    tls: n.secureConnectionStart > 0 ? r(n.connectEnd - n.secureConnectionStart) : 0,
    request: r(n.responseStart - n.requestStart),
    ttfb: r(n.responseStart - start),
    dom_interactive: r(n.domInteractive - start),
    dom_content_loaded: r(n.domContentLoadedEventEnd - start),
    load: r(n.loadEventEnd - start),
  };
}

export function startNavigation(agent) {
  // The hard page view is sent once the load event has finished, so that `load` is known.
  const sendInitial = agent.safe(() => agent.emit({ type: 'page_view', soft: false,
    timing: navigationTiming() }, { performance: true }));
  if (document.readyState === 'complete') setTimeout(sendInitial);
  else addEventListener('load', () => setTimeout(sendInitial), { once: true });

  // A hash route (#/..., #!/...) is part of the page's path; another fragment is not.
  const path = () => location.pathname + location.search + (/^#!?\//.test(location.hash) ? location.hash : '');
  let last = path();
  const changed = agent.safe(() => {
    if (path() === last) return;
    last = path();
    agent.newPageView();
    agent.breadcrumb({ category: 'navigation', message: location.href });
    agent.emit({ type: 'page_view', soft: true }, { performance: true });
  });
  for (const method of ['pushState', 'replaceState']) {
    const original = history[method];
    history[method] = function patched(...args) {
      const result = original.apply(this, args);
      changed();
      return result;
    };
  }
  addEventListener('popstate', changed);
  addEventListener('hashchange', changed);
  addEventListener('pageshow', agent.safe((e) => {
    if (!e.persisted) return;
    agent.newPageView(1);
    agent.emit({ type: 'page_view', soft: false, bfcache: true }, { performance: true });
  }));
}
