// The certificates of a `cluster up --secure` cluster: one CA per cluster (its key stays in the cluster directory,
// 0600, so more nodes can be signed later) and, per node, a PEM keystore (key + certificate) valid both for serving
// (clients and peers connect to it) and for connecting (to peers, and to the admin API with mTLS). Node's crypto
// generates the RSA keys (natively) but can only parse X.509, not issue it; node-forge builds and signs the
// certificates, synchronously (no WebCrypto promises, no reflect-metadata polyfill as @peculiar/x509 needs).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export const CA_CERT_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';
const VALIDITY_DAYS = 3650;

function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.rsa.setPublicKey(key.n, key.e), pem };
}

function newCertificate(publicKey: forge.pki.PublicKey): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial of 16 random bytes (the high bit cleared: DER integers are signed).
  cert.serialNumber = `0${randomBytes(16).toString('hex').slice(1)}`;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(cert.validity.notBefore.getTime() + VALIDITY_DAYS * 86_400_000);
  return cert;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function loadOrCreateCa(dir: string, clusterName: string): { cert: forge.pki.Certificate; key: forge.pki.PrivateKey } {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: forge.pki.certificateFromPem(readFileSync(certPath, 'utf8')), key: forge.pki.privateKeyFromPem(readFileSync(keyPath, 'utf8')) };
  }
  const keys = rsaKeys();
  const cert = newCertificate(keys.publicKey);
  const name = [{ name: 'commonName', value: `${clusterName} cluster CA` }, { name: 'organizationName', value: 'Sibyl' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  writeFileSync(certPath, forge.pki.certificateToPem(cert));
  writePrivate(keyPath, keys.pem);
  return { cert, key: keys.privateKey };
}

/**
 * Writes `<dir>/<name>-keystore.pem` for each node (key + certificate, 0600) and returns the paths by address;
 * `alsoAddresses` go into every certificate's subjectAltName too.
 */
export function issueClusterCertificates(
  dir: string, clusterName: string, nodes: ReadonlyArray<{ name: string; address: string }>, alsoAddresses: readonly string[] = [],
): { caPath: string; keystores: Map<string, string> } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = loadOrCreateCa(dir, clusterName);
  const keystores = new Map<string, string>();
  for (const n of nodes) {
    const keys = rsaKeys();
    const cert = newCertificate(keys.publicKey);
    cert.setSubject([{ name: 'commonName', value: n.address }, { name: 'organizationalUnitName', value: n.name }, { name: 'organizationName', value: 'Sibyl' }]);
    cert.setIssuer(ca.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      // The node's own IP, and the internal load balancers' (a client through an ILB checks the name it dialled).
      { name: 'subjectAltName', altNames: [n.address, ...alsoAddresses.filter((a) => a !== n.address)].map((ip) => ({ type: 7, ip })) },
      { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(ca.key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    const path = join(dir, `${n.name}-keystore.pem`);
    writePrivate(path, keys.pem + forge.pki.certificateToPem(cert));
    keystores.set(n.address, path);
  }
  return { caPath: join(dir, CA_CERT_FILE), keystores };
}
