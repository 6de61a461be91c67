#!/usr/bin/env bash
# Usage: retime_cli.sh XCALLSIM CONFIGS_DIR. `replay --machine`: a run's trace
# re-timed on its own machine is the same file; the options' exit statuses.
set -u
x=$1 configs=$2
source "$(dirname "$0")/../support/cli_expect.sh"
same() {  # same A B LABEL
  if cmp -s "$1" "$2"; then echo "ok: $3 is byte-identical"; else echo "FAIL: $3 differs"; fail=1; fi
}
m=$configs/machines/default.toml

for s in default seed-vs-upstream priority-mix; do
  for p in seed upstream; do
    expect 0 "calls:" -- "$x" run -m "$m" -s "$configs/scenarios/$s.toml" -p "$p" -t "$tmp/a.xtr"
    expect 0 "exact workload, profile $p" -- "$x" replay "$tmp/a.xtr" -m "$m" -o "$tmp/b.xtr"
    same "$tmp/a.xtr" "$tmp/b.xtr" "$s/$p re-timed on its machine"
  done
done

# Runs that fail re-time to the same bytes too: a stuck csd lock wait (exit 3,
# the options travel in WorkloadInfo) and a time limit (given again).
cat >"$tmp/stuck.toml" <<'TOML'
name = "stuck"
functions = [{ name = "f", cycles = 100 }]
[[cpu]]
cpus = "0"
program = [{ op = "compute", cycles = 1000 }, { op = "xcall", target = 1, func = "f", flags = "sync" }]
[[cpu]]
cpus = "1"
program = [{ op = "irq_off", body = [{ op = "compute", cycles = 100000000 }] }]
TOML
expect 3 "non-responsive CSD lock" -- \
  "$x" run -m "$m" -s "$tmp/stuck.toml" --stuck-timeout-ms 0.01 -t "$tmp/s1.xtr"
expect 3 "non-responsive CSD lock" -- "$x" replay "$tmp/s1.xtr" -m "$m" -o "$tmp/s2.xtr"
same "$tmp/s1.xtr" "$tmp/s2.xtr" "a stuck run re-timed"
expect 3 "time limit" -- "$x" run -m "$m" -s "$tmp/stuck.toml" --time-limit 50000 -t "$tmp/t1.xtr"
expect 3 "did not complete" -- "$x" replay "$tmp/t1.xtr" -m "$m" --time-limit 50000 -o "$tmp/t2.xtr"
same "$tmp/t1.xtr" "$tmp/t2.xtr" "a time-limited run re-timed with its limit"

expect 0 "calls:" -- "$x" run -m "$m" -s "$configs/scenarios/default.toml" -t "$tmp/a.xtr"
expect 0 "smp_xcall SYNC +100/100 .* 1\.00x" -- "$x" replay "$tmp/a.xtr" -m "$m" --compare
expect 0 "profile seed" -- "$x" replay "$tmp/a.xtr" -m "$m" -p seed
# A 4-CPU machine cannot run a 48-CPU trace.
sed -e 's/^sockets = 2 .*/sockets = 1/' -e 's/^cores_per_socket = 12 .*/cores_per_socket = 2/' \
  "$m" >"$tmp/small.toml"
expect 2 "a.xtr: error: the trace has 48 CPUs but machine .* has 4; fix:" -- \
  "$x" replay "$tmp/a.xtr" -m "$tmp/small.toml"
expect 2 "requires|needs" -- "$x" replay "$tmp/a.xtr" -o "$tmp/c.xtr"
expect 2 "requires|needs" -- "$x" replay "$tmp/a.xtr" --compare
expect 2 "nonsense not in" -- "$x" replay "$tmp/a.xtr" -m "$m" -p nonsense
printf 'junk' >"$tmp/junk.xtr"
expect 2 "junk.xtr: byte 0: error" -- "$x" replay "$tmp/junk.xtr" -m "$m"
exit $fail
