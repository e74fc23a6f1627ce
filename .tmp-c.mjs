import { open } from 'lmdb';
import fs from 'node:fs';
const [mode, conc] = [process.argv[2], Number(process.argv[3])];
const dir = fs.mkdtempSync('/tmp/lb-');
const opts = { path: dir + '/x.lmdb' };
if (mode.includes('noOverlap')) opts.overlappingSync = false;
const env = open(opts);
const db = env.openDB({ name: 'd', keyEncoding: 'binary', encoding: 'binary', useVersions: mode.includes('ver') });
let n = 0; const end = Date.now() + 3000; let fails = 0; let ver = 1;
const val = Buffer.alloc(150, 7);
async function w() { while (Date.now() < end) { const i = n++; const k = Buffer.alloc(40); k.writeUInt32BE((i * 2654435761) >>> 0, 0);
  if (mode.includes('ver')) { const e = db.getEntry(k); const ok = await db.put(k, val, ver++, e ? e.version : null); if (!ok) fails++; }
  else { db.get(k); await db.put(k, val); }
  if (!mode.includes('commitOnly')) await env.flushed; } }
const t0 = Date.now(); await Promise.all(Array.from({ length: conc }, w));
console.log(mode, conc, Math.round(n / ((Date.now() - t0) / 1000)), 'ops/s fails', fails);
await env.close(); fs.rmSync(dir, { recursive: true });
