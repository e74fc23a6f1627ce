// cqlsh's pieces without a node: statement splitting, table layout, Python-style reprs, error lines, CSV.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T } from '../../src/model/types.ts';
import { serializeCollection } from '../../src/model/values/collections.ts';
import { ClientTimeoutError, ConnectError, ServerErrorResponse } from '../../src/tools/cqlsh/client.ts';
import { tokenize } from '../../src/tools/cqlsh/args.ts';
import { describeInterval } from '../../src/tools/cqlsh/copy.ts';
import { makeDialect, parseCsv, writeRow } from '../../src/tools/cqlsh/csv.ts';
import { describeErrorMessage, formatConnectError, formatError, pyRepr } from '../../src/tools/cqlsh/errors.ts';
import { columnize, DISPLAY, formatCell, tableLines, verticalLines, type Cell } from '../../src/tools/cqlsh/format.ts';
import { scanInput } from '../../src/tools/cqlsh/input.ts';

const host = { host: '127.0.0.1', port: 9042, datacenter: 'datacenter1' };
const plain = (text: string): Cell => ({ text, colored: text, width: text.length });

describe('cqlsh statement splitting', () => {
  it('waits for the `;` of a statement typed over several lines', () => {
    assert.deepEqual(scanInput('SELECT *\n'), { statements: [], complete: false });
    assert.deepEqual(scanInput('SELECT *\nFROM t;\n').statements, [{ text: 'SELECT *\nFROM t;', command: 'select' }]);
  });

  it('ignores `;` inside strings, quoted names, $$ bodies and comments', () => {
    const r = scanInput("INSERT INTO t (k, \"a;b\") VALUES ('x;y', $$p;q$$); -- c;d\n/* e;\nf */ SELECT 1;\n");
    assert.deepEqual(r.statements.map((s) => s.text), [
      "INSERT INTO t (k, \"a;b\") VALUES ('x;y', $$p;q$$);", 'SELECT 1;',
    ]);
    assert.equal(r.complete, true);
    assert.equal(scanInput("SELECT 'abc;\n").complete, false);
    assert.equal(scanInput('/* open comment;\n').complete, false);
  });

  it('keeps a BEGIN BATCH whole up to APPLY BATCH', () => {
    const text = 'BEGIN BATCH\nINSERT INTO t (k) VALUES (1);\nINSERT INTO t (k) VALUES (2);\n';
    assert.equal(scanInput(text).complete, false);
    const r = scanInput(text + 'APPLY BATCH;\n');
    assert.equal(r.statements.length, 1);
    assert.equal(r.statements[0]!.command, 'begin');
  });

  it('ends shell commands at the newline, CQL and COPY only at `;`', () => {
    assert.deepEqual(scanInput('expand on\npaging 5 -- five\n').statements.map((s) => s.text), ['expand on', 'paging 5 -- five']);
    assert.equal(scanInput('COPY t TO \'f.csv\'\n').complete, false);
    assert.deepEqual(scanInput('?\n').statements, [{ text: '?', command: '?' }]);
  });

  it('treats blank and comment-only input as nothing to run', () => {
    assert.deepEqual(scanInput('\n  \n-- just a comment\n// another\n;\n'), { statements: [], complete: true });
  });

  it('tokenizes shell command arguments without comments or the final `;`', () => {
    assert.deepEqual(tokenize("CAPTURE 'it''s.txt'; -- x").map((t) => t.text), ['CAPTURE', "'it''s.txt'"]);
  });
});

describe('cqlsh result layout (cqlshmain.py print_formatted_result)', () => {
  it('left-justifies names, right-justifies values, rules with -+-', () => {
    const lines = tableLines([plain('customer_id'), plain('firstname'), plain('lastname')],
      [[plain('1'), plain('John'), plain('Doe')]], true);
    assert.deepEqual(lines, [
      ' customer_id | firstname | lastname',
      '-------------+-----------+----------',
      '           1 |      John |      Doe',
    ]);
    assert.deepEqual(tableLines([plain('k'), plain('v')], [[plain('long value'), plain('1')]], true), [
      ' k          | v',
      '------------+---',
      ' long value | 1',
    ]);
  });

  it('prints EXPAND ON rows vertically', () => {
    assert.deepEqual(verticalLines([plain('k'), plain('value')], [[plain('1'), plain('abc')]], 4), [
      '@ Row 5', '-------+-----', ' k     | 1', ' value | abc', '',
    ]);
  });

  it('formats values like cqlsh: doubles with 5 digits, quoted strings inside collections', () => {
    const o = { ...DISPLAY, color: false };
    const d = Buffer.alloc(8);
    d.writeDoubleBE(Math.PI);
    assert.equal(formatCell(T.double, d, o).text, '3.14159');
    const list = serializeCollection([Buffer.from("it's"), Buffer.from('b')]);
    assert.equal(formatCell({ kind: 'list', element: T.text, frozen: false }, list, o).text, "['it''s', 'b']");
    assert.equal(formatCell(T.int, null, o).text, 'null');
    assert.equal(formatCell(T.int, Buffer.alloc(0), o).text, '');
  });

  it('columnizes like Python cmd.Cmd.columnize', () => {
    assert.deepEqual(columnize(['customers_ks', 'system', 'system_auth', 'system_schema', 'system_distributed']), [
      'customers_ks  system  system_auth  system_schema  system_distributed',
    ]);
    assert.deepEqual(columnize(['aaa', 'b', 'cc', 'dddd'], 9), ['aaa  cc  ', 'b    dddd']);
  });
});

describe('cqlsh error lines (the Python driver exceptions)', () => {
  it('prints InvalidRequest with the server summary', () => {
    const e = new ServerErrorResponse(0x2200, 'unconfigured table nope', { kind: 'none' });
    assert.equal(formatError(e, host),
      'InvalidRequest: Error from server: code=2200 [Invalid query] message="unconfigured table nope"');
    assert.equal(describeErrorMessage(e, host), 'unconfigured table nope');
  });

  it('prints protocol messages the driver raises as they are', () => {
    const e = new ServerErrorResponse(0x2000, "line 1:0 no viable alternative at input 'SELEC'", { kind: 'none' });
    assert.equal(formatError(e, host), "SyntaxException: line 1:0 no viable alternative at input 'SELEC'");
    assert.equal(formatError(new ServerErrorResponse(0x2300, 'bad', { kind: 'none' }), host), 'ConfigurationException: bad');
  });

  it('adds the info dict of coordination errors', () => {
    const un = new ServerErrorResponse(0x1000, 'Cannot achieve consistency level QUORUM',
      { kind: 'unavailable', consistency: 4, required: 2, alive: 1 });
    assert.equal(formatError(un, host), 'Unavailable: Error from server: code=1000 [Unavailable exception] '
      + `message="Cannot achieve consistency level QUORUM" info={'consistency': 'QUORUM', 'required_replicas': 2, 'alive_replicas': 1}`);
    const wt = new ServerErrorResponse(0x1100, 'Operation timed out - received only 0 responses.',
      { kind: 'write_timeout', consistency: 1, received: 0, blockFor: 1, writeType: 'SIMPLE' });
    assert.equal(formatError(wt, host), "WriteTimeout: Error from server: code=1100 [Coordinator node timed out waiting "
      + "for replica nodes' responses] message=\"Operation timed out - received only 0 responses.\" "
      + "info={'consistency': 'ONE', 'required_responses': 1, 'received_responses': 0, 'write_type': 'SIMPLE'}");
  });

  it('reports AlreadyExists, retried server errors and client timeouts as the driver does', () => {
    const ks = new ServerErrorResponse(0x2400, 'x', { kind: 'already_exists', keyspace: 'ks', table: '' });
    assert.equal(formatError(ks, host), "AlreadyExists: Keyspace 'ks' already exists");
    const tbl = new ServerErrorResponse(0x2400, 'x', { kind: 'already_exists', keyspace: 'ks', table: 't' });
    assert.equal(formatError(tbl, host), "AlreadyExists: Table 'ks.t' already exists");
    assert.equal(formatError(new ServerErrorResponse(0x1001, 'busy', { kind: 'none' }), host),
      "NoHostAvailable: ('Unable to complete the operation against any hosts', {<Host: 127.0.0.1:9042 datacenter1>: "
      + '<Error from server: code=1001 [Coordinator node overloaded] message="busy">})');
    assert.equal(formatError(new ClientTimeoutError('t'), host), "OperationTimedOut: errors={'127.0.0.1:9042': "
      + "'Client request timeout. See Session.execute[_async](timeout)'}, last_host=127.0.0.1:9042");
  });

  it('formats connection failures like cqlsh main()', () => {
    assert.equal(formatConnectError(new ConnectError(111, 'Connection refused'), '10.1.2.101', 9160),
      "Connection error: ('Unable to connect to any servers', {'10.1.2.101:9160': ConnectionRefusedError(111, "
      + "\"Tried connecting to [('10.1.2.101', 9160)]. Last error: Connection refused\")})");
    assert.equal(formatConnectError(new ConnectError(null, 'timed out'), 'h', 1),
      "Connection error: ('Unable to connect to any servers', {'h:1': OSError(None, \"Tried connecting to [('h', 1)]. "
      + 'Last error: timed out")})');
  });

  it("quotes like Python's repr", () => {
    assert.equal(pyRepr('abc'), "'abc'");
    assert.equal(pyRepr("it's"), '"it\'s"');
    assert.equal(pyRepr('both \' and "'), "'both \\' and \"'");
  });
});

describe('cqlsh COPY helpers', () => {
  it('writes and reads CSV like Python csv with COPY defaults', () => {
    const d = makeDialect();
    const row = ['1', 'a,b', 'say "hi"', '', 'back\\slash', 'two\nlines'];
    const line = writeRow(row, d);
    assert.equal(line, '1,"a,b",say \\"hi\\",,back\\\\slash,"two\nlines"\r\n');
    assert.deepEqual(parseCsv(line + 'x,y\r\n\r\n', d), [row, ['x', 'y']]);
    assert.equal(writeRow([''], d), '""\r\n');
    assert.deepEqual(parseCsv('""\n', d), [['']]);
  });

  it('describes durations like copyutil.py', () => {
    assert.equal(describeInterval(0.5), '0.500 seconds');
    assert.equal(describeInterval(62.25), '1 minute and 2.250 seconds');
    assert.equal(describeInterval(2 * 3600 + 61), '2 hours, 1 minute, and 1.000 seconds');
  });
});
