// `sibyl cqlsh` on a terminal, driven through tmux (a real pseudo-terminal) against a node on 127.0.18.3: the banner,
// prompts, continuation lines, ---MORE--- paging, tab completion and the history file kept across runs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { REPO_ROOT, startNodeProcess } from '../helpers/node-process.ts';

const HOST = '127.0.18.3';
const TMUX = spawnSync('tmux', ['-V']).status === 0;
let home: string;
let sessions = 0;

// A tmux server of our own, its socket in the test's temp directory: the developer's sessions are never touched, and
// kill-server plus removing the directory leave nothing behind.
function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', join(home, 'tmux.sock'), '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

// capture-pane drops trailing blanks, so prompts read `cqlsh>` here.
const screen = (s: string): string => tmux('capture-pane', '-p', '-t', s);

/** Polls the pane until `test` holds: at most 200 looks, 20 s. */
async function waitFor(session: string, test: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    const text = screen(session);
    if (test(text)) return text;
    await sleep(100);
  }
  throw new Error(`no ${what} on the screen:\n${screen(session)}`);
}

/** Types text literally; tmux reads a trailing `;` as its own command separator unless escaped. */
function type(session: string, text: string): void {
  tmux('send-keys', '-t', session, '-l', text.endsWith(';') ? text.slice(0, -1) + '\\;' : text);
}

const press = (session: string, ...keys: string[]): void => void tmux('send-keys', '-t', session, ...keys);

const count = (text: string, part: string): number => text.split(part).length - 1;

async function startShell(): Promise<string> {
  const name = `cqlsh${++sessions}`;
  const cmd = `cd '${REPO_ROOT}' && HOME='${home}' TERM=xterm exec '${process.execPath}' --import tsx src/tools/cli.ts `
    + `cqlsh ${HOST}`;
  tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', cmd);
  await waitFor(name, (t) => t.includes('Use HELP for help.') && t.includes('cqlsh>'), 'banner');
  return name;
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'sibyl-cqlsh-home-'));
  if (!TMUX) return;
  // A session that outlives the shells: when the last session ends tmux's server exits, and a new-session sent while
  // it is exiting fails with "server exited unexpectedly" (seen when the history test restarts the shell).
  tmux('new-session', '-d', '-s', 'keepalive', 'sleep 600');
  await startNodeProcess({ address: HOST });
  const setup = await runCli(['cqlsh', HOST, '-e', `CREATE KEYSPACE it WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
    CREATE TABLE it.customers (customer_id int PRIMARY KEY, firstname text, lastname text);
    INSERT INTO it.customers (customer_id, firstname, lastname) VALUES (1, 'John', 'Doe');
    INSERT INTO it.customers (customer_id, firstname, lastname) VALUES (2, 'Jane', 'Doe');
    CREATE TABLE it.five (k int PRIMARY KEY);
    INSERT INTO it.five (k) VALUES (1); INSERT INTO it.five (k) VALUES (2); INSERT INTO it.five (k) VALUES (3);
    INSERT INTO it.five (k) VALUES (4); INSERT INTO it.five (k) VALUES (5);`], { timeoutMs: 30_000 });
  assert.equal(setup.stderr, '');
});

after(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left: every session already ended
  }
  rmSync(home, { recursive: true, force: true });
});

describe('cqlsh on a terminal', { skip: TMUX ? false : 'tmux is not installed' }, () => {
  let s: string;

  it('shows the banner with the values of system.local', async () => {
    s = await startShell();
    const text = screen(s);
    assert.match(text, /^Connected to Test Cluster at 127\.0\.18\.3:9042\n\[cqlsh 6\.1\.0 \| Cassandra 4\.0\.11 \| CQL spec 3\.4\.5 \| Native protocol v4\]\nUse HELP for help\.\ncqlsh>/);
  });

  it('continues a statement over several lines and prints the table', async () => {
    type(s, 'SELECT *');
    press(s, 'Enter');
    await waitFor(s, (t) => t.includes('\n   ...'), 'continuation prompt');
    type(s, 'FROM it.customers;');
    press(s, 'Enter');
    const text = await waitFor(s, (t) => t.includes('(2 rows)'), 'result');
    assert.ok(text.includes(`cqlsh> SELECT *
   ... FROM it.customers;

 customer_id | firstname | lastname
-------------+-----------+----------
           1 |      John |      Doe
           2 |      Jane |      Doe

(2 rows)
cqlsh>`), text);
  });

  it('waits at ---MORE--- between pages', async () => {
    type(s, 'PAGING 2');
    press(s, 'Enter');
    await waitFor(s, (t) => t.includes('Page size: 2'), 'PAGING message');
    type(s, 'SELECT * FROM it.five;');
    press(s, 'Enter');
    let text = await waitFor(s, (t) => count(t, '---MORE---') === 1, 'first ---MORE---');
    assert.ok(text.includes(' k\n---\n 5\n 1\n\n---MORE---'), text);
    assert.equal(count(text, '(5 rows)'), 0);
    press(s, 'Enter');
    await waitFor(s, (t) => count(t, '---MORE---') === 2, 'second ---MORE---');
    press(s, 'Enter');
    text = await waitFor(s, (t) => t.includes('(5 rows)'), 'last page');
    assert.ok(text.includes('---MORE---\n k\n---\n 2\n 4\n\n---MORE---\n k\n---\n 3\n\n(5 rows)\ncqlsh>'), text);
  });

  it('completes keywords and table names with Tab', async () => {
    press(s, 'C-l');
    type(s, 'USE it;');
    press(s, 'Enter');
    await waitFor(s, (t) => t.includes('cqlsh:it>'), 'keyspace prompt');
    type(s, 'sel');
    press(s, 'Tab');
    await waitFor(s, (t) => t.includes('cqlsh:it> select'), 'completed keyword');
    type(s, '* from cust');
    press(s, 'Tab');
    await waitFor(s, (t) => t.includes('cqlsh:it> select * from customers'), 'completed table');
    type(s, 'where custo');
    press(s, 'Tab');
    await waitFor(s, (t) => t.includes('select * from customers where customer_id'), 'completed column');
    type(s, '= 2;');
    press(s, 'Enter');
    const text = await waitFor(s, (t) => t.includes('(1 rows)'), 'result');
    assert.match(text, /\n +2 \| +Jane \| +Doe\n/);
  });

  it('keeps the history in ~/.cassandra/cqlsh_history across runs', async () => {
    type(s, 'EXIT');
    press(s, 'Enter');
    const file = join(home, '.cassandra', 'cqlsh_history');
    for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
    const lines = readFileSync(file, 'utf8').split('\n');
    // Each line typed, plus a statement typed over several lines joined into one (as cqlsh adds it).
    for (const l of ['SELECT *', 'FROM it.customers;', 'SELECT * FROM it.customers;', 'PAGING 2',
      'select * from customers where customer_id = 2;', 'EXIT']) {
      assert.ok(lines.includes(l), `history lacks ${l}:\n${lines.join('\n')}`);
    }
    const again = await startShell();
    press(again, 'Up');
    await waitFor(again, (t) => t.includes('cqlsh> EXIT'), 'last command recalled');
    press(again, 'Up');
    await waitFor(again, (t) => t.includes('cqlsh> select * from customers where customer_id = 2;'), 'older command');
  });
});
