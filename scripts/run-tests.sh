#!/usr/bin/env bash
# Runs every test: installs what they need, starts libvirtd for the tests on real QEMU guests
# (tag "qemu"), runs `mvn verify`, and stops the daemons it started.
# Run as root on a fresh Debian 12 machine (CI does exactly this). Extra arguments go to Maven,
# e.g. `scripts/run-tests.sh -Dgroups='!qemu'` for the embedded-driver tests alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh --tests

started_libvirtd=no
if ! pidof libvirtd >/dev/null; then
  started_libvirtd=yes
fi
# The multi-host test connects over qemu+tcp://127.0.0.1/system, so the test host listens on
# loopback TCP too (unauthenticated: fine on a CI machine, never on a shared one).
export LIBVIRTD_TCP_LOOPBACK=yes
scripts/install-libvirt-host.sh
if [[ $started_libvirtd == yes ]]; then
  trap 'scripts/stop-libvirt-host.sh || true' EXIT
fi

mvn -B -ntp verify "$@"
