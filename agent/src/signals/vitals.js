// Core Web Vitals from Google's web-vitals (attribution build): each reported once per page view
// when final (INP when the page is hidden, see below), on the page view it measures (a soft
// navigation's own where the browser measures soft navigations); web-vitals itself handles
// bfcache restores and late reports. (web-vitals 5 and
// later no longer report FID: INP replaced it as a Core Web Vital.)

import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals/attribution';

const round = (v) => Math.round(v * (v < 1 ? 1e4 : 10)) / (v < 1 ? 1e4 : 10);

// The attribution sent: web-vitals' own members that are numbers or strings, under their names
// (the LCP `url` and `timeToFirstByte`, INP's `interactionType`, `inputDelay` and the other phases,
// CLS's `largestShiftValue`, ...), and `element`, the element the metric is about (LCP's
// `target`, INP's `interactionTarget`, CLS's `largestShiftTarget`).
export function attributionOf(a = {}) {
  const out = { element: a.target || a.interactionTarget || a.largestShiftTarget };
  for (const k in a) {
    const v = a[k];
    if (typeof v === 'number' ? isFinite(v) : typeof v === 'string' && v) out[k] = typeof v === 'number' ? round(v) : v;
  }
  return out;
}

export function startVitals(agent) {
  const report = agent.safe((m) => agent.emit({ type: 'vital', name: m.name, value: round(m.value),
    rating: m.rating, attribution: attributionOf(m.attribution) }, { performance: true },
    agent.viewOf(m)));
  // Soft navigations (where the browser reports them: Chromium 151 and later) get their own LCP,
  // FCP, CLS and INP, and the hard load's CLS and INP are final at the first one. TTFB is the
  // load's only (web-vitals reports 0 for a soft navigation).
  const soft = { reportSoftNavs: true };
  [onLCP, onCLS, onFCP].forEach((on) => on(report, soft));
  onTTFB(report);
  // INP: every change is kept, and the latest is sent when the page is hidden or a metric of
  // another navigation arrives. web-vitals' own final report comes too early for the commonest
  // exit, a click that navigates away: the interaction still waits for its idle callback when
  // the hidden-report runs, and is processed after it (reported then only with
  // reportAllChanges). Its visibilitychange listeners are on the window, in the capture phase, so
  // they have all run when the agent's (on the document) runs the onPageHide callbacks. One value
  // per page view, as web-vitals' own reporting final at the first hide. (web-vitals keeps one
  // metric object per navigation: `sent` marks it.)
  let inp;
  const sendInp = () => inp && !inp.sent && report(inp, (inp.sent = 1));
  onINP((m) => {
    if (m !== inp) sendInp();
    inp = m;
  }, { reportAllChanges: true, ...soft });
  agent.onPageHide(sendInp);
}
