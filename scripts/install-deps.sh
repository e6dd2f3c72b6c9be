#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine needs to build and run vcpu-agent: libvirt's client
# library (libvirt0, which the agent loads through JNA), a JDK 17 and Maven if they are missing.
# With --tests it adds what the tests use besides: libvirt's headers and gcc, so a test can check
# our JNA structures against the C ones, curl, useradd and runuser (passwd, util-linux; Debian has
# them already) for the test that runs a client as an unprivileged user, and the real collectors the
# exporter tests and the benchmark's monitoring part speak to: promtool (prometheus), Zabbix's Java
# gateway, Debian's libvirt exporter; and for the Debian package's test, lintian, systemd-analyze
# (package systemd, not started as PID 1) and systemd-nspawn (systemd-container), which boots systemd in
# a container to run the package's unit under its sandbox.
# Run as root. Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(libvirt0)
command -v java >/dev/null || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || packages+=(maven)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(libvirt-dev gcc curl passwd util-linux prometheus zabbix-java-gateway prometheus-libvirt-exporter
             lintian systemd systemd-container)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: missing packages ${missing[*]}; run this script as root (sudo $0 $*)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # apt's lists are empty on a fresh machine; update only then, to keep repeat runs fast.
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
echo "dependencies present: ${packages[*]}"
