"""Secondary indexes through the Python driver: its index metadata (table.indexes, as_cql_query), indexed queries
prepared and not, paging, an SAI range, and a cqlengine model with index=True created by sync_table and queried.

Runs unchanged against Cassandra 5.0 (SIBYL_HOST=127.0.99.1). Prints OK, or each failed check and exits 1.
"""
import os
import sys

from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement
from cassandra.cqlengine import columns, connection
from cassandra.cqlengine.management import sync_table
from cassandra.cqlengine.models import Model

HOST = os.environ.get('SIBYL_HOST', '127.0.7.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))
KS = 'py_idx'

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


class Person(Model):
    __keyspace__ = KS
    id = columns.Integer(primary_key=True)
    seq = columns.Integer(primary_key=True, clustering_order='ASC')
    name = columns.Text(index=True)
    age = columns.Integer(index=True)
    tags = columns.Set(columns.Text, index=True)


def metadata_checks(cluster, session):
    session.execute('CREATE TABLE %s.t (k int, c int, v int, u text, l list<int>, m map<text, int>, PRIMARY KEY (k, c))' % KS)
    session.execute('CREATE INDEX ON %s.t (v)' % KS)
    session.execute('CREATE INDEX ON %s.t (keys(m))' % KS)
    session.execute("CREATE CUSTOM INDEX tu ON %s.t (u) USING 'StorageAttachedIndex' WITH OPTIONS = {'case_sensitive': 'false'}" % KS)
    cluster.refresh_schema_metadata()
    table = cluster.metadata.keyspaces[KS].tables['t']
    check(sorted(table.indexes) == ['t_m_idx', 't_v_idx', 'tu'], 'index names %r' % sorted(table.indexes))
    v = table.indexes.get('t_v_idx')
    check(v is not None and v.kind == 'COMPOSITES' and dict(v.index_options) == {'target': 'v'}, 'legacy index metadata')
    check(v is not None and v.as_cql_query() == 'CREATE INDEX t_v_idx ON %s.t (v)' % KS, 'legacy as_cql_query %r' % (v and v.as_cql_query()))
    tu = table.indexes.get('tu')
    check(tu is not None and tu.kind == 'CUSTOM' and tu.index_options.get('class_name') == 'StorageAttachedIndex', 'custom index metadata')
    m = table.indexes.get('t_m_idx')
    check(m is not None and dict(m.index_options).get('target') == 'keys(m)', 'keys() target')
    session.execute('DROP INDEX %s.t_m_idx' % KS)
    cluster.refresh_schema_metadata()
    check(sorted(cluster.metadata.keyspaces[KS].tables['t'].indexes) == ['t_v_idx', 'tu'], 'index gone after DROP INDEX')


def query_checks(session):
    insert = session.prepare('INSERT INTO %s.t (k, c, v, u) VALUES (?, ?, ?, ?)' % KS)
    for i in range(40):
        session.execute(insert, (i % 8, i, i % 4, 'Name%d' % (i % 2)))
    expected = sorted((i % 8, i) for i in range(40) if i % 4 == 1)
    got = sorted((r.k, r.c) for r in session.execute('SELECT k, c FROM %s.t WHERE v = 1' % KS))
    check(got == expected, 'unprepared v = 1: %r' % got)
    bound = session.prepare('SELECT k, c FROM %s.t WHERE v = ?' % KS)
    stmt = bound.bind((1,))
    stmt.fetch_size = 3
    paged = sorted((r.k, r.c) for r in session.execute(stmt))
    check(paged == expected, 'prepared, paged by 3: %r' % paged)
    ci = sorted(r.c for r in session.execute(SimpleStatement("SELECT c FROM %s.t WHERE u = 'NAME1'" % KS, fetch_size=5)))
    check(ci == sorted(i for i in range(40) if i % 2 == 1), 'case-insensitive SAI: %r' % ci)
    try:
        session.execute('SELECT * FROM %s.t WHERE v > 1' % KS)
        check(False, 'a range on a legacy index needs ALLOW FILTERING')
    except Exception as e:  # the driver's InvalidRequest
        check('ALLOW FILTERING' in str(e), 'filtering message: %s' % e)


def cqlengine_checks():
    connection.setup([HOST], KS, port=PORT, protocol_version=4)
    sync_table(Person)
    sync_table(Person)  # a second sync finds the indexes and creates nothing
    for i in range(12):
        Person.create(id=i % 3, seq=i, name='n%d' % (i % 4), age=20 + i % 5, tags={'t%d' % (i % 2)})
    check(sorted(p.seq for p in Person.objects.filter(name='n1')) == [1, 5, 9], 'cqlengine filter on an indexed text column')
    check(sorted(p.seq for p in Person.objects.filter(age=22)) == [2, 7], 'cqlengine filter on an indexed int column')
    check(Person.objects.filter(id=1, age=21).count() == 1, 'cqlengine filter on key and index')
    contains = sorted(p.seq for p in Person.objects.filter(tags__contains='t1'))
    check(contains == [1, 3, 5, 7, 9, 11], 'cqlengine __contains on an indexed set: %r' % contains)
    connection.unregister_connection('default')


def main():
    cluster = Cluster([HOST], port=PORT, protocol_version=4)
    session = cluster.connect()
    try:
        session.execute('DROP KEYSPACE IF EXISTS ' + KS)
        session.execute("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % KS)
        metadata_checks(cluster, session)
        query_checks(session)
        cqlengine_checks()
        session.execute('DROP KEYSPACE ' + KS)
    finally:
        cluster.shutdown()
    if failures:
        sys.exit(1)
    print('OK')


if __name__ == '__main__':
    main()
