"""The cqlsh session from seed 000 (Cassandra on Azure), replayed through the DataStax Python driver.

Prints the SELECT's column names as `COLUMNS [...]`, then each row as a JSON line, in the order the server returns them.
RF 3 on a single node is accepted by Cassandra; writes at the driver's default LOCAL_ONE need one replica.
"""
import json
import os
import sys

from cassandra.cluster import Cluster

HOST = os.environ.get('SIBYL_HOST', '127.0.7.1')
PORT = int(os.environ.get('SIBYL_PORT', '9042'))


def main():
    cluster = Cluster([HOST], port=PORT)
    session = cluster.connect()
    try:
        # Not part of the seed: makes the script re-runnable against the same node.
        session.execute("DROP KEYSPACE IF EXISTS customers_ks")
        session.execute("CREATE KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'SimpleStrategy', 'replication_factor' : 3 };")
        session.execute("USE customers_ks;")
        session.execute("CREATE TABLE Customers(customer_id int PRIMARY KEY, firstname text, lastname text);")
        session.execute("INSERT INTO Customers(customer_id, firstname, lastname) VALUES(1, 'John', 'Doe');")
        session.execute("INSERT INTO Customers(customer_id, firstname, lastname) VALUES (2, 'Jane', 'Doe');")
        rows = session.execute("SELECT * FROM Customers;")
        print('COLUMNS ' + json.dumps(rows.column_names))
        for row in rows:
            print(json.dumps(row._asdict()))
    finally:
        cluster.shutdown()


if __name__ == '__main__':
    sys.exit(main())
