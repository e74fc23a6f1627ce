// Internode TLS (server_encryption_options), as Cassandra's: `internode_encryption` says which connections are
// encrypted — all, those to another data centre (dc), those to another rack (rack) — and both ends hold a PEM key and
// certificate signed by the cluster CA (the truststore). A peer whose certificate does not chain to that CA is
// refused at the handshake, either way: the outbound side checks the acceptor's certificate, the acceptor checks the
// connector's (demanded when require_client_auth, checked whenever one is sent). Host names are not checked (Cassandra's
// require_endpoint_verification); membership is what the CA vouches for.
//
// The storage port serves TLS and plaintext on one socket (tls-stream.ts tells them apart). Plaintext is accepted only
// from a peer that need not encrypt — one known, through gossip, to be in this node's data centre (rack) — or from
// anyone when `optional` (a rolling switch to TLS); an unknown location counts as elsewhere, on both sides.
import type { Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { replaying, TLS_HANDSHAKE_RECORD, withPeer } from './tls-stream.ts';

export type InternodeEncryption = 'none' | 'dc' | 'rack' | 'all';

export interface InternodeTlsOptions {
  keyPem: string;
  /** The node's certificate chain. */
  certPem: string;
  /** The cluster CA: the only issuer a peer's certificate may chain to. */
  caPem: string;
  passphrase?: string;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1.2' | 'TLSv1.3';
  /** A connecting peer must present a certificate (one that is presented is checked either way). */
  requireClientAuth: boolean;
  /** Plaintext inbound connections are accepted from any peer (server_encryption_options.optional). */
  optional: boolean;
  /** Whether traffic with this endpoint ("host:port") must be encrypted. */
  mustEncrypt(endpoint: string): boolean;
}

export interface Location {
  dc: string;
  rack: string;
}

/** internode_encryption as a predicate on peers; `locate` is gossip's view (undefined: not known yet). */
export function encryptionPolicy(mode: InternodeEncryption, self: Location, locate: (endpoint: string) => Location | undefined): (endpoint: string) => boolean {
  if (mode === 'none') return () => false;
  if (mode === 'all') return () => true;
  return (endpoint) => {
    const at = locate(endpoint);
    if (at === undefined || at.dc !== self.dc) return true;
    return mode === 'rack' && at.rack !== self.rack;
  };
}

export function internodeContext(t: InternodeTlsOptions): SecureContext {
  return createSecureContext({
    key: t.keyPem, cert: t.certPem, ca: t.caPem, minVersion: t.minVersion, maxVersion: t.maxVersion,
    ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
  });
}

/** Options of tls.connect for an outbound link: the acceptor's certificate must chain to the cluster CA. */
export function outboundTlsOptions(context: SecureContext): { secureContext: SecureContext; rejectUnauthorized: true; checkServerIdentity: () => undefined } {
  return { secureContext: context, rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

export type SniffFailure = 'tls-handshake' | 'bad-certificate';

/**
 * Reads the first bytes of an inbound connection and hands over a stream to read the hello from: the socket itself
 * (plaintext) or a TLSSocket over it, once its handshake is done and its certificate, if any, checked.
 */
export function sniffInbound(
  socket: Socket, context: SecureContext, cas: readonly X509Certificate[], t: InternodeTlsOptions,
  ready: (stream: Socket, encrypted: boolean) => void, fail: (why: SniffFailure, detail: string) => void,
): void {
  socket.once('data', (first: Buffer) => {
    socket.pause();
    if (first[0] !== TLS_HANDSHAKE_RECORD) {
      socket.unshift(first);
      ready(socket, false);
      // Paused explicitly above, the socket stays paused when the hello reader starts listening: resume it.
      socket.resume();
      return;
    }
    const secure = withPeer(new TLSSocket(replaying(socket, first), {
      isServer: true, secureContext: context, requestCert: true, rejectUnauthorized: false,
    }), socket);
    let settled = false;
    secure.on('error', (err) => { if (!settled) refuse('tls-handshake', err.message); });
    // A connector that refuses our certificate (another CA) closes right after the handshake, often before this end
    // has seen it complete: that is a failed handshake too.
    secure.once('close', () => { if (!settled) refuse('tls-handshake', 'closed during the TLS handshake'); });
    secure.once('secure', () => {
      // Without require_client_auth a peer may send no certificate (it is then on the plaintext footing: gossip
      // membership decides); one that sends a certificate not from the cluster CA is refused.
      const peer = secure.getPeerX509Certificate();
      if (peer === undefined && t.requireClientAuth) return refuse('bad-certificate', 'no certificate');
      const why = peer === undefined ? undefined : untrusted(peer, cas);
      if (why !== undefined) return refuse('bad-certificate', why);
      settled = true;
      ready(secure, true);
    });
    const refuse = (why: SniffFailure, detail: string): void => {
      settled = true;
      fail(why, detail);
      secure.destroy();
    };
  });
}

/** PEM text of CA certificates, parsed once per service. */
export function caCertificates(caPem: string): X509Certificate[] {
  return (caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
}

/**
 * Why a connecting peer's certificate is not trusted, or undefined if it is: it must be issued and signed by one of
 * the cluster's CA certificates (node certificates are signed by the cluster CA directly), and be within its validity.
 * A TLSSocket made over a stream, as here, is not checked by Node the way tls.Server checks its sockets.
 */
export function untrusted(peer: X509Certificate, cas: readonly X509Certificate[], now = new Date()): string | undefined {
  if (now < new Date(peer.validFrom) || now > new Date(peer.validTo)) return `certificate of ${peer.subject} is not valid now`;
  const issuer = cas.find((ca) => peer.checkIssued(ca) && peer.verify(ca.publicKey));
  return issuer === undefined ? `certificate of ${peer.subject.replace(/\n/g, ', ')} is not signed by the cluster CA` : undefined;
}
