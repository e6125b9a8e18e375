#!/usr/bin/env bash
# Population dry run throughput and memory (docs/PERFORMANCE.md), on Synthea patients from the
# same generator as demo/population.sh. Synthea is slow (seconds per kept patient), so the
# generated population is also replicated R times under new ids (every id and reference gets
# a prefix rK-): the same records, R times the patients, to see whether memory stays flat.
# Usage: bench/population.sh [patients=50] [replicas="1 10 40"] [heap=256m]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-50}"; REPLICAS="${2:-1 10 40}"; HEAP="${3:-256m}"
BASE="target/bench-population/synthea-$N"
if [ ! -f "$BASE/Patient.ndjson" ]; then
  mkdir -p target/bench-population
  demo/synthea/generate.sh "$PWD/$BASE" "$N" 42
fi
./mvnw -B -q compile dependency:build-classpath -Dmdep.outputFile=target/bench-population/classpath -Dmdep.includeScope=runtime
for R in $REPLICAS; do
  DIR="target/bench-population/x$R"
  if [ ! -f "$DIR/Patient.ndjson" ]; then
    mkdir -p "$DIR"
    for f in "$BASE"/*.ndjson; do
      out="$DIR/$(basename "$f")"; : > "$out"
      for k in $(seq 1 "$R"); do
        sed -e "s/\"id\":\"/\"id\":\"r$k-/g" -e "s/\"reference\":\"\([A-Za-z]*\)\//\"reference\":\"\1\/r$k-/g" "$f" >> "$out"
      done
    done
  fi
  echo "== $R x $N patients ($(du -sh "$DIR" | cut -f1) of NDJSON), -Xmx$HEAP, one core's worth of work"
  java -Xmx"$HEAP" -XX:+UseSerialGC -cp "target/classes:$(cat target/bench-population/classpath)" \
    org.e2guard.population.PopulationCli run --input "$DIR" --out "target/bench-population/out-x$R" \
    --as-of 2026-12-01 --setting '10 y;exposure.recently-completed-days=3650' 2>/dev/null | grep -E "patients evaluated|resources read"
done
