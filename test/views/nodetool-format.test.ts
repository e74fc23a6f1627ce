// `nodetool viewbuildstatus` output (src/tools/nodetool-views.ts), in Cassandra's words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatViewBuildStatus } from '../../src/tools/nodetool-views.ts';

test('finished, and not finished with the Host/Info table', () => {
  assert.deepEqual(formatViewBuildStatus('ks', 'v', [{ host: '/10.0.0.1:7000', status: 'SUCCESS' }]),
    { text: 'ks.v has finished building\n', finished: true });
  assert.deepEqual(formatViewBuildStatus('ks', 'v', [{ host: '/10.0.0.1:7000', status: 'STARTED' }]), {
    text: 'ks.v has not finished building; node status is below.\n\nHost           Info\n/10.0.0.1:7000 STARTED\n',
    finished: false,
  });
});
