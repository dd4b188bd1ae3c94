// Long tasks: Long Animation Frames where supported (with the script that caused them), else
// long tasks; one `long_task` event per frame over 50 ms, at most 20 per page view.

export function startLongTasks(agent) {
  let sent = 0;
  agent.onPageView(() => {
    sent = 0;
  });
  const emit = agent.safe((entry) => {
    if (sent >= 20) return;
    sent++;
    const scripts = (entry.scripts || []).slice().sort((a, b) => b.duration - a.duration);
    const top = scripts[0];
    agent.emit({ type: 'long_task', duration: Math.round(entry.duration),
      blocking_duration: entry.blockingDuration !== undefined ? Math.round(entry.blockingDuration) : undefined,
      script: top ? agent.scrub(String(top.sourceURL || top.name || '').split('?')[0]) : undefined,
      invoker: top ? agent.scrub(String(top.invoker || '')) : undefined,
      function: top ? top.sourceFunctionName : undefined }, { performance: true });
  });
  const supported = (PerformanceObserver.supportedEntryTypes || []);
  const type = supported.includes('long-animation-frame') ? 'long-animation-frame' :
    supported.includes('longtask') ? 'longtask' : '';
  if (!type) return;
  try {
    new PerformanceObserver((list) => list.getEntries().forEach(emit))
      .observe({ type, buffered: true });
  } catch {
    // not observable here
  }
}
