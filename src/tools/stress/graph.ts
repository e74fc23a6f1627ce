// `-graph file=report.html`: a self-contained page (inline SVG, no scripts or CDN) with, per run, the op rate and the
// latency percentiles over time and the run's summary, like cassandra-stress's graph page. Pure: data in, HTML out.

export interface GraphPoint {
  /** Seconds since the run started. */
  t: number;
  opRate: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
}

export interface GraphRun {
  title: string;
  points: GraphPoint[];
  summary: Array<[string, string]>;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least the data's maximum. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

interface Series {
  name: string;
  colour: string;
  values: number[];
}

function lineChart(title: string, unit: string, xs: number[], series: Series[]): string {
  const W = 640;
  const H = 240;
  const L = 60;
  const B = 30;
  const xMax = niceMax(Math.max(1, ...xs));
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (v: number): number => L + (v / xMax) * (W - L - 10);
  const y = (v: number): number => H - B - (v / yMax) * (H - B - 20);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = f * yMax;
    return `<line x1="${L}" x2="${W - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toPrecision(3)}</text>`;
  });
  const xTicks = [0, 0.5, 1].map((f) => `<text x="${x(f * xMax)}" y="${H - 10}" text-anchor="middle">${+(f * xMax).toPrecision(3)} s</text>`);
  const lines = series.map((s) => {
    const pts = s.values.map((v, i) => `${x(xs[i]!).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${s.colour}" stroke-width="1.5" points="${pts}"/>`;
  });
  const legend = series.map((s, i) => `<text x="${L + 10 + i * 90}" y="14" fill="${s.colour}">■ ${esc(s.name)}</text>`);
  return `<figure><figcaption>${esc(title)} (${esc(unit)})</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" font-family="sans-serif">${grid.join('')}${xTicks.join('')}${lines.join('')}${legend.join('')}</svg></figure>`;
}

function runSection(r: GraphRun): string {
  const xs = r.points.map((p) => p.t);
  const rate = lineChart('Op rate', 'op/s', xs, [{ name: 'op/s', colour: '#1f77b4', values: r.points.map((p) => p.opRate) }]);
  const latency = lineChart('Latency', 'ms', xs, [
    { name: 'median', colour: '#2ca02c', values: r.points.map((p) => p.median) },
    { name: '.95', colour: '#ff7f0e', values: r.points.map((p) => p.p95) },
    { name: '.99', colour: '#d62728', values: r.points.map((p) => p.p99) },
    { name: 'max', colour: '#9467bd', values: r.points.map((p) => p.max) },
  ]);
  const rows = r.summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  return `<section><h2>${esc(r.title)}</h2>${rate}${latency}<table>${rows}</table></section>`;
}

export function graphHtml(title: string, revision: string | undefined, runs: readonly GraphRun[]): string {
  const css = 'body{font-family:sans-serif;margin:2em;color:#222}figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-weight:bold}table{border-collapse:collapse}th,td{text-align:left;padding:2px 10px;border-bottom:1px solid #eee;font-family:monospace}';
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head><body>`,
    `<h1>${esc(title)}</h1>${revision !== undefined ? `<p>revision: ${esc(revision)}</p>` : ''}`,
    ...runs.map(runSection),
    '</body></html>',
    '',
  ].join('\n');
}
