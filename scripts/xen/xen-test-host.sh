#!/usr/bin/env bash
# A real Xen test host for vcpu-agent, nested in QEMU under TCG, built from Debian packages.
#
#   outer machine                          QEMU (TCG, -smp 4, 3 GiB)
#   ---------------------------------      -----------------------------------------------
#   vcpu-agent --uri                       Xen 4.17 (xen-hypervisor-4.17-amd64), console com1
#     xen+tcp://127.0.0.1:LIBVIRT_PORT  ->   dom0: Debian's 6.1 kernel, root = a cpio of a
#       /system   (libvirt's remote          debootstrap tree (xen-utils-4.17, libvirt-daemon,
#       transport; the outer machine         libvirt-daemon-driver-xen = libvirt's libxl driver)
#       needs libvirt0 only)                 libvirtd --listen, TCP 16509, auth none
#   tests: 127.0.0.1:COMMAND_PORT       ->   busybox nc -ll -p 2323 -e /bin/sh (xl vcpu-list...)
#                                            domU "vcpu-agent-xen": PV, Debian's kernel + busybox
#                                            initramfs, <vcpu current='1'>4</vcpu>, defined and
#                                            started through libvirt
#
# Both ports are QEMU user-network hostfwd rules bound to 127.0.0.1 only, and the user network is
# restrict=on (dom0 cannot reach anything else). libvirtd and the command port have no
# authentication: anyone with a shell on the outer machine can use them. This is a test host.
#
# Usage: xen-test-host.sh COMMAND
#   check     exit 0 if this machine can build and run the host (prints what it found), 2 and the
#             reason if it cannot (not root, too little memory or disk, no Debian package source)
#   build     download and build what is missing in the cache; prints the artifact paths
#   start     build, boot the host, define and start the domU through libvirt, wait until the domU
#             reports its vCPUs; prints key=value lines (uri, command_port, domain, ...). If the
#             host is already up, prints the same lines and changes nothing.
#   stop      destroy the domU, stop QEMU (only the process in our pid file), remove runtime files
#   status    prints the key=value lines and exits 0 if the host is up, exits 1 if not
#   dom0 CMD  runs the shell command CMD in dom0 and prints its output; exits with its status
#   restart-domu  destroys, redefines and starts the domU (back to 1 vCPU, empty console log)
#   domu-xml  prints the domU's libvirt XML
#
# Cache: $XEN_HOST_CACHE (default /var/cache/vcpu-agent/xen), keyed by package versions and by the
# hash of this directory's files; delete it to rebuild from scratch. Runtime files: $XEN_HOST_RUN
# (default /run/vcpu-agent-xen): pid file, QEMU's serial log (Xen and dom0's console), host.env.
#
# Env: XEN_HOST_LIBVIRT_PORT (default 16610), XEN_HOST_COMMAND_PORT (default 16623): first tried;
#      the next free ports are taken when those are in use. XEN_HOST_BOOT_TIMEOUT (s, default 300):
#      the limit for dom0 to come up; XEN_HOST_DOMU_TIMEOUT (s, default 300): for the domU.
#      XEN_HOST_DOMAIN (default vcpu-agent-xen).
set -euo pipefail

readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly CACHE=${XEN_HOST_CACHE:-/var/cache/vcpu-agent/xen}
readonly RUN=${XEN_HOST_RUN:-/run/vcpu-agent-xen}
readonly BOOT_TIMEOUT=${XEN_HOST_BOOT_TIMEOUT:-300}
readonly DOMU_TIMEOUT=${XEN_HOST_DOMU_TIMEOUT:-300}
readonly DOMAIN=${XEN_HOST_DOMAIN:-vcpu-agent-xen}
readonly SUITE=bookworm
readonly XEN_PACKAGE=xen-hypervisor-4.17-amd64
# dom0's packages on top of debootstrap's minbase. libvirt-daemon-driver-xen is Debian 12's name for
# libvirt's libxl driver; virtlogd comes with libvirt-daemon. busybox-static gives dom0 nc and the
# domU its /bin/busybox. No Recommends (they would pull in qemu-system-xen, lvm2, ...).
readonly DOM0_PACKAGES=xen-utils-4.17,xenstore-utils,libvirt-daemon,libvirt-daemon-driver-xen,libvirt-clients,busybox-static,kmod,iproute2
# Left out of dom0's cpio, which dom0 holds in RAM and unpacks under TCG (about 130 of 270 MiB):
# perl and python (only maintainer scripts and tools the tests do not run use them), udev's hardware
# database, gconv, time zones, apt's cache, the Xen PVH shim, and the libvirt drivers other than
# libxl and secret (each costs libvirtd start-up time, none is used).
readonly DOM0_PRUNE=(usr/share/perl usr/lib/x86_64-linux-gnu/perl usr/lib/x86_64-linux-gnu/perl-base
    'usr/lib/x86_64-linux-gnu/libperl.so*' 'usr/bin/perl*' 'usr/lib/python3*' 'usr/bin/python3*'
    usr/lib/udev/hwdb.bin usr/lib/x86_64-linux-gnu/gconv usr/share/zoneinfo var/cache usr/lib/xen-4.17/boot
    usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_{interface,network,nodedev,nwfilter,storage}.so
    usr/lib/x86_64-linux-gnu/libvirt/storage-backend usr/lib/x86_64-linux-gnu/libvirt/storage-file)
readonly DOM0_MODULES=(xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs virtio_pci virtio_net)
readonly XEN_CMDLINE='console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2'
readonly DOM0_CMDLINE='console=hvc0 earlyprintk=xen mitigations=off'
# (No maxcpus=1: for a PV guest Linux shrinks its possible CPUs to it, and no vCPU can be added later.
# So the guest boots all 4 and then offlines the 3 that xenstore marks unavailable.)
readonly DOMU_CMDLINE='console=hvc0 quiet mitigations=off'
readonly DOMU_MEMORY_MIB=128
readonly DOMU_MAX_VCPUS=4
readonly GUEST_DIR=/var/lib/vcpu-agent-xen   # in dom0: the domU's kernel and initramfs
readonly DOM0_COMMAND_PORT=2323

log() { echo "[xen-test-host] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }

usage() { sed -n '/^# Usage:/,/^# Cache:/{/^# Cache:/d;s/^# \{0,1\}//p}' "$0" >&2; exit "${1:-2}"; }

# ---------------------------------------------------------------- check

# Prints why this machine cannot host the Xen test host, or nothing.
why_not() {
    [[ $(id -u) -eq 0 ]] || { echo "not root (debootstrap and the cache need root)"; return; }
    [[ $(uname -m) == x86_64 ]] || { echo "not x86_64 ($(uname -m))"; return; }
    [[ -r /etc/debian_version ]] || { echo "not Debian (the host is built from Debian 12 packages)"; return; }
    command -v apt-get >/dev/null || { echo "no apt-get"; return; }
    local avail_kib
    avail_kib=$(awk '/^MemAvailable:/{print $2}' /proc/meminfo)
    ((avail_kib >= 3670016)) || { echo "only $((avail_kib / 1024)) MiB memory available; QEMU needs 3072 MiB and some room"; return; }
    mkdir -p "$CACHE"
    local free_kib
    free_kib=$(df -Pk "$CACHE" | awk 'NR==2{print $4}')
    if ! compgen -G "$CACHE/dom0-*.cpio" >/dev/null && ((free_kib < 2097152)); then
        echo "only $((free_kib / 1024)) MiB free under $CACHE; the first build needs 2 GiB"; return
    fi
    if [[ -z $(known_version "$XEN_PACKAGE") ]]; then
        apt_update
        [[ -n $(known_version "$XEN_PACKAGE") ]] \
            || { echo "apt knows no $XEN_PACKAGE (no Debian 12 package source)"; return; }
    fi
}

# The version apt would install of package $1, or nothing.
known_version() {
    local policy
    policy=$(apt-cache policy "$1" 2>/dev/null) || true
    sed -n 's/^ *Candidate: *\([0-9][^ ]*\)$/\1/p' <<<"$policy"
}

apt_update() {
    log "refreshing apt's package lists"
    apt-get update -q >&2 || true
}

cmd_check() {
    local reason
    reason=$(why_not)
    if [[ -n $reason ]]; then
        echo "cannot run a Xen test host here: $reason"
        exit 2
    fi
    echo "can run a Xen test host: root, $(nproc) cores, $(($(awk '/^MemAvailable:/{print $2}' /proc/meminfo) / 1024)) MiB available, $XEN_PACKAGE $(candidate "$XEN_PACKAGE")"
}

# ---------------------------------------------------------------- build

ensure_build_tools() {
    local missing=() t p
    for t in qemu-system-x86_64:qemu-system-x86 mmdebstrap:mmdebstrap cpio:cpio depmod:kmod \
             virsh:libvirt-clients; do
        command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
    done
    ((${#missing[@]} == 0)) && return
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null || apt_update
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
        apt_update
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    fi
    for p in "${missing[@]}"; do dpkg-query -W "$p" >/dev/null 2>&1 || die "could not install $p"; done
}

# Candidate versions looked up once per build (each apt-cache run reads the whole package cache).
declare -A VERSIONS=()
KERNEL_PACKAGE=
load_versions() {
    local out pkg= line
    KERNEL_PACKAGE=$(kernel_package)
    out=$(apt-cache policy "$XEN_PACKAGE" "$KERNEL_PACKAGE" xen-utils-4.17 libvirt-daemon \
        libvirt-daemon-driver-xen busybox-static libc6 2>/dev/null) || true
    while IFS= read -r line; do
        if [[ $line =~ ^([^[:space:]]+):$ ]]; then
            pkg=${BASH_REMATCH[1]}
        elif [[ -n $pkg && $line =~ ^[[:space:]]+Candidate:[[:space:]]+([0-9][^[:space:]]*)$ ]]; then
            VERSIONS[$pkg]=${BASH_REMATCH[1]}
        fi
    done <<<"$out"
}

candidate() {
    local v
    if [[ -n ${VERSIONS[$1]:-} ]]; then
        echo "${VERSIONS[$1]}"
        return
    fi
    v=$(known_version "$1")
    if [[ -z $v ]]; then
        apt_update
        v=$(known_version "$1")
    fi
    [[ -n $v ]] || die "apt knows no package $1"
    echo "$v"
}

kernel_package() {
    local deps pkg
    if [[ -n $KERNEL_PACKAGE ]]; then
        echo "$KERNEL_PACKAGE"
        return
    fi
    deps=$(apt-cache depends linux-image-amd64 2>/dev/null) || true
    if [[ $deps != *Depends:* ]]; then
        apt_update
        deps=$(apt-cache depends linux-image-amd64 2>/dev/null) || true
    fi
    pkg=$(sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' <<<"$deps")
    pkg=${pkg%%$'\n'*}
    [[ -n $pkg ]] || die "cannot resolve the kernel package behind linux-image-amd64"
    echo "$pkg"
}

# Downloads package $1 into a fresh temporary directory and prints that directory.
download() {
    local tmp
    tmp=$(mktemp -d)
    chown _apt "$tmp" 2>/dev/null || true
    (cd "$tmp" && apt-get download -q "$1" >&2) || die "apt-get download $1 failed"
    echo "$tmp"
}

# Xen itself: xen-4.17-amd64.gz from the Debian package, gunzipped (a 32-bit multiboot ELF that
# QEMU's -kernel boots directly).
ensure_xen() {
    local v dir tmp
    v=$(candidate "$XEN_PACKAGE")
    dir=$CACHE/xen-$v
    if [[ ! -s $dir/xen ]]; then
        log "downloading $XEN_PACKAGE $v"
        tmp=$(download "$XEN_PACKAGE")
        dpkg-deb -x "$tmp"/*.deb "$tmp/x"
        mkdir -p "$dir"
        gunzip -c "$tmp"/x/boot/xen-*-amd64.gz >"$dir/xen.tmp"
        mv "$dir/xen.tmp" "$dir/xen"
        rm -rf "$tmp"
    fi
    echo "$dir/xen"
}

# The kernel for dom0 and the domU, and the few modules dom0 needs (with their dependencies).
ensure_kernel() {
    local pkg v dir tmp kver m f
    pkg=$(kernel_package)
    v=$(candidate "$pkg")
    dir=$CACHE/kernel-$pkg-$v
    if [[ ! -s $dir/vmlinuz || ! -d $dir/modules ]]; then
        log "downloading $pkg $v"
        tmp=$(download "$pkg")
        dpkg-deb -x "$tmp"/*.deb "$tmp/x"
        kver=$(ls "$tmp/x/lib/modules")
        depmod -b "$tmp/x" "$kver"
        rm -rf "$dir"
        mkdir -p "$dir/modules/lib/modules/$kver"
        for m in "${DOM0_MODULES[@]}"; do
            modprobe -d "$tmp/x" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
        done | sort -u | while read -r f; do
            mkdir -p "$dir/modules/$(dirname "${f#"$tmp/x/"}")"
            cp "$f" "$dir/modules/${f#"$tmp/x/"}"
        done
        cp "$tmp/x/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$dir/modules/lib/modules/$kver/"
        depmod -b "$dir/modules" "$kver"
        cp "$tmp"/x/boot/vmlinuz-* "$dir/vmlinuz.tmp"
        mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
        rm -rf "$tmp"
    fi
    echo "$dir"
}

# The dom0 root filesystem: debootstrap (mmdebstrap, the same from the same packages, 2-3 times
# faster) of Debian 12 minbase plus DOM0_PACKAGES, as an uncompressed cpio (no decompression under
# TCG). Keyed by the candidate versions of the main packages; docs, man pages and locales are left out.
rootfs_key() {
    local p v=
    for p in xen-utils-4.17 libvirt-daemon libvirt-daemon-driver-xen busybox-static libc6; do
        v+="$p=$(candidate "$p");"
    done
    printf '%s|%s|%s' "$SUITE" "$DOM0_PACKAGES" "$v" | sha256sum | cut -c1-16
}

ensure_rootfs() {
    local key tree out start
    key=$(rootfs_key)
    tree=$CACHE/rootfs-$key
    out=$tree-$(printf '%s\n' "${DOM0_PRUNE[@]}" | sha256sum | cut -c1-8).cpio
    if [[ -s $out && -f $tree/.complete ]]; then
        echo "$out"
        return
    fi
    if [[ ! -f $tree/.complete ]]; then
        rm -rf "$tree"
        log "debootstrap of $SUITE (minbase + ${DOM0_PACKAGES//,/ }) into $tree"
        start=$(date +%s.%N)
        mmdebstrap --variant=minbase --mode=root --quiet \
            --aptopt='APT::Install-Recommends "false"' \
            --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
            --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so' \
            --include="$DOM0_PACKAGES" \
            "$SUITE" "$tree" \
            "deb http://deb.debian.org/debian $SUITE main" \
            "deb http://deb.debian.org/debian $SUITE-updates main" \
            "deb http://deb.debian.org/debian-security $SUITE-security main" >&2 \
            || die "mmdebstrap failed"
        rm -rf "$tree"/var/cache/apt/* "$tree"/var/lib/apt/lists/*
        touch "$tree/.complete"
        log "debootstrap took $(since "$start") s ($(du -sm "$tree" | cut -f1) MiB)"
    fi
    local prune=(-path ./.complete) p
    for p in "${DOM0_PRUNE[@]}"; do prune+=(-o -path "./$p"); done
    (cd "$tree" && find . \( "${prune[@]}" \) -prune -o -print0 | cpio --null -o -H newc --quiet) >"$out.tmp"
    mv "$out.tmp" "$out"
    find "$CACHE" -maxdepth 1 -name "rootfs-$key-*.cpio" ! -path "$out" -delete
    echo "$out"
}

# The domU's initramfs: static busybox (from dom0's tree) and domu-init.sh.
build_domu_initrd() {
    local tree=$1 out=$2 root
    root=$(mktemp -d)
    mkdir -p "$root"/{bin,dev,proc,sys}
    cp "$tree/bin/busybox" "$root/bin/busybox"
    cp "$HERE/domu-init.sh" "$root/init"
    chmod 755 "$root/init"
    (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet --owner=0:0) | gzip -9 >"$out"
    rm -rf "$root"
}

# What dom0 needs on top of the debootstrap tree, as a second cpio appended to the first (the
# kernel unpacks both, the later one winning): /init, libvirtd.conf, the modules, the domU's files.
build_overlay() {
    local tree=$1 kernel_dir=$2 out=$3 root kver
    root=$(mktemp -d)
    chmod 755 "$root"
    # Only directories that are real directories in the tree too: the kernel replaces a symlink
    # (/lib -> usr/lib) by a directory of the same name from a later archive.
    mkdir -p "$root/usr"
    cp -a "$kernel_dir/modules/lib" "$root/usr/"
    kver=$(ls "$root/usr/lib/modules")
    install -m 755 "$HERE/dom0-init.sh" "$root/init"
    mkdir -p "$root/etc/libvirt" "$root$GUEST_DIR"
    # (libvirtd.conf belongs to libvirt-daemon-system, which is not installed: libvirtd's defaults
    # apply to everything not set here.)
    cat >"$root/etc/libvirt/libvirtd.conf" <<'CONF'
# vcpu-agent Xen test host: plain TCP for libvirt's remote transport, reached only through
# QEMU's hostfwd on the outer machine's loopback.
listen_tls = 0
listen_tcp = 1
listen_addr = "0.0.0.0"
auth_tcp = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
    # libvirt's libxl driver decodes the host CPU from Xen's feature words and refuses to start
    # ("Cannot find suitable CPU model for given data") when no CPU model in libvirt's map fits.
    # Every x86 model there has VME, which QEMU's TCG does not emulate; this model is the 486
    # without VME, so that the driver starts on this nested host. Real hardware never needs it.
    mkdir -p "$root/usr/share/libvirt/cpu_map"
    cat >"$root/usr/share/libvirt/cpu_map/x86_vcpu-agent-tcg.xml" <<'XML'
<cpus>
  <model name='vcpu-agent-tcg-no-vme'>
    <decode host='on' guest='off'/>
    <feature name='fpu'/>
    <feature name='pse'/>
  </model>
</cpus>
XML
    sed "s|<include filename='x86_486.xml'/>|&\n    <include filename='x86_vcpu-agent-tcg.xml'/>|" \
        "$tree/usr/share/libvirt/cpu_map/index.xml" >"$root/usr/share/libvirt/cpu_map/index.xml"
    grep -q x86_vcpu-agent-tcg.xml "$root/usr/share/libvirt/cpu_map/index.xml" \
        || die "cannot add the TCG CPU model to libvirt's cpu_map/index.xml"
    echo xen-dom0 >"$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 xen-dom0\n' >"$root/etc/hosts"
    cp "$kernel_dir/vmlinuz" "$root$GUEST_DIR/vmlinuz"
    build_domu_initrd "$tree" "$root$GUEST_DIR/initrd.cpio.gz"
    echo "$kver" >"$root$GUEST_DIR/kernel-version"
    (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet --owner=0:0) >"$out"
    rm -rf "$root"
}

# What the overlay is made of: the two init scripts and the functions that write the rest.
scripts_hash() {
    { cat "$HERE/dom0-init.sh" "$HERE/domu-init.sh"; declare -f build_overlay build_domu_initrd;
      echo "${DOM0_MODULES[*]} $GUEST_DIR"; } | sha256sum | cut -c1-16
}

# dom0's cpio: the rootfs cpio ($1) with the overlay for kernel directory $2 and these scripts.
dom0_cpio_path() {
    local rootfs=$1 kdir=$2
    echo "$CACHE/dom0-$(basename "$rootfs" .cpio)-$(basename "$kdir" | sha256sum | cut -c1-8)-$(scripts_hash).cpio"
}

cmd_build() {
    local start xen kdir rootfs_cpio out overlay reason
    reason=$(why_not)
    [[ -z $reason ]] || die "$reason"
    start=$(date +%s.%N)
    ensure_build_tools
    load_versions
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.build.lock"
    flock 9
    xen=$(ensure_xen)
    kdir=$(ensure_kernel)
    rootfs_cpio=$(ensure_rootfs)
    out=$(dom0_cpio_path "$rootfs_cpio" "$kdir")
    if [[ ! -s $out ]]; then
        log "building $out"
        overlay=$(mktemp)
        build_overlay "${rootfs_cpio%-*.cpio}" "$kdir" "$overlay"
        cat "$rootfs_cpio" "$overlay" >"$out.tmp"
        rm -f "$overlay"
        mv "$out.tmp" "$out"
        # Older dom0 images of the same rootfs are of no use any more.
        find "$CACHE" -maxdepth 1 -name 'dom0-*.cpio' ! -path "$out" -delete
    fi
    flock -u 9
    log "build done in $(since "$start") s"
    printf 'xen=%s\nkernel=%s\ndom0_cpio=%s\n' "$xen" "$kdir/vmlinuz" "$out"
}

# ---------------------------------------------------------------- runtime

qemu_pid() {
    local pid
    [[ -s $RUN/qemu.pid ]] || return 1
    pid=$(<"$RUN/qemu.pid")
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system-x86* ]] || return 1
    echo "$pid"
}

# Runs a shell command in dom0 through the command port; prints its output, returns its status.
dom0() {
    local fd out rc
    exec {fd}<>"/dev/tcp/127.0.0.1/$COMMAND_PORT" || return 255
    printf '%s\n' "( $* ) 2>&1; echo \"__rc=\$?\"; exit" >&"$fd"
    out=$(timeout "${DOM0_TIMEOUT:-120}" cat <&"$fd") || true
    exec {fd}>&-
    # The status follows the output directly, which need not end in a newline.
    rc=${out##*__rc=}
    rc=${rc%%[!0-9]*}
    printf '%s' "${out%__rc=*}"
    return "${rc:-255}"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
    local p=$1
    while ! port_free "$p"; do p=$((p + 1)); done
    echo "$p"
}

load_env() {
    [[ -s $RUN/host.env ]] || return 1
    # shellcheck disable=SC1091
    source "$RUN/host.env"
    COMMAND_PORT=$command_port
}

print_env() { cat "$RUN/host.env"; }

domu_xml() {
    cat <<XML
<domain type='xen'>
  <name>$DOMAIN</name>
  <description>vcpu-agent Xen test domU (scripts/xen/xen-test-host.sh)</description>
  <memory unit='MiB'>$DOMU_MEMORY_MIB</memory>
  <vcpu current='1'>$DOMU_MAX_VCPUS</vcpu>
  <os>
    <type>linux</type>
    <kernel>$GUEST_DIR/vmlinuz</kernel>
    <initrd>$GUEST_DIR/initrd.cpio.gz</initrd>
    <cmdline>$DOMU_CMDLINE</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <console type='pty'>
      <target type='xen' port='0'/>
    </console>
  </devices>
</domain>
XML
}

serial_tail() {
    log "--- $RUN/serial.log (tail)"
    tail -n "${1:-40}" "$RUN/serial.log" 2>/dev/null | tr -d '\r' >&2 || true
}

cmd_start() {
    local t0 xen kernel cpio build libvirt_port command_port pid deadline line uri t_boot t_domu
    if load_env 2>/dev/null && qemu_pid >/dev/null && dom0 true >/dev/null 2>&1; then
        log "already running (QEMU pid $(qemu_pid))"
        print_env
        return
    fi
    qemu_pid >/dev/null && die "QEMU $(qemu_pid) from $RUN/qemu.pid runs but dom0 does not answer; run $0 stop"
    t0=$(date +%s.%N)
    build=$(cmd_build)
    xen=$(sed -n 's/^xen=//p' <<<"$build")
    kernel=$(sed -n 's/^kernel=//p' <<<"$build")
    cpio=$(sed -n 's/^dom0_cpio=//p' <<<"$build")
    local t_build
    t_build=$(since "$t0")
    [[ $xen != *,* && $kernel != *,* && $cpio != *,* ]] || die "paths with commas cannot be multiboot modules"

    rm -rf "$RUN"
    mkdir -p "$RUN"
    libvirt_port=$(pick_port "${XEN_HOST_LIBVIRT_PORT:-16610}")
    command_port=$(pick_port "${XEN_HOST_COMMAND_PORT:-16623}")
    [[ $command_port != "$libvirt_port" ]] || command_port=$(pick_port $((libvirt_port + 1)))
    uri="xen+tcp://127.0.0.1:$libvirt_port/system"

    log "booting Xen in QEMU (TCG, 4 CPUs, 3 GiB); libvirt $uri, command port $command_port"
    local t_qemu
    t_qemu=$(date +%s.%N)
    # -cpu max without SMAP: with SMAP, dom0 faults in its first instructions (create_bounce_frame).
    qemu-system-x86_64 -name vcpu-agent-xen-host \
        -machine pc -accel tcg,thread=multi -cpu max,-smap -smp 4 -m 3072 \
        -nodefaults -display none -no-reboot \
        -serial "file:$RUN/serial.log" \
        -kernel "$xen" -append "$XEN_CMDLINE" \
        -initrd "$kernel $DOM0_CMDLINE,$cpio" \
        -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$libvirt_port-:16509,hostfwd=tcp:127.0.0.1:$command_port-:$DOM0_COMMAND_PORT" \
        -device virtio-net-pci,netdev=n0 \
        -pidfile "$RUN/qemu.pid" -daemonize \
        2>"$RUN/qemu.err" 8>&- 9>&- || { cat "$RUN/qemu.err" >&2; die "QEMU did not start"; }
    # (8>&- 9>&-: QEMU outlives this script and must not inherit, and so hold, our locks.)
    pid=$(qemu_pid) || die "QEMU wrote no pid file"
    # A start that fails half-way stops what it started (XEN_HOST_KEEP_ON_FAILURE=1 keeps it to look
    # at with "dom0 CMD" and the serial log).
    if [[ ${XEN_HOST_KEEP_ON_FAILURE:-0} != 1 ]]; then
        trap 'log "start failed: stopping the host"; cmd_stop' ERR EXIT
    fi
    cat >"$RUN/host.env" <<ENV
uri=$uri
libvirt_port=$libvirt_port
command_port=$command_port
domain=$DOMAIN
console_log=/var/log/xen/console/guest-$DOMAIN.log
serial_log=$RUN/serial.log
qemu_pid=$pid
ENV
    COMMAND_PORT=$command_port

    deadline=$((SECONDS + BOOT_TIMEOUT))
    until line=$(grep -a -m1 -E 'DOM0-READY|DOM0-FAILED' "$RUN/serial.log" 2>/dev/null); do
        if ! kill -0 "$pid" 2>/dev/null; then
            serial_tail; die "QEMU exited while Xen/dom0 booted"
        fi
        if ((SECONDS >= deadline)); then
            serial_tail; die "dom0 not ready within ${BOOT_TIMEOUT}s"
        fi
        sleep 0.5
    done
    line=${line%$'\r'}
    [[ $line == *DOM0-READY* ]] || { serial_tail; die "dom0: $line"; }
    t_boot=$(since "$t_qemu")
    log "dom0 up ${t_boot} s after QEMU started (${line})"
    until dom0 true >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "dom0's command port $command_port does not answer"
        sleep 0.5
    done
    virsh -q -c "$uri" version >/dev/null || die "libvirtd in dom0 does not answer on $uri"

    local t_def
    t_def=$(date +%s.%N)
    start_domu "$uri" $((SECONDS + DOMU_TIMEOUT))
    t_domu=$(since "$t_def")
    cat >>"$RUN/host.env" <<ENV
timing_build_s=$t_build
timing_dom0_s=$t_boot
timing_domu_s=$t_domu
timing_total_s=$(since "$t0")
ENV
    trap - ERR EXIT
    log "Xen test host ready in $(since "$t0") s"
    print_env
}

# (Re)defines and starts the domU through libvirt on $1 and waits (until SECONDS reaches $2) for its
# first VCPU-ONLINE line. Its console log starts empty.
start_domu() {
    local uri=$1 deadline=$2 line
    if virsh -q -c "$uri" dominfo "$DOMAIN" >/dev/null 2>&1; then
        virsh -q -c "$uri" destroy "$DOMAIN" >/dev/null 2>&1 || true
        virsh -q -c "$uri" undefine "$DOMAIN" >/dev/null
    fi
    dom0 ": > /var/log/xen/console/guest-$DOMAIN.log" >/dev/null
    domu_xml >"$RUN/domu.xml"
    virsh -q -c "$uri" define "$RUN/domu.xml" >/dev/null || die "virsh define failed"
    virsh -q -c "$uri" start "$DOMAIN" >/dev/null || { serial_tail; die "virsh start $DOMAIN failed"; }
    until line=$(dom0 "grep -a -m1 '^VCPU-ONLINE:' /var/log/xen/console/guest-$DOMAIN.log"); do
        if ((SECONDS >= deadline)); then
            log "--- domU console"; dom0 "tail -n 30 /var/log/xen/console/guest-$DOMAIN.log" >&2 || true
            die "the domU printed no VCPU-ONLINE line in time"
        fi
        sleep 0.5
    done
    log "domU $DOMAIN up: ${line%$'\r'}"
}

cmd_restart_domu() {
    local t0
    load_env && qemu_pid >/dev/null || die "not running"
    t0=$(date +%s.%N)
    start_domu "$uri" $((SECONDS + DOMU_TIMEOUT))
    log "domU restarted in $(since "$t0") s"
}

cmd_stop() {
    local pid deadline
    if pid=$(qemu_pid); then
        if load_env 2>/dev/null; then
            DOM0_TIMEOUT=10 dom0 "xl destroy $DOMAIN" >/dev/null 2>&1 || true
        fi
        log "stopping QEMU $pid"
        kill -TERM "$pid"
        deadline=$((SECONDS + 15))
        while kill -0 "$pid" 2>/dev/null; do
            if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; break; fi
            sleep 0.2
        done
    else
        log "not running"
    fi
    rm -rf "$RUN"
}

cmd_status() {
    if load_env 2>/dev/null && qemu_pid >/dev/null && dom0 true >/dev/null 2>&1; then
        print_env
    else
        log "not running"
        exit 1
    fi
}

main() {
    local cmd=${1:-}
    shift || true
    case $cmd in
        start | stop | restart-domu)
            # One host per machine: a second start waits for the first and then finds the host up.
            mkdir -p "$(dirname "$RUN")"
            exec 8>"$RUN.lock"
            flock 8
            ;;
    esac
    case $cmd in
        check) cmd_check ;;
        build) cmd_build ;;
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        dom0)
            load_env || die "not running"
            dom0 "$*"
            ;;
        restart-domu) cmd_restart_domu ;;
        domu-xml) domu_xml ;;
        -h | --help) usage 0 ;;
        *) usage ;;
    esac
}

COMMAND_PORT=
main "$@"
