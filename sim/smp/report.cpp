// Core, reports: warnings as Linux prints them, the csd_lock_wait_toolong()
// stuck-call report (SEM-30), and what a CPU is doing (for both).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

namespace {

const char* park_name(Park p) {
  switch (p) {
    case Park::None:
      return "running";
    case Park::Sync:
      return "busy until its clock";
    case Park::Compute:
      return "computing";
    case Park::Wait:
      return "spinning on a cache line (csd lock wait or idle poll)";
    case Park::Halt:
      return "halted until a deadline";
    case Park::Idle:
      return "idle (hlt)";
  }
  return "?";
}

}  // namespace

void Core::on_warning(const xcall::WarningEvent& w) {
  const auto kind = static_cast<std::size_t>(w.what);
  const bool first = warnings_[kind]++ == 0;
  if (w.style == xcall::WarnStyle::WarnOnce && !first) return;  // WARN_ON_ONCE prints once
  warning_messages_.push_back(fmt::format(
      "CPU#{}: {} {} (arg {}) at {} cycles", w.cpu,
      w.style == xcall::WarnStyle::PrWarn ? "warning:" : "WARNING:", xcall::warning_name(w.what),
      w.arg, running().now));
}

std::string Core::function_label(std::uint64_t func, std::uint64_t info) const {
  const std::uint32_t id = func_id(func, info);
  if (id == trace::kNone) return "?";
  return fmt::format("sim_func({})", functions_[id].name);
}

std::string Core::describe_cpu(int id) const {
  const CpuState& c = cpus_[static_cast<std::size_t>(id)];
  std::string s = fmt::format("CPU#{:02} at {} cycles: {}{}, IRQs {}", id, c.now,
                              c.program_done ? "program finished, " : "", park_name(c.park),
                              c.irqs_off ? "disabled" : "enabled");
  if (c.irq_depth > 0) s += fmt::format(", in interrupt handler (depth {})", c.irq_depth);
  if (!c.calls.empty()) s += fmt::format(", inside call #{}", c.calls.back());
  std::vector<int> pending;
  for (int v = 255; v >= 16; --v)
    if (apic_.irr(id).test(static_cast<std::uint8_t>(v))) pending.push_back(v);
  if (!pending.empty()) s += fmt::format(", IRR pending {:#x}", fmt::join(pending, " "));
  return s;
}

// csd_lock_wait_toolong()'s messages, plus what the simulator knows about the
// target; a first report marks the run stuck (and ends it if configured).
void Core::on_csd_lock_report(const xcall::CsdLockReport& r) {
  CpuState& c = running();
  const std::uint32_t csd = csd_id(r.csd);
  const Cycles waited = r.ts1 - r.ts0;
  const auto ns =
      static_cast<std::uint64_t>(std::llround(static_cast<double>(waited) / config_.ghz));
  if (r.phase == xcall::CsdLockPhase::Unstuck) {
    stuck_report_ +=
        fmt::format("csd: CSD lock (#{}) got unstuck on CPU#{:02}, CPU#{:02} released the lock.\n",
                    r.bug_id, r.waiter_cpu, r.target_cpu);
    return;
  }
  std::string text = fmt::format(
      "csd: {} non-responsive CSD lock (#{}) on CPU#{}, waiting {} ns for CPU#{:02} {}.\n",
      r.first_report ? "Detected" : "Continued", r.bug_id, r.waiter_cpu, ns, r.target_cpu,
      function_label(r.func, r.info));
  switch (r.activity) {
    case xcall::TargetActivity::HandlingPrior:
      text += fmt::format("\tcsd: CSD lock (#{}) handling prior {} request.\n", r.bug_id,
                          function_label(r.cur_func, r.cur_info));
      break;
    case xcall::TargetActivity::HandlingThis:
      text += fmt::format("\tcsd: CSD lock (#{}) handling this request.\n", r.bug_id);
      break;
    case xcall::TargetActivity::Unresponsive:
      text += fmt::format("\tcsd: CSD lock (#{}) unresponsive.\n", r.bug_id);
      break;
  }
  if (r.ipi_resent) {
    text += fmt::format("csd: Re-sending CSD lock (#{}) IPI from CPU#{:02} to CPU#{:02}\n",
                        r.bug_id, r.waiter_cpu, r.target_cpu);
  }
  text += fmt::format("\tsim: csd {} of call #{}; waiter {}\n", csd, recorder_.call_of_csd(csd),
                      describe_cpu(r.waiter_cpu));
  if (r.target_cpu >= 0 && r.target_cpu < cpu_count())
    text += fmt::format("\tsim: target {}\n", describe_cpu(r.target_cpu));
  stuck_report_ += text;

  const std::uint64_t us = ns / 1000;
  emit(c, trace::StuckCall{.call = recorder_.call_of_csd(csd),
                           .csd = csd,
                           .target = static_cast<std::uint32_t>(r.target_cpu),
                           .func = func_id(r.func, r.info),
                           .waited_us = static_cast<std::uint32_t>(std::min<std::uint64_t>(
                               us, std::numeric_limits<std::uint32_t>::max()))}
              .to_record());
  if (!stuck_) stuck_time_ = c.now;
  stuck_ = true;
  if (options_.stop_when_stuck) stop_requested_ = true;
}

}  // namespace xcallsim::smp::detail
