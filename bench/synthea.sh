#!/usr/bin/env bash
# $evaluate on realistic records: a Synthea population (Synthea 3.3.0, fixed seed, one transaction
# Bundle per patient, all modules) evaluated in-process beside HAPI's parse-only time for the same
# files, in one run; then the largest bundle alone under a small heap (docs/PERFORMANCE.md).
# Usage: [AGES=55-80] bench/synthea.sh [patients=40] [seed=42] [rounds=2] [small-heap=150m]
# The population is generated once into target/synthea-<patients>-<seed>[-<ages>] and reused.
# AGES=90-99 bench/synthea.sh 6 7 gives the longest records (55-65 MB bundles, a few minutes to generate).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-40}"; SEED="${2:-42}"; ROUNDS="${3:-2}"; SMALL="${4:-150m}"
DIR="target/synthea-$N-$SEED${AGES:+-$AGES}"
if [ ! -d "$DIR" ]; then
  demo/synthea/generate.sh "$DIR" "$N" "$SEED" bundles
fi
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xms1g -Xmx1g -XX:+UseParallelGC -cp "$CP" org.e2guard.bench.SyntheaBenchmark compare "$DIR" "$ROUNDS"
LARGEST="$(ls -S "$DIR"/*.json | head -1)"
echo "largest bundle under -Xmx$SMALL, streamed from the file as the endpoint streams the body:"
java -Xmx"$SMALL" -XX:+UseSerialGC -cp "$CP" org.e2guard.bench.SyntheaBenchmark evaluate "$LARGEST" \
  || echo "  \$evaluate did not fit in -Xmx$SMALL"
java -Xmx"$SMALL" -XX:+UseSerialGC -cp "$CP" org.e2guard.bench.SyntheaBenchmark parse "$LARGEST" 2>/dev/null \
  || echo "  HAPI's full parse did not fit in -Xmx$SMALL"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
