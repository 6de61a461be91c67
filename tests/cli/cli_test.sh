#!/usr/bin/env bash
# Usage: cli_test.sh XCALLSIM CONFIGS_DIR. Checks the documented exit statuses
# (0 ok, 1 violations, 2 bad input, 3 failed run) and that each error message
# names its file and place.
set -u
x=$1 configs=$2
source "$(dirname "$0")/../support/cli_expect.sh"
m=$configs/machines/default.toml
s=$configs/scenarios/default.toml

expect 0 "smp_xcall_mask +SYNC" -- "$x" run -m "$m" -s "$s" -t "$tmp/a.xtr"
expect 0 "verify: OK" -- "$x" replay "$tmp/a.xtr"
expect 0 "wrote" -- "$x" export "$tmp/a.xtr" --perfetto "$tmp/a.json"
expect 0 "latency CDF" -- "$x" export "$tmp/a.xtr" --latency-plot "$tmp/a.png"
[ "$(head -c 4 "$tmp/a.png" | od -An -tx1 | tr -d ' ')" = "89504e47" ] || { echo "FAIL: plot is not a PNG"; fail=1; }
expect 0 "<svg" -- sh -c "'$x' export '$tmp/a.xtr' --latency-plot '$tmp/a.svg' && cat '$tmp/a.svg'"
expect 2 "nothing to do" -- "$x" export "$tmp/a.xtr"

printf 'name = "x"\n[clock]\nghz = 2.0\n[topology]\nsockets = 0\n' > "$tmp/bad.toml"
expect 2 "bad.toml:[0-9]+:[0-9]+: error" -- "$x" run -m "$tmp/bad.toml" -s "$s"
printf 'name = "x"\nfunctions = []\n[[cpu]]\ncpus = "0"\nprogram = [ { op = "nope" } ]\n' > "$tmp/bad_s.toml"
expect 2 "bad_s.toml:5:[0-9]+: error" -- "$x" run -m "$m" -s "$tmp/bad_s.toml"
printf 'not a trace at all, definitely longer than a header.......................' > "$tmp/junk.xtr"
expect 2 "junk.xtr: byte 0: error" -- "$x" replay "$tmp/junk.xtr"
head -c 100 "$tmp/a.xtr" > "$tmp/cut.xtr"
expect 2 "cut.xtr: byte [0-9]+: error" -- "$x" replay "$tmp/cut.xtr"
expect 2 "profile" -- "$x" run -m "$m" -s "$s" -p bogus
expect 0 "^xcallsim [0-9]+\.[0-9]+\.[0-9]+" -- "$x" --version
expect 2 "unknown verb 'frobnicate'.*run, " -- "$x" frobnicate
expect 2 "bogus-option" -- "$x" run -m "$m" -s "$s" --bogus-option

# A CPU that keeps IRQs off past the stuck timeout: csd_lock_wait_toolong report, exit 3.
cat > "$tmp/stuck.toml" <<'TOML'
name = "stuck"
functions = [ { name = "f", cycles = 10 } ]
[[cpu]]
cpus = "0"
program = [ { op = "xcall", target = 1, func = "f", flags = "sync" } ]
[[cpu]]
cpus = "1"
program = [ { op = "irq_off", body = [ { op = "compute", cycles = 100000000 } ] } ]
TOML
expect 3 "non-responsive CSD lock" -- "$x" run -m "$m" -s "$tmp/stuck.toml" --stuck-timeout-ms 1

# A zero-time loop (repeat of compute 0) stops with a stall report, exit 3, not a hang.
cat > "$tmp/livelock.toml" <<'TOML'
name = "livelock"
functions = [ { name = "f", cycles = 10 } ]
[[cpu]]
cpus = "0"
program = [ { op = "repeat", count = 4000000000, body = [ { op = "compute", cycles = 0 } ] } ]
TOML
expect 3 "the run stalled: 100000 platform operations" -- "$x" run -m "$m" -s "$tmp/livelock.toml" --stall-steps 100000 -t "$tmp/live.xtr"
expect 0 "incomplete" -- "$x" replay "$tmp/live.xtr"

# Outputs never overwrite inputs (same path, hard link or symlink): exit 2, input intact.
cp "$m" "$tmp/m.toml"; ln "$tmp/m.toml" "$tmp/m-link.toml"; before=$(md5sum < "$tmp/m.toml")
expect 2 "is the input" -- "$x" run -m "$tmp/m.toml" -s "$s" --trace "$tmp/m.toml"
expect 2 "is the input" -- "$x" run -m "$tmp/m.toml" -s "$s" --trace "$tmp/m-link.toml"
[ "$(md5sum < "$tmp/m.toml")" = "$before" ] || { echo "FAIL: the machine config was overwritten"; fail=1; }
expect 2 "not a regular file|Not a regular file" -- "$x" run -m /dev/zero -s "$s"
expect 2 "stuck-timeout-ms" -- "$x" run -m "$m" -s "$s" --stuck-timeout-ms nan
expect 2 "stuck-timeout-ms" -- "$x" run -m "$m" -s "$s" --stuck-timeout-ms inf
# More CPUs than the simulator models: refused at [topology] (not an internal error).
sed -e 's/^cores_per_socket = .*/cores_per_socket = 1024/' -e 's/^mode = "xapic"/mode = "x2apic"/' "$m" > "$tmp/big.toml"
expect 2 "big.toml:[0-9]+:[0-9]+: error: the topology has [0-9]+ logical CPUs, more than the simulator's 1024" -- "$x" run -m "$tmp/big.toml" -s "$s"
expect 2 "not a directory" -- "$x" scaling -m "$m" --out-dir "$m"
# A relative --out-dir (as the default `docs` is): the plot is drawn there.
if command -v gnuplot > /dev/null; then
  expect 0 "wrote .*scaling.png" -- sh -c "cd '$tmp' && '$x' scaling -m '$m' --out-dir rel"
  [ -s "$tmp/rel/scaling.png" ] || { echo "FAIL: scaling drew no PNG in a relative --out-dir"; fail=1; }
fi

# SIGINT mid-run: a one-line message, exit 130, and a partial trace marked incomplete that replays.
cat > "$tmp/long.toml" <<'TOML'
name = "long"
functions = [ { name = "f", cycles = 10 } ]
[[cpu]]
cpus = "0"
program = [ { op = "repeat", count = 4000000000, body = [ { op = "xcall", target = 1, func = "f", flags = "sync" } ] } ]
TOML
"$x" run -m "$m" -s "$tmp/long.toml" -t "$tmp/long.xtr" >"$tmp/long.out" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -s "$tmp/long.xtr" ] && break; sleep 0.1; done
sleep 0.5; kill -INT $pid; wait $pid; rc=$?
if [ $rc -eq 130 ] && grep -q "interrupted by SIGINT (Ctrl-C)" "$tmp/long.out"; then echo "ok: SIGINT -> 130"
else echo "FAIL: SIGINT gave exit $rc"; cat "$tmp/long.out"; fail=1; fi
expect 0 "incomplete" -- "$x" replay "$tmp/long.xtr" --no-verify
expect 0 "still in flight where the trace was cut \(interrupted by SIGINT\)" -- "$x" replay "$tmp/long.xtr"
if grep -q $'\r' "$tmp/long.out"; then echo "FAIL: a progress line reached a non-terminal stderr"; fail=1; fi

# On a terminal (script(1) gives it one) a run past a second shows its progress
# line; --quiet hides it.
progress_of() {
  script -qec "timeout -s INT 4 '$x' run $* -m '$m' -s '$tmp/long.toml'" /dev/null > "$tmp/tty.out" 2>&1
}
progress_of
if grep -q "run: .* us simulated, [0-9]* calls" "$tmp/tty.out"; then echo "ok: progress line on a terminal"
else echo "FAIL: no progress line on a terminal"; cat -v "$tmp/tty.out" | tail -5; fail=1; fi
progress_of --quiet
if grep -q "us simulated" "$tmp/tty.out"; then echo "FAIL: --quiet still drew progress"; fail=1
else echo "ok: --quiet hides the progress line"; fi

# Each kind of library warning is shown once, with its count and where it first happened.
cat > "$tmp/warn.toml" <<'TOML'
name = "warn"
functions = [ { name = "f", cycles = 10 } ]
[[cpu]]
cpus = "0"
program = [ { op = "compute", cycles = 500 },
            { op = "irq_off", body = [ { op = "xcall", target = 1, func = "f", flags = "sync" },
                                       { op = "xcall", target = 2, func = "f", flags = "sync" } ] } ]
TOML
expect 0 "warnings: 2" -- "$x" run -m "$m" -s "$tmp/warn.toml"
expect 0 "^  irqs-disabled-lockdep x2: first at 500 cycles on CPU 0, call #1" -- "$x" run -m "$m" -s "$tmp/warn.toml"
head -c 17000000 /dev/zero | tr '\0' '#' > "$tmp/huge.toml"
expect 2 "huge.toml: error: the file is larger than 16 MiB" -- "$x" run -m "$tmp/huge.toml" -s "$s"

# import-ftrace: a raw-counter capture with no rate is refused with the fix;
# --window keeps only the marked stretch.
{
  echo "# tracer: nop"
  echo "      bash-1  [000] d.h1.  11694740863: reschedule_entry: vector=253"
  echo "      bash-1  [000] d.h1.  11694741863: reschedule_exit: vector=253"
} > "$tmp/tsc.txt"
expect 2 "tsc.txt:2: .*raw counter ticks.*fix: pass --tsc-ghz" -- "$x" import-ftrace "$tmp/tsc.txt" -o "$tmp/tsc.xtr"
expect 0 "wrote" -- "$x" import-ftrace "$tmp/tsc.txt" -o "$tmp/tsc.xtr" --tsc-ghz 2.6
{
  echo "      bash-1  [000] d.h1.  1.000000: reschedule_entry: vector=253"
  echo "      bash-1  [000] .....  1.000001: tracing_mark_write: go"
  echo "      bash-1  [000] d.h1.  1.000002: call_function_entry: vector=252"
  echo "      bash-1  [000] d.h1.  1.000003: call_function_exit: vector=252"
  echo "      bash-1  [000] .....  1.000004: tracing_mark_write: stop"
  echo "      bash-1  [000] d.h1.  1.000005: reschedule_exit: vector=253"
} > "$tmp/win.txt"
expect 0 "window: 2 lines outside it skipped; 2 trace_marker lines" -- "$x" import-ftrace "$tmp/win.txt" -o "$tmp/win.xtr" --window go stop

# Every hand-made ftrace fixture (each event source, both text formats)
# imports and replays clean, with what verify checked; a malformed probe line
# is refused naming file:line and the fix; a SYNC return moved before its
# callback is a violation (exit 1).
for f in "$(dirname "$0")"/../ftrace/fixtures/*.txt; do
  n=$(basename "$f" .txt)
  expect 0 "call layer: " -- "$x" import-ftrace "$f" -o "$tmp/$n.xtr"
  expect 0 "verify: checked returns on 4 calls" -- "$x" replay "$tmp/$n.xtr"
done
expect 0 "verify: OK" -- "$x" replay "$tmp/csd-ipi-6.5.trace.xtr"
sed 's/1200.000120: r_smp_call_function_single_0/1200.000105: r_smp_call_function_single_0/' \
  "$(dirname "$0")/../ftrace/fixtures/csd-ipi-6.5.trace.txt" > "$tmp/early.txt"
expect 0 "wrote" -- "$x" import-ftrace "$tmp/early.txt" -o "$tmp/early.xtr"
expect 1 "sync-returned-early: SYNC call returned before its function finished on cpu1" -- "$x" replay "$tmp/early.xtr"
echo "      bash-1  [000] .....  1.000000: p_smp_call_function_single_0: (smp_call_function_single+0x0/0x1) cpu=x" > "$tmp/badprobe.txt"
expect 2 "badprobe.txt:1: malformed .*cpu=<unsigned integer>.*; fix: " -- "$x" import-ftrace "$tmp/badprobe.txt" -o "$tmp/badprobe.xtr"

# Fixed fuzz findings stay fixed: re-timing each is never an internal error.
for f in "$(dirname "$0")"/../fuzz/findings/*.xtr; do
  "$x" replay "$f" --machine "$configs/machines/qemu.toml" >"$tmp/finding.out" 2>&1; rc=$?
  if [ $rc -le 3 ] && ! grep -q "internal error" "$tmp/finding.out"; then echo "ok: $(basename "$f") -> $rc"
  else echo "FAIL: $(basename "$f") -> exit $rc"; tail -3 "$tmp/finding.out"; fail=1; fi
done

[ $fail -eq 0 ] && echo "all CLI checks passed"
exit $fail
