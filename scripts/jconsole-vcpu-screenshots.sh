#!/usr/bin/env bash
# Takes jconsole-utilization.png of src/site/markdown/jconsole.md again: JConsole charting the
# Utilization of a busy vCPU of a real QEMU guest, on a virtual X display:
#   scripts/jconsole-vcpu-screenshots.sh [OUTPUT_DIR]        (default: src/site/resources/images)
# As root, with libvirtd running (scripts/install-libvirt-host.sh). It
#  1. boots the test guest (scripts/prepare-test-guest.sh --start --max-vcpus 2 --busy-cpu 1 GUEST),
#     hot-plugs its vCPU 1 (virsh setvcpus GUEST 2 --live) and waits until the guest's /init logs
#     "BUSY-CPU: 1": a shell loop spinning on guest CPU 1 (taskset), so vCPU 1 is busy, vCPU 0 nearly idle;
#  2. starts its own agent on qemu:///system (scripts/vcpu-agent, without authentication,
#     --jmx-insecure true, so that JConsole needs no typed login; read-only, since it sees every
#     domain of the host; its state directory in a temporary one);
#  3. starts Xvfb and JConsole (polling every 2 s), opens libvirt.vcpu -> Vcpu -> GUEST -> 1 ->
#     Attributes, double-clicks the values of Utilization and DelayFraction, waits CHART_SECONDS for
#     the charts to fill (starting over, up to 4 times, when the agent's statistics of the vCPU are
#     older than MAX_AGE_MS meanwhile: they would draw a flat stretch), presses Refresh (the table's
#     other values are read once, the charts at every poll) and saves
#   jconsole-utilization.png   Attributes of vCPU 1 of GUEST, Utilization and DelayFraction as live charts
# and prints the Utilization, DelayFraction and the host's load at that moment (the share of one host
# CPU a busy vCPU gets is below 1.0 when the host's CPUs are taken by others: DelayFraction is the
# share it waited). On exit, also on failure, it stops what it started and undefines the guest.
# Shares scripts/jconsole-common.sh with scripts/jconsole-screenshots.sh: the same fixed positions,
# the same fragility (see that script's header); the guest is found in the tree by typing its name.
#
# Environment: JAVA_HOME, VCPU_AGENT_JAR (default target/vcpu-agent.jar), JMX_PORT (9912),
# XDISPLAY (:98), STEP (1.5), GUEST (jconsole-shot-guest), CHART_SECONDS (90), MAX_AGE_MS (3000),
# KEEP=1 (leave agent, Xvfb, JConsole and the guest running, to look around).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$(mkdir -p "${1:-$root/src/site/resources/images}" && cd "${1:-$root/src/site/resources/images}" && pwd)"
export VCPU_AGENT_JAR="${VCPU_AGENT_JAR:-$root/target/vcpu-agent.jar}"
port="${JMX_PORT:-9912}"
xdisplay="${XDISPLAY:-:98}"
step="${STEP:-1.5}"
bin="${JAVA_HOME:+$JAVA_HOME/bin/}"
url="service:jmx:rmi:///jndi/rmi://127.0.0.1:$port/jmxrmi"
guest="${GUEST:-jconsole-shot-guest}"
chart_seconds="${CHART_SECONDS:-90}"
busy=1
vcpu_bean="libvirt.vcpu:type=Vcpu,name=$guest,vcpu=$busy"
max_age_ms="${MAX_AGE_MS:-3000}"
REFRESH_BUTTON=(864 874)     # "Refresh" below the attribute table
CHART_ROW_H=219              # the height of an attribute's row once it holds a chart
DISCARD_X=1117 DISCARD_DY=204   # "Discard chart": its x, its y below the top of its row

# Tools, work directory, cleanup, the JMX client (jmx), Xvfb and JConsole, the xdotool helpers.
. "$here/jconsole-common.sh"
[[ $(id -u) -eq 0 ]] || die "run as root: the test guest is defined on qemu:///system"
command -v virsh >/dev/null || die "no virsh: run scripts/install-libvirt-host.sh"
need_tools
[[ -f "$VCPU_AGENT_JAR" ]] || die "no $VCPU_AGENT_JAR: build it first (mvn -B package -DskipTests)"

remove_guest() {
  if [[ "${KEEP:-}" == 1 ]]; then
    echo "KEEP=1: guest $guest left running; remove it with: $here/prepare-test-guest.sh --undefine $guest"
    return
  fi
  "$here/prepare-test-guest.sh" --undefine "$guest" 2>&1 | sed 's/^/  /' || true
}
on_exit=remove_guest
# KEEP=1 returns from cleanup before on_exit: say where the guest is there too.
[[ "${KEEP:-}" != 1 ]] || trap 'cleanup; remove_guest' EXIT

# --- 1. The guest, vCPU 1 plugged in and busy
echo "booting guest $guest"
info="$("$here/prepare-test-guest.sh" --start --max-vcpus 2 --busy-cpu "$busy" "$guest")" || die "the guest did not boot"
serial_log="$(sed -n 's/^serial_log=//p' <<<"$info")"
virsh -q -c qemu:///system setvcpus "$guest" $((busy + 1)) --live
for _ in $(seq 120); do
  grep -q -a "^BUSY-CPU: $busy" "$serial_log" && break
  sleep 0.5
done
grep -q -a "^BUSY-CPU: $busy" "$serial_log" || { tail -5 "$serial_log" >&2; die "the guest logged no BUSY-CPU: $busy"; }
echo "guest $guest: $(tr -d '\r' <"$serial_log" | grep -a -E '^(VCPU-ONLINE|BUSY-CPU):' | tr '\n' ' ')"

# --- 2. The agent
echo "starting vcpu-agent on port $port (qemu:///system)"
"$here/vcpu-agent" --uri qemu:///system --jmx-insecure true --jmx-port "$port" --read-only true \
  --state-dir "$work/state" >"$work/agent.log" 2>&1 &
pids+=($!)
wait_agent "$!" "$work/agent.log" "$vcpu_bean"

# --- 3. JConsole: Vcpu -> guest -> 1 -> Attributes, Utilization charted
start_jconsole -interval=2
open_libvirt_vcpu
keys End Right                       # Vcpu (the last node), expanded: one folder per domain
xdotool type --delay 50 "$guest"     # JTree's type-ahead selects the guest's folder
pause
keys Right                           # its vCPUs, 0 and 1
repeat $((busy + 1)) Down
pause
check 700 116 "#FFFF80" "MBeanInfo of vCPU $busy"
keys Right Down                      # vCPU 1's Attributes
pause
# Utilization first: a chart makes its row taller and moves the rows below it, not those above.
util_row="$(jmx attribute-row "$vcpu_bean" Utilization)"
delay_row="$(jmx attribute-row "$vcpu_bean" DelayFraction)"
open_charts() {
  doubleclick "$ATTR_VALUE_X" "$(attr_row_y "$util_row")"
  doubleclick "$ATTR_VALUE_X" "$(attr_row_y "$delay_row")"
}
# "Discard chart" of each, the lower one first, so that the upper one stays where it is.
discard_charts() {
  local row extra
  for row in "$util_row:$CHART_ROW_H" "$delay_row:0"; do   # row:height of the chart row above it (DelayFraction's)
    extra="${row#*:}"
    click "$DISCARD_X" "$(awk -v y0="$ATTR_ROW0_Y" -v r="${row%:*}" -v h="$ATTR_ROW_H" -v e="$extra" -v d="$DISCARD_DY" \
      'BEGIN { printf "%d", y0 - h / 2 + r * h + (e ? e - h : 0) + d }')"
  done
}
# A chart is only as live as the agent's statistics: if they fall behind (StatsAgeMillis above
# MAX_AGE_MS, a host too busy or a libvirt call that waits) the chart shows a flat stretch; start over.
for attempt in 1 2 3 4; do
  open_charts
  echo "charting Utilization and DelayFraction for ${chart_seconds}s"
  if age="$(jmx fresh "$vcpu_bean" "$chart_seconds" "$max_age_ms")"; then break; fi
  echo "warning: the agent's statistics of $guest were ${age} ms old (over ${max_age_ms}); charting again" >&2
  ((attempt < 4)) || { echo "warning: giving up: the chart shows stale statistics" >&2; break; }
  pause 0.5   # let JConsole draw the chart whose button is clicked next
  discard_charts
  pause
done
click "${REFRESH_BUTTON[@]}"
xdotool mousemove "${NO_TOOLTIP[@]}" # no tooltip in the picture
pause
shot jconsole-utilization
echo "at the picture: $(jmx get "$vcpu_bean" Utilization DelayFraction | tr '\n' ' ')load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
