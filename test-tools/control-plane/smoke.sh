#!/usr/bin/env bash
# End-to-end check of build.sh + start.sh + stop.sh against a real kube-apiserver,
# using kubectl (default /usr/bin/kubectl, override with KUBECTL).
#
# Usage: smoke.sh            (LEASECRON_SMOKE_KEEP=1 keeps the temp dir and logs)
# Prints "ok"/"FAIL" per check, timings, and a final "N passed, N failed" line.
# Exit code: 0 if every check passed, 1 otherwise.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
KUBECTL="${KUBECTL:-/usr/bin/kubectl}"
[[ -x "$KUBECTL" ]] || KUBECTL="$(command -v kubectl || true)"
[[ -n "$KUBECTL" ]] || { echo "smoke: kubectl not found" >&2; exit 1; }

PASS=0 FAIL=0
ok()   { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
# check <description> <command...>: passes if the command succeeds
check() { local d="$1"; shift; local out; if out="$("$@" 2>&1)"; then ok "$d"; else bad "$d"; echo "$out" | sed 's/^/       /'; fi; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/leasecron-cp-smoke.XXXXXX")"
CP="$WORK/cp"
cleanup() {
  "$HERE/stop.sh" "$CP" >/dev/null 2>&1
  [[ -d "$WORK/cp2" ]] && "$HERE/stop.sh" "$WORK/cp2" >/dev/null 2>&1
  if [[ "${LEASECRON_SMOKE_KEEP:-0}" == 1 ]]; then echo "smoke: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ build (cold, then cached)
was_cached=yes
for b in "$KUBE_APISERVER_BIN" "$ETCD_BIN"; do [[ -x "$b" ]] || was_cached=no; done
t=$(ms)
if ! BUILD_OUT="$("$HERE/build.sh")"; then
  bad "build.sh"; echo "0 passed, 1 failed"; exit 1
fi
T_BUILD1=$(( $(ms) - t ))
ok "build.sh (first run; binaries were already cached: $was_cached)"
t=$(ms)
check "build.sh second run (cached)" "$HERE/build.sh"
T_BUILD2=$(( $(ms) - t ))
eval "$BUILD_OUT"

# ------------------------------------------------------------------ start
t=$(ms)
if ! LEASECRON_CP_PARENT_PID=$$ "$HERE/start.sh" "$CP" >/dev/null; then
  bad "start.sh"; echo "$PASS passed, $((FAIL)) failed"; exit 1
fi
T_START=$(( $(ms) - t ))
ok "start.sh"
# shellcheck disable=SC1091
source "$CP/env"
export KUBECONFIG="$ADMIN_KUBECONFIG"
K() { "$KUBECTL" --request-timeout=20s "$@"; }
NS=leasecron-smoke

# ------------------------------------------------------------------ version
out="$(K version -o json 2>&1)"
if grep -q "\"gitVersion\": \"$KUBERNETES_VERSION\"" <<<"$out"; then
  ok "server version $KUBERNETES_VERSION"; K version 2>/dev/null | sed 's/^/       /'
else bad "server version"; echo "$out" | sed 's/^/       /'; fi

check "namespace default exists" K get namespace default
check "create namespace $NS" K create namespace "$NS"

# ------------------------------------------------------------------ lease round trip
lease() { # <name> <extra spec yaml lines...>
  local name="$1"; shift
  printf 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n' "$name" "$NS"
  local l; for l in "$@"; do printf '  %s\n' "$l"; done
}
check "create Lease" K create -f - < <(lease smoke-lease "holderIdentity: smoke-holder" "leaseDurationSeconds: 15")
got="$(K get lease smoke-lease -n "$NS" -o jsonpath='{.spec.holderIdentity}/{.spec.leaseDurationSeconds}' 2>&1)"
[[ "$got" == "smoke-holder/15" ]] && ok "read Lease back ($got)" || bad "read Lease back: $got"

# ------------------------------------------------------------------ server-side validation
out="$(K create -f - < <(lease bad-lease "holderIdentity: x" "leaseDurationSeconds: -5") 2>&1)"
if [[ $? -ne 0 && "$out" == *"spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0"* ]]; then
  ok "server rejects negative leaseDurationSeconds (kubectl)"; echo "       $out"
else bad "negative leaseDurationSeconds not rejected by the server: $out"; fi
code="$(curl -sS -o "$WORK/invalid.json" -w '%{http_code}' --cacert "$CA_FILE" \
          -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -X POST \
          "$API_URL/apis/coordination.k8s.io/v1/namespaces/$NS/leases" \
          -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"neg"},"spec":{"leaseDurationSeconds":-1}}')"
[[ "$code" == 422 ]] && grep -Eq '"reason": ?"Invalid"' "$WORK/invalid.json" \
  && ok "raw POST of a negative leaseDurationSeconds -> HTTP 422 Invalid" \
  || bad "raw invalid POST gave HTTP $code: $(cat "$WORK/invalid.json")"
out="$(K create --validate=strict -f - < <(lease bad-lease2 "holderIdentity: x" "bogusField: 1") 2>&1)"
if [[ $? -ne 0 && "$out" == *"Error from server"* && "$out" == *'unknown field "spec.bogusField"'* ]]; then
  ok "server-side strict field validation rejects unknown field"; echo "       $out"
else bad "unknown field not rejected by the server: $out"; fi
code="$(curl -sS -o "$WORK/strict.json" -w '%{http_code}' --cacert "$CA_FILE" \
          -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -X POST \
          "$API_URL/apis/coordination.k8s.io/v1/namespaces/$NS/leases?fieldValidation=Strict" \
          -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"raw"},"spec":{"nope":true}}')"
[[ "$code" == 400 ]] && ok "raw POST with fieldValidation=Strict -> HTTP 400" \
                     || bad "raw strict POST gave HTTP $code: $(cat "$WORK/strict.json")"

# ------------------------------------------------------------------ restricted user
out="$(K --kubeconfig "$RESTRICTED_KUBECONFIG" get leases -n "$NS" 2>&1)"
if [[ $? -ne 0 && "$out" == *Forbidden* && "$out" == *leasecron-restricted* ]]; then
  ok "restricted user is Forbidden to list leases"; echo "       $out"
else bad "restricted user not forbidden: $out"; fi

# ------------------------------------------------------------------ ServiceAccount + RBAC + TokenRequest
role() { # <lease verbs>
  cat <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: leasecron, namespace: $NS}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [$1]
EOF
}
check "create ServiceAccount" K create serviceaccount leasecron-sa -n "$NS"
check "create Role" K apply -f - < <(role "get, create, update")
check "create RoleBinding" K create rolebinding leasecron -n "$NS" --role=leasecron --serviceaccount="$NS:leasecron-sa"
if SA_TOKEN="$(K create token leasecron-sa -n "$NS" --duration=10m 2>&1)" && [[ "$SA_TOKEN" == *.*.* ]]; then
  ok "kubectl create token (TokenRequest, no controller-manager)"
else bad "kubectl create token: $SA_TOKEN"; SA_TOKEN=invalid; fi
SAK="$WORK/sa.kubeconfig"
K config --kubeconfig "$SAK" set-cluster t --server="$API_URL" --certificate-authority="$CA_FILE" --embed-certs >/dev/null
K config --kubeconfig "$SAK" set-credentials sa --token="$SA_TOKEN" >/dev/null
K config --kubeconfig "$SAK" set-context sa --cluster=t --user=sa --namespace="$NS" >/dev/null
K config --kubeconfig "$SAK" use-context sa >/dev/null
S() { K --kubeconfig "$SAK" "$@"; }
can() { # <expected yes|no> <verb> <resource>
  local got; got="$(S auth can-i "$2" "$3" -n "$NS" 2>/dev/null)"
  [[ "$got" == "$1" ]] && ok "SA can-i $2 $3 = $got" || bad "SA can-i $2 $3 = '$got' (expected $1)"
}
who="$(S auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)"
[[ "$who" == "system:serviceaccount:$NS:leasecron-sa" ]] && ok "SA token authenticates as $who" || bad "whoami: $who"
can yes get configmaps; can yes list configmaps; can yes watch configmaps
can yes get leases.coordination.k8s.io; can yes create leases.coordination.k8s.io
can yes update leases.coordination.k8s.io
can no delete leases.coordination.k8s.io; can no create configmaps; can no get secrets
check "SA lists configmaps" S get configmaps
check "SA gets lease" S get lease smoke-lease
check "SA creates lease" S create -f - < <(lease sa-lease "holderIdentity: sa" "leaseDurationSeconds: 10")
S get lease sa-lease -o yaml > "$WORK/sa-lease.yaml" 2>&1
sed -i 's/holderIdentity: sa$/holderIdentity: sa-renewed/' "$WORK/sa-lease.yaml"
check "SA updates lease (PUT)" S replace -f "$WORK/sa-lease.yaml"
out="$(S delete lease sa-lease 2>&1)"
[[ $? -ne 0 && "$out" == *Forbidden* ]] && ok "SA delete lease is Forbidden" || bad "SA delete lease: $out"

# remove the update verb: PUT must now get HTTP 403
check "Role without update" K apply -f - < <(role "get, create")
denied=0
for _ in $(seq 1 40); do
  [[ "$(S auth can-i update leases.coordination.k8s.io 2>/dev/null)" == no ]] && { denied=1; break; }
  sleep 0.25
done
(( denied )) && ok "SA can-i update leases = no after removing the verb" || bad "update still allowed after removing it"
S get lease sa-lease -o json > "$WORK/sa-lease.json" 2>&1
code="$(curl -sS -o "$WORK/put.json" -w '%{http_code}' --cacert "$CA_FILE" -H "Authorization: Bearer $SA_TOKEN" \
          -H 'Content-Type: application/json' -X PUT --data-binary @"$WORK/sa-lease.json" \
          "$API_URL/apis/coordination.k8s.io/v1/namespaces/$NS/leases/sa-lease")"
[[ "$code" == 403 ]] && ok "SA PUT lease -> HTTP 403" || bad "SA PUT lease gave HTTP $code: $(cat "$WORK/put.json")"
out="$(S replace -f "$WORK/sa-lease.json" 2>&1)"
[[ $? -ne 0 && "$out" == *Forbidden* ]] && ok "kubectl replace lease Forbidden for SA" || bad "replace: $out"

# ------------------------------------------------------------------ server-side apply
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke-cm\n  namespace: %s\ndata:\n  key: "%s"\n' "$NS" "$1"; }
check "kubectl apply --server-side ConfigMap" K apply --server-side --field-manager=smoke -f - < <(cm v1)
check "kubectl apply --server-side ConfigMap (update)" K apply --server-side --field-manager=smoke -f - < <(cm v2)
got="$(K get cm smoke-cm -n "$NS" -o jsonpath='{.data.key}/{.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}' 2>&1)"
[[ "$got" == "v2/smoke/Apply" ]] && ok "server-side applied ConfigMap ($got)" || bad "server-side apply result: $got"
out="$(K apply --server-side --field-manager=other -f - < <(cm v3) 2>&1)"
[[ $? -ne 0 && "$out" == *onflict* ]] && ok "server-side apply conflict detected for another manager" || bad "no SSA conflict: $out"
check "SA watches configmaps (kubectl get --watch, 2 s)" \
  bash -c "timeout 2 '$KUBECTL' --kubeconfig '$SAK' get configmaps --watch >/dev/null; [[ \$? == 124 ]]"

# ------------------------------------------------------------------ helm (optional)
if [[ -n "${HELM_BIN:-}" ]]; then
  mkdir -p "$WORK/chart/templates"
  printf 'apiVersion: v2\nname: smoke\nversion: 0.1.0\n' > "$WORK/chart/Chart.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: helm-smoke\ndata:\n  a: "1"\n' > "$WORK/chart/templates/cm.yaml"
  check "helm install against the real apiserver" "$HELM_BIN" install smoke "$WORK/chart" -n "$NS" --kubeconfig "$ADMIN_KUBECONFIG"
  check "helm-installed ConfigMap exists" K get cm helm-smoke -n "$NS"
  check "helm uninstall" "$HELM_BIN" uninstall smoke -n "$NS" --kubeconfig "$ADMIN_KUBECONFIG"
else
  echo "skip - helm was not built"
fi

# ------------------------------------------------------------------ stop
API_PID="$APISERVER_PID" E_PID="$ETCD_PID"
check "stop.sh" "$HERE/stop.sh" "$CP"
running() { local st; st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"; [[ -n "$st" && "$st" != Z ]]; }
if running "$API_PID" || running "$E_PID"; then bad "processes still alive after stop.sh"
else ok "kube-apiserver and etcd are gone"; fi

# ------------------------------------------------------------------ watchdog: parent killed
sleep 600 & PARENT=$!
if LEASECRON_CP_PARENT_PID=$PARENT "$HERE/start.sh" "$WORK/cp2" >/dev/null; then
  # shellcheck disable=SC1091
  P2="$(. "$WORK/cp2/env"; echo "$APISERVER_PID $ETCD_PID")"
  kill "$PARENT"; wait "$PARENT" 2>/dev/null
  gone=0
  for _ in $(seq 1 100); do
    alive=0; for p in $P2; do running "$p" && alive=1; done
    (( alive )) || { gone=1; break; }
    sleep 0.2
  done
  (( gone )) && ok "watchdog stops the control plane when its parent dies" || bad "control plane outlived its parent"
else
  kill "$PARENT" 2>/dev/null; bad "start.sh (second instance)"
fi

echo
echo "timing: build.sh first run: $((T_BUILD1 / 1000)).$(printf '%03d' $((T_BUILD1 % 1000))) s (binaries already cached: $was_cached)"
echo "timing: build.sh cached check: $((T_BUILD2 / 1000)).$(printf '%03d' $((T_BUILD2 % 1000))) s"
echo "timing: start.sh to ready: $((T_START / 1000)).$(printf '%03d' $((T_START % 1000))) s (start.sh reports START_TO_READY_MS=$START_TO_READY_MS)"
helm_state="not built"; [[ -z "${HELM_BIN:-}" ]] || helm_state="$HELM_VERSION"
echo "versions: kubernetes $KUBERNETES_VERSION, etcd $ETCD_VERSION, helm $helm_state"
echo "smoke: $PASS passed, $FAIL failed"
(( FAIL == 0 ))
