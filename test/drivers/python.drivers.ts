// The DataStax Python driver (Debian's python3-cassandra) against a real Sibyl node on 127.0.7.1.
// Run with `npm run test:drivers`; the scripts in test/drivers/python/ can also be run by hand against any node.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';

// Debian's interpreter by path: a pyenv/venv python3 earlier on PATH does not see Debian's dist-packages.
const PYTHON = '/usr/bin/python3';
const ADDRESS = '127.0.7.1';
const SCRIPTS = join(REPO_ROOT, 'test', 'drivers', 'python');

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runPython(script: string, timeoutMs = 120_000): Promise<ScriptResult> {
  return new Promise((done) => {
    // -P: the script's directory must not shadow standard modules.
    const child = spawn(PYTHON, ['-P', join(SCRIPTS, script)], {
      env: { ...process.env, SIBYL_HOST: ADDRESS, SIBYL_PORT: '9042', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function explain(script: string, r: ScriptResult, node: NodeProcess): string {
  return `${script} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}\n--- node stderr ---\n${node.stderr}`;
}

describe('Python driver (python3-cassandra)', () => {
  let node: NodeProcess;

  before(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import cassandra; print(cassandra.__version__)'], { encoding: 'utf8' });
    if (probe.status !== 0)
      throw new Error(`the DataStax Python driver is missing for ${PYTHON}: run \`apt-get install -y python3-cassandra\`\n${probe.stderr ?? probe.error?.message ?? ''}`);
    node = await startNodeProcess({ address: ADDRESS });
  });
  after(async () => {
    await node?.cleanup();
  });

  test('seed 000: the cqlsh session from the Azure guide', async () => {
    const r = await runPython('seed000.py');
    assert.equal(r.code, 0, explain('seed000.py', r, node));
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'COLUMNS ["customer_id", "firstname", "lastname"]');
    // Murmur3 puts token(1) = -4069959284402364209 before token(2) = -3248873570005575792, as in the guide's output.
    assert.deepEqual(
      lines.slice(1).map((l) => JSON.parse(l) as unknown),
      [
        { customer_id: 1, firstname: 'John', lastname: 'Doe' },
        { customer_id: 2, firstname: 'Jane', lastname: 'Doe' },
      ],
    );
  });

  test('every CQL type round-trips, prepared and unprepared, with null, empty and unset', async () => {
    const r = await runPython('types_roundtrip.py');
    assert.equal(r.code, 0, explain('types_roundtrip.py', r, node));
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', explain('types_roundtrip.py', r, node));
  });

  test('cluster metadata: keyspaces, tables, UDTs, hosts, token map', async () => {
    const r = await runPython('metadata.py');
    assert.equal(r.code, 0, explain('metadata.py', r, node));
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', explain('metadata.py', r, node));
  });

  test('secondary indexes: metadata, indexed queries, a cqlengine model with index=True', async () => {
    const r = await runPython('indexes.py');
    assert.equal(r.code, 0, explain('indexes.py', r, node));
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', explain('indexes.py', r, node));
  });

  test('paging: clustering ranges across pages, the empty last page, IN (), ORDER BY with IN', async () => {
    const r = await runPython('paging.py');
    assert.equal(r.code, 0, explain('paging.py', r, node));
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', explain('paging.py', r, node));
  });

  test('lightweight transactions: was_applied, the current values of a failed condition, conditional batches, SERIAL', async () => {
    const r = await runPython('lwt.py');
    assert.equal(r.code, 0, explain('lwt.py', r, node));
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', explain('lwt.py', r, node));
  });
});
