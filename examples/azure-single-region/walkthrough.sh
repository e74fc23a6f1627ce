#!/usr/bin/env bash
# Seed 000, single region: 8 nodes in DC WESTUS, two per rack (availability set) rack1–rack4, seeds one per rack,
# an internal load balancer at 127.1.2.101 (the seed's 10.1.2.x, moved into loopback). Then "Test the single-region
# cluster": cqlsh through the load balancer, the seed's own statements, and nodetool status.
#
#   bash examples/azure-single-region/walkthrough.sh       (leaves the cluster running: npx sibyl cluster down)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIBYL=${SIBYL:-npx sibyl}
DIR=${CLUSTER_DIR:-./clusters/azure-single-region}

echo "== sibyl cluster up --preset azure-single-region --ilb"
$SIBYL cluster up --preset azure-single-region --ilb --dir "$DIR"

echo
echo "== cqlsh 127.1.2.101 9042 (the load balancer), the seed's statements"
$SIBYL cqlsh 127.1.2.101 9042 -f examples/azure-single-region/seed.cql

echo
echo "== nodetool status customers_ks (RF 3: Owns adds up to 300%)"
$SIBYL nodetool -h 127.1.2.4 status customers_ks
