#!/usr/bin/env bash
# Shows that the chaos suite can fail: builds a copy of the service with its protection against double fires
# patched out, runs chaos scenarios against it, and succeeds only if the suite reports slots executed twice.
#
#   BREAK=fencing (default): the gate fires whenever the replica believes it leads (no claim, no renew-deadline
#       check), the elector does not step down at the renew deadline, and a leader ignores what its Lease watch
#       says, so a leader that was frozen believes it still leads when it wakes up, until its next renewal fails
#       (what a leader elector without a local deadline does).
#   BREAK=gate: the gate always says fire, on every replica, leader or not.
#
#   test-tools/chaos/broken-gate.sh                       # zombie against the mock API server
#   CHAOS_API=real CHAOS_SCENARIOS=zombie,partition BREAK=gate test-tools/chaos/broken-gate.sh
#
# Reports land in target/chaos-broken/. The working tree's tracked files are copied as they are (uncommitted
# edits included); the copy is deleted afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
api=${CHAOS_API:-mock}
scenarios=${CHAOS_SCENARIOS:-zombie}
mode=${BREAK:-fencing}
work=$(mktemp -d "${TMPDIR:-/tmp}/leasecron-broken-gate.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
git ls-files -z | xargs -0 cp --parents -t "$work"
elector="$work/src/main/java/io/leasecron/leader/LeaderElector.java"
python3 - "$elector" "$mode" <<'PY'
import sys
path, mode = sys.argv[1], sys.argv[2]
src = open(path).read()
def patch(anchor, replacement):
    global src
    if src.count(anchor) != 1:
        sys.exit("broken-gate: LeaderElector.java has changed; update the anchor in broken-gate.sh: " + anchor.strip())
    src = src.replace(anchor, replacement, 1)
fire = "if (Boolean.parseBoolean(\"true\")) { return new Decision.Fire(term); } // BROKEN ON PURPOSE\n"
if mode == "fencing":
    patch("            long silent = clock.nanoTime() - lastRenewSentNanos;\n",
          "            " + fire + "            long silent = clock.nanoTime() - lastRenewSentNanos;\n")
    patch("            if (n - lastRenewSentNanos >= renewDeadlineNanos) {\n",
          "            if (Boolean.parseBoolean(\"false\")) { // BROKEN ON PURPOSE: no step-down at the renew deadline\n")
    patch("    void watched(Optional<LeaseRecord> r) {\n",
          "    void watched(Optional<LeaseRecord> r) {\n        if (leading) { return; } // BROKEN ON PURPOSE: a leader learns of a takeover only when it renews\n")
elif mode == "gate":
    patch("    public Decision authorise(Instant slot) {\n",
          "    public Decision authorise(Instant slot) {\n        " + fire)
else:
    sys.exit("broken-gate: BREAK must be fencing or gate, not " + mode)
open(path, "w").write(src)
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
