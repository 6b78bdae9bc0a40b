#!/usr/bin/env bash
# Stops what start.sh <dir> started: the watchdog, kube-apiserver, then etcd.
#
# Usage: stop.sh <dir> [--delete]
#   --delete  also remove <dir> afterwards (only if start.sh created its marker file there)
#
# Only pids recorded in <dir>/*.pid are signalled, and only if that process's command
# line still names <dir> (protects against pid reuse). SIGTERM first, SIGKILL after
# LEASECRON_CP_STOP_TIMEOUT seconds (default 15). Idempotent.
#
# Exit codes: 0 stopped (or nothing was running), 1 a process survived SIGKILL, 2 usage.
set -uo pipefail

[[ $# -ge 1 && -n "$1" ]] || { echo "usage: $0 <dir> [--delete]" >&2; exit 2; }
delete=0
[[ "${2:-}" == --delete ]] && delete=1
if [[ ! -d "$1" ]]; then
  echo "[control-plane] stop: $1 does not exist, nothing to stop" >&2
  exit 0
fi
DIR="$(cd "$1" && pwd)"
TIMEOUT="${LEASECRON_CP_STOP_TIMEOUT:-15}"
rc=0

ours() { # <pid>: the process is alive and its command line mentions $DIR
  local pid="$1"
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$DIR"
}

running() { # <pid>: exists and is not a zombie
  local st
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ -n "$st" && "$st" != Z ]]
}

stop_one() { # <name>
  local name="$1" f="$DIR/$1.pid" pid i
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f" 2>/dev/null || true)"
  if [[ -z "$pid" ]] || ! ours "$pid"; then
    rm -f "$f"; return 0
  fi
  kill -TERM "$pid" 2>/dev/null
  for (( i = 0; i < TIMEOUT * 10; i++ )); do
    running "$pid" || break
    sleep 0.1
  done
  if running "$pid"; then
    echo "[control-plane] stop: $name (pid $pid) ignored SIGTERM for ${TIMEOUT}s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
    for (( i = 0; i < 50; i++ )); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then
      echo "[control-plane] stop: $name (pid $pid) is still running" >&2
      rc=1; return 0
    fi
  fi
  echo "[control-plane] stop: $name (pid $pid) stopped" >&2
  rm -f "$f"
}

if [[ "${LEASECRON_CP_FROM_WATCHDOG:-0}" != 1 ]]; then
  stop_one watchdog
fi
stop_one kube-apiserver
stop_one etcd

if (( delete && rc == 0 )); then
  if [[ -f "$DIR/.leasecron-control-plane" ]]; then
    rm -rf -- "$DIR"
  else
    echo "[control-plane] stop: not deleting $DIR (no start.sh marker)" >&2
  fi
fi
exit $rc
