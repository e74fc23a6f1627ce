"""Round-trips every CQL type through the Python driver, unprepared (CQL literals) and prepared (bound values).

Each row is written twice — as literals in an unprepared INSERT (key k) and as bound values of a prepared INSERT
(key 100 + k) — and read back through both an unprepared and a prepared SELECT. Covers nulls, empty strings/blobs,
empty collections (which Cassandra stores as null unless frozen), null tuple/UDT fields and UNSET bound values (which
leave a column untouched). Prints OK, or every mismatch and exits 1.
"""
import datetime
import math
import os
import sys
import uuid
from decimal import Decimal

from cassandra import cqltypes
from cassandra.cluster import Cluster
from cassandra.query import UNSET_VALUE
from cassandra.util import Date, Duration, Time

HOST = os.environ.get('SIBYL_HOST', '127.0.7.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))

# column, CQL type, type names the driver may report for the column in result metadata
COLUMNS = [
    ('c_ascii', 'ascii', {'ascii'}),
    ('c_bigint', 'bigint', {'bigint'}),
    ('c_blob', 'blob', {'blob'}),
    ('c_boolean', 'boolean', {'boolean'}),
    ('c_date', 'date', {'date'}),
    ('c_decimal', 'decimal', {'decimal'}),
    ('c_double', 'double', {'double'}),
    ('c_duration', 'duration', {'duration'}),
    ('c_float', 'float', {'float'}),
    ('c_inet', 'inet', {'inet'}),
    ('c_int', 'int', {'int'}),
    ('c_smallint', 'smallint', {'smallint'}),
    ('c_text', 'text', {'text', 'varchar'}),
    ('c_time', 'time', {'time'}),
    ('c_timestamp', 'timestamp', {'timestamp'}),
    ('c_timeuuid', 'timeuuid', {'timeuuid'}),
    ('c_tinyint', 'tinyint', {'tinyint'}),
    ('c_uuid', 'uuid', {'uuid'}),
    ('c_varchar', 'varchar', {'text', 'varchar'}),
    ('c_varint', 'varint', {'varint'}),
    ('c_list', 'list<int>', {'list'}),
    ('c_set', 'set<text>', {'set'}),
    ('c_map', 'map<text, int>', {'map'}),
    ('c_frozen_list', 'frozen<list<int>>', {'list'}),
    ('c_tuple', 'tuple<int, text>', {'tuple'}),
    ('c_udt', 'frozen<address>', None),
    ('c_udt_nf', 'address', None),
]
NAMES = [c[0] for c in COLUMNS]

SAME = object()


def v(py, lit, expected=SAME):
    """A value as a bound Python value, as a CQL literal, and as the driver should read it back."""
    return (py, lit, py if expected is SAME else expected)


TUUID = uuid.UUID('8e7a3c40-7b1e-11ee-b962-0242ac120002')
UUID4 = uuid.UUID('0b7e4a1e-4f5c-4b8e-9d4f-6a1a2b3c4d5e')

ROWS = {
    1: {  # typical values
        'c_ascii': v('hello', "'hello'"),
        'c_bigint': v(1234567890123, '1234567890123'),
        'c_blob': v(b'\x00\x01\xff', '0x0001ff'),
        'c_boolean': v(True, 'true'),
        'c_date': v(datetime.date(2024, 2, 29), "'2024-02-29'"),
        'c_decimal': v(Decimal('123.456'), '123.456'),
        'c_double': v(3.141592653589793, '3.141592653589793'),
        'c_duration': v(Duration(1, 2, 3000000000), '1mo2d3s'),
        'c_float': v(1.5, '1.5'),
        'c_inet': v('10.0.0.1', "'10.0.0.1'"),
        'c_int': v(42, '42'),
        'c_smallint': v(-7, '-7'),
        'c_text': v("it's héllo wörld ✓ 𝄞", "'it''s héllo wörld ✓ 𝄞'"),
        'c_time': v(Time('13:45:07.123456789'), "'13:45:07.123456789'"),
        'c_timestamp': v(datetime.datetime(2024, 1, 2, 3, 4, 5, 678000), "'2024-01-02 03:04:05.678+0000'"),
        'c_timeuuid': v(TUUID, str(TUUID)),
        'c_tinyint': v(5, '5'),
        'c_uuid': v(UUID4, str(UUID4)),
        'c_varchar': v('varchar value', "'varchar value'"),
        'c_varint': v(2 ** 100, str(2 ** 100)),
        'c_list': v([1, 2, 3], '[1, 2, 3]'),
        'c_set': v({'b', 'a'}, "{'b', 'a'}"),
        'c_map': v({'a': 1, 'b': 2}, "{'a': 1, 'b': 2}"),
        'c_frozen_list': v([3, 1, 2], '[3, 1, 2]'),
        'c_tuple': v((1, 'x'), "(1, 'x')"),
        'c_udt': v(('Main St', 12345), "{street: 'Main St', zip: 12345}"),
        'c_udt_nf': v(('Side St', 1), "{street: 'Side St', zip: 1}"),
    },
    2: {  # extremes
        'c_ascii': v('~!@#$%^&*()_+ 0123', "'~!@#$%^&*()_+ 0123'"),
        'c_bigint': v(-9223372036854775808, '-9223372036854775808'),
        'c_blob': v(bytes(range(256)), '0x' + bytes(range(256)).hex()),
        'c_boolean': v(False, 'false'),
        'c_date': v(datetime.date(1900, 1, 1), "'1900-01-01'"),
        'c_decimal': v(Decimal('-0.000001'), '-0.000001'),
        'c_double': v(-math.inf, '-Infinity'),
        'c_duration': v(Duration(-14, -3, -4000000), '-1y2mo3d4ms'),
        'c_float': v(3.4028234663852886e38, '3.4028234663852886E38'),
        'c_inet': v('2001:db8::1', "'2001:db8::1'"),
        'c_int': v(-2147483648, '-2147483648'),
        'c_smallint': v(32767, '32767'),
        'c_text': v('', "''"),
        'c_time': v(Time(86399999999999), "'23:59:59.999999999'"),
        'c_timestamp': v(datetime.datetime(1960, 6, 1, 0, 0, 0, 1000), "'1960-06-01 00:00:00.001+0000'"),
        'c_timeuuid': v(TUUID, str(TUUID)),
        'c_tinyint': v(-128, '-128'),
        'c_uuid': v(uuid.UUID(int=0), '00000000-0000-0000-0000-000000000000'),
        'c_varchar': v('x' * 10000, "'" + 'x' * 10000 + "'"),
        'c_varint': v(-(2 ** 70), str(-(2 ** 70))),
        'c_list': v([2147483647, -1, 2147483647], '[2147483647, -1, 2147483647]'),
        'c_set': v({''}, "{''}"),
        'c_map': v({'': -1}, "{'': -1}"),
        'c_frozen_list': v([0], '[0]'),
        'c_tuple': v((-1, ''), "(-1, '')"),
        'c_udt': v(('', -1), "{street: '', zip: -1}"),
        'c_udt_nf': v(('', 0), "{street: '', zip: 0}"),
    },
    3: {  # empty values; empty non-frozen collections are no value at all
        'c_ascii': v('', "''"),
        'c_blob': v(b'', '0x'),
        'c_decimal': v(Decimal('1E+30'), '1E+30'),
        'c_double': v(1.7976931348623157e308, '1.7976931348623157E308'),
        'c_duration': v(Duration(0, 0, 0), '0s'),
        'c_text': v('', "''"),
        'c_varchar': v('', "''"),
        'c_varint': v(0, '0'),
        'c_list': v([], '[]', None),
        'c_set': v(set(), '{}', None),
        'c_map': v({}, '{}', None),
        'c_frozen_list': v([], '[]'),
        'c_tuple': v((7, None), '(7, null)'),
        'c_udt': v((None, 5), '{zip: 5}'),
    },
    4: {name: v(None, 'null') for name in NAMES},  # explicit nulls
}

problems = []


def report(msg):
    problems.append(msg)
    print('MISMATCH ' + msg)


def same(actual, expected):
    if expected is None or actual is None:
        return actual is None and expected is None
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    if isinstance(expected, (tuple, list)) and not isinstance(expected, str):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected))
    return actual == expected


def check_row(how, key, row, expected):
    if row is None:
        report('%s k=%d: row missing' % (how, key))
        return
    for name in NAMES:
        exp = expected[name][2] if name in expected else None
        got = getattr(row, name)
        if not same(got, exp):
            report('%s k=%d %s: expected %r, got %r' % (how, key, name, exp, got))


def check_metadata(rs):
    # SELECT * lists the key, then the other columns in alphabetical order.
    want = ['k'] + sorted(NAMES)
    if list(rs.column_names) != want:
        report('SELECT * columns %s, expected %s' % (rs.column_names, want))
    types = dict(zip(rs.column_names, rs.column_types))
    for name, _, typenames in COLUMNS:
        ctype = types.get(name)
        if ctype is None:
            report('%s missing from the result metadata' % name)
        elif typenames is None and not issubclass(ctype, cqltypes.UserType):
            report('%s: result type %s is not a UDT' % (name, ctype))
        elif typenames is not None and ctype.typename not in typenames:
            report('%s: result type %s, expected %s' % (name, ctype.typename, typenames))


def main():
    cluster = Cluster([HOST], port=PORT)
    session = cluster.connect()
    try:
        session.execute('DROP KEYSPACE IF EXISTS types_ks')
        session.execute("CREATE KEYSPACE types_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.set_keyspace('types_ks')
        session.execute('CREATE TYPE address (street text, zip int)')
        session.execute('CREATE TABLE all_types (k int PRIMARY KEY, %s)' % ', '.join('%s %s' % (n, t) for n, t, _ in COLUMNS))

        insert = session.prepare('INSERT INTO all_types (k, %s) VALUES (?, %s)' % (', '.join(NAMES), ', '.join('?' for _ in NAMES)))
        select = session.prepare('SELECT * FROM all_types WHERE k = ?')
        for key, values in ROWS.items():
            cols = [n for n in NAMES if n in values]
            session.execute('INSERT INTO all_types (k, %s) VALUES (%d, %s)' % (', '.join(cols), key, ', '.join(values[n][1] for n in cols)))
            # Columns a row leaves out are bound as null, so both inserts describe the same row.
            session.execute(insert, [100 + key] + [values[n][0] if n in values else None for n in NAMES])
            for k in (key, 100 + key):
                rs = session.execute('SELECT * FROM all_types WHERE k = %d' % k)
                check_metadata(rs)
                check_row('unprepared read', k, rs.one(), values)
                check_row('prepared read', k, session.execute(select, [k]).one(), values)

        # UNSET leaves the stored value alone, unlike null which deletes it.
        partial = [UNSET_VALUE] * len(NAMES)
        partial[NAMES.index('c_int')] = 7
        partial[NAMES.index('c_text')] = None
        session.execute(insert, [101] + partial)
        expected = dict(ROWS[1], c_int=v(7, '7'), c_text=v(None, 'null'))
        check_row('after UNSET insert', 101, session.execute(select, [101]).one(), expected)
        update = session.prepare('UPDATE all_types SET c_bigint = ?, c_list = ? WHERE k = ?')
        session.execute(update, [UNSET_VALUE, UNSET_VALUE, 101])
        check_row('after UNSET update', 101, session.execute(select, [101]).one(), expected)
        session.execute(update, [UNSET_VALUE, [9], 101])
        check_row('after list update', 101, session.execute(select, [101]).one(), dict(expected, c_list=v([9], '[9]')))

        count = session.execute('SELECT count(*) FROM all_types').one()[0]
        if count != 2 * len(ROWS):
            report('count(*) = %d, expected %d' % (count, 2 * len(ROWS)))
    finally:
        cluster.shutdown()
    if problems:
        return 1
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
