// Rows keep their cells in objects whose prototype chain is empty (storage/types.ts emptyCells: a column may be
// called `__proto__`); deepStrictEqual compares prototypes, so tests compare such values to literals after this.
export function withPlainObjects<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withPlainObjects(v)) as T;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  // Plain: no prototype, Object.prototype, or a prototype without one of its own (emptyCells' objects).
  if (proto !== null && proto !== Object.prototype && Object.getPrototypeOf(proto) !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: withPlainObjects(v), enumerable: true, writable: true, configurable: true });
  return out as T;
}
