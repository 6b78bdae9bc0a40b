#!/usr/bin/env bash
# Finds (or fetches once) Prometheus 2.42 and promtool from Debian's `prometheus` package, for the dashboard and
# alert tests (docs/testing.md, docs/alerts.md).
#
# Usage: prometheus.sh
#
# stdout: eval-able KEY=VALUE lines, nothing else: PROMETHEUS_BIN, PROMTOOL_BIN, PROMETHEUS_VERSION.
# stderr: progress and, on failure, the reason.
#
# Uses /usr/bin/prometheus and /usr/bin/promtool when Debian's package is installed (`apt-get install -y
# --no-install-recommends prometheus`). Otherwise downloads that package once with `apt-get download` (no root
# needed, unless the package lists must be fetched first) and unpacks it with `dpkg-deb -x` into
# ${LEASECRON_TOOLS_CACHE:-~/.cache/leasecron-tools}/prometheus-<version>/. Only the two binaries are used: no
# service is installed or started (the tests start prometheus themselves, on loopback).
#
# Exit codes: 0 found, 1 neither installed nor fetchable (the reason on stderr).
set -euo pipefail

# The version the rules, the promtool tests and the docs were checked with; another 2.x also passes.
want_major=2

log() { echo "prometheus.sh: $*" >&2; }

# version <bin>: the version its --version reports (e.g. 2.42.0+ds), or nothing if it does not run.
version() {
  "$1" --version 2>&1 | sed -n 's/^[a-z]*, version \([^ ]*\).*/\1/p' | head -n 1
}

# usable <prometheus> <promtool>: both run and report the wanted major version.
usable() {
  local v
  [[ -x "$1" && -x "$2" ]] || return 1
  v="$(version "$1")"
  [[ "$v" == "$want_major".* ]] || { [[ -n "$v" ]] && log "$1 is version $v, not $want_major.x: not used"; return 1; }
  [[ -n "$(version "$2")" ]] || return 1
  printf 'PROMETHEUS_BIN=%s\nPROMTOOL_BIN=%s\nPROMETHEUS_VERSION=%s\n' "$1" "$2" "$v"
}

if usable /usr/bin/prometheus /usr/bin/promtool; then
  exit 0
fi

cache="${LEASECRON_TOOLS_CACHE:-$HOME/.cache/leasecron-tools}"
mkdir -p "$cache"
exec 9>"$cache/.prometheus.lock"
flock 9 2>/dev/null || true   # one fetch at a time when several builds share the cache

for dir in "$cache"/prometheus-*; do
  [[ -d "$dir" ]] || continue
  if usable "$dir/root/usr/bin/prometheus" "$dir/root/usr/bin/promtool"; then
    exit 0
  fi
done

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  log "Prometheus is not installed and apt-get/dpkg-deb are not here to fetch it:" \
      "install Prometheus 2.x with promtool (Debian/Ubuntu package prometheus)"
  exit 1
fi
tmp="$(mktemp -d "$cache/.prometheus.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "fetching Debian's prometheus package into $cache ..."
if ! (cd "$tmp" && apt-get download prometheus >&2 2>/dev/null); then
  # A machine whose package lists were never fetched: fetch them (needs root) and try once more.
  if [[ "$(id -u)" -ne 0 ]] || ! apt-get update -qq >&2 || ! (cd "$tmp" && apt-get download prometheus >&2); then
    log "apt-get download prometheus failed (run apt-get update as root, or apt-get install prometheus)"
    exit 1
  fi
fi
deb="$(ls "$tmp"/prometheus_*.deb)"
deb_version="$(dpkg-deb -f "$deb" Version)"
dpkg-deb -x "$deb" "$tmp/root"
dir="$cache/prometheus-$deb_version"
rm -rf "$dir"
mkdir -p "$dir"
mv "$tmp/root" "$dir/root"
if ! usable "$dir/root/usr/bin/prometheus" "$dir/root/usr/bin/promtool"; then
  log "the prometheus package $deb_version unpacked into $dir has no working prometheus $want_major.x and promtool"
  exit 1
fi
log "prometheus $deb_version unpacked into $dir"
