// `nodetool viewbuildstatus` output, as Cassandra's ViewBuildStatus command prints it: one line when every node has
// built the view, else that line's negative and a Host/Info table (and exit status 1).
import type { ViewBuildStatusEntry } from '../server/admin-types.ts';

export function formatViewBuildStatus(keyspace: string, view: string, entries: ViewBuildStatusEntry[]): { text: string; finished: boolean } {
  const finished = entries.every((e) => e.status === 'SUCCESS');
  if (finished) return { text: `${keyspace}.${view} has finished building\n`, finished };
  const rows = [['Host', 'Info'], ...entries.map((e) => [e.host, e.status])];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const table = rows.map((r) => `${r[0]!.padEnd(width)} ${r[1]}`).join('\n');
  return { text: `${keyspace}.${view} has not finished building; node status is below.\n\n${table}\n`, finished };
}
