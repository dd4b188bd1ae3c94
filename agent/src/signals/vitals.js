// Core Web Vitals from Google's web-vitals (attribution build): each reported once per page view
// when final; web-vitals itself handles bfcache restores and late reports.

import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals/attribution';

function attributionOf(metric) {
  const a = metric.attribution || {};
  switch (metric.name) {
    case 'LCP':
      return { element: a.target, url: a.url, ttfb: a.timeToFirstByte,
        resource_load_delay: a.resourceLoadDelay, resource_load_duration: a.resourceLoadDuration,
        element_render_delay: a.elementRenderDelay };
    case 'INP':
      return { element: a.interactionTarget, interaction_type: a.interactionType,
        input_delay: a.inputDelay, processing_duration: a.processingDuration,
        presentation_delay: a.presentationDelay, load_state: a.loadState };
    case 'CLS':
      return { element: a.largestShiftTarget, largest_shift_value: a.largestShiftValue,
        largest_shift_time: a.largestShiftTime, load_state: a.loadState };
    case 'FCP':
      return { ttfb: a.timeToFirstByte, first_byte_to_fcp: a.firstByteToFCP,
        load_state: a.loadState };
    case 'TTFB':
      return { waiting: a.waitingDuration, cache: a.cacheDuration, dns: a.dnsDuration,
        connection: a.connectionDuration, request: a.requestDuration };
    default:
      return {};
  }
}

function round(value, name) {
  return name === 'CLS' ? Math.round(value * 10000) / 10000 : Math.round(value * 10) / 10;
}

export function startVitals(agent) {
  const report = agent.safe((metric) => {
    const attribution = {};
    for (const [k, v] of Object.entries(attributionOf(metric))) {
      if (v !== undefined && v !== null && v !== '') {
        attribution[k] = typeof v === 'number' ? Math.round(v * 10) / 10 : agent.scrub(String(v));
      }
    }
    agent.emit({ type: 'vital', name: metric.name, value: round(metric.value, metric.name),
      rating: metric.rating, attribution }, { performance: true });
  });
  onLCP(report);
  onINP(report);
  onCLS(report);
  onFCP(report);
  onTTFB(report);
}
