// ICR field layout and the 256-bit vector sets (SEMANTICS 42, 46, 50, 51).
#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using xcallsim::machine::ApicMode;

TEST_CASE("SEM-42: ICR words built as Linux builds them decode field by field", "[unit]") {
  // APIC_DEST_ALLBUT | APIC_DM_FIXED | CALL_FUNCTION_VECTOR
  Icr allbut = decode_icr(ApicMode::XApic, 0xC0000 | 0xFC, 0);
  CHECK(allbut.vector == 0xFC);
  CHECK(allbut.mode == DeliveryMode::Fixed);
  CHECK(allbut.shorthand == Shorthand::AllExcludingSelf);

  CHECK(decode_icr(ApicMode::XApic, 0x80000 | 0xFD, 0).shorthand == Shorthand::AllIncludingSelf);
  CHECK(decode_icr(ApicMode::XApic, 0x40000 | 0xF6, 0).shorthand == Shorthand::Self);

  // __default_send_IPI_dest_field: ICR2 = dest << 24, then APIC_DM_NMI.
  Icr nmi = decode_icr(ApicMode::XApic, 0x400 | 0x02, 0x05U << 24);
  CHECK(nmi.mode == DeliveryMode::Nmi);
  CHECK(nmi.dest == 0x05);
  CHECK(nmi.dest_mode == DestMode::Physical);
  CHECK(nmi.shorthand == Shorthand::None);

  Icr level = decode_icr(ApicMode::XApic, 0x8000 | 0x4000 | 0x800 | 0x500, 0xFFFFFFFF);
  CHECK(level.trigger == Trigger::Level);
  CHECK(level.level_assert);
  CHECK(level.dest_mode == DestMode::Logical);
  CHECK(level.mode == DeliveryMode::Init);
  CHECK(level.dest == 0xFF);  // xAPIC: only ICR2[31:24]

  CHECK(decode_icr(ApicMode::X2Apic, 0xFB, 0x12345678).dest == 0x12345678);  // SEM-51
  CHECK(decode_icr(ApicMode::XApic, 0x600 | 0x9A, 0).mode == DeliveryMode::StartUp);
  CHECK(decode_icr(ApicMode::XApic, 0x100, 0).mode == DeliveryMode::LowestPriority);
}

TEST_CASE("SEM-50: encode_icr and decode_icr round-trip every field in both modes", "[unit]") {
  for (ApicMode m : {ApicMode::XApic, ApicMode::X2Apic}) {
    for (int dm = 0; dm < 8; ++dm) {
      for (int sh = 0; sh < 4; ++sh) {
        Icr icr;
        icr.vector = static_cast<std::uint8_t>(0x20 + dm * 16 + sh);
        icr.mode = static_cast<DeliveryMode>(dm);
        icr.dest_mode = sh % 2 ? DestMode::Logical : DestMode::Physical;
        icr.level_assert = dm % 2 == 0;
        icr.trigger = sh >= 2 ? Trigger::Level : Trigger::Edge;
        icr.shorthand = static_cast<Shorthand>(sh);
        icr.dest = m == ApicMode::XApic ? 0xA5U : 0xDEADBE00U + static_cast<std::uint32_t>(dm);
        const IcrWords w = encode_icr(m, icr);
        CHECK((w.lo & kIcrBusy) == 0);
        const Icr back = decode_icr(m, w.lo, w.hi);
        CHECK(back.vector == icr.vector);
        CHECK(back.mode == icr.mode);
        CHECK(back.dest_mode == icr.dest_mode);
        CHECK(back.level_assert == icr.level_assert);
        CHECK(back.trigger == icr.trigger);
        CHECK(back.shorthand == icr.shorthand);
        CHECK(back.dest == icr.dest);
      }
    }
  }
}

TEST_CASE("SEM-46: VectorSet tracks 256 vectors and finds the highest in O(1)", "[unit]") {
  VectorSet s;
  CHECK(s.empty());
  CHECK(s.highest() == -1);
  for (int v : {0, 63, 64, 127, 128, 200, 255}) {
    s.set(static_cast<std::uint8_t>(v));
    CHECK(s.highest() == v);  // inserted in ascending order
  }
  CHECK(s.count() == 7);
  s.reset(255);
  CHECK(s.highest() == 200);
  s.reset(200);
  s.reset(128);
  CHECK(s.highest() == 127);
  CHECK(s.test(64));
  CHECK_FALSE(s.test(65));
  s.clear();
  CHECK(s.empty());
}
