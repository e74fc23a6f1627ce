// client_encryption_options as Cassandra 5.0 reads them with its PEM-based SSL context factory: `keystore` is a PEM
// file holding the private key and the certificate chain (`keystore_password` if the key is encrypted), `truststore`
// a PEM file of CA certificates, `require_client_auth` true/false or 5.0's required/optional/not_required,
// `accepted_protocols` (TLSv1.2, TLSv1.3). `optional: true` serves TLS and plaintext on the same port.
import { readFileSync } from 'node:fs';
import { ConfigLoadError, invalid, type YamlReader } from './config-yaml.ts';

export interface ClientTlsConfig {
  /** Plaintext clients are served too (the first byte tells a TLS ClientHello apart). */
  optional: boolean;
  keyPem: string;
  certPem: string;
  passphrase?: string;
  caPem?: string;
  /** 'required': a client certificate signed by the truststore is demanded; 'optional': checked if sent. */
  clientAuth: 'none' | 'optional' | 'required';
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1.2' | 'TLSv1.3';
}

function flag(key: string, v: unknown, def: boolean): boolean {
  if (v === undefined || v === null) return def;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw invalid(key, 'true or false', v);
}

function pemFile(key: string, path: unknown, resolvePath: (p: string) => string): string {
  if (typeof path !== 'string' || path === '') throw invalid(key, 'the path of a PEM file', path ?? null);
  let text: string;
  try {
    text = readFileSync(resolvePath(path), 'utf8');
  } catch (e) {
    throw new ConfigLoadError(`Invalid yaml: ${key} ${path} cannot be read: ${(e as Error).message}`, key);
  }
  if (!text.includes('-----BEGIN')) throw new ConfigLoadError(`Invalid yaml: ${key} ${path} is not PEM (JKS and PKCS12 keystores are not supported: convert them with keytool/openssl)`, key);
  return text;
}

/** A PEM keystore: the private key and the certificate chain, in one file. */
function keystore(key: string, pem: string): { keyPem: string; certPem: string } {
  const keyPem = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/.exec(pem)?.[0];
  const certPem = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)?.join('\n');
  if (keyPem === undefined || certPem === undefined) {
    throw new ConfigLoadError(`Invalid yaml: ${key} must hold a private key and its certificate chain (PEM)`, key);
  }
  return { keyPem, certPem };
}

function clientAuth(v: unknown): ClientTlsConfig['clientAuth'] {
  if (v === undefined || v === null) return 'none';
  if (typeof v === 'string' && /^(required|optional|not_required)$/i.test(v.trim())) {
    const s = v.trim().toLowerCase();
    return s === 'required' ? 'required' : s === 'optional' ? 'optional' : 'none';
  }
  return flag('client_encryption_options.require_client_auth', v, false) ? 'required' : 'none';
}

function protocols(v: unknown, key = 'client_encryption_options.accepted_protocols'): Pick<ClientTlsConfig, 'minVersion' | 'maxVersion'> {
  if (v === undefined || v === null) return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
  const list = (Array.isArray(v) ? v : String(v).split(',')).map((x) => String(x).trim());
  const known = list.filter((p): p is 'TLSv1.2' | 'TLSv1.3' => p === 'TLSv1.2' || p === 'TLSv1.3');
  if (known.length === 0) throw invalid(key, 'TLSv1.2 and/or TLSv1.3', v);
  return { minVersion: known.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3', maxVersion: known.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2' };
}

/** The native port's TLS, or undefined when client_encryption_options is absent or not enabled. */
export function parseClientTls(r: YamlReader, resolvePath: (p: string) => string): ClientTlsConfig | undefined {
  const o = r.get('client_encryption_options');
  if (o === undefined || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const opts = o as Record<string, unknown>;
  const k = (x: string): string => `client_encryption_options.${x}`;
  const enabled = flag(k('enabled'), opts['enabled'], false);
  const optional = flag(k('optional'), opts['optional'], false);
  if (!enabled && !optional) return undefined;
  const { keyPem, certPem } = keystore(k('keystore'), pemFile(k('keystore'), opts['keystore'], resolvePath));
  const auth = clientAuth(opts['require_client_auth']);
  const ca = opts['truststore'] === undefined || opts['truststore'] === null ? undefined : pemFile(k('truststore'), opts['truststore'], resolvePath);
  if (auth !== 'none' && ca === undefined) throw new ConfigLoadError(`Invalid yaml: ${k('require_client_auth')} needs a truststore`, k('truststore'));
  const pass = opts['keystore_password'];
  return {
    optional, keyPem, certPem, clientAuth: auth, ...protocols(opts['accepted_protocols']),
    ...(typeof pass === 'string' && pass !== '' ? { passphrase: pass } : {}), ...(ca !== undefined ? { caPem: ca } : {}),
  };
}

export interface InternodeTlsConfig {
  mode: 'dc' | 'rack' | 'all';
  keyPem: string;
  certPem: string;
  passphrase?: string;
  /** The cluster CA: a peer's certificate must chain to it. */
  caPem: string;
  requireClientAuth: boolean;
  /** Plaintext inbound connections are still accepted from every peer (while a cluster switches to TLS). */
  optional: boolean;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1.2' | 'TLSv1.3';
}

/**
 * server_encryption_options with internode_encryption other than none (config-security.ts has checked the mode and
 * refused the options Sibyl does not implement). A truststore is required: it is how a peer is known to be a member.
 */
export function parseInternodeTls(r: YamlReader, resolvePath: (p: string) => string): InternodeTlsConfig | undefined {
  const o = r.get('server_encryption_options');
  if (o === undefined || o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const opts = o as Record<string, unknown>;
  const mode = String(opts['internode_encryption'] ?? 'none').trim().toLowerCase();
  if (mode !== 'dc' && mode !== 'rack' && mode !== 'all') return undefined;
  const k = (x: string): string => `server_encryption_options.${x}`;
  const { keyPem, certPem } = keystore(k('keystore'), pemFile(k('keystore'), opts['keystore'], resolvePath));
  if (opts['truststore'] === undefined || opts['truststore'] === null) {
    throw new ConfigLoadError(`Invalid yaml: ${k('truststore')} is required with internode_encryption ${mode} (the CA that signs every node's certificate)`, k('truststore'));
  }
  const caPem = pemFile(k('truststore'), opts['truststore'], resolvePath);
  const pass = opts['keystore_password'];
  return {
    mode, keyPem, certPem, caPem, requireClientAuth: clientAuth(opts['require_client_auth']) === 'required',
    optional: flag(k('optional'), opts['optional'], false), ...protocols(opts['accepted_protocols'], k('accepted_protocols')),
    ...(typeof pass === 'string' && pass !== '' ? { passphrase: pass } : {}),
  };
}
