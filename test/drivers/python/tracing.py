"""Request tracing through the Python driver: a traced SELECT, INSERT, prepared EXECUTE and BATCH each return a trace
id, and get_query_trace() finds its system_traces.sessions row (request type, coordinator, parameters, duration)
and its events. Creates keyspace SIBYL_KEYSPACE (default trace_ks) when missing, so it also runs against Cassandra.
Prints OK, or each failed check and exits 1.
"""
import os
import sys

from cassandra.cluster import Cluster
from cassandra.query import BatchStatement

HOST = os.environ.get('SIBYL_HOST', '127.0.66.2')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))
KS = os.environ.get('SIBYL_KEYSPACE', 'trace_ks')

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


def traced(session, stmt, params=None):
    f = session.execute_async(stmt, params, trace=True)
    f.result()
    return f.get_query_trace(max_wait=10)


cluster = Cluster([HOST], port=PORT)
session = cluster.connect()
session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % KS)
session.execute('CREATE TABLE IF NOT EXISTS %s.t (k int, c int, v text, PRIMARY KEY (k, c))' % KS)

t = traced(session, "INSERT INTO %s.t (k, c, v) VALUES (1, 1, 'a')" % KS)
check(t.request_type == 'Execute CQL3 query', 'insert request type %r' % t.request_type)
check(t.parameters.get('query', '').startswith('INSERT INTO'), 'insert parameters %r' % (t.parameters,))
check(t.duration is not None and t.coordinator == HOST, 'insert session %r %r' % (t.duration, t.coordinator))
check(any(e.description.startswith('Parsing INSERT') for e in t.events), 'insert events %r' % [e.description for e in t.events])

t = traced(session, 'SELECT * FROM %s.t WHERE k = 1' % KS)
descriptions = [e.description for e in t.events]
check('Executing single-partition query on t' in descriptions, 'select events %r' % descriptions)
check(any(d.startswith('Read ') and 'live rows' in d for d in descriptions), 'select read event %r' % descriptions)
check(all(e.source == HOST for e in t.events), 'event sources %r' % [e.source for e in t.events])
check(t.parameters.get('consistency_level') is not None, 'select parameters %r' % (t.parameters,))

prepared = session.prepare('SELECT * FROM %s.t WHERE k = ?' % KS)
t = traced(session, prepared, (1,))
check(t.request_type == 'Execute CQL3 prepared query', 'execute request type %r' % t.request_type)

batch = BatchStatement()
batch.add("INSERT INTO %s.t (k, c, v) VALUES (2, 1, 'b')" % KS)
t = traced(session, batch)
check(t.request_type == 'Execute batch of CQL3 queries', 'batch request type %r' % t.request_type)

rows = list(session.execute('SELECT session_id FROM system_traces.sessions'))
check(len(rows) >= 4, 'system_traces.sessions rows %d' % len(rows))
cluster.shutdown()
if failures:
    sys.exit(1)
print('OK')
