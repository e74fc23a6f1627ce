// A throwaway CA and certificates made with the openssl CLI, for TLS tests: server certificates carry the node's IP
// in their subjectAltName so that drivers' hostname checks pass.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  caPem: string;
  caPath: string;
  /** Private key and certificate in one PEM file (Cassandra's PEM keystore). */
  keystorePath: string;
  clientKeyPem: string;
  clientCertPem: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

export function makeCerts(dir: string, ip: string): TestCerts {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sibyl-test-ca']);
  const leaf = (name: string, ext: string): void => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  leaf('server', `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  const keystorePath = join(dir, 'keystore.pem');
  writeFileSync(keystorePath, readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8'));
  return {
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), caPath: join(dir, 'ca.pem'), keystorePath,
    clientKeyPem: readFileSync(join(dir, 'client.key'), 'utf8'), clientCertPem: readFileSync(join(dir, 'client.pem'), 'utf8'),
  };
}

export interface ClusterCerts {
  caPath: string;
  caPem: string;
  /** Per node address: a PEM keystore (key + certificate) good for both ends of a TLS connection. */
  keystores: Map<string, string>;
}

/** A cluster CA and one certificate per node (serverAuth and clientAuth: a node both accepts and connects). */
export function makeClusterCerts(dir: string, ips: string[], caName = 'sibyl-test-cluster-ca'): ClusterCerts {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${caName}`]);
  const keystores = new Map<string, string>();
  for (const ip of ips) {
    const name = `node-${ip}`;
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${ip}`]);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
    const path = join(dir, `${name}-keystore.pem`);
    writeFileSync(path, readFileSync(join(dir, `${name}.key`), 'utf8') + readFileSync(join(dir, `${name}.pem`), 'utf8'));
    keystores.set(ip, path);
  }
  return { caPath: join(dir, 'ca.pem'), caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), keystores };
}
