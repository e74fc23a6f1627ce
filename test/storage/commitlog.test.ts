// The commit log on its own: framing, group commit per mode, segment rolling and recycling, and replay of what a
// crash leaves (a torn tail is ignored; corruption before it follows the policy, naming segment and offset).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CommitLog, MutationTooLargeError, type CommitLogOptions } from '../../src/storage/commitlog/commitlog.ts';
import { readSegments } from '../../src/storage/commitlog/replay.ts';
import { CommitLogReplayError } from '../../src/storage/commitlog/errors.ts';
import { HEADER_SIZE, scanSegment } from '../../src/storage/commitlog/segment-format.ts';
import { removeDir, tempDir } from './helpers.ts';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function newDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

function openLog(dir: string, extra: Partial<CommitLogOptions> = {}): CommitLog {
  return CommitLog.open({ dir, sync: 'batch', segmentSizeBytes: 1 << 20, syncPeriodMs: 10_000, groupWindowMs: 0, ...extra });
}

const payload = (i: number, size = 40): Buffer => Buffer.alloc(size, i % 251);

/** Everything replay would hand back, as [segment index, payload byte] pairs. */
function replayAll(dir: string, policy: 'stop' | 'ignore' = 'stop'): { payloads: Buffer[]; warnings: string[]; skipped: string[] } {
  const log = openLog(dir);
  const payloads: Buffer[] = [];
  const warnings: string[] = [];
  const report = readSegments(log.replaySegments(), policy, (_s, e) => payloads.push(Buffer.from(e.payload)), (m) => warnings.push(m));
  void log.close();
  return { payloads, warnings, skipped: report.skipped };
}

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => path.join(dir, f));
}

for (const sync of ['periodic', 'batch', 'group'] as const) {
  test(`${sync}: appends come back from replay in order, across segments`, async () => {
    const dir = newDir();
    const log = openLog(dir, { sync, segmentSizeBytes: 4096, groupWindowMs: 5 });
    const acks: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) acks.push(log.append(payload(i, 20 + (i % 50)), ['t']));
    await Promise.all(acks);
    await log.close();
    assert.ok(segmentFiles(dir).length > 3, 'rolled over several segments');
    const { payloads } = replayAll(dir);
    assert.equal(payloads.length, 300);
    payloads.forEach((p, i) => assert.ok(p.equals(payload(i, 20 + (i % 50))), `entry ${i}`));
  });
}

test('batch: an append is acknowledged only after an fdatasync, and appends of one tick share it', async () => {
  const log = openLog(newDir(), { sync: 'batch' });
  await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(payload(i), ['t'])));
  const s = log.stats();
  assert.ok(s.syncs >= 1 && s.syncs <= 2, `syncs ${s.syncs}`);
  assert.equal(s.pendingAppends, 0);
  await log.close();
});

test('group: syncs are at least a window apart, so appends over several ticks share few syncs', async () => {
  const log = openLog(newDir(), { sync: 'group', groupWindowMs: 40 });
  const t0 = Date.now();
  const acks: Array<Promise<void>> = [];
  for (let tick = 0; tick < 10; tick++) {
    acks.push(log.append(payload(tick), ['t']));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(acks);
  const s = log.stats();
  assert.ok(s.syncs <= 3, `10 ticks of appends over ${Date.now() - t0} ms took ${s.syncs} syncs`);
  await log.close();
});

test('periodic: acknowledged once written to the OS, before any sync; the timer syncs later', async () => {
  const dir = newDir();
  const log = openLog(dir, { sync: 'periodic', syncPeriodMs: 100 });
  await log.append(payload(1), ['t']);
  assert.equal(log.stats().syncs, 0, 'no sync before the ack');
  const [file] = segmentFiles(dir);
  assert.equal(fs.statSync(file!).size, HEADER_SIZE + 40 + 12, 'the entry is in the file when acknowledged');
  await new Promise((r) => setTimeout(r, 250));
  assert.ok(log.stats().syncs >= 1, 'the period elapsed: synced');
  await log.close();
});

test('an entry over half a segment is refused (max_mutation_size)', async () => {
  const log = openLog(newDir(), { segmentSizeBytes: 4096 });
  assert.throws(() => log.append(Buffer.alloc(2048), ['t']), MutationTooLargeError);
  await log.append(Buffer.alloc(2000), ['t']);
  await log.close();
});

test('a torn tail of the newest segment is skipped without complaint', async () => {
  const dir = newDir();
  const log = openLog(dir, { segmentSizeBytes: 4096 });
  await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(payload(i), ['t'])));
  await log.close();
  const files = segmentFiles(dir);
  const newest = files[files.length - 1]!;
  const before = replayAll(dir).payloads.length;
  fs.truncateSync(newest, fs.statSync(newest).size - 7);
  const { payloads, warnings, skipped } = replayAll(dir, 'stop');
  assert.equal(payloads.length, before - 1);
  assert.deepEqual(warnings, []);
  assert.match(skipped.join(), /torn tail/);
});

test('corruption before the tail: stop names the segment and offset; ignore skips the entry and goes on', async () => {
  const dir = newDir();
  const log = openLog(dir);
  await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(payload(i), ['t'])));
  await log.close();
  const [file] = segmentFiles(dir);
  const bytes = fs.readFileSync(file!);
  const third = HEADER_SIZE + 2 * 52;
  bytes[third + 20] ^= 0xff; // inside the third entry's payload
  fs.writeFileSync(file!, bytes);
  assert.throws(() => replayAll(dir, 'stop'), (e: unknown) => e instanceof CommitLogReplayError
    && e.offset === third && e.file === file
    && new RegExp(`segment ${path.basename(file!)} is corrupt at offset ${third} \\(entry checksum mismatch\\)`).test(e.message)
    && /commit_failure_policy is stop/.test(e.message));
  const { payloads, warnings } = replayAll(dir, 'ignore');
  assert.equal(payloads.length, 9);
  assert.ok(payloads[2]!.equals(payload(3)), 'resumed at the next entry');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /corrupt at offset \d+ .*skipped up to offset \d+ \(commit_failure_policy ignore\)/);
});

test('a damaged tail in an older segment is corruption, not a torn write', async () => {
  const dir = newDir();
  const log = openLog(dir, { segmentSizeBytes: 4096 });
  await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(payload(i), ['t'])));
  await log.close();
  const [oldest] = segmentFiles(dir);
  fs.truncateSync(oldest!, fs.statSync(oldest!).size - 3);
  assert.throws(() => replayAll(dir, 'stop'), CommitLogReplayError);
});

test('a segment is deleted once every table with data in it has flushed past it; the active one stays', async () => {
  const dir = newDir();
  const log = openLog(dir, { segmentSizeBytes: 4096 });
  for (let i = 0; i < 300; i++) await log.append(payload(i), [i % 10 === 0 ? 'b' : 'a']);
  const full = segmentFiles(dir).length;
  assert.ok(full >= 3);
  log.markClean('a', log.position());
  await log.recycle();
  assert.equal(segmentFiles(dir).length, full, 'b still has data in every segment');
  log.markClean('b', log.position());
  await log.recycle();
  assert.equal(segmentFiles(dir).length, 1, 'only the active segment is left');
  await log.retireActive();
  assert.equal(segmentFiles(dir).length, 0, 'clean and retired: the log is empty');
  await log.close();
});

test('marks cover only what was appended before the position', async () => {
  const dir = newDir();
  const log = openLog(dir);
  await log.append(payload(1), ['a']);
  const pos = log.position();
  await log.append(payload(2), ['a']);
  log.markClean('a', pos);
  await log.retireActive();
  assert.equal(segmentFiles(dir).length, 1, 'the later entry keeps its segment');
  await log.close();
  assert.equal(scanSegment(fs.readFileSync(segmentFiles(dir)[0]!)).entries.length, 2);
});

test('segments left by an earlier run are kept until replay has marked them', async () => {
  const dir = newDir();
  const first = openLog(dir);
  await first.append(payload(1), ['a']);
  await first.close();
  const log = openLog(dir);
  const left = log.replaySegments();
  assert.equal(left.length, 1);
  await log.append(payload(2), ['a']);
  await log.recycle();
  assert.ok(fs.existsSync(left[0]!.file), 'not recycled before replay');
  log.markReplayed(left[0]!.id, 'a', 100);
  log.replayed();
  log.markClean('a', log.position());
  await log.recycle();
  assert.ok(!fs.existsSync(left[0]!.file), 'recycled once replayed and clean');
  assert.ok(log.position().segment > left[0]!.id, 'new segments sort after the old ones');
  await log.close();
});
