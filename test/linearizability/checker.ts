// A linearizability checker for compare-and-set registers (one register per key), after Wing & Gong's search with
// Lowe's memoisation of (linearized set, register state), as Knossos and Porcupine do. Keys are independent
// (linearizability is compositional), so each key's sub-history is checked on its own, which keeps the search small.
//
// A history is what concurrent clients saw: for each operation, when it was invoked, when (and whether) it completed,
// and what it returned. Three outcomes, as in Jepsen:
// - `ok`: it took effect exactly once, somewhere between invocation and completion, and returned `result`;
// - `fail`: it certainly did not take effect (e.g. Unavailable before anything was sent), so it is left out;
// - `info`: unknown (a timeout): it may have taken effect at any point after its invocation, or never. Its
//   completion is treated as infinitely late, so it never forces another operation to come after it.

/** A register value; `null` is "no row" (the state before any write, and after a delete). */
export type RegisterValue = string | number | null;

export type RegisterOp =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: RegisterValue }
  /** Sets `value` if the register holds `expected` (INSERT … IF NOT EXISTS is `expected: null`). */
  | { readonly kind: 'cas'; readonly expected: RegisterValue; readonly value: RegisterValue };

export type Outcome = 'ok' | 'fail' | 'info';

export interface HistoryEntry {
  readonly client: number;
  readonly key: string;
  readonly op: RegisterOp;
  readonly invokeMs: number;
  /** Undefined for `info` (and ignored for it): an indeterminate operation may take effect arbitrarily late. */
  readonly completeMs?: number;
  readonly outcome: Outcome;
  /**
   * For an `ok` read: the value read. For an `ok` cas: whether it applied. Writes return nothing.
   */
  readonly result?: RegisterValue | boolean;
  /** For an `ok` cas that did not apply: the current value the server reported, when it reported one. */
  readonly observed?: RegisterValue;
}

export interface CheckResult {
  readonly linearizable: boolean;
  /** The first key found not linearizable, with the operations no order could explain. */
  readonly key?: string;
  readonly explanation?: string;
  /** Search states visited over all keys: the cost, for tests that bound it. */
  readonly statesVisited: number;
}

/** Gives up on a key after this many states, rather than running without bound on a pathological history. */
const DEFAULT_MAX_STATES = 2_000_000;

export function checkHistory(history: readonly HistoryEntry[], maxStates = DEFAULT_MAX_STATES): CheckResult {
  const byKey = new Map<string, HistoryEntry[]>();
  for (const e of history) {
    if (e.outcome === 'fail') continue;
    if (e.outcome === 'ok' && e.completeMs === undefined) throw new Error(`ok operation without completeMs on ${e.key}`);
    let list = byKey.get(e.key);
    if (list === undefined) byKey.set(e.key, (list = []));
    list.push(e);
  }
  let statesVisited = 0;
  for (const [key, entries] of byKey) {
    const r = checkKey(entries, maxStates);
    statesVisited += r.statesVisited;
    if (!r.linearizable) return { linearizable: false, key, explanation: r.explanation, statesVisited };
  }
  return { linearizable: true, statesVisited };
}

interface Step {
  /** The register state after applying `op`; undefined when the op's result cannot be explained from `state`. */
  readonly next: RegisterValue | undefined;
}

/** Applies one operation to the register and says whether its recorded result is consistent with that state. */
export function applyOp(state: RegisterValue, e: HistoryEntry): Step {
  const op = e.op;
  const unknown = e.outcome === 'info';
  switch (op.kind) {
    case 'read':
      return { next: unknown || e.result === state ? state : undefined };
    case 'write':
      return { next: op.value };
    case 'cas': {
      const applies = state === op.expected;
      if (unknown) return { next: applies ? op.value : state };
      if (e.result !== applies) return { next: undefined };
      if (!applies && e.observed !== undefined && e.observed !== state) return { next: undefined };
      return { next: applies ? op.value : state };
    }
  }
}

interface KeyResult {
  readonly linearizable: boolean;
  readonly explanation?: string;
  readonly statesVisited: number;
}

/**
 * Depth-first search over orders consistent with real time: an operation may come next only if no other pending
 * operation completed before it was invoked. `ok` operations must all be placed; `info` ones may be placed or left out.
 */
function checkKey(entries: readonly HistoryEntry[], maxStates: number): KeyResult {
  const ops = [...entries].sort((a, b) => a.invokeMs - b.invokeMs);
  const n = ops.length;
  const completeOf = (i: number): number => (ops[i].outcome === 'ok' ? ops[i].completeMs! : Infinity);
  // ok operations by completion time: the earliest pending one bounds which operations may go next.
  const byCompletion = ops.map((_, i) => i).filter((i) => ops[i].outcome === 'ok')
    .sort((a, b) => completeOf(a) - completeOf(b));
  const okCount = byCompletion.length;
  const placed = new Uint8Array(n);
  // The placed set packed eight to a byte, for memo keys an eighth the size.
  const bits = new Uint8Array(Math.ceil(n / 8));
  const mark = (i: number, on: boolean): void => {
    placed[i] = on ? 1 : 0;
    if (on) bits[i >> 3] |= 1 << (i & 7);
    else bits[i >> 3] &= ~(1 << (i & 7));
  };
  const seen = new Set<string>();
  let visited = 0;
  let deepest = 0;
  let deepestPlaced = '';

  const memoKey = (state: RegisterValue): string => `${JSON.stringify(state)}|${Buffer.from(bits).toString('latin1')}`;

  // An explicit stack of frames (state, ok ops placed, next candidate to try) instead of recursion: histories of a
  // few thousand operations would overflow the call stack.
  interface Frame { state: RegisterValue; okPlaced: number; candidate: number; applied: number }
  const stack: Frame[] = [{ state: null, okPlaced: 0, candidate: 0, applied: -1 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.okPlaced === okCount) return { linearizable: true, statesVisited: visited };
    const bound = earliestPendingCompletion(byCompletion, placed, completeOf);
    let pushed = false;
    while (frame.candidate < n && ops[frame.candidate].invokeMs <= bound) {
      const i = frame.candidate++;
      if (placed[i]) continue;
      const step = applyOp(frame.state, ops[i]);
      if (step.next === undefined) continue;
      mark(i, true);
      const key = memoKey(step.next);
      if (seen.has(key)) {
        mark(i, false);
        continue;
      }
      seen.add(key);
      if (++visited > maxStates) {
        return { linearizable: false, explanation: `search gave up after ${maxStates} states`, statesVisited: visited };
      }
      const okPlaced = frame.okPlaced + (ops[i].outcome === 'ok' ? 1 : 0);
      if (okPlaced > deepest) {
        deepest = okPlaced;
        deepestPlaced = describePlaced(ops, placed);
      }
      stack.push({ state: step.next, okPlaced, candidate: 0, applied: i });
      pushed = true;
      break;
    }
    if (pushed) continue;
    const done = stack.pop()!;
    if (done.applied >= 0) mark(done.applied, false);
  }
  const unexplained = ops.filter((o) => o.outcome === 'ok').length - deepest;
  return {
    linearizable: false,
    explanation: `no linearization: at best ${deepest} of ${okCount} ok operations placed (${unexplained} left); `
      + `longest explained prefix: ${deepestPlaced}`,
    statesVisited: visited,
  };
}

function earliestPendingCompletion(byCompletion: readonly number[], placed: Uint8Array,
  completeOf: (i: number) => number): number {
  for (const i of byCompletion) if (!placed[i]) return completeOf(i);
  return Infinity;
}

function describePlaced(ops: readonly HistoryEntry[], placed: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < ops.length && parts.length < 20; i++) if (placed[i]) parts.push(describeEntry(ops[i]));
  return parts.join(', ');
}

export function describeEntry(e: HistoryEntry): string {
  const op = e.op;
  const body = op.kind === 'read' ? 'read' : op.kind === 'write' ? `write(${String(op.value)})`
    : `cas(${String(op.expected)}→${String(op.value)})`;
  const result = e.result === undefined ? '' : `=${String(e.result)}`;
  return `c${e.client}:${body}${result}@${e.invokeMs}-${e.completeMs ?? '?'}${e.outcome === 'info' ? '(info)' : ''}`;
}
