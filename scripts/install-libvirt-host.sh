#!/usr/bin/env bash
# Prepare this machine as a real libvirt/QEMU host for vcpu-agent integration tests.
#
# CI containers have no init system, so instead of systemctl we start virtlogd and
# libvirtd as plain daemons. Safe to run repeatedly: packages, config and daemons are
# only touched when missing. Must run as root. Undo with scripts/stop-libvirt-host.sh.
# Group libvirt (the packaged service's user is in it) gets the read-write socket without polkit;
# the read-only socket needs no polkit either (test host: any local user may then read domain information);
# a running libvirtd is restarted once when those settings are new.
#
# Env: LIBVIRT_WAIT_SECONDS (default 60) bounds the wait for libvirtd to answer;
#      its very first start probes QEMU capabilities (~8 s here), later ones <1 s.
#      LIBVIRTD_TCP_LOOPBACK=yes (tests only) makes libvirtd also listen on 127.0.0.1:16509
#      WITHOUT authentication, so that a qemu+tcp://127.0.0.1/system connection can be tested.
#      Never use it on a machine with untrusted local users: any of them could then manage VMs.
set -euo pipefail

readonly PACKAGES=(libvirt0 libvirt-daemon-system libvirt-clients
                   libvirt-daemon-driver-qemu qemu-system-x86 busybox-static cpio)
readonly QEMU_CONF=/etc/libvirt/qemu.conf
readonly LIBVIRTD_CONF=/etc/libvirt/libvirtd.conf
readonly TCP_LOOPBACK=${LIBVIRTD_TCP_LOOPBACK:-no}
readonly URI=qemu:///system
readonly WAIT_SECONDS=${LIBVIRT_WAIT_SECONDS:-60}

log() { echo "[install-libvirt-host] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

install_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        log "packages already installed"
        return
    fi
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh container has empty package lists; only refresh then (or if the
    # install fails on stale lists) to keep repeated runs fast and offline-friendly.
    if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
        apt-get update -q
    fi
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# Without this libvirt runs QEMU as libvirt-qemu and tries to relabel/chown files
# and set up a private /dev; in a container that costs ~56 s per guest start.
configure_qemu_user() {
    local key changed=0
    for key in user group; do
        if ! grep -qE "^${key} = \"root\"$" "$QEMU_CONF"; then
            sed -i -E "/^${key}[[:space:]]*=/d" "$QEMU_CONF"
            echo "${key} = \"root\"" >>"$QEMU_CONF"
            changed=1
        fi
    done
    if ((changed)); then
        log "set user/group = root in $QEMU_CONF"
        # A running libvirtd only reads qemu.conf at startup.
        if pidof libvirtd >/dev/null; then
            log "WARNING: libvirtd already running; restart it (stop-libvirt-host.sh) to apply"
        fi
    fi
}

# Group libvirt gets the read-write socket, as package.md tells hosts without polkit to do: these machines
# have no polkitd, so libvirt's default (socket 0777, auth polkit) refuses every non-root user, and the
# packaged service runs as vcpu-agent, a member of libvirt. Root keeps its access; the read-only socket stays
# everyone's. libvirtd reads this at start only, so start_daemons restarts a running one when it changed.
configure_group_access() {
    if ! getent group libvirt >/dev/null; then
        log "adding group libvirt (libvirt-daemon-system makes it; it is missing here)"
        groupadd --system libvirt
    fi
    if set_libvirtd_conf 'unix_sock_group = "libvirt"' 'unix_sock_rw_perms = "0770"' 'auth_unix_rw = "none"'; then
        log "libvirtd's read-write socket: group libvirt, mode 0770, no polkit (in $LIBVIRTD_CONF)"
        restart_libvirtd=yes
    fi
}
restart_libvirtd=no

# Only for the test host: the read-only socket (0777) without polkit, so that an agent run with
# --read-only true as an unprivileged user can connect (KernelReadTest). libvirt's default asks polkit there
# too, and with no polkitd on these machines that refuses every non-root user. What it gives away: any local
# user may read domain information (names, XML, vCPU and memory figures) through the read-only socket, as on
# hosts built without polkit; no user gains any change.
configure_read_only_access() {
    if set_libvirtd_conf 'auth_unix_ro = "none"'; then
        log "libvirtd's read-only socket: no polkit, every local user may read (test host; in $LIBVIRTD_CONF)"
        restart_libvirtd=yes
    fi
}

# Puts each "key = value" line into libvirtd.conf in place of the key's earlier value; succeeds only when
# that changed the file.
set_libvirtd_conf() {
    local line changed=1
    for line in "$@"; do
        local key=${line%% *}
        if ! grep -qxF "$line" "$LIBVIRTD_CONF"; then
            sed -i -E "/^${key}[[:space:]]*=/d" "$LIBVIRTD_CONF"
            echo "$line" >>"$LIBVIRTD_CONF"
            changed=0
        fi
    done
    return "$changed"
}

# Only for the test host: an unauthenticated TCP listener, bound to loopback.
configure_tcp_loopback() {
    [[ $TCP_LOOPBACK == yes ]] || return 0
    set_libvirtd_conf 'listen_tls = 0' 'listen_tcp = 1' 'listen_addr = "127.0.0.1"' 'auth_tcp = "none"' || true
    log "libvirtd will also listen on tcp://127.0.0.1:16509 without authentication (test host)"
}

stop_libvirtd() {
    kill "$(pidof libvirtd)"
    for _ in $(seq 1 100); do pidof libvirtd >/dev/null || break; sleep 0.1; done
}

start_daemons() {
    mkdir -p /run/libvirt /var/log/libvirt/qemu
    if pidof virtlogd >/dev/null; then
        log "virtlogd already running"
    else
        log "starting virtlogd"
        virtlogd -d
    fi
    local listen=$TCP_LOOPBACK
    if [[ $TCP_LOOPBACK == yes ]] && pidof libvirtd >/dev/null \
            && ! (exec 3<>/dev/tcp/127.0.0.1/16509) 2>/dev/null; then
        # A libvirtd started without --listen (e.g. by an earlier run) would make the TCP tests skip.
        log "libvirtd runs without the loopback TCP listener: restarting it (running guests survive)"
        stop_libvirtd
    elif [[ $restart_libvirtd == yes ]] && pidof libvirtd >/dev/null; then
        log "restarting libvirtd to apply $LIBVIRTD_CONF (running guests survive)"
        # Keep the listener of a libvirtd an earlier run started with it.
        if tr '\0' ' ' <"/proc/$(pidof libvirtd)/cmdline" | grep -q -- '--listen'; then
            listen=yes
        fi
        stop_libvirtd
    fi
    if pidof libvirtd >/dev/null; then
        log "libvirtd already running"
    else
        log "starting libvirtd"
        if [[ $listen == yes ]]; then
            libvirtd -d --listen
        else
            libvirtd -d
        fi
    fi
}

wait_for_libvirtd() {
    local deadline=$((SECONDS + WAIT_SECONDS)) err
    until err=$(virsh -c "$URI" list 2>&1 >/dev/null); do
        if ((SECONDS >= deadline)); then
            die "libvirtd did not answer 'virsh -c $URI list' within ${WAIT_SECONDS}s: $err"
        fi
        pidof libvirtd >/dev/null || die "libvirtd is not running (exited?): $err"
        sleep 0.5
    done
    log "libvirtd is answering on $URI ($(virsh -c "$URI" version --daemon 2>/dev/null \
        | sed -n 's/^Running against daemon: *//p' | head -1))"
}

install_packages
configure_qemu_user
configure_group_access
configure_read_only_access
configure_tcp_loopback
start_daemons
wait_for_libvirtd
