#!/usr/bin/env bash
# Shows that the chaos suite can fail: builds a copy of the service whose leader gate is patched to fire whenever
# the replica believes it leads (no claim check, no renew deadline: no fencing), runs chaos scenarios against it,
# and succeeds only if the suite reports slots executed twice.
#
#   test-tools/chaos/broken-gate.sh                       # zombie and partition against the mock API server
#   CHAOS_API=real CHAOS_SCENARIOS=zombie test-tools/chaos/broken-gate.sh
#
# Reports land in target/chaos-broken/. The working tree's tracked files are copied as they are (uncommitted
# edits included); the copy is deleted afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
api=${CHAOS_API:-mock}
scenarios=${CHAOS_SCENARIOS:-zombie,partition}
work=$(mktemp -d "${TMPDIR:-/tmp}/leasecron-broken-gate.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
git ls-files -z | xargs -0 cp --parents -t "$work"
elector="$work/src/main/java/io/leasecron/leader/LeaderElector.java"
anchor='            long silent = clock.nanoTime() - lastRenewSentNanos;'
if ! grep -qF "$anchor" "$elector"; then
    echo "broken-gate: the gate in LeaderElector.authorise has changed; update the anchor line in $0" >&2
    exit 2
fi
python3 - "$elector" "$anchor" <<'PY'
import sys
path, anchor = sys.argv[1], sys.argv[2]
src = open(path).read()
broken = "            if (Boolean.parseBoolean(\"true\")) { // BROKEN ON PURPOSE: no renew deadline, no claim\n" \
         "                return new Decision.Fire(term);\n            }\n"
open(path, "w").write(src.replace(anchor, broken + anchor, 1))
PY
echo "broken-gate: building the broken copy in $work" >&2
(cd "$work" && ./mvnw -B -q -DskipTests package)

echo "broken-gate: running chaos scenarios $scenarios against the $api API server" >&2
set +e
./mvnw -B verify -Pchaos -Dchaos.api="$api" -Dchaos.scenarios="$scenarios" -Dchaos.suite=short \
    -Dchaos.jar="$work/target/quarkus-app/quarkus-run.jar" -Dchaos.reports=target/chaos-broken > target/chaos-broken.log 2>&1
suite=$?
set -e
cat target/chaos-broken/summary.txt 2>/dev/null || true
if [ "$suite" -eq 0 ]; then
    echo "broken-gate: FAIL: the suite passed against a build without fencing; it cannot see double fires" >&2
    exit 1
fi
doubles=$(grep -c 'executed twice' target/chaos-broken/summary.txt || true)
if [ "$doubles" -eq 0 ]; then
    echo "broken-gate: FAIL: the suite failed (exit $suite) but reported no slot executed twice; see target/chaos-broken.log" >&2
    exit 1
fi
echo "broken-gate: OK: the suite failed against the broken build and reported slots executed twice ($doubles lines above)"
