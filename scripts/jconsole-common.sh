# Shared by scripts/jconsole-screenshots.sh and scripts/jconsole-vcpu-screenshots.sh (sourced, not run):
# the tools they need, a work directory and the processes they start (stopped on exit, by their own
# process ids), a small JMX client, Xvfb, JConsole and the xdotool helpers that drive it.
#
# The sourcing script sets: out (where pictures go), port (the agent's JMX port), xdisplay, step
# (seconds each step waits), bin (JAVA_HOME/bin/ or empty), url (the agent's JMX URL); and may set
# on_exit to a function run on exit before the processes are stopped.
#
# Fixed positions hold for the JDK 17 JConsole (Metal look and feel, default fonts) in a 1400x900
# window; see the header of jconsole-screenshots.sh for how fragile that is.

W=1400 H=900
MBEANS_TAB=(472 58)          # the "MBeans" tab
DIVIDER=(170 500) DIVIDER_TO=330   # the tree/detail split, dragged right so the tree's names fit
FIRST_TREE_ROW=(100 81)      # "JMImplementation", the first node of the MBean tree
TREE_EMPTY=(150 800)         # below the tree's last row
ATTR_ROW0_Y=116 ATTR_ROW_H=15.93 ATTR_VALUE_X=1038   # attribute table: first row, row height, value column
NO_TOOLTIP=(700 850)         # where the mouse rests for a picture: over nothing with a tooltip

die() { echo "error: $*" >&2; exit 1; }

# --- Tools
need_tools() {
  local need=()
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
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is taken: set JMX_PORT"; fi
  [[ ! -e "/tmp/.X${xdisplay#:}-lock" ]] || die "display $xdisplay is taken: set XDISPLAY"
}

# --- Everything started here is stopped on exit, by its own process id.
work="$(mktemp -d)"
pids=()
on_exit=
cleanup() {
  if [[ "${KEEP:-}" == 1 ]]; then
    echo "KEEP=1: left running (DISPLAY=$xdisplay): pids ${pids[*]}; work files in $work"
    return
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -z "$on_exit" ]] || "$on_exit"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A small JMX client: waits for a bean, tells where JConsole shows things, reads and invokes.
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
                if (i > 240) throw new IllegalStateException("no MBean " + a[2]);
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
                case "fresh": { // exit 0 if StatsAgeMillis of a[2] stays under a[4] ms for a[3] s, else 3 at once
                    long end = System.nanoTime() + Long.parseLong(a[3]) * 1_000_000_000L;
                    while (System.nanoTime() < end) {
                        long age = (Long) m.getAttribute(name, "StatsAgeMillis");
                        if (age > Long.parseLong(a[4])) {
                            System.out.println(age);
                            System.exit(3);
                        }
                        Thread.sleep(500);
                    }
                    break;
                }
                case "get": { // attributes a[3..], one "name=value" line each
                    for (int i = 3; i < a.length; i++) System.out.println(a[i] + "=" + m.getAttribute(name, a[i]));
                    break;
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

# Waits for the agent started as process $1 (log $2) to print its JMX line and register bean $3.
wait_agent() {
  for _ in $(seq 120); do
    grep -q '^JMX: ' "$2" && break
    kill -0 "$1" 2>/dev/null || { cat "$2" >&2; die "the agent stopped"; }
    sleep 0.5
  done
  jmx wait "$3" 2>/dev/null || { cat "$2" >&2; die "the agent did not register $3"; }
}

# Starts Xvfb and JConsole (options "$@" before the URL), answers its insecure-connection question,
# and sets win to JConsole's window, moved to 0,0 and sized W x H.
start_jconsole() {
  echo "starting Xvfb $xdisplay"
  Xvfb "$xdisplay" -screen 0 "${W}x${H}x24" -nolisten tcp >"$work/xvfb.log" 2>&1 &
  pids+=($!)
  export DISPLAY="$xdisplay"
  for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.2; done 2>/dev/null || sleep 2

  echo "starting JConsole"
  "${bin}jconsole" "$@" "$url" >"$work/jconsole.log" 2>&1 &
  pids+=($!)
  win=""
  for _ in $(seq 60); do
    win="$(xdotool search --name '^Java Monitoring & Management Console$' 2>/dev/null | head -1 || true)"
    [[ -n "$win" ]] && break
    sleep 0.5
  done
  [[ -n "$win" ]] || die "no JConsole window"
  # JConsole first tries SSL, fails, and asks "Secure connection failed. Retry insecurely?" with
  # the buttons "Insecure connection" and "Cancel".
  # The question is drawn inside the 900x750 window JConsole opens first; click its default button.
  pause 6
  xdotool mousemove --window "$win" 362 217 click 1
  pause 4
  xdotool windowmove "$win" 0 0
  xdotool windowsize "$win" "$W" "$H"
  pause 3
}

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
# The y of row $1 (from 0) of an attribute table.
attr_row_y() { awk -v r="$1" -v y0="$ATTR_ROW0_Y" -v h="$ATTR_ROW_H" 'BEGIN { printf "%d", y0 + r * h }'; }

# MBeans tab, the tree widened, libvirt.vcpu (the last JMX domain of the tree) selected and expanded.
open_libvirt_vcpu() {
  click "${MBEANS_TAB[@]}"
  pause
  drag "${DIVIDER[@]}" "$DIVIDER_TO" "${DIVIDER[1]}"
  click "${FIRST_TREE_ROW[@]}"
  keys End Right
}
