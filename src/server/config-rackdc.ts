// cassandra-rackdc.properties, read as java.util.Properties does (plus the one-line form the Azure guide writes), and
// Ec2Snitch's mapping of an availability zone to a data centre and rack.
import { existsSync, readFileSync } from 'node:fs';

export type Ec2NamingScheme = 'legacy' | 'standard';

const RACKDC_KEYS = new Set(['dc', 'rack', 'dc_suffix', 'prefer_local', 'ec2_naming_scheme', 'ec2_region', 'ec2_availability_zone']);

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    let k = 0;
    while (k < line.length && !'=: \t\f'.includes(line[k]!)) k += line[k] === '\\' ? 2 : 1;
    let v = k;
    while (v < line.length && ' \t\f'.includes(line[v]!)) v++;
    if (v < line.length && '=:'.includes(line[v]!)) v++;
    while (v < line.length && ' \t\f'.includes(line[v]!)) v++;
    out.set(unescapeProperty(line.slice(0, k)), unescapeProperty(line.slice(v)));
  }
  return out;
}

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) =>
    c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[c] ?? c,
  );
}

/**
 * Reads cassandra-rackdc.properties. Besides the standard one-property-a-line form it accepts `dc =EASTUS, rack =rack1`
 * on one line (as the Azure guide writes it), which java.util.Properties would read as dc "EASTUS, rack =rack1".
 */
export function readRackdc(path: string, warnings: string[]): Map<string, string> | undefined {
  if (!existsSync(path)) return undefined;
  const props = new Map<string, string>();
  for (const [k, v] of parseProperties(readFileSync(path, 'utf8'))) {
    const parts = v.split(/,\s*(?=(?:dc|rack|dc_suffix|prefer_local|ec2_\w+)\s*[=:])/);
    if (parts.length > 1) warnings.push(`${path}: "${k}=${v}" sets several properties on one line; read as separate lines`);
    props.set(k, parts[0]!.trim());
    for (const extra of parts.slice(1)) for (const [k2, v2] of parseProperties(extra)) props.set(k2, v2.trim());
  }
  for (const k of props.keys()) if (!RACKDC_KEYS.has(k)) warnings.push(`${path}: unknown property "${k}" ignored`);
  return props;
}

/**
 * The data centre and rack an EC2 availability zone maps to. Legacy naming (Cassandra's original Ec2Snitch): `us-east-1a`
 * → dc `us-east`, rack `1a` ("-1" dropped from the region), `us-west-2b` → `us-west-2`/`2b`. Standard naming (4.0's
 * ec2_naming_scheme=standard): dc is the region (`us-east-1`), rack the full zone (`us-east-1a`).
 */
export function ec2Location(az: string, scheme: Ec2NamingScheme, region?: string): { dataCenter: string; rack: string } {
  if (scheme === 'standard') return { dataCenter: region ?? az.replace(/[a-z]+$/, ''), rack: az };
  let dc = az.slice(0, -1);
  if (dc.endsWith('1')) dc = az.slice(0, -3);
  return { dataCenter: dc, rack: az.slice(az.lastIndexOf('-') + 1) };
}
