// Logging in with cassandra-driver for the lock-down tests: a client with PlainTextAuthProvider, connected, retried a
// few times where the role may not exist yet (the default superuser is set up shortly after a node starts).
import { auth, Client, type ClientOptions } from 'cassandra-driver';

export interface LoginOptions {
  /** Where the client is kept for the test's cleanup (shut down in its `after`). */
  clients: Client[];
  /** contactPoints, localDataCenter, policies… (authProvider is set here). */
  client: ClientOptions;
  user: string;
  password: string;
  /** Connect attempts before giving up (1: fail at once). */
  attempts?: number;
  retryMs?: number;
}

export async function login(o: LoginOptions): Promise<Client> {
  const attempts = o.attempts ?? 1;
  for (let i = 0; ; i++) {
    const c = new Client({ ...o.client, authProvider: new auth.PlainTextAuthProvider(o.user, o.password) });
    o.clients.push(c);
    try {
      await c.connect();
      return c;
    } catch (e) {
      await c.shutdown();
      if (i + 1 >= attempts) throw e;
      await new Promise((r) => setTimeout(r, o.retryMs ?? 250));
    }
  }
}
