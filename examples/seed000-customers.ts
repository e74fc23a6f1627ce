// The Node.js script from seed 000 ("Run a Cassandra cluster on Linux in Azure from Node.js"), ported from the long-gone
// Thrift `cassandra-client` package to the DataStax `cassandra-driver`, against one Sibyl (or Cassandra) node.
//
//   npx tsx examples/seed000-customers.ts [host] [dc]        (defaults: 127.0.0.1, dc1)
//
// Like the original it creates keyspace custsupport_ks (SimpleStrategy, RF 1) and column family customers_cf, upserts two
// customers with UPDATE, then prints the two rows as JSON, one per line. Unlike the original, the steps run in order
// (the original read the rows before they were written) and re-running the script against the same node works.
import { Client } from 'cassandra-driver';

const host = process.argv[2] ?? '127.0.0.1';
const dc = process.argv[3] ?? 'dc1';
const ksName = 'custsupport_ks';
const cfName = 'customers_cf';

async function createKeyspace(): Promise<void> {
  const cql = `CREATE KEYSPACE IF NOT EXISTS ${ksName} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`;
  // The original connected to the `system` keyspace for this step.
  const con = new Client({ contactPoints: [host], localDataCenter: dc });
  try {
    await con.execute(cql);
    console.log(`Created Keyspace: ${ksName}`);
  } finally {
    await con.shutdown();
  }
}

async function createColumnFamily(con: Client): Promise<void> {
  // The original bound the table and column names as query parameters, which only the Thrift-era client allowed.
  await con.execute(`CREATE TABLE IF NOT EXISTS ${cfName} (custid varint PRIMARY KEY, custname text, custaddress text)`);
  console.log(`Created column family: ${cfName}`);
}

// UPDATE also inserts the row if none exists.
async function updateCustomer(con: Client, params: [string, string, number]): Promise<void> {
  const cql = `UPDATE ${cfName} SET custname=?,custaddress=? where custid=?`;
  await con.execute(cql, params, { prepare: true });
  console.log(`Inserted customer : ${params[0]}`);
}

async function populateCustomerData(con: Client): Promise<void> {
  await updateCustomer(con, ['John', 'Infinity Dr, TX', 1]);
  await updateCustomer(con, ['Tom', 'Fermat Ln, WA', 2]);
}

// Reads the two rows inserted above.
async function readCustomer(con: Client): Promise<void> {
  const rs = await con.execute(`SELECT * FROM ${cfName} WHERE custid IN (1,2)`);
  for (const row of rs.rows) console.log(JSON.stringify(row));
}

async function main(): Promise<void> {
  await createKeyspace();
  const con = new Client({ contactPoints: [host], localDataCenter: dc, keyspace: ksName });
  try {
    await createColumnFamily(con);
    await populateCustomerData(con);
    await readCustomer(con);
  } finally {
    await con.shutdown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
