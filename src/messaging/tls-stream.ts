// Serving TLS and plaintext on one port: the first byte of a connection tells them apart (a TLS handshake record is
// 0x16; neither a CQL envelope, whose version byte is 0x03–0x06 or that with the response bit, nor an internode hello,
// whose u32 length is under HELLO_MAX_BYTES, starts with it). Used by the native port (server/native-tls.ts) and the
// storage port (messaging.ts).
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * The socket as a plain stream that starts with `first` (already read to tell TLS from plaintext). TLSSocket over a
 * net.Socket reads its handle directly and would never see bytes put back with unshift(); over a stream it reads
 * the stream.
 */
export function replaying(socket: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read() { socket.resume(); },
    write(chunk: Buffer, _enc, cb) { socket.write(chunk, cb); },
    final(cb) { socket.end(); cb(); },
    destroy(err, cb) { socket.destroy(err ?? undefined); cb(err); },
  });
  stream.push(first);
  socket.on('data', (d: Buffer) => { if (!stream.push(d)) socket.pause(); });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  return stream;
}

/** A TLSSocket over a stream has no peer address of its own: limits, guards and logs need the real one. */
export function withPeer(secure: TLSSocket, socket: Socket): TLSSocket {
  Object.defineProperty(secure, 'remoteAddress', { value: socket.remoteAddress });
  Object.defineProperty(secure, 'remotePort', { value: socket.remotePort });
  return secure;
}
