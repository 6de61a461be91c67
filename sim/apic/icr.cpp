#include "sim/apic/icr.hpp"

namespace xcallsim::apic {

std::string_view to_string(DeliveryMode m) {
  switch (m) {
    case DeliveryMode::Fixed:
      return "fixed";
    case DeliveryMode::LowestPriority:
      return "lowest-priority";
    case DeliveryMode::Smi:
      return "smi";
    case DeliveryMode::RemoteRead:
      return "remote-read";
    case DeliveryMode::Nmi:
      return "nmi";
    case DeliveryMode::Init:
      return "init";
    case DeliveryMode::StartUp:
      return "startup";
    case DeliveryMode::ExtInt:
      return "extint";
  }
  return "?";
}

std::string_view to_string(Shorthand s) {
  switch (s) {
    case Shorthand::None:
      return "none";
    case Shorthand::Self:
      return "self";
    case Shorthand::AllIncludingSelf:
      return "all-including-self";
    case Shorthand::AllExcludingSelf:
      return "all-excluding-self";
  }
  return "?";
}

Icr decode_icr(machine::ApicMode mode, std::uint32_t lo, std::uint32_t hi) {
  Icr icr;
  icr.vector = static_cast<std::uint8_t>(lo & kIcrVectorMask);
  icr.mode = static_cast<DeliveryMode>((lo >> kIcrModeShift) & 7U);
  icr.dest_mode = (lo & kIcrDestLogical) != 0 ? DestMode::Logical : DestMode::Physical;
  icr.level_assert = (lo & kIcrLevelAssert) != 0;
  icr.trigger = (lo & kIcrLevelTrigger) != 0 ? Trigger::Level : Trigger::Edge;
  icr.shorthand = static_cast<Shorthand>((lo >> kIcrShorthandShift) & 3U);
  icr.dest = mode == machine::ApicMode::XApic ? hi >> 24 : hi;
  return icr;
}

IcrWords encode_icr(machine::ApicMode mode, const Icr& icr) {
  IcrWords w;
  w.lo = icr.vector | (static_cast<std::uint32_t>(icr.mode) << kIcrModeShift) |
         (icr.dest_mode == DestMode::Logical ? kIcrDestLogical : 0U) |
         (icr.level_assert ? kIcrLevelAssert : 0U) |
         (icr.trigger == Trigger::Level ? kIcrLevelTrigger : 0U) |
         (static_cast<std::uint32_t>(icr.shorthand) << kIcrShorthandShift);
  w.hi = mode == machine::ApicMode::XApic ? (icr.dest & 0xFFU) << 24 : icr.dest;
  return w;
}

}  // namespace xcallsim::apic
