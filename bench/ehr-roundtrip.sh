#!/usr/bin/env bash
# EHR round trip benchmark (docs/PERFORMANCE.md, "EHR round trip"):
# notifications -> fetch -> evaluate -> write-back per second end to end, against the time the same
# in-process FHIR server (HAPI FHIR plain server, the test EHR) takes to accept the same writes alone.
# Not part of ./mvnw verify: the benchmark class only runs with -De2guard.bench=true.
#
# usage: bench/ehr-roundtrip.sh [patients]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
PATIENTS="${1:-200}"
./mvnw -B test -Dtest=EhrRoundTripBenchmark -De2guard.bench=true -De2guard.bench.patients="$PATIENTS" \
  -Dsurefire.failIfNoSpecifiedTests=false
echo
echo "machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
cat target/bench/ehr-roundtrip.txt
