// The function table behind FuncId (one trampoline, the id in `info`) and the
// named cond functions, as real smp_call_func_t / smp_cond_func_t.
#include <stdexcept>
#include <string>

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

void* info_of(FuncId id) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id) +
                                 1);  // NOLINT(performance-no-int-to-ptr)
}

// smp_call_func_t of every registered function: `info` names it.
void sim_func(void* info) {
  Core* core = Core::current();
  if (core == nullptr) throw std::logic_error("smp: a simulated function ran outside a run");
  core->run_function(static_cast<FuncId>(reinterpret_cast<std::uintptr_t>(info) - 1));
}

std::uint32_t Core::func_id(std::uint64_t func, std::uint64_t info) const {
  if (func != xcall::identity(&sim_func) || info == 0 || info > functions_.size())
    return trace::kNone;
  return static_cast<std::uint32_t>(info - 1);
}

const FuncSpec* Core::function_spec(FuncId id) const {
  return id < functions_.size() ? &functions_[id] : nullptr;
}

void Core::run_function(FuncId id) {
  const FuncSpec* spec = function_spec(id);
  if (spec == nullptr) throw std::logic_error("smp: unknown function id " + std::to_string(id));
  compute(running(), spec->cycles);
}

namespace {

bool cond_all(int, void*) {
  return true;
}
bool cond_none(int, void*) {
  return false;
}
bool cond_odd(int cpu, void*) {
  return cpu % 2 == 1;
}
bool cond_even(int cpu, void*) {
  return cpu % 2 == 0;
}
bool cond_node0(int cpu, void*) {
  return Core::current()->topology().node(cpu) == 0;
}
bool cond_not_self(int cpu, void*) {
  return cpu != Core::current()->running().id;
}

}  // namespace

xcall::smp_cond_func_t cond_func(Cond cond) {
  switch (cond) {
    case Cond::All:
      return &cond_all;
    case Cond::None:
      return &cond_none;
    case Cond::Odd:
      return &cond_odd;
    case Cond::Even:
      return &cond_even;
    case Cond::Node0:
      return &cond_node0;
    case Cond::NotSelf:
      return &cond_not_self;
  }
  return &cond_all;
}

}  // namespace xcallsim::smp::detail

namespace xcallsim::smp {

std::string_view to_string(Cond c) {
  switch (c) {
    case Cond::All:
      return "all";
    case Cond::None:
      return "none";
    case Cond::Odd:
      return "odd";
    case Cond::Even:
      return "even";
    case Cond::Node0:
      return "node0";
    case Cond::NotSelf:
      return "not_self";
  }
  return "all";
}

std::optional<Cond> cond_from_name(std::string_view name) {
  for (const Cond c : {Cond::All, Cond::None, Cond::Odd, Cond::Even, Cond::Node0, Cond::NotSelf})
    if (to_string(c) == name) return c;
  return std::nullopt;
}

std::string_view to_string(Profile p) {
  return xcall::profile_name(p);
}

}  // namespace xcallsim::smp
