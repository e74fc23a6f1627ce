// Native-protocol fuzzing of a real node (127.0.6.x) over raw TCP: ≥ 10,000 random and mutated frames (from valid
// STARTUP/OPTIONS/QUERY/PREPARE/EXECUTE/BATCH/REGISTER frames: byte flips, truncation, bad lengths/opcodes/versions/flags,
// garbage) and malformed CQL in well-formed QUERY frames. Every frame must get a well-formed reply (an ERROR with a known
// code when the input is bad) or the server closes the connection; the process never exits, syntax errors carry a
// position (`line 1:N`, or `line 0:-1` at end of input), and a cassandra-driver client beside the fuzzer keeps
// answering. Seeded: FUZZ_SEED=<n> replays a run.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, processAlive, releaseVersion, sleep } from '../fixtures/driver.ts';

const ADDRESS = '127.0.6.1';
const PORT = 9042;
const TARGET_FRAMES = 10_000;
const TIME_BUDGET_MS = 50_000;
const LANES = 8;
/** ERROR codes acceptable for bad input: protocol, server, unavailable, unauthorized, syntax, invalid, config, already exists, unprepared. */
const ALLOWED_CODES = new Set([0x000a, 0x0000, 0x1000, 0x2100, 0x2000, 0x2200, 0x2300, 0x2400, 0x2500]);
const RESPONSE_OPCODES = new Set([0x00, 0x02, 0x03, 0x06, 0x08, 0x0c]);
const Op = { ERROR: 0x00, STARTUP: 0x01, READY: 0x02, OPTIONS: 0x05, QUERY: 0x07, RESULT: 0x08, PREPARE: 0x09, EXECUTE: 0x0a, REGISTER: 0x0b, EVENT: 0x0c, BATCH: 0x0d };

// ---- tiny seeded PRNG (xorshift32) ----
type Rng = { int(n: number): number; chance(p: number): boolean; pick<T>(a: readonly T[]): T; bytes(n: number): Buffer };
function xorshift(seed: number): Rng {
  let x = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const int = (n: number): number => next() % n;
  return { int, chance: (p) => next() / 0x1_0000_0000 < p, pick: (a) => a[int(a.length)]!, bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}

// ---- frame encoding ----
const u16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(n & 0xffff); return b; };
const i32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n | 0); return b; };
const str = (s: string): Buffer => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([u16(b.length), b]); };
const longStr = (s: string): Buffer => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([i32(b.length), b]); };
const bytes = (b: Buffer | null): Buffer => (b === null ? i32(-1) : Buffer.concat([i32(b.length), b]));
const shortBytes = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const int4 = (n: number): Buffer => i32(n);
function frame(opcode: number, body: Buffer, stream: number): Buffer {
  const h = Buffer.alloc(9);
  h[0] = 0x04;
  h.writeInt16BE(stream, 2);
  h[4] = opcode;
  h.writeUInt32BE(body.length, 5);
  return Buffer.concat([h, body]);
}
const ONE = u16(0x0001);
function queryBody(q: string, flags = 0, rest: Buffer[] = []): Buffer {
  return Buffer.concat([longStr(q), ONE, Buffer.from([flags]), ...rest]);
}

// ---- raw connections ----
interface Frame { version: number; flags: number; stream: number; opcode: number; body: Buffer }
type Reply = Frame | 'closed' | 'timeout' | { bad: string };

class RawConn {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  closed = false;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.wake?.(); });
    const gone = (): void => { this.closed = true; this.wake?.(); };
    sock.on('close', gone);
    sock.on('error', gone);
  }
  static open(): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: ADDRESS, port: PORT });
      sock.setNoDelay(true);
      const t = setTimeout(() => { sock.destroy(); reject(new Error('connect timeout')); }, 5000);
      sock.once('connect', () => { clearTimeout(t); resolve(new RawConn(sock)); });
      sock.once('error', (e) => { clearTimeout(t); reject(e); });
    });
  }
  write(b: Buffer): void {
    if (!this.closed) this.sock.write(b);
  }
  destroy(): void {
    this.closed = true;
    this.sock.destroy();
  }
  private parse(): Frame | { bad: string } | undefined {
    if (this.buf.length < 1) return undefined;
    const v = this.buf[0]! & 0x7f;
    const hl = v === 1 || v === 2 ? 8 : 9;
    if (this.buf.length < hl) return undefined;
    const len = this.buf.readUInt32BE(hl - 4);
    if (len > 256 * 1024 * 1024) return { bad: `reply header announces ${len} bytes` };
    if (this.buf.length < hl + len) return undefined;
    const f: Frame = { version: this.buf[0]!, flags: this.buf[1]!, stream: hl === 8 ? this.buf.readInt8(2) : this.buf.readInt16BE(2), opcode: this.buf[hl - 5]!, body: this.buf.subarray(hl, hl + len) };
    this.buf = this.buf.subarray(hl + len);
    return f;
  }
  /** The next reply frame (EVENT frames on stream -1 skipped), or 'closed' / 'timeout'. */
  async next(ms: number): Promise<Reply> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.parse();
      if (f && 'bad' in f) return f;
      if (f && !(f.opcode === Op.EVENT && f.stream === -1)) return f;
      if (f) continue;
      if (this.closed) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.wake = () => { clearTimeout(t); r(); }; });
      this.wake = undefined;
    }
  }
}

/** Error code and message of an ERROR body (after the optional tracing/warning/payload prefixes), or a description of why it is malformed. */
function parseError(f: Frame): { code: number; message: string } | string {
  let o = 0;
  const b = f.body;
  try {
    if (f.flags & 0x02) o += 16;
    if (f.flags & 0x08) { const n = b.readUInt16BE(o); o += 2; for (let i = 0; i < n; i++) o += 2 + b.readUInt16BE(o); }
    if (f.flags & 0x04) { const n = b.readUInt16BE(o); o += 2; for (let i = 0; i < n; i++) { o += 2 + b.readUInt16BE(o); o += 4 + Math.max(0, b.readInt32BE(o)); } }
    const code = b.readInt32BE(o);
    const ml = b.readUInt16BE(o + 4);
    if (o + 6 + ml > b.length) return `error message length ${ml} overruns the body`;
    return { code, message: b.subarray(o + 6, o + 6 + ml).toString('utf8') };
  } catch (e) {
    return `unparseable ERROR body ${b.subarray(0, 64).toString('hex')}: ${(e as Error).message}`;
  }
}

async function startedConn(): Promise<RawConn> {
  const c = await RawConn.open();
  c.write(frame(Op.STARTUP, Buffer.concat([u16(1), str('CQL_VERSION'), str('3.0.0')]), 0));
  const r = await c.next(5000);
  if (typeof r === 'string' || 'bad' in r || r.opcode !== Op.READY) throw new Error(`STARTUP did not get READY: ${JSON.stringify(r)}`);
  return c;
}

// ---- inputs ----
const VALID_CQL = [
  "SELECT release_version FROM system.local WHERE key = 'local'",
  'SELECT k, v FROM fuzz_ks.t WHERE k = 1',
  'SELECT * FROM fuzz_ks.t LIMIT 5',
  "INSERT INTO fuzz_ks.t (k, v) VALUES (7, 'seven') USING TTL 100",
  "UPDATE fuzz_ks.t SET v = 'x' WHERE k IN (1, 2, 3)",
  'DELETE v FROM fuzz_ks.t WHERE k = 3',
  "BEGIN BATCH INSERT INTO fuzz_ks.t (k, v) VALUES (1, 'a'); UPDATE fuzz_ks.t SET v = 'b' WHERE k = 2; APPLY BATCH",
  "CREATE TABLE IF NOT EXISTS fuzz_ks.other (a int, b text, c map<text, frozen<list<int>>>, PRIMARY KEY ((a), b)) WITH CLUSTERING ORDER BY (b DESC) AND comment = 'fuzz'",
  "CREATE KEYSPACE IF NOT EXISTS fuzz_ks2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
  'SELECT token(k), writetime(v), ttl(v) FROM fuzz_ks.t WHERE token(k) > -100 ALLOW FILTERING',
  "SELECT JSON * FROM fuzz_ks.t WHERE k IN (1, 2) AND v = 'a' ALLOW FILTERING",
  'USE fuzz_ks',
  // Multi-column relations over mixed clustering orders, and keys over Cassandra's 64 KiB limit.
  'SELECT * FROM fuzz_ks.c WHERE k = 1 AND (c1, c2) > (0, \'b\') AND (c1, c2, c3) <= (1, \'a\', 0)',
  "SELECT * FROM fuzz_ks.c WHERE k = 1 AND (c1, c2, c3) = (1, 'a', 2, 3)",
  "SELECT * FROM fuzz_ks.c WHERE k IN (1, 2) AND (c1, c2) IN ((1, 'a'), (2, 'b')) AND c3 > 0 ALLOW FILTERING",
  "SELECT * FROM fuzz_ks.c WHERE k = 1 AND c1 > 0 AND (c2, c3) < ('z', 9)",
  `INSERT INTO fuzz_ks.c (k, c1, c2, c3, v) VALUES (1, 1, '${'k'.repeat(66_000)}', 1, 'big')`,
  `SELECT * FROM fuzz_ks.c WHERE k = 1 AND c1 = 1 AND c2 >= '${'k'.repeat(66_000)}'`,
  "UPDATE fuzz_ks.c SET v = 'x' WHERE k = 1 AND (c1, c2, c3) = (1, 'a', 1)",
  // Secondary indexes: DDL in every form, and queries through them.
  'CREATE INDEX IF NOT EXISTS ON fuzz_ks.t (v)',
  "CREATE CUSTOM INDEX IF NOT EXISTS ix_c3 ON fuzz_ks.c (c3) USING 'StorageAttachedIndex'",
  "CREATE INDEX IF NOT EXISTS ON fuzz_ks.i (keys(m)) USING 'sai' WITH OPTIONS = {'case_sensitive': 'false'}",
  'CREATE INDEX IF NOT EXISTS ON fuzz_ks.i (entries(m))',
  'CREATE INDEX IF NOT EXISTS ON fuzz_ks.i (full(f))',
  'DROP INDEX IF EXISTS fuzz_ks.ix_c3',
  "SELECT * FROM fuzz_ks.t WHERE v = 'v1'",
  "SELECT * FROM fuzz_ks.c WHERE c3 > 0 AND c3 <= 5 AND v = 'x' ALLOW FILTERING",
  "SELECT * FROM fuzz_ks.i WHERE m CONTAINS KEY 'A' AND m['a'] = 1 AND f = [1, 2] ALLOW FILTERING",
  "INSERT INTO fuzz_ks.i (k, m, f) VALUES (1, {'a': 1}, [1, 2])",
];
const SOUP = [
  'SELECT', 'FROM', 'WHERE', 'INSERT', 'INTO', 'VALUES', 'UPDATE', 'SET', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'TABLE', 'KEYSPACE', 'TYPE',
  'IF', 'NOT', 'EXISTS', 'PRIMARY', 'KEY', 'WITH', 'AND', 'OR', 'IN', 'LIMIT', 'ORDER', 'BY', 'ASC', 'DESC', 'token', 'TTL', 'USING',
  'TIMESTAMP', 'BEGIN', 'BATCH', 'APPLY', 'ALLOW', 'FILTERING', 'CONTAINS', 'frozen', 'list', 'map', 'set', 'tuple', 'int', 'text',
  'DISTINCT', 'COUNT', 'JSON', 'CAST', 'AS', 'NULL', 'true', 'false', 'NaN', '-Infinity', 'fuzz_ks', 't', 'k', 'v', 'system', 'local',
  '"Quoted"', '"we""ird"', '1', '-1', '3.14', '1e10', '0xff', "'str'", "'it''s'", '$$dollar$$', '123e4567-e89b-12d3-a456-426614174000',
  'INDEX', 'CUSTOM', 'OPTIONS', "'sai'", "'StorageAttachedIndex'", 'KEYS', 'ENTRIES', 'FULL', 'VALUES', 'ON', 'i', 'm', 'f',
  '1h30m', '(', ')', '[', ']', '{', '}', ',', ';', '.', '*', '=', '<', '>', '<=', '>=', '!=', '?', ':name', '+', '-', '/', '%', "'",
  '"', '/*', '*/', '--', '//', '\u0000', 'é', '😀', '$$', '\\', '@', '#', '~', '`', '2147483648', '99999999999999999999999',
];
const FIRST = SOUP.filter((t) => !['/*', '--', '//', "'", '"', '$$'].includes(t) && !/^\s*$/.test(t));

function soup(rng: Rng): string {
  const n = 1 + rng.int(14);
  const toks = [rng.pick(FIRST)];
  for (let i = 1; i < n; i++) toks.push(rng.pick(SOUP));
  return toks.join(rng.chance(0.8) ? ' ' : '');
}

/** A valid frame of some kind on `stream`. */
function baseFrame(rng: Rng, stream: number, ids: { select: Buffer; insert: Buffer }, pagingState: Buffer): Buffer {
  const k = rng.int(20);
  switch (rng.int(10)) {
    case 0: return frame(Op.STARTUP, Buffer.concat([u16(1), str('CQL_VERSION'), str('3.0.0')]), stream);
    case 1: return frame(Op.OPTIONS, Buffer.alloc(0), stream);
    case 2: return frame(Op.QUERY, queryBody(rng.pick(VALID_CQL)), stream);
    case 3: return frame(Op.QUERY, queryBody('SELECT k, v FROM fuzz_ks.t WHERE k = ?', 0x05, [u16(1), bytes(int4(k)), int4(10)]), stream);
    case 4: return frame(Op.QUERY, queryBody('INSERT INTO fuzz_ks.t (k, v) VALUES (:k, :v)', 0x01 | 0x20 | 0x40, [u16(2), str('k'), bytes(int4(k)), str('v'), bytes(Buffer.from('fz')), Buffer.alloc(8, 1)]), stream);
    case 5: return frame(Op.PREPARE, longStr('SELECT k, v FROM fuzz_ks.t WHERE k = ?'), stream);
    case 6: return frame(Op.EXECUTE, Buffer.concat([shortBytes(ids.select), ONE, Buffer.from([0x01 | 0x02 | 0x04]), u16(1), bytes(int4(k)), int4(5)]), stream);
    case 7: return frame(Op.BATCH, Buffer.concat([Buffer.from([rng.int(3)]), u16(2),
      Buffer.from([0]), longStr('INSERT INTO fuzz_ks.t (k, v) VALUES (?, ?)'), u16(2), bytes(int4(k)), bytes(null),
      Buffer.from([1]), shortBytes(ids.insert), u16(2), bytes(int4(k + 1)), bytes(Buffer.from('b')), ONE, Buffer.from([0])]), stream);
    case 8: return frame(Op.REGISTER, Buffer.concat([u16(1), str('SCHEMA_CHANGE')]), stream);
    default: return frame(Op.QUERY, queryBody('SELECT k FROM fuzz_ks.t', 0x04 | 0x08, [int4(2), bytes(pagingState)]), stream);
  }
}

/** Mutates the body only and fixes the length field, so the framing stays intact. */
function mutateBody(rng: Rng, f: Buffer): Buffer {
  let body = Buffer.from(f.subarray(9));
  const ops = 1 + rng.int(3);
  for (let i = 0; i < ops; i++) {
    const op = rng.int(5);
    if (op === 0 && body.length > 0) body[rng.int(body.length)] ^= 1 << rng.int(8);
    else if (op === 1 && body.length > 0) body[rng.int(body.length)] = rng.int(256);
    else if (op === 2) body = body.subarray(0, rng.int(body.length + 1));
    else if (op === 3) body = Buffer.concat([body, rng.bytes(1 + rng.int(16))]);
    else if (body.length >= 4) body.writeInt32BE(rng.pick([-1, -2, -3, 0, 0x7fffffff, -0x80000000, 65536, rng.int(1000)]), rng.int(body.length - 3));
  }
  const h = Buffer.from(f.subarray(0, 9));
  h.writeUInt32BE(body.length, 5);
  return Buffer.concat([h, body]);
}

/** Mutates the header (version, flags, opcode, stream, length) and/or truncates the frame. */
function mutateHeader(rng: Rng, f: Buffer): Buffer {
  const b = Buffer.from(f);
  const op = rng.int(6);
  if (op === 0) b[0] = rng.pick([0x01, 0x02, 0x03, 0x05, 0x06, 0x41, 0x42, 0x84, 0x00, 0x7f, 0xff, rng.int(256)]);
  else if (op === 1) b[1] = rng.int(256);
  else if (op === 2) b[4] = rng.pick([0x00, 0x02, 0x03, 0x04, 0x06, 0x08, 0x0c, 0x0e, 0x0f, 0x10, 0x11, 0x7f, 0xff, rng.int(256)]);
  else if (op === 3) b.writeUInt32BE(rng.pick([0, 1, 8, (f.length - 9) >>> 1, f.length - 10, 0xffffffff, 0x7fffffff, 300 * 1024 * 1024, rng.int(1 << 20)]) >>> 0, 5);
  else if (op === 4) b.writeInt16BE(rng.pick([-1, -2, -32768, 32767]), 2);
  else return b.subarray(0, rng.int(b.length));
  return b;
}

/** True when, read as a frame, `b` asks for more bytes than it has (the server is right to wait). */
function incomplete(b: Buffer): boolean {
  if (b.length < 9) return true;
  return 9 + b.readUInt32BE(5) > b.length || ((b[0]! & 0x7f) <= 2 && 8 + b.readUInt32BE(4) > b.length);
}

let node: NodeProcess;
let client: Client;
before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic' }) });
  client = await connectClient(ADDRESS);
  await client.execute("CREATE KEYSPACE fuzz_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TABLE fuzz_ks.t (k int PRIMARY KEY, v text)');
  await client.execute('CREATE TABLE fuzz_ks.i (k int PRIMARY KEY, m map<text, int>, f frozen<list<int>>)');
  await client.execute('CREATE TABLE fuzz_ks.c (k int, c1 int, c2 text, c3 int, v text, PRIMARY KEY (k, c1, c2, c3)) WITH CLUSTERING ORDER BY (c1 ASC, c2 DESC, c3 ASC)');
  for (let k = 0; k < 10; k++) await client.execute('INSERT INTO fuzz_ks.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true });
});
after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

test('≥ 10,000 random and mutated frames: every one answered well or the connection closed; the node keeps serving', { timeout: 90_000 }, async (t) => {
  const seed = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
  t.diagnostic(`fuzz seed ${seed}`);
  const pid = node.pid;

  // Prepared ids and a real paging state, obtained over a raw connection.
  const setup = await startedConn();
  const prepare = async (q: string): Promise<Buffer> => {
    setup.write(frame(Op.PREPARE, longStr(q), 1));
    const r = await setup.next(5000);
    assert.ok(typeof r === 'object' && !('bad' in r) && r.opcode === Op.RESULT && r.body.readInt32BE(0) === 4, `PREPARE ${q}: ${JSON.stringify(r)}`);
    return Buffer.from(r.body.subarray(6, 6 + r.body.readUInt16BE(4)));
  };
  const ids = { select: await prepare('SELECT k, v FROM fuzz_ks.t WHERE k = ?'), insert: await prepare('INSERT INTO fuzz_ks.t (k, v) VALUES (?, ?)') };
  setup.write(frame(Op.QUERY, queryBody('SELECT k FROM fuzz_ks.t', 0x04, [int4(2)]), 2));
  const pr = await setup.next(5000);
  assert.ok(typeof pr === 'object' && !('bad' in pr) && pr.opcode === Op.RESULT && (pr.body.readInt32BE(4) & 0x02) !== 0, 'a paged SELECT returns a paging state');
  const pagingState = Buffer.from(pr.body.subarray(16, 16 + pr.body.readInt32BE(12)));
  setup.destroy();

  const failures: string[] = [];
  const stats = new Map<string, number>();
  const serverErrors = new Set<string>();
  const count = (k: string): void => { stats.set(k, (stats.get(k) ?? 0) + 1); };
  let sent = 0;
  const started = Date.now();
  let healthFailure: string | undefined;
  const timeLeft = (): boolean => Date.now() - started < TIME_BUDGET_MS && failures.length < 30 && healthFailure === undefined;

  /** Checks one reply; `sameStream` when the frame's header was intact. Returns false when the connection is unusable. */
  const judge = (r: Reply, what: string, input: Buffer, opts: { stream?: number; v4Header: boolean; mayWait: boolean; cql?: string }): boolean => {
    const ctx = (): string => `${what}: ${input.subarray(0, 120).toString('hex')}${opts.cql !== undefined ? ` cql=${JSON.stringify(opts.cql)}` : ''}`;
    if (r === 'closed') { count('closed'); return false; }
    if (r === 'timeout') {
      if (!opts.mayWait) failures.push(`no reply within 5 s and connection left open: ${ctx()}`);
      count('waiting');
      return false;
    }
    if ('bad' in r) { failures.push(`${r.bad}: ${ctx()}`); return false; }
    if (opts.v4Header ? r.version !== 0x84 : !(r.version & 0x80) || ![1, 2, 3, 4, 5, 6].includes(r.version & 0x7f)) failures.push(`reply version 0x${r.version.toString(16)}: ${ctx()}`);
    if (!RESPONSE_OPCODES.has(r.opcode)) failures.push(`reply opcode 0x${r.opcode.toString(16)}: ${ctx()}`);
    if (opts.stream !== undefined && r.stream !== opts.stream) failures.push(`reply on stream ${r.stream}, request was on ${opts.stream}: ${ctx()}`);
    if (r.opcode !== Op.ERROR) { count(`op 0x${r.opcode.toString(16)}`); return true; }
    const e = parseError(r);
    if (typeof e === 'string') { failures.push(`${e}: ${ctx()}`); return false; }
    count(`error 0x${e.code.toString(16).padStart(4, '0')}`);
    if (!ALLOWED_CODES.has(e.code)) failures.push(`error code 0x${e.code.toString(16)} (${e.message}): ${ctx()}`);
    if (e.code === 0x0000 && serverErrors.size < 20) serverErrors.add(e.message.slice(0, 160));
    // A statement, valid or not, never gets an internal server error: bad CQL gets Cassandra's error classes.
    if (e.code === 0x0000 && opts.cql !== undefined) failures.push(`server error for CQL (${e.message.slice(0, 160)}): ${ctx()}`);
    if (e.code === 0x2000) {
      // Parse errors carry a position; Cassandra also reports some property validation failures (an unknown table
      // option, a bad durable_writes value) as position-less Syntax errors, and so do we.
      const validation = /^(Unknown property|Multiple definitions for property|Invalid value for property|Unknown keyspace option|Invalid (boolean|map) value|Multiple incompatible setting of column)/.test(e.message);
      if (!/line \d+:-?\d+/.test(e.message) && !validation) failures.push(`syntax error without a position (${JSON.stringify(e.message)}): ${ctx()}`);
      // Like Cassandra (ANTLR 3), an error at the end of input is reported at "line 0:-1 ... '<EOF>'".
      else if (opts.cql !== undefined && !/line 1:\d+/.test(e.message) && !/line 0:-1 .*<EOF>/.test(e.message)) failures.push(`one-line statement, syntax error not on line 1 (${JSON.stringify(e.message)}): ${ctx()}`);
    }
    return true;
  };

  const lane = async (laneNo: number): Promise<void> => {
    const rng = xorshift(seed + laneNo * 0x9e3779b9);
    let conn: RawConn | undefined;
    let stream = 1;
    try {
    while (sent < TARGET_FRAMES && timeLeft()) {
      sent++;
      const kind = rng.int(100);
      stream = (stream % 30000) + 1;
      if (kind < 45 || kind >= 90) {
        // Well-framed input on a started connection: body mutations (45%) and malformed CQL (10%).
        conn = conn && !conn.closed ? conn : await startedConn();
        let input: Buffer;
        let cql: string | undefined;
        if (kind < 45) input = mutateBody(rng, baseFrame(rng, stream, ids, pagingState));
        else {
          const pick = rng.int(3);
          cql = pick === 0 ? soup(rng) : pick === 1 ? rng.pick(VALID_CQL) : (() => { const s = rng.pick(VALID_CQL); return s.slice(0, 1 + rng.int(s.length - 1)); })();
          input = frame(Op.QUERY, queryBody(cql), stream);
        }
        conn.write(input);
        const ok = judge(await conn.next(5000), kind < 45 ? 'body mutation' : 'malformed CQL', input, { stream, v4Header: true, mayWait: false, ...(cql !== undefined ? { cql } : {}) });
        if (!ok) { conn.destroy(); conn = undefined; }
      } else {
        // Broken framing (35%) or garbage (10%) on a fresh connection, started or not; the connection is dropped after.
        const fresh = rng.chance(0.7) ? await startedConn() : await RawConn.open();
        const input = kind < 80 ? mutateHeader(rng, baseFrame(rng, stream, ids, pagingState)) : rng.bytes(rng.int(64));
        fresh.write(input);
        const mayWait = incomplete(input);
        judge(await fresh.next(mayWait ? 30 : 5000), kind < 80 ? 'header mutation' : 'garbage', input, { v4Header: input[0] === 0x04, mayWait });
        fresh.destroy();
      }
    }
    } catch (e) {
      failures.push(`lane ${laneNo} stopped after ~${sent} frames: ${(e as Error).message}`);
    }
    conn?.destroy();
  };

  // The healthy client and the process are checked about every 500 frames, and at the end.
  let checks = 0;
  let fuzzing = true;
  const monitor = (async () => {
    let next = 500;
    while (fuzzing) {
      if (sent >= next) {
        next += 500;
        checks++;
        if (!processAlive(pid) || node.pid !== pid) {
          healthFailure = `node process exited after ~${sent} frames\n${node.stderr.slice(-2000)}`;
          return;
        }
        try {
          const v = await releaseVersion(client, 5000);
          if (!/^4\./.test(v)) throw new Error(`release_version ${v}`);
        } catch (e) {
          healthFailure = `healthy client failed after ~${sent} frames: ${(e as Error).message}`;
          return;
        }
      }
      await sleep(20);
    }
  })();
  try {
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
  } finally {
    fuzzing = false;
    await monitor;
  }

  t.diagnostic(`sent ${sent} frames in ${Date.now() - started} ms; ${checks} health checks; replies: ${JSON.stringify(Object.fromEntries([...stats].sort()))}`);
  if (serverErrors.size > 0) t.diagnostic(`server errors (0x0000) seen: ${JSON.stringify([...serverErrors])}`);
  assert.equal(healthFailure, undefined, `seed ${seed}`);
  assert.deepEqual(failures.slice(0, 30), [], `seed ${seed}`);
  assert.ok(sent >= TARGET_FRAMES, `only ${sent} frames within ${TIME_BUDGET_MS} ms (seed ${seed})`);
  assert.ok(processAlive(pid) && node.pid === pid, 'node process still running');
  assert.match(await releaseVersion(client), /^4\./);
  const fresh = await connectClient(ADDRESS);
  try {
    const rs = await fresh.execute('SELECT k, v FROM fuzz_ks.t WHERE k = ?', [100], { prepare: true });
    assert.ok(rs.rowLength <= 1, 'a fresh client still gets answers');
  } finally {
    await fresh.shutdown();
  }
});
