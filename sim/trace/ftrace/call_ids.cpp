// Call-id assignment for imported records (see importer.hpp).
#include <map>

#include "sim/trace/ftrace/importer.hpp"

namespace xcallsim::trace::ftrace::detail {

void assign_call_ids(std::vector<Record>& records) {
  constexpr std::size_t kUnpaired = static_cast<std::size_t>(-1);
  // Pass 1: pair each XcallReturn with the innermost open XcallIssue of the same API on its CPU.
  std::vector<std::size_t> return_of(records.size(), kUnpaired);
  std::map<std::uint16_t, std::vector<std::size_t>> open;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (r.kind == Kind::XcallIssue) open[r.cpu].push_back(i);
    if (r.kind != Kind::XcallReturn) continue;
    auto& stack = open[r.cpu];
    if (!stack.empty() && XcallIssue::from(records[stack.back()]).api == XcallReturn::from(r).api) {
      return_of[stack.back()] = i;
      stack.pop_back();
    }
  }
  // Pass 2: number the calls; records a CPU emits inside a paired issue..return window belong
  // to the innermost call, and a csd's function runs belong to the call that queued it.
  std::uint32_t next = 1;
  std::map<std::uint16_t, std::vector<std::uint32_t>> inside;
  std::map<std::size_t, std::uint32_t> return_call;  // return index -> call id
  std::map<std::uint32_t, std::uint32_t> csd_call;
  for (std::size_t i = 0; i < records.size(); ++i) {
    Record& r = records[i];
    auto& stack = inside[r.cpu];
    switch (r.kind) {
      case Kind::XcallIssue:
        r.call = next++;
        if (return_of[i] != kUnpaired) {
          return_call[return_of[i]] = r.call;
          stack.push_back(r.call);
        }
        break;
      case Kind::XcallReturn:
        if (auto it = return_call.find(i); it != return_call.end()) {
          r.call = it->second;
          if (!stack.empty()) stack.pop_back();
        }
        break;
      case Kind::CsdQueue:
      case Kind::IpiSend:
      case Kind::IpiElided:
        if (!stack.empty()) r.call = stack.back();
        if (r.kind == Kind::CsdQueue) csd_call[CsdQueue::from(r).csd] = r.call;
        break;
      case Kind::FuncEntry:
      case Kind::FuncExit:
        if (const std::uint32_t csd =
                r.kind == Kind::FuncEntry ? FuncEntry::from(r).csd : FuncExit::from(r).csd;
            csd != kNone) {
          if (auto it = csd_call.find(csd); it != csd_call.end()) r.call = it->second;
        } else if (!stack.empty()) {
          r.call = stack.back();  // run locally by the caller
        }
        break;
      default:
        break;
    }
  }
}

}  // namespace xcallsim::trace::ftrace::detail
