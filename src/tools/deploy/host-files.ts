// The files a real host needs besides its cassandra.yaml: a systemd unit that runs the node from the bundled
// dist/sibyl.mjs with Node 20, and a cloud-init document that installs Node 20, writes every file and starts the unit.
import YAML from 'yaml';
import type { DeployHost } from './layout.ts';

/** Where things live on a deployed host. */
export const HOST_PATHS = {
  /** The release: dist/sibyl.mjs with package.json, package-lock.json and `npm ci --omit=dev`'s node_modules. */
  app: '/opt/sibyl',
  conf: '/etc/sibyl',
  state: '/var/lib/sibyl',
  node: '/usr/local/bin/node',
  nftables: '/etc/nftables.conf',
} as const;

export function renderUnit(host: DeployHost): string {
  const where = `${host.dc}/${host.rack ?? '-'}, ${host.address}`;
  return [
    '[Unit]',
    `Description=Sibyl node ${host.name} (${where})`,
    'After=network-online.target nftables.service',
    'Wants=network-online.target',
    // Without the release the unit would crash-loop; with this it waits, inactive, until the release is copied in.
    `ConditionPathExists=${HOST_PATHS.app}/dist/sibyl.mjs`,
    '',
    '[Service]',
    'Type=simple',
    'User=sibyl',
    'Group=sibyl',
    `WorkingDirectory=${HOST_PATHS.app}`,
    // The bundle targets Node 20; an older node would fail at the first newer API, so refuse to start instead.
    `ExecStartPre=${HOST_PATHS.node} -e "process.exit(Number(process.versions.node.split('.')[0]) >= 20 ? 0 : 1)"`,
    `ExecStart=${HOST_PATHS.node} ${HOST_PATHS.app}/dist/sibyl.mjs node --config ${HOST_PATHS.conf}/cassandra.yaml`,
    // SIGTERM is a clean shutdown (exit 0); a second signal would mean "exit now", so systemd sends only one.
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    'TimeoutStopSec=60',
    'Restart=on-failure',
    'RestartSec=5',
    'LimitNOFILE=100000',
    'StateDirectory=sibyl',
    'LogsDirectory=sibyl',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export interface HostFileSet {
  yaml: string;
  rackdc: string;
  unit: string;
  nftables: string;
}

/** #cloud-config for a node: the sibyl user, Node 20 (snap), the files, the firewall, and the enabled unit. */
export function renderCloudInit(host: DeployHost, files: HostFileSet): string {
  const file = (path: string, content: string, permissions = '0644'): Record<string, string> => ({ path, content, permissions, owner: 'root:root' });
  const doc = {
    hostname: host.name,
    users: ['default', { name: 'sibyl', system: true, shell: '/usr/sbin/nologin', homedir: HOST_PATHS.state }],
    package_update: true,
    packages: ['nftables'],
    snap: { commands: ['snap install node --classic --channel=20/stable'] },
    write_files: [
      file(`${HOST_PATHS.conf}/cassandra.yaml`, files.yaml),
      file(`${HOST_PATHS.conf}/cassandra-rackdc.properties`, files.rackdc),
      file('/etc/systemd/system/sibyl.service', files.unit),
      file(HOST_PATHS.nftables, files.nftables, '0755'),
    ],
    runcmd: [
      `ln -sf /snap/bin/node ${HOST_PATHS.node}`,
      `mkdir -p ${HOST_PATHS.app} ${HOST_PATHS.state}/data ${HOST_PATHS.state}/hints`,
      `chown -R sibyl:sibyl ${HOST_PATHS.state}`,
      'systemctl enable --now nftables.service',
      'systemctl daemon-reload',
      'systemctl enable sibyl.service',
      // Starts once the release is in /opt/sibyl (ConditionPathExists); copy it in and `systemctl start sibyl`.
      'systemctl start sibyl.service',
    ],
  };
  return `#cloud-config\n# Sibyl node ${host.name} (${host.dc}/${host.rack ?? '-'}, ${host.address}), rendered by \`sibyl deploy render\`\n${YAML.stringify(doc, { lineWidth: 0 })}`;
}
