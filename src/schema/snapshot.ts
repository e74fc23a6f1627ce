// A whole schema as nodes exchange it (SCHEMA_PUSH / SCHEMA_PULL) and as a node persists it: the serialized user
// schema, stamped with the time of the change that produced it, so that every node converges on the latest one.

export interface SchemaSnapshot {
  schema: unknown;
  /** Microseconds since the epoch of the change that produced it (0 = never changed). */
  stamp: number;
}
