// Consistency levels on a single real node (127.0.10.1) and prepared statements across restarts and schema changes.
// (Not 127.0.9.x: test/server/config.test.ts starts nodes on 127.0.9.1 and 127.0.9.2 and may run at the same time.)
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { errors, policies, types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, expectServerError, nodeConfig, sleep } from '../fixtures/driver.ts';

const ADDRESS = '127.0.10.1';
const CL = types.consistencies;
const CL_NAME: Record<number, string> = Object.fromEntries(Object.entries(CL).map(([k, v]) => [v as number, k]));
/** The driver's default retry policy moves an Unavailable to the next host; with one host the error would be lost in a NoHostAvailableError. */
const noRetry = new policies.retry.FallthroughRetryPolicy();

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
  client = await connectClient(ADDRESS);
  await client.execute("CREATE KEYSPACE cl_rf3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await client.execute('CREATE TABLE cl_rf3.t (k int PRIMARY KEY, v int)');
  await client.execute("CREATE KEYSPACE cl_nts1 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}");
  await client.execute('CREATE TABLE cl_nts1.t (k int PRIMARY KEY, v int)');
  await client.execute("CREATE KEYSPACE cl_nts0 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 0}");
  await client.execute('CREATE TABLE cl_nts0.t (k int PRIMARY KEY, v int)');
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

const write = (ks: string, k: number, v: number, consistency: number): Promise<unknown> =>
  client.execute(`INSERT INTO ${ks}.t (k, v) VALUES (?, ?)`, [k, v], { prepare: true, consistency, retry: noRetry });
const read = async (ks: string, k: number, consistency: number): Promise<number | undefined> => {
  const rs = await client.execute(`SELECT v FROM ${ks}.t WHERE k = ?`, [k], { prepare: true, consistency, retry: noRetry });
  return rs.rowLength === 1 ? (rs.first().get('v') as number) : undefined;
};

async function expectUnavailable(p: Promise<unknown>, consistency: number, required: number, alive: number, what: string): Promise<void> {
  const e = await expectServerError(p, 0x1000, what);
  assert.equal(e['consistencies'], consistency, `${what}: consistency in the error is ${CL_NAME[e['consistencies'] as number]}`);
  assert.equal(e['required'], required, `${what}: required`);
  assert.equal(e['alive'], alive, `${what}: alive`);
}

describe('SimpleStrategy RF 3 on one node', () => {
  test('writes at ONE, LOCAL_ONE and ANY succeed; reads at ONE and LOCAL_ONE see them', { timeout: 15_000 }, async () => {
    await write('cl_rf3', 1, 10, CL.one);
    await write('cl_rf3', 2, 20, CL.localOne);
    await write('cl_rf3', 3, 30, CL.any);
    for (const cl of [CL.one, CL.localOne]) {
      assert.equal(await read('cl_rf3', 1, cl), 10);
      assert.equal(await read('cl_rf3', 2, cl), 20);
      assert.equal(await read('cl_rf3', 3, cl), 30);
    }
  });

  test('QUORUM writes and reads are Unavailable: required 2, alive 1', { timeout: 15_000 }, async () => {
    await expectUnavailable(write('cl_rf3', 4, 40, CL.quorum), CL.quorum, 2, 1, 'QUORUM write');
    await expectUnavailable(read('cl_rf3', 1, CL.quorum), CL.quorum, 2, 1, 'QUORUM read');
    await expectUnavailable(write('cl_rf3', 4, 40, CL.localQuorum), CL.localQuorum, 2, 1, 'LOCAL_QUORUM write');
    await expectUnavailable(write('cl_rf3', 4, 40, CL.two), CL.two, 2, 1, 'TWO write');
    assert.equal(await read('cl_rf3', 4, CL.one), undefined, 'an Unavailable write wrote nothing');
  });

  test('ALL writes and reads are Unavailable: required 3, alive 1', { timeout: 15_000 }, async () => {
    await expectUnavailable(write('cl_rf3', 5, 50, CL.all), CL.all, 3, 1, 'ALL write');
    await expectUnavailable(read('cl_rf3', 1, CL.all), CL.all, 3, 1, 'ALL read');
    await expectUnavailable(write('cl_rf3', 5, 50, CL.three), CL.three, 3, 1, 'THREE write');
  });

  test('with the default retry policy the request still fails (never silently succeeds)', { timeout: 15_000 }, async () => {
    await assert.rejects(client.execute('INSERT INTO cl_rf3.t (k, v) VALUES (?, ?)', [6, 60], { prepare: true, consistency: CL.quorum }));
  });

  // Reading at ANY cannot be checked through cassandra-driver 4.10: it sends ONE whenever the requested consistency
  // is ANY (0 is falsy in `getConsistency() || one`, lib/requests.js). test/coordinator/consistency.test.ts checks
  // that the coordinator refuses ANY reads.
});

describe('NetworkTopologyStrategy', () => {
  test("{'dc1': 1}: QUORUM, LOCAL_QUORUM and ALL work", { timeout: 15_000 }, async () => {
    await write('cl_nts1', 1, 11, CL.quorum);
    await write('cl_nts1', 2, 22, CL.localQuorum);
    await write('cl_nts1', 3, 33, CL.all);
    assert.equal(await read('cl_nts1', 1, CL.quorum), 11);
    assert.equal(await read('cl_nts1', 2, CL.localQuorum), 22);
    assert.equal(await read('cl_nts1', 3, CL.all), 33);
  });

  test("{'otherdc': 3}: Cassandra 4 refuses a data centre it does not know (Config error 0x2300)", { timeout: 10_000 }, async () => {
    const e = await expectServerError(
      client.execute("CREATE KEYSPACE cl_other WITH replication = {'class': 'NetworkTopologyStrategy', 'otherdc': 3}"),
      0x2300,
      'CREATE KEYSPACE with an unknown DC',
    );
    assert.match(e.message, /otherdc/);
    const rs = await client.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'cl_other'");
    assert.equal(rs.rowLength, 0, 'the keyspace was not created');
  });

  test("{'dc1': 0}: no replica anywhere, so ONE and LOCAL_ONE are Unavailable (required 1, alive 0)", { timeout: 15_000 }, async () => {
    await expectUnavailable(write('cl_nts0', 1, 1, CL.one), CL.one, 1, 0, 'ONE write');
    await expectUnavailable(write('cl_nts0', 1, 1, CL.localOne), CL.localOne, 1, 0, 'LOCAL_ONE write');
    await expectUnavailable(read('cl_nts0', 1, CL.one), CL.one, 1, 0, 'ONE read');
  });
});

/** Sends one EXECUTE for an id the server never prepared over a raw v4 connection; resolves with the ERROR code and id echoed. */
function executeUnknownId(id: Buffer): Promise<{ code: number; echoed: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: ADDRESS, port: 9042 });
    let buf = Buffer.alloc(0);
    const header = (opcode: number, stream: number, body: Buffer): Buffer => {
      const h = Buffer.from([0x04, 0, 0, stream, opcode, 0, 0, 0, 0]);
      h.writeUInt32BE(body.length, 5);
      return Buffer.concat([h, body]);
    };
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no reply to EXECUTE within 5 s')); }, 5000);
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('connect', () => {
      const startup = Buffer.concat([Buffer.from([0, 1, 0, 11]), Buffer.from('CQL_VERSION'), Buffer.from([0, 5]), Buffer.from('3.0.0')]);
      const exec = Buffer.concat([Buffer.from([0, id.length]), id, Buffer.from([0, 1, 0])]);
      sock.write(Buffer.concat([header(0x01, 0, startup), header(0x0a, 1, exec)]));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 9 && buf.length >= 9 + buf.readUInt32BE(5)) {
        const stream = buf.readInt16BE(2);
        const opcode = buf[4]!;
        const body = buf.subarray(9, 9 + buf.readUInt32BE(5));
        buf = buf.subarray(9 + body.length);
        if (stream !== 1) continue;
        clearTimeout(timer);
        sock.destroy();
        if (opcode !== 0x00) return reject(new Error(`EXECUTE of an unknown id got opcode 0x${opcode.toString(16)}, not ERROR`));
        const code = body.readInt32BE(0);
        const msgLen = body.readUInt16BE(4);
        const rest = body.subarray(6 + msgLen);
        return resolve({ code, echoed: rest.length >= 2 ? Buffer.from(rest.subarray(2, 2 + rest.readUInt16BE(0))) : Buffer.alloc(0) });
      }
    });
  });
}

describe('prepared statements', () => {
  test('EXECUTE of an unknown id is Unprepared (0x2500) carrying that id', { timeout: 10_000 }, async () => {
    const id = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    const r = await executeUnknownId(id);
    assert.equal(r.code, 0x2500);
    assert.equal(r.echoed.toString('hex'), id.toString('hex'));
  });

  test('after ALTER TABLE ... ADD, a prepared SELECT * returns the new column', { timeout: 20_000 }, async () => {
    await client.execute('CREATE TABLE cl_nts1.alt (k int PRIMARY KEY, v text)');
    await client.execute('INSERT INTO cl_nts1.alt (k, v) VALUES (1, ?)', ['one'], { prepare: true });
    const sel = 'SELECT * FROM cl_nts1.alt WHERE k = ?';
    const before = await client.execute(sel, [1], { prepare: true });
    assert.deepEqual(before.columns.map((c) => c.name), ['k', 'v']);
    await client.execute('ALTER TABLE cl_nts1.alt ADD extra text');
    await client.execute('UPDATE cl_nts1.alt SET extra = ? WHERE k = 1', ['new column'], { prepare: true });
    const afterAlter = await client.execute(sel, [1], { prepare: true });
    assert.deepEqual(afterAlter.columns.map((c) => c.name), ['k', 'extra', 'v']);
    assert.equal(afterAlter.first().get('extra'), 'new column');
    assert.equal(afterAlter.first().get('v'), 'one');
    // Dropping a column must not leave a prepared SELECT * decoding rows with the old layout either.
    await client.execute('ALTER TABLE cl_nts1.alt DROP v');
    const afterDrop = await client.execute(sel, [1], { prepare: true });
    assert.deepEqual(afterDrop.columns.map((c) => c.name), ['k', 'extra']);
    assert.deepEqual(afterDrop.rows.map((r) => [r.get('k'), r.get('extra'), r.get('v')]), [[1, 'new column', undefined]]);
  });

  test('after the node restarts, the same client\'s prepared statements still execute', { timeout: 45_000 }, async () => {
    const ins = 'INSERT INTO cl_nts1.t (k, v) VALUES (?, ?)';
    const sel = 'SELECT v FROM cl_nts1.t WHERE k = ?';
    await client.execute(ins, [100, 1], { prepare: true });
    assert.equal((await client.execute(sel, [100], { prepare: true })).first().get('v'), 1);
    assert.equal(await node.stop(), 0, 'SIGTERM stops the node with exit code 0');
    await node.start();
    // The driver notices the restart and reconnects (its reconnection policy starts at 1 s; while it replaces its
    // pool a request can still meet a closed socket). Connection-level failures are retried for a bounded time;
    // any server error (a ResponseError, e.g. a failed re-prepare) fails the test at once.
    const deadline = Date.now() + 30_000;
    const whenConnected = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await fn();
        } catch (e) {
          if (e instanceof errors.ResponseError) throw e;
          if (Date.now() > deadline) assert.fail(`${what} still failing 30 s after the restart: ${String(e)}`);
          await sleep(250);
        }
      }
    };
    await whenConnected('prepared INSERT', () => client.execute(ins, [101, 2], { prepare: true }));
    const v100 = await whenConnected('prepared SELECT', () => client.execute(sel, [100], { prepare: true }));
    assert.equal(v100.first().get('v'), 1);
    const v101 = await whenConnected('prepared SELECT', () => client.execute(sel, [101], { prepare: true }));
    assert.equal(v101.first().get('v'), 2);
  });
});
