#!/usr/bin/env bash
# Usage: sweep_cli.sh XCALLSIM CONFIGS_DIR. `xcallsim sweep`: the same CSV
# bytes with 1 and 2 workers; --resume after a killed sweep completes it with
# the same bytes; a failing point is reported and the others still run.
set -u
x=$1 configs=$(realpath "$2")
source "$(dirname "$0")/../support/cli_expect.sh"
spec=$configs/sweeps/fanout-modes.toml

expect 0 "wrote .*a.csv \(48 points\)" -- "$x" sweep "$spec" -o "$tmp/a.csv" -j 1 -q
expect 0 "wrote .*b.csv \(48 points\)" -- "$x" sweep "$spec" -o "$tmp/b.csv" -j 2 -q
cmp -s "$tmp/a.csv" "$tmp/b.csv" && echo "ok: --jobs 1 and 2 give the same bytes" || { echo "FAIL: -j1 != -j2"; fail=1; }

# Over MPI ranks (when built with Open MPI): the same bytes as one process.
# Ranks talk through shared memory (btl self,vader): one host, no network, and
# no lock-order report from Open MPI's TCP transport under ThreadSanitizer.
if "$x" --version | grep -q "MPI ranks: yes" && command -v mpirun >/dev/null; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
  # Open MPI's runtime allocates at MPI_Init and never frees (from plugins it
  # dlcloses, so LeakSanitizer cannot even name them): no leak check for this
  # one run under ASan. Every other sweep here runs the same code but the
  # transport with the leak check on.
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
    expect 0 "spread over 2 MPI ranks" -- mpirun --oversubscribe --mca btl self,vader -n 2 \
      "$x" sweep "$spec" -o "$tmp/m.csv" -q
  cmp -s "$tmp/a.csv" "$tmp/m.csv" && echo "ok: 2 MPI ranks give the same bytes" || { echo "FAIL: MPI output differs"; fail=1; }
else
  echo "FAIL: xcallsim was built without MPI or mpirun is missing (configs/debian-packages.txt has both)"; fail=1
fi

# A sweep killed mid-run (SIGKILL: no chance to clean up), then resumed.
"$x" sweep "$spec" -o "$tmp/c.csv" -j 1 -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ "$( (wc -l < "$tmp/c.csv") 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.02; done
kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
head -c 700 "$tmp/a.csv" > "$tmp/d.csv"  # and one cut mid-line
for f in c d; do
  expect 0 "wrote" -- "$x" sweep "$spec" -o "$tmp/$f.csv" --resume -q
  cmp -s "$tmp/a.csv" "$tmp/$f.csv" && echo "ok: resumed $f.csv is the same bytes" || { echo "FAIL: resumed $f.csv differs"; fail=1; }
done
sed 's/^machine,/MACHINE,/' "$tmp/a.csv" > "$tmp/e.csv"
expect 2 "header is not this sweep's columns" -- "$x" sweep "$spec" -o "$tmp/e.csv" --resume

# One point cannot run (xAPIC on a machine with APIC IDs above 0xFE): it fails
# alone, named with its parameters; exit 3.
sed -e 's/^cores_per_socket = .*/cores_per_socket = 128/' -e 's/^mode = "xapic"/mode = "x2apic"/' \
  "$configs/machines/default.toml" > "$tmp/big.toml"
cat > "$tmp/s.toml" <<TOML
name = "two"
machines = ["$configs/machines/default.toml", "$tmp/big.toml"]
scenarios = ["$configs/scenarios/ping-pong.toml"]
send_modes = ["xapic-physical"]
[[column]]
metric = "calls"
TOML
expect 3 "point 2 \(big.toml, ping-pong.toml, scenario, xapic-physical, scenario\) failed" -- "$x" sweep "$tmp/s.toml" -o "$tmp/f.csv" -q
grep -q "^default.toml,ping-pong.toml,scenario,xapic-physical,scenario,ok,200$" "$tmp/f.csv" \
  && echo "ok: the other point ran" || { echo "FAIL: the good point is missing"; cat "$tmp/f.csv"; fail=1; }
printf 'name = "x"\nmachines = []\n' > "$tmp/s2.toml"
expect 2 "s2.toml:2:[0-9]+: error: .*empty" -- "$x" sweep "$tmp/s2.toml"
expect 2 "is the input" -- "$x" sweep "$tmp/s.toml" -o "$tmp/s.toml"

[ $fail -eq 0 ] && echo "all sweep checks passed"
exit $fail
