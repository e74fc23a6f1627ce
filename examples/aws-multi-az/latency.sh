#!/usr/bin/env bash
# Seed 004's latency question, asked live: what does spreading a 6-node cluster over three availability zones cost?
# Runs `sibyl stress` writes then reads at RF 3 (NetworkTopologyStrategy, us-east=3) and CL ONE on
#   1. six nodes in one AZ (dc us-east, rack 1a), no latency injected, and
#   2. six nodes over three AZs (racks 1a, 1b, 1c, two nodes each) with inter-AZ latency and jitter injected,
# then prints the seed's 2x2 tables (median and 95th percentile, reads and writes) beside its Tables 1 and 2, the share
# of replica reads served in the coordinator's own AZ, and Figure 1 (replica reads per node) as a table and an SVG.
#
#   bash examples/aws-multi-az/latency.sh             (about 3-4 minutes; removes both clusters at the end)
#
# Settings (environment):
#   SINGLE_BASE=127.0.72.  MULTI_BASE=127.0.73.   address prefixes; the nodes are .1-.6 of each
#   N=20000                operations per phase (written keys seq=1..N, then N reads of uniform(1..N))
#   THREADS=8              stress threads
#   INTER_AZ_MS=0.5        one-way latency added between two AZs, ms
#   INTER_AZ_JITTER_MS=0.5 extra one-way delay, uniform in [0, this), ms
#   STRESS_MODE="simplenative cql3 prepared"   the client; see below
#   OUT=./latency-out      where the logs and the chart go
#
# Why these latencies: AWS does not commit to a figure; its documentation and blog describe inter-AZ latency as
# "single-digit millisecond" (quoted in https://www.bitsand.cloud/posts/cross-az-latencies, which measures every AZ
# pair). Published measurements are well under that: FlashGrid measured every physical AZ pair of every region
# (https://www.flashgrid.io/news/latencies-between-aws-availability-zones-what-are-they-and-how-to-minimize-them/,
# March 2023) and frames the range as 0.5 ms vs 1.5 ms; pings between eu-west-1 AZs averaged 0.82-0.83 ms with rare
# spikes to 12.3 ms (https://lukasliesis.medium.com/what-is-aws-ec2-cross-availability-zones-network-lag-vs-inside-same-zone-827a4e06b6d7,
# Nov 2022). 0.5 ms one way plus up to 0.5 ms of jitter is a 1.0-2.0 ms round trip, the upper half of those
# measurements. Sibyl injects it in process, per internode message (messaging/network-model.ts), not with netem.
# Node.js timers fire on whole milliseconds, so in practice each delayed hop costs about 1 ms.
#
# Why -mode simplenative: cassandra-stress 2.0.15, which the seed used, sent each operation to the next -node host
# in turn, not to a replica of the key; so does simplenative (the DataStax driver's token-aware routing would make
# every coordinator a replica and every read local by construction). With two nodes per AZ and one replica per AZ,
# a coordinator that is not a replica must pick a replica: the dynamic snitch picks the one in its own AZ, which is
# what Figure 1 shows. The client itself runs on loopback, as if in the coordinator's AZ.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIBYL=${SIBYL:-npx sibyl}
SINGLE_BASE=${SINGLE_BASE:-127.0.72.}
MULTI_BASE=${MULTI_BASE:-127.0.73.}
N=${N:-20000}
THREADS=${THREADS:-8}
INTER_AZ_MS=${INTER_AZ_MS:-0.5}
INTER_AZ_JITTER_MS=${INTER_AZ_JITTER_MS:-0.5}
STRESS_MODE=${STRESS_MODE:-simplenative cql3 prepared}
OUT=${OUT:-./latency-out}
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'for d in "$WORK"/single "$WORK"/multi; do [ -f "$d/cluster.json" ] && $SIBYL cluster remove --dir "$d" >/dev/null 2>&1 || true; done; rm -rf "$WORK"' EXIT

nodes() { local p=$1; echo "${p}1,${p}2,${p}3,${p}4,${p}5,${p}6"; }

cat >"$WORK/single.yaml" <<EOF
name: latency-single-az
snitch: Ec2Snitch
vnodes: 16
datacenters:
  - name: us-east
    racks:
      - { name: 1a, az: us-east-1a, nodes: [${SINGLE_BASE}1, ${SINGLE_BASE}2, ${SINGLE_BASE}3, ${SINGLE_BASE}4, ${SINGLE_BASE}5, ${SINGLE_BASE}6] }
seeds: [${SINGLE_BASE}1, ${SINGLE_BASE}2]
EOF

# One rule per pair of AZs (both directions): latency and jitter between zones, none inside a zone.
rule() { echo "    - { from: { dc: us-east, rack: $1 }, to: { dc: us-east, rack: $2 }, latencyMs: $INTER_AZ_MS, jitterMs: $INTER_AZ_JITTER_MS }"; }
cat >"$WORK/multi.yaml" <<EOF
name: latency-three-az
snitch: Ec2Snitch
vnodes: 16
datacenters:
  - name: us-east
    racks:
      - { name: 1a, az: us-east-1a, nodes: [${MULTI_BASE}1, ${MULTI_BASE}2] }
      - { name: 1b, az: us-east-1b, nodes: [${MULTI_BASE}3, ${MULTI_BASE}4] }
      - { name: 1c, az: us-east-1c, nodes: [${MULTI_BASE}5, ${MULTI_BASE}6] }
network:
  rules:
$(rule 1a 1b)
$(rule 1a 1c)
$(rule 1b 1c)
EOF

stress_phase() { # layout op base
  local layout=$1 op=$2 base=$3 pop
  if [ "$op" = write ]; then pop="seq=1..$N"; else pop="dist=uniform(1..$N)"; fi
  echo "== $layout: sibyl stress $op n=$N cl=ONE (log: $OUT/$layout-$op.log)"
  $SIBYL stress "$op" "n=$N" cl=ONE -rate "threads=$THREADS" -node "$(nodes "$base")" \
    -schema "replication(strategy=NetworkTopologyStrategy, us-east=3)" -pop "$pop" -mode $STRESS_MODE \
    -log interval=5s no-settings >"$OUT/$layout-$op.log"
  grep -E '^(Op rate|Latency median|Latency 95th|Local-rack replica reads|Total errors)' "$OUT/$layout-$op.log" | sed 's/^/   /'
}

run_layout() { # layout topology base
  local layout=$1 topo=$2 base=$3
  echo "== $layout: sibyl cluster up --topology $(basename "$topo")"
  $SIBYL cluster up --topology "$topo" --dir "$WORK/$layout" --timeout 180 >"$OUT/$layout-up.log" 2>&1 || { cat "$OUT/$layout-up.log"; exit 1; }
  stress_phase "$layout" write "$base"
  stress_phase "$layout" read "$base"
  $SIBYL cluster remove --dir "$WORK/$layout" >/dev/null
}

run_layout single "$WORK/single.yaml" "$SINGLE_BASE"
run_layout multi "$WORK/multi.yaml" "$MULTI_BASE"

echo
npx tsx examples/aws-multi-az/latency-report.ts \
  --single-write "$OUT/single-write.log" --single-read "$OUT/single-read.log" \
  --multi-write "$OUT/multi-write.log" --multi-read "$OUT/multi-read.log" --svg "$OUT/figure1-local-reads.svg"
