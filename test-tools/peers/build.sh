#!/usr/bin/env bash
# Prints the path of the peers program (main.go: gocron v2 replicated with a client-go elector or a Lease locker),
# building it first if needed. The binary is cached outside the repository, keyed by a hash of this folder's
# go.mod, go.sum and main.go, under ${LEASECRON_TOOLS_CACHE:-~/.cache/leasecron-tools}/peers-<hash>/peers; modules
# come from the Go module proxy into the same cache's gomod/ (shared with test-tools/control-plane/build.sh, whose
# kube-apiserver build already holds the k8s.io modules at the same release).
#
# stdout: the binary's path, nothing else. stderr: progress. Exit 1, with the reason on stderr, if Go is missing or
# the build fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LEASECRON_TOOLS_CACHE:-$HOME/.cache/leasecron-tools}"
hash="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)"
dir="$cache/peers-$hash"
bin="$dir/peers"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "[peers] Go is not installed: it is needed once to build $bin" >&2; exit 1; }
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [[ ! -x "$bin" ]]; then
  echo "[peers] building $bin with $(go version | cut -d' ' -f3) ..." >&2
  t0=$SECONDS
  ( cd "$here" &&
    GOMODCACHE="$cache/gomod" GOCACHE="$cache/gocache" GOFLAGS="-modcacherw -mod=readonly -buildvcs=false" \
    GOWORK=off CGO_ENABLED=0 nice -n "${LEASECRON_BUILD_NICE:-10}" go build -trimpath -ldflags "-s -w" -o "$bin.tmp" . ) >&2 ||
    { rm -f "$bin.tmp"; echo "[peers] build failed" >&2; exit 1; }
  mv -f "$bin.tmp" "$bin"
  echo "[peers] built in $((SECONDS - t0)) s" >&2
fi
echo "$bin"
