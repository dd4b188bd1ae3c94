// Resources summarised per page view: count, transfer bytes, the slowest five, totals per
// third-party domain and the render-blocking ones — one `resource` event when the page is left.

export function summariseResources(entries, pageHost) {
  const summary = { count: 0, transfer_bytes: 0, slowest: [], third_party: {}, render_blocking: [] };
  for (const e of entries) {
    summary.count++;
    summary.transfer_bytes += e.transferSize || 0;
    let host = '';
    try {
      host = new URL(e.name).host;
    } catch {
      host = '';
    }
    if (host && host !== pageHost) {
      const t = (summary.third_party[host] ||= { count: 0, transfer_bytes: 0, duration: 0 });
      t.count++;
      t.transfer_bytes += e.transferSize || 0;
      t.duration += Math.round(e.duration);
    }
    if (e.renderBlockingStatus === 'blocking') summary.render_blocking.push(e.name.split('?')[0]);
  }
  summary.slowest = [...entries].sort((a, b) => b.duration - a.duration).slice(0, 5).map((e) => ({
    url: e.name.split('?')[0], duration: Math.round(e.duration), initiator: e.initiatorType,
    transfer_bytes: e.transferSize || 0,
  }));
  return summary;
}

export function startResources(agent) {
  let entries = [];
  try {
    new PerformanceObserver((list) => {
      entries.push(...list.getEntries());
    }).observe({ type: 'resource', buffered: true });
  } catch {
    return;
  }
  const send = agent.safe(() => {
    if (!entries.length) return;
    const s = summariseResources(entries, location.host);
    entries = [];
    s.slowest.forEach((r) => (r.url = agent.scrub(r.url)));
    s.render_blocking = s.render_blocking.map((u) => agent.scrub(u));
    agent.emit({ type: 'resource', ...s }, { performance: true });
  });
  agent.onPageHide(send);
  agent.onPageView(send);
}
