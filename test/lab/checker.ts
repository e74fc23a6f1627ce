// The history checker of the lab's Jepsen-style workload (test/lab/workload.ts): each key has a single writer writing
// 1, 2, 3, …, so values order a key's writes. It finds acknowledged writes lost (the final QUORUM read of a key is
// older than its last acknowledged write), stale QUORUM reads (a read that began after a write of a newer value was
// acknowledged, yet returned an older value), and impossible reads (a value never written). A write that failed or
// timed out may or may not have been applied, so reading its value is allowed, and it never counts as lost.
import type { Op } from './workload.ts';

export interface Finding {
  kind: 'lost-write' | 'stale-read' | 'impossible-read';
  key: number;
  detail: string;
}

export interface CheckResult {
  ops: number;
  ok: number;
  failed: number;
  indeterminate: number;
  findings: Finding[];
}

export function checkHistory(history: readonly Op[], finalReads: readonly Op[]): CheckResult {
  const findings: Finding[] = [];
  const writes = history.filter((o) => o.f === 'write');
  const acked = writes.filter((o) => o.type === 'ok');
  const maxInvoked = new Map<number, number>();
  for (const w of writes) maxInvoked.set(w.key, Math.max(maxInvoked.get(w.key) ?? 0, w.value ?? 0));
  for (const r of history.filter((o) => o.f === 'read' && o.type === 'ok')) {
    const before = acked.filter((w) => w.key === r.key && w.endMs < r.startMs).reduce((m, w) => Math.max(m, w.value ?? 0), 0);
    const got = r.value ?? 0;
    if (got < before) findings.push({ kind: 'stale-read', key: r.key, detail: `read ${r.value} at ${r.startMs}-${r.endMs} ms after write ${before} was acknowledged` });
    if (got > (maxInvoked.get(r.key) ?? 0)) findings.push({ kind: 'impossible-read', key: r.key, detail: `read ${r.value}, never written` });
  }
  const lastAcked = new Map<number, number>();
  for (const w of acked) lastAcked.set(w.key, Math.max(lastAcked.get(w.key) ?? 0, w.value ?? 0));
  for (const [key, v] of lastAcked) {
    const final = finalReads.find((r) => r.key === key && r.type === 'ok');
    if (final === undefined) findings.push({ kind: 'lost-write', key, detail: `no successful final read to check acknowledged write ${v}` });
    else if ((final.value ?? 0) < v) findings.push({ kind: 'lost-write', key, detail: `acknowledged write ${v}, final read ${final.value}` });
  }
  return {
    ops: history.length,
    ok: history.filter((o) => o.type === 'ok').length,
    failed: history.filter((o) => o.type === 'fail').length,
    indeterminate: history.filter((o) => o.type === 'info').length,
    findings,
  };
}
