#!/bin/bash
# Capture a real Linux ftrace fixture of cross-CPU calls (not part of the test suite: slow).
#
# Boots Debian's own linux-image-amd64 under QEMU TCG (-smp 4, 512 MiB) with a busybox
# initramfs whose /init enables the x86 irq_vectors call_function* / reschedule events,
# sched_wake_idle_without_ipi, ipi:* and csd:* when the kernel has them (6.4+ / 6.5+), and
# kprobe events on the sending functions; runs xcall_load (xcall_load.c) and writes the trace
# text to a second serial port. The result is trimmed to a window and written to
# tests/linux/fixtures/<name>.txt.
#
# Recipes: "basic" (the senders, as above) and "full", which adds kprobes on
# smp_call_function_single_async (func read from the csd), the cond argument of
# smp_call_function_many_cond (%r8), the enqueue helpers generic_exec_single and
# __smp_call_single_queue (with the csd's u_flags), send_call_function_single_ipi
# (called only when the llist_add found the queue empty), and the callbacks
# xcall_load makes run (flush_tlb_func, ipi_mb, ipi_rseq, do_sync_core,
# nohz_csd_func, each with a kretprobe); xcall_load then also runs its wake-burst
# and static-key phases. The probe definitions and kprobe_profile (hits and
# misses per probe) are copied into the fixture's header.
#
# Usage: tests/linux/capture.sh [name] [rounds] [recipe]   (default: linux-6.1-smp4, 20, basic)
# Env:   KEEP_BYTES (fixture size cap, default 190000), QEMU_TIMEOUT (s, default 600),
#        IDLE_POLL=1 (boot with idle=poll: idle CPUs poll, so wakeups skip the IPI)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-linux-6.1-smp4}
rounds=${2:-20}
recipe=${3:-basic}
case $recipe in basic | full) ;; *) echo "capture: unknown recipe $recipe" >&2; exit 2 ;; esac
append_extra=""
[ "${IDLE_POLL:-0}" = 1 ] && append_extra=" idle=poll"
keep_bytes=${KEEP_BYTES:-190000}
qemu_timeout=${QEMU_TIMEOUT:-600}

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 || need+=(busybox-static)
ls /boot/vmlinuz-* >/dev/null 2>&1 || need+=(linux-image-amd64)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "capture: installing ${need[*]}" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi
kernel=$(ls /boot/vmlinuz-* | sort -V | tail -n 1)
echo "capture: kernel $kernel" >&2

work=$(mktemp -d)
trap 'cp "$work/console.txt" /tmp/xcallsim-capture-console.txt 2>/dev/null; rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$root/bin/busybox"
for applet in sh mount cat echo stty grep head uname sleep poweroff dmesg sync; do
  ln -s busybox "$root/bin/$applet"
done
gcc -static -O2 -pthread -o "$root/bin/xcall_load" "$here/xcall_load.c"

cat >"$root/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
T=/sys/kernel/tracing
echo 0 > \$T/tracing_on
echo x86-tsc > \$T/trace_clock
echo 2048 > \$T/buffer_size_kb
# kprobe events on the senders (6.1 has no ipi:/csd: tracepoints); x86-64 argument registers.
add() { echo "\$1" >> \$T/kprobe_events 2>/dev/null || echo "# xcallsim-capture: kprobe failed: \$1" >> /tmp/notes; }
add 'p:xcallsim/scf_single smp_call_function_single cpu=%di:s32 func=%si:symbol wait=%cx:s32'
add 'r:xcallsim/scf_single_ret smp_call_function_single ret=\$retval:s32'
if [ $recipe = full ]; then
  add 'p:xcallsim/scf_many smp_call_function_many_cond mask=+0(%di):x64 func=%si:symbol scf_flags=%cx:u32 cond=%r8:symbol'
else
  add 'p:xcallsim/scf_many smp_call_function_many_cond mask=+0(%di):x64 func=%si:symbol flags=%cx:u32'
fi
add 'r:xcallsim/scf_many_ret smp_call_function_many_cond'
add 'p:xcallsim/send_single native_send_call_func_single_ipi cpu=%di:s32'
add 'p:xcallsim/send_mask native_send_call_func_ipi mask=+0(%di):x64'
add 'p:xcallsim/flush __flush_smp_call_function_queue'
if [ $recipe = full ]; then
  add 'p:xcallsim/scf_async smp_call_function_single_async cpu=%di:s32 csd=%si:x64 func=+16(%si):symbol'
  # Debian's 6.1 build inlines __smp_call_single_queue into generic_exec_single:
  # its probe sees the TTWU wakelist only, so the single path is probed here.
  add 'p:xcallsim/exec generic_exec_single cpu=%di:s32 csd=%si:x64 flags=+8(%si):u32 func=+16(%si):symbol'
  add 'p:xcallsim/queue __smp_call_single_queue cpu=%di:s32 node=%si:x64 flags=+8(%si):u32'
  add 'p:xcallsim/intent send_call_function_single_ipi cpu=%di:s32'
  for cb in flush_tlb_func ipi_mb ipi_rseq do_sync_core nohz_csd_func; do
    add "p:xcallsim/\$cb \$cb"
    add "r:xcallsim/\${cb}_ret \$cb"
  done
fi
for ev in xcallsim irq_vectors/call_function_entry irq_vectors/call_function_exit \
    irq_vectors/call_function_single_entry irq_vectors/call_function_single_exit \
    irq_vectors/reschedule_entry irq_vectors/reschedule_exit sched/sched_wake_idle_without_ipi \
    ipi/ipi_send_cpu ipi/ipi_send_cpumask csd/csd_queue_cpu csd/csd_function_entry \
    csd/csd_function_exit; do
  [ -e \$T/events/\$ev/enable ] && echo 1 > \$T/events/\$ev/enable
done
echo > \$T/trace
echo 1 > \$T/tracing_on
/bin/xcall_load $rounds $recipe
echo 0 > \$T/tracing_on
stty -F /dev/ttyS1 raw -echo 2>/dev/null
{
  echo "# xcallsim-capture: kernel \$(uname -r) smp=4 qemu-tcg"
  mhz=\$(dmesg | grep -o 'tsc: Detected [0-9.]* MHz' | head -n 1 | grep -o '[0-9.]*')
  echo "# xcallsim-clock: x86-tsc tsc_mhz=\$mhz"
  echo "# xcallsim-capture: recipe $recipe rounds $rounds cmdline \$(cat /proc/cmdline)"
  while read -r def; do echo "# xcallsim-probe: \$def"; done < \$T/kprobe_events
  [ -e /tmp/notes ] && cat /tmp/notes
  # hits and misses per probe: a probe that fires while another runs on its CPU is missed
  while read -r ev hits misses; do
    echo "# xcallsim-kprobe-profile: \$ev hits=\$hits misses=\$misses"
  done < \$T/kprobe_profile
  cat \$T/trace
  echo "# xcallsim-capture: end"
} > /dev/ttyS1
sync
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

out=$work/serial1.txt
echo "capture: booting (TCG, -smp 4); console log kept in /tmp/xcallsim-capture-console.txt" >&2
timeout "$qemu_timeout" qemu-system-x86_64 -accel tcg -smp 4 -m 512M -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 tsc=reliable trace_clock=x86-tsc quiet panic=-1$append_extra" \
  -serial "file:$work/console.txt" -serial "file:$out" -monitor none || true
if ! grep -q '^# xcallsim-capture: end' "$out"; then
  echo "capture: no complete trace on ttyS1; console tail:" >&2
  tail -n 30 "$work/console.txt" >&2
  exit 1
fi
tr -d '\r' <"$out" >"$work/full.txt"
full_bytes=$(wc -c <"$work/full.txt")
dest=$here/fixtures/$name.txt
mkdir -p "$here/fixtures"
# Trim: keep every header comment, then event lines from the start while under keep_bytes.
awk -v cap="$keep_bytes" '/^#/ && !started { print; n += length($0) + 1; next }
  { started = 1; n += length($0) + 1; if (n > cap) exit; print }' "$work/full.txt" >"$dest"
echo "capture: full trace $full_bytes bytes, fixture $(wc -c <"$dest") bytes -> $dest" >&2
