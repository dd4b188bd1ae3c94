// Charts with uPlot: time series (seconds on x) sized to their container.
import uPlot from 'uplot';

const COLORS = ['#2f6fde', '#e8590c', '#2b8a3e', '#ae3ec9'];

function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

function sized(el, make) {
  const width = Math.max(200, el.clientWidth - 16);
  const chart = make(width);
  new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth - 16);
    if (Math.abs(w - chart.width) > 4) chart.setSize({ width: w, height: chart.height });
  }).observe(el);
  return chart;
}

// A small line without axes: `points` are [startMs, value] pairs.
export function sparkline(el, points, { color = COLORS[0] } = {}) {
  const xs = points.map((p) => p[0] / 1000);
  const ys = points.map((p) => p[1]);
  return sized(el, (width) => new uPlot({
    width, height: 40, legend: { show: false }, cursor: { show: false }, select: { show: false },
    axes: [{ show: false }, { show: false }], scales: { x: { time: true } },
    series: [{}, { stroke: color, width: 1.5, fill: `${color}22`, spanGaps: true,
      points: { show: ys.filter((v) => v !== null).length < 3, size: 4 } }],
  }, [xs, ys], el));
}

// Several series over time. `series`: [{label, values}] aligned with `xsMs`; `markers`: [{atMs,
// label}] drawn as vertical lines (releases); `format` formats the y values.
export function lineChart(el, xsMs, series, { markers = [], format = (v) => String(v), height = 280 } = {}) {
  const xs = xsMs.map((x) => x / 1000);
  const fg = cssVar('--fg') || '#1d2430';
  const grid = cssVar('--line') || '#d9dde5';
  const drawMarkers = (u) => {
    const { ctx } = u;
    ctx.save();
    ctx.strokeStyle = cssVar('--muted') || '#888';
    ctx.fillStyle = ctx.strokeStyle;
    ctx.setLineDash([4, 4]);
    ctx.font = `${11 * devicePixelRatio}px system-ui`;
    for (const m of markers) {
      const x = u.valToPos(m.atMs / 1000, 'x', true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillText(m.label, x + 3, u.bbox.top + 12 * devicePixelRatio);
    }
    ctx.restore();
  };
  return sized(el, (width) => new uPlot({
    width, height, scales: { x: { time: true } },
    axes: [{ stroke: fg, grid: { stroke: grid } },
      { stroke: fg, grid: { stroke: grid }, size: 70, values: (u, vals) => vals.map(format) }],
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2,
      spanGaps: false, value: (u, v) => (v === null ? '–' : format(v)),
      // Sparse series (few buckets with data) show their points, which a line alone would not.
      points: { show: s.values.filter((v) => v !== null).length < 30, size: 6 } }))],
    hooks: { draw: [drawMarkers] },
  }, [xs, ...series.map((s) => s.values)], el));
}
