#!/bin/busybox sh
# /init of the PV domU on the Xen test host (a busybox initramfs; scripts/xen/xen-test-host.sh
# builds it). Like the QEMU test guest's, it reports the guest's own view of its vCPUs on its
# console whenever it changes: "VCPU-ONLINE: <cpulist>" (the content of
# /sys/devices/system/cpu/online). dom0's xenconsoled logs the console to
# /var/log/xen/console/guest-NAME.log.
#
# Xen adds vCPUs to a PV guest as present but offline: this loop onlines them, as udev would on a
# full distribution. Removal needs nothing: the guest kernel offlines the vCPU itself.
#
# Console input "burn SECONDS CPU" keeps vCPU CPU busy for SECONDS (so Xen shows it running, not
# blocked); the tests send it by writing to the console's pty in dom0.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
stty -echo 2>/dev/null

# (The redirection is needed: a background job of a non-interactive shell reads /dev/null otherwise.)
(
    while read -r cmd a b; do
        case $cmd in
            burn)
                timeout "$a" taskset -c "$b" sh -c 'while :; do :; done' </dev/null 2>/dev/null &
                echo "BURN: vCPU $b busy for $a s"
                ;;
        esac
    done
) </dev/console &

# Shell builtins only (read, echo, test) except one sleep per second: every fork costs a PV guest
# page-table hypercalls, and under TCG those add up.
cpu_dir=/sys/devices/system/cpu
prev=
while :; do
    for f in "$cpu_dir"/cpu[0-9]*/online; do
        [ -e "$f" ] || continue
        state=
        { read -r state <"$f"; } 2>/dev/null || continue
        [ "$state" = 0 ] && { echo 1 >"$f"; } 2>/dev/null
    done
    read -r cur <"$cpu_dir/online"
    if [ "$cur" != "$prev" ]; then
        echo "VCPU-ONLINE: $cur"
        prev=$cur
    fi
    sleep 1
done
