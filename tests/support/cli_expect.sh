# Sourced by the CLI test scripts: a scratch dir (removed on exit), a failure
# flag, and `expect STATUS PATTERN -- command...` which runs the command and
# checks its exit status and that its output matches the regex PATTERN.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {
  local want=$1 pattern=$2; shift 3
  "$@" </dev/null >"$tmp/out" 2>&1; local got=$?
  if [ "$got" -ne "$want" ] || ! grep -qE "$pattern" "$tmp/out"; then
    echo "FAIL: [$*] exit $got (want $want), pattern '$pattern'"; sed 's/^/  | /' "$tmp/out" | head -20
    fail=1
  else
    echo "ok: $* -> $got"
  fi
}
