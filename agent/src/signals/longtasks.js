// Long tasks: Long Animation Frames where supported (with the script that caused them), else
// long tasks; one `long_task` event per frame over 50 ms, at most 20 per page view.

export function startLongTasks(agent) {
  let sent = 0;
  agent.onPageView(() => (sent = 0));
  const report = agent.safe((entry) => {
    if (sent++ >= 20) return;
    const top = (entry.scripts || []).reduce((a, b) => (b.duration > a.duration ? b : a), { duration: -1 });
    agent.emit({ type: 'long_task', duration: Math.round(entry.duration),
      blocking_duration: entry.blockingDuration && Math.round(entry.blockingDuration),
      script: (top.sourceURL || top.name || '').split('?')[0] || undefined,
      invoker: top.invoker || undefined, function: top.sourceFunctionName || undefined },
    { performance: true });
  });
  const types = PerformanceObserver.supportedEntryTypes || [];
  const type = ['long-animation-frame', 'longtask'].find((t) => types.includes(t));
  if (type) new PerformanceObserver((list) => list.getEntries().forEach(report)).observe({ type, buffered: true });
}
