#!/usr/bin/env bash
# Takes the JConsole screenshots of src/site/markdown/jconsole.md again, on a virtual X display:
#   scripts/jconsole-screenshots.sh [OUTPUT_DIR]        (default: src/site/resources/images)
# It starts its own vcpu-agent (libvirt's test driver, test:///default: domain `test`, 2 vCPUs; without
# authentication, --jmx-insecure true, so that JConsole needs no typed login), Xvfb and JConsole, drives JConsole with xdotool, saves
#   jconsole-tree.png          MBeans tab: libvirt.vcpu -> Domain -> test, Host, and Vcpu -> test -> 0, 1;
#                              vCPU 0 selected, its MBeanInfo
#   jconsole-vcpus.png         Attributes of `test`, the Vcpus value opened (vCPU 0 of 2)
#   jconsole-vcpus-more.png    the same, vCPU 1 of 2, scrolled to the items below `number`
#   jconsole-pinvcpu.png       Operations -> pinVcpu: its button and its MBeanOperationInfo
#   jconsole-notifications.png Notifications of `test` after setVcpus 1, setVcpus 2 and pinVcpu 1 0-3
# and stops everything it started. Needs target/vcpu-agent.jar (mvn package), a JDK 17 (jconsole,
# java) and Debian's xvfb, x11-utils, xdotool and imagemagick; as root it installs the
# missing packages itself.
#
# Fragile by nature: JConsole has no scripting interface, so this clicks at pixel positions that
# hold for the JDK 17 JConsole (Metal look and feel, default fonts) in a 1400x900 window. The tree
# is walked with the keyboard, the row of `Vcpus` and the place of `pinVcpu` in the tree are
# computed from the agent's MBeanInfo, and the column borders of the notification table are found
# in the picture itself; the rest (tab, split divider, table cells, buttons) are fixed coordinates.
# If JConsole's layout changes, look at the pictures (any PNG viewer) and adjust the constants
# below and in scripts/jconsole-common.sh (shared with jconsole-vcpu-screenshots.sh, which takes
# the picture of a busy vCPU's Utilization chart on a real guest). Every step waits a fixed time:
# on a slow machine raise STEP (seconds).
#
# Environment: JAVA_HOME, VCPU_AGENT_JAR (default target/vcpu-agent.jar), JMX_PORT (9911),
# XDISPLAY (:99), STEP (1.5), KEEP=1 (leave agent, Xvfb and JConsole running, to look around).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$(mkdir -p "${1:-$root/src/site/resources/images}" && cd "${1:-$root/src/site/resources/images}" && pwd)"
jar="${VCPU_AGENT_JAR:-$root/target/vcpu-agent.jar}"
port="${JMX_PORT:-9911}"
xdisplay="${XDISPLAY:-:99}"
step="${STEP:-1.5}"
bin="${JAVA_HOME:+$JAVA_HOME/bin/}"
url="service:jmx:rmi:///jndi/rmi://127.0.0.1:$port/jmxrmi"
domain="libvirt.vcpu:type=Domain,name=test"

# Once Vcpus is opened, below the y of its row: ">" of "Tabular Data Navigation", a name cell ("cpu")
NEXT_ROW_BUTTON_X=1128 NEXT_ROW_BUTTON_DY=12
COMPOSITE_CELL_X=878 COMPOSITE_CELL_DY=117
HEADER_Y=93                  # a pixel row through the notification table's header
BORDER_COLOR="#7A8A99"       # the colour of the header's column borders

# Tools, work directory, cleanup, the JMX client (jmx), Xvfb and JConsole, the xdotool helpers.
. "$here/jconsole-common.sh"
need_tools
[[ -f "$jar" ]] || die "no $jar: build it first (mvn -B package -DskipTests)"

# --- The agent, the display and JConsole
echo "starting vcpu-agent on port $port"
# Without authentication, asked for by name (--jmx-insecure true): JConsole takes no login on its command
# line, and an agent on its default (generated logins, see jconsole.md) would stop it at the login
# dialog. The pictures show the same MBeans either way; the agent listens on loopback only, briefly.
"${bin}java" -jar "$jar" --jmx-port "$port" --refresh-interval 2s --jmx-insecure true >"$work/agent.log" 2>&1 &
pids+=($!)
wait_agent "$!" "$work/agent.log" "$domain"
start_jconsole

# x positions of the notification table's column borders, left to right
borders() {
  import -window "$win" "$work/header.png"
  convert "$work/header.png" -crop "${W}x1+0+$HEADER_Y" txt:- | awk -v c="$BORDER_COLOR" \
    'NR > 1 && index($0, c) { split($1, p, ","); x = p[1] + 0; if (x > 345 && x < W - 20) print x }' W="$W"
}

# Sets b to the 6 inner column borders of the notification table, or warns and fails.
find_borders() {
  for _ in 1 2 3 4 5; do
    b=($(borders))
    ((${#b[@]} >= 6)) && return 0
    pause
  done
  cp "$work/header.png" "$out/debug-notifications.png"
  echo "warning: found ${#b[@]} column borders instead of 6 (see $out/debug-notifications.png); columns left as they are" >&2
  return 1
}

# --- 1. The MBean tree
open_libvirt_vcpu                    # libvirt.vcpu: Domain, Host, Vcpu
keys Down Right Down Right           # Domain -> test, with Attributes, Operations, Notifications
repeat 4 Down; keys Right            # Host
repeat 4 Down; keys Right            # Vcpu
keys Down Right Down                 # Vcpu -> test -> 0: JConsole shows vCPU 0's MBeanInfo
pause
check 700 116 "#FFFF80" "MBeanInfo of vCPU 0"
shot jconsole-tree

# --- 2. Attributes, the Vcpus table opened
repeat 10 Up                         # Vcpu's test, Vcpu, Host's 3 leaves, Host, test's 3 leaves, Domain's test
keys Down                            # Attributes
pause
vcpus_y="$(attr_row_y "$(jmx attribute-row "$domain" Vcpus)")"
doubleclick "$ATTR_VALUE_X" "$vcpus_y"
pause
xdotool mousemove "${NO_TOOLTIP[@]}" # no tooltip in the picture
pause
shot jconsole-vcpus
click "$NEXT_ROW_BUTTON_X" $((vcpus_y + NEXT_ROW_BUTTON_DY))   # vCPU 1
click "$COMPOSITE_CELL_X" $((vcpus_y + COMPOSITE_CELL_DY))
keys ctrl+End                        # scroll to the last items
xdotool mousemove "${NO_TOOLTIP[@]}"
pause
shot jconsole-vcpus-more

# --- 3. Operations -> pinVcpu
read -r op ops < <(jmx operation-index "$domain" pinVcpu 2)
keys Escape                          # leave the Vcpus cell, or the keys below go to it
click "${TREE_EMPTY[@]}"             # focus the tree without changing its selection
pause
click "${FIRST_TREE_ROW[@]}"
xdotool mousemove "${TREE_EMPTY[@]}"
pause
keys End                             # the last row: Vcpu -> test -> 1
repeat 9 Up                          # 0, test, Vcpu, Host's 3 leaves, Host, test's Notifications, Operations
keys Right                           # test's Operations, expanded: one leaf per operation
repeat $((op + 1)) Down
pause
check 700 180 "#FFFF80" "MBeanOperationInfo of pinVcpu"
shot jconsole-pinvcpu

# --- 4. Notifications, subscribed, after a setVcpus
repeat $((ops - op)) Down            # the Notifications node
pause
keys alt+s                           # Subscribe
pause
jmx invoke "$domain" setVcpus 1; pause 1
jmx invoke "$domain" setVcpus 2; pause 1
jmx invoke "$domain" pinVcpu 1 0-3
pause 3
# Widen Message and Type, which JConsole gives the same width as Event and Source.
if find_borders; then
  drag "${b[4]}" "$HEADER_Y" $((W - 70)) "$HEADER_Y"     # Message | Event
  find_borders && drag "${b[3]}" "$HEADER_Y" $((b[3] - 85)) "$HEADER_Y"  # SeqNum | Message
  find_borders && drag "${b[1]}" "$HEADER_Y" $((b[1] + 58)) "$HEADER_Y"  # Type | UserData
fi
xdotool mousemove "${NO_TOOLTIP[@]}"
pause
shot jconsole-notifications

echo "done: $(ls "$out"/jconsole-*.png | wc -l) screenshots in $out"
