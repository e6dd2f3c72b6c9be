#!/usr/bin/env bash
# Creates the TLS files to try vcpu-agent's JMX over TLS, with keytool, into DIR (default ./jmx-tls):
#
#   server.p12, server.pass                    the agent's keystore (PKCS12, self-signed EC P-256 key)
#                                              and its password: --jmx-ssl-keystore, --jmx-ssl-keystore-password-file
#   server.cer                                 the agent's certificate (PEM)
#   client-truststore.p12, .pass               for JMX clients (JConsole): trusts the agent's certificate only
#
# With --client, also the files for client-certificate authentication:
#
#   client.p12, client.pass                    a client's key and certificate (javax.net.ssl.keyStore of JConsole)
#   client.cer                                 the client's certificate (PEM)
#   server-truststore.p12, .pass               for the agent: trusts that client only
#                                              (--jmx-ssl-truststore, --jmx-ssl-truststore-password-file)
#
# Passwords are random, written to the .pass files (mode 600) and given to keytool with
# -storepass:file, so none appears on a command line. For trying things out: a real deployment
# uses certificates from its own CA.
#
# Usage: scripts/make-test-keystore.sh [--client] [--san SAN] [--days N] [--force] [DIR]
#   --san   subject alternative names of the agent's certificate
#           (default dns:localhost,ip:127.0.0.1,dns:$(hostname))
#   --days  validity in days (default 365)
#   --force replace files that exist
set -euo pipefail

client=false
force=false
days=365
san="dns:localhost,ip:127.0.0.1"
host="$(hostname 2>/dev/null || uname -n 2>/dev/null || true)"
if [[ "$host" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ && "$host" != localhost ]]; then
  san="$san,dns:$host"
fi
dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --client) client=true ;;
    --force) force=true ;;
    --san) san="${2:?--san needs a value such as dns:agent.example.org,ip:10.0.0.5}"; shift ;;
    --days) days="${2:?--days needs a number}"; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [[ -z "$dir" ]] || { echo "error: only one DIR, got '$dir' and '$1'" >&2; exit 2; }; dir="$1" ;;
  esac
  shift
done
dir="${dir:-jmx-tls}"

keytool="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
if ! command -v "$keytool" >/dev/null; then
  echo "error: no keytool found: install a JDK 17 or newer, or set JAVA_HOME" >&2
  exit 1
fi

umask 077
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

files=(server.p12 server.pass server.cer client-truststore.p12 client-truststore.pass)
if $client; then
  files+=(client.p12 client.pass client.cer server-truststore.p12 server-truststore.pass)
fi
for f in "${files[@]}"; do
  if [[ -e "$dir/$f" ]]; then
    if $force; then
      rm -f "$dir/$f"
    else
      echo "error: $dir/$f exists; use --force to replace it" >&2
      exit 1
    fi
  fi
done

password() {
  # 24 random bytes, base64: letters, digits, + and /
  head -c 24 /dev/urandom | base64 | tr -d '\n' >"$1"
  echo >>"$1"
  chmod 600 "$1"
}

# keytool is a short-lived JVM: the C1 compiler alone makes each run about three times quicker.
jvm=(-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC)
q() { "$keytool" "${jvm[@]}" "$@" >/dev/null 2>&1 || { echo "error: keytool $1 failed:" >&2; "$keytool" "$@" >&2; exit 1; }; }

# The agent's key and self-signed certificate. PKCS12 gives the key the store's password.
password "$dir/server.pass"
q -genkeypair -alias vcpu-agent -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
  -dname "CN=vcpu-agent" -ext "san=$san" -ext "eku=serverAuth" -validity "$days" \
  -keystore "$dir/server.p12" -storetype PKCS12 -storepass:file "$dir/server.pass"
q -exportcert -rfc -alias vcpu-agent -file "$dir/server.cer" \
  -keystore "$dir/server.p12" -storepass:file "$dir/server.pass"

# What clients trust: the agent's certificate, and nothing else. (RMI does not check host names,
# so a client truststore must never be a general CA bundle.)
password "$dir/client-truststore.pass"
q -importcert -noprompt -alias vcpu-agent -file "$dir/server.cer" \
  -keystore "$dir/client-truststore.p12" -storetype PKCS12 -storepass:file "$dir/client-truststore.pass"

if $client; then
  password "$dir/client.pass"
  q -genkeypair -alias jmx-client -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
    -dname "CN=jmx-client" -ext "eku=clientAuth" -validity "$days" \
    -keystore "$dir/client.p12" -storetype PKCS12 -storepass:file "$dir/client.pass"
  q -exportcert -rfc -alias jmx-client -file "$dir/client.cer" \
    -keystore "$dir/client.p12" -storepass:file "$dir/client.pass"
  password "$dir/server-truststore.pass"
  q -importcert -noprompt -alias jmx-client -file "$dir/client.cer" \
    -keystore "$dir/server-truststore.p12" -storetype PKCS12 -storepass:file "$dir/server-truststore.pass"
fi

echo "TLS files for vcpu-agent in $dir:"
(cd "$dir" && ls -l "${files[@]}")
echo
echo "Start the agent with:"
echo "  scripts/vcpu-agent --jmx-ssl-keystore $dir/server.p12 --jmx-ssl-keystore-password-file $dir/server.pass \\"
if $client; then
  echo "    --jmx-ssl-need-client-auth true --jmx-ssl-truststore $dir/server-truststore.p12 \\"
  echo "    --jmx-ssl-truststore-password-file $dir/server-truststore.pass"
else
  echo "    (add --client to this script for client-certificate authentication)"
fi
echo
echo "Connect JConsole with (HOST:PORT, not a service:jmx URL):"
echo "  jconsole -J-Djavax.net.ssl.trustStore=$dir/client-truststore.p12 \\"
echo "    -J-Djavax.net.ssl.trustStorePassword=\"\$(cat $dir/client-truststore.pass)\" \\"
if $client; then
  echo "    -J-Djavax.net.ssl.keyStore=$dir/client.p12 -J-Djavax.net.ssl.keyStorePassword=\"\$(cat $dir/client.pass)\" \\"
fi
echo "    127.0.0.1:9875"
