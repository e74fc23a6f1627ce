"""Native protocol versions and compression through the Python driver.

For each configuration (the driver's default negotiation, then v5, v4 and v3 forced, with and without LZ4, and the
v6 beta): the
version and compression the connection ended on, simple, prepared and batch statements, a value over 128 KiB (several
v5 segments each way), paging, and a prepared SELECT * across an ALTER TABLE. On v5 also the keyspace carried by each
request (no USE). Prints OK, or each failed check and exits 1.
"""
import os
import sys

from cassandra import ProtocolVersion
from cassandra.cluster import Cluster
from cassandra.connection import segment_codec_lz4
from cassandra.query import BatchStatement, SimpleStatement

HOST = os.environ.get('SIBYL_HOST', '127.0.33.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


def negotiated(cluster):
    conn = cluster.control_connection._connection
    return cluster.protocol_version, conn.compressor is not None, conn._is_checksumming_enabled, getattr(conn, '_segment_codec', None)


def exercise(session, ks, label, v5):
    session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % ks)
    session.execute('CREATE TABLE IF NOT EXISTS %s.t (k int, c int, v blob, PRIMARY KEY (k, c))' % ks)
    session.execute('TRUNCATE %s.t' % ks)
    big = os.urandom(200000) + b'z' * 200000
    ins = session.prepare('INSERT INTO %s.t (k, c, v) VALUES (?, ?, ?)' % ks)
    session.execute(ins, (1, 0, big))
    session.execute('INSERT INTO %s.t (k, c, v) VALUES (%%s, %%s, %%s)' % ks, (1, 1, big[:1000]))
    batch = BatchStatement()
    for c in range(2, 1202):
        batch.add(ins, (2, c, b'%d' % c))
    session.execute(batch)
    row = session.execute('SELECT v FROM %s.t WHERE k = 1 AND c = 0' % ks).one()
    check(row is not None and row.v == big, '%s: a 400 kB value round-trips unprepared' % label)
    sel = session.prepare('SELECT v FROM %s.t WHERE k = ? AND c = ?' % ks)
    row = session.execute(sel, (1, 0)).one()
    check(row is not None and row.v == big, '%s: a 400 kB value round-trips prepared' % label)
    rows = list(session.execute(SimpleStatement('SELECT c FROM %s.t WHERE k = 2' % ks, fetch_size=100)))
    check([r.c for r in rows] == list(range(2, 1202)), '%s: 1,200 rows paged by 100 (got %d)' % (label, len(rows)))

    star = session.prepare('SELECT * FROM %s.t WHERE k = 1 AND c = 1' % ks)
    before = session.execute(star).one()
    check(before is not None and list(before._fields) == ['k', 'c', 'v'], '%s: SELECT * columns before ALTER' % label)
    session.execute('ALTER TABLE %s.t ADD extra text' % ks)
    try:
        after = session.execute(star).one()
        check(after is not None and list(after._fields) == ['k', 'c', 'extra', 'v'], '%s: a prepared SELECT * sees the added column (got %r)' % (label, after and after._fields))
    finally:
        session.execute('ALTER TABLE %s.t DROP extra' % ks)

    if v5:
        # No USE anywhere: v5 carries the keyspace in QUERY, PREPARE and BATCH.
        r = session.execute(SimpleStatement('SELECT count(*) FROM t WHERE k = 2', keyspace=ks)).one()
        check(r is not None and r[0] == 1200, '%s: QUERY with its own keyspace (got %r)' % (label, r))
        p = session.prepare('SELECT v FROM t WHERE k = ? AND c = ?', keyspace=ks)
        r = session.execute(p, (1, 1)).one()
        check(r is not None and r.v == big[:1000], '%s: PREPARE with its own keyspace' % label)
        b = BatchStatement()
        b.add(SimpleStatement('INSERT INTO t (k, c, v) VALUES (3, 1, 0x01)'))
        b.keyspace = ks
        session.execute(b)
        r = session.execute('SELECT v FROM %s.t WHERE k = 3 AND c = 1' % ks).one()
        check(r is not None and r.v == b'\x01', '%s: BATCH with its own keyspace' % label)
        try:
            session.execute('SELECT * FROM t')
            check(False, '%s: the session itself has no keyspace' % label)
        except Exception as e:  # noqa: BLE001 - any refusal is the point; its text is checked
            check('No keyspace has been specified' in str(e), '%s: unqualified table without a keyspace is refused (got %s)' % (label, e))


def main():
    configs = [
        ('default', {}, 5, True),
        ('v5 uncompressed', {'protocol_version': 5, 'compression': False}, 5, False),
        ('v4 lz4', {'protocol_version': 4, 'compression': 'lz4'}, 4, True),
        ('v4 uncompressed', {'protocol_version': 4, 'compression': False}, 4, False),
        ('v3 lz4', {'protocol_version': 3, 'compression': 'lz4'}, 3, True),
        # v6 is Cassandra 5.0's beta: only for a client that opts in with USE_BETA.
        ('v6 beta', {'protocol_version': 6, 'allow_beta_protocol_version': True}, 6, True),
    ]
    for i, (label, kw, want_version, want_lz4) in enumerate(configs):
        cluster = Cluster([HOST], port=PORT, **kw)
        try:
            session = cluster.connect()
            version, compressed, checksummed, codec = negotiated(cluster)
            check(version == want_version, '%s: negotiated v%s (want v%s)' % (label, version, want_version))
            check(compressed == want_lz4, '%s: compression %s (want %s)' % (label, compressed, want_lz4))
            check(checksummed == (want_version >= 5), '%s: v5 segments %s' % (label, checksummed))
            if want_version >= 5 and want_lz4:
                check(codec is segment_codec_lz4, '%s: LZ4 segment codec' % label)
            exercise(session, 'proto_ks%d' % i, label, ProtocolVersion.uses_keyspace_flag(version))
        finally:
            cluster.shutdown()
    if failures:
        sys.exit(1)
    print('OK')


if __name__ == '__main__':
    main()
