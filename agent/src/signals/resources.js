// Resources summarised per page view: count, transfer bytes, the slowest five, totals per
// third-party domain and the render-blocking ones — one `resource` event when the page is left.

const bare = (url) => url.split('?')[0];

export function summariseResources(entries, pageHost) {
  const s = { count: entries.length, transfer_bytes: 0, slowest: [], third_party: {},
    render_blocking: [] };
  for (const e of entries) {
    const bytes = e.transferSize || 0;
    const host = /^https?:\/\/([^/?#]+)/.exec(e.name);
    s.transfer_bytes += bytes;
    if (host && host[1] !== pageHost) {
      const t = (s.third_party[host[1]] ||= { count: 0, transfer_bytes: 0, duration: 0 });
      t.count++;
      t.transfer_bytes += bytes;
      t.duration += Math.round(e.duration);
    }
    if (e.renderBlockingStatus === 'blocking') s.render_blocking.push(bare(e.name));
  }
  s.slowest = [...entries].sort((a, b) => b.duration - a.duration).slice(0, 5).map((e) => ({
    url: bare(e.name), duration: Math.round(e.duration), initiator: e.initiatorType,
    transfer_bytes: e.transferSize || 0 }));
  return s;
}

export function startResources(agent) {
  let entries = [];
  new PerformanceObserver((list) => entries.push(...list.getEntries()))
    .observe({ type: 'resource', buffered: true });
  const send = agent.safe(() => {
    if (entries.length) agent.emit({ type: 'resource', ...summariseResources(entries, location.host) },
      { performance: true });
    entries = [];
  });
  agent.onPageHide(send);
  agent.onPageView(send);
}
