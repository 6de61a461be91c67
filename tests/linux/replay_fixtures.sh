#!/bin/bash
# Every real capture imports and replays with exit 0 (verify clean), whole and
# in each window between two of xcall_load's phase markers, and re-times on the
# default machine (replay --machine) with exit 0.
# Usage: replay_fixtures.sh XCALLSIM CONFIGS_DIR
set -u
x=$1 configs=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
run() {  # expected-status label command...
  local want=$1 label=$2
  shift 2
  "$@" >"$tmp/out" 2>&1
  local rc=$?
  if [ "$rc" = "$want" ]; then echo "ok: $label"
  else echo "FAIL: $label -> exit $rc (want $want)"; tail -5 "$tmp/out"; fail=1; fi
}
for f in "$here"/fixtures/*.txt; do
  n=$(basename "$f" .txt)
  run 0 "$n: import" "$x" import-ftrace "$f" -o "$tmp/$n.xtr"
  run 0 "$n: replay" "$x" replay "$tmp/$n.xtr"
  grep -q "^verify: OK" "$tmp/out" || { echo "FAIL: $n: no 'verify: OK'"; fail=1; }
  run 0 "$n: replay --machine default" "$x" replay "$tmp/$n.xtr" --machine "$configs/machines/default.toml"
  # The phases xcall_load marked, each window from one marker to the next.
  mapfile -t phases < <(sed -n 's/.*tracing_mark_write: phase \([a-z-]*\).*/\1/p' "$f")
  for ((i = 0; i + 1 < ${#phases[@]}; ++i)); do
    a=${phases[i]} b=${phases[i + 1]}
    run 0 "$n: window $a" "$x" import-ftrace "$f" -o "$tmp/$n-$a.xtr" --window "phase $a\$" "phase $b\$"
    run 0 "$n: replay window $a" "$x" replay "$tmp/$n-$a.xtr"
  done
done
exit $fail
