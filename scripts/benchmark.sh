#!/usr/bin/env bash
# vcpu-agent side by side with virsh, in one run: read latency, scripting cost, changes, scale to many
# domains, footprint, notification latency. Prints Markdown tables and, after a full run, writes
# src/site/markdown/benchmarks.md (machine facts, this exact command, the tables, the targets).
#
# Usage: scripts/benchmark.sh [--only latency,scripting,changes,notify,scale,monitoring] [--quick]
#                             [--page FILE] [--no-page] [--skip-build]
#   --only       run a subset; the page then goes to target/benchmarks-partial.md
#   --quick      fewer repetitions, shorter idle windows, up to 100 domains (a smoke run of about
#                3.5 minutes; run-tests.sh runs it once so that the benchmark cannot rot)
#   --skip-build use target/vcpu-agent.jar, target/test-classes and target/bench-classes as they are
#                (run-tests.sh builds them with `mvn verify -Pbench` first)
#
# Needs root and libvirtd with QEMU for the parts on real guests (scripts/install-libvirt-host.sh);
# the scale part needs only libvirt's test driver; the monitoring part needs it and Debian's
# prometheus-libvirt-exporter (scripts/install-deps.sh --tests). The full run takes about 15 minutes on 2 cores.
# Every guest (vcpu-bench, vcpu-bench16) and agent process it starts is removed at the end, also
# on Ctrl-C or SIGTERM.
# Environment: JAVA_HOME (a JDK 17 or newer), BENCH_JAVA_OPTS (extra options for the benchmark's JVM).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"

build=1
args=()
for a in "$@"; do
  case $a in
    --skip-build) build=0 ;;
    -h | --help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
command -v "$java" >/dev/null || { echo "error: no java found: install a JDK 17 or newer, or set JAVA_HOME" >&2; exit 1; }

if ((build)); then
  # The benchmark's own source set, src/bench/java, is compiled only with the profile bench (see pom.xml).
  echo "building target/vcpu-agent.jar, the test classes and the benchmark's (mvn -Pbench package -DskipTests) ..." >&2
  mvn -q -B -Pbench package -DskipTests
elif [[ ! -f target/bench-classes/org/vcpuagent/bench/Benchmark.class || ! -f target/vcpu-agent.jar ]]; then
  echo "error: --skip-build needs target/vcpu-agent.jar and target/bench-classes: build them with" \
    "'mvn -Pbench package -DskipTests' (run-tests.sh runs mvn verify -Pbench), or drop --skip-build" >&2
  exit 2
fi

# The benchmark's JVM forwards SIGINT/SIGTERM to its shutdown hook, which removes guests and agents.
# --add-opens: ScaleProfile starts an agent in this JVM, whose read-only RMI registry is the JDK's own (security.md).
# shellcheck disable=SC2086
exec "$java" ${BENCH_JAVA_OPTS:-} --add-opens=jdk.management.agent/sun.management.jmxremote=ALL-UNNAMED \
  -Dbench.command="scripts/benchmark.sh${args[*]:+ ${args[*]}}" \
  -Dlogback.configurationFile="$root/config/logback.xml" \
  -cp "$root/target/bench-classes:$root/target/test-classes:$root/target/vcpu-agent.jar" \
  org.vcpuagent.bench.Benchmark "${args[@]}"
