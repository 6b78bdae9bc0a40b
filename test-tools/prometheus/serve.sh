#!/usr/bin/env bash
# Runs the prometheus that prometheus.sh finds with the given arguments, for as long as this script's standard input
# stays open: the test that starts it holds that pipe, so prometheus stops when the test closes it or its JVM dies
# (even by SIGKILL). Exits with prometheus' status when prometheus ends first; SIGTERM stops both.
#
# Usage: serve.sh --config.file=... --storage.tsdb.path=... --web.listen-address=127.0.0.1:<port> ...
set -euo pipefail

eval "$("$(dirname "${BASH_SOURCE[0]}")/prometheus.sh")"
"$PROMETHEUS_BIN" "$@" </dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' TERM INT EXIT
# A background command's standard input is /dev/null unless redirected: hand it ours explicitly.
( cat >/dev/null; kill "$pid" 2>/dev/null || true ) <&0 &
wait "$pid"
