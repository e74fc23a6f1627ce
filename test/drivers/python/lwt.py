"""Lightweight transactions through the Python driver, checked against Cassandra's behaviour.

- INSERT ... IF NOT EXISTS: was_applied is True the first time; the second time False, with the existing row.
- UPDATE ... IF v = x and DELETE ... IF EXISTS: was_applied, and the current value of v when not applied.
- A conditional batch on one partition: was_applied, and the batch's rows ([applied], k, c, v) when not applied.
- A prepared conditional statement, and SELECT at SERIAL / LOCAL_SERIAL serial consistency.
Keyspace replication from SIBYL_RF (default 1). Prints OK, or each failed check and exits 1.
"""
import os
import sys

from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster
from cassandra.query import BatchStatement, SimpleStatement

HOST = os.environ.get('SIBYL_HOST', '127.0.7.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))
RF = int(os.environ.get('SIBYL_RF', '1'))

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


def main():
    cluster = Cluster([HOST], port=PORT, protocol_version=4)
    s = cluster.connect()
    s.execute('DROP KEYSPACE IF EXISTS py_lwt')
    s.execute("CREATE KEYSPACE py_lwt WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}" % RF)
    s.set_keyspace('py_lwt')
    s.execute('CREATE TABLE t (k int PRIMARY KEY, v int, w text)')
    s.execute('CREATE TABLE c (k int, c int, v int, PRIMARY KEY (k, c))')

    r = s.execute("INSERT INTO t (k, v, w) VALUES (1, 10, 'a') IF NOT EXISTS")
    check(r.was_applied is True, 'first INSERT IF NOT EXISTS applied')
    r = s.execute("INSERT INTO t (k, v, w) VALUES (1, 20, 'b') IF NOT EXISTS")
    check(r.was_applied is False, 'second INSERT IF NOT EXISTS not applied')
    row = r.one()
    check(r.column_names == ['[applied]', 'k', 'v', 'w'], 'columns of a failed INSERT IF NOT EXISTS: %r' % r.column_names)
    check(row.k == 1 and row.v == 10 and row.w == 'a', 'the existing row is returned: %r' % (row,))

    r = s.execute('UPDATE t SET v = 11 WHERE k = 1 IF v = 10')
    check(r.was_applied is True, 'UPDATE IF v = 10 applied')
    r = s.execute('UPDATE t SET v = 12 WHERE k = 1 IF v = 10')
    check(r.was_applied is False and r.one().v == 11, 'UPDATE IF v = 10 not applied, current v = 11: %r' % (r.one(),))

    prepared = s.prepare('UPDATE t SET w = ? WHERE k = ? IF v = ?')
    check(s.execute(prepared, ('c', 1, 11)).was_applied is True, 'prepared conditional UPDATE applied')
    r = s.execute(prepared, ('d', 1, 99))
    check(r.was_applied is False and r.one().v == 11, 'prepared conditional UPDATE not applied: %r' % (r.one(),))

    serial = SimpleStatement('SELECT v, w FROM t WHERE k = 1', consistency_level=ConsistencyLevel.SERIAL)
    row = s.execute(serial).one()
    check(row.v == 11 and row.w == 'c', 'SELECT at SERIAL: %r' % (row,))
    local = SimpleStatement('UPDATE t SET v = 13 WHERE k = 1 IF v = 11', serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL)
    check(s.execute(local).was_applied is True, 'UPDATE at LOCAL_SERIAL applied')

    s.execute('INSERT INTO c (k, c, v) VALUES (1, 1, 1)')
    batch = BatchStatement()
    batch.add('UPDATE c SET v = 2 WHERE k = 1 AND c = 1 IF v = 1')
    batch.add('INSERT INTO c (k, c, v) VALUES (1, 2, 2)')
    check(s.execute(batch).was_applied is True, 'conditional batch applied')
    batch = BatchStatement()
    batch.add('UPDATE c SET v = 3 WHERE k = 1 AND c = 1 IF v = 1')
    batch.add('UPDATE c SET v = 3 WHERE k = 1 AND c = 2 IF v = 1')
    r = s.execute(batch)
    check(r.was_applied is False, 'conditional batch not applied')
    check([tuple(x) for x in r] == [(False, 1, 1, 2), (False, 1, 2, 2)], 'rows of the failed batch: %r' % ([tuple(x) for x in r],))

    r = s.execute('DELETE FROM t WHERE k = 1 IF EXISTS')
    check(r.was_applied is True, 'DELETE IF EXISTS applied')
    r = s.execute('DELETE FROM t WHERE k = 1 IF EXISTS')
    check(r.was_applied is False, 'second DELETE IF EXISTS not applied')

    s.execute('DROP KEYSPACE py_lwt')
    cluster.shutdown()
    if failures:
        sys.exit(1)
    print('OK')


main()
