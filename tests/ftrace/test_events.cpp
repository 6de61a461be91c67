// One hand-written fixture per mapped event kind.
#include <catch2/catch.hpp>

#include "import_text.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim::trace;
using ftrace::test::import_text;
using ftrace::test::line;

TEST_CASE("irq_vectors entry and exit events become IrqEntry and IrqExit", "[unit][ftrace]") {
  auto r = import_text(line(1, "10.000001", "call_function_single_entry", "vector=251") +
                       line(1, "10.000002", "call_function_single_exit", "vector=251") +
                       line(2, "10.000003", "call_function_entry", "vector=252") +
                       line(2, "10.000004", "call_function_exit", "vector=252") +
                       line(3, "10.000005", "reschedule_entry", "vector=253") +
                       line(3, "10.000006", "reschedule_exit", "vector=253"));
  const auto& recs = r.trace.records;
  REQUIRE(recs.size() == 6);
  CHECK(recs[0] == IrqEntry{.cpu = 1, .vector = 251}.to_record());
  CHECK(recs[1] == IrqExit{.time = 1000, .cpu = 1, .vector = 251}.to_record());
  CHECK(recs[2] == IrqEntry{.time = 2000, .cpu = 2, .vector = 252}.to_record());
  CHECK(recs[5] == IrqExit{.time = 5000, .cpu = 3, .vector = 253}.to_record());
  CHECK(r.trace.cpu_count == 4);
  CHECK(r.events_imported == 6);
  CHECK(r.trace.ghz == 1.0);
}

TEST_CASE("ipi_send_cpu and ipi_send_cpumask become IpiSend with a mask table", "[unit][ftrace]") {
  auto r = import_text(
      line(0, "1.000000", "ipi_send_cpu",
           "cpu=3 callsite=generic_exec_single+0x4c/0x70 "
           "callback=generic_smp_call_function_single_interrupt+0x0/0x20") +
      line(0, "1.000001", "ipi_send_cpumask",
           "cpumask=1-3 callsite=smp_call_function_many_cond+0x2f0/0x330 "
           "callback=generic_smp_call_function_single_interrupt+0x0/0x20") +
      line(0, "1.000002", "ipi_send_cpumask",
           "cpumask=0000000e callsite=x+0x0/0x1 "
           "callback=generic_smp_call_function_single_interrupt+0x0/0x20") +
      line(1, "1.000003", "ipi_send_cpu", "cpu=2 callsite=resched_curr+0x5c/0xd0 callback=0x0"));
  const auto& recs = r.trace.records;
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].kind == Kind::IpiSend);
  const auto send = IpiSend::from(recs[0]);
  CHECK(send.target == 3);
  CHECK_FALSE(send.target_is_mask);
  CHECK(send.vector == 251);
  CHECK(send.how == SendHow::Unicast);
  const auto to_mask = IpiSend::from(recs[1]);
  CHECK(to_mask.vector == 252);
  CHECK(to_mask.target_is_mask);  // mask id 0, flagged as a mask (trace format)
  CHECK(to_mask.target == 0);
  CHECK(IpiSend::from(recs[2]).target_is_mask);
  CHECK(IpiSend::from(recs[2]).target == 0);  // "1-3" and hex "e" are the same mask
  REQUIRE(r.trace.masks.size() == 1);
  CHECK(r.trace.masks[0] == std::vector<std::uint64_t>{0xe});
  CHECK(IpiSend::from(recs[3]).vector == 253);  // NULL callback: a reschedule IPI
  CHECK(r.trace.cpu_count == 4);
}

TEST_CASE("csd events become CsdQueue and FuncEntry/FuncExit with dense ids", "[unit][ftrace]") {
  auto r = import_text(
      line(0, "2.000000", "csd_queue_cpu",
           "cpu=1 callsite=smp_call_function_single+0xe5/0x1b0 func=do_sync_core "
           "csd=00000000a1b2c3d4") +
      line(1, "2.000010", "csd_function_entry", "func=do_sync_core, csd=00000000a1b2c3d4") +
      line(1, "2.000020", "csd_function_exit", "func=do_sync_core, csd=00000000a1b2c3d4") +
      line(2, "2.000030", "csd_queue_cpu",
           "cpu=3 callsite=ttwu_queue_wakelist+0x1/0x2 func=sched_ttwu_pending csd=ffff8880aa") +
      line(0, "2.000040", "csd_function_entry",
           "func=nmi_cpu_backtrace_ipi, csd=0000000000000000"));
  const auto& recs = r.trace.records;
  REQUIRE(recs.size() == 5);
  CHECK(recs[0] == CsdQueue{.target = 1, .type = CsdType::Async}.to_record());
  // Linked to the csd's enqueue; no call queued it and the event has no
  // SYNC/ASYNC, so the csd's default type (ASYNC) gives the flush pass.
  CHECK(recs[1] ==
        FuncEntry{.time = 10000, .cpu = 1, .func = 0, .csd = 0, .site = FuncSite::FlushAsync}
            .to_record());
  CHECK(recs[2] == FuncExit{.time = 20000, .cpu = 1, .func = 0, .csd = 0}.to_record());
  CHECK(CsdQueue::from(recs[3]).csd == 1);  // second csd pointer -> id 1
  CHECK(CsdQueue::from(recs[3]).type == CsdType::Ttwu);
  const auto local = FuncEntry::from(recs[4]);
  CHECK(local.func == 2);  // third function
  CHECK(local.csd == kNone);
  CHECK(local.local);  // csd=NULL: run locally
  CHECK(local.site == FuncSite::Local);
  CHECK(r.trace.functions ==
        std::vector<std::string>{"do_sync_core", "sched_ttwu_pending", "nmi_cpu_backtrace_ipi"});
}

TEST_CASE("sched_wake_idle_without_ipi becomes IpiElided", "[unit][ftrace]") {
  auto r = import_text(line(0, "3.5", "sched_wake_idle_without_ipi", "cpu=2"));
  REQUIRE(r.trace.records.size() == 1);
  CHECK(r.trace.records[0] == IpiElided{.target = 2}.to_record());
  CHECK(r.trace.cpu_count == 3);
}

TEST_CASE("kprobes on senders become XcallIssue, XcallReturn and IpiSend", "[unit][ftrace]") {
  auto r = import_text(
      line(0, "5.000000", "p_smp_call_function_single_0",
           "(smp_call_function_single+0x0/0x130) cpu=1 func=ipi_rseq+0x0/0x30 wait=1") +
      line(0, "5.000001", "send_single", "(native_send_call_func_single_ipi+0x0/0x20) cpu=1") +
      line(1, "5.000002", "call_function_single_entry", "vector=251") +
      line(0, "5.000003", "scf_single_ret",
           "(membarrier_private_expedited+0x220/0x260 <- smp_call_function_single) ret=0") +
      line(0, "5.000004", "scf_many",
           "(smp_call_function_many_cond+0x0/0x330) mask=0xf func=flush_tlb_func+0x0/0x1f0 "
           "flags=3") +
      line(0, "5.000005", "send_mask", "(native_send_call_func_ipi+0x0/0x40) mask=0xe") +
      line(0, "5.000006", "scf_many_ret",
           "(on_each_cpu_cond_mask+0x20/0x40 <- smp_call_function_many_cond)") +
      line(2, "5.000007", "flush", "(__flush_smp_call_function_queue+0x0/0x250)") +
      line(2, "5.000008", "p_generic_exec_single_0", "(generic_exec_single+0x0/0x90)"));
  const auto& recs = r.trace.records;
  REQUIRE(recs.size() == 12);
  // wait=1 and SCF_WAIT (flags bit 0) both mean SYNC: b = CSD_TYPE_SYNC.
  CHECK(recs[0] ==
        XcallIssue{.call = 1, .api = Api::CallFunctionSingle, .flags = 0x10, .target = 1, .func = 0}
            .to_record());
  // No enqueue event: the single path's csd is inferred, its queue empty
  // because the call sent an IPI to cpu 1 (SEMANTICS 10); it is placed at
  // that IPI, where the llist_add is (after the csd_lock wait).
  CHECK(recs[1] == CsdQueue{.time = 1000,
                            .call = 1,
                            .target = 1,
                            .csd = kNone,
                            .type = CsdType::Sync,
                            .queue_was_empty = true,
                            .inferred = true}
                       .to_record());
  CHECK(recs[2] ==
        IpiSend{.time = 1000, .call = 1, .target = 1, .vector = 251, .how = SendHow::Unicast}
            .to_record());
  CHECK(recs[3].call == 0);  // the receiving side cannot be tied to a call without csd events
  CHECK(recs[4] ==
        XcallReturn{.time = 3000, .call = 1, .api = Api::CallFunctionSingle}.to_record());
  // flags=3: SCF_WAIT | SCF_RUN_LOCAL, i.e. an on_each_cpu call (SEMANTICS 16).
  CHECK(recs[5] == XcallIssue{.time = 4000,
                              .call = 2,
                              .api = Api::OnEachCpuCondMask,
                              .flags = 0x10,
                              .target_is_mask = true,
                              .func = 1}
                       .to_record());
  for (std::uint32_t t = 1; t <= 3; ++t) {  // mask 0xf minus self; each IPI'd
    const auto q = CsdQueue::from(recs[5 + t]);
    CHECK(q.target == t);
    CHECK(q.time == 5000);  // at the call's send_mask
    CHECK(q.call == 2);
    CHECK(q.inferred);
    CHECK(q.queue_was_empty);
  }
  CHECK(recs[9] == IpiSend{.time = 5000,
                           .call = 2,
                           .target = 1,
                           .target_is_mask = true,
                           .vector = 252,
                           .how = SendHow::Unknown}
                       .to_record());
  CHECK(recs[10] ==
        XcallReturn{.time = 6000, .call = 2, .api = Api::OnEachCpuCondMask}.to_record());
  CHECK(recs[11] == FlushBegin{.time = 7000, .cpu = 2, .entries = kNone}.to_record());
  CHECK(r.trace.masks == std::vector<std::vector<std::uint64_t>>{{0xf}, {0xe}});
  CHECK(r.counted_only.at("generic_exec_single") == 1);  // no cpu= fetched: nothing to record
  CHECK(r.inferred_enqueues == 4);
  CHECK(r.unknown_lines_skipped == 0);
}

TEST_CASE("csd functions belong to the call that queued the csd", "[unit][ftrace]") {
  auto r = import_text(
      line(0, "1.0", "scf_single", "(smp_call_function_single+0x0/0x1) cpu=1 func=f wait=1") +
      line(0, "1.1", "csd_queue_cpu", "cpu=1 callsite=x func=f csd=00000000000000aa") +
      line(0, "1.2", "ipi_send_cpu", "cpu=1 callsite=x callback=0x1") +
      line(1, "1.3", "csd_function_entry", "func=f, csd=00000000000000aa") +
      line(1, "1.4", "csd_function_exit", "func=f, csd=00000000000000aa") +
      line(0, "1.5", "scf_single_ret", "(x+0x1/0x2 <- smp_call_function_single) ret=0"));
  for (const auto& rec : r.trace.records) CHECK(rec.call == 1);
  CHECK(IpiSend::from(r.trace.records[2]).vector == 0);  // an unknown callback: vector not known
}

TEST_CASE("an empty cpumask is kept as an empty set the format can carry", "[unit][ftrace]") {
  auto r = import_text(
      line(0, "1.0", "ipi_send_cpumask", "cpumask=00000000 callsite=x+0x0/0x1 callback=y+0x0/0x1") +
      line(1, "1.1", "reschedule_entry", "vector=253"));
  REQUIRE(r.trace.masks.size() == 1);
  CHECK(r.trace.masks[0] == std::vector<std::uint64_t>{0});
  CHECK_NOTHROW(read_trace_from_memory(encode_trace(r.trace, TraceHeader{})));
}

TEST_CASE("smp_call_function_many_cond's scf_flags: SCF_WAIT (bit 0) means SYNC",
          "[unit][ftrace]") {
  // kernel/smp.c: SCF_WAIT = 1, SCF_RUN_LOCAL = 2. A probe may print the
  // argument as scf_flags= (its name in the kernel) or flags=, in hex or not.
  const auto flags_of = [](const std::string& arg) {
    const auto r = import_text(line(0, "5.000004", "scf_many",
                                    "(smp_call_function_many_cond+0x0/0x330) mask=0xf "
                                    "func=flush_tlb_func+0x0/0x1f0 " +
                                        arg));
    REQUIRE(r.trace.records.size() == 1);
    XcallIssue issue;
    REQUIRE(as(r.trace.records[0], issue));
    return issue.flags;
  };
  CHECK(flags_of("scf_flags=0x3") == 0x10);  // wait + run local: SYNC
  CHECK(flags_of("scf_flags=0x1") == 0x10);
  CHECK(flags_of("scf_flags=0x2") == 0x00);  // run local only: ASYNC
  CHECK(flags_of("scf_flags=0") == 0x00);
  CHECK(flags_of("flags=3") == 0x10);
  CHECK(flags_of("wait=1") == 0x10);
  CHECK(flags_of("wait=0") == 0x00);
}
