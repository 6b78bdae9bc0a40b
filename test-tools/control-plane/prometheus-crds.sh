#!/usr/bin/env bash
# Fetches (or reuses from the cache) the prometheus-operator CRDs of ServiceMonitor and PrometheusRule, so that a
# real kube-apiserver validates the Helm chart's monitoring objects against their schemas.
#
# Usage: prometheus-crds.sh
#
# The version is pinned by modules/prometheus-operator/go.mod (+ go.sum): the CRD manifests are files of that Go
# module (example/prometheus-operator-crd/), fetched from the module proxy with `go mod download` and checked
# against go.sum. They are copied to
#   ${LEASECRON_TOOLS_CACHE:-$HOME/.cache/leasecron-tools}/prometheus-operator-crds-<version>/
#
# stdout: PROMETHEUS_OPERATOR_VERSION=<version> and PROMETHEUS_CRDS_DIR=<dir> (eval-able), nothing else.
# stderr: progress. Exit codes: 0 ok, 1 not cached and could not be fetched (no Go, no proxy).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for a in "$@"; do
  case "$a" in
    --quiet) cp_log() { :; } ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done

MODULE=github.com/prometheus-operator/prometheus-operator
VERSION="$(cp_mod_version prometheus-operator "$MODULE")"
DIR="$CP_CACHE/prometheus-operator-crds-$VERSION"
FILES=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml)

have_all() { local f; for f in "${FILES[@]}"; do [[ -s "$DIR/$f" ]] || return 1; done; }

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9 2>/dev/null || true
if have_all; then
  cp_log "prometheus-operator $VERSION CRDs: cached [$DIR]"
else
  command -v go >/dev/null || cp_die "prometheus-operator $VERSION CRDs: not cached and go is not installed"
  t0=$SECONDS
  src="$(cd "$CP_MODULES/prometheus-operator" &&
         GOMODCACHE="$CP_CACHE/gomod" GOFLAGS="-modcacherw -mod=readonly" GOWORK=off \
         go mod download -json "$MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" \
    || cp_die "go mod download $MODULE@$VERSION failed"
  [[ -n "$src" ]] || cp_die "go mod download $MODULE@$VERSION reported no directory"
  for f in "${FILES[@]}"; do
    cp "$src/example/prometheus-operator-crd/$f" "$DIR/$f.tmp" && mv -f "$DIR/$f.tmp" "$DIR/$f"
  done
  cp_log "prometheus-operator $VERSION CRDs: fetched in $((SECONDS - t0)) s [$DIR]"
fi
exec 9>&-

echo "PROMETHEUS_OPERATOR_VERSION=$VERSION"
echo "PROMETHEUS_CRDS_DIR=$DIR"
