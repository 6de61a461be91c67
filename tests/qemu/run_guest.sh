#!/bin/sh
# Boot the guest under QEMU and check it: run_guest.sh GUEST_ELF NCPU OUTDIR [CMDLINE]
# Passes iff QEMU exits with status 33 (guest wrote 0x10 to isa-debug-exit),
# the console says RESULT: OK and every CPU 0..NCPU-1 printed "cpu K up".
# With EXPECT_STATUS=S (failure-path self-tests) it passes iff the status is
# S and every CPU came up. SMP_SPEC overrides the -smp argument (e.g. a
# topology with sparse APIC IDs); NCPU is still the CPU count to expect.
# Exit 77 (CTest skip) if QEMU or qboot is missing. Other statuses: 35 failed
# check, 37 CPU exception, 39 guest panic, 0 triple fault (-no-reboot),
# 1 QEMU error, 124 timeout (QEMU killed).
set -u
elf=$1 ncpu=$2 out=$3 cmdline=${4:-}
qemu=${QEMU:-qemu-system-x86_64}
bios=${QBOOT:-/usr/share/qemu/qboot.rom}
limit=${GUEST_TIMEOUT:-30}

command -v "$qemu" >/dev/null 2>&1 || { echo "SKIP: $qemu not found"; exit 77; }
[ -r "$bios" ] || { echo "SKIP: $bios not found"; exit 77; }
[ -r "$elf" ] || { echo "FAIL: guest image $elf missing"; exit 1; }

mkdir -p "$out"
log=$out/debugcon.log
rm -f "$log"
start=$(date +%s%N)
# --kill-after: QEMU gets SIGTERM at the limit and SIGKILL 5 s later, so no
# QEMU process outlives the test.
timeout --kill-after=5 "$limit" "$qemu" -machine pc -smp "${SMP_SPEC:-$ncpu}" -m 128 -display none \
  -nodefaults -no-reboot -bios "$bios" -kernel "$elf" -append "$cmdline" \
  -debugcon "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  >"$out/qemu.out" 2>&1
status=$?
end=$(date +%s%N)
echo "qemu -smp ${SMP_SPEC:-$ncpu}: exit status $status, wall $(( (end - start) / 1000000 )) ms"
cat "$log" 2>/dev/null
cat "$out/qemu.out"

fail=0
k=0
while [ "$k" -lt "$ncpu" ]; do
  grep -q "^cpu $k up" "$log" 2>/dev/null || { echo "FAIL: cpu $k never came up"; fail=1; }
  k=$((k + 1))
done
if [ -n "${EXPECT_STATUS:-}" ]; then
  [ "$status" = "$EXPECT_STATUS" ] || { echo "FAIL: status $status, want $EXPECT_STATUS"; fail=1; }
  exit $fail
fi
case $status in
  33) ;;
  35) echo "FAIL: guest check failed (status 35)"; fail=1 ;;
  37) echo "FAIL: guest CPU exception (status 37)"; fail=1 ;;
  39) echo "FAIL: guest panic (status 39)"; fail=1 ;;
  0) echo "FAIL: triple fault (status 0 under -no-reboot)"; fail=1 ;;
  124 | 137) echo "FAIL: timeout after ${limit}s"; fail=1 ;;
  *) echo "FAIL: QEMU exit status $status"; fail=1 ;;
esac
grep -q '^RESULT: OK' "$log" 2>/dev/null || { echo "FAIL: no 'RESULT: OK' on the console"; fail=1; }
exit $fail
