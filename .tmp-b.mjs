import { open } from 'lmdb';
import fs from 'node:fs';
const [mode, conc] = [process.argv[2], Number(process.argv[3])];
const dir = fs.mkdtempSync('/tmp/lb-');
const opts = { path: dir + '/x.lmdb' };
if (mode === 'noOverlap') opts.overlappingSync = false;
if (mode === 'noSync') { opts.noSync = true; opts.overlappingSync = false; }
const env = open(opts);
const db = env.openDB({ name: 'd', keyEncoding: 'binary', encoding: 'binary' });
let n = 0, txns = 0; const end = Date.now() + 3000;
let lastTxn = -1;
const val = Buffer.alloc(150, 7);
async function w() { while (Date.now() < end) { const i = n++; const k = Buffer.alloc(40); k.writeUInt32BE((i * 2654435761) >>> 0, 0);
  await db.transaction(() => { const id = db.getWriteTxnId?.() ?? 0; if (id !== lastTxn) { txns++; lastTxn = id; } db.get(k); db.putSync(k, val); });
  if (mode !== 'commitOnly') await env.flushed; } }
const t0 = Date.now(); await Promise.all(Array.from({ length: conc }, w));
console.log(mode, conc, Math.round(n / ((Date.now() - t0) / 1000)), 'ops/s', 'txns', txns);
await env.close(); fs.rmSync(dir, { recursive: true });
