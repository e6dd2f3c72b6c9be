#!/usr/bin/env bash
# Build and (optionally) start the tiny libvirt/QEMU guest used by vcpu-agent
# integration tests.
#
# Why this shape: the agent's tests need a real domain whose vCPUs are real QEMU
# threads and whose guest reacts to vCPU hotplug, but CI has no disk images and
# nested KVM is too slow. So the guest is a Debian kernel plus a busybox initramfs,
# booted directly under TCG (<domain type='qemu'>). Its /init onlines every
# hotplugged CPU (what a udev rule does on a normal distro) and reports the online
# set on the serial console as "VCPU-ONLINE: <cpulist>" (once at boot, then on each
# change), so tests can observe the guest's view through the serial log file.
# With --busy-cpu N (off by default; then the kernel command line and the serial log are
# exactly as without it) the guest also spins a shell loop pinned to its CPU N, for
# pictures and demos of a busy vCPU (scripts/jconsole-vcpu-screenshots.sh).
#
# Usage: prepare-test-guest.sh [--start | --xml-only | --undefine] [--max-vcpus N] [--busy-cpu N] [NAME]
#   (no option)  build/cache kernel + initramfs, write the domain XML, print paths
#   --xml-only   same, but print only the XML path on stdout
#   --start      also (re)define and start the domain on qemu:///system and wait
#                until the guest prints its first VCPU-ONLINE line
#   --undefine   destroy + undefine the domain, remove its serial log and XML
#   --max-vcpus N  the domain's maximum vCPU count (default 4; 1 is plugged in at
#                boot, the others are hot-pluggable)
#   --busy-cpu N   make guest CPU N (0 to max-vcpus - 1) busy: once it is online the
#                guest's /init starts `taskset -c N sh -c 'while :; do :; done'`
#                and logs "BUSY-CPU: N"; a CPU above 0 is busy only after it is
#                hot-plugged (virsh setvcpus NAME N+1 --live). Passed to the guest
#                as vcpu_agent_busy_cpu=N on the kernel command line.
# NAME defaults to vcpu-agent-guest.
#
# An existing domain of the same NAME is always destroyed and undefined before
# --start defines it again, so every run starts from 1 online vCPU, a fresh XML and
# an empty serial log. (Tests that just want a reboot can use virsh destroy/start:
# the log is truncated on each start.) If the guest does not come up in time the
# script prints both logs, exits 1 and leaves the domain as is for inspection.
#
# stdout (except --xml-only) is "key=value" lines (domain, xml, serial_log, ...) so
# CI can eval it; progress goes to stderr.
#
# Env: GUEST_BOOT_TIMEOUT (s, default 180: about 10 s on an idle machine, far more when loaded), GUEST_KERNEL_PACKAGE (default: what
#      linux-image-amd64 depends on), VCPU_AGENT_CACHE (default
#      /var/cache/vcpu-agent/guest), GUEST_STATE_DIR (default /var/lib/vcpu-agent-test: not the package's /var/lib/vcpu-agent, which a purge removes).
set -euo pipefail

readonly URI=qemu:///system
readonly CACHE_DIR=${VCPU_AGENT_CACHE:-/var/cache/vcpu-agent/guest}
readonly STATE_DIR=${GUEST_STATE_DIR:-/var/lib/vcpu-agent-test}
readonly BOOT_TIMEOUT=${GUEST_BOOT_TIMEOUT:-180}
MAX_VCPUS=4
BUSY_CPU=
readonly MEMORY_MIB=256
# quiet keeps kernel chatter (which is slow under TCG) off the serial log; the
# VCPU-ONLINE lines come from userspace and are unaffected. panic=-1 turns a
# crashed /init into a reboot loop that shows up in the log instead of a hang.
readonly KERNEL_CMDLINE='console=ttyS0 quiet panic=-1 mitigations=off'

log() { echo "[prepare-test-guest] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
virsh_() { virsh -q -c "$URI" "$@"; }

usage() { sed -n '/^# Usage:/,/^# NAME defaults/s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }

mode=build
name=
while (($#)); do
    case $1 in
        --start) mode=start ;;
        --xml-only) mode=xml-only ;;
        --undefine) mode=undefine ;;
        --max-vcpus)
            (($# >= 2)) || { log "--max-vcpus needs a number"; usage; }
            MAX_VCPUS=$2; shift ;;
        --max-vcpus=*) MAX_VCPUS=${1#--max-vcpus=} ;;
        --busy-cpu)
            (($# >= 2)) || { log "--busy-cpu needs a CPU number"; usage; }
            BUSY_CPU=$2; shift ;;
        --busy-cpu=*) BUSY_CPU=${1#--busy-cpu=} ;;
        -h | --help) usage 0 ;;
        -*) log "unknown option: $1"; usage ;;
        *) [[ -z $name ]] || usage; name=$1 ;;
    esac
    shift
done
name=${name:-vcpu-agent-guest}
[[ $MAX_VCPUS =~ ^[0-9]{1,3}$ ]] && ((10#$MAX_VCPUS >= 1 && 10#$MAX_VCPUS <= 255)) \
    || die "invalid --max-vcpus: $MAX_VCPUS (give 1 to 255)"
MAX_VCPUS=$((10#$MAX_VCPUS))
readonly MAX_VCPUS
if [[ -n $BUSY_CPU ]]; then
    [[ $BUSY_CPU =~ ^[0-9]{1,3}$ ]] && ((10#$BUSY_CPU < MAX_VCPUS)) \
        || die "invalid --busy-cpu: $BUSY_CPU (give a guest CPU from 0 to $((MAX_VCPUS - 1)), below --max-vcpus)"
    BUSY_CPU=$((10#$BUSY_CPU))
fi
readonly BUSY_CPU
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid domain name: $name"
[[ $(id -u) -eq 0 ]] || die "must run as root"

readonly XML_PATH=$STATE_DIR/$name.xml
readonly SERIAL_LOG=/var/log/vcpu-agent-test/$name-serial.log

# ---------------------------------------------------------------- guest /init
# Kept in this file so its hash keys the initramfs cache: editing it rebuilds.
read -r -d '' INIT_SCRIPT <<'INIT' || true
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

cpu_dir=/sys/devices/system/cpu
prev=
# --busy-cpu N of prepare-test-guest.sh: spin on guest CPU N once it is online.
busy_cpu=$(sed -n 's/.*vcpu_agent_busy_cpu=\([0-9]*\).*/\1/p' /proc/cmdline)
while :; do
    # Hotplugged CPUs arrive offline; online them as udev would on a real distro.
    for f in "$cpu_dir"/cpu[0-9]*/online; do
        [ -e "$f" ] || continue
        state=$(cat "$f" 2>/dev/null) || continue
        # The group catches the redirect error too: an unplugged CPU's sysfs
        # directory can vanish between the read and the write.
        [ "$state" = 0 ] && { echo 1 >"$f"; } 2>/dev/null
    done
    cur=$(cat "$cpu_dir/online")
    if [ "$cur" != "$prev" ]; then
        echo "VCPU-ONLINE: $cur"
        prev=$cur
    fi
    if [ -n "$busy_cpu" ] && { [ "$busy_cpu" = 0 ] || [ "$(cat "$cpu_dir/cpu$busy_cpu/online" 2>/dev/null)" = 1 ]; }; then
        taskset -c "$busy_cpu" sh -c 'while :; do :; done' &
        echo "BUSY-CPU: $busy_cpu"
        busy_cpu=
    fi
    sleep 0.2
done
INIT

# ---------------------------------------------------------------- artifacts
ensure_tools() {
    local t
    for t in virsh apt-get apt-cache dpkg-deb cpio gzip sha256sum; do
        command -v "$t" >/dev/null || die "missing $t (run scripts/install-libvirt-host.sh)"
    done
    [[ -x /bin/busybox ]] || die "missing /bin/busybox (package busybox-static)"
}

kernel_package() {
    if [[ -n ${GUEST_KERNEL_PACKAGE:-} ]]; then
        echo "$GUEST_KERNEL_PACKAGE"
        return
    fi
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
        | sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
    if [[ -z $pkg ]]; then
        log "linux-image-amd64 unknown to apt; running apt-get update"
        apt-get update -q >&2
        pkg=$(apt-cache depends linux-image-amd64 \
            | sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
    fi
    [[ -n $pkg ]] || die "cannot resolve the kernel package behind linux-image-amd64"
    echo "$pkg"
}

# Prints the path of a cached vmlinuz, downloading the Debian kernel package once.
ensure_kernel() {
    local pkg dir tmp
    pkg=$(kernel_package)
    dir=$CACHE_DIR/kernel-$pkg
    if [[ -s $dir/vmlinuz ]]; then
        echo "$dir/vmlinuz"
        return
    fi
    log "downloading $pkg"
    tmp=$(mktemp -d)
    # Lets apt's sandbox user write there (avoids the "unsandboxed as root" warning).
    chown _apt "$tmp" 2>/dev/null || true
    # apt-get download writes into the cwd; a subshell keeps ours unchanged.
    (cd "$tmp" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
    # Only the kernel image is needed (no modules: everything used is built in).
    dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
    mkdir -p "$dir"
    mv "$tmp"/boot/vmlinuz-* "$dir/vmlinuz.tmp"
    mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"   # atomic: a partial file never looks cached
    rm -rf "$tmp"
    echo "$dir/vmlinuz"
}

# Prints the path of a cached initramfs keyed by /init and the busybox build.
ensure_initramfs() {
    local key out root
    key=$( { printf '%s' "$INIT_SCRIPT"; sha256sum /bin/busybox; } | sha256sum | cut -c1-16)
    out=$CACHE_DIR/initramfs-$key.cpio.gz
    if [[ -s $out ]]; then
        echo "$out"
        return
    fi
    log "building initramfs $out"
    root=$(mktemp -d)
    mkdir -p "$root"/{bin,dev,proc,sys}
    cp /bin/busybox "$root/bin/busybox"
    printf '%s\n' "$INIT_SCRIPT" >"$root/init"
    chmod 755 "$root/init"
    mkdir -p "$CACHE_DIR"
    (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet --owner=0:0) \
        | gzip -9 >"$out.tmp"
    mv "$out.tmp" "$out"
    rm -rf "$root"
    echo "$out"
}

write_xml() {
    local kernel=$1 initrd=$2 vcpus_xml='' i
    # vCPU 0 is fixed; 1..N-1 must be individually hotpluggable, otherwise libvirt
    # refuses "setvcpus --live" on q35 (no legacy CPU hotplug there).
    for ((i = 0; i < MAX_VCPUS; i++)); do
        if ((i == 0)); then
            vcpus_xml+="    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>"$'\n'
        else
            vcpus_xml+="    <vcpu id='$i' enabled='no' hotpluggable='yes'/>"$'\n'
        fi
    done
    mkdir -p "$STATE_DIR" "$(dirname "$SERIAL_LOG")"
    cat >"$XML_PATH.tmp" <<XML
<domain type='qemu'>
  <name>$name</name>
  <description>vcpu-agent integration test guest (scripts/prepare-test-guest.sh)</description>
  <memory unit='MiB'>$MEMORY_MIB</memory>
  <vcpu placement='static' current='1'>$MAX_VCPUS</vcpu>
  <vcpus>
${vcpus_xml%$'\n'}
  </vcpus>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$initrd</initrd>
    <cmdline>$KERNEL_CMDLINE${BUSY_CPU:+ vcpu_agent_busy_cpu=$BUSY_CPU}</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <serial type='file'>
      <source path='$SERIAL_LOG' append='off'/>
      <target port='0'/>
    </serial>
    <console type='file'>
      <source path='$SERIAL_LOG' append='off'/>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='none'/>
  </devices>
</domain>
XML
    mv "$XML_PATH.tmp" "$XML_PATH"
}

# ---------------------------------------------------------------- domain
domain_exists() { virsh_ dominfo "$name" >/dev/null 2>&1; }

remove_domain() {
    if domain_exists; then
        if [[ $(virsh_ domstate "$name" 2>/dev/null) != "shut off" ]]; then
            log "destroying $name"
            virsh_ destroy "$name" >/dev/null
        fi
        log "undefining $name"
        virsh_ undefine "$name" >/dev/null
    fi
    rm -f "$SERIAL_LOG"
}

start_domain() {
    local deadline start line state
    remove_domain
    virsh_ define "$XML_PATH" >/dev/null
    log "starting $name"
    start=$(date +%s.%N)
    virsh_ start "$name" >/dev/null
    deadline=$((SECONDS + BOOT_TIMEOUT))
    until line=$(grep -m1 -a '^VCPU-ONLINE:' "$SERIAL_LOG" 2>/dev/null); do
        state=$(virsh_ domstate "$name" 2>/dev/null || echo unknown)
        if [[ $state != running ]] || ((SECONDS >= deadline)); then
            log "guest did not report VCPU-ONLINE within ${BOOT_TIMEOUT}s (state: $state)"
            log "--- $SERIAL_LOG (tail)"; tail -n 30 "$SERIAL_LOG" >&2 2>/dev/null || true
            log "--- /var/log/libvirt/qemu/$name.log (tail)"
            tail -n 30 "/var/log/libvirt/qemu/$name.log" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 0.2
    done
    log "guest up after $(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN{printf "%.1f", a-b}')s:" \
        "${line%$'\r'}"
}

main() {
    if [[ $mode == undefine ]]; then
        command -v virsh >/dev/null || die "missing virsh"
        remove_domain
        rm -f "$XML_PATH"
        log "removed $name"
        return
    fi
    ensure_tools
    local kernel initrd
    kernel=$(ensure_kernel)
    initrd=$(ensure_initramfs)
    write_xml "$kernel" "$initrd"
    if [[ $mode == xml-only ]]; then
        echo "$XML_PATH"
        return
    fi
    [[ $mode == start ]] && start_domain
    printf 'domain=%s\nxml=%s\nserial_log=%s\nkernel=%s\ninitrd=%s\n' \
        "$name" "$XML_PATH" "$SERIAL_LOG" "$kernel" "$initrd"
}

main
