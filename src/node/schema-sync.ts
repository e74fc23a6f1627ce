// Schema agreement between nodes: a node whose gossiped schema version differs from ours is asked for its schema
// (SCHEMA_PULL), and we adopt it when it is newer; if ours is the newer one, we push it back. A DDL statement pushes
// the new schema to the peers gossip shows alive and waits (bounded) for them: a node that is down is not waited for,
// and pulls the schema when it comes back and gossip shows its version differs.
import type { PeerView } from '../cluster/membership.ts';
import { handle, send, Verbs, type VerbMessenger } from '../messaging/verbs.ts';
import type { SchemaService } from './schema-service.ts';

export const SCHEMA_REQUEST_TIMEOUT_MS = 5000;

export class SchemaSync {
  private readonly syncing = new Set<string>();

  constructor(
    private readonly messenger: VerbMessenger,
    private readonly schema: SchemaService,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {
    handle(messenger, Verbs.SCHEMA_PULL, () => schema.snapshot());
    handle(messenger, Verbs.SCHEMA_PUSH, async (snap) => {
      await schema.adopt(snap);
      return true as const;
    });
  }

  /** Called when gossip shows a peer up or its schema version changed. */
  reconcileWith(peer: PeerView): void {
    if (!peer.alive || peer.schemaVersion === '' || peer.schemaVersion === this.schema.version || this.syncing.has(peer.endpoint)) return;
    this.syncing.add(peer.endpoint);
    void (async () => {
      try {
        const theirs = await send(this.messenger, peer.endpoint, Verbs.SCHEMA_PULL, null, SCHEMA_REQUEST_TIMEOUT_MS);
        await this.schema.adopt(theirs);
        if (this.schema.version !== peer.schemaVersion) {
          await send(this.messenger, peer.endpoint, Verbs.SCHEMA_PUSH, this.schema.snapshot(), SCHEMA_REQUEST_TIMEOUT_MS);
        }
      } catch (e) {
        this.log(`schema sync with ${peer.endpoint} failed`, e);
      } finally {
        this.syncing.delete(peer.endpoint);
      }
    })();
  }

  /** Sends our schema to each live peer and waits until each took it or failed (bounded by the request timeout). */
  async push(livePeers: readonly PeerView[]): Promise<void> {
    const snap = this.schema.snapshot();
    await Promise.allSettled(livePeers.map((p) => send(this.messenger, p.endpoint, Verbs.SCHEMA_PUSH, snap, SCHEMA_REQUEST_TIMEOUT_MS)));
  }
}
