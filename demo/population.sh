#!/usr/bin/env bash
# The population dry run end to end on a generated population (needs only a JDK 17+ and curl):
#  1. generates N Synthea women on an aromatase inhibitor as Bulk Data NDJSON (demo/synthea/generate.sh);
#  2. serves the files on :8091 and starts e2guard on :8086, allowed to fetch from there;
#  3. POST /fhir/$evaluate-population with the files and a what-if sweep, polls until done;
#  4. prints the MeasureReport's numbers and the address of the HTML report.
# Usage: demo/population.sh [patients=50] [seed=42]   (KEEP_RUNNING=1 leaves e2guard up to browse the report)
#
# Synthea writes years of hormone therapy as one stopped order, so on the day of generation most
# of its women are no longer "on" an aromatase inhibitor as RULES.md reads a record. The sweep
# therefore also evaluates every setting with exposure.recently-completed-days=3650 (an AI given in
# the last ten years counts), which is what the what-if columns are for: seeing such things before go-live.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-50}"; SEED="${2:-42}"
FILES_PORT="${FILES_PORT:-8091}"; E2GUARD_PORT="${E2GUARD_PORT:-8086}"
E2GUARD="http://localhost:$E2GUARD_PORT"; KEY="demo-key"
DATA="target/demo-population/ndjson"

if [ ! -f "$DATA/Patient.ndjson" ] || [ "$(cat target/demo-population/params 2>/dev/null)" != "$N $SEED" ]; then
  echo "== generating $N Synthea patients (seed $SEED): a few minutes"
  mkdir -p target/demo-population
  demo/synthea/generate.sh "$PWD/$DATA" "$N" "$SEED"
  echo "$N $SEED" > target/demo-population/params
fi

echo "== building e2guard"
./mvnw -B -q package -DskipTests
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  org.e2guard.population.StaticFileServer "$FILES_PORT" "$DATA" > target/demo-population/files.log 2>&1 &
PIDS+=($!)
java -De2guard.security.api-keys="$KEY" -Dquarkus.http.port="$E2GUARD_PORT" \
     -Dquarkus.datasource.jdbc.url=jdbc:e2guard-embedded:target/demo-population/db \
     -De2guard.population.allowed-urls="http://127.0.0.1:$FILES_PORT/" \
     -De2guard.population.work-dir=target/demo-population/jobs \
     -jar target/quarkus-app/quarkus-run.jar > target/demo-population/e2guard.log 2>&1 &
PIDS+=($!)
until curl -sf "$E2GUARD/q/health/ready" > /dev/null; do sleep 1; done

inputs=""
for f in "$DATA"/*.ndjson; do
  inputs="$inputs{\"name\":\"input\",\"valueUrl\":\"http://127.0.0.1:$FILES_PORT/$(basename "$f")\"},"
done
setting() { # name, then key=value or off=RULE parts
  local name="$1"; shift; local parts="{\"name\":\"name\",\"valueString\":\"$name\"}"
  for p in "$@"; do
    case "$p" in off=*) parts="$parts,{\"name\":\"off\",\"valueCode\":\"${p#off=}\"}" ;;
                 *) parts="$parts,{\"name\":\"set\",\"valueString\":\"$p\"}" ;; esac
  done
  echo "{\"name\":\"setting\",\"part\":[$parts]},"
}
TEN_YEARS="exposure.recently-completed-days=3650"
body="{\"resourceType\":\"Parameters\",\"parameter\":[$inputs
$(setting "AI in last 10 y" "$TEN_YEARS")
$(setting "10 y, E1 < 15" "$TEN_YEARS" estradiol.suppressed-below=15)
$(setting "10 y, E1 < 25" "$TEN_YEARS" estradiol.suppressed-below=25 estradiol.borderline-below=30)
$(setting "10 y, DXA 12 mo" "$TEN_YEARS" monitoring.dxa-overdue-months=12)
$(setting "10 y, M3 off" "$TEN_YEARS" off=M3)
{\"name\":\"asOf\",\"valueDateTime\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}]}"

echo "== POST /fhir/\$evaluate-population ($(ls "$DATA"/*.ndjson | wc -l) NDJSON files, 5 what-if settings)"
location=$(curl -sf -D - -o /dev/null -X POST "$E2GUARD/fhir/%24evaluate-population" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/fhir+json' -H 'Prefer: respond-async' --data-binary "$body" \
  | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ocation: //p')
echo "   polling $location"
while :; do
  code=$(curl -s -o target/demo-population/status.json -D target/demo-population/status.headers -w '%{http_code}' \
    -H "Authorization: Bearer $KEY" "$location")
  [ "$code" = 202 ] || break
  sed -n 's/^X-Progress: //p' target/demo-population/status.headers | tr -d '\r' | sed 's/^/   /'
  sleep 2
done
[ "$code" = 200 ] || { echo "dry run failed ($code):"; cat target/demo-population/status.json; exit 1; }
mr=$(grep -o '"url":"[^"]*MeasureReport.ndjson"' target/demo-population/status.json | cut -d'"' -f4)
curl -sf -H "Authorization: Bearer $KEY" "$mr" > target/demo-population/MeasureReport.ndjson
echo "== MeasureReports (one per setting): patients on an AI, and findings per 1,000"
java -cp "target/classes:$(cat target/test-classpath.txt)" org.e2guard.population.PopulationCli show \
  target/demo-population/MeasureReport.ndjson
report=$(grep -o '"report":"[^"]*"' target/demo-population/status.json | cut -d'"' -f4)
echo "== the report: $report (sign in with the API key '$KEY')"
if [ "${KEEP_RUNNING:-}" = 1 ]; then
  echo "   e2guard keeps running; Ctrl-C stops it"; wait
fi
