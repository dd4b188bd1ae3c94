// Page views: the initial load with its navigation timing breakdown, and a soft page view for
// each client-side route change (history API), each with its own id.

function navigationTiming() {
  const nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
  if (!nav) return undefined;
  const r = (v) => Math.max(0, Math.round(v * 10) / 10);
  const start = nav.activationStart > 0 ? nav.activationStart : 0;
  return {
    dns: r(nav.domainLookupEnd - nav.domainLookupStart),
    tcp: r(nav.connectEnd - nav.connectStart),
    tls: nav.secureConnectionStart > 0 ? r(nav.connectEnd - nav.secureConnectionStart) : 0,
    request: r(nav.responseStart - nav.requestStart),
    ttfb: r(nav.responseStart - start),
    dom_interactive: r(nav.domInteractive - start),
    dom_content_loaded: r(nav.domContentLoadedEventEnd - start),
    load: r(nav.loadEventEnd - start),
  };
}

export function startNavigation(agent) {
  // The hard page view is sent once the load event has finished, so that `load` is known.
  const sendInitial = agent.safe(() => {
    agent.emit({ type: 'page_view', soft: false, timing: navigationTiming() },
      { performance: true });
  });
  if (document.readyState === 'complete') setTimeout(sendInitial, 0);
  else addEventListener('load', () => setTimeout(sendInitial, 0), { once: true });

  let lastPath = location.pathname + location.search;
  const changed = agent.safe(() => {
    const path = location.pathname + location.search;
    if (path === lastPath) return;
    lastPath = path;
    agent.newPageView();
    agent.breadcrumb({ category: 'navigation', message: agent.scrub(location.href) });
    agent.emit({ type: 'page_view', soft: true }, { performance: true });
  });
  for (const method of ['pushState', 'replaceState']) {
    const original = history[method];
    if (typeof original !== 'function') continue;
    history[method] = function patched(...args) {
      const result = original.apply(this, args);
      changed();
      return result;
    };
  }
  addEventListener('popstate', changed);
}
