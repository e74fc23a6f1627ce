"""Client warnings through the Python driver (ResponseFuture.warnings), unprepared and prepared, with the driver's
default protocol negotiation. Expects the keyspace SIBYL_KEYSPACE (default warn_ks) with table t (k int, c int,
v text, PRIMARY KEY (k, c)); creates it when missing, so it also runs against Cassandra 5.0 itself.
Prints OK, or each failed check and exits 1.
"""
import os
import sys

from cassandra.cluster import Cluster
from cassandra.query import BatchStatement, BatchType

HOST = os.environ.get('SIBYL_HOST', '127.0.66.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))
KS = os.environ.get('SIBYL_KEYSPACE', 'warn_ks')
NO_PK = 'Aggregation query used without partition key'
IN_PK = 'Aggregation query used on multiple partition keys (IN restriction)'

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


def warnings_of(session, stmt, params=None):
    f = session.execute_async(stmt, params)
    f.result()
    return f.warnings


cluster = Cluster([HOST], port=PORT)
session = cluster.connect()
session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % KS)
session.execute('CREATE TABLE IF NOT EXISTS %s.t (k int, c int, v text, PRIMARY KEY (k, c))' % KS)

w = warnings_of(session, 'SELECT count(*) FROM %s.t' % KS)
check(w == [NO_PK], 'count(*) without a partition key: %r' % (w,))
prepared = session.prepare('SELECT count(*) FROM %s.t WHERE k IN ?' % KS)
w = warnings_of(session, prepared, ([1, 2],))
check(w == [IN_PK], 'prepared count(*) with IN: %r' % (w,))
w = warnings_of(session, 'SELECT count(*) FROM %s.t WHERE k = 1' % KS)
check(w is None, 'count(*) of one partition: %r' % (w,))

insert = session.prepare('INSERT INTO %s.t (k, c, v) VALUES (?, 2, ?)' % KS)
batch = BatchStatement(batch_type=BatchType.UNLOGGED)
for i in range(11):
    batch.add(insert, (200 + i, 'p'))
w = warnings_of(session, batch)
check(w == ['Unlogged batch covering 11 partitions detected against table [%s.t]. You should use a logged batch for '
            'atomicity, or asynchronous writes for performance.' % KS], 'unlogged batch: %r' % (w,))

check(cluster.protocol_version >= 4, 'protocol version %d' % cluster.protocol_version)
cluster.shutdown()
if failures:
    sys.exit(1)
print('OK')
