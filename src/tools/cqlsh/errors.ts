// cqlsh's error lines. cqlsh prints `<ExceptionClass>: <text>` (cqlshmain.py perform_simple_statement), where the
// class and text are whatever the DataStax Python driver raised: ERROR codes the driver converts to its own
// exceptions (cassandra/protocol.py to_exception) print their summary `Error from server: code=XXXX [summary]
// message="…"` plus an `info={…}` dict for the coordination errors; the others are raised as the protocol message
// itself and print the bare server message. Server/overload errors are retried on the next host by the driver,
// and with cqlsh's single whitelisted host that ends in NoHostAvailable.
import { consistencyName } from '../../model/errors.ts';
import { ClientTimeoutError, ConnectError, ConnectionClosedError, ServerErrorResponse, type ErrorInfo } from './client.ts';

/** Where the shell is connected, for the messages that name the host. */
export interface HostInfo {
  host: string;
  port: number;
  datacenter: string;
}

/** Python's repr() of a str: single quotes unless the text holds ' but no ". */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === q) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return q + out + q;
}

/** The summary string of each ERROR code, as the Python driver's protocol.py names it. */
const SUMMARIES: Record<number, string> = {
  0x0000: 'Server error',
  0x000a: 'Protocol error',
  0x0100: 'Bad credentials',
  0x1000: 'Unavailable exception',
  0x1001: 'Coordinator node overloaded',
  0x1002: 'Coordinator node is bootstrapping',
  0x1003: 'Error during truncate',
  0x1100: "Coordinator node timed out waiting for replica nodes' responses",
  0x1200: "Coordinator node timed out waiting for replica nodes' responses",
  0x1300: 'Replica(s) failed to execute read',
  0x1400: 'User Defined Function failure',
  0x1500: 'Replica(s) failed to execute write',
  0x2000: 'Syntax error in CQL query',
  0x2100: 'Unauthorized',
  0x2200: 'Invalid query',
  0x2300: 'Query invalid because of configuration issue',
  0x2400: 'Item already exists',
  0x2500: 'Matching prepared statement not found on this node',
};

/** Class names of the messages the driver raises as they are (no to_exception). */
const RAW_CLASSES: Record<number, string> = {
  0x000a: 'ProtocolException',
  0x0100: 'BadCredentials',
  0x2000: 'SyntaxException',
  0x2300: 'ConfigurationException',
  0x2500: 'PreparedQueryNotFound',
};

/** Codes the driver retries on the next host (RetryPolicy.on_request_error). */
const RETRIED: Record<number, true> = { 0x0000: true, 0x1001: true, 0x1002: true, 0x1003: true };

export function summaryMessage(e: ServerErrorResponse): string {
  const code = e.code.toString(16).padStart(4, '0');
  return `Error from server: code=${code} [${SUMMARIES[e.code] ?? 'Unknown'}] message="${e.serverMessage}"`;
}

/** Python's repr of the driver's info dicts (ints bare, strings quoted, booleans True/False). */
function pyDict(entries: Array<[string, string | number | boolean]>): string {
  const v = (x: string | number | boolean): string =>
    typeof x === 'string' ? pyRepr(x) : typeof x === 'boolean' ? (x ? 'True' : 'False') : String(x);
  return '{' + entries.map(([k, x]) => `${pyRepr(k)}: ${v(x)}`).join(', ') + '}';
}

function infoDict(info: ErrorInfo): string {
  switch (info.kind) {
    case 'unavailable':
      return pyDict([['consistency', consistencyName(info.consistency)], ['required_replicas', info.required],
        ['alive_replicas', info.alive]]);
    case 'read_timeout':
      return pyDict([['consistency', consistencyName(info.consistency)], ['required_responses', info.blockFor],
        ['received_responses', info.received]]);
    case 'write_timeout':
      return pyDict([['consistency', consistencyName(info.consistency)], ['required_responses', info.blockFor],
        ['received_responses', info.received], ['write_type', info.writeType]]);
    case 'read_failure':
    case 'write_failure':
      return pyDict([['consistency', consistencyName(info.consistency)], ['required_responses', info.blockFor],
        ['received_responses', info.received], ['failures', info.failures]]);
    default:
      return '';
  }
}

const CLASSES: Record<string, string> = {
  unavailable: 'Unavailable',
  read_timeout: 'ReadTimeout',
  write_timeout: 'WriteTimeout',
  read_failure: 'ReadFailure',
  write_failure: 'WriteFailure',
};

/** `<Host: 127.0.0.1:9042 datacenter1>`, the Python driver's repr of a Host. */
const hostRepr = (h: HostInfo): string => `<Host: ${h.host}:${h.port} ${h.datacenter}>`;

/** The class name and text cqlsh prints for a failed statement: `Class: text`. */
export function describeError(e: unknown, h: HostInfo): { name: string; text: string } {
  const endpoint = `${h.host}:${h.port}`;
  if (e instanceof ServerErrorResponse) {
    const cls = CLASSES[e.info.kind];
    if (cls) return { name: cls, text: `${summaryMessage(e)} info=${infoDict(e.info)}` };
    if (e.info.kind === 'already_exists') {
      const what = e.info.table ? `Table '${e.info.keyspace}.${e.info.table}'` : `Keyspace '${e.info.keyspace}'`;
      return { name: 'AlreadyExists', text: `${what} already exists` };
    }
    if (RETRIED[e.code]) {
      return { name: 'NoHostAvailable', text:
        `('Unable to complete the operation against any hosts', {${hostRepr(h)}: <${summaryMessage(e)}>})` };
    }
    const raw = RAW_CLASSES[e.code];
    if (raw) return { name: raw, text: e.serverMessage };
    if (e.code === 0x1400) return { name: 'FunctionFailure', text: summaryMessage(e) };
    if (e.code === 0x2100) return { name: 'Unauthorized', text: summaryMessage(e) };
    return { name: 'InvalidRequest', text: summaryMessage(e) };
  }
  if (e instanceof ClientTimeoutError) {
    return { name: 'OperationTimedOut', text:
      `errors={${pyRepr(endpoint)}: 'Client request timeout. See Session.execute[_async](timeout)'}, last_host=${endpoint}` };
  }
  if (e instanceof ConnectionClosedError) {
    return { name: 'NoHostAvailable', text: `('Unable to complete the operation against any hosts', {${hostRepr(h)}: `
      + `ConnectionShutdown(${pyRepr(`Connection to ${endpoint} was closed`)})})` };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name === 'Error' ? 'Exception' : err.name, text: err.message };
}

/** One cqlsh error line: `InvalidRequest: Error from server: …`. */
export function formatError(e: unknown, h: HostInfo): string {
  const d = describeError(e, h);
  return `${d.name}: ${d.text}`;
}

/**
 * cqlsh's `Connection error: …` (sys.exit from main): the driver's NoHostAvailable over the one contact point, whose
 * socket error reads `ConnectionRefusedError(111, "Tried connecting to [('HOST', PORT)]. Last error: …")`.
 */
export function formatConnectError(e: unknown, host: string, port: number): string {
  const key = pyRepr(`${host}:${port}`);
  let inner: string;
  if (e instanceof ConnectError && e.detail instanceof ServerErrorResponse) {
    const d = describeError(e.detail, { host, port, datacenter: '' });
    inner = `${d.name}(${pyRepr(d.text)})`;
  } else if (e instanceof ConnectError && e.detail === undefined) {
    const text = `Tried connecting to [(${pyRepr(host)}, ${port})]. Last error: ${e.reason}`;
    const cls = e.errno === 111 ? 'ConnectionRefusedError' : e.errno === 110 ? 'TimeoutError' : 'OSError';
    inner = `${cls}(${e.errno === null ? 'None' : e.errno}, ${pyRepr(text)})`;
  } else if (e instanceof ConnectError && e.detail instanceof ConnectionClosedError) {
    inner = `ConnectionShutdown(${pyRepr(`Connection to ${host}:${port} was closed`)})`;
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /^(\w+): (.*)$/s.exec(msg);
    inner = m ? `${m[1]}(${pyRepr(m[2]!)})` : `ConnectionException(${pyRepr(msg)})`;
  }
  return `Connection error: ('Unable to connect to any servers', {${key}: ${inner}})`;
}

/** The message cqlsh shows for a failed DESCRIBE: only what follows `message=` (cqlshmain.py do_describe). */
export function describeErrorMessage(e: unknown, h: HostInfo): string {
  const text = describeError(e, h).text;
  const i = text.indexOf('message=');
  return i < 0 ? '' : text.slice(i + 'message='.length).replace(/^"+|"+$/g, '');
}
