#!/usr/bin/env bash
# Builds (or reuses from the cache) pinned kube-apiserver, etcd and helm binaries.
#
# Usage: build.sh [--no-helm] [--quiet]
#
# Versions are pinned by the wrapper modules in modules/*/go.mod (+ go.sum).
# Binaries are cached outside the repository, keyed by version:
#   ${LEASECRON_TOOLS_CACHE:-$HOME/.cache/leasecron-tools}/<name>-<version>/<name>
# Go module and build caches live there too (gomod/, gocache/).
#
# stdout: machine-readable KEY=VALUE lines (eval-able), nothing else:
#   KUBERNETES_VERSION, ETCD_VERSION, HELM_VERSION, KUBE_APISERVER_BIN, ETCD_BIN,
#   HELM_BIN (empty if helm was skipped or failed to build)
# stderr: progress, versions and elapsed times.
#
# Environment:
#   LEASECRON_TOOLS_CACHE   cache root (default $HOME/.cache/leasecron-tools)
#   LEASECRON_SKIP_HELM=1   do not build helm (same as --no-helm)
#   LEASECRON_RETRY_HELM=1  retry a helm build that failed before (a failure is remembered)
#   LEASECRON_BUILD_NICE    nice level for go build (default 10)
#
# Exit codes: 0 ok (helm may have been skipped, see stderr), 1 kube-apiserver or etcd
# could not be built or a cached binary does not run, 2 usage error.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want_helm=1
[[ "${LEASECRON_SKIP_HELM:-0}" == 1 ]] && want_helm=0
for a in "$@"; do
  case "$a" in
    --no-helm) want_helm=0 ;;
    --quiet) cp_log() { :; } ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done

mkdir -p "$CP_CACHE"
export GOMODCACHE="$CP_CACHE/gomod"
export GOCACHE="$CP_CACHE/gocache"
export GOFLAGS="-modcacherw -mod=readonly -buildvcs=false"
export CGO_ENABLED=0
export GOWORK=off
NICE="${LEASECRON_BUILD_NICE:-10}"

# check_bin <bin> <version-without-v> <args...>: the binary runs and reports the version.
check_bin() {
  local bin="$1" want="$2" out; shift 2
  [[ -x "$bin" ]] || return 1
  out="$("$bin" "$@" 2>&1)" || return 1
  [[ "$out" == *"$want"* ]] || { cp_log "$bin reports '$out', expected $want"; return 1; }
  printf '%s\n' "$out" | head -n 1
}

# build <name> <version> <module-dir> <package> <ldflags> -- <version-check args...>
# Returns 0 if the binary is (now) in the cache and runs.
build() {
  local name="$1" version="$2" mod="$3" pkg="$4" ldflags="$5"; shift 6
  local bin; bin="$(cp_bin "$name" "$version")"
  local dir; dir="$(dirname "$bin")"
  local t0=$SECONDS out
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9 2>/dev/null || true   # serialise concurrent builds of the same binary
  if out="$(check_bin "$bin" "${version#v}" "$@")"; then
    cp_log "$name $version: cached ($out) [$bin], checked in $((SECONDS - t0)) s"
    exec 9>&-
    return 0
  fi
  command -v go >/dev/null || { cp_log "$name $version: not cached and go is not installed"; exec 9>&-; return 1; }
  cp_log "$name $version: building $pkg with $(go version | cut -d' ' -f3) (nice -n $NICE, log: $dir/build.log) ..."
  local tmp="$dir/.$name.tmp.$$"
  if ! ( cd "$CP_MODULES/$mod" &&
         nice -n "$NICE" go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp" "$pkg" ) \
         >"$dir/build.log" 2>&1; then
    rm -f "$tmp"
    cp_log "$name $version: BUILD FAILED after $((SECONDS - t0)) s; last lines of $dir/build.log:"
    tail -n 30 "$dir/build.log" >&2
    exec 9>&-
    return 1
  fi
  mv -f "$tmp" "$bin"
  if ! out="$(check_bin "$bin" "${version#v}" "$@")"; then
    cp_log "$name $version: built binary does not report its version"
    exec 9>&-
    return 1
  fi
  cp_log "$name $version: built in $((SECONDS - t0)) s ($out) [$bin]"
  exec 9>&-
}

T0=$SECONDS

k8s_minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
k8s_ld=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ld+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$k8s_minor"
  k8s_ld+=" -X $p.gitTreeState=clean"
done
build kube-apiserver "$KUBERNETES_VERSION" kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver \
  "$k8s_ld" -- --version || cp_die "kube-apiserver $KUBERNETES_VERSION is not available"

build etcd "$ETCD_VERSION" etcd go.etcd.io/etcd/server/v3 \
  "-X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" -- --version \
  || cp_die "etcd $ETCD_VERSION is not available"

helm_bin=""
if [[ $want_helm == 1 ]]; then
  hdir="$(dirname "$HELM_BIN")"
  if [[ -f "$hdir/FAILED" && "${LEASECRON_RETRY_HELM:-0}" != 1 ]]; then
    cp_log "helm $HELM_VERSION: SKIPPED (an earlier build failed, see $hdir/build.log;" \
           "LEASECRON_RETRY_HELM=1 retries)"
  else
    cg="$(cp_mod_version helm k8s.io/client-go)"          # e.g. v0.33.3 -> Kubernetes 1.33
    cg_minor="$(echo "$cg" | cut -d. -f2)"
    helm_ld="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    helm_ld+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
    for p in pkg/lint/rules pkg/chartutil; do
      helm_ld+=" -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$cg_minor"
    done
    if build helm "$HELM_VERSION" helm helm.sh/helm/v3/cmd/helm "$helm_ld" -- version --short; then
      rm -f "$hdir/FAILED"
      helm_bin="$HELM_BIN"
    else
      mkdir -p "$hdir" && date -u +%FT%TZ >"$hdir/FAILED"
      cp_log "helm $HELM_VERSION: SKIPPED (build failed; kube-apiserver and etcd are fine)"
    fi
  fi
else
  cp_log "helm: skipped (--no-helm / LEASECRON_SKIP_HELM=1)"
fi

helm_state="$HELM_VERSION"; [[ -n "$helm_bin" ]] || helm_state="skipped"
cp_log "versions: kubernetes $KUBERNETES_VERSION, etcd $ETCD_VERSION, helm $helm_state"
cp_log "build.sh total elapsed: $((SECONDS - T0)) s (cache: $CP_CACHE)"

cat <<EOF
KUBERNETES_VERSION=$KUBERNETES_VERSION
ETCD_VERSION=$ETCD_VERSION
HELM_VERSION=$HELM_VERSION
KUBE_APISERVER_BIN=$KUBE_APISERVER_BIN
ETCD_BIN=$ETCD_BIN
HELM_BIN=$helm_bin
EOF
