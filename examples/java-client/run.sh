#!/usr/bin/env bash
# Builds (Maven) and runs the Java client: run.sh HOST [PORT] [DC] [NODETOOL…] [CHECKED_KEYS] [REPLICATION]
#   against Cassandra:  examples/java-client/run.sh 127.0.99.1 9042 datacenter1 "npx sibyl reference nodetool" 5
#   against Sibyl's two-region preset (npx sibyl cluster up --preset azure-two-region):
#     examples/java-client/run.sh 127.1.2.4 9042 WESTUS "node dist/sibyl.mjs nodetool -h 127.1.2.4" 1000 \
#       "{'class': 'NetworkTopologyStrategy', 'WESTUS': 3, 'EASTUS': 3}"
set -euo pipefail
cd "$(dirname "$0")"
[ -d target/lib ] || mvn -B -q package
exec java -cp "target/classes:target/lib/*" dev.sibyl.example.JavaClient "$1" "${2:-9042}" "${3:-datacenter1}" "${4:-}" "${5:-20}" "${6:-}"
