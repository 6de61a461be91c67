// The sample trace of sample.hpp.
#include "sample.hpp"

namespace xcallsim::test {

using trace::Kind;

trace::Record head_only(std::uint64_t time, Kind kind, std::uint16_t cpu, std::uint32_t call) {
  trace::Record r;
  r.time = time;
  r.kind = kind;
  r.cpu = cpu;
  r.call = call;
  return r;
}

trace::Trace sample_trace() {
  trace::Trace t;
  t.cpu_count = 4;
  t.ghz = 2.0;
  t.functions = {"flush_tlb_func", "do_sync_core"};
  t.masks = {{0b0110}};
  t.records = {
      trace::XcallIssue{.time = 10,
                        .call = 1,
                        .api = trace::Api::Mask,
                        .flags = 0x10,
                        .target_is_mask = true,
                        .func = 0}
          .to_record(),
      trace::CsdLock{.time = 12, .call = 1, .csd = 1}.to_record(),
      trace::CsdQueue{.time = 14,
                      .call = 1,
                      .target = 1,
                      .csd = 1,
                      .type = trace::CsdType::Sync,
                      .queue_was_empty = true}
          .to_record(),
      trace::CsdLock{.time = 15, .call = 1, .csd = 2}.to_record(),
      trace::CsdQueue{.time = 16,
                      .call = 1,
                      .target = 2,
                      .csd = 2,
                      .type = trace::CsdType::Sync,
                      .queue_was_empty = true}
          .to_record(),
      trace::IpiSend{.time = 20,
                     .call = 1,
                     .target_is_mask = true,
                     .vector = 0xfc,
                     .how = trace::SendHow::PerCpuLoop,
                     .icr_writes = 2}
          .to_record(),
      trace::LockWaitBegin{.time = 22, .call = 1, .csd = 1, .target = 1}.to_record(),
      trace::IpiDeliver{.time = 30, .cpu = 1, .vector = 0xfc}.to_record(),
      trace::IpiDeliver{.time = 31, .cpu = 2, .vector = 0xfc}.to_record(),
      trace::IrqEntry{.time = 32, .cpu = 1, .vector = 0xfc}.to_record(),
      trace::IrqEntry{.time = 33, .cpu = 2, .vector = 0xfc}.to_record(),
      trace::Eoi{.time = 34, .cpu = 1, .vector = 0xfc}.to_record(),
      trace::FlushBegin{.time = 34, .cpu = 1, .entries = 1, .source = trace::FlushSource::Interrupt}
          .to_record(),
      trace::FuncEntry{
          .time = 35, .cpu = 1, .call = 1, .func = 0, .csd = 1, .site = trace::FuncSite::FlushSync}
          .to_record(),
      trace::FlushBegin{.time = 36, .cpu = 2, .entries = 1, .source = trace::FlushSource::Interrupt}
          .to_record(),
      trace::FuncEntry{
          .time = 36, .cpu = 2, .call = 1, .func = 0, .csd = 2, .site = trace::FuncSite::FlushSync}
          .to_record(),
      trace::FuncExit{.time = 40, .cpu = 1, .call = 1, .func = 0, .csd = 1}.to_record(),
      trace::CsdUnlock{.time = 41, .cpu = 1, .call = 1, .csd = 1, .was_locked = true}.to_record(),
      trace::FlushEnd{.time = 42, .cpu = 1, .entries = 1, .source = trace::FlushSource::Interrupt}
          .to_record(),
      trace::IrqExit{.time = 42, .cpu = 1, .vector = 0xfc}.to_record(),
      trace::FuncExit{.time = 43, .cpu = 2, .call = 1, .func = 0, .csd = 2}.to_record(),
      trace::CsdUnlock{.time = 43, .cpu = 2, .call = 1, .csd = 2, .was_locked = true}.to_record(),
      trace::FlushEnd{.time = 44, .cpu = 2, .entries = 1, .source = trace::FlushSource::Interrupt}
          .to_record(),
      trace::IrqExit{.time = 44, .cpu = 2, .vector = 0xfc}.to_record(),
      trace::LockWaitEnd{.time = 45, .call = 1, .csd = 1, .target = 1}.to_record(),
      trace::LockWaitBegin{.time = 46, .call = 1, .csd = 2, .target = 2}.to_record(),
      trace::LockWaitEnd{.time = 46, .call = 1, .csd = 2, .target = 2}.to_record(),
      trace::XcallReturn{.time = 50, .call = 1, .api = trace::Api::Mask}.to_record(),
      trace::XcallIssue{
          .time = 60, .cpu = 3, .call = 2, .api = trace::Api::Single, .target = 1, .func = 1}
          .to_record(),
      trace::CsdQueue{.time = 61,
                      .cpu = 3,
                      .call = 2,
                      .target = 1,
                      .csd = 30,
                      .type = trace::CsdType::Async,
                      .queue_was_empty = true}
          .to_record(),
      trace::IpiSend{.time = 62,
                     .cpu = 3,
                     .call = 2,
                     .target = 1,
                     .vector = 0xfb,
                     .how = trace::SendHow::Unicast,
                     .icr_writes = 1}
          .to_record(),
      trace::XcallReturn{.time = 63, .cpu = 3, .call = 2, .api = trace::Api::Single}.to_record(),
      trace::XcallIssue{
          .time = 64, .cpu = 3, .call = 3, .api = trace::Api::Single, .target = 1, .func = 1}
          .to_record(),
      trace::CsdQueue{
          .time = 65, .cpu = 3, .call = 3, .target = 1, .csd = 31, .type = trace::CsdType::Async}
          .to_record(),
      trace::XcallReturn{.time = 66, .cpu = 3, .call = 3, .api = trace::Api::Single}.to_record(),
      trace::IpiDeliver{.time = 70, .cpu = 1, .vector = 0xfb, .sender = 3}.to_record(),
      trace::IrqEntry{.time = 71, .cpu = 1, .vector = 0xfb}.to_record(),
      trace::FlushBegin{.time = 71, .cpu = 1, .entries = 2, .source = trace::FlushSource::Interrupt}
          .to_record(),
      trace::CsdUnlock{.time = 72, .cpu = 1, .call = 2, .csd = 30, .was_locked = true}.to_record(),
      trace::FuncEntry{.time = 72,
                       .cpu = 1,
                       .call = 2,
                       .func = 1,
                       .csd = 30,
                       .site = trace::FuncSite::FlushAsync}
          .to_record(),
      trace::FuncExit{.time = 73, .cpu = 1, .call = 2, .func = 1, .csd = 30}.to_record(),
      trace::CsdUnlock{.time = 74, .cpu = 1, .call = 3, .csd = 31, .was_locked = true}.to_record(),
      trace::FuncEntry{.time = 74,
                       .cpu = 1,
                       .call = 3,
                       .func = 1,
                       .csd = 31,
                       .site = trace::FuncSite::FlushAsync}
          .to_record(),
      trace::FuncExit{.time = 75, .cpu = 1, .call = 3, .func = 1, .csd = 31}.to_record(),
      trace::FlushEnd{.time = 76, .cpu = 1, .entries = 2, .source = trace::FlushSource::Interrupt}
          .to_record(),
      trace::IrqExit{.time = 76, .cpu = 1, .vector = 0xfb}.to_record(),
      trace::ProgramEnd{.time = 80}.to_record(),
      trace::ProgramEnd{.time = 80, .cpu = 1}.to_record(),
      trace::ProgramEnd{.time = 80, .cpu = 2}.to_record(),
      trace::ProgramEnd{.time = 80, .cpu = 3}.to_record(),
  };
  return t;
}

}  // namespace xcallsim::test
