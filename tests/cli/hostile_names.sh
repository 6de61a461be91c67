#!/usr/bin/env bash
# Usage: hostile_names.sh XCALLSIM CONFIGS_DIR. Names someone else wrote (a
# machine preset, a scenario, a trace header) reach every verb that plots or
# prints; none may run a command (gnuplot's backquotes, system(), a newline
# that starts a new script line) or reach the terminal raw. Each case would
# create $tmp/pwn* if the name were executed.
set -u
x=$1 configs=$2
source "$(dirname "$0")/../support/cli_expect.sh"
pwned() { ls "$tmp"/pwn* >/dev/null 2>&1; }
check_not_pwned() {
  if pwned; then echo "FAIL: $1 executed a name"; ls "$tmp"/pwn*; fail=1; rm -f "$tmp"/pwn*;
  else echo "ok: $1 executed nothing"; fi
}
# Printable but hostile: both gnuplot quote styles, a backquote command,
# system(), a macro, a backslash.
evil="a'b\"c \`touch $tmp/pwn1\` '; system('touch $tmp/pwn2'); print ' @x \\ z"
toml_evil=${evil//\\/\\\\}; toml_evil=${toml_evil//\"/\\\"}  # as a TOML basic string
renamed() { printf 'name = "%s"\n' "$toml_evil"; grep -v '^name = ' "$1"; }

# scaling: the machine name goes into titles and data comments.
renamed "$configs/machines/qemu.toml" > "$tmp/evil-machine.toml"
expect 0 "wrote .*scaling.png" -- "$x" scaling -m "$tmp/evil-machine.toml" --out-dir "$tmp/plot"
check_not_pwned "scaling"
[ -s "$tmp/plot/scaling.png" ] || { echo "FAIL: scaling drew no PNG"; fail=1; }

# run + export --latency-plot: the scenario and machine names become the title.
renamed "$configs/scenarios/ping-pong.toml" > "$tmp/evil-scenario.toml"
expect 0 "calls:" -- "$x" run -m "$tmp/evil-machine.toml" -s "$tmp/evil-scenario.toml" -t "$tmp/evil.xtr"
check_not_pwned "run"
expect 0 "latency CDF" -- "$x" export "$tmp/evil.xtr" --latency-plot "$tmp/evil.svg"
check_not_pwned "export --latency-plot"
grep -q "system(" "$tmp/evil.svg" || { echo "FAIL: the title was not drawn as text"; fail=1; }
expect 0 "verify: OK" -- "$x" replay "$tmp/evil.xtr"
check_not_pwned "replay"

# A newline (or any control character) in a config string is refused where it stands.
sed 's|^name = .*|name = "x\\nsystem(\\"touch PWN\\")"|' "$configs/machines/qemu.toml" > "$tmp/nl.toml"
expect 2 "nl.toml:[0-9]+:[0-9]+: error: .*control character" -- "$x" scaling -m "$tmp/nl.toml" --out-dir "$tmp/p2"
sed 's|^name = .*|name = "x\\u001b[31mred"|' "$configs/scenarios/ping-pong.toml" > "$tmp/esc.toml"
expect 2 "esc.toml:[0-9]+:[0-9]+: error: .*control character" -- "$x" run -m "$configs/machines/qemu.toml" -s "$tmp/esc.toml"
if grep -q $'\x1b' "$tmp/out"; then echo "FAIL: an escape byte reached the terminal"; fail=1; fi

# Output directories the plot script could not hold, or that are files.
expect 2 "control character" -- "$x" scaling -m "$configs/machines/qemu.toml" --out-dir "$tmp/a
system('touch $tmp/pwn3')"
check_not_pwned "scaling --out-dir with a newline"
: > "$tmp/a-file"
expect 2 "not a directory" -- "$x" scaling -m "$configs/machines/qemu.toml" --out-dir "$tmp/a-file"

[ $fail -eq 0 ] && echo "all hostile-name checks passed"
exit $fail
