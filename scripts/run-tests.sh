#!/usr/bin/env bash
# Runs every test: installs what they need, then `mvn verify`.
# Run as root on a fresh Debian 12 machine (CI does exactly this).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh --tests
mvn -B -ntp verify "$@"
