#!/usr/bin/env bash
# CDS Hooks load test (docs/PERFORMANCE.md, "CDS Hooks"): patient-view with full prefetch under
# 32 concurrent connections over loopback, beside a bare endpoint of the same framework that reads
# the same body and answers with a JSON document of the same size.
#
# Usage: bench/cds-load.sh [seconds=30] [connections=32] [mode=relaxed|signed]
#   relaxed: the service runs with e2guard.cds.security.enforce=false (it says so loudly);
#   signed:  every request carries its own pre-signed JWT (fresh jti; ES384, or BENCH_ALG=RS384),
#            verified against a JWK Set served on loopback, so the JWT check is measured too.
# WARMUP (default 60) seconds of load come first: the JIT keeps compiling this path for about a
# minute, and the numbers wanted are the steady state of a long-running service.
#
# Installs wrk from Debian's packages if missing, builds the jar, starts it on 127.0.0.1 only
# with a throw-away embedded database, runs wrk for a bounded time and prints p50, p99 and req/s.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_RUN="${1:-30}"
CONNECTIONS="${2:-32}"
MODE="${3:-relaxed}"
WARMUP="${WARMUP:-60}"
THREADS=2
PORT=18181
JWKS_PORT=18182
CASE=c02-man-e2-very-low-on-1mg-daily
WORK=target/cds-bench
mkdir -p "$WORK"

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk (Debian package)"
  if ! apt-get install -y wrk >/dev/null 2>&1; then
    apt-get update >/dev/null && apt-get install -y wrk >/dev/null
  fi
fi

echo "== building"
./mvnw -q -B package -DskipTests
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat "$WORK/classpath")"
java -cp "$CP" org.e2guard.bench.CdsPayload "$CASE" p1 > "$WORK/patient-view.json"

ENV=(E2GUARD_CDS_BENCHMARK_ENDPOINT=true QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$PORT
     QUARKUS_DATASOURCE_JDBC_URL=jdbc:e2guard-embedded: QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT=60S
     QUARKUS_LOG_CATEGORY__ORG_E2GUARD_CDS_SECURITY__LEVEL=ERROR)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ "$MODE" = signed ]; then
  # one token per request, never reused: enough for BENCH_MAX_RPS (default 3000) in each phase
  RATE=${BENCH_MAX_RPS:-3000}
  WARM_PER_FILE=$(( RATE * WARMUP / THREADS + 1000 ))
  RUN_PER_FILE=$(( RATE * SECONDS_RUN / THREADS + 1000 ))
  echo "== signing $(( (WARM_PER_FILE + RUN_PER_FILE) * THREADS )) ${BENCH_ALG:-ES384} tokens"
  java -cp "$CP" org.e2guard.bench.CdsBenchTokens "$WORK" "http://127.0.0.1:$PORT/cds-services/e2guard-patient-view" \
    "$WARM_PER_FILE" "$RUN_PER_FILE" "$THREADS" "${BENCH_ALG:-ES384}"
  (cd "$WORK" && exec python3 -m http.server "$JWKS_PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
  PIDS+=($!)
  ENV+=(E2GUARD_CDS_SECURITY_ISSUERS_BENCH_ISSUER=https://bench.ehr.test/
        E2GUARD_CDS_SECURITY_ISSUERS_BENCH_JWKS_URL=http://127.0.0.1:$JWKS_PORT/jwks.json
        E2GUARD_CDS_SECURITY_MAX_TOKEN_LIFETIME=30M E2GUARD_CDS_SECURITY_CLOCK_SKEW=60S)
else
  ENV+=(E2GUARD_CDS_SECURITY_ENFORCE=false)
fi

echo "== starting e2guard (mode: $MODE)"
env "${ENV[@]}" java ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar > "$WORK/server.log" 2>&1 &
PIDS+=($!)
READY=no
for _ in $(seq 1 240); do
  if curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null 2>&1; then READY=yes; break; fi
  sleep 0.5
done
[ "$READY" = yes ] || { echo "e2guard did not become ready; see $WORK/server.log"; exit 1; }

CDS_URL="http://127.0.0.1:$PORT/cds-services/e2guard-patient-view"
CHECK_AUTH=()
[ "$MODE" = signed ] && CHECK_AUTH=(-H "Authorization: Bearer $(head -1 "$WORK/check-token.txt")")
RESPONSE_BYTES=$(curl -s -X POST "$CDS_URL" -H 'Content-Type: application/json' "${CHECK_AUTH[@]}" \
  --data-binary @"$WORK/patient-view.json" | tee "$WORK/patient-view-response.json" | wc -c)
grep -q '"cards"' "$WORK/patient-view-response.json" || { echo "the service did not answer with cards"; exit 1; }
BARE_URL="http://127.0.0.1:$PORT/bench/cds-bare?size=$RESPONSE_BYTES"

cat > "$WORK/post.lua" <<'LUA'
-- POSTs the payload; with CDS_TOKENS=<prefix>, wrk thread i sends the tokens of <prefix>-i.txt in
-- order, each once (the service refuses a replayed jti)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open(os.getenv("CDS_BODY"), "rb")
wrk.body = f:read("*a")
f:close()
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
local tokens, n, i = {}, 0, 0
function init(args)
  local prefix = os.getenv("CDS_TOKENS")
  if prefix and prefix ~= "" then
    for line in io.lines(prefix .. "-" .. id .. ".txt") do n = n + 1; tokens[n] = line end
  end
end
function request()
  if n > 0 then
    i = i + 1
    if i > n then i = 1 end
    wrk.headers["Authorization"] = "Bearer " .. tokens[i]
  end
  return wrk.format()
end
LUA

SERVER_PID=${PIDS[-1]}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
run() { # name url tokens duration; also records the server's CPU time per request
  local before after
  before=$(cpu_ticks)
  CDS_BODY="$WORK/patient-view.json" CDS_TOKENS="$3" \
    wrk -t$THREADS -c"$CONNECTIONS" -d"$4"s --latency -s "$WORK/post.lua" "$2" > "$WORK/$1.txt"
  after=$(cpu_ticks)
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '/requests in/{printf "%.3f\n", 1000 * t / hz / $1}' \
    "$WORK/$1.txt" > "$WORK/$1.cpu"
}
stat() { # file -> "p50 p99 rps non2xx"
  awk '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /Requests\/sec/{rps=$2} /Non-2xx/{bad=$5} END{print p50, p99, rps, (bad==""?0:bad)}' "$1"
}

TOKENS_CDS=""
TOKENS_WARM=""
if [ "$MODE" = signed ]; then
  TOKENS_WARM="$WORK/tokens-warm"; TOKENS_CDS="$WORK/tokens-run"
fi
echo "== warm-up ($WARMUP s patient-view, 10 s bare)"
run warm-cds "$CDS_URL" "$TOKENS_WARM" "$WARMUP"
run warm-bare "$BARE_URL" "" 10
echo "== measuring ${SECONDS_RUN} s each, $CONNECTIONS connections, $THREADS wrk threads"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run bare "$BARE_URL" "" "$SECONDS_RUN"
run cds "$CDS_URL" "$TOKENS_CDS" "$SECONDS_RUN"

read -r B50 B99 BRPS BBAD < <(stat "$WORK/bare.txt")
read -r C50 C99 CRPS CBAD < <(stat "$WORK/cds.txt")
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM, $(java -version 2>&1 | head -1)"
echo "load average before measuring: $LOAD_BEFORE (other work on the machine skews everything)"
echo "payload: $(wc -c < "$WORK/patient-view.json") request bytes, $RESPONSE_BYTES response bytes (case $CASE, mode $MODE)"
printf '%-22s %10s %10s %12s %10s %14s\n' endpoint p50 p99 req/s non-2xx "server CPU/req"
printf '%-22s %10s %10s %12s %10s %12sms\n' "bare (same framework)" "$B50" "$B99" "$BRPS" "$BBAD" "$(cat "$WORK/bare.cpu")"
printf '%-22s %10s %10s %12s %10s %12sms\n' "patient-view" "$C50" "$C99" "$CRPS" "$CBAD" "$(cat "$WORK/cds.cpu")"
ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v} else {sub(/s/,"",v); print v*1000} }'; }
awk -v c="$(ms "$C99")" -v b="$(ms "$B99")" -v r="$CRPS" -v cpu="$(cat "$WORK/cds.cpu")" \
  'BEGIN{ printf "p99 ratio patient-view/bare: %.2f (target <= 1.5); throughput %s req/s (target >= 2000)\n", c/b, r;
          printf "server CPU per patient-view call: %s ms, i.e. at most %.0f calls/s on 2 fully available cores\n", cpu, 2000/cpu }'
