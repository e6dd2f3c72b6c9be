#!/usr/bin/env bash
# Runs every test: installs what they need, starts libvirtd for the tests on real QEMU guests
# (tag "qemu"), runs `mvn verify` (surefire, then package, then failsafe for the tests named *IT that
# need the packaged jar), then the benchmark once in its quick mode (so that it cannot rot: it must
# run to the end, its figures are not assertions), and stops the daemons it started.
# Its last line is always `N passed, N failed, N skipped` over every test report, also when a step
# failed; it exits 0 only when no test failed, every step worked, and nothing was skipped that is
# not allowed, with its reason, in scripts/expected-skips.txt (a class that ran no test counts as a skip).
# Run as root on a fresh Debian 12 machine (CI does exactly this). Extra arguments go to Maven,
# e.g. `scripts/run-tests.sh -Dgroups='!qemu & !xen'` for the embedded-driver tests alone.
# Environment: VCPU_AGENT_BENCHMARK=no skips the quick benchmark run (and its compilation, -Pbench).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step="scripts/install-deps.sh --tests"
summary_args=(--expected-skips scripts/expected-skips.txt)
started_libvirtd=no

cleanup() {
  scripts/xen/xen-test-host.sh stop >/dev/null 2>&1 || true   # only if a test left it running
  if [[ $started_libvirtd == yes ]]; then
    scripts/stop-libvirt-host.sh || true
  fi
}

# On every exit, also on a failed step or Ctrl-C: stop the daemons, then the verdict, as the last line.
finish() {
  local status=$?
  trap - EXIT
  cleanup
  if ((status != 0)); then
    summary_args+=(--step-failed "$step (exit $status)")
  fi
  if command -v java >/dev/null; then
    java src/test/java/org/vcpuagent/ci/TestRunSummary.java "${summary_args[@]}" \
      target/surefire-reports target/failsafe-reports || status=1
  else
    echo "FAILED STEP: no java to read the test reports with"
    echo "0 passed, 0 failed, 0 skipped"
    status=1
  fi
  exit "$status"
}
trap finish EXIT

# Reports of an earlier run would be counted again, and those of a renamed test class would linger.
rm -rf target/surefire-reports target/failsafe-reports
scripts/install-deps.sh --tests

step="scripts/install-libvirt-host.sh"
if ! pidof libvirtd >/dev/null; then
  started_libvirtd=yes
fi
# The multi-host test connects over qemu+tcp://127.0.0.1/system, so the test host listens on
# loopback TCP too (unauthenticated: fine on a CI machine, never on a shared one).
export LIBVIRTD_TCP_LOOPBACK=yes
scripts/install-libvirt-host.sh
# Xen (tag "xen"): XenDomainTest builds (cached in /var/cache/vcpu-agent/xen) and boots a real Xen host
# nested in QEMU with scripts/xen/xen-test-host.sh, and stops it. It is skipped only where the host
# cannot be built; say so here, and allow that skip only then, so that a skip is never silent.
if xen_check=$(scripts/xen/xen-test-host.sh check); then
  echo "Xen tests (tag xen) will run: $xen_check"
else
  echo "Xen tests (tag xen) SKIPPED: $xen_check"
  summary_args+=(--allow-skip "XenDomainTest  the Xen test host cannot be built here: $xen_check")
fi

benchmark=${VCPU_AGENT_BENCHMARK:-quick}
profiles=()
if [[ $benchmark != no ]]; then
  profiles=(-Pbench)   # compiles src/bench/java into target/bench-classes for the run below
fi
# Failing tests do not stop Maven (maven.test.failure.ignore), so that every test runs and the
# summary counts them all; the summary fails the run for them.
step="mvn verify"
mvn_status=0
mvn -B -ntp verify -Dmaven.test.failure.ignore=true "${profiles[@]}" "$@" || mvn_status=$?
if ((mvn_status != 0)); then
  summary_args+=(--step-failed "mvn verify (exit $mvn_status): see its output above")
elif [[ $benchmark != no ]]; then
  # mvn verify has just built target/vcpu-agent.jar and the classes the benchmark runs from.
  echo "quick benchmark run (scripts/benchmark.sh --quick; figures in target/benchmarks-partial.md, not asserted)"
  bench_status=0
  scripts/benchmark.sh --quick --skip-build || bench_status=$?
  if ((bench_status != 0)); then
    summary_args+=(--step-failed "the quick benchmark, scripts/benchmark.sh --quick --skip-build (exit $bench_status)")
  fi
fi
step="the summary"
