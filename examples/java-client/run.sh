#!/usr/bin/env bash
# Builds (Maven) and runs the Java client: run.sh HOST [PORT] [DC] [NODETOOL…] [CHECKED_KEYS]
#   against Sibyl:      examples/java-client/run.sh 127.0.98.20 9042 datacenter1 "npx sibyl nodetool -h 127.0.98.20"
#   against Cassandra:  examples/java-client/run.sh 127.0.99.1 9042 datacenter1 "npx sibyl reference nodetool"
set -euo pipefail
cd "$(dirname "$0")"
[ -d target/lib ] || mvn -B -q package
exec java -cp "target/classes:target/lib/*" dev.sibyl.example.JavaClient "$1" "${2:-9042}" "${3:-datacenter1}" "${4:-}" "${5:-20}"
