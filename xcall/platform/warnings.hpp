// Context-rule warnings and stuck-csd reports the library hands to the
// Platform (SEMANTICS 1.4.3, 1.4.8, 2.8, 2.9). Freestanding.
#pragma once

#include <stdint.h>

namespace xcallsim::xcall {

enum class Warning : uint8_t {
  IrqsDisabled,          // WARN_ON_ONCE(cpu_online(this) && irqs_disabled() && !oops) (SEM-13,
                         //   seed 1.4.8)
  IrqsDisabledLockdep,   // lockdep_assert_irqs_enabled() in the mask path (SEM-17)
  NotInTask,             // WARN_ON_ONCE(!in_task()) (SEM-13, SEM-17, 1.4.8)
  InvalidCpu,            // seed pr_warn("Invalid cpu ID = %d") (1.4.3); arg = cpu
  PrivateBadCpu,         // seed smp_xcall_private on an invalid/offline cpu (patch 05); arg = cpu
  NullArgument,          // NULL mask/csd/func rejected with -EINVAL; arg = Api
  CsdUnlockNotLocked,    // WARN_ON(!(u_flags & CSD_FLAG_LOCK)) in csd_unlock (SEM-7)
  IpiOnOfflineCpu,       // WARN(1, "IPI on offline CPU %d"), once per boot (SEM-21)
  CallbackOnOfflineCpu,  // pr_warn("IPI callback %pS sent to offline CPU") per entry (SEM-21)
  TtwuOnOfflineCpu,      // pr_warn("IPI task-wakeup sent to offline CPU")
  UnknownTypeOnOfflineCpu,  // pr_warn("IPI callback, unknown type %d, ...")
  FlushIrqsEnabled,         // lockdep_assert_irqs_disabled() in the flush (SEM-21)
  CsdLockWaitBadCpu,        // WARN_ONCE(cpu < 0 || cpu >= nr_cpu_ids) in the stuck report (SEM-30)
};
inline constexpr int kWarningCount = 13;

// How Linux reports it. The library calls Platform::warn() on EVERY
// occurrence; the platform counts all of them and prints WarnOnce kinds only
// the first time (globally, like a WARN_ON_ONCE call site's static flag).
enum class WarnStyle : uint8_t { WarnOnce, Warn, PrWarn, Lockdep };

constexpr WarnStyle warn_style(Warning w) {
  switch (w) {
    case Warning::IrqsDisabled:
    case Warning::NotInTask:
    case Warning::CsdLockWaitBadCpu:
      return WarnStyle::WarnOnce;
    case Warning::CsdUnlockNotLocked:
    case Warning::IpiOnOfflineCpu:
      return WarnStyle::Warn;
    case Warning::IrqsDisabledLockdep:
    case Warning::FlushIrqsEnabled:
      return WarnStyle::Lockdep;
    default:
      return WarnStyle::PrWarn;
  }
}

constexpr const char* warning_name(Warning w) {
  switch (w) {
    case Warning::IrqsDisabled:
      return "irqs-disabled";
    case Warning::IrqsDisabledLockdep:
      return "irqs-disabled-lockdep";
    case Warning::NotInTask:
      return "not-in-task";
    case Warning::InvalidCpu:
      return "invalid-cpu";
    case Warning::PrivateBadCpu:
      return "private-bad-cpu";
    case Warning::NullArgument:
      return "null-argument";
    case Warning::CsdUnlockNotLocked:
      return "csd-unlock-not-locked";
    case Warning::IpiOnOfflineCpu:
      return "ipi-on-offline-cpu";
    case Warning::CallbackOnOfflineCpu:
      return "callback-on-offline-cpu";
    case Warning::TtwuOnOfflineCpu:
      return "ttwu-on-offline-cpu";
    case Warning::UnknownTypeOnOfflineCpu:
      return "unknown-type-on-offline-cpu";
    case Warning::FlushIrqsEnabled:
      return "flush-irqs-enabled";
    case Warning::CsdLockWaitBadCpu:
      return "csd-lock-wait-bad-cpu";
  }
  return "unknown";
}

struct WarningEvent {
  Warning what{};
  WarnStyle style{};
  int32_t cpu = -1;   // where it fired
  int32_t arg = 0;    // cpu id, Api, csd type... (see Warning)
  uint64_t func = 0;  // the callback involved, if any
};

// State of one csd_lock_wait(), owned by the library across repeated
// Platform::wait_until() calls (SEM-29). ts0/ts1 are in platform time units
// and written only by the platform: ts0 = start of the wait (set on the first
// call, when it is 0), ts1 = time of the last report (set when returning
// TimedOut). The platform may return TimedOut only when `diagnose` is true.
struct CsdWait {
  const void* csd = nullptr;
  bool diagnose = false;  // CSD lock wait debugging on (csdlock_debug=1)
  uint64_t ts0 = 0;
  uint64_t ts1 = 0;
};
enum class WaitResult : uint8_t { Satisfied, TimedOut };

// What the target was doing when a waiter timed out (csd_lock_wait_toolong).
enum class TargetActivity : uint8_t { HandlingPrior, HandlingThis, Unresponsive };
enum class CsdLockPhase : uint8_t { Stuck, Unstuck };

// One csd_lock_wait_toolong() message (SEM-30), built by the library from the
// csd and the target's cur_csd record; the platform prints/records it and
// applies its own policy (panic_on_ipistall, back-traces).
struct CsdLockReport {
  CsdLockPhase phase{};
  bool first_report = false;  // "Detected" (true) vs "Continued"
  bool ipi_resent = false;    // target showed no current csd: raw IPI re-sent
  TargetActivity activity{};
  int32_t bug_id = 0;       // csd_bug_count value of this incident
  int32_t waiter_cpu = -1;  // raw_smp_processor_id()
  int32_t target_cpu = -1;  // node.dst for SYNC/ASYNC csds, else -1
  uint32_t csd_flags = 0;
  uint64_t csd = 0, func = 0, info = 0;              // the csd waited on
  uint64_t cur_csd = 0, cur_func = 0, cur_info = 0;  // target's csd_lock_record
  uint64_t ts0 = 0, ts1 = 0;                         // from CsdWait: waited = ts1 - ts0
};

}  // namespace xcallsim::xcall
