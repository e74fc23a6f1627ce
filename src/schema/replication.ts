// A keyspace's replication settings as a typed object, parsed once when the keyspace is defined (DDL, schema load)
// and kept on KeyspaceDef.strategy, so no request path reads the string map again. The string map itself stays for
// system_schema.keyspaces and DESCRIBE; its validation (Cassandra's messages) is in options.ts.

export type ReplicationSpec =
  | { readonly kind: 'simple'; readonly rf: number }
  /** rf per DC, in option order; DCs with rf 0 are kept so callers can still see them. */
  | { readonly kind: 'network'; readonly dcs: ReadonlyMap<string, number> }
  | { readonly kind: 'local' }
  | { readonly kind: 'everywhere' };

/** 'org.apache.cassandra.locator.SimpleStrategy' and 'SimpleStrategy' both name the same class. */
export function strategyName(cls: string): string {
  const dot = cls.lastIndexOf('.');
  return dot < 0 ? cls : cls.slice(dot + 1);
}

/**
 * Replication factors are stored as strings; Cassandra 4 also allows "all/transient" ("3/1"). Transient
 * replicas are still replicas for placement, so only the total counts here.
 */
function parseFactor(value: string, what: string): number {
  const m = /^\s*(\d+)(?:\s*\/\s*\d+)?\s*$/.exec(value);
  if (m === null) throw new Error(`invalid replication factor '${value}' for ${what}`);
  return Number(m[1]);
}

export function parseReplication(replication: Readonly<Record<string, string>>): ReplicationSpec {
  const cls = replication['class'];
  if (cls === undefined) throw new Error("replication map has no 'class'");
  switch (strategyName(cls)) {
    case 'SimpleStrategy': {
      const rf = replication['replication_factor'];
      if (rf === undefined) throw new Error('SimpleStrategy requires a replication_factor');
      return { kind: 'simple', rf: parseFactor(rf, 'replication_factor') };
    }
    case 'NetworkTopologyStrategy': {
      const dcs = new Map<string, number>();
      for (const [k, v] of Object.entries(replication)) {
        // 'replication_factor' is expanded to every DC when the keyspace is created, so a stored map never needs it.
        if (k === 'class' || k === 'replication_factor') continue;
        dcs.set(k, parseFactor(v, `datacenter ${k}`));
      }
      return { kind: 'network', dcs };
    }
    case 'LocalStrategy':
      return { kind: 'local' };
    case 'EverywhereStrategy':
      return { kind: 'everywhere' };
    default:
      throw new Error(`unsupported replication strategy ${cls}`);
  }
}

