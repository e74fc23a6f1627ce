// Equality of the plain data in storage/types.ts (Buffers, bigints, numbers, arrays, records): whether two replicas
// answered the same thing. A property that is absent and one that is undefined count as the same, since msgpackr
// drops undefined values on the way between nodes.

export function dataEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!dataEqual(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let definedInA = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    definedInA++;
    if (!dataEqual(ra[k], rb[k])) return false;
  }
  let definedInB = 0;
  for (const k in rb) if (rb[k] !== undefined) definedInB++;
  return definedInA === definedInB;
}
