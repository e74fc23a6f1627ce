import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { T } from '../../src/model/types.ts';
import { StorageEngine } from '../../src/storage/engine.ts';
import { liveRows } from '../../src/storage/live.ts';
import { int, makeTable, removeDir, tempDir } from './helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, 'fixtures', 'crash-writer.ts');
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** Runs the writer until it has acknowledged `target` writes, SIGKILLs it, and returns the acknowledged numbers. */
function runAndKill(dir: string, mode: string, target: number): Promise<Set<number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Set<number>();
    let buf = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('ack ')) acked.add(Number(l.slice(4)));
      if (!killed && acked.size >= target) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited early (${signal ?? _code})`))));
  });
}

for (const mode of ['batch', 'periodic', 'group'] as const) {
  test(`every acknowledged write survives SIGKILL (${mode} sync)`, async () => {
    const dir = tempDir();
    dirs.push(dir);
    const acked = await runAndKill(dir, mode, 3000);
    assert.ok(acked.size >= 3000);
    const table = makeTable({ id: '11111111-2222-4333-8444-555555555555', clustering: [{ name: 'c', type: T.int }], regular: [{ name: 'v', type: T.int }] });
    const engine = await StorageEngine.open({ dir, sync: mode });
    const report = await engine.replay((id) => (id === table.id ? table : undefined));
    assert.ok(report.entries > 0, 'the acknowledged writes came back from the commit log');
    const found = new Set<number>();
    for (const p of engine.scan(table, {}, {}, 1000, Math.floor(Date.now() / 1000))) {
      for (const r of liveRows(table, p, 0).rows) found.add(r.clustering[0].readInt32BE(0));
    }
    const missing = [...acked].filter((n) => !found.has(n));
    assert.deepEqual(missing, [], `${missing.length} acknowledged writes lost`);
    assert.deepEqual(engine.read(table, int(7), 7n, {}, 0) !== undefined, true);
    await engine.close();
  });
}
