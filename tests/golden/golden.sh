#!/usr/bin/env bash
# Usage: golden.sh XCALLSIM CONFIGS_DIR BASELINES_DIR
# Approved outputs: every shipped scenario on each hardware and KVM preset, both
# profiles on the default machine; for each, the `run` summary, the trace's
# SHA-256 and the `replay` verdict are diffed verbatim against
# BASELINES_DIR/<machine>--<scenario>--<profile>.txt.
# Regenerate after a deliberate change (docs/testing.md "Golden outputs"):
#   XCALLSIM_UPDATE_GOLDEN=1 ctest --preset dev -R golden_outputs
# then review `git diff tests/golden/baselines` and say why in the commit.
set -u
x=$(realpath "$1") configs=$(realpath "$2") baselines=$(realpath "$3")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 failed=0 checked=0
golden() {  # machine scenario profile
  local m=$1 s=$2 p=$3
  local name
  name="$(basename "$m" .toml)--$(basename "$s" .toml)--$p"
  {
    echo "# xcallsim run -m $(basename "$m") -s $(basename "$s") -p $p"
    (cd "$tmp" && "$x" run -q -m "$m" -s "$s" -p "$p" -t "$tmp/t.xtr" 2>&1; echo "exit $?")
    echo "# trace sha256"
    sha256sum < "$tmp/t.xtr" | cut -d' ' -f1
    echo "# xcallsim replay (last line)"
    "$x" replay "$tmp/t.xtr" 2>&1 | tail -n 1
  } > "$tmp/got.txt"
  checked=$((checked + 1))
  if [ "${XCALLSIM_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$tmp/got.txt" "$baselines/$name.txt"
  elif ! diff -u "$baselines/$name.txt" "$tmp/got.txt" > "$tmp/diff"; then
    echo "FAIL: $name differs from its approved output:"; head -40 "$tmp/diff"; fail=1; failed=$((failed + 1))
  fi
}
for s in "$configs"/scenarios/*.toml; do
  case $(basename "$s") in qemu-*) m=$configs/machines/qemu.toml ;; *) m=$configs/machines/default.toml ;; esac
  golden "$m" "$s" seed
  golden "$m" "$s" upstream
done
for m in "$configs"/machines/intel-*.toml "$configs"/machines/amd-*.toml "$configs"/machines/kvm/*.toml; do
  golden "$m" "$configs/scenarios/default.toml" seed
  golden "$m" "$configs/scenarios/fan-out.toml" seed
done
echo "golden: $((checked - failed)) passed, $failed failed"
exit $fail
