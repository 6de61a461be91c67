# count.awk: independent counts of the cross-CPU calls in a Linux ftrace text
# capture (tests/linux/capture.sh), read from the raw lines without xcallsim's
# importer, for the tests that compare the importer with them
# (tests/ftrace/test_linux_fixtures.cpp).
#
# Usage: awk -f tests/linux/count.awk FIXTURE FIXTURE > FIXTURE.counts
#        (the file is read twice: pass 1 collects the callback names)
#
# Events are recognised by the kernel function a kprobe names in its body,
# "(smp_call_function_single+0x0/0x..)" or "(caller+0x../0x.. <- symbol)", not
# by the probe's event name. The rules are kernel/smp.c's (Linux 6.1):
#  - a call is a kprobe hit on smp_call_function_single (wait=), _single_async
#    (always ASYNC), or smp_call_function_many_cond (scf_flags= or flags=; bit 0
#    SCF_WAIT = SYNC, bit 1 SCF_RUN_LOCAL); a return is a kretprobe hit on the
#    first two;
#  - callbacks are the probed functions that some call names as its func= (a
#    probe's hits are in the capture only if the function was probed);
#  - a handler entry is an irq_vectors *_entry line; k counts the callback
#    entries on that CPU between a call-function entry (vectors 251, 252) and its
#    exit;
#  - a callback entry is local (run by the caller itself) when it is outside a
#    call-function handler and its CPU has, in the same context, an open call
#    of that func that includes the CPU (a single call to itself, a many call
#    with SCF_RUN_LOCAL); every other callback entry is a remote csd executed;
#  - generic_exec_single(cpu) for another CPU, or __smp_call_single_queue(cpu)
#    (TTWU, or the single path where it is not inlined), is one enqueue; it
#    needed an IPI iff its llist_add found the queue empty, and then
#    send_call_function_single_ipi(cpu) is the next hit on that CPU and context;
#    otherwise the csd rode a pending IPI (an enqueue without an IPI);
#  - the many path's per-target llist_add is inlined: the csds of a many call are
#    the targets (mask minus self) when cond=0, else the targets where its func
#    ran before its return; the targets that got no IPI from it (send_mask,
#    send_call_function_single_ipi, on its CPU and context before its return) are
#    many-call csds without their own IPI. Calls whose set cannot be known (a
#    cond, no callback probe, or no return) are counted as undetermined.
#  - kprobe_misses.whole_capture sums the misses column of kprobe_profile (the
#    whole capture, before trimming), when the capture
#    copied it into its header ("# xcallsim-kprobe-profile:" lines).
# Output: "key value" lines, sorted by key.

function ctx_of(flags, c) {
  c = substr(flags, 3, 1)
  if (c == "h" || c == "H" || c == "z") return "irq"
  if (c == "s") return "soft"
  return "task"
}

function field(body, name, rest, at) {
  at = index(" " body, " " name "=")
  if (at == 0) return ""
  rest = substr(body, at + length(name) + 1)
  sub(/ .*/, "", rest)
  return rest
}

function sym(text) {
  sub(/\+0x.*/, "", text)
  return text
}

function hexval(text, i, c, v) {
  v = 0
  if (text ~ /^0[xX]/) text = substr(text, 3)
  else return text + 0
  text = tolower(text)
  for (i = 1; i <= length(text); ++i) v = v * 16 + index("0123456789abcdef", substr(text, i, 1)) - 1
  return v
}

# bit b (0..52) of v, with integer arithmetic only
function bit(v, b) { return int(v / (2 ^ b)) % 2 }

function is_null(text) { return text == "" || text ~ /^(0x)?0+$/ || text == "(null)" }

function parse(line,   i, n, f) {
  n = split(line, f, " ")
  cpu = -1
  for (i = 1; i <= n; ++i)
    if (f[i] ~ /^\[[0-9]+\]$/) { cpu = substr(f[i], 2, length(f[i]) - 2) + 0; break }
  if (cpu < 0) return 0
  flags = f[i + 1]
  if (flags ~ /:$/) { flags = "...."; ts = f[i + 1]; ev = f[i + 2]; body_from = i + 3 }
  else { ts = f[i + 2]; ev = f[i + 3]; body_from = i + 4 }
  sub(/:$/, "", ts)
  sub(/:$/, "", ev)
  body = ""
  for (i = body_from; i <= n; ++i) body = body (i > body_from ? " " : "") f[i]
  probe = ""
  is_ret = 0
  if (body ~ /^\(/) {
    probe = substr(body, 2)
    sub(/\).*/, "", probe)
    if (probe ~ / <- /) { is_ret = 1; sub(/.* <- /, "", probe) }
    else probe = sym(probe)
    args = body
    sub(/^\([^)]*\) ?/, "", args)
  } else args = body
  return 1
}

FNR == NR {  # pass 1: the callback names, the probed functions
  if ($0 ~ /^# xcallsim-kprobe-profile: /) {
    profiled = 1
    m = $NF
    sub(/^misses=/, "", m)
    misses += m
  }
  if ($0 ~ /^#/) next
  if (!parse($0)) next
  if (probe != "" && !is_ret) probed[probe] = 1
  if (probe ~ /^smp_call_function/ && !is_ret) {
    fn = sym(field(args, "func"))
    if (fn != "" && !is_null(fn) && fn !~ /^0x/) callback[fn] = 1
  }
  next
}

/^#/ { next }

{
  if (!parse($0)) next
  key = cpu SUBSEP ctx_of(flags)
  ctx = ctx_of(flags)

  # Handler entries and exits (irq_vectors).
  if (ev ~ /_entry$/ && args ~ /^vector=/) {
    vec = substr(args, 8) + 0
    ++out["handler_entries.vector_" vec]
    if (vec == 251 || vec == 252) { in_handler[cpu] = 1; ran_in_handler[cpu] = 0 }
    next
  }
  if (ev ~ /_exit$/ && args ~ /^vector=/) {
    vec = substr(args, 8) + 0
    if ((vec == 251 || vec == 252) && in_handler[cpu]) {
      ++out["callbacks_per_handler.k" ran_in_handler[cpu]]
      in_handler[cpu] = 0
    }
    next
  }
  if (ev == "sched_wake_idle_without_ipi") { ++out["ipis_elided"]; last[key] = "elided"; next }
  if (probe == "") next

  # Calls.
  if (!is_ret && (probe == "smp_call_function_single" || probe == "smp_call_function_single_async" ||
                  probe == "smp_call_function_many_cond")) {
    many = probe == "smp_call_function_many_cond"
    if (probe == "smp_call_function_single_async") { ++out["calls.single_async"]; sync = 0 }
    else if (many) {
      ++out["calls.many"]
      sf = field(args, "scf_flags")
      if (sf == "") sf = field(args, "flags")
      sf = hexval(sf)
      sync = bit(sf, 0)
    } else { ++out["calls.single"]; sync = field(args, "wait") + 0 != 0 }
    ++out[sync ? "calls.sync" : "calls.async"]
    if (flags != "" && ctx == "irq") {  # an interrupt's call inside a waiting call of its CPU
      if (depth[cpu SUBSEP "task"] + depth[cpu SUBSEP "soft"] > 0) ++out["calls.nested_in_waiting_call"]
    }
    ++ncall
    c_cpu[ncall] = cpu; c_ctx[ncall] = ctx; c_many[ncall] = many; c_ts[ncall] = ts + 0
    c_func[ncall] = sym(field(args, "func")); c_sync[ncall] = sync; c_ret[ncall] = -1
    c_async[ncall] = probe == "smp_call_function_single_async"
    if (many) {
      m = hexval(field(args, "mask"))
      c_cond[ncall] = index(" " args, " cond=") ? (is_null(field(args, "cond")) ? "absent" : "present") : "unknown"
      c_runlocal[ncall] = bit(sf, 1)
      for (t = 0; t < 53; ++t) c_mask[ncall, t] = bit(m, t)
    } else {
      c_target[ncall] = field(args, "cpu") + 0
    }
    if (!c_async[ncall]) { stack[key, ++depth[key]] = ncall }
    else if (c_target[ncall] == cpu) self_async[key] = ncall
    last[key] = "issue"
    next
  }
  if (is_ret && (probe == "smp_call_function_single" || probe == "smp_call_function_many_cond")) {
    ++out["returns"]
    want = probe == "smp_call_function_many_cond"
    for (d = depth[key]; d > 0; --d) if (c_many[stack[key, d]] == want) break
    if (d > 0) {
      c_ret[stack[key, d]] = ts + 0
      for (; d < depth[key]; ++d) stack[key, d] = stack[key, d + 1]
      --depth[key]
    } else ++out["returns.without_issue"]
    last[key] = "return"
    next
  }

  # IPIs.
  if (probe == "native_send_call_func_single_ipi") { ++out["ipis.vector_251"]; note_ipi(key, field(args, "cpu") + 0, -1); next }
  if (probe == "native_send_call_func_ipi") {
    ++out["ipis.vector_252"]; note_ipi(key, -1, hexval(field(args, "mask"))); next
  }
  if (probe == "send_call_function_single_ipi") {
    t = field(args, "cpu") + 0
    if ((last[key] == "queue" || last[key] == "exec") && last_target[key] == t) queue_ipi[key] = 1
    note_ipi(key, t, -1)
    last[key] = "intent"
    next
  }

  # Enqueues. generic_exec_single(cpu) queues unless cpu is its own (then it
  # runs func itself); a __smp_call_single_queue hit right after it, for the
  # same target, is the same enqueue (where the kernel did not inline it).
  if ((probe == "__smp_call_single_queue" || probe == "generic_exec_single") && !is_ret) {
    t = field(args, "cpu") + 0
    if (probe == "generic_exec_single" && t == cpu) next
    if (probe == "__smp_call_single_queue" && pending_queue[key] && last[key] == "exec" && last_target[key] == t) {
      last[key] = "queue"
      next
    }
    close_queue(key)
    ++out["enqueues.single_path"]
    last[key] = probe == "generic_exec_single" ? "exec" : "queue"
    last_target[key] = t; pending_queue[key] = 1
    queue_ipi[key] = 0
    next
  }

  # Callbacks.
  if (probe in callback) {
    if (is_ret) next
    ++out["callbacks.entries"]
    local = 0
    if (!in_handler[cpu]) {
      for (d = depth[key]; d > 0 && !local; --d) {
        k = stack[key, d]
        if (c_func[k] != probe) continue
        if (c_many[k] ? (c_runlocal[k] && c_mask[k, cpu]) : c_target[k] == cpu) local = 1
      }
      if (!local && self_async[key] != "" && c_func[self_async[key]] == probe) local = 1
      if (local) delete self_async[key]
    }
    if (local) ++out["callbacks.local"]
    else {
      ++out["callbacks.remote"]
      if (in_handler[cpu]) ++ran_in_handler[cpu]
      ++ran_n; ran_cpu[ran_n] = cpu; ran_func[ran_n] = probe; ran_ts[ran_n] = ts + 0
    }
    next
  }
}

# An IPI (or its intent) on key's CPU and context, for the call open there.
function note_ipi(key, target, mask,   d, k, t) {
  close_queue(key)
  d = depth[key]
  if (d == 0) return
  k = stack[key, d]
  if (target >= 0) ipi_to[k, target] = 1
  else for (t = 0; t < 53; ++t) if (bit(mask, t)) ipi_to[k, t] = 1
}

# An enqueue whose next hit was not its IPI intent rode a pending IPI.
function close_queue(key) {
  if (!pending_queue[key]) return
  pending_queue[key] = 0
  if (!queue_ipi[key]) ++out["enqueues.without_ipi"]
}

END {
  n = split("calls.single calls.single_async calls.many calls.sync calls.async returns " \
            "returns.without_issue calls.nested_in_waiting_call ipis.vector_251 ipis.vector_252 " \
            "ipis_elided handler_entries.vector_251 handler_entries.vector_252 " \
            "handler_entries.vector_253 callbacks.entries callbacks.local callbacks.remote " \
            "callbacks_per_handler.k0 enqueues.single_path enqueues.without_ipi many_csds.queued " \
            "many_csds.without_own_ipi many_csds.undetermined_calls", zero, " ")
  for (i = 1; i <= n; ++i) out[zero[i]] += 0
  if (profiled) out["kprobe_misses.whole_capture"] = misses + 0
  for (key in pending_queue) close_queue(key)
  for (k = 1; k <= ncall; ++k) {
    if (!c_many[k]) continue
    absent = c_cond[k] == "absent"
    # Without its return (the capture ends first) or, under a cond, without a
    # callback probe or a wait, the set of queued targets is not in the trace.
    if (c_ret[k] < 0 || (!absent && (!(c_func[k] in probed) || !c_sync[k]))) {
      ++out["many_csds.undetermined_calls"]
      continue
    }
    for (t = 0; t < 53; ++t) {
      if (!c_mask[k, t] || t == c_cpu[k]) continue
      queued = absent
      if (!queued)
        for (r = 1; r <= ran_n && !queued; ++r)
          queued = ran_cpu[r] == t && ran_func[r] == c_func[k] && ran_ts[r] >= c_ts[k] && ran_ts[r] <= c_ret[k]
      if (!queued) continue
      ++out["many_csds.queued"]
      if (!ipi_to[k, t]) ++out["many_csds.without_own_ipi"]
    }
  }
  for (k in out) print k, out[k] | "LC_ALL=C sort"
}
