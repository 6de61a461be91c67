#!/bin/bash
# Every fixture's committed counts (<name>.counts) are what count.awk reads from
# it now: the numbers tests/ftrace/test_linux_fixtures.cpp expects come from the
# script, never from a hand edit. Regenerate: awk -f count.awk F F > F.counts
set -u
here=$(cd "$(dirname "$0")" && pwd)
fail=0 n=0
for f in "$here"/fixtures/*.txt; do
  c=${f%.txt}.counts
  n=$((n + 1))
  if [ ! -f "$c" ]; then echo "FAIL: $(basename "$c") missing"; fail=1; continue; fi
  if diff -u "$c" <(awk -f "$here/count.awk" "$f" "$f"); then echo "ok: $(basename "$f")"
  else echo "FAIL: $(basename "$c") differs from count.awk's output"; fail=1; fi
done
[ "$n" -ge 3 ] || { echo "FAIL: only $n fixtures"; fail=1; }
exit $fail
