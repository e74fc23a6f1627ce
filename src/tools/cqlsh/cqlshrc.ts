// cqlsh's configuration file (~/.cassandra/cqlshrc, or --cqlshrc): the parts Sibyl's cqlsh reads, as cqlshmain.py
// does — [authentication] username/password, [connection] hostname/port, and [ssl] for --ssl: certfile (the CA that
// signed the node certificates), validate (check the server's certificate; true by default, also $SSL_VALIDATE),
// userkey/usercert (a client certificate, for require_client_auth). $SSL_CERTFILE overrides certfile.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SslOptions } from './client.ts';

export type Ini = Map<string, Map<string, string>>;

/** Python's configparser, as far as cqlshrc needs it: [sections], key = value or key: value, # and ; comments. */
export function parseIni(text: string): Ini {
  const out: Ini = new Map();
  let section: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = out.get(header[1]!.trim()) ?? new Map();
      out.set(header[1]!.trim(), section);
      continue;
    }
    const kv = /^([^=:]+)[=:](.*)$/.exec(line);
    if (kv && section) section.set(kv[1]!.trim().toLowerCase(), kv[2]!.trim());
  }
  return out;
}

export function readCqlshrc(path: string | undefined): Ini {
  const file = path ?? join(homedir(), '.cassandra', 'cqlshrc');
  return existsSync(file) ? parseIni(readFileSync(file, 'utf8')) : new Map();
}

function expand(p: string): string {
  return p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** cqlsh's sslhandling.ssl_settings: the [ssl] section with its environment overrides. */
export function sslOptions(rc: Ini, env: NodeJS.ProcessEnv = process.env): SslOptions {
  const ssl = rc.get('ssl') ?? new Map<string, string>();
  const validateText = env['SSL_VALIDATE'] ?? ssl.get('validate') ?? 'true';
  const validate = !/^(false|no|off|0)$/i.test(validateText.trim());
  const certfile = env['SSL_CERTFILE'] ?? ssl.get('certfile');
  if (validate && certfile === undefined) {
    throw new Error("Validation is enabled; SSL transport factory requires a valid certfile to be specified. Please provide path to the certfile in [ssl] section as 'certfile' option in cqlshrc (or use [certfiles] section) or set SSL_CERTFILE environment variable.");
  }
  const read = (p: string | undefined): string | undefined => (p === undefined ? undefined : readFileSync(expand(p), 'utf8'));
  const keyPem = read(ssl.get('userkey'));
  const certPem = read(ssl.get('usercert'));
  const caPem = read(certfile);
  return { validate, ...(caPem !== undefined ? { caPem } : {}), ...(keyPem !== undefined ? { keyPem } : {}), ...(certPem !== undefined ? { certPem } : {}) };
}
