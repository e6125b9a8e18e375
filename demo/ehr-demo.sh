#!/usr/bin/env bash
# End-to-end demo of the EHR integration on a fresh machine (needs only a JDK 17+ and curl):
#  1. builds e2guard and starts a real EHR, HAPI FHIR's JPA server (the one the tests use, test-ehr/,
#     H2 in memory, rest-hook Subscriptions) on :8090, and files one patient in it, Patient/demo1
#     (anastrozole, estradiol 14 pg/mL);
#  2. starts e2guard on :8085 pointed at it (EHR "demo": push on, no auth), which creates its
#     Subscriptions on the EHR;
#  3. evaluates Patient/demo1 straight from the EHR with write-back: a DetectedIssue and a Flag appear
#     in the EHR;
#  4. files a new estradiol (26 pg/mL) in the EHR: the EHR notifies e2guard, which resolves the
#     finding (Flag inactive, DetectedIssue amended with a mitigation).
# Everything is stopped at the end; e2guard's data goes to target/demo-data.
set -euo pipefail
cd "$(dirname "$0")/.."
EHR_PORT="${EHR_PORT:-8090}"
E2GUARD_PORT="${E2GUARD_PORT:-8085}"
EHR="http://localhost:$EHR_PORT/fhir"
E2GUARD="http://localhost:$E2GUARD_PORT"
KEY="demo-key"

echo "== building (e2guard jar, the EHR server, test classes for the demo patient)"
./mvnw -B -q package -DskipTests
./mvnw -B -q -f test-ehr/pom.xml -DtestEhr.directory="$PWD/target/test-ehr" compile
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
# HAPI answers an identical search from a 60 s cache unless told not to (e2guard does the same)
FRESH=(-H 'Cache-Control: no-cache')

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "== starting the EHR (HAPI FHIR JPA server) on $EHR; this takes 15 to 90 s"
# the server stops when its standard input closes: a pipe this script holds open until it ends
rm -f target/demo-ehr.in && mkfifo target/demo-ehr.in
java -cp "target/test-ehr/classes:$(cat target/test-ehr/classpath.txt)" \
  org.e2guard.testehr.HapiJpaEhr "$EHR_PORT" < target/demo-ehr.in > target/demo-ehr.log 2>&1 &
PIDS+=($!)
exec 3> target/demo-ehr.in
until curl -sf "$EHR/metadata" > /dev/null; do sleep 1; done
java -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" org.e2guard.ehr.jpa.DemoChart "$EHR"

echo "== starting e2guard on $E2GUARD (EHR 'demo' at $EHR)"
java -De2guard.security.api-keys="$KEY" \
     -Dquarkus.http.port="$E2GUARD_PORT" \
     -Dquarkus.datasource.jdbc.url=jdbc:e2guard-embedded:target/demo-data \
     -De2guard.subscription.public-url="$E2GUARD" \
     -De2guard.ehr.demo.base-url="$EHR" \
     -De2guard.ehr.demo.push.secret=demo-secret \
     -jar target/quarkus-app/quarkus-run.jar > target/demo-e2guard.log 2>&1 &
PIDS+=($!)
until curl -sf "$E2GUARD/q/health/ready" > /dev/null; do sleep 1; done
for i in $(seq 1 30); do
  n=$(curl -sf "${FRESH[@]}" "$EHR/Subscription?status=active" | grep -o '"resourceType":"Subscription"' | wc -l || true)
  [ "$n" -ge 4 ] && break; sleep 1
done
echo "   e2guard's Subscriptions on the EHR: $n"

echo "== POST /fhir/Patient/demo1/\$evaluate?writeBack=true"
curl -sf -X POST -H "Authorization: Bearer $KEY" "$E2GUARD/fhir/Patient/demo1/%24evaluate?writeBack=true" \
  | grep -o '"summary"\|"text":"[^"]*E2_[A-Z_]*[^"]*"' | head -3 || true
for i in $(seq 1 30); do
  curl -sf "${FRESH[@]}" "$EHR/Flag?subject=Patient/demo1" | grep -q '"status":"active"' && break; sleep 1
done
echo "   in the EHR: $(curl -sf "${FRESH[@]}" "$EHR/DetectedIssue?patient=Patient/demo1" | grep -o '"code":"E2_[A-Z_]*"' | sort -u | tr '\n' ' ')"
echo "   Flag: $(curl -sf "${FRESH[@]}" "$EHR/Flag?subject=Patient/demo1" | grep -o '"status":"[a-z]*"' | head -1)"

echo "== filing a new estradiol of 26 pg/mL in the EHR (it notifies e2guard)"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
curl -sf -X PUT -H 'Content-Type: application/fhir+json' "$EHR/Observation/demo1-e2b" --data-binary @- > /dev/null <<JSON
{"resourceType":"Observation","id":"demo1-e2b","status":"final",
 "code":{"coding":[{"system":"http://loinc.org","code":"35384-7"}]},
 "subject":{"reference":"Patient/demo1"},"effectiveDateTime":"$NOW",
 "valueQuantity":{"value":26,"unit":"pg/mL","system":"http://unitsofmeasure.org","code":"pg/mL"}}
JSON
for i in $(seq 1 30); do
  curl -sf "${FRESH[@]}" "$EHR/Flag?subject=Patient/demo1" | grep -q '"status":"inactive"' && break; sleep 1
done
echo "   Flag: $(curl -sf "${FRESH[@]}" "$EHR/Flag?subject=Patient/demo1" | grep -o '"status":"[a-z]*"' | head -1)"
echo "   DetectedIssue: $(curl -sf "${FRESH[@]}" "$EHR/DetectedIssue?patient=Patient/demo1" | grep -o '"status":"[a-z]*"' | head -1), mitigation: $(curl -sf "${FRESH[@]}" "$EHR/DetectedIssue?patient=Patient/demo1" | grep -o 'No longer fires[^"]*' | head -1)"
echo "== done (logs: target/demo-ehr.log, target/demo-e2guard.log)"
