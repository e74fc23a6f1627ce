// A TCP connect, run inside a lab host: prints "open", "timeout" (the SYN was dropped: a firewall) or the error code
// (ECONNREFUSED, EHOSTUNREACH). Plain JavaScript, so each probe costs a node start and no TypeScript loader.
import net from 'node:net';

const [host, port] = process.argv.slice(2);
const s = net.connect({ host, port: Number(port) });
s.setTimeout(1500, () => {
  process.stdout.write('timeout\n');
  process.exit(0);
});
s.on('connect', () => {
  process.stdout.write('open\n');
  process.exit(0);
});
s.on('error', (e) => {
  process.stdout.write(`${e.code}\n`);
  process.exit(0);
});
