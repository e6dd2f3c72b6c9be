#!/usr/bin/env bash
# Stop the libvirtd/virtlogd daemons started by scripts/install-libvirt-host.sh.
#
# Without an init system nobody else will stop them. Running guests are left to
# QEMU (libvirtd reconnects to them on its next start); destroy them first if the
# host should be fully quiet. Only the daemons named in their pid files are killed.
set -euo pipefail

readonly WAIT_SECONDS=${LIBVIRT_WAIT_SECONDS:-15}

log() { echo "[stop-libvirt-host] $*" >&2; }

stop_daemon() {
    local name=$1 pidfile=$2 pid deadline
    if [[ ! -s $pidfile ]]; then
        log "$name: no pid file $pidfile, nothing to stop"
        return
    fi
    pid=$(<"$pidfile")
    # Guard against a stale pid file pointing at an unrelated, recycled pid.
    if ! [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]; then
        log "$name: pid $pid from $pidfile is not running; removing stale pid file"
        rm -f "$pidfile"
        return
    fi
    log "$name: stopping pid $pid"
    kill -TERM "$pid"
    deadline=$((SECONDS + WAIT_SECONDS))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            log "$name: still alive after ${WAIT_SECONDS}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$pidfile"
}

# libvirtd first: it holds connections to virtlogd for guest logs.
stop_daemon libvirtd /run/libvirtd.pid
stop_daemon virtlogd /run/virtlogd.pid
