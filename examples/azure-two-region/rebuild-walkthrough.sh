#!/usr/bin/env bash
# Seed 000's real two-region sequence: region 1 (WESTUS) is built and holds data; region 2's nodes (EASTUS) join
# without bootstrapping (auto_bootstrap: false, `sibyl cluster add --no-bootstrap`); ALTER KEYSPACE adds EASTUS;
# `nodetool rebuild -- WESTUS` on each new node streams its ranges from WESTUS; reads in EASTUS at LOCAL_QUORUM then
# return every row. Defaults: 8 nodes per region at 127.1.2.4–11 and 127.2.2.4–11 in racks rack1–rack4, as the seed.
#
#   bash examples/azure-two-region/rebuild-walkthrough.sh       (leaves the cluster running: npx sibyl cluster down)
#   WEST=3 EAST=3 ROWS=500 bash examples/azure-two-region/rebuild-walkthrough.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SIBYL=${SIBYL:-npx sibyl}
DIR=${CLUSTER_DIR:-./clusters/azure-rebuild}
WEST=${WEST:-8}
EAST=${EAST:-8}
WEST_PREFIX=${WEST_PREFIX:-127.1.2.}
EAST_PREFIX=${EAST_PREFIX:-127.2.2.}
FIRST=${FIRST:-4}
ROWS=${ROWS:-1000}
TOTAL=$((ROWS + 2))

# Racks as the seed's availability sets: consecutive addresses share a rack, rack1–rack4.
rack_of() { local i=$1 n=$2; local per=$(((n + 3) / 4)); echo "rack$((i / per + 1))"; }
west() { echo "${WEST_PREFIX}$((FIRST + $1))"; }
east() { echo "${EAST_PREFIX}$((FIRST + $1))"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "name: CustomerService"
  echo "datacenters:"
  echo "  - name: WESTUS"
  echo "    racks:"
  for r in 1 2 3 4; do
    nodes=()
    for ((i = 0; i < WEST; i++)); do
      if [[ $(rack_of "$i" "$WEST") == "rack$r" ]]; then nodes+=("$(west "$i")"); fi
    done
    if ((${#nodes[@]} > 0)); then echo "      - { name: rack$r, nodes: [$(IFS=,; echo "${nodes[*]}")] }"; fi
  done
} > "$work/west.yaml"

echo "== Region 1: sibyl cluster up (WESTUS, $WEST nodes)"
$SIBYL cluster up --topology "$work/west.yaml" --dir "$DIR"
# nodetool finds the admin token of a cluster under ./clusters by itself; for any other directory it is named here.
export SIBYL_ADMIN_TOKEN_FILE="$DIR/admin-token"

echo
echo "== Region 1's data: customers_ks in WESTUS only, the seed's two rows and $ROWS more at QUORUM"
{
  echo "CREATE KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'NetworkTopologyStrategy', 'WESTUS' : 3 };"
  echo "CREATE TABLE customers_ks.Customers(customer_id int PRIMARY KEY, firstname text, lastname text);"
  echo "CONSISTENCY QUORUM;"
  echo "INSERT INTO customers_ks.Customers(customer_id, firstname, lastname) VALUES(1, 'John', 'Doe');"
  echo "INSERT INTO customers_ks.Customers(customer_id, firstname, lastname) VALUES(2, 'Jane', 'Doe');"
  for ((k = 100; k < 100 + ROWS; k++)); do
    echo "INSERT INTO customers_ks.Customers(customer_id, firstname, lastname) VALUES($k, 'first$k', 'last$k');"
  done
} > "$work/load.cql"
$SIBYL cqlsh "$(west 0)" 9042 -f "$work/load.cql"

echo
echo "== Region 2: $EAST EASTUS nodes join with auto_bootstrap: false (sibyl cluster add --no-bootstrap)"
for ((i = 0; i < EAST; i++)); do
  $SIBYL cluster add --dir "$DIR" --dc EASTUS --rack "$(rack_of "$i" "$EAST")" --address "$(east "$i")" --no-bootstrap
done

echo
echo "== ALTER KEYSPACE customers_ks: WESTUS 3, EASTUS 3"
$SIBYL cqlsh "$(west 0)" 9042 -e "ALTER KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'NetworkTopologyStrategy', 'WESTUS' : 3, 'EASTUS' : 3 };"

echo
echo "== EASTUS before the rebuild: its replicas are empty (LOCAL_ONE)"
$SIBYL cqlsh "$(east 0)" 9042 -e "CONSISTENCY LOCAL_ONE; SELECT count(*) FROM customers_ks.Customers;"

echo
echo "== nodetool rebuild -- WESTUS on each EASTUS node"
for ((i = 0; i < EAST; i++)); do
  echo "$(east "$i")"
  $SIBYL nodetool -h "$(east "$i")" rebuild -- WESTUS
done

echo
echo "== EASTUS after the rebuild: every row at LOCAL_QUORUM (expect $TOTAL)"
$SIBYL cqlsh "$(east 0)" 9042 -e "CONSISTENCY LOCAL_QUORUM; SELECT count(*) FROM customers_ks.Customers; SELECT * FROM customers_ks.Customers WHERE customer_id IN (1, 2);"

echo
echo "== nodetool status customers_ks"
$SIBYL nodetool -h "$(west 0)" status customers_ks
