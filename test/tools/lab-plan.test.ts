// The lab's network plan, without root: every `ip` command acts inside a namespace the lab creates (never on the
// host's own network), names fit the kernel's limits, and every host, rack and region can be cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presetTopology } from '../../src/tools/cluster/topology.ts';
import { layoutOf, realAddresses } from '../../src/tools/deploy/layout.ts';
import { labPrefix, planLab } from '../../src/tools/lab/plan.ts';

const IFNAMSIZ = 15;

for (const preset of ['azure-single-region', 'azure-two-region', 'aws-multi-az']) {
  test(`${preset}: the plan stays inside its own namespaces`, () => {
    const layout = layoutOf(realAddresses(presetTopology(preset)));
    const p = planLab(layout, 'plan');
    const own = new Set(p.namespaces);
    assert.equal(own.size, p.namespaces.length, 'namespace names are unique');
    for (const ns of own) assert.ok(ns.startsWith('sbl-plan-'), ns);
    const regions = layout.regions.length;
    assert.equal(p.namespaces.length, layout.hosts.length + regions + layout.regions.filter((r) => r.ilb).length);
    for (const c of p.commands) {
      if (c[0] === 'netns') {
        assert.deepEqual(c.slice(0, 2), ['netns', 'add']);
        assert.ok(own.has(c[2]!));
        continue;
      }
      assert.equal(c[0], '-n', `every other command names its namespace: ip ${c.join(' ')}`);
      assert.ok(own.has(c[1]!), `ip ${c.join(' ')} acts in a namespace of the lab`);
      const peerNs = c.indexOf('netns');
      if (peerNs >= 0) assert.ok(own.has(c[peerNs + 1]!), `the peer end goes to a namespace of the lab: ip ${c.join(' ')}`);
      for (const k of ['add', 'name']) {
        const i = c.indexOf(k);
        if (c[2] === 'link' && i >= 0 && c[i + 1] !== undefined && !/^\d/.test(c[i + 1]!)) assert.ok(c[i + 1]!.length <= IFNAMSIZ, `interface name ${c[i + 1]} fits`);
      }
    }
    for (const e of p.execs) assert.ok(own.has(e.ns));
    assert.deepEqual(Object.keys(p.hostLinks).sort(), layout.hosts.map((h) => h.name).concat(p.ilbs.map((i) => i.name)).sort());
    assert.equal(Object.keys(p.rackLinks).length, layout.regions.reduce((n, r) => n + r.racks.length, 0));
    assert.equal(Object.keys(p.dcLinks).length, regions === 2 ? 2 : 0);
    // Every host's address is configured exactly once, on its eth0.
    for (const h of layout.hosts) assert.equal(p.commands.filter((c) => c[2] === 'addr' && c[4] === `${h.address}/24`).length, 1, h.name);
  });
}

test('lab names are refused unless short and plain', () => {
  assert.equal(labPrefix('az1'), 'sbl-az1-');
  assert.throws(() => labPrefix('Has Space'), /lab name must be/);
  assert.throws(() => labPrefix('x'.repeat(17)), /lab name must be/);
});
