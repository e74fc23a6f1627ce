"""Driver metadata against a single node: keyspaces, tables, UDTs, hosts and the token map.

The driver builds all of this from system.local/system.peers and the system_schema tables, so this checks that those
look like Cassandra's. Prints OK, or each failed check and exits 1.
"""
import os
import sys

from cassandra.cluster import Cluster

HOST = os.environ.get('SIBYL_HOST', '127.0.7.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))
DC = os.environ.get('SIBYL_DC', 'datacenter1')
NUM_TOKENS = int(os.environ.get('SIBYL_NUM_TOKENS', '16'))

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL ' + what)


def main():
    cluster = Cluster([HOST], port=PORT)
    session = cluster.connect()
    try:
        for ks in ('meta_ks', 'meta_nts'):
            session.execute('DROP KEYSPACE IF EXISTS ' + ks)
        session.execute("CREATE KEYSPACE meta_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute("CREATE KEYSPACE meta_nts WITH replication = {'class': 'NetworkTopologyStrategy', '%s': 1}" % DC)
        session.execute('CREATE TYPE meta_ks.point (x double, y double)')
        session.execute('CREATE TABLE meta_ks.events (day date, ts timeuuid, kind text, at frozen<point>, tags set<text>, '
                        'PRIMARY KEY ((day), ts)) WITH CLUSTERING ORDER BY (ts DESC)')
        session.execute('CREATE TABLE meta_nts.kv (k text PRIMARY KEY, v blob)')
        # DDL through the driver waits for schema agreement; refresh anyway so the checks see the final state.
        cluster.refresh_schema_metadata()
        md = cluster.metadata

        check(md.cluster_name is not None and md.cluster_name != '', 'cluster_name is set (got %r)' % md.cluster_name)
        check(md.partitioner == 'org.apache.cassandra.dht.Murmur3Partitioner', 'partitioner is Murmur3 (got %r)' % md.partitioner)
        for ks in ('system', 'system_schema', 'meta_ks', 'meta_nts'):
            check(ks in md.keyspaces, 'keyspace %s present (have %s)' % (ks, sorted(md.keyspaces)))
        if 'system_schema' in md.keyspaces:
            for t in ('keyspaces', 'tables', 'columns', 'types'):
                check(t in md.keyspaces['system_schema'].tables, 'system_schema.%s present' % t)

        if 'meta_ks' in md.keyspaces:
            ks = md.keyspaces['meta_ks']
            check(type(ks.replication_strategy).__name__ == 'SimpleStrategy', 'meta_ks uses SimpleStrategy (got %r)' % ks.replication_strategy)
            check(getattr(ks.replication_strategy, 'replication_factor', None) == 1, 'meta_ks replication_factor 1')
            check('point' in ks.user_types, 'UDT point present')
            if 'point' in ks.user_types:
                check(list(ks.user_types['point'].field_names) == ['x', 'y'], 'point fields x, y')
            check('events' in ks.tables, 'table events present (have %s)' % sorted(ks.tables))
            if 'events' in ks.tables:
                t = ks.tables['events']
                check([c.name for c in t.partition_key] == ['day'], 'events partition key (day)')
                check([c.name for c in t.clustering_key] == ['ts'], 'events clustering key ts')
                check(t.clustering_key and t.clustering_key[0].is_reversed, 'events ts is DESC')
                check(sorted(t.columns) == ['at', 'day', 'kind', 'tags', 'ts'], 'events columns (got %s)' % sorted(t.columns))
                check(t.columns.get('tags') is not None and t.columns['tags'].cql_type == 'set<text>', 'tags is set<text>')
                check(t.columns.get('at') is not None and t.columns['at'].cql_type == 'frozen<point>', 'at is frozen<point>')
                check('CREATE TABLE meta_ks.events' in t.export_as_string(), 'events exports as CQL')
        if 'meta_nts' in md.keyspaces:
            rs = md.keyspaces['meta_nts'].replication_strategy
            check(type(rs).__name__ == 'NetworkTopologyStrategy', 'meta_nts uses NetworkTopologyStrategy (got %r)' % rs)
            check(getattr(rs, 'dc_replication_factors', None) == {DC: 1}, 'meta_nts replicates to %s: 1 (got %r)' % (DC, getattr(rs, 'dc_replication_factors', None)))

        hosts = md.all_hosts()
        check(len(hosts) == 1, 'exactly one host (got %s)' % hosts)
        if hosts:
            h = hosts[0]
            check(h.address == HOST, 'host address %s (got %s)' % (HOST, h.address))
            check(h.datacenter == DC and h.rack == 'rack1', 'host in %s/rack1 (got %s/%s)' % (DC, h.datacenter, h.rack))
            check(h.release_version is not None, 'host has a release_version')
            check(h.is_up, 'host is up')

        tm = md.token_map
        check(tm is not None, 'token map built')
        if tm is not None:
            check(len(tm.ring) == NUM_TOKENS, 'ring has num_tokens=%d tokens (got %d)' % (NUM_TOKENS, len(tm.ring)))
            check(all(tm.token_to_host_owner[t] is hosts[0] for t in tm.ring), 'every token is owned by the node')
            token = tm.token_class.from_key(b'\x00\x00\x00\x01')
            for ks in ('meta_ks', 'meta_nts'):
                replicas = tm.get_replicas(ks, token)
                check([r.address for r in replicas] == [HOST], '%s replicas for a key = [%s] (got %s)' % (ks, HOST, replicas))
    finally:
        cluster.shutdown()
    if failures:
        return 1
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
