// The data tier of the customer service: one cassandra-driver Client configured the way a production app should be,
// and the few statements the service runs. Every choice below is deliberate; the comments say why.
import cassandra from 'cassandra-driver';

const { DCAwareRoundRobinPolicy, TokenAwarePolicy } = cassandra.policies.loadBalancing;
const { ConstantSpeculativeExecutionPolicy } = cassandra.policies.speculativeExecution;
const { ExponentialReconnectionPolicy } = cassandra.policies.reconnection;
const { RetryPolicy } = cassandra.policies.retry;
const CL = cassandra.types.consistencies;

export interface DbOptions {
  /** A few nodes of the local DC (e.g. its seeds); the driver discovers the rest. */
  contactPoints: string[];
  /** The app's own datacenter: requests stay in it, and LOCAL_QUORUM is counted in it. */
  localDataCenter: string;
  /** Replication factor per DC for the keyspace the app creates when it is missing. */
  replication: Record<string, number>;
  keyspace?: string;
  /**
   * A `sibyl cluster up --secure` cluster: TLS against its CA and the application role's login. That role may use
   * its keyspace only, so the keyspace is the operator's (`--app-keyspace`), and the app creates only its table.
   */
  secure?: { caPem: string; username: string; password: string };
}

export interface Customer {
  custid: string;
  custname: string | null;
  custaddress: string | null;
}

/**
 * The default retry policy rethrows a read timeout unless enough replicas answered; a timed-out read of one row is
 * safe to try once more on the next coordinator, whose replicas may be healthy. Writes here are idempotent (UPDATE
 * of fixed values), so one retry elsewhere is safe for them too.
 */
class RetryOnceElsewhere extends RetryPolicy {
  private once(info: cassandra.policies.retry.OperationInfo, cl: cassandra.types.consistencies): cassandra.policies.retry.DecisionInfo {
    return info.nbRetry < 1 ? this.retryResult(cl, false) : this.rethrowResult();
  }
  override onReadTimeout(info: cassandra.policies.retry.OperationInfo, cl: cassandra.types.consistencies): cassandra.policies.retry.DecisionInfo {
    return this.once(info, cl);
  }
  override onWriteTimeout(info: cassandra.policies.retry.OperationInfo, cl: cassandra.types.consistencies): cassandra.policies.retry.DecisionInfo {
    return this.once(info, cl);
  }
  override onUnavailable(info: cassandra.policies.retry.OperationInfo, cl: cassandra.types.consistencies): cassandra.policies.retry.DecisionInfo {
    return this.once(info, cl);
  }
}

export function createClient(o: DbOptions): cassandra.Client {
  return new cassandra.Client({
    contactPoints: o.contactPoints,
    localDataCenter: o.localDataCenter,
    policies: {
      // Token-aware over DC-aware: each request goes straight to a replica of its row in the local DC, so the
      // coordinator is itself a replica and no request crosses to the other region.
      loadBalancing: new TokenAwarePolicy(new DCAwareRoundRobinPolicy(o.localDataCenter)),
      retry: new RetryOnceElsewhere(),
      // An idempotent request with no answer after 250 ms is also sent to the next replica: a node that has just
      // died costs one request 250 ms, not a timeout.
      speculativeExecution: new ConstantSpeculativeExecutionPolicy(250, 1),
      reconnection: new ExponentialReconnectionPolicy(500, 10_000, false),
    },
    queryOptions: {
      // A quorum of the local DC's replicas: survives one node (or one rack / AZ) per DC, and never waits for the
      // other region.
      consistency: CL.localQuorum,
      prepare: true,
      isIdempotent: true,
    },
    socketOptions: { connectTimeout: 5000, readTimeout: 5000 },
    pooling: { heartBeatInterval: 5000 },
    ...(o.secure ? {
      authProvider: new cassandra.auth.PlainTextAuthProvider(o.secure.username, o.secure.password),
      // The cluster's own CA signs every node certificate; a node is addressed by IP, which its certificate names.
      sslOptions: { ca: [o.secure.caPem] },
    } : {}),
  });
}

export class CustomerRepository {
  readonly keyspace: string;

  constructor(
    private readonly client: cassandra.Client,
    private readonly o: DbOptions,
  ) {
    this.keyspace = o.keyspace ?? 'custsupport_ks';
  }

  /** Creates the keyspace (NetworkTopologyStrategy) and table if they are missing; waits for schema agreement. */
  async ensureSchema(): Promise<void> {
    const dcs = Object.entries(this.o.replication).map(([dc, rf]) => `'${dc}': ${rf}`).join(', ');
    if (!this.o.secure) await this.client.execute(`CREATE KEYSPACE IF NOT EXISTS ${this.keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', ${dcs}}`, [], { consistency: CL.localQuorum });
    await this.client.execute(`CREATE TABLE IF NOT EXISTS ${this.keyspace}.customers_cf (custid varint PRIMARY KEY, custname text, custaddress text)`);
  }

  /** UPDATE inserts the row when there is none (the seed script relies on this). */
  async upsert(c: Customer): Promise<void> {
    await this.client.execute(`UPDATE ${this.keyspace}.customers_cf SET custname = ?, custaddress = ? WHERE custid = ?`, [
      c.custname, c.custaddress, cassandra.types.Integer.fromString(c.custid),
    ]);
  }

  async get(custid: string): Promise<Customer | undefined> {
    const rs = await this.client.execute(`SELECT custid, custname, custaddress FROM ${this.keyspace}.customers_cf WHERE custid = ?`, [
      cassandra.types.Integer.fromString(custid),
    ]);
    const row = rs.first();
    if (!row) return undefined;
    return { custid: String(row['custid']), custname: row['custname'] as string | null, custaddress: row['custaddress'] as string | null };
  }
}
