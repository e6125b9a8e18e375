#!/usr/bin/env bash
# Installs what the browser tests drive (org.e2guard.testing.ReportBrowser): Debian's chromium and chromium-driver,
# unless both are already there. Run as root (CI is); idempotent and quick when installed.
# Browsers are taken from Debian's packages only: tools that fetch their own browser builds
# (Selenium Manager, Playwright's installer) cannot reach their download hosts from these machines.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update >/dev/null
$SUDO apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null
/usr/bin/chromium --version 2>/dev/null | head -1 >&2
