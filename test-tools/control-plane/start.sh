#!/usr/bin/env bash
# Starts a real etcd + kube-apiserver on 127.0.0.1 with all state in <dir>, waits for
# /readyz and returns. Stop it with stop.sh <dir>.
#
# Usage: start.sh <dir>
#
# Writes into <dir>:
#   env                    KEY=VALUE lines (no quoting; also printed on stdout), see below
#   admin.kubeconfig       user leasecron-admin (group system:masters), token auth
#   restricted.kubeconfig  user leasecron-restricted (no RBAC permissions), token auth
#   pki/                   ca.crt/ca.key, apiserver.crt/.key, sa.key/sa.pub, tokens.csv
#   etcd.log, kube-apiserver.log, watchdog.log, *.pid, etcd-data/
#
# env keys: LEASECRON_CP_DIR API_URL API_PORT ETCD_URL ETCD_PORT KUBECONFIG
#   ADMIN_KUBECONFIG RESTRICTED_KUBECONFIG ADMIN_USER ADMIN_TOKEN RESTRICTED_USER
#   RESTRICTED_TOKEN CA_FILE SERVICE_ACCOUNT_ISSUER KUBERNETES_VERSION ETCD_VERSION
#   KUBE_APISERVER_BIN ETCD_BIN ETCD_PID APISERVER_PID WATCHDOG_PID PARENT_PID
#   START_TO_READY_MS
#
# Environment:
#   LEASECRON_CP_API_PORT, LEASECRON_CP_ETCD_PORT, LEASECRON_CP_ETCD_PEER_PORT
#       fixed ports (default: free ports picked at random, retried on a bind conflict)
#   LEASECRON_CP_READY_TIMEOUT   seconds to wait for /readyz (default 120)
#   LEASECRON_CP_PARENT_PID      pid whose death stops the control plane (default: the
#       caller of start.sh, i.e. $PPID; pass the JVM's pid if start.sh is run through a
#       short-lived wrapper shell; 0 disables the watchdog)
#   LEASECRON_KUBE_APISERVER_BIN, LEASECRON_ETCD_BIN   use these binaries instead of build.sh
#   LEASECRON_CP_APISERVER_ARGS  extra kube-apiserver flags (space separated)
#   LEASECRON_TOOLS_CACHE        see build.sh
#
# Exit codes: 0 ready; 1 failed (message + log tails on stderr, everything stopped);
#   2 usage error; 3 <dir> already holds a running control plane.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

[[ $# -eq 1 && -n "$1" ]] || { echo "usage: $0 <dir>" >&2; exit 2; }
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
[[ "$DIR" != *[[:space:]]* ]] || { echo "start.sh: <dir> must not contain whitespace: $DIR" >&2; exit 2; }

for f in "$DIR"/etcd.pid "$DIR"/kube-apiserver.pid; do
  if [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; then
    echo "start.sh: a control plane is already running in $DIR (pid $(cat "$f")); run stop.sh $DIR first" >&2
    exit 3
  fi
done

T_START_NS=$(date +%s%N)
PARENT_PID="${LEASECRON_CP_PARENT_PID:-$PPID}"
READY_TIMEOUT="${LEASECRON_CP_READY_TIMEOUT:-120}"
touch "$DIR/.leasecron-control-plane"

# ---------------------------------------------------------------- binaries
if [[ -n "${LEASECRON_KUBE_APISERVER_BIN:-}" && -n "${LEASECRON_ETCD_BIN:-}" ]]; then
  KUBE_APISERVER_BIN="$LEASECRON_KUBE_APISERVER_BIN"
  ETCD_BIN="$LEASECRON_ETCD_BIN"
else
  # Seconds when cached; a first run on a fresh machine builds (minutes, progress on stderr).
  "$HERE/build.sh" --no-helm >/dev/null || cp_die "build.sh failed"
fi
[[ -x "$KUBE_APISERVER_BIN" ]] || cp_die "kube-apiserver not found: $KUBE_APISERVER_BIN"
[[ -x "$ETCD_BIN" ]] || cp_die "etcd not found: $ETCD_BIN"

# ---------------------------------------------------------------- helpers
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
declare -A PICKED=()
# pick_port <var> [fixed]: sets <var> to [fixed] or to a free port not picked before.
pick_port() {
  local p
  if [[ -n "${2:-}" ]]; then printf -v "$1" '%s' "$2"; return 0; fi
  for _ in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    [[ -z "${PICKED[$p]:-}" ]] || continue
    port_in_use "$p" && continue
    PICKED[$p]=1; printf -v "$1" '%s' "$p"; return 0
  done
  cp_die "could not find a free port"
}

tail_logs() {
  local f
  for f in "$DIR/etcd.log" "$DIR/kube-apiserver.log"; do
    [[ -s "$f" ]] || continue
    echo "----- last 40 lines of $f -----" >&2
    tail -n 40 "$f" >&2
  done
}

fail() {
  cp_log "ERROR: $*"
  tail_logs
  "$HERE/stop.sh" "$DIR" >/dev/null 2>&1 || true
  exit 1
}

# start_bg <name> <cmd...>: start detached (own session, no inherited stdio), pid -> <dir>/<name>.pid
start_bg() {
  local name="$1"; shift
  rm -f "$DIR/$name.pid"
  setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$DIR/$name.pid" "$@" \
    </dev/null >"$DIR/$name.log" 2>&1 &
  for _ in $(seq 1 100); do [[ -s "$DIR/$name.pid" ]] && break; sleep 0.05; done
  [[ -s "$DIR/$name.pid" ]] || return 1
  cat "$DIR/$name.pid"
}

alive() { kill -0 "$1" 2>/dev/null; }

# ---------------------------------------------------------------- PKI + tokens
PKI="$DIR/pki"
mkdir -p "$PKI"
command -v openssl >/dev/null || cp_die "openssl is required"
if [[ ! -f "$PKI/apiserver.crt" ]]; then
  (
    set -e
    cd "$PKI"
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=leasecron-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" -out ca.crt
    openssl genrsa -out apiserver.key 2048 2>/dev/null
    openssl req -new -key apiserver.key -subj "/CN=kube-apiserver" -out apiserver.csr
    cat > apiserver.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -sha256 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  ) || cp_die "certificate generation with openssl failed"
fi
if [[ ! -f "$PKI/tokens.csv" ]]; then
  ADMIN_TOKEN="$(openssl rand -hex 24)"
  RESTRICTED_TOKEN="$(openssl rand -hex 24)"
  {
    echo "$ADMIN_TOKEN,leasecron-admin,leasecron-admin,\"system:masters\""
    echo "$RESTRICTED_TOKEN,leasecron-restricted,leasecron-restricted"
  } > "$PKI/tokens.csv"
  chmod 600 "$PKI/tokens.csv"
else
  ADMIN_TOKEN="$(awk -F, '$2=="leasecron-admin"{print $1}' "$PKI/tokens.csv")"
  RESTRICTED_TOKEN="$(awk -F, '$2=="leasecron-restricted"{print $1}' "$PKI/tokens.csv")"
fi
SA_ISSUER="https://kubernetes.default.svc.cluster.local"

# ---------------------------------------------------------------- etcd + kube-apiserver
mkdir -p "$DIR/etcd-data" && chmod 700 "$DIR/etcd-data"
ETCD_PID="" APISERVER_PID=""
attempt=0
while :; do
  attempt=$((attempt + 1))
  pick_port ETCD_PORT "${LEASECRON_CP_ETCD_PORT:-}"
  pick_port ETCD_PEER_PORT "${LEASECRON_CP_ETCD_PEER_PORT:-}"
  pick_port API_PORT "${LEASECRON_CP_API_PORT:-}"
  ETCD_URL="http://127.0.0.1:$ETCD_PORT"
  API_URL="https://127.0.0.1:$API_PORT"

  ETCD_PID="$(start_bg etcd "$ETCD_BIN" \
    --name=leasecron \
    --data-dir="$DIR/etcd-data" \
    --listen-client-urls="$ETCD_URL" --advertise-client-urls="$ETCD_URL" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="leasecron=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync=true \
    --log-level=warn)" || true
  [[ -n "$ETCD_PID" ]] || fail "etcd did not start"

  # shellcheck disable=SC2086
  APISERVER_PID="$(start_bg kube-apiserver "$KUBE_APISERVER_BIN" \
    --etcd-servers="$ETCD_URL" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --cert-dir="$PKI" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --token-auth-file="$PKI/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer="$SA_ISSUER" \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount \
    --endpoint-reconciler-type=none \
    --profiling=false \
    ${LEASECRON_CP_APISERVER_ARGS:-})" || true
  [[ -n "$APISERVER_PID" ]] || fail "kube-apiserver did not start"

  # wait for readiness
  ready=0 conflict=0
  deadline=$((SECONDS + READY_TIMEOUT))
  while (( SECONDS < deadline )); do
    if ! alive "$ETCD_PID" || ! alive "$APISERVER_PID"; then
      if grep -qi "address already in use" "$DIR/etcd.log" "$DIR/kube-apiserver.log" 2>/dev/null; then
        conflict=1
      fi
      break
    fi
    if out="$(curl -sS --max-time 2 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
                "$API_URL/readyz" 2>/dev/null)" && [[ "$out" == ok ]]; then
      ready=1; break
    fi
    sleep 0.25
  done
  (( ready )) && break
  if (( conflict )) && (( attempt < 3 )) && [[ -z "${LEASECRON_CP_API_PORT:-}${LEASECRON_CP_ETCD_PORT:-}${LEASECRON_CP_ETCD_PEER_PORT:-}" ]]; then
    cp_log "port conflict, retrying with other ports"
    "$HERE/stop.sh" "$DIR" >/dev/null 2>&1 || true
    rm -rf "$DIR/etcd-data"; mkdir -p "$DIR/etcd-data" && chmod 700 "$DIR/etcd-data"
    continue
  fi
  if ! alive "$ETCD_PID"; then fail "etcd exited during startup (see $DIR/etcd.log)"; fi
  if ! alive "$APISERVER_PID"; then fail "kube-apiserver exited during startup (see $DIR/kube-apiserver.log)"; fi
  verbose="$(curl -sS --max-time 5 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
               "$API_URL/readyz?verbose" 2>&1 | grep -v '^\[+\]' || true)"
  fail "kube-apiserver not ready at $API_URL/readyz after ${READY_TIMEOUT}s: $verbose"
done

# ---------------------------------------------------------------- kubeconfigs + env
CA_DATA="$(base64 -w0 < "$PKI/ca.crt")"
write_kubeconfig() { # <file> <user> <token>
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: leasecron-test
  cluster:
    server: $API_URL
    certificate-authority-data: $CA_DATA
users:
- name: $2
  user:
    token: $3
contexts:
- name: $2
  context:
    cluster: leasecron-test
    user: $2
    namespace: default
current-context: $2
EOF
  chmod 600 "$1"
}
write_kubeconfig "$DIR/admin.kubeconfig" leasecron-admin "$ADMIN_TOKEN"
write_kubeconfig "$DIR/restricted.kubeconfig" leasecron-restricted "$RESTRICTED_TOKEN"

# The apiserver itself creates the default, kube-system, kube-public and kube-node-lease
# namespaces shortly after start; wait (bounded) until "default" is there.
ns_ok=0
for _ in $(seq 1 80); do
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$PKI/ca.crt" \
            -H "Authorization: Bearer $ADMIN_TOKEN" "$API_URL/api/v1/namespaces/default" || true)"
  [[ "$code" == 200 ]] && { ns_ok=1; break; }
  sleep 0.25
done
(( ns_ok )) || fail "namespace 'default' was not created by kube-apiserver"

WATCHDOG_PID=0
if [[ "$PARENT_PID" != 0 ]] && alive "$PARENT_PID"; then
  # Stops everything when the parent process dies (e.g. a killed JVM or test runner).
  WATCHDOG_PID="$(start_bg watchdog bash -c '
      parent="$1" dir="$2" stop="$3" api="$4"
      while kill -0 "$parent" 2>/dev/null && kill -0 "$api" 2>/dev/null; do sleep 1; done
      if kill -0 "$api" 2>/dev/null; then
        echo "$(date -u +%FT%TZ) parent $parent is gone: stopping the control plane"
        LEASECRON_CP_FROM_WATCHDOG=1 "$stop" "$dir"
      fi' _ "$PARENT_PID" "$DIR" "$HERE/stop.sh" "$APISERVER_PID")" || true
  [[ -n "$WATCHDOG_PID" ]] || fail "watchdog did not start"
fi

READY_MS=$(( ($(date +%s%N) - T_START_NS) / 1000000 ))
cat > "$DIR/env.tmp" <<EOF
LEASECRON_CP_DIR=$DIR
API_URL=$API_URL
API_PORT=$API_PORT
ETCD_URL=$ETCD_URL
ETCD_PORT=$ETCD_PORT
KUBECONFIG=$DIR/admin.kubeconfig
ADMIN_KUBECONFIG=$DIR/admin.kubeconfig
RESTRICTED_KUBECONFIG=$DIR/restricted.kubeconfig
ADMIN_USER=leasecron-admin
ADMIN_TOKEN=$ADMIN_TOKEN
RESTRICTED_USER=leasecron-restricted
RESTRICTED_TOKEN=$RESTRICTED_TOKEN
CA_FILE=$PKI/ca.crt
SERVICE_ACCOUNT_ISSUER=$SA_ISSUER
KUBERNETES_VERSION=$KUBERNETES_VERSION
ETCD_VERSION=$ETCD_VERSION
KUBE_APISERVER_BIN=$KUBE_APISERVER_BIN
ETCD_BIN=$ETCD_BIN
ETCD_PID=$ETCD_PID
APISERVER_PID=$APISERVER_PID
WATCHDOG_PID=$WATCHDOG_PID
PARENT_PID=$PARENT_PID
START_TO_READY_MS=$READY_MS
EOF
mv -f "$DIR/env.tmp" "$DIR/env"
cp_log "kube-apiserver $KUBERNETES_VERSION + etcd $ETCD_VERSION ready at $API_URL in ${READY_MS} ms" \
       "(pids $APISERVER_PID/$ETCD_PID, env: $DIR/env)"
cat "$DIR/env"
