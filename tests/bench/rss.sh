#!/usr/bin/env bash
# Usage: rss.sh XCALLSIM CONFIGS_DIR [COUNTS...]  (a benchmark, not a test)
# Peak resident memory of `run` for N SYNC ping-pong calls (CPU 0 -> CPU 1)
# with and without --trace, and of `export --perfetto` on each trace up to
# EXPORT_MAX calls (default 10^6; the 10^7 trace is 6 GB, its JSON 14 GB):
# flat in N means records stream instead of piling up (docs/performance.md).
set -eu
x=$1 configs=$2; shift 2
counts=${*:-100000 1000000 10000000}
tmp=$(mktemp -d "${RSS_TMP:-/tmp}/xcallsim-rss-XXXXXX"); trap 'rm -rf "$tmp"' EXIT
rss() { /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null 2>&1; cat "$tmp/rss"; }
printf '%-10s %14s %14s %16s %12s\n' calls "run KiB" "run -t KiB" "export -p KiB" "trace MiB"
for n in $counts; do
  cat > "$tmp/s.toml" <<TOML
name = "rss-$n"
functions = [ { name = "f", cycles = 100 } ]
[[cpu]]
cpus = "0"
program = [ { op = "repeat", count = $n, body = [ { op = "xcall", target = 1, func = "f", flags = "sync" } ] } ]
TOML
  plain=$(rss "$x" run -q -m "$configs/machines/default.toml" -s "$tmp/s.toml")
  traced=$(rss "$x" run -q -m "$configs/machines/default.toml" -s "$tmp/s.toml" -t "$tmp/t.xtr")
  exported=-
  [ "$n" -le "${EXPORT_MAX:-1000000}" ] && exported=$(rss "$x" export -q "$tmp/t.xtr" --perfetto "$tmp/t.json")
  printf '%-10s %14s %14s %16s %12s\n' "$n" "$plain" "$traced" "$exported" \
    "$(( $(stat -c %s "$tmp/t.xtr") / 1048576 ))"
  rm -f "$tmp/t.xtr" "$tmp/t.json"
done
