// The request decoder (request.hpp) on its own: every rejection class and
// the pass-through of ICR values to the APIC model.
#include <catch2/catch.hpp>

#include "sim/devmodel/request.hpp"

using namespace xcallsim::devmodel;
using shm::Op;
using shm::Reject;

namespace {

shm::Request rechecked(shm::Request r) {
  r.check = shm::request_check(r);
  return r;
}

}  // namespace

TEST_CASE("decode accepts a well-formed request of every op", "[unit][devmodel]") {
  for (std::uint16_t op = 1; op <= shm::kMaxOp; ++op) {
    const std::uint32_t arg0 = op == static_cast<std::uint16_t>(Op::DfrWrite) ? 0xFFFFFFFF : 0;
    const Decoded d = decode_request(make_request(7, static_cast<Op>(op), arg0, 0, 123), 7);
    INFO("op " << op);
    CHECK(d.reject == Reject::None);
    CHECK(d.command.op == static_cast<Op>(op));
    CHECK(d.command.seq == 7);
    CHECK(d.command.tsc == 123);
  }
}

TEST_CASE("decode passes every ICR bit pattern through to the APIC model", "[unit][devmodel]") {
  const Decoded d = decode_request(make_request(1, Op::IcrWrite, 0xFFFFFFFF, 0xFFFFFFFF), 1);
  CHECK(d.reject == Reject::None);
  CHECK(d.command.arg0 == 0xFFFFFFFF);
  CHECK(d.command.arg1 == 0xFFFFFFFF);
}

TEST_CASE("decode rejects a copy whose check word does not match (tearing)", "[unit][devmodel]") {
  shm::Request r = make_request(3, Op::IcrWrite, 0xfb, 2u << 24);
  r.arg0 = 0xfc;  // changed after the check was computed: a half-rewritten entry
  CHECK(decode_request(r, 3).reject == Reject::Torn);
}

TEST_CASE("decode rejects a stale or future sequence number", "[unit][devmodel]") {
  const shm::Request r = make_request(4, Op::Eoi);
  CHECK(decode_request(r, 5).reject == Reject::StaleSeq);
  CHECK(decode_request(r, 3).reject == Reject::StaleSeq);
  CHECK(decode_request(r, 4).reject == Reject::None);
}

TEST_CASE("decode rejects unknown ops", "[unit][devmodel]") {
  shm::Request r{};
  r.seq = 1;
  for (std::uint16_t op : {std::uint16_t{0}, std::uint16_t{10}, std::uint16_t{0xFFFF}}) {
    r.op = op;
    INFO("op " << op);
    CHECK(decode_request(rechecked(r), 1).reject == Reject::UnknownOp);
  }
}

TEST_CASE("decode rejects reserved fields and argument bits", "[unit][devmodel]") {
  shm::Request flags = make_request(1, Op::Eoi);
  flags.flags = 1;
  CHECK(decode_request(rechecked(flags), 1).reject == Reject::ReservedBits);
  shm::Request reserved = make_request(1, Op::Eoi);
  reserved.reserved = 0x80000000;
  CHECK(decode_request(rechecked(reserved), 1).reject == Reject::ReservedBits);
  CHECK(decode_request(make_request(1, Op::Eoi, 1), 1).reject == Reject::ReservedBits);
  CHECK(decode_request(make_request(1, Op::Inta, 0, 1), 1).reject == Reject::ReservedBits);
  CHECK(decode_request(make_request(1, Op::TprWrite, 0x100), 1).reject == Reject::ReservedBits);
  CHECK(decode_request(make_request(1, Op::SelfIpi, 0x1fb), 1).reject == Reject::ReservedBits);
  CHECK(decode_request(make_request(1, Op::LdrWrite, 0x01000001), 1).reject ==
        Reject::ReservedBits);
  CHECK(decode_request(make_request(1, Op::LdrWrite, 0x01000000), 1).reject == Reject::None);
  CHECK(decode_request(make_request(1, Op::DfrWrite, 0x00000000), 1).reject ==
        Reject::ReservedBits);
  CHECK(decode_request(make_request(1, Op::DfrWrite, 0x0FFFFFFF), 1).reject == Reject::None);
}

TEST_CASE("every rejection has a name and a fix", "[unit][devmodel]") {
  for (std::uint32_t k = 1; k < shm::kRejectKinds; ++k) {
    INFO("reject " << k);
    CHECK_FALSE(to_string(static_cast<Reject>(k)).empty());
    CHECK_FALSE(fix_for(static_cast<Reject>(k)).empty());
  }
}
