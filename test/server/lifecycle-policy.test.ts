// NodeLifecycle on its own (no processes): which failure policy wins, what drain and each policy stop, in which order,
// and that repeated calls do the work once. The node-process behaviour is in drain.test.ts and disk-failure.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DIE_EXIT_CODE, NodeLifecycle, failureReaction } from '../../src/server/lifecycle.ts';
import { StorageFailureError } from '../../src/storage/failure.ts';
import type { CommitFailurePolicy, DiskFailurePolicy } from '../../src/server/config.ts';

function harness(disk: DiskFailurePolicy = 'stop', commit: CommitFailurePolicy = 'stop') {
  const calls: string[] = [];
  const logs: string[] = [];
  const step = (name: string) => async (): Promise<void> => {
    calls.push(name);
  };
  const lifecycle = new NodeLifecycle({
    stopNativeTransport: step('native'), stopGossip: step('gossip'), stopMessaging: step('messaging'), flush: step('flush'),
    log: (m) => logs.push(m), exit: (code) => calls.push(`exit ${code}`),
  }, { diskFailurePolicy: disk, commitFailurePolicy: commit });
  return { lifecycle, calls, logs };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const failure = new StorageFailureError('write', 'Input/output error (code 5)');

describe('failure policies', () => {
  test('the more severe of disk_failure_policy and commit_failure_policy applies', () => {
    assert.equal(failureReaction('stop', 'stop'), 'stop');
    assert.equal(failureReaction('ignore', 'ignore'), 'ignore');
    assert.equal(failureReaction('ignore', 'stop'), 'stop');
    assert.equal(failureReaction('die', 'ignore'), 'die');
    assert.equal(failureReaction('stop', 'die'), 'die');
    for (const p of ['best_effort', 'stop_paranoid'] as const) assert.equal(failureReaction(p, 'ignore'), 'stop');
    assert.equal(failureReaction('ignore', 'stop_commit'), 'stop');
  });

  test('stop: native transport then gossip, messaging kept, no exit; later failures do not stop again', async () => {
    const h = harness();
    h.lifecycle.onStorageFailure(failure);
    h.lifecycle.onStorageFailure(failure);
    await settle();
    assert.deepEqual(h.calls, ['native', 'gossip']);
    assert.equal(h.lifecycle.mode, 'STOPPED');
    assert.equal(h.lifecycle.nativeTransportActive, false);
    assert.equal(h.lifecycle.gossipActive, false);
    assert.equal(h.lifecycle.storageFailures, 2);
    assert.match(h.logs[0]!, /Storage failure during write: Input\/output error \(code 5\).*stopping transports/);
  });

  test('die: transports stopped first (the failed request is answered), then exit 100', async () => {
    const h = harness('die');
    h.lifecycle.onStorageFailure(failure);
    await settle();
    assert.deepEqual(h.calls, ['native', 'gossip', `exit ${DIE_EXIT_CODE}`]);
  });

  test('ignore: logged only', async () => {
    const h = harness('ignore', 'ignore');
    h.lifecycle.onStorageFailure(failure);
    await settle();
    assert.deepEqual(h.calls, []);
    assert.equal(h.lifecycle.nativeTransportActive, true);
    assert.match(h.logs[0]!, /ignored/);
  });

  test('drain: native, gossip, messaging, flush, once however often it is asked', async () => {
    const h = harness();
    await Promise.all([h.lifecycle.drain(), h.lifecycle.drain()]);
    await h.lifecycle.drain();
    assert.deepEqual(h.calls, ['native', 'gossip', 'messaging', 'flush']);
    assert.equal(h.lifecycle.mode, 'DRAINED');
  });
});
