// The native protocol versions Sibyl speaks, as Cassandra 5.0 does: v3, v4, v5, and v6 as a beta that a client must
// opt into with the USE_BETA flag. Everything here is checked against a Cassandra 5.0.9 (see test/protocol/).

/** The USE_BETA envelope flag (also defined in frame.ts's FrameFlag; repeated here to keep this module a leaf). */
const USE_BETA_FLAG = 0x10;

export const ProtocolVersion = { V3: 3, V4: 4, V5: 5, V6: 6 } as const;
export type ProtocolVersionNumber = (typeof ProtocolVersion)[keyof typeof ProtocolVersion];

/** The highest version a client gets without USE_BETA, and the one an unknown version byte is answered in. */
export const MAX_STABLE_VERSION = ProtocolVersion.V5;

/** SUPPORTED's PROTOCOL_VERSIONS and the tail of the unsupported-version message, in Cassandra's order. */
export const SUPPORTED_VERSION_NAMES: readonly string[] = ['3/v3', '4/v4', '5/v5', '6/v6-beta'];

export function isSupportedVersion(v: number): v is ProtocolVersionNumber {
  return v >= ProtocolVersion.V3 && v <= ProtocolVersion.V6;
}

export function isBetaVersion(v: number): boolean {
  return v === ProtocolVersion.V6;
}

/** "4/v4", "6/v6-beta": how Cassandra names a version in SUPPORTED and in its error messages. */
export function versionName(v: number): string {
  return SUPPORTED_VERSION_NAMES[v - ProtocolVersion.V3] ?? `${v}/v${v}`;
}

/** v5 and later wrap envelopes in checksummed segments once STARTUP is answered (native_protocol_v5.spec §2). */
export function usesSegments(v: number): boolean {
  return v >= ProtocolVersion.V5;
}

/** Flags every response envelope of this version carries: Cassandra marks beta-version responses USE_BETA. */
export function responseFlags(v: number): number {
  return isBetaVersion(v) ? USE_BETA_FLAG : 0;
}

export function unsupportedVersionMessage(version: number): string {
  return `Invalid or unsupported protocol version (${version}); supported versions are (${SUPPORTED_VERSION_NAMES.join(', ')})`;
}

export function betaWithoutFlagMessage(version: number): string {
  return `Beta version of the protocol used (${versionName(version)}), but USE_BETA flag is unset`;
}

/**
 * The version a refusal of `version` is written in, as Cassandra 5.0 does: v1 and v2 get their own (8-byte header)
 * version so that old drivers can read it, anything else the highest stable version, so that a driver that probed
 * with a newer or vendor version (0x41, 0x42, 7 ...) learns what to try next.
 */
export function refusalVersion(version: number): number {
  return version === 1 || version === 2 ? version : MAX_STABLE_VERSION;
}
