// A process pretending to be a Sibyl node on the internode port: a socket bound to its own loopback address that
// sends the messaging hello naming any endpoint, then envelopes (src/messaging/envelope.ts), as issue 14's attacker.
import { connect, type Socket } from 'node:net';
import { encodeFrame } from '../../src/messaging/codec.ts';
import { Kind, writeEnvelope } from '../../src/messaging/envelope.ts';
import { Writer } from '../../src/messaging/wire.ts';

export function helloFrame(from: string): Buffer {
  return encodeFrame({ hello: 'sibyl', version: 2, from });
}

export function requestFrame(verb: string, payload: unknown, id = 1): Buffer {
  const w = new Writer();
  writeEnvelope(w, Kind.REQUEST, id, verb, payload, 128 * 1024 * 1024);
  return Buffer.from(w.take());
}

/** Connects from `localAddress` to host:port; resolves once connected. */
export function connectFrom(localAddress: string, host: string, port = 7000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, localAddress });
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
}

/** Resolves when the peer has closed the socket (or after `ms`, with false). Collects what it sent. */
export function closedWithin(s: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) { resolve(true); return; }
    const timer = setTimeout(() => resolve(false), ms);
    s.on('error', () => { /* a reset is how the node closes on us */ });
    s.once('close', () => { clearTimeout(timer); resolve(true); });
    s.resume();
  });
}
