# shellcheck shell=bash
# Shared helpers for the control-plane scripts. Source it; do not execute it.
#
# Versions come from the wrapper modules' go.mod files (single source of truth).

CP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CP_MODULES="$CP_DIR/modules"
CP_CACHE="${LEASECRON_TOOLS_CACHE:-$HOME/.cache/leasecron-tools}"

cp_log() { printf '[control-plane] %s\n' "$*" >&2; }
cp_die() { printf '[control-plane] ERROR: %s\n' "$*" >&2; exit 1; }

# cp_mod_version <module-dir-name> <go-module-path>: version required in that go.mod.
cp_mod_version() {
  local gomod="$CP_MODULES/$1/go.mod" mod="$2" v
  [[ -f "$gomod" ]] || cp_die "missing $gomod"
  v="$(awk -v m="$mod" '
      $1 == "require" && $2 == m { print $3; exit }
      $1 == m && $2 ~ /^v/ { print $2; exit }' "$gomod")"
  [[ -n "$v" ]] || cp_die "cannot find $mod in $gomod"
  printf '%s\n' "$v"
}

KUBERNETES_VERSION="$(cp_mod_version kube-apiserver k8s.io/kubernetes)"
ETCD_VERSION="$(cp_mod_version etcd go.etcd.io/etcd/server/v3)"
HELM_VERSION="$(cp_mod_version helm helm.sh/helm/v3)"

# cp_bin <name> <version>: cache path of a built binary.
cp_bin() { printf '%s/%s-%s/%s\n' "$CP_CACHE" "$1" "$2" "$1"; }

# shellcheck disable=SC2034  # used by the scripts that source this file
KUBE_APISERVER_BIN="$(cp_bin kube-apiserver "$KUBERNETES_VERSION")"
# shellcheck disable=SC2034
ETCD_BIN="$(cp_bin etcd "$ETCD_VERSION")"
# shellcheck disable=SC2034
HELM_BIN="$(cp_bin helm "$HELM_VERSION")"
