// Internode endpoints, "address:port" ("[v6]:port" for IPv6): how nodes name each other in gossip, messaging and the
// ring. One parser and one formatter, so every subsystem splits and builds them the same way.

export function endpointOf(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Splits "127.0.0.1:7000" or "[::1]:7000"; throws TypeError for anything else. */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const colon = endpoint.lastIndexOf(':');
  const port = Number(endpoint.slice(colon + 1));
  let host = endpoint.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`not an endpoint (address:port): ${endpoint}`);
  }
  return { host, port };
}

/** A seed as cassandra.yaml lists it ("10.1.2.4" or "10.1.2.4:7001"), as an endpoint on `defaultPort` if it has none. */
export function withDefaultPort(seed: string, defaultPort: number): string {
  const bracketed = seed.startsWith('[');
  const hasPort = bracketed ? /\]:\d+$/.test(seed) : /^[^:]+:\d+$/.test(seed);
  if (hasPort) return seed;
  return endpointOf(bracketed ? seed.slice(1, seed.indexOf(']')) : seed, defaultPort);
}
