// The engine's node-local tables. Paxos state (Cassandra's system.paxos): a replica's promise, accepted proposal and
// latest commit per partition, stored with its partition update intact (Buffers, bigint token), kept across a reopen
// (a restart), and removed with the table's data by TRUNCATE, so a latest commit re-sent after it cannot bring
// truncated rows back. The batchlog (system.batches): batches kept across a reopen until removed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PaxosAcceptor, type PaxosRecord } from '../../src/coordinator/paxos/acceptor.ts';
import { makeTimeUuid } from '../../src/model/values/uuid.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { StorageEngine } from '../../src/storage/engine.ts';
import type { PartitionData } from '../../src/storage/types.ts';
import { T } from '../../src/model/types.ts';
import { int, makeTable } from './helpers.ts';

const ballot = (micros: number): Buffer => makeTimeUuid(BigInt(micros) * 10n, Buffer.from('8011223344556677', 'hex'));

test('Paxos state survives a reopen, keeps its update exactly, and goes with TRUNCATE', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sibyl-paxos-'));
  try {
    const table = makeTable({ regular: [{ name: 'v', type: T.int }] });
    const key = int(7);
    const update: PartitionData = {
      key, token: murmur3Token(key), rangeTombstones: [], rows: [{ clustering: [], marker: { ts: 1_700_000_000_000_001 }, cells: { v: { ts: 1_700_000_000_000_001, v: int(42) } } }],
    };
    let engine = await StorageEngine.open({ dir, sync: 'batch' });
    const acceptor = new PaxosAcceptor(engine, (t, u) => engine.apply(t, u));
    assert.equal((await acceptor.prepare(table, key, ballot(1_700_000_000_000_001))).promised, true);
    assert.equal(await acceptor.propose(table, key, { ballot: ballot(1_700_000_000_000_001), update }), true);
    await engine.close();

    engine = await StorageEngine.open({ dir, sync: 'batch' });
    const rec = engine.loadPaxos<PaxosRecord>(table.id, key);
    assert.ok(rec?.promised?.equals(ballot(1_700_000_000_000_001)));
    assert.deepEqual(rec?.accepted?.update, update, 'the accepted update comes back as it was stored');
    assert.equal(typeof rec?.accepted?.update.token, 'bigint');
    const after = new PaxosAcceptor(engine, (t, u) => engine.apply(t, u));
    assert.equal((await after.prepare(table, key, ballot(1_700_000_000_000_000))).promised, false, 'an older ballot is refused after the restart');
    await after.commit(table, key, { ballot: ballot(1_700_000_000_000_002), update });
    assert.ok(engine.read(table, key, update.token, {}, 0), 'the commit applied its update to the data');
    assert.equal(engine.loadPaxos<PaxosRecord>(table.id, key)?.accepted, undefined, 'the commit cleared the older accepted proposal');

    await engine.truncate(table);
    assert.equal(engine.loadPaxos<PaxosRecord>(table.id, key), undefined);
    assert.equal(engine.read(table, key, update.token, {}, 0), undefined);
    await engine.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the batchlog keeps a batch across a reopen, exactly, until it is removed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sibyl-batchlog-'));
  try {
    const key = int(3);
    const record = {
      createdAt: 1_700_000_000_000,
      items: [{ t: { ks: 'ks', table: 't', id: '00000000-0000-4000-8000-000000000009' }, u: { key, token: murmur3Token(key), rangeTombstones: [], rows: [] } }],
    };
    const id = ballot(1_700_000_000_000_000);
    let engine = await StorageEngine.open({ dir, sync: 'batch' });
    await engine.saveBatch(id, record);
    await engine.close();
    engine = await StorageEngine.open({ dir, sync: 'batch' });
    const held = engine.loadBatches<typeof record>();
    assert.equal(held.length, 1);
    assert.ok(held[0]!.id.equals(id));
    assert.deepEqual(held[0]!.record, record);
    await engine.removeBatch(id);
    assert.deepEqual(engine.loadBatches(), []);
    await engine.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
