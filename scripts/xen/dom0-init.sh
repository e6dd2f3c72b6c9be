#!/bin/sh
# /init of the Xen test host's dom0 (scripts/xen/xen-test-host.sh packs it into dom0's cpio).
#
# dom0's root filesystem is the initramfs itself (a debootstrap tree in RAM), and there is no init
# system: this script does what Debian's /etc/init.d/xen and a libvirtd unit would do, in order,
# then stays PID 1. Every step reports on the console (hvc0 -> Xen's com1 -> QEMU's serial log) as
# "DOM0: ...", and the last one as "DOM0-READY"; a step that fails reports "DOM0-FAILED: ..." and
# the host is useless, so the script on the outer machine stops waiting at once.
export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

say() { echo "DOM0: $*"; }
fail() { echo "DOM0-FAILED: $*"; exec sleep infinity; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
exec </dev/console >/dev/console 2>&1

say "kernel $(uname -r), $(nproc) vCPUs, up $(cut -d' ' -f1 /proc/uptime) s"
hostname xen-dom0

# The Xen control devices (evtchn, gntdev, gntalloc, privcmd, xenfs) and the virtio NIC are modules
# in Debian's kernel; only those and their dependencies are in this tree (depmod ran at build time).
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs virtio_pci virtio_net; do
    modprobe "$m" || fail "modprobe $m"
done
mount -t xenfs xenfs /proc/xen || fail "mount xenfs on /proc/xen"
grep -q control_d /proc/xen/capabilities || fail "this is not dom0: /proc/xen/capabilities has no control_d"

# QEMU user networking: the guest side is 10.0.2.15/24, QEMU's gateway 10.0.2.2. The outer machine
# reaches dom0 only through its hostfwd rules on loopback (libvirtd's TCP port, the command port).
ip link set lo up
for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set eth0 up || fail "no eth0 (virtio-net)"
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
say "eth0 $(cat /sys/class/net/eth0/address) 10.0.2.15/24"

# The command port: a root shell per TCP connection (busybox nc), which the outer machine reaches
# through hostfwd on its loopback only. It runs what the script and the tests check from dom0's
# side (xl vcpu-list, the domU's console log), and shows what went wrong when a step fails.
busybox nc -ll -p 2323 -e /bin/sh &
say "command port 2323 open"

# What /etc/init.d/xen start does: xenstored, dom0's entries in xenstore, xenconsoled.
mkdir -p /run/xenstored /run/xen /var/log/xen/console /var/lib/xen /var/lib/xenstored
XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstored.pid || fail "xenstored"
for i in $(seq 100); do xenstore-read -s / >/dev/null 2>&1 && break; sleep 0.2; done
xenstore-read -s / >/dev/null 2>&1 || fail "xenstored does not answer"
xen-init-dom0 >/dev/null || fail "xen-init-dom0"
# --log=guest writes every guest's console to /var/log/xen/console/guest-NAME.log: the domU's own
# view of its vCPUs (its VCPU-ONLINE lines) is read from there.
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || fail "xenconsoled"
say "xenstored, xen-init-dom0, xenconsoled started; $(xl info | grep -E '^(xen_version|nr_cpus|free_memory)' | tr -s ' ' | tr '\n' ' ')"

# libvirt: virtlogd, then libvirtd with the libxl driver, listening on TCP 16509 (no TLS, no auth:
# see /etc/libvirt/libvirtd.conf; only the outer machine's loopback reaches it).
mkdir -p /run/libvirt /var/log/libvirt /var/lib/libvirt
virtlogd -d || fail "virtlogd"
libvirtd --listen -d || fail "libvirtd --listen"
for i in $(seq 300); do virsh -q -c xen:///system version >/dev/null 2>&1 && break; sleep 0.2; done
virsh -q -c xen:///system version >/dev/null 2>&1 \
    || fail "libvirtd does not answer on xen:///system: $(virsh -c xen:///system version 2>&1 | tail -1)"
say "libvirtd answers: $(virsh -c xen:///system version 2>/dev/null | sed -n 's/^Running hypervisor: *//p')"

echo "DOM0-READY after $(cut -d' ' -f1 /proc/uptime) s"

# PID 1 must not exit; reap whatever gets orphaned.
trap '' TERM INT HUP
while :; do
    wait
    sleep 60
done
