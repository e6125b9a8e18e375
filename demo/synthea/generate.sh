#!/usr/bin/env bash
# Generates a Synthea population (Synthea 3.3.0 from Maven Central, demo/synthea/pom.xml).
# Usage: demo/synthea/generate.sh OUT_DIR [patients=50] [seed=42] [kind=ai-ndjson]
#   ai-ndjson  women aged 55-80 who received an aromatase inhibitor, as FHIR Bulk Data NDJSON (one
#              file per resource type), for demo/population.sh and bench/population.sh. Only the
#              breast-cancer modules run (hormone therapy gives letrozole, anastrozole or
#              exemestane), and the keep module keeps only the women who were given one. Expect
#              roughly 5-10 s per kept patient on two cores: most generated women never get breast
#              cancer and are discarded.
#   bundles    every generated patient (women aged 55-80, all of Synthea's modules: claims,
#              encounters, explanations of benefit, imaging, notes), one FHIR transaction Bundle
#              per patient in OUT_DIR, as a real record arrives at $evaluate; for bench/synthea.sh.
#   ai-bundles the women of ai-ndjson, all modules, one transaction Bundle per patient.
#   ai-ndjson-all the women of ai-ndjson with all of Synthea's modules (osteoporosis and its DXA scans,
#              fractures, alcohol, ...), as Bulk Data NDJSON: the population src/test/resources/synthea/ is
#              made from.
#   ndjson     every generated patient, all modules, as Bulk Data NDJSON (with GENDER=M: the men
#              src/test/resources/synthea/ puts on testosterone therapy).
# AGES=90-99 changes the age range (default 55-80): the oldest patients have the longest records.
# GENDER=M generates men (default F).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="$1"; N="${2:-50}"; SEED="${3:-42}"; KIND="${4:-ai-ndjson}"
if [ ! -d demo/synthea/target/lib ]; then
  ./mvnw -B -q -f demo/synthea/pom.xml package
fi
case "$KIND" in
  ai-ndjson) SELECT=(-m 'breast_cancer*' -k demo/synthea/keep-aromatase-inhibitor.json); BULK=true ;;
  bundles) SELECT=(); BULK=false ;;
  ai-bundles) SELECT=(-k demo/synthea/keep-aromatase-inhibitor.json); BULK=false ;;
  ai-ndjson-all) SELECT=(-k demo/synthea/keep-aromatase-inhibitor.json); BULK=true ;;
  ndjson) SELECT=(); BULK=true ;;
  *) echo "unknown kind '$KIND' (ai-ndjson, bundles, ai-bundles, ai-ndjson-all, ndjson)" >&2; exit 2 ;;
esac
rm -rf "$OUT.synthea"
mkdir -p "$OUT.synthea"
java -Xmx2g -cp 'demo/synthea/target/lib/*' App -p "$N" -s "$SEED" -cs "$SEED" -g "${GENDER:-F}" -a "${AGES:-55-80}" \
  "${SELECT[@]}" \
  --exporter.fhir.bulk_data="$BULK" --exporter.fhir.transaction_bundle=true --exporter.baseDirectory="$OUT.synthea/" \
  --exporter.hospital.fhir.export=false --exporter.practitioner.fhir.export=false \
  --generate.log_patients.detail=none > "$OUT.synthea.log" 2>&1
rm -rf "$OUT"
mv "$OUT.synthea/fhir" "$OUT"
rm -rf "$OUT.synthea"
if [ "$BULK" = true ]; then
  echo "$(grep -c . "$OUT/Patient.ndjson") patients in $OUT" >&2
else
  echo "$(ls "$OUT"/*.json | wc -l) patient bundles in $OUT" >&2
fi
