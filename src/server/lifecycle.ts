// What a running node is doing with its transports: serving, drained (nodetool drain), or stopped by a storage
// failure under disk_failure_policy / commit_failure_policy. Cassandra's semantics: drain stops the native transport,
// announces shutdown through gossip (peers mark the node down at once), stops internode messaging and flushes; a
// `stop` policy stops the native transport and gossip; `die` does the same and exits; `ignore` only logs. In every
// case the process stays up (until SIGTERM) so the admin API can still be asked what happened.
import type { CommitFailurePolicy, DiskFailurePolicy } from './config.ts';
import type { StorageFailureError } from '../storage/failure.ts';

/** Cassandra's StorageService operation modes that Sibyl passes through. */
export type OperationMode = 'NORMAL' | 'DRAINING' | 'DRAINED' | 'STOPPED';

export interface LifecycleParts {
  /** Stops listening on the native port and closes client connections once their in-flight replies are written. */
  stopNativeTransport(): Promise<void>;
  /** Announces shutdown to peers and stops gossiping. */
  stopGossip(): Promise<void>;
  stopMessaging(): Promise<void>;
  /** Listens on the native port again (nodetool enablebinary). */
  startNativeTransport?(): Promise<void>;
  /** Gossips again under a new generation (nodetool enablegossip). */
  startGossip?(): Promise<void>;
  flush(): Promise<void>;
  log(message: string, err?: unknown): void;
  /** process.exit, injectable for tests. */
  exit(code: number): void;
}

/** Cassandra's exit status when a failure policy kills the JVM (JVMStabilityInspector). */
export const DIE_EXIT_CODE = 100;

type Reaction = 'ignore' | 'stop' | 'die';

const reactionOf = (p: DiskFailurePolicy | CommitFailurePolicy): Reaction => (p === 'ignore' ? 'ignore' : p === 'die' ? 'die' : 'stop');
const SEVERITY: Record<Reaction, number> = { ignore: 0, stop: 1, die: 2 };

/**
 * A storage failure is the commit log's (a write or sync of a segment) or the data files' (a flush, a compaction),
 * usually on one disk, which then fails both ways: the more severe of the two policies decides.
 */
export function failureReaction(disk: DiskFailurePolicy, commit: CommitFailurePolicy): Reaction {
  const [a, b] = [reactionOf(disk), reactionOf(commit)];
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

export class NodeLifecycle {
  private nativeActive = true;
  private gossipRunning = true;
  private currentMode: OperationMode = 'NORMAL';
  private draining: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly parts: LifecycleParts,
    private readonly policies: { diskFailurePolicy: DiskFailurePolicy; commitFailurePolicy: CommitFailurePolicy },
  ) {}

  get mode(): OperationMode {
    return this.currentMode;
  }
  get nativeTransportActive(): boolean {
    return this.nativeActive;
  }
  get gossipActive(): boolean {
    return this.gossipRunning;
  }
  /** Storage failures seen since start. */
  get storageFailures(): number {
    return this.failures;
  }

  async stopNativeTransport(): Promise<void> {
    if (!this.nativeActive) return;
    this.nativeActive = false;
    await this.parts.stopNativeTransport();
  }

  async stopGossip(): Promise<void> {
    if (!this.gossipRunning) return;
    this.gossipRunning = false;
    await this.parts.stopGossip();
  }

  /** nodetool enablebinary; refused once the node is drained or stopped by a failure policy, as Cassandra refuses it. */
  async startNativeTransport(): Promise<void> {
    if (this.nativeActive) return;
    if (this.currentMode !== 'NORMAL' || this.parts.startNativeTransport === undefined) throw new Error('Cannot start the native transport: the node is ' + this.currentMode.toLowerCase());
    await this.parts.startNativeTransport();
    this.nativeActive = true;
  }

  /** nodetool enablegossip. */
  async startGossip(): Promise<void> {
    if (this.gossipRunning) return;
    if (this.currentMode !== 'NORMAL' || this.parts.startGossip === undefined) throw new Error('Cannot start gossip: the node is ' + this.currentMode.toLowerCase());
    await this.parts.startGossip();
    this.gossipRunning = true;
  }

  /** Cassandra's stopTransports: clients and gossip; the node is effectively dead but still inspectable. */
  stopTransports(): Promise<void> {
    this.stopping ??= (async () => {
      await this.stopNativeTransport();
      await this.stopGossip();
    })();
    return this.stopping;
  }

  /** nodetool drain; concurrent and repeated calls share the one drain. */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      if (this.currentMode === 'NORMAL') this.currentMode = 'DRAINING';
      await this.stopTransports();
      await this.parts.stopMessaging();
      await this.parts.flush();
      if (this.currentMode === 'DRAINING') this.currentMode = 'DRAINED';
    })();
    return this.draining;
  }

  /** Called by storage for every commit or sync the disk refused (the failed request gets the error itself). */
  onStorageFailure(err: StorageFailureError): void {
    this.failures++;
    const reaction = failureReaction(this.policies.diskFailurePolicy, this.policies.commitFailurePolicy);
    const policies = `disk_failure_policy ${this.policies.diskFailurePolicy}, commit_failure_policy ${this.policies.commitFailurePolicy}`;
    if (reaction === 'ignore') {
      this.parts.log(`${err.message}; ignored (${policies})`);
      return;
    }
    if (this.stopping && reaction === 'stop') return;
    this.parts.log(`${err.message}; ${reaction === 'die' ? 'stopping transports and exiting' : 'stopping transports'} (${policies})`);
    if (this.currentMode === 'NORMAL') this.currentMode = 'STOPPED';
    // The transports close once in-flight replies are written, so the client whose write failed is told why.
    const stopped = this.stopTransports().catch((e: unknown) => this.parts.log('stopping transports after a storage failure failed', e));
    if (reaction === 'die') void stopped.finally(() => this.parts.exit(DIE_EXIT_CODE));
  }
}
