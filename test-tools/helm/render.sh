#!/usr/bin/env bash
# Renders what the repository keeps of the Helm chart's output, so that a change of the chart is one command:
#   k8s/*.yaml                               plain manifests for users without Helm (`kubectl apply -f k8s/`):
#                                            default values, release leasecron, namespace jobs, without Helm's own
#                                            labels (helm.sh/chart, managed-by Helm): nothing but kubectl manages them
#   src/test/resources/helm/default.yaml     `helm template` snapshots, default values and
#   src/test/resources/helm/full.yaml        src/test/resources/helm/full-values.yaml
# The tests in src/test/java/io/leasecron/helm/ run this script into a temporary folder and fail when a file kept
# here differs from its output.
#
# Usage: test-tools/helm/render.sh [<root>]     (default: this repository; files go to <root>/k8s, <root>/src/...)
#
# Environment: HELM  the helm binary (default: the pinned one, found or built by test-tools/control-plane/build.sh)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$REPO}"
CHART="$REPO/helm/leasecron"
helm="${HELM:-}"
if [[ -z "$helm" ]]; then
  eval "$("$REPO/test-tools/control-plane/build.sh" --quiet)"
  helm="$HELM_BIN"
fi
[[ -n "$helm" && -x "$helm" ]] || { echo "render.sh: no helm binary (build.sh could not build it; see its output)" >&2; exit 1; }
# Helm keeps no state between runs here: a repository cache or plugins of the user's must not change the output.
HELM_HOME_TMP="$(mktemp -d)"
trap 'rm -rf "$HELM_HOME_TMP"' EXIT
export HELM_CACHE_HOME="$HELM_HOME_TMP/cache" HELM_CONFIG_HOME="$HELM_HOME_TMP/config" HELM_DATA_HOME="$HELM_HOME_TMP/data"

# write <file>: stdin to <file>, atomically
write() { mkdir -p "$(dirname "$1")"; cat > "$1.tmp"; mv -f "$1.tmp" "$1"; }

# plain <template> <file> <what it holds>
plain() {
  {
    echo "# $3"
    echo "# Rendered from helm/leasecron by test-tools/helm/render.sh (namespace jobs): change the chart, then run it."
    "$helm" template leasecron "$CHART" --namespace jobs --show-only "templates/$1" \
      | sed -e '1{/^---$/d}' -e '/^ *helm\.sh\/chart: /d' -e 's/^\( *app\.kubernetes\.io\/managed-by: \)Helm$/\1kubectl/'
  } | write "$OUT/k8s/$2"
}

plain rbac.yaml rbac.yaml "ServiceAccount, Role and RoleBinding: the least privilege leasecron needs (docs/rbac.md explains each rule)."
plain auth.yaml auth.yaml "Who may call the REST API: TokenReview and SubjectAccessReview for the service (a ClusterRoleBinding to system:auth-delegator, needs cluster rights) and a ClusterRole to bind for trigger, pause, resume and runs (docs/rbac.md)."
plain configmap.yaml config.yaml "The service's settings (README, Configuration); after a change: kubectl -n jobs rollout restart deploy/leasecron."
plain deployment.yaml deployment.yaml "Three replicas; one holds the Lease and fires."
plain service.yaml service.yaml "The REST API (port 8080) and the management interface (probes and metrics, port 9000)."
plain pdb.yaml pdb.yaml "Voluntary evictions take one replica at a time."

"$helm" template leasecron "$CHART" --namespace jobs | write "$OUT/src/test/resources/helm/default.yaml"
"$helm" template leasecron "$CHART" --namespace jobs -f "$REPO/src/test/resources/helm/full-values.yaml" \
  | write "$OUT/src/test/resources/helm/full.yaml"
