// Consistency levels, as the native protocol codes them. Everything that takes a level takes this type, so a
// number read off the wire must be checked (toConsistencyLevel) before it can reach the coordinator.

export const Consistency = {
  ANY: 0x0000,
  ONE: 0x0001,
  TWO: 0x0002,
  THREE: 0x0003,
  QUORUM: 0x0004,
  ALL: 0x0005,
  LOCAL_QUORUM: 0x0006,
  EACH_QUORUM: 0x0007,
  SERIAL: 0x0008,
  LOCAL_SERIAL: 0x0009,
  LOCAL_ONE: 0x000a,
} as const;

export type ConsistencyLevel = (typeof Consistency)[keyof typeof Consistency];

const NAMES = new Map<number, string>(Object.entries(Consistency).map(([name, code]) => [code, name]));

/** A level's name; any wire code is accepted, since errors from a peer may carry one this side does not know. */
export function consistencyName(cl: number): string {
  return NAMES.get(cl) ?? `UNKNOWN(${cl})`;
}

/** The level for a wire code, or undefined when the code names none. */
export function toConsistencyLevel(code: number): ConsistencyLevel | undefined {
  return NAMES.has(code) ? (code as ConsistencyLevel) : undefined;
}

/** LOCAL_ONE, LOCAL_QUORUM and LOCAL_SERIAL count only replicas in the coordinator's data centre. */
export function isLocalConsistency(cl: ConsistencyLevel): boolean {
  return cl === Consistency.LOCAL_ONE || cl === Consistency.LOCAL_QUORUM || cl === Consistency.LOCAL_SERIAL;
}
