// The customer service: the seed's Node.js tier as a small HTTP API over Sibyl (or Cassandra).
//
//   npx tsx examples/customer-service/server.ts [--contact-points 127.1.2.4,127.1.2.6] [--dc WESTUS]
//       [--replication WESTUS:3] [--port 8080] [--host 127.0.0.1] [--demo] [--secure CLUSTER_DIR]
//
// --secure CLUSTER_DIR: a cluster made by `sibyl cluster up --secure --app-keyspace custsupport_ks`: TLS against
// CLUSTER_DIR/tls/ca.pem, logged in as its application role 'app' (CLUSTER_DIR/app.password).
//
//   PUT /customers/:id   body {"custname": "...", "custaddress": "..."}  -> 204
//   GET /customers/:id   -> 200 {"custid","custname","custaddress"} | 404
//   GET /health          -> 200 {"status":"ok","dc": ...}
//
// --demo does what the seed's script does, then exits: creates keyspace and table, upserts John and Tom with UPDATE,
// reads them back and prints each as JSON. Database errors answer 503 with the driver's message, so a caller can
// tell "no such customer" from "the database could not answer".
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CustomerRepository, createClient, type Customer, type DbOptions } from './db.ts';

const { values: args } = parseArgs({
  options: {
    'contact-points': { type: 'string', default: '127.1.2.4,127.1.2.6' },
    dc: { type: 'string', default: 'WESTUS' },
    replication: { type: 'string' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    demo: { type: 'boolean', default: false },
    secure: { type: 'string' },
  },
});

const dc = args.dc!;
const replication = Object.fromEntries(
  (args.replication ?? `${dc}:3`).split(',').map((p) => {
    const [name, rf] = p.split(':');
    return [name!, Number(rf)];
  }),
);
const secure = args.secure === undefined ? undefined : {
  caPem: readFileSync(join(args.secure, 'tls', 'ca.pem'), 'utf8'), username: 'app',
  password: readFileSync(join(args.secure, 'app.password'), 'utf8').trim(),
};
const options: DbOptions = { contactPoints: args['contact-points']!.split(','), localDataCenter: dc, replication, ...(secure ? { secure } : {}) };
const client = createClient(options);
const repo = new CustomerRepository(client, options);

const ID = /^\/customers\/(-?\d{1,38})$/;

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') return send(res, 200, { status: 'ok', dc });
  const m = ID.exec(url.pathname);
  if (!m) return send(res, 404, { error: 'not found' });
  const custid = m[1]!;
  if (req.method === 'GET') {
    const c = await repo.get(custid);
    return c ? send(res, 200, c) : send(res, 404, { error: `no customer ${custid}` });
  }
  if (req.method === 'PUT') {
    let body: unknown;
    try {
      body = await readBody(req);
    } catch (e) {
      return send(res, 400, { error: `invalid JSON body: ${(e as Error).message}` });
    }
    const b = (body ?? {}) as Record<string, unknown>;
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    await repo.upsert({ custid, custname: text(b['custname']), custaddress: text(b['custaddress']) });
    return send(res, 204);
  }
  res.setHeader('allow', 'GET, PUT');
  return send(res, 405, { error: 'method not allowed' });
}

async function demo(): Promise<void> {
  const customers: Customer[] = [
    { custid: '1', custname: 'John', custaddress: 'Infinity Dr, TX' },
    { custid: '2', custname: 'Tom', custaddress: 'Fermat Ln, WA' },
  ];
  for (const c of customers) {
    await repo.upsert(c);
    console.log(`Inserted customer : ${c.custname}`);
  }
  for (const c of customers) console.log(JSON.stringify(await repo.get(c.custid)));
}

await client.connect();
await repo.ensureSchema();
if (args.demo) {
  await demo();
  await client.shutdown();
} else {
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 503, { error: (e as Error).message }));
  });
  server.listen(Number(args.port), args.host, () => {
    console.log(`customer-service listening on http://${args.host}:${args.port} (dc ${dc}, LOCAL_QUORUM)`);
  });
  const stop = (): void => {
    server.close();
    void client.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
