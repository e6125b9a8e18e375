#!/usr/bin/env bash
# EHR round trip benchmark (docs/PERFORMANCE.md, "EHR round trip"), against a real EHR: HAPI FHIR's
# JPA server (test-ehr/, H2, rest-hook Subscriptions) in a JVM of its own. Capacity: N single-patient
# transactions are filed in the EHR with e2guard's outbox workers paused; once HAPI has delivered
# every notification, the workers resume and the drain is timed until every patient's DetectedIssue,
# Flag and Provenances are written back. Latency: N more patients filed at half that rate, each
# one's delay split at the notification's arrival (the EHR's delivery delay, then e2guard's own).
# Compared with the rate at which the same EHR accepts the same writes alone.
# Not part of ./mvnw verify: the benchmark class only runs with -De2guard.bench=true.
#
# usage: bench/ehr-roundtrip.sh [patients]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
PATIENTS="${1:-200}"
# process-test-classes builds the EHR server (test-ehr/); surefire:test runs only the default
# execution, so the benchmark runs once
./mvnw -B process-test-classes surefire:test -Dtest=EhrRoundTripBenchmark -De2guard.bench=true \
  -De2guard.bench.patients="$PATIENTS" -Dsurefire.failIfNoSpecifiedTests=false
echo
echo "machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
cat target/bench/ehr-roundtrip.txt
