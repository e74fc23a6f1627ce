#!/usr/bin/env bash
# Seed 000, two regions: WESTUS at 127.1.2.4–11 and EASTUS at 127.2.2.4–11 (8 nodes each, racks rack1–rack4), seeds
# in both, a load balancer per region (127.1.2.101, 127.2.2.101) and 70 ms between the regions, as across a VPN.
# "Test the multiple-region cluster": rows written in WESTUS are read in EASTUS, and the other way round.
#
#   bash examples/azure-two-region/walkthrough.sh          (leaves the cluster running: npx sibyl cluster down)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIBYL=${SIBYL:-npx sibyl}
DIR=${CLUSTER_DIR:-./clusters/azure-two-region}

echo "== sibyl cluster up --preset azure-two-region --ilb --latency-dc 70"
$SIBYL cluster up --preset azure-two-region --ilb --latency-dc 70 --dir "$DIR"

echo
echo "== West: cqlsh 127.1.2.101 9042"
$SIBYL cqlsh 127.1.2.101 9042 -f examples/azure-two-region/west.cql

echo
echo "== East: cqlsh 127.2.2.101 9042 — the rows written in WESTUS, read at LOCAL_QUORUM in EASTUS"
$SIBYL cqlsh 127.2.2.101 9042 -f examples/azure-two-region/east.cql

echo
echo "== West again: the row inserted in EASTUS has replicated to WESTUS"
$SIBYL cqlsh 127.1.2.101 9042 -e "CONSISTENCY LOCAL_QUORUM; SELECT * FROM customers_ks.Customers WHERE customer_id = 3;"

echo
echo "== nodetool status customers_ks"
$SIBYL nodetool -h 127.1.2.4 status customers_ks
