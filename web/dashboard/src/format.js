// Numbers with their units, and Google's Core Web Vitals thresholds.
export const VITALS = {
  LCP: { good: 2500, poor: 4000, unit: 'ms', title: 'Largest Contentful Paint' },
  INP: { good: 200, poor: 500, unit: 'ms', title: 'Interaction to Next Paint' },
  CLS: { good: 0.1, poor: 0.25, unit: '', title: 'Cumulative Layout Shift' },
  FCP: { good: 1800, poor: 3000, unit: 'ms', title: 'First Contentful Paint' },
  TTFB: { good: 800, poor: 1800, unit: 'ms', title: 'Time to First Byte' },
};

export function band(name, value) {
  const t = VITALS[name];
  if (!t || value === null || value === undefined || Number.isNaN(value)) return '';
  return value <= t.good ? 'good' : value <= t.poor ? 'ni' : 'poor';
}

// A vital's value: milliseconds below a second, seconds above; CLS unitless.
export function vital(name, value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (name === 'CLS') return value.toFixed(value < 0.01 ? 3 : 2);
  return duration(value);
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function percent(share, digits = 1) {
  if (share === null || share === undefined || Number.isNaN(share)) return '–';
  return `${(share * 100).toFixed(digits)}%`;
}

// A size in bytes, in B, kB or MB (powers of 1000, as browsers' network panels show them).
export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${Math.round(n)} B`;
}

export function count(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Math.round(n).toLocaleString('en-US');
}

export function time(ms) {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
