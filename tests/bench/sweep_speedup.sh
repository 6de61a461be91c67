#!/usr/bin/env bash
# Usage: sweep_speedup.sh XCALLSIM SPEC [REPS]  (a benchmark, not a test)
# Wall time of one sweep with 1 and 2 worker threads, and with 1 and 2 MPI
# ranks (when xcallsim has MPI), median of REPS (default 3), and the
# speed-ups as ratios inside this one run (docs/performance.md).
set -eu
x=$1 spec=$2 reps=${3:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() {  # command... -> median seconds
  for _ in $(seq "$reps"); do
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN {print e - s}'
  done | median
}
j1=$(time_of "$x" sweep "$spec" -o "$tmp/a.csv" -q -j 1)
j2=$(time_of "$x" sweep "$spec" -o "$tmp/b.csv" -q -j 2)
cmp -s "$tmp/a.csv" "$tmp/b.csv" || echo "WARNING: -j 2 output differs"
printf 'threads: 1 worker %.2f s, 2 workers %.2f s, speed-up %.2fx\n' "$j1" "$j2" "$(awk -v a="$j1" -v b="$j2" 'BEGIN {print a / b}')"
if "$x" --version | grep -q "MPI ranks: yes" && command -v mpirun >/dev/null; then
  r1=$(time_of mpirun -n 1 "$x" sweep "$spec" -o "$tmp/c.csv" -q)
  r2=$(time_of mpirun --oversubscribe -n 2 "$x" sweep "$spec" -o "$tmp/d.csv" -q)
  cmp -s "$tmp/a.csv" "$tmp/d.csv" || echo "WARNING: 2-rank output differs"
  printf 'MPI: 1 rank %.2f s, 2 ranks %.2f s, speed-up %.2fx\n' "$r1" "$r2" "$(awk -v a="$r1" -v b="$r2" 'BEGIN {print a / b}')"
fi
