#!/usr/bin/env bash
# Usage: install_and_use.sh BUILD_DIR EXAMPLE_DIR
set -euo pipefail
build=$1 example=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$example" -B "$tmp/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" -j 2
"$tmp/build/my_scenario_tests"
"$tmp/prefix/bin/xcallsim" run -m "$tmp/prefix/share/xcallsim/configs/machines/default.toml" \
  -s "$tmp/prefix/share/xcallsim/configs/scenarios/default.toml" | head -3
