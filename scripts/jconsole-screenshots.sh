#!/usr/bin/env bash
# Takes the JConsole screenshots of src/site/markdown/jconsole.md again, on a virtual X display:
#   scripts/jconsole-screenshots.sh [OUTPUT_DIR]        (default: src/site/resources/images)
# It starts its own vcpu-agent (libvirt's test driver, test:///default: domain `test`, 2 vCPUs; without
# authentication, --jmx-insecure true, so that JConsole needs no typed login), Xvfb and JConsole, drives JConsole with xdotool, saves
#   jconsole-tree.png          MBeans tab: libvirt.vcpu -> Domain -> test selected, its MBeanInfo
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
# below. Every step waits a fixed time: on a slow machine raise STEP (seconds).
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

# Window size and the fixed positions inside it (JDK 17 JConsole, Metal).
W=1400 H=900
MBEANS_TAB=(472 58)          # the "MBeans" tab
DIVIDER=(170 500) DIVIDER_TO=330   # the tree/detail split, dragged right so the tree's names fit
FIRST_TREE_ROW=(100 81)      # "JMImplementation", the first node of the MBean tree
TREE_EMPTY=(150 800)         # below the tree's last row
ATTR_ROW0_Y=116 ATTR_ROW_H=15.93 ATTR_VALUE_X=1038   # attribute table: first row, row height, value column
NEXT_ROW_BUTTON=(1128 287)   # ">" of "Tabular Data Navigation" once Vcpus is opened
COMPOSITE_CELL=(878 404)     # a name cell of the opened Vcpus row ("cpu")
HEADER_Y=93                  # a pixel row through the notification table's header
BORDER_COLOR="#7A8A99"       # the colour of the header's column borders

die() { echo "error: $*" >&2; exit 1; }

# --- Tools
need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdpyinfo >/dev/null || need+=(x11-utils)
command -v xdotool >/dev/null || need+=(xdotool)
{ command -v import >/dev/null && convert -version 2>/dev/null | grep -q ImageMagick; } || need+=(imagemagick)
if ((${#need[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing packages ${need[*]}: apt-get install -y ${need[*]}"
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi
command -v "${bin}jconsole" >/dev/null || die "no jconsole: install a JDK 17 (openjdk-17-jdk) or set JAVA_HOME"
[[ -f "$jar" ]] || die "no $jar: build it first (mvn -B package -DskipTests)"
if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is taken: set JMX_PORT"; fi
[[ ! -e "/tmp/.X${xdisplay#:}-lock" ]] || die "display $xdisplay is taken: set XDISPLAY"

# --- Everything started here is stopped on exit, by its own process id.
work="$(mktemp -d)"
pids=()
cleanup() {
  if [[ "${KEEP:-}" == 1 ]]; then
    echo "KEEP=1: left running (DISPLAY=$xdisplay): pids ${pids[*]}; work files in $work"
    return
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A small JMX client: waits for the agent, tells where JConsole shows things, invokes operations.
cat > "$work/Jmx.java" <<'EOF'
import javax.management.*;
import javax.management.remote.*;
import java.util.*;

public class Jmx {
    public static void main(String[] a) throws Exception {
        JMXServiceURL url = new JMXServiceURL(a[1]);
        if (a[0].equals("wait")) {
            for (int i = 0; ; i++) {
                try (JMXConnector c = JMXConnectorFactory.connect(url)) {
                    if (c.getMBeanServerConnection().isRegistered(new ObjectName(a[2]))) return;
                } catch (java.io.IOException e) {
                    if (i > 60) throw e;
                }
                Thread.sleep(500);
            }
        }
        try (JMXConnector c = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection m = c.getMBeanServerConnection();
            ObjectName name = new ObjectName(a[2]);
            MBeanInfo info = m.getMBeanInfo(name);
            switch (a[0]) {
                case "attribute-row": { // row of an attribute in JConsole's table, which sorts by name
                    List<String> names = new ArrayList<>();
                    for (MBeanAttributeInfo ai : info.getAttributes()) names.add(ai.getName());
                    Collections.sort(names);
                    System.out.println(names.indexOf(a[3]));
                    break;
                }
                case "operation-index": { // place in the tree (MBeanInfo order) of operation a[3] with a[4] parameters
                    MBeanOperationInfo[] ops = info.getOperations();
                    for (int i = 0; i < ops.length; i++) {
                        if (ops[i].getName().equals(a[3]) && ops[i].getSignature().length == Integer.parseInt(a[4])) {
                            System.out.println(i + " " + ops.length);
                            return;
                        }
                    }
                    throw new IllegalStateException("no operation " + a[3]);
                }
                case "invoke": { // int-looking arguments are ints, the others strings
                    Object[] params = new Object[a.length - 4];
                    String[] sig = new String[params.length];
                    for (int i = 0; i < params.length; i++) {
                        boolean number = a[i + 4].matches("-?\\d+");
                        params[i] = number ? (Object) Integer.valueOf(a[i + 4]) : a[i + 4];
                        sig[i] = number ? "int" : String.class.getName();
                    }
                    System.out.println(a[3] + " " + String.join(" ", Arrays.copyOfRange(a, 4, a.length)) + " -> "
                            + m.invoke(name, a[3], params, sig));
                    break;
                }
                default:
                    throw new IllegalArgumentException(a[0]);
            }
        }
    }
}
EOF
jmx() { "${bin}java" "$work/Jmx.java" "$1" "$url" "${@:2}"; }

# --- The agent, the display and JConsole
echo "starting vcpu-agent on port $port"
# Without authentication, asked for by name (--jmx-insecure true): JConsole takes no login on its command
# line, and an agent on its default (generated logins, see jconsole.md) would stop it at the login
# dialog. The pictures show the same MBeans either way; the agent listens on loopback only, briefly.
"${bin}java" -jar "$jar" --jmx-port "$port" --refresh-interval 2s --jmx-insecure true >"$work/agent.log" 2>&1 &
agent=$!
pids+=("$agent")
for _ in $(seq 120); do
  grep -q '^JMX: ' "$work/agent.log" && break
  kill -0 "$agent" 2>/dev/null || { cat "$work/agent.log" >&2; die "the agent stopped"; }
  sleep 0.5
done
jmx wait "$domain" 2>/dev/null || { cat "$work/agent.log" >&2; die "the agent did not register $domain"; }

echo "starting Xvfb $xdisplay"
Xvfb "$xdisplay" -screen 0 "${W}x${H}x24" -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY="$xdisplay"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.2; done 2>/dev/null || sleep 2

echo "starting JConsole"
"${bin}jconsole" "$url" >"$work/jconsole.log" 2>&1 &
pids+=($!)
win=""
for _ in $(seq 60); do
  win="$(xdotool search --name '^Java Monitoring & Management Console$' 2>/dev/null | head -1 || true)"
  [[ -n "$win" ]] && break
  sleep 0.5
done
[[ -n "$win" ]] || die "no JConsole window"

pause() { sleep "${1:-$step}"; }
click() { xdotool mousemove "$1" "$2" click 1; pause 0.4; }
doubleclick() { xdotool mousemove "$1" "$2" click --repeat 2 --delay 80 1; pause 0.4; }
drag() { # x1 y1 x2 y2
  xdotool mousemove "$1" "$2" mousedown 1; pause 0.3
  xdotool mousemove $((($1 + $3) / 2)) $((($2 + $4) / 2)); pause 0.3
  xdotool mousemove "$3" "$4"; pause 0.3
  xdotool mouseup 1; pause 0.5
}
keys() { for k in "$@"; do xdotool key "$k"; pause 0.35; done; }
repeat() { local n=$1; shift; for ((r = 0; r < n; r++)); do keys "$@"; done; }
shot() { import -window "$win" -strip "$out/$1.png"; echo "saved $out/$1.png"; }
# check X Y COLOUR WHAT: warns when the picture has not COLOUR at X,Y (JConsole did not show WHAT)
check() {
  local got
  got="$(import -window "$win" -crop "1x1+$1+$2" -depth 8 txt:- | awk 'NR == 2 { print $3 }')"
  [[ "$got" == "$3" ]] || echo "warning: no $4 on the screen ($got at $1,$2 instead of $3): look at the picture" >&2
}
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

# JConsole first tries SSL, fails, and asks "Secure connection failed. Retry insecurely?" with
# the buttons "Insecure connection" and "Cancel".
# The question is drawn inside the 900x750 window JConsole opens first; click its default button.
pause 6
xdotool mousemove --window "$win" 362 217 click 1
pause 4
xdotool windowmove "$win" 0 0
xdotool windowsize "$win" "$W" "$H"
pause 3

# --- 1. The MBean tree
click "${MBEANS_TAB[@]}"
pause
drag "${DIVIDER[@]}" "$DIVIDER_TO" "${DIVIDER[1]}"
click "${FIRST_TREE_ROW[@]}"
keys End Right                       # libvirt.vcpu: last domain in the tree
keys Down Right Down Right           # Domain -> test, with Attributes, Operations, Notifications
repeat 4 Down; keys Right            # Host
repeat 4 Up                          # back to test: JConsole shows its MBeanInfo
pause
check 700 116 "#FFFF80" "MBeanInfo of test"
shot jconsole-tree

# --- 2. Attributes, the Vcpus table opened
keys Down                            # Attributes
pause
row="$(jmx attribute-row "$domain" Vcpus)"
y="$(awk -v r="$row" -v y0="$ATTR_ROW0_Y" -v h="$ATTR_ROW_H" 'BEGIN { printf "%d", y0 + r * h }')"
doubleclick "$ATTR_VALUE_X" "$y"
pause
xdotool mousemove 700 850            # no tooltip in the picture
pause
shot jconsole-vcpus
click "${NEXT_ROW_BUTTON[@]}"        # vCPU 1
click "${COMPOSITE_CELL[@]}"
keys ctrl+End                        # scroll to the last items
xdotool mousemove 700 850
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
keys End                             # the last row: Host's Notifications
repeat 5 Up                          # Host's Operations, Attributes, Host, test's Notifications, Operations
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
xdotool mousemove 700 850
pause
shot jconsole-notifications

echo "done: $(ls "$out"/jconsole-*.png | wc -l) screenshots in $out"
