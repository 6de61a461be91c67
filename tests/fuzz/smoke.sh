#!/usr/bin/env bash
# Fuzz smoke test: builds the libFuzzer targets in a clang build dir (if
# needed), seeds each one, and runs it for a short bounded time. Exits non-zero
# if a target crashes, hangs, leaks or a sanitizer fires (libFuzzer then writes
# the reproducer, crash-*/timeout-*/leak-*, into the artifacts dir).
#
#   tests/fuzz/smoke.sh                      # every target, 20 s each
#   FUZZ_SECONDS=600 tests/fuzz/smoke.sh fuzz_replay
#   FUZZ_RUNS=10000000 tests/fuzz/smoke.sh fuzz_trace_reader   # by count, not time
#
# Environment: FUZZ_BUILD (build dir, default build/fuzz), FUZZ_SECONDS,
# FUZZ_RUNS (if set: -runs instead of -max_total_time), FUZZ_ARGS (more
# libFuzzer flags, e.g. -max_len=4096), FUZZ_JOBS (build jobs, default 1),
# FUZZ_NICE (niceness, default 10). Needs clang and
# libclang-rt (configs/debian-packages.txt). docs/testing.md "Fuzzing".
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$root/build/fuzz}
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-1}
niceness=${FUZZ_NICE:-10}
all=(fuzz_trace_reader fuzz_ftrace_import fuzz_devmodel_request fuzz_machine_config
     fuzz_scenario fuzz_replay)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# Every library is instrumented (coverage + ASan + UBSan).
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined"
flags+=" -fno-omit-frame-pointer"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DXCALLSIM_BENCH=OFF "-DCMAKE_CXX_FLAGS=$flags" >/dev/null
fi
# Only the fuzz targets and the seed writer: the guest cannot take the flags.
nice -n "$niceness" cmake --build "$build" -j "$jobs" --target "${targets[@]}" fuzz_seeds >/dev/null

# Seeds are written afresh per invocation (two may run side by side); each
# target's corpus (what it found) and the reproducers persist in $work.
work=$build/fuzz-work
seeds=$work/seeds.$$
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/trace" "$seeds/machine" "$seeds/scenario" "$seeds/ftrace" "$seeds/devmodel" \
  "$work/artifacts"
ASAN_OPTIONS=detect_stack_use_after_return=0 "$build/tests/fuzz/fuzz_seeds" "$seeds/trace"
cp "$root"/configs/machines/*.toml "$seeds/machine/"
# The guests, with their base laid in by hand (the target resolves no base):
# default.toml plus a [virtualization] of each kind.
for guest in "$root"/configs/machines/validation/kvm-e5-2658-*.toml "$root"/configs/machines/kvm/*.toml; do
  { grep -v '^base = ' "$root"/configs/machines/default.toml | sed '/^overridable = /d'
    sed -n '/^\[virtualization\]/,$p' "$guest"; } > "$seeds/machine/guest-$(basename "$guest")"
done
cp "$root"/configs/scenarios/*.toml "$seeds/scenario/"
# The heads of the ftrace fixtures (small enough to mutate): the basic capture,
# and a full one (callback, enqueue and async probes, kprobe_profile header).
head -c 8000 "$root/tests/linux/fixtures/linux-6.1-smp4.txt" >"$seeds/ftrace/head.txt"
head -c 12000 "$root/tests/linux/fixtures/linux-6.1-smp4-full.txt" >"$seeds/ftrace/head-full.txt"
cp "$root"/tests/ftrace/fixtures/*.txt "$seeds/ftrace/"  # every event source, both text formats
printf '\0' >"$seeds/devmodel/empty"

seeds_of() {
  case $1 in
    fuzz_trace_reader | fuzz_replay) echo trace ;;
    fuzz_ftrace_import) echo ftrace ;;
    fuzz_devmodel_request) echo devmodel ;;
    fuzz_machine_config) echo machine ;;
    fuzz_scenario) echo scenario ;;
    *) echo "unknown target $1" >&2; exit 2 ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
limit=(-max_total_time="$seconds")
[ -z "${FUZZ_RUNS:-}" ] || limit=(-runs="$FUZZ_RUNS")
read -r -a extra <<<"${FUZZ_ARGS:-}"
failed=()
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  mkdir -p "$corpus"
  log=$work/$t.log
  echo "fuzz: $t (${limit[*]}) ..."
  start=$SECONDS
  if nice -n "$niceness" "$build/tests/fuzz/$t" "${limit[@]}" "${extra[@]}" -timeout=20 -rss_limit_mb=2560 \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" "$corpus" \
      "$seeds/$(seeds_of "$t")" >"$log" 2>&1; then
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz: $t OK: $runs runs in $((SECONDS - start)) s"
  else
    echo "fuzz: $t FAILED (log: $log)" >&2
    grep -E 'ERROR|SUMMARY|abort|deadly|not a' "$log" | head -5 >&2 || true
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}; reproducers in $work/artifacts" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} target(s) OK"
