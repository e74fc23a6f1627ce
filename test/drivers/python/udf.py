"""User-defined functions and aggregates through the Python driver: CREATE FUNCTION (LANGUAGE javascript) and
CREATE AGGREGATE, the driver's metadata (keyspace.functions / aggregates, as_cql_query), a call in a selector,
prepared and not, and the aggregate. Needs a node with user_defined_functions_enabled. Prints OK, or each failed
check and exits 1.
"""
import os
import sys

from cassandra.cluster import Cluster

HOST = os.environ.get('SIBYL_HOST', '127.0.66.3')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))
KS = os.environ.get('SIBYL_KEYSPACE', 'udf_py')

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


cluster = Cluster([HOST], port=PORT)
session = cluster.connect()
session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % KS)
session.execute('CREATE TABLE IF NOT EXISTS %s.t (k int, c int, v int, PRIMARY KEY (k, c))' % KS)
for c in range(3):
    session.execute('INSERT INTO %s.t (k, c, v) VALUES (1, %d, %d)' % (KS, c, c + 1))
session.execute("CREATE OR REPLACE FUNCTION %s.twice(x int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'x * 2'" % KS)
session.execute("CREATE OR REPLACE FUNCTION %s.addup(s int, x int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 's + x'" % KS)
session.execute('CREATE OR REPLACE AGGREGATE %s.addall(int) SFUNC addup STYPE int INITCOND 0' % KS)

rows = list(session.execute('SELECT c, %s.twice(v) FROM %s.t WHERE k = 1' % (KS, KS)))
check([tuple(r) for r in rows] == [(0, 2), (1, 4), (2, 6)], 'twice rows %r' % rows)
prepared = session.prepare('SELECT twice(v) FROM %s.t WHERE k = ? AND c = ?' % KS)
check(list(session.execute(prepared, (1, 2)))[0][0] == 6, 'prepared call')
check(list(session.execute('SELECT addall(v) FROM %s.t WHERE k = 1' % KS))[0][0] == 6, 'aggregate')

cluster.refresh_schema_metadata()
ks = cluster.metadata.keyspaces[KS]
fn = ks.functions.get('twice(int)')
check(fn is not None and fn.language == 'javascript' and fn.body == 'x * 2', 'function metadata %r' % (list(ks.functions),))
agg = ks.aggregates.get('addall(int)')
check(agg is not None and agg.state_func == 'addup' and agg.initial_condition == '0', 'aggregate metadata %r' % (list(ks.aggregates),))
if fn is not None:
    check('LANGUAGE javascript' in fn.as_cql_query(), 'as_cql_query %r' % fn.as_cql_query())
cluster.shutdown()
if failures:
    sys.exit(1)
print('OK')
