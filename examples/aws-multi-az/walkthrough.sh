#!/usr/bin/env bash
# Seed 004: 9 nodes over 3 availability zones of us-east-1, named by the Ec2Snitch (us-east-1a -> dc us-east,
# rack 1a), 1 ms between zones. A keyspace with RF 3 puts one replica in each zone; then zone 1a goes down and
# the consistency levels of the seed's Figure 2 are tried: ONE and QUORUM succeed, ALL fails.
#
#   bash examples/aws-multi-az/walkthrough.sh              (leaves the cluster running: npx sibyl cluster down)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIBYL=${SIBYL:-npx sibyl}
DIR=${CLUSTER_DIR:-./clusters/aws-multi-az}
CQLSH="$SIBYL cqlsh 127.3.0.4 9042"

echo "== sibyl cluster up --preset aws-multi-az --latency-rack 1"
$SIBYL cluster up --preset aws-multi-az --latency-rack 1 --dir "$DIR"

echo
echo "== the seed's keyspace: NetworkTopologyStrategy, 'us-east': '3'"
$CQLSH -f examples/aws-multi-az/seed.cql

echo
echo "== availability zone us-east-1a goes down"
$SIBYL cluster kill --dir "$DIR" --dc us-east --rack 1a
# Until gossip convicts the zone's three nodes, ALL times out instead of failing at once with Unavailable; wait for
# the failure detector's verdict (a few seconds).
for i in $(seq 1 30); do
  if [ "$($SIBYL nodetool -h 127.3.0.4 status 2>/dev/null | grep -c '^DN')" -ge 3 ]; then break; fi
  sleep 1
done
$SIBYL nodetool -h 127.3.0.4 status

for cl in ONE QUORUM LOCAL_QUORUM ALL; do
  echo
  echo "== CONSISTENCY $cl with zone 1a down"
  if $CQLSH -e "CONSISTENCY $cl; SELECT * FROM mykeyspace.users WHERE id = 1;"; then
    echo "-> $cl: succeeded"
  else
    echo "-> $cl: failed"
  fi
done

echo
echo "== zone 1a comes back"
$SIBYL cluster start --dir "$DIR" --dc us-east --rack 1a
