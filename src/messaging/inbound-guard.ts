// What an inbound internode connection must show before this node acts on it: the forged-peer attack of issue 14
// (a process on another address sending the messaging hello and then TRUNCATE) and the pre-handshake memory attack
// (frames claiming 120 MB buffered before any hello) are refused here.
//
// - The hello is read on its own, with a small size cap (HELLO_MAX_BYTES): nothing larger is buffered before it.
// - The hello must name the address the connection comes from (a peer's outbound socket is bound to its listen
//   address, outbound.ts), so a process cannot speak for another node's address.
// - A sender that is neither a gossip member nor a seed is on probation: only gossip (how a new node joins, through a
//   seed that has never heard of it) is dispatched; any other verb is refused, counted, and the connection closed.
//   Until internode TLS exists, gossip is the remaining way in, as it is for Cassandra without server encryption.
// - Inbound connections are capped in number, and one that sends no hello within the handshake timeout is closed.
import { FrameError } from './wire.ts';
import { parseEndpoint } from '../model/endpoint.ts';

/** Largest hello body accepted; a real one is about 40 bytes. */
export const HELLO_MAX_BYTES = 4 * 1024;
/** Largest frame from a peer on probation (gossip of a joining node: digests and states, a few KB per node). */
export const PROBATION_MAX_FRAME_BYTES = 1024 * 1024;
/**
 * Connections from non-members held at once. Each may buffer up to PROBATION_MAX_FRAME_BYTES, so this bounds what
 * strangers can make a node hold (32 MB); joining nodes need one each, for a moment.
 */
export const MAX_PROBATION_CONNECTIONS = 32;
export const DEFAULT_MAX_INBOUND_CONNECTIONS = 512;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export type InboundRefusal =
  | 'too-many-connections' | 'bad-handshake' | 'handshake-timeout' | 'spoofed-address' | 'not-member'
  // Internode TLS (internode-tls.ts): a failed handshake, a certificate not from the cluster CA, plaintext from a
  // peer that must encrypt.
  | 'tls-handshake' | 'bad-certificate' | 'plaintext';

export type InboundRefusals = Record<InboundRefusal, number>;

export function noRefusals(): InboundRefusals {
  return {
    'too-many-connections': 0, 'bad-handshake': 0, 'handshake-timeout': 0, 'spoofed-address': 0, 'not-member': 0,
    'tls-handshake': 0, 'bad-certificate': 0, 'plaintext': 0,
  };
}

/**
 * Collects the hello frame ([u32 length][body]) from the first bytes of a connection. `push` returns undefined while
 * the hello is incomplete, or the hello body and whatever bytes followed it in the same chunks (the start of the
 * envelope stream). A length over HELLO_MAX_BYTES throws a FrameError at once, before its body is read.
 */
export class HelloReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): { hello: Buffer; rest: Buffer } | undefined {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < 4) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    const length = all.readUInt32BE(0);
    if (length === 0 || length > HELLO_MAX_BYTES) {
      throw new FrameError(`handshake frame of ${length} bytes (limit ${HELLO_MAX_BYTES})`);
    }
    if (all.length < 4 + length) return undefined;
    this.chunks = [];
    this.buffered = 0;
    return { hello: all.subarray(4, 4 + length), rest: all.subarray(4 + length) };
  }
}

/** Whether a connection from `remoteAddress` may speak as `from` ("host:port"): the hosts must be the same. */
export function sameHost(remoteAddress: string | undefined, from: string): boolean {
  if (remoteAddress === undefined) return false;
  let host: string;
  try {
    host = parseEndpoint(from).host;
  } catch {
    // An unparsable endpoint in a hello is a forged or broken one: it speaks for no address.
    return false;
  }
  return normalizeAddress(remoteAddress) === normalizeAddress(host);
}

/** IPv4 peers of a dual-stack socket show as ::ffff:a.b.c.d. */
function normalizeAddress(a: string): string {
  const lower = a.toLowerCase().replace(/^\[|\]$/g, '');
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

export interface Hello {
  hello: 'sibyl';
  version: number;
  from: string;
}

export function isHello(v: unknown): v is Hello {
  const h = v as Partial<Hello> | null;
  return typeof h === 'object' && h !== null && h.hello === 'sibyl' && typeof h.from === 'string'
    && typeof h.version === 'number';
}
