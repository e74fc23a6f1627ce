"""Paging through the Python driver against a single node, checked against Cassandra's behaviour.

- A clustering range (val < 50, 50 rows) read with fetch_size 10 as a simple, a bound simple and a prepared statement
  returns rows 0..49 once, in 6 fetches: 5 full pages, then an empty one without a paging state.
- LIMIT reached exactly ends paging without an empty page.
- IN () and an empty list bound to IN ? select nothing (this driver sends a real empty list, not null).
- ORDER BY with IN on the partition key is refused when paged (the driver pages by default) and sorted across the
  partitions when paging is off.
Prints OK, or each failed check and exits 1.
"""
import os
import sys

from cassandra import InvalidRequest
from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement

HOST = os.environ.get('SIBYL_HOST', '127.0.7.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))
POST_ORDERING = ('Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either '
                 'remove the ORDER BY or the IN and sort client side, or disable paging for this query')
MAX_FETCHES = 100

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


def fetch_all(session, stmt, params=None):
    """Rows and the size of each fetch, following paging states (bounded to MAX_FETCHES)."""
    rs = session.execute(stmt, params)
    sizes = [len(rs.current_rows)]
    rows = list(rs.current_rows)
    while rs.has_more_pages and len(sizes) < MAX_FETCHES:
        rs.fetch_next_page()
        sizes.append(len(rs.current_rows))
        rows.extend(rs.current_rows)
    check(not rs.has_more_pages, 'paging ended within %d fetches' % MAX_FETCHES)
    return rows, sizes


def main():
    cluster = Cluster([HOST], port=PORT)
    session = cluster.connect()
    try:
        session.execute('DROP KEYSPACE IF EXISTS paging_py')
        session.execute("CREATE KEYSPACE paging_py WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute('CREATE TABLE paging_py.t (id int, val int, PRIMARY KEY (id, val))')
        session.execute('CREATE TABLE paging_py.ob (p int, c int, PRIMARY KEY (p, c))')
        insert = session.prepare('INSERT INTO paging_py.t (id, val) VALUES (?, ?)')
        for val in range(100):
            session.execute(insert, (1, val))
        for p in (1, 2, 3):
            for c in (p, p + 3, p + 6):
                session.execute('INSERT INTO paging_py.ob (p, c) VALUES (%s, %s)', (p, c))

        ranged = [
            ('simple', SimpleStatement('SELECT val FROM paging_py.t WHERE id = 1 AND val < 50', fetch_size=10), None),
            ('bound simple', SimpleStatement('SELECT val FROM paging_py.t WHERE id = %s AND val < %s', fetch_size=10), (1, 50)),
        ]
        prepared = session.prepare('SELECT val FROM paging_py.t WHERE id = ? AND val < ?')
        prepared.fetch_size = 10
        ranged.append(('prepared', prepared, (1, 50)))
        for name, stmt, params in ranged:
            rows, sizes = fetch_all(session, stmt, params)
            check([r.val for r in rows] == list(range(50)), '%s: rows 0..49 once (got %s)' % (name, [r.val for r in rows]))
            check(sizes == [10, 10, 10, 10, 10, 0], '%s: 5 full pages then an empty one (got %s)' % (name, sizes))

        _, sizes = fetch_all(session, SimpleStatement('SELECT val FROM paging_py.t WHERE id = 1 LIMIT 50', fetch_size=10))
        check(sizes == [10, 10, 10, 10, 10], 'LIMIT 50: no empty page after the limit (got %s)' % sizes)

        check(len(list(session.execute('SELECT * FROM paging_py.t WHERE id IN ()'))) == 0, 'id IN () selects nothing')
        check(len(list(session.execute('SELECT * FROM paging_py.t WHERE id = 1 AND val IN ()'))) == 0, 'val IN () selects nothing')
        by_keys = session.prepare('SELECT * FROM paging_py.t WHERE id IN ?')
        check(len(list(session.execute(by_keys, ([],)))) == 0, 'id IN ? bound to [] selects nothing')
        by_vals = session.prepare('SELECT * FROM paging_py.t WHERE id = 1 AND val IN ?')
        check(len(list(session.execute(by_vals, ([],)))) == 0, 'val IN ? bound to [] selects nothing')

        ordered = 'SELECT c FROM paging_py.ob WHERE p IN (1, 2, 3) ORDER BY c DESC'
        try:
            session.execute(ordered)
            check(False, 'ORDER BY with IN, paged by default: refused')
        except InvalidRequest as e:
            check(POST_ORDERING in str(e), 'ORDER BY with IN, paged: Cassandra\'s message (got %s)' % e)
        rows = list(session.execute(SimpleStatement(ordered, fetch_size=None)))
        check([r.c for r in rows] == [9, 8, 7, 6, 5, 4, 3, 2, 1], 'ORDER BY with IN, unpaged: sorted across partitions (got %s)' % [r.c for r in rows])
        session.execute('DROP KEYSPACE paging_py')
    finally:
        cluster.shutdown()
    if failures:
        sys.exit(1)
    print('OK')


if __name__ == '__main__':
    main()
