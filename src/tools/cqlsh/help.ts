// HELP: the two topic lists cqlsh prints (its documented shell commands, and the CQL topics of cqlshlib's
// helptopics.py, which cqlsh opens in a browser), with Sibyl's own short text for each shell command.

/** Shell commands cqlsh documents (QUIT is hidden, as in cqlsh). */
export const SHELL_HELP: Readonly<Record<string, string>> = {
  capture: `
        CAPTURE ['<file>' | OFF]

          Appends query results to a file instead of showing them; CAPTURE OFF shows them again and CAPTURE
          alone tells where output is going. Errors and the messages of shell commands are always shown.
        `,
  clear: `
        CLEAR / CLS

          Clears the console.
        `,
  consistency: `
        CONSISTENCY [<level>]

          Shows or sets the consistency level of later requests (default ONE). Levels: ANY, ONE, TWO, THREE,
          QUORUM, ALL, LOCAL_ONE, LOCAL_QUORUM, EACH_QUORUM, SERIAL, LOCAL_SERIAL.
        `,
  copy: `
        COPY <table> [(<column>, ...)] TO ('<file>' | STDOUT) [WITH <option> = <value> [AND ...]];
        COPY <table> [(<column>, ...)] FROM ('<file>' | STDIN) [WITH <option> = <value> [AND ...]];

          Exports a table to CSV, or imports CSV into a table. Options: HEADER, DELIMITER, QUOTE, ESCAPE, NULL,
          BOOLSTYLE, DECIMALSEP, THOUSANDSSEP, MAXATTEMPTS, REPORTFREQUENCY, NUMPROCESSES, PAGESIZE, MAXROWS,
          SKIPROWS, SKIPCOLS, MAXPARSEERRORS, MAXINSERTERRORS, ERRFILE, TTL, FLOATPRECISION, DOUBLEPRECISION.
        `,
  describe: `
        DESCRIBE | DESC  ( KEYSPACES | KEYSPACE [<ks>] | TABLES | TABLE <table> | TYPES | TYPE <type>
                         | [FULL] SCHEMA | CLUSTER | <name> )

          Shows the CQL that recreates schema objects, or lists them. The node answers (server-side DESCRIBE).
        `,
  exit: `
        EXIT / QUIT

          Leaves cqlsh.
        `,
  expand: `
        EXPAND [ON | OFF]

          Shows each row vertically, one column per line, or back as a table.
        `,
  help: `
        HELP [<topic> ...]

          Lists the topics, or explains one.
        `,
  history: `
        HISTORY [<n>]

          Shows the most recent commands (50 unless n is given).
        `,
  login: `
        LOGIN <username> ['<password>']

          Changes the user shown in the prompt (Sibyl does not enforce authentication).
        `,
  paging: `
        PAGING [ON | OFF | <page size>]

          Fetches results a page at a time (default ON, 100 rows), pausing with ---MORE--- between pages on a
          terminal.
        `,
  serial: `
        SERIAL CONSISTENCY [SERIAL | LOCAL_SERIAL]

          Shows or sets the serial consistency level of conditional updates (default SERIAL).
        `,
  show: `
        SHOW VERSION | HOST

          Shows the versions of cqlsh and of the node, or where cqlsh is connected.
        `,
  source: `
        SOURCE '<file>'

          Runs the statements of a file; errors do not stop it.
        `,
  tracing: `
        TRACING [ON | OFF]

          Enables or disables request tracing: with TRACING ON, each statement's trace (its events from
          system_traces) is printed after its result; TRACING alone shows whether it is on.
        `,
  unicode: `
        Text values are shown as they are; control characters appear as backslash escapes.
        `,
};

/** Aliases that are documented topics too (cqlsh's do_cls = do_clear, do_desc = do_describe). */
export const SHELL_TOPICS = [...Object.keys(SHELL_HELP), 'cls', 'desc'].sort();

export function shellHelp(topic: string): string | undefined {
  const t = topic === 'cls' ? 'clear' : topic === 'desc' ? 'describe' : topic;
  return SHELL_HELP[t];
}

/** cqlshlib/helptopics.py: topic → page of the CQL documentation. */
export const CQL_TOPICS: Readonly<Record<string, string>> = {
  aggregates: 'functions.html#aggregate-functions', alter_keyspace: 'ddl.html#alter-keyspace',
  alter_materialized_view: 'mvs.html#alter-materialized-view', alter_role: 'security.html#alter-role',
  alter_table: 'ddl.html#alter-table', alter_type: 'types.html#altering-a-udt', alter_user: 'security.html#alter-user',
  apply: 'dml.html#batch', ascii: 'definitions.html#constants', batch: 'dml.html#batch', begin: 'dml.html#batch',
  blob: 'definitions.html#constants', boolean: 'definitions.html#constants', counter: 'types.html#counters',
  create_aggregate: 'functions.html#create-aggregate', create_columnfamily: 'ddl.html#create-table',
  create_function: 'functions.html#create-function', create_index: 'indexes.html#create-index',
  create_keyspace: 'ddl.html#create-keyspace', create_materialized_view: 'mvs.html#create-materialized-view',
  create_role: 'security.html#create-role', create_table: 'ddl.html#create-table',
  create_trigger: 'triggers.html#create-trigger', create_type: 'types.html#creating-a-udt',
  create_user: 'security.html#create-user', date: 'types.html#working-with-dates', delete: 'dml.html#delete',
  drop_aggregate: 'functions.html#drop-aggregate', drop_columnfamily: 'ddl.html#drop-table',
  drop_function: 'functions.html#drop-function', drop_index: 'indexes.html#drop-index',
  drop_keyspace: 'ddl.html#drop-keyspace', drop_materialized_view: 'mvs.html#drop-materialized-view',
  drop_role: 'security.html#drop-role', drop_table: 'ddl.html#drop-table', drop_trigger: 'triggers.html#drop-trigger',
  drop_type: 'types.html#dropping-a-udt', drop_user: 'security.html#drop-user',
  duration: 'types.html#working-with-durations', functions: 'functions.html',
  grant_permission: 'security.html#grant-permission', grant_role: 'security.html#grant-role',
  insert: 'dml.html#insert', insert_json: 'json.html#insert-json', int: 'definitions.html#constants',
  json: 'json.html', keywords: 'appendices.html#appendix-a-cql-keywords', list: 'types.html#lists',
  list_permissions: 'security.html#list-permissions', list_roles: 'security.html#list-roles',
  list_users: 'security.html#list-users', map: 'types.html#maps', permissions: 'security.html#permissions',
  revoke_permission: 'security.html#revoke-permission', revoke_role: 'security.html#revoke-role',
  select: 'dml.html#select', select_json: 'json.html#select-json', set: 'types.html#sets',
  text: 'definitions.html#constants', time: 'types.html#working-with-times',
  timestamp: 'types.html#working-with-timestamps', truncate: 'ddl.html#truncate', tuple: 'types.html#tuples',
  types: 'types.html', update: 'dml.html#update', use: 'ddl.html#use', uuid: 'definitions.html#constants',
};

export const CQL_DOCS_URL = 'https://cassandra.apache.org/doc/latest/cassandra/cql/';
