// The xcall library's basic vocabulary: callback types, CSD flag values, the
// XCALL_* API constants, error numbers and the semantic profile.
// Freestanding: only <stddef.h>/<stdint.h>.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace xcallsim::xcall {

// include/linux/smp.h: the callback run on the target, and the sender-side
// filter of the *_cond variants (SEM 1.4.5, SEM-19).
using smp_call_func_t = void (*)(void* info);
using smp_cond_func_t = bool (*)(int cpu, void* info);

// The csd flag word (SEMANTICS 2.1.2, include/linux/smp_types.h).
inline constexpr uint32_t CSD_FLAG_LOCK = 0x01;
inline constexpr uint32_t IRQ_WORK_PENDING = 0x01;  // shares the low nibble with the lock
inline constexpr uint32_t IRQ_WORK_BUSY = 0x02;
inline constexpr uint32_t CSD_TYPE_ASYNC = 0x00;
inline constexpr uint32_t CSD_TYPE_SYNC = 0x10;
inline constexpr uint32_t CSD_TYPE_IRQ_WORK = 0x20;
inline constexpr uint32_t CSD_TYPE_TTWU = 0x30;
inline constexpr uint32_t CSD_FLAG_TYPE_MASK = 0xF0;

// The seed's flags are the CSD type values (SEMANTICS 0.2): flags == 0 is ASYNC.
inline constexpr uint32_t XCALL_TYPE_ASYNC = CSD_TYPE_ASYNC;
inline constexpr uint32_t XCALL_TYPE_SYNC = CSD_TYPE_SYNC;
inline constexpr uint32_t XCALL_TYPE_IRQ_WORK = CSD_TYPE_IRQ_WORK;
inline constexpr uint32_t XCALL_TYPE_TTWU = CSD_TYPE_TTWU;
inline constexpr uint32_t XCALL_TYPE_MASK = CSD_FLAG_TYPE_MASK;
inline constexpr int XCALL_ALL = -1;

// Positive errno values; the API returns them negated (-kENXIO). Not named
// ENXIO etc. because <errno.h> defines those as macros.
inline constexpr int kENXIO = 6;
inline constexpr int kEBUSY = 16;
inline constexpr int kEINVAL = 22;

// Which rules the seed API follows where the seed and upstream differ
// (DESIGN "semantic profile"; the table is in xcall/profile.hpp).
enum class Profile : uint8_t { Seed, Upstream };

}  // namespace xcallsim::xcall
