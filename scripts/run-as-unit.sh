#!/usr/bin/env bash
# Runs a simple systemd service unit's ExecStart= the way systemd would, where systemd is not PID 1 (CI, a
# container): as its User=/Group= with their supplementary groups, with a fresh environment made of what systemd
# sets (HOME, USER, PATH, STATE_DIRECTORY, LOGS_DIRECTORY, CONFIGURATION_DIRECTORY), the unit's Environment= and
# its EnvironmentFile=, in its WorkingDirectory= with its UMask=, after creating its StateDirectory= and
# LogsDirectory= with their modes, and with NoNewPrivileges=. The command replaces this script (exec), so its PID, signals and exit status
# are the service's.
#   scripts/run-as-unit.sh /lib/systemd/system/vcpu-agent.service
# RUN_AS_UNIT_PRINT=1 prints the user, group, environment and command (one a line) instead of running it.
# What it does not do: the sandbox (ProtectSystem=, SystemCallFilter=, ...), Restart=, and every directive it
# does not name above. It reads one value per line, and understands the specifier %% only: the unit must use
# no other (%S, %L, ...).
set -euo pipefail

unit=${1:?usage: run-as-unit.sh UNIT-FILE}
[[ -r $unit ]] || { echo "error: cannot read unit file $unit" >&2; exit 2; }

declare -A one=()     # the last value of each single-valued key
environment=()        # Environment= assignments, in order
env_files=()          # EnvironmentFile= paths, '-' prefix kept
section=
while IFS= read -r line || [[ -n $line ]]; do
  line=${line#"${line%%[![:space:]]*}"}
  [[ -z $line || $line == [\#\;]* ]] && continue
  if [[ $line == \[*\] ]]; then section=$line; continue; fi
  [[ $section == "[Service]" && $line == *=* ]] || continue
  key=${line%%=*}
  value=${line#*=}
  value=${value//%%/%}
  case $key in
    Environment) eval "environment+=($value)" ;;   # systemd's quoting: "A=b c" D=e
    EnvironmentFile) env_files+=("$value") ;;
    *) one[$key]=$value ;;
  esac
done <"$unit"

user=${one[User]:-root}
group=${one[Group]:-$(id -gn "$user")}
home=$(getent passwd "$user" | cut -d: -f6)
shell=$(getent passwd "$user" | cut -d: -f7)
env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "HOME=$home" "USER=$user"
     "LOGNAME=$user" "SHELL=$shell" LANG=C.UTF-8)

# systemd creates these (and their parents) at each start, owned by the unit's user, with the given mode.
make_dir() {   # base key variable
  local base=$1 key=$2 variable=$3 name=${one[$2]:-}
  [[ -n $name ]] || return 0
  local dir=$base/$name
  mkdir -p "$dir"
  [[ $key == ConfigurationDirectory ]] || chown "$user:$group" "$dir"
  chmod "${one[${key}Mode]:-0755}" "$dir"
  env+=("$variable=$dir")
}
make_dir /var/lib StateDirectory STATE_DIRECTORY
make_dir /var/log LogsDirectory LOGS_DIRECTORY
make_dir /etc ConfigurationDirectory CONFIGURATION_DIRECTORY
env+=("${environment[@]}")

# EnvironmentFile=: KEY=VALUE lines, # comments, a value's surrounding quotes removed; '-' means optional.
for f in "${env_files[@]}"; do
  optional=no
  [[ $f == -* ]] && { optional=yes; f=${f#-}; }
  if [[ ! -r $f ]]; then
    [[ $optional == yes ]] && continue
    echo "error: EnvironmentFile $f is missing" >&2; exit 2
  fi
  while IFS= read -r l || [[ -n $l ]]; do
    [[ $l =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
    if [[ $v =~ ^\"(.*)\"$ || $v =~ ^\'(.*)\'$ ]]; then v=${BASH_REMATCH[1]}; fi
    env+=("$k=$v")
  done <"$f"
done

# ExecStart=: $NAME becomes the variable's words, ${NAME} one word, as systemd expands them.
lookup() {   # the last assignment of $1 in env
  local i
  for ((i = ${#env[@]} - 1; i >= 0; i--)); do
    [[ ${env[i]} == "$1="* ]] && { printf '%s' "${env[i]#*=}"; return; }
  done
}
command=()
read -r -a words <<<"${one[ExecStart]:?the unit has no ExecStart=}"
for w in "${words[@]}"; do
  if [[ $w =~ ^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$ ]]; then
    command+=("$(lookup "${BASH_REMATCH[1]}")")
  elif [[ $w =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
    read -r -a split <<<"$(lookup "${BASH_REMATCH[1]}")"
    command+=("${split[@]}")
  else
    command+=("$w")
  fi
done

if [[ ${RUN_AS_UNIT_PRINT:-} == 1 ]]; then   # what would run, one argument a line
  printf '%s\n' "user=$user" "group=$group" "${env[@]}" -- "${command[@]}"
  exit 0
fi
cd "${one[WorkingDirectory]:-/}"
umask "${one[UMask]:-0022}"
nnp=()
[[ ${one[NoNewPrivileges]:-no} =~ ^(yes|true|on|1)$ ]] && nnp=(--no-new-privs)
exec setpriv --reuid="$user" --regid="$group" --init-groups "${nnp[@]}" \
  env -i "${env[@]}" "${command[@]}"
