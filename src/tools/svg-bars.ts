// A small grouped bar chart as a standalone SVG document: one group of bars per category (a node), one bar per
// series (local rack, other racks, other DCs), a y axis with round ticks, a legend. No browser, no dependency: the
// seed's Figure 1 is a handful of bars, and an SVG file opens in any browser or image viewer.

export interface BarSeries {
  name: string;
  /** One value per category, in the categories' order. */
  values: readonly number[];
  /** A CSS colour. */
  color: string;
}

export interface BarChart {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  yLabel?: string;
  width?: number;
  height?: number;
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1, 2 or 5 times a power of ten, at or above max / 5: about five ticks. */
export function tickStep(max: number): number {
  if (!(max > 0)) return 1;
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
  return 10 * p;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export function barChartSvg(c: BarChart): string {
  const width = c.width ?? 760;
  const height = c.height ?? 420;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 80;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  for (const s of c.series) if (s.values.length !== c.categories.length) throw new Error(`series ${s.name}: ${s.values.length} values for ${c.categories.length} categories`);
  const max = Math.max(0, ...c.series.flatMap((s) => s.values));
  const step = tickStep(max);
  const yMax = Math.max(step, Math.ceil(max / step) * step);
  const y = (v: number): number => top + plotH - (v / yMax) * plotH;
  const groupW = plotW / Math.max(1, c.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, c.series.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(c.title)}</text>`,
  ];
  for (let v = 0; v <= yMax + step / 2; v += step) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  if (c.yLabel) out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(c.yLabel)}</text>`);
  c.categories.forEach((cat, i) => {
    const x0 = left + i * groupW + groupW * 0.1;
    c.series.forEach((s, j) => {
      const v = s.values[i]!;
      const x = x0 + j * barW;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(top + plotH - y(v)).toFixed(1)}" fill="${escapeXml(s.color)}"><title>${escapeXml(`${cat} ${s.name}: ${fmt(v)}`)}</title></rect>`);
      // The value above its bar, so that a bar too short to see (a handful of remote reads) still reads as a number.
      out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${fmt(v)}</text>`);
    });
    out.push(`<text x="${(left + (i + 0.5) * groupW).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${escapeXml(cat)}</text>`);
  });
  out.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  // Legend entries side by side, each as wide as its text (about 7 px a character at 12 px sans-serif).
  let legendX = left;
  for (const s of c.series) {
    out.push(`<rect x="${legendX}" y="${height - 30}" width="12" height="12" fill="${escapeXml(s.color)}"/>`);
    out.push(`<text x="${legendX + 18}" y="${height - 20}">${escapeXml(s.name)}</text>`);
    legendX += 18 + s.name.length * 7 + 24;
  }
  out.push('</svg>', '');
  return out.join('\n');
}
