// The Interrupt Command Register as a value: field layout (SDM Fig. 10-12,
// SEMANTICS 42/50/51), decoding of the raw words a CPU writes, and encoding
// for hosts and tests that build ICR values from fields.
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/machine/machine.hpp"

namespace xcallsim::apic {

// ICR[10:8]. RemoteRead (011) and ExtInt (111) are reserved for IPIs on
// Pentium 4 and later; LowestPriority (001) is reserved in x2APIC (SEM-51).
enum class DeliveryMode : std::uint8_t {
  Fixed = 0,
  LowestPriority = 1,
  Smi = 2,
  RemoteRead = 3,
  Nmi = 4,
  Init = 5,
  StartUp = 6,
  ExtInt = 7,
};
enum class DestMode : std::uint8_t { Physical = 0, Logical = 1 };  // ICR[11]
enum class Trigger : std::uint8_t { Edge = 0, Level = 1 };         // ICR[15]
enum class Shorthand : std::uint8_t {                              // ICR[19:18]
  None = 0,
  Self = 1,
  AllIncludingSelf = 2,
  AllExcludingSelf = 3,
};

std::string_view to_string(DeliveryMode m);
std::string_view to_string(Shorthand s);

// Raw ICR bits (values as in Linux apicdef.h, SEM-42).
inline constexpr std::uint32_t kIcrVectorMask = 0xFF;
inline constexpr std::uint32_t kIcrDestLogical = 0x800;
inline constexpr std::uint32_t kIcrBusy = 0x1000;  // xAPIC delivery status (read-only)
inline constexpr std::uint32_t kIcrLevelAssert = 0x4000;
inline constexpr std::uint32_t kIcrLevelTrigger = 0x8000;
inline constexpr int kIcrModeShift = 8;
inline constexpr int kIcrShorthandShift = 18;

// Broadcast destinations (SEM-51/52).
inline constexpr std::uint32_t kXApicBroadcast = 0xFF;
inline constexpr std::uint32_t kX2ApicBroadcast = 0xFFFFFFFF;

// Vectors 0-15 are illegal for fixed and lowest-priority messages (SEM-46).
inline constexpr int kFirstLegalVector = 16;

struct Icr {
  std::uint8_t vector = 0;
  DeliveryMode mode = DeliveryMode::Fixed;
  DestMode dest_mode = DestMode::Physical;
  bool level_assert = true;  // ICR[14]; always "assert" on Pentium 4 and later
  Trigger trigger = Trigger::Edge;
  Shorthand shorthand = Shorthand::None;
  // xAPIC: ICR2[31:24] (8 bits); x2APIC: ICR[63:32] (32 bits).
  std::uint32_t dest = 0;
};

struct IcrWords {
  std::uint32_t lo = 0;  // ICR low dword / low half of the x2APIC MSR
  std::uint32_t hi = 0;  // xAPIC ICR2 (dest in [31:24]) / high half of the MSR
};

// Decoding never fails: every bit pattern maps to some Icr; validity
// (reserved modes, illegal vectors, invalid shorthand combinations) is judged
// by InterruptController::write_icr.
Icr decode_icr(machine::ApicMode mode, std::uint32_t lo, std::uint32_t hi);
IcrWords encode_icr(machine::ApicMode mode, const Icr& icr);

inline bool is_broadcast(machine::ApicMode mode, std::uint32_t dest) {
  return dest == (mode == machine::ApicMode::XApic ? kXApicBroadcast : kX2ApicBroadcast);
}

}  // namespace xcallsim::apic
