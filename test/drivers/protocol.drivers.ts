// Native protocol versions and compression through the DataStax Python driver (Debian's python3-cassandra, with
// python3-lz4 for its LZ4): its default negotiation ends on v5 with LZ4 segments, v3 and v4 work when forced, with
// and without LZ4. A real node on 127.0.33.1; the segment codec is also checked against the driver's own, offline.
// Run with `npm run test:drivers` (the multi-node lock: `flock /tmp/sibyl-multinode.lock ...`).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { Opcode } from '../../src/protocol/messages.ts';
import { encodeSegments, SegmentDecoder, type Segment } from '../../src/protocol/segment.ts';
import { frame } from '../protocol/helpers.ts';

// Debian's interpreter by path: a pyenv/venv python3 earlier on PATH does not see Debian's dist-packages.
const PYTHON = '/usr/bin/python3';
const ADDRESS = '127.0.33.1';

function requirePythonModules(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import cassandra, lz4.block'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`the Python driver with LZ4 is missing for ${PYTHON}: run \`apt-get install -y python3-cassandra python3-lz4\`\n${probe.stderr ?? probe.error?.message ?? ''}`);
  }
}

function runScript(script: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(PYTHON, ['-P', join(REPO_ROOT, 'test', 'drivers', 'python', script)], {
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

describe('Python driver: protocol versions and compression', () => {
  let node: NodeProcess;
  before(async () => {
    requirePythonModules();
    node = await startNodeProcess({ address: ADDRESS });
  });
  after(async () => {
    await node?.cleanup();
  });

  test('default negotiation ends on v5 with LZ4; v5, v4 and v3 forced, with and without LZ4, and the v6 beta serve every statement kind', { timeout: 300_000 }, async () => {
    const r = await runScript('protocol.py', 280_000);
    const explain = `protocol.py exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr.slice(-8000)}\n--- node stderr ---\n${node.stderr}`;
    assert.equal(r.code, 0, explain);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', explain);
  });
});

// The driver's SegmentCodec (cassandra/segment.py) on one side, ours on the other, in both directions.
describe('segment codec agrees with the Python driver\'s', () => {
  before(requirePythonModules);
  const script = `
import sys, io, json
from cassandra.segment import SegmentCodec
from cassandra.connection import lz4_compress, lz4_decompress
cmd, lz4, data = sys.argv[1], sys.argv[2] == '1', bytes.fromhex(sys.stdin.read().strip())
codec = SegmentCodec(lz4_compress, lz4_decompress) if lz4 else SegmentCodec()
if cmd == 'decode':
    buf = io.BytesIO(data); out = []
    while buf.tell() < len(data):
        h = codec.decode_header(buf); s = codec.decode(buf, h); out.append([s.is_self_contained, s.payload.hex()])
    print(json.dumps(out))
else:
    buf = io.BytesIO(); codec.encode(buf, data); print(buf.getvalue().hex())
`;
  const py = (cmd: string, lz4: boolean, input: Buffer): string => {
    const r = spawnSync(PYTHON, ['-c', script, cmd, lz4 ? '1' : '0'], { input: input.toString('hex'), encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const envelope = (bodyLength: number, stream: number, fill: number): Buffer =>
    frame(Opcode.RESULT, Buffer.alloc(bodyLength, fill), { version: 0x85, stream });

  for (const lz4 of [false, true]) {
    test(`the driver decodes what we encode, and we decode what it encodes${lz4 ? ' (LZ4)' : ''}`, () => {
      const envs = Buffer.concat([envelope(1000, 1, 1), envelope(200_000, 2, 7), envelope(3, 3, 3)]);
      const decoded = JSON.parse(py('decode', lz4, encodeSegments(envs, lz4))) as Array<[boolean, string]>;
      assert.deepEqual(Buffer.from(decoded.map(([, hex]) => hex).join(''), 'hex'), envs);
      assert.deepEqual(decoded.map(([selfContained]) => selfContained), [true, false, false, true]);
      const big = envelope(150_000, 9, 3);
      const d = new SegmentDecoder(lz4);
      d.push(Buffer.from(py('encode', lz4, big), 'hex'));
      const segs: Segment[] = [];
      for (let s = d.next(); s; s = d.next()) segs.push(s);
      assert.equal(d.buffered, 0);
      assert.deepEqual(Buffer.concat(segs.map((s) => s.payload)), big);
      assert.deepEqual(segs.map((s) => s.selfContained), [false, false]);
    });
  }
});
