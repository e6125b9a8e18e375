#!/usr/bin/env bash
# $evaluate throughput in-process vs HAPI parse-only (docs/PERFORMANCE.md).
# Usage: bench/evaluate.sh [patients=1000] [iterations=15]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xms2g -Xmx2g -XX:+UseParallelGC -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  org.e2guard.bench.EvaluateBenchmark "${1:-1000}" "${2:-15}"
