#!/usr/bin/env bash
# Runs every test: installs what they need, starts libvirtd for the tests on real QEMU guests
# (tag "qemu"), runs `mvn verify`, then the benchmark once in its quick mode (so that it cannot
# rot: it must run to the end, its figures are not assertions), and stops the daemons it started.
# Run as root on a fresh Debian 12 machine (CI does exactly this). Extra arguments go to Maven,
# e.g. `scripts/run-tests.sh -Dgroups='!qemu & !xen'` for the embedded-driver tests alone.
# Environment: VCPU_AGENT_BENCHMARK=no skips the quick benchmark run.
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
# Xen (tag "xen"): XenDomainTest builds (cached in /var/cache/vcpu-agent/xen) and boots a real Xen host
# nested in QEMU with scripts/xen/xen-test-host.sh, and stops it. It is skipped only where the host
# cannot be built; say so here, so that a skip is never silent.
if xen_check=$(scripts/xen/xen-test-host.sh check); then
  echo "Xen tests (tag xen) will run: $xen_check"
else
  echo "Xen tests (tag xen) SKIPPED: $xen_check"
fi

cleanup() {
  scripts/xen/xen-test-host.sh stop >/dev/null 2>&1 || true   # only if a test left it running
  if [[ $started_libvirtd == yes ]]; then
    scripts/stop-libvirt-host.sh || true
  fi
}
trap cleanup EXIT

mvn -B -ntp verify "$@"

if [[ ${VCPU_AGENT_BENCHMARK:-quick} != no ]]; then
  # mvn verify has just built target/vcpu-agent.jar and the test classes the benchmark runs from.
  echo "quick benchmark run (scripts/benchmark.sh --quick; figures in target/benchmarks-partial.md, not asserted)"
  scripts/benchmark.sh --quick --skip-build
fi
