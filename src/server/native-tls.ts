// The native port's listener: plaintext, TLS (client_encryption_options.enabled), or both on one port (optional:
// a connection whose first byte is a TLS handshake record, 0x16, is TLS; no CQL envelope starts with it, since a
// version byte is 0x03–0x06 or that with the response bit). A handshake that fails or stalls ends that connection
// only; the node keeps serving.
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, TLSSocket, type SecureContextOptions } from 'node:tls';
import type { ClientTlsConfig } from './config-tls.ts';
import { replaying, TLS_HANDSHAKE_RECORD, withPeer } from '../messaging/tls-stream.ts';
import { caCertificates, untrusted } from '../messaging/internode-tls.ts';

const HANDSHAKE_TIMEOUT_MS = 10_000;

function contextOptions(t: ClientTlsConfig): SecureContextOptions {
  return {
    key: t.keyPem, cert: t.certPem, ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
    ...(t.caPem !== undefined ? { ca: t.caPem } : {}), minVersion: t.minVersion, maxVersion: t.maxVersion,
  };
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
  const cas = caCertificates(tls.caPem ?? '');
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
      // A TLSSocket made over a stream is not checked by Node the way tls.Server checks its sockets: the client's
      // certificate, if any, is checked against the truststore here.
      secure.once('secure', () => {
        const peer = secure.getPeerX509Certificate();
        const why = peer === undefined ? (tls.clientAuth === 'required' ? 'no client certificate' : undefined) : untrusted(peer, cas);
        if (why !== undefined && tls.clientAuth !== 'none') {
          failed(new Error(why), socket.remoteAddress);
          secure.destroy();
          return;
        }
        onSocket(secure);
      });
      secure.on('error', (err) => {
        failed(err, socket.remoteAddress);
        secure.destroy();
      });
    });
  });
}
