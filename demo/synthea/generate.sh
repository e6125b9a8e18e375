#!/usr/bin/env bash
# Generates a Synthea population of women aged 55-80 who received an aromatase inhibitor, as FHIR
# Bulk Data NDJSON (one file per resource type), for demo/population.sh and bench/population.sh.
# Usage: demo/synthea/generate.sh OUT_DIR [patients=50] [seed=42]
# Synthea 3.3.0 comes from Maven Central (demo/synthea/pom.xml). Only the breast-cancer modules run
# (hormone therapy gives letrozole, anastrozole or exemestane), and the keep module keeps only the
# women who were given one, so every patient kept is one the rules watch. Expect roughly 5-10 s per
# kept patient on two cores: most generated women never get breast cancer and are discarded.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="$1"; N="${2:-50}"; SEED="${3:-42}"
if [ ! -d demo/synthea/target/lib ]; then
  ./mvnw -B -q -f demo/synthea/pom.xml package
fi
rm -rf "$OUT.synthea"
mkdir -p "$OUT.synthea"
java -Xmx2g -cp 'demo/synthea/target/lib/*' App -p "$N" -s "$SEED" -cs "$SEED" -g F -a 55-80 \
  -m 'breast_cancer*' -k demo/synthea/keep-aromatase-inhibitor.json \
  --exporter.fhir.bulk_data=true --exporter.baseDirectory="$OUT.synthea/" \
  --exporter.hospital.fhir.export=false --exporter.practitioner.fhir.export=false \
  --generate.log_patients.detail=none > "$OUT.synthea.log" 2>&1
rm -rf "$OUT"
mv "$OUT.synthea/fhir" "$OUT"
rm -rf "$OUT.synthea"
echo "$(grep -c . "$OUT/Patient.ndjson") patients in $OUT" >&2
