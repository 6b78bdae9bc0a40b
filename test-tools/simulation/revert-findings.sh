#!/usr/bin/env bash
# Shows that the deterministic simulation can fail: for each of the five takeover findings (docs/testing.md,
# "Deterministic simulation"), copies the checkout, puts that one bug back, runs the simulation tier with the CI
# seed budget and prints after how many seeds it failed, and with what.
#
#   test-tools/simulation/revert-findings.sh [finding ...]     (default: 1 2 3 4 5)
#
# Each finding is put back by one small source edit (below); the copy is deleted afterwards. Needs what
# ./mvnw test needs, plus python3. Exit 1 if the simulation misses any of them.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seeds="${SIM_SEEDS:-1000}"
findings=("$@")
[ ${#findings[@]} -gt 0 ] || findings=(1 2 3 4 5)

describe() {
  case "$1" in
    1) echo "a slot fired twice on the new leader (no per-term decision record, recovery planned up to the cursor)" ;;
    2) echo "invisible resends (a request that may have reached the target sent again within its attempt)" ;;
    3) echo "progress ahead of unstarted slots (progress ignores other slots still outstanding)" ;;
    4) echo "recorded as started before it left (hand-off when the request is handed to the client)" ;;
    5) echo "elector spin (a claim found landed on the Lease does not resolve the waiting batch, which keeps the elector due)" ;;
  esac
}

# Puts finding $1 back into the copy in $2: replaces one exact piece of source, or fails if it is not there.
revert() {
  python3 - "$1" "$2" <<'PY'
import sys
finding, copy = sys.argv[1], sys.argv[2]
edits = {
  "1": [("src/main/java/io/leasecron/engine/Admission.java",
         "    private boolean repeated(SlotKey key, Candidate c) {\n",
         "    private boolean repeated(SlotKey key, Candidate c) {\n        if (c != null) {\n            return false;\n        }\n"),
        ("src/main/java/io/leasecron/engine/JobTable.java",
         "                through = reg.recoverableThrough;\n",
         "                through = reg.cursor;\n")],
  "2": [("src/main/java/io/leasecron/execution/HttpActionRunner.java",
         "!f.mayHaveReached() && resendsLeft > 0", "resendsLeft > 0")],
  "3": [("src/main/java/io/leasecron/engine/Progress.java",
         "        if (!outstanding.isEmpty() && outstanding.firstKey().isBefore(limit)) {\n            limit = outstanding.firstKey();\n        }\n",
         "")],
  "4": [("src/main/java/io/leasecron/execution/HttpActionRunner.java",
         "            exchanges.add(exchange);\n",
         "            exchanges.add(exchange);\n            handedOff.complete(null);\n")],
  "5": [("src/main/java/io/leasecron/leader/Election.java",
         "                ledger = ledger.landed(mine);\n                claimSettled(fx);\n",
         "                ledger = ledger.landed(mine);\n"),
        ("src/main/java/io/leasecron/leader/Election.java",
         "            if (ledger.claimPending() || ledger.progressPending()) {\n",
         "            if (ledger.wanted() != null || ledger.progressPending()) {\n")],
}
for path, old, new in edits[finding]:
    p = copy + "/" + path
    s = open(p).read()
    if s.count(old) != 1:
        sys.exit("finding %s: the code to revert is no longer in %s; update this script" % (finding, path))
    open(p, "w").write(s.replace(old, new))
PY
}

missed=0
printf '%-3s %-10s %s\n' "#" "seeds" "first violation"
for f in "${findings[@]}"; do
  copy="$(mktemp -d)"
  (cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$copy")
  cp -r "$root/.mvn" "$copy/" 2>/dev/null || true
  revert "$f" "$copy"
  out="$(cd "$copy" && ./mvnw -B -q test -Dtest=SimulationTest -Dsim.seeds="$seeds" 2>&1 || true)"
  line="$(grep -m1 -E '^seed [0-9]+ failed' <<<"$out" || true)"
  if [ -n "$line" ]; then
    seed="$(sed -E 's/^seed ([0-9]+) failed.*/\1/' <<<"$line")"
    printf '%-3s %-10s %s\n' "$f" "$seed" "$(sed -E 's/^seed [0-9]+ failed after [0-9]+ steps: //' <<<"$line" | cut -c1-160)"
  else
    printf '%-3s %-10s %s\n' "$f" "none" "NOT FOUND in $seeds seeds: $(describe "$f")"
    grep -m3 -E 'ERROR|simulation:' <<<"$out" >&2 || true
    missed=1
  fi
  rm -rf "$copy"
done
exit "$missed"
