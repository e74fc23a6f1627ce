// The native port's listener: plaintext, TLS (client_encryption_options.enabled), or both on one port (optional:
// a connection whose first byte is a TLS handshake record, 0x16, is TLS; no CQL envelope starts with it, since a
// version byte is 0x03–0x06 or that with the response bit). A handshake that fails or stalls ends that connection
// only; the node keeps serving.
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createSecureContext, createServer as createTlsServer, TLSSocket, type SecureContextOptions } from 'node:tls';
import type { ClientTlsConfig } from './config-tls.ts';

const TLS_HANDSHAKE_RECORD = 0x16;
const HANDSHAKE_TIMEOUT_MS = 10_000;

function contextOptions(t: ClientTlsConfig): SecureContextOptions {
  return {
    key: t.keyPem, cert: t.certPem, ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
    ...(t.caPem !== undefined ? { ca: t.caPem } : {}), minVersion: t.minVersion, maxVersion: t.maxVersion,
  };
}

/**
 * The socket as a plain stream that starts with `first` (already read to tell TLS from plaintext). TLSSocket over a
 * net.Socket reads its handle directly and would never see bytes put back with unshift(); over a stream it reads
 * the stream.
 */
function replaying(socket: Socket, first: Buffer): Duplex {
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

/** A TLSSocket over a stream has no peer address of its own: the connection's limits and logs need the real one. */
function withPeer(secure: TLSSocket, socket: Socket): TLSSocket {
  Object.defineProperty(secure, 'remoteAddress', { value: socket.remoteAddress });
  Object.defineProperty(secure, 'remotePort', { value: socket.remotePort });
  return secure;
}

export interface NativeListenerStats {
  tlsHandshakeFailures: number;
}

export function nativeServer(
  tls: ClientTlsConfig | undefined, onSocket: (socket: Socket) => void, stats: NativeListenerStats, log: (msg: string) => void,
): Server {
  if (tls === undefined) return createServer({ noDelay: true }, onSocket);
  const options = contextOptions(tls);
  const verify = { requestCert: tls.clientAuth !== 'none', rejectUnauthorized: tls.clientAuth === 'required' };
  const failed = (err: Error, remote: string | undefined): void => {
    stats.tlsHandshakeFailures++;
    log(`TLS handshake from ${remote ?? '?'} failed: ${err.message}`);
  };
  if (!tls.optional) {
    const server = createTlsServer({ ...options, ...verify, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, onSocket);
    server.on('tlsClientError', (err, socket) => failed(err, socket.remoteAddress));
    return server;
  }
  const secureContext = createSecureContext(options);
  return createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => { /* a reset before the first byte */ });
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer));
    socket.once('data', (first: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      if (first[0] !== TLS_HANDSHAKE_RECORD) {
        socket.unshift(first);
        onSocket(socket);
        // Paused explicitly above, the socket stays paused when its connection starts listening: resume it.
        socket.resume();
        return;
      }
      const secure = withPeer(new TLSSocket(replaying(socket, first), { isServer: true, secureContext, ...verify }), socket);
      secure.once('secure', () => onSocket(secure));
      secure.on('error', (err) => {
        failed(err, socket.remoteAddress);
        secure.destroy();
      });
    });
  });
}
