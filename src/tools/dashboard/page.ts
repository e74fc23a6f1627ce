// The dashboard's one page: plain HTML, CSS and JavaScript, no framework and nothing fetched from elsewhere, so it
// works offline and ships inside the CLI bundle. It renders each `state` event of /api/events (state.ts's
// DashboardState) and posts the buttons to /api/action and /api/network.

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { background: #1d2330; color: #fff; padding: 10px 18px; display: flex; gap: 18px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
#conn.live { color: #7ee2a8; } #conn.lost { color: #ff8f8f; }
main { display: grid; grid-template-columns: 340px 1fr; gap: 16px; padding: 16px; }
section { background: #fff; border-radius: 6px; padding: 12px; box-shadow: 0 1px 2px rgba(0,0,0,.12); }
h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: #5b6475; }
.dc { margin-bottom: 12px; } .dc > .head, .rack > .head { display: flex; gap: 8px; align-items: center; }
.dc > .head b { font-size: 15px; } .racks { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; margin-top: 6px; }
.rack { border: 1px solid #d8dce3; border-radius: 6px; padding: 8px; }
.node { border-left: 5px solid #999; padding: 6px 8px; margin-top: 6px; background: #fafbfc; border-radius: 4px; }
.node[data-state="UN"] { border-color: #1f9d55; } .node[data-state^="D"] { border-color: #d63c3c; background: #fff4f4; }
.node[data-state="UJ"], .node[data-state="UL"], .node[data-state="UM"] { border-color: #e0a100; }
.node .title { display: flex; justify-content: space-between; gap: 6px; }
.badge { font-weight: 700; font-family: ui-monospace, monospace; }
.stats { display: grid; grid-template-columns: max-content auto; column-gap: 10px; font-size: 12px; color: #3b4252; margin: 4px 0; }
.stats span:nth-child(odd) { color: #7a8394; }
button { font: inherit; font-size: 12px; padding: 1px 7px; border: 1px solid #b8bfcc; background: #fff; border-radius: 4px; cursor: pointer; }
button:hover { background: #eef1f6; } button.kill { color: #b02a2a; } button:disabled { opacity: .5; cursor: default; }
#ring svg, #chart svg { width: 100%; height: auto; } #legend { font-size: 12px; columns: 2; }
#legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
#log { font: 12px ui-monospace, monospace; max-height: 140px; overflow: auto; white-space: pre-wrap; color: #3b4252; }
label { font-size: 12px; margin-right: 8px; } input[type=number] { width: 64px; }
`;

const SCRIPT = `
const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const dash = '\\u2013';
const fmt = {
  rate: (v) => v === undefined ? dash : v >= 100 ? v.toFixed(0) : v.toFixed(1),
  ms: (v) => v === undefined ? dash : v >= 10 ? v.toFixed(0) + ' ms' : v.toFixed(2) + ' ms',
  bytes: (v) => { if (v === undefined) return dash; const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; } return v.toFixed(i ? 1 : 0) + ' ' + u[i]; },
  pct: (v) => v === undefined ? dash : (v * 100).toFixed(0) + '%',
  int: (v) => v === undefined ? dash : String(v),
};
let state;
const colours = new Map();
function colour(address) {
  if (!colours.has(address)) colours.set(address, 'hsl(' + Math.round((colours.size * 137.5) % 360) + ', 62%, 52%)');
  return colours.get(address);
}
function log(line) { const el = $('#log'); el.textContent = new Date().toLocaleTimeString() + '  ' + line + '\\n' + el.textContent; }
async function post(path, body) {
  try {
    const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const j = await r.json();
    // Success arrives as a 'log' event, which every open page gets; only a refusal is this page's alone.
    if (!r.ok) log('error: ' + j.error);
  } catch (e) { log('error: ' + e); }
}
function buttons(sel) {
  const attrs = Object.entries(sel).map(([k, v]) => 'data-' + k + '="' + esc(v) + '"').join(' ');
  return ['stop', 'kill', 'start'].map((a) => '<button class="' + a + '" data-action="' + a + '" ' + attrs + (state.controls ? '' : ' disabled') + '>' + a + '</button>').join(' ');
}
function nodeCard(n) {
  const stats = [['req/s', fmt.rate(n.requestsPerSec)], ['p99', fmt.ms(n.p99Ms)], ['hints', fmt.int(n.hintsPending)], ['load', fmt.bytes(n.loadBytes)],
    ['local reads', fmt.pct(n.localReadShare)], ['seen up by', n.seenBy ? n.seenUpBy + '/' + n.seenBy : dash]];
  return '<div class="node" data-node="' + esc(n.address) + '" data-state="' + esc(n.state) + '">' +
    '<div class="title"><span><i style="display:inline-block;width:9px;height:9px;border-radius:2px;background:' + colour(n.address) + '"></i> ' +
    esc(n.name) + ' <small>' + esc(n.address) + '</small></span><span class="badge">' + esc(n.state) + '</span></div>' +
    '<div class="stats">' + stats.map(([k, v]) => '<span>' + k + '</span><span data-stat="' + k + '">' + esc(v) + '</span>').join('') + '</div>' +
    buttons({ node: n.address }) + '</div>';
}
function renderTopology() {
  const byAddress = new Map(state.nodes.map((n) => [n.address, n]));
  $('#topology').innerHTML = state.datacenters.map((dc) =>
    '<div class="dc" data-dc="' + esc(dc.name) + '"><div class="head"><b>' + esc(dc.name) + '</b> ' + buttons({ dc: dc.name }) + '</div><div class="racks">' +
    dc.racks.map((r) => '<div class="rack" data-rack="' + esc(r.name) + '"><div class="head"><b>' + esc(r.name) + '</b> ' + buttons({ dc: dc.name, rack: r.name }) + '</div>' +
      r.nodes.map((a) => nodeCard(byAddress.get(a))).join('') + '</div>').join('') + '</div></div>').join('');
}
function arcPath(a, r0, r1) {
  const pt = (f, r) => { const t = f * 2 * Math.PI - Math.PI / 2; return (100 + r * Math.cos(t)).toFixed(2) + ' ' + (100 + r * Math.sin(t)).toFixed(2); };
  const large = a.end - a.start > 0.5 ? 1 : 0;
  return 'M' + pt(a.start, r1) + ' A' + r1 + ' ' + r1 + ' 0 ' + large + ' 1 ' + pt(a.end, r1) + ' L' + pt(a.end, r0) + ' A' + r0 + ' ' + r0 + ' 0 ' + large + ' 0 ' + pt(a.start, r0) + 'Z';
}
function renderRing() {
  const r = state.ring;
  // The range through the minimum token is drawn as two arcs; it is still one range.
  const ranges = r.length - (r.length > 1 && r[0].start === 0 && r[r.length - 1].end === 1 ? 1 : 0);
  const down = new Set(state.nodes.filter((n) => n.state[0] === 'D').map((n) => n.address));
  const arcs = state.ring.map((a) => '<path d="' + arcPath(a, 62, 92) + '" fill="' + colour(a.owner) + '" opacity="' + (down.has(a.owner) ? 0.25 : 1) + '"><title>' + esc(a.owner) + '</title></path>').join('');
  $('#ring').innerHTML = '<svg viewBox="0 0 200 200" role="img" aria-label="token ring">' + arcs +
    '<text x="100" y="104" text-anchor="middle" font-size="12">' + ranges + ' ranges</text></svg>';
  $('#legend').innerHTML = state.nodes.map((n) => '<div><i style="background:' + colour(n.address) + '"></i>' + esc(n.name) + ' ' + esc(n.address) + '</div>').join('');
}
function renderChart() {
  const pts = state.latency.filter((p) => p.p99Ms !== undefined);
  const W = 600, H = 160, L = 44;
  const max = Math.max(1, ...pts.map((p) => p.p99Ms));
  const t0 = state.latency.length ? state.latency[0].timeMs : 0, t1 = state.updatedAtMs, span = Math.max(1, t1 - t0);
  const x = (t) => (L + ((t - t0) / span) * (W - L - 6)).toFixed(1), y = (v) => (H - 18 - (v / max) * (H - 30)).toFixed(1);
  const line = pts.map((p) => x(p.timeMs) + ',' + y(p.p99Ms)).join(' ');
  const ticks = [0, max / 2, max].map((v) => '<text x="' + (L - 4) + '" y="' + y(v) + '" text-anchor="end" font-size="10">' + fmt.ms(v) + '</text><line x1="' + L + '" x2="' + W + '" y1="' + y(v) + '" y2="' + y(v) + '" stroke="#e3e6eb"/>').join('');
  const last = state.latency[state.latency.length - 1];
  $('#chart').innerHTML = '<svg viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="p99 latency over time">' + ticks +
    '<polyline fill="none" stroke="#2b6cd4" stroke-width="2" points="' + line + '"/>' +
    '<text x="' + L + '" y="' + (H - 4) + '" font-size="10">' + Math.round(span / 1000) + ' s</text></svg>' +
    '<div>cluster p99 ' + fmt.ms(last && last.p99Ms) + ' \\u00b7 ' + fmt.rate(last && last.requestsPerSec) + ' req/s</div>';
}
function render() {
  $('#cluster').textContent = state.clusterName;
  $('#updated').textContent = 'updated ' + new Date(state.updatedAtMs).toLocaleTimeString();
  $('#summary').textContent = state.nodes.filter((n) => n.state === 'UN').length + '/' + state.nodes.length + ' UN';
  renderTopology(); renderRing(); renderChart();
  // A value being edited is the operator's until it is submitted.
  for (const [id, v] of [['#rackMs', state.network.rackMs], ['#dcMs', state.network.dcMs]]) if (!$(id).dataset.dirty) $(id).value = v;
  document.body.dataset.nodes = String(state.nodes.length);
}
document.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b || b.disabled) return;
  const body = { action: b.dataset.action };
  for (const k of ['node', 'rack', 'dc']) if (b.dataset[k]) body[k] = b.dataset[k];
  log(b.dataset.action + ' ' + (body.node || (body.rack ? body.dc + '/' + body.rack : body.dc)) + ' \\u2026');
  post('/api/action', body);
});
for (const id of ['#rackMs', '#dcMs']) $(id).addEventListener('input', () => { $(id).dataset.dirty = '1'; });
$('#latency').addEventListener('submit', (e) => {
  e.preventDefault();
  log('setting latency \\u2026');
  const body = { rackMs: $('#rackMs').value, dcMs: $('#dcMs').value };
  delete $('#rackMs').dataset.dirty; delete $('#dcMs').dataset.dirty;
  post('/api/network', body);
});
const events = new EventSource('/api/events');
events.addEventListener('state', (e) => { state = JSON.parse(e.data); render(); });
events.addEventListener('log', (e) => log(JSON.parse(e.data).message));
events.onopen = () => { $('#conn').textContent = 'live'; $('#conn').className = 'live'; };
events.onerror = () => { $('#conn').textContent = 'reconnecting'; $('#conn').className = 'lost'; };
`;

export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sibyl dashboard</title><style>${STYLE}</style></head>
<body>
<header><h1>Sibyl · <span id="cluster">…</span></h1><span id="summary"></span><span id="updated"></span><span id="conn">connecting</span></header>
<main>
<div>
<section><h2>Ring</h2><div id="ring"></div><div id="legend"></div></section>
<section style="margin-top:16px"><h2>Network</h2>
<form id="latency"><label>between racks <input id="rackMs" type="number" min="0" max="10000"> ms</label>
<label>between DCs <input id="dcMs" type="number" min="0" max="10000"> ms</label> <button type="submit">set latency</button></form></section>
<section style="margin-top:16px"><h2>Log</h2><div id="log"></div></section>
</div>
<div>
<section><h2>Data centres, racks, nodes</h2><div id="topology"></div></section>
<section style="margin-top:16px"><h2>Client p99 latency (per poll)</h2><div id="chart"></div></section>
</div>
</main>
<script>${SCRIPT}</script>
</body></html>
`;
